"""The Jinja environments: sandboxed for chapter text, autoescaped for the page templates."""

from __future__ import annotations

import operator
import re
import traceback
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from . import limits
from .manuscript.markdown import code_ranges, literal_backticks_in_raw_code
from .messages import fail
from .model import Book, Chapter, Edition
from .theme import Theme



def book_context(book: Book, edition: Edition) -> dict:
    """What chapters and templates may use: plain values only, never live objects."""
    return {
        "book": {
            "title": book.title, "subtitle": book.subtitle, "authors": list(book.authors),
            "language": book.language, "slug": book.slug, "version": book.version,
            "publisher": book.publisher, "rights": book.rights, "description": book.description,
            "url": book.url,
        },
        "edition": {"kind": edition.kind, "name": edition.name, "isbn": edition.isbn,
                    "trim": list(edition.trim)},
    }


MIN_JINJA = (3, 1, 6)  # sandbox escapes CVE-2024-56326 and CVE-2025-27516 are fixed from 3.1.6
# What a chapter may apply to the book's values: text in, bounded text out.
CHAPTER_FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default", "d", "length", "count",
                   "first", "last", "e", "escape", "string", "join", "int", "list", "reverse", "sort",
                   "wordcount")
MAX_REPEAT = 10_000  # the longest string or list `*` may make in a chapter


class ChapterEnvironment(SandboxedEnvironment):
    """Jinja's sandbox, narrowed to what a chapter needs: the book's and edition's values, no calls.

    No globals (no range, cycler, namespace, lipsum), a few text filters, no method calls on
    values, `**` refused and `*` bounded (Jinja folds constants at compile time, so
    `{{ 9**9**9 }}` would hang before any timer could fire).
    """

    intercepted_binops = frozenset({"**", "*", "%"})

    def __init__(self, **options):
        super().__init__(**options)
        self.globals.clear()
        self.filters = {name: self.filters[name] for name in CHAPTER_FILTERS}
        self.filters["join"] = _bounded_join

    def is_safe_attribute(self, obj, attr, value) -> bool:
        return not callable(value) and super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj, attribute):
        if isinstance(obj, jinja2.Undefined):  # `cycler.__init__`: say that `cycler` is undefined
            obj._fail_with_undefined_error()
        return super().getattr(obj, attribute)

    def call_binop(self, context, operator_name: str, left, right):
        if operator_name == "**":
            raise SecurityError("the power operator '**' is not available in a chapter")
        if operator_name == "%":
            if isinstance(left, str):  # '%999999999s' % x would allocate a gigabyte in one step
                widths = [int(n) for pair in FORMAT_WIDTH.findall(left) for n in pair if n]
                if "*" in "".join(FORMAT_SPEC.findall(left)) or any(w > MAX_REPEAT for w in widths):
                    raise SecurityError(f"a '%' format wider than {MAX_REPEAT} characters is not allowed")
            return operator.mod(left, right)
        if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
            count = right if isinstance(left, (str, list, tuple)) else left
            base = left if isinstance(left, (str, list, tuple)) else right
            if not isinstance(count, int) or len(base) * max(count, 0) > MAX_REPEAT:
                raise SecurityError(f"repeating a text more than {MAX_REPEAT} characters long is not allowed")
        return operator.mul(left, right)


FORMAT_SPEC = re.compile(r"%[-+ #0]*[\d*]*(?:\.[\d*]*)?")  # a printf-style conversion's flags, width, precision
FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d*)(?:\.(\d*))?")


def _bounded_join(value, separator: str = "", attribute=None) -> str:
    """Jinja's `join`, refused when what it would make is longer than MAX_REPEAT: a huge separator
    between many items multiplies, as `*` does."""
    items = [str(v) for v in (value or [])] if attribute is None else None
    if items is None:
        from jinja2.filters import make_attrgetter

        getter = make_attrgetter(None, attribute)  # Jinja's own lookup: `join(attribute='name')`
        items = [str(getter(v)) for v in value]
    if sum(map(len, items)) + len(str(separator)) * max(len(items) - 1, 0) > MAX_REPEAT:
        raise SecurityError(f"joining into a text more than {MAX_REPEAT} characters long is not allowed")
    return str(separator).join(items)


def check_jinja_version() -> None:
    """Refuse to run chapters through a Jinja older than the sandbox fixes."""
    version = tuple(int(p) for p in jinja2.__version__.split(".")[:3] if p.isdigit())
    if version < MIN_JINJA:
        raise fail("T011", "requirements.txt", 0, 0, f"Jinja2 {jinja2.__version__} is older than 3.1.6, "
                   "whose sandbox has known escapes: run `make` to reinstall the pinned version")


# Jinja sees neither code nor escaped braces: each is swapped for a sentinel (Unicode
# noncharacters, which the text lint refuses in a manuscript) and put back after rendering.
# A code block's sentinel keeps its line ends, so lines keep their numbers.
CODE_OPEN, CODE_CLOSE, ESCAPED_BRACE = "\ufdd0", "\ufdd1", "\ufdd2"
CODE_SENTINEL = re.compile(f"{CODE_OPEN}(\\d+)\n*{CODE_CLOSE}")
# Jinja's comments are switched off: `{#` opens pandoc's attributes (`## Method {#sec-method}`).
NO_COMMENT = ("\ufdd3", "\ufdd4")
TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%")


