"""pressroom/check: every rule has a fixed code, documented in one table (and the README's); an
edition whose format no rule reads is reported by name, never read as another format; the
package imports no writer and takes part in no import cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pressroom import cli, editions
from pressroom.check import RULES
from pressroom.check.rules import all_rules
from pressroom.editions import Kind
from pressroom.messages import Report
from pressroom.pipeline import build

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pressroom"
# The codes as they were given: a code never moves to another rule.
FIXED = {"Q001": ("notes", ("pdf",)), "Q002": ("measure", ("pdf",)), "Q003": ("opening", ("pdf",)),
         "Q004": ("contents", ("pdf",)), "Q005": ("ending", ("pdf",)), "Q006": ("fonts", ("pdf",)),
         "Q007": ("epubcheck", ("epub",)), "Q008": ("ace", ("epub",)), "Q009": ("scan", ("pdf", "epub", "html", "docx")),
         "Q010": ("ending", ("epub",)), "Q011": ("ending", ("html",))}
TABLE_ROW = re.compile(r"^\| (Q\d{3}) \| ([^|]+?) +\| ([^|]+?) +\|", re.M)
README_FORMATS = {"PDF": "pdf", "EPUB": "epub", "web": "html", "DOCX": "docx"}
TOY = Kind("txt", "unit.toy_edition:write", "{slug}{-name}.txt", "{stem}{-name}.txt", "txt",
           "the book as plain text", built_by_default=False)
CHAPTER = "---\ntitle: One\n---\nA sentence with a note.[^n]\n\n[^n]: The note.\n"
# What the check package may not import, even lazily: the build and the editions' writers.
WRITERS = {"pressroom.pipeline", "pressroom.context", "pressroom.editions.pdf", "pressroom.editions.epub",
           "pressroom.editions.html", "pressroom.editions.typeset", "pressroom.editions.parts",
           "pressroom.editions.fragments"}


def test_every_rule_keeps_its_code():
    assert {r.code: (r.key, r.formats) for r in all_rules()} == FIXED


def test_the_rules_module_documents_every_rule_with_its_format_and_label():
    import pressroom.check.rules as rules

    rows = {code: (tuple(f.strip() for f in formats.split(",")), label)
            for code, formats, label in TABLE_ROW.findall(rules.__doc__) if code != "Q000"}
    assert rows == {r.code: (r.formats, r.label) for r in all_rules()}


def test_the_readme_lists_every_rule_with_its_code():
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = {code: (tuple(README_FORMATS[f.strip()] for f in formats.split(",")), label)
            for code, formats, label in TABLE_ROW.findall(readme)}
    assert rows == {r.code: (r.formats, r.label) for r in all_rules()}


def test_every_format_of_the_edition_registry_has_rules():
    formats = {kind.format for kind in editions.KINDS.values()}
    assert formats == {f for r in RULES.values() for f in r.formats}


def test_an_edition_of_a_format_no_rule_reads_is_a_warning_naming_it(book_at, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(editions.KINDS, "txt", TOY)
    root = book_at({"01-one.md": CHAPTER}, editions=[{"kind": "txt", "name": "plain"}])
    out = tmp_path / "out"
    build(root, out, {"txt"}, lambda _line: None, Report())
    warned = []
    monkeypatch.setattr(cli, "print_messages", warned.extend)
    capsys.readouterr()
    assert cli.main(["check", "--manuscript", str(root), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "test-book-plain.txt: not checked (no rule of `check` reads txt files)" in printed.splitlines()
    assert "check: nothing was checked (no rule reads these editions' formats)" in printed
    assert [str(m) for m in warned] == [
        f"{out / 'test-book-plain.txt'}: warning[Q000]: the plain edition was not checked: no rule of `check` "
        "reads txt files (pressroom/check/rules.py lists them)"]
    assert "safety scan" not in printed  # not read as a PDF, nor scanned as anything


def imports(path: Path, lazy: bool) -> set[str]:
    """The pressroom modules a module imports: at its top level, or (lazy) anywhere in it;
    never those under `if TYPE_CHECKING:` (no import at run time)."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text("utf-8")).body, lazy):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
        parent = ".".join(base + ([node.module] if node.module else []))
        named = [f"{parent}.{alias.name}" for alias in node.names if _exists(f"{parent}.{alias.name}")]
        found.update(named or [parent])
    return {name for name in found if name.startswith("pressroom") and _exists(name) and name != module}


def _import_nodes(body: list, lazy: bool):
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        elif lazy or isinstance(node, (ast.If, ast.Try)):
            for field in ("body", "orelse", "handlers", "finalbody"):
                yield from _import_nodes(getattr(node, field, []) or [], lazy)


def _exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _graph(lazy: bool) -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = imports(path, lazy)
    return graph


def _cycle(graph: dict[str, set[str]], among: set[str]) -> list[str] | None:
    """A cycle through modules of `among`, if there is one."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return path[path.index(name):] + [name]
        if name in done:
            return None
        for following in sorted(graph.get(name, ())):
            found = visit(following, path + [name])
            if found:
                return found
        done.add(name)
        return None

    return next((c for c in (visit(name, []) for name in sorted(among)) if c and set(c) & among), None)


def test_no_module_of_pressroom_imports_itself_round_a_cycle():
    graph = _graph(lazy=False)
    assert _cycle(graph, set(graph)) is None


def test_check_imports_no_writer_and_no_module_that_imports_it_back():
    graph = _graph(lazy=True)
    package = {name for name in graph if name.startswith("pressroom.check")}
    reached, stack = set(package), list(package)
    while stack:
        for following in graph[stack.pop()] - reached:
            reached.add(following)
            stack.append(following)
    assert reached & WRITERS == set()
    assert "pressroom.editions" in reached and "pressroom.readback" in reached  # the registry, the texts
    assert _cycle(graph, package) is None


def test_check_and_build_allow_a_line_the_same_overhang():
    # The build's W003 and check's Q002 judge the same lines: a justified Japanese line 1.3 pt past
    # the edge passed the one and failed the other (jsprimer). 2 CSS px are 1.5 pt.
    from pressroom.check import pdf as check_pdf
    from pressroom.tools import weasyprint

    assert check_pdf.EDGE_TOLERANCE == weasyprint.OVERFLOW_TOLERANCE * 72 / 96


def test_a_number_alone_on_a_notes_line_opens_a_note_only_in_sequence():
    # Varieties' note 43 opens with a quotation: "43." alone. d2l's citation notes end a line
    # with a page number, "70.": that is no note.
    from pressroom.check.layout import note_starts
    from pressroom.check.pages import Char, Line
    from pressroom.manuscript.design import load_design
    from pressroom.theme import Theme

    design = load_design(Theme(ROOT / "manuscript"))

    def line(text: str, y: float) -> Line:
        return Line.of([Char(ch, 10.0 + 4 * i, 14.0 + 4 * i, y, design.note_size) for i, ch in enumerate(text)])

    quoted = [line("43.", 0), line("“As I go on in this life, day by day,", 10), line("44. The next note.", 20)]
    assert [l.text for l in note_starts(quoted, design)] == ["43.", "44. The next note."]
    cited = [line("5. Smith, Journal of Things, pp. 61–", 0), line("70.", 10), line("6. Jones, 2001.", 20)]
    assert [l.text for l in note_starts(cited, design)] == ["5. Smith, Journal of Things, pp. 61–", "6. Jones, 2001."]
