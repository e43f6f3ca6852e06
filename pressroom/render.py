"""The Jinja environments: sandboxed for chapter text, autoescaped for the page templates."""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .messages import fail
from .model import Book, Chapter, Edition

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def book_context(book: Book, edition: Edition) -> dict:
    """What chapters and templates may use: plain values only, never live objects."""
    return {
        "book": {
            "title": book.title, "subtitle": book.subtitle, "authors": list(book.authors),
            "language": book.language, "slug": book.slug, "version": book.version,
            "publisher": book.publisher, "rights": book.rights, "description": book.description,
        },
        "edition": {"kind": edition.kind, "name": edition.name, "isbn": edition.isbn,
                    "trim": list(edition.trim)},
    }


def render_chapter(chapter: Chapter, context: dict) -> str:
    """Run a chapter's Jinja (edition switches, book variables) in a sandbox; errors name file:line."""
    if "{" not in chapter.body:
        return chapter.body
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True,
        # A filename makes Jinja's rewritten traceback frames carry the chapter's own lines.
        loader=jinja2.FunctionLoader(lambda name: (chapter.body, chapter.shown, lambda: True)),
    )
    try:
        return env.get_template(chapter.shown).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise fail("J001", chapter.shown, chapter.body_line + (exc.lineno or 1) - 1, 1,
                   f"template syntax: {exc.message}") from None
    except jinja2.TemplateError as exc:
        line = _template_line(exc, chapter.shown)
        raise fail("J002", chapter.shown, chapter.body_line + line - 1, 1, _describe(exc)) from None


def page_environment(edition_kind: str, templates: Path = TEMPLATES) -> jinja2.Environment:
    """Templates from templates/<kind>/ then templates/ (shared partials), autoescaped, strict."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(templates / edition_kind), str(templates)]),
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
        raise fail("J003", "templates", 0, 0, f"template {exc.name!r} not found") from None
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
    if not path:
        return "templates"
    try:
        return str(Path(path).resolve().relative_to(TEMPLATES.parent))
    except ValueError:
        return path