def render_chapter(chapter: Chapter, context: dict) -> str:
    """The chapter's Markdown as pandoc reads it: its Jinja run, a lone backtick in raw `<code>` literal."""
    return literal_backticks_in_raw_code(_render_template(chapter, context))


def _render_template(chapter: Chapter, context: dict) -> str:
    """Run a chapter's Jinja (edition switches, book variables) in a sandbox; errors name file:line.

    The context holds only `book` and `edition` (plain values); the chapter cannot include,
    import or extend anything, and it runs under a time limit. Code spans and blocks are never
    template, and `\\{{` writes a literal `{{` in prose.
    """
    if "{" not in chapter.body:
        return chapter.body
    source, code = template_source(chapter.body)
    if not TEMPLATE_SYNTAX.search(source):
        return chapter.body
    check_jinja_version()
    served = []

    def load(name: str):
        if name != chapter.shown or served:  # the chapter itself, once: no include, import or extends
            return None
        served.append(name)
        # A filename makes Jinja's rewritten traceback frames carry the chapter's own lines.
        return source, chapter.shown, lambda: True

    env = ChapterEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
                             loader=jinja2.FunctionLoader(load), cache_size=0,
                             comment_start_string=NO_COMMENT[0], comment_end_string=NO_COMMENT[1])
    values = {"book": context["book"], "edition": context["edition"]}
    try:
        with limits.deadline(limits.JINJA_SECONDS, chapter.shown, "the chapter's template"), \
                limits.stage(chapter.shown, "rendering the chapter's template"):
            return restored(env.get_template(chapter.shown).render(values), code)
    except jinja2.TemplateSyntaxError as exc:
        raise fail("J001", chapter.shown, chapter.body_line + (exc.lineno or 1) - 1, 1,
                   f"template syntax: {exc.message}") from None
    except SecurityError as exc:
        line = _template_line(exc, chapter.shown)
        raise fail("J004", chapter.shown, chapter.body_line + line - 1, 1,
                   f"not allowed in a chapter's template: {exc}") from None
    except jinja2.TemplateNotFound:
        raise fail("J004", chapter.shown, chapter.body_line, 1,
                   "a chapter's template cannot include, import or extend other templates") from None
    except jinja2.TemplateError as exc:
        line = _template_line(exc, chapter.shown)
        raise fail("J002", chapter.shown, chapter.body_line + line - 1, 1, _describe(exc)) from None
    except RecursionError:
        raise fail("J004", chapter.shown, chapter.body_line, 1,
                   "the chapter's template recurses without end (a macro calling itself?)") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:  # `1 | length`, `1 / 0`: the author's
        line = _template_line(exc, chapter.shown)
        raise fail("J002", chapter.shown, chapter.body_line + line - 1, 1,
                   f"template error: {type(exc).__name__}: {exc}") from None


def template_source(body: str) -> tuple[str, list[str]]:
    """The chapter as Jinja sees it, and the code taken out of it (in order)."""
    pieces, code, position = [], [], 0
    for start, end in code_ranges(body):
        pieces.append(body[position:start].replace("\\{", ESCAPED_BRACE))
        pieces.append(f"{CODE_OPEN}{len(code)}" + "\n" * body.count("\n", start, end) + CODE_CLOSE)
        code.append(body[start:end])
        position = end
    pieces.append(body[position:].replace("\\{", ESCAPED_BRACE))
    return "".join(pieces), code


def restored(text: str, code: list[str]) -> str:
    """The rendered chapter with its code and escaped braces put back."""
    return CODE_SENTINEL.sub(lambda m: code[int(m.group(1))], text).replace(ESCAPED_BRACE, "\\{")


def page_environment(edition_kind: str, theme: Theme) -> jinja2.Environment:
    """Page templates of an edition kind, the book's own before ours (theme.py), autoescaped, strict."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.template_dirs(edition_kind)]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )


def render_page(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render one page template; a template error names templates/<file>:line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise fail("J001", _template_shown(exc.filename), exc.lineno or 0, 1, f"template syntax: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        tried = ", ".join(_template_shown(str(Path(d) / exc.name)) for d in getattr(env.loader, "searchpath", ()))
        raise fail("J003", "templates", 0, 0, f"template {exc.name!r} not found (looked for {tried})") from None
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc)
        raise fail("J002", _template_shown(path), line, 1, _describe(exc)) from None


def _describe(exc: jinja2.TemplateError) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined variable: {exc.message}"
    return f"template error: {exc}"


def _template_line(exc: BaseException, filename: str) -> int:
    """Jinja rewrites tracebacks so template frames carry the template's own line numbers."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return lines[-1] if lines else 1


def _template_frame(exc: BaseException) -> tuple[str, int]:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
    return (frames[-1].filename, frames[-1].lineno) if frames else ("templates", 0)


def _template_shown(path: str | None) -> str:
    """A template's path as the user would type it: from the working folder when inside it."""
    if not path:
        return "templates"
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path
