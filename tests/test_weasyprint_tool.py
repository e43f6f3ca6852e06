"""WeasyPrint behind tools/weasyprint.py: its CSS warnings become ours, naming the stylesheet and
line; an exception inside its layout is an error naming the chapter; its box tree is read nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, copy_manuscript, run_cli
from hardening import MESSAGE

PACKAGE_PDF_CSS = ROOT / "pressroom" / "styles" / "pdf.css"
# A book's own styles/pdf.css replaces ours: the test's is ours with mistakes added at its end.
TYPOS = "p.typo {\n  colr: red;\n}\np:hovr { color: blue }\n"


def _book_with_stylesheet(tmp_path: Path, extra_css: str) -> tuple[Path, int]:
    """The mini book with its own styles/pdf.css (ours + `extra_css`); returns it and the first added line."""
    manuscript = copy_manuscript("mini", tmp_path)
    ours = PACKAGE_PDF_CSS.read_text("utf-8")
    if not ours.endswith("\n"):
        ours += "\n"
    (manuscript / "styles").mkdir()
    (manuscript / "styles" / "pdf.css").write_text(ours + extra_css, "utf-8")
    return manuscript, ours.count("\n") + 1


@pytest.mark.parametrize("flow", ["parts", "single-flow"])
def test_a_css_typo_in_the_books_stylesheet_is_a_warning_at_its_file_and_line(tmp_path: Path, flow: str):
    manuscript, first = _book_with_stylesheet(tmp_path, TYPOS)
    options = ["--single-flow"] if flow == "single-flow" else []
    expected = [f"manuscript/styles/pdf.css:{first + 1}:3: warning[W007]: WeasyPrint: Ignored `colr: red`, "
                "unknown property.",
                f"manuscript/styles/pdf.css:{first + 3}:1: warning[W007]: WeasyPrint: Invalid or unsupported "
                "selector, 'p:hovr'"]
    for run in ("laid out", "from the cache"):  # a cached chapter's warnings are still reported
        done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"),
                       *options, cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        found = [line for line in done.stderr.splitlines() if "warning[" in line or "error[" in line]
        # Each once, though both chapters (and the front matter) read the stylesheet.
        assert found == expected, (run, done.stderr)
        assert all(MESSAGE.match(line) for line in found)
    assert (tmp_path / "build" / "small-book.pdf").is_file()


def test_inline_and_linked_stylesheets_are_named_as_the_caller_shows_them(tmp_path: Path):
    from pressroom.tools import weasyprint

    (tmp_path / "book.css").write_text("h1 { color: navy }\n\nh1 { margin-botom: 1em }\n", "utf-8")
    html = ('<html><head><link rel="stylesheet" href="book.css">'
            "<style>\n@page { size: A5 }\np { text-algin: left }\n</style></head><body><p>x</p></body></html>")
    warnings = []
    resources = weasyprint.Resources((tmp_path,), shown=lambda path: f"shown/{path.name}", inline="the page <style>")
    weasyprint.layout(html, tmp_path, resources, label="pdf edition", warnings=warnings)
    assert [str(m) for m in warnings] == [
        "shown/book.css:3:6: warning[W007]: WeasyPrint: Ignored `margin-botom: 1em`, unknown property.",
        "the page <style>:3:5: warning[W007]: WeasyPrint: Ignored `text-algin: left`, unknown property.",
    ]


# WeasyPrint 70.0 raises TypeError("min-content width for TextBox not handled yet") when a list
# marker with generated content is floated into the page-foot note area: a real input that makes
# its layout fail, reached here through a book's own stylesheet and an ordinary Markdown list.
CRASHING_CSS = '.chapter li::marker { content: "x"; float: footnote }\n'


@pytest.mark.parametrize("flow", ["parts", "single-flow"])
def test_an_exception_inside_weasyprint_is_an_error_naming_the_chapter(tmp_path: Path, flow: str):
    manuscript, _ = _book_with_stylesheet(tmp_path, CRASHING_CSS)
    chapter = manuscript / "chapters" / "02-two.md"
    chapter.write_text(chapter.read_text("utf-8") + "\n- a list item\n- another\n", "utf-8")
    options = ["--single-flow"] if flow == "single-flow" else []
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"),
                   *options, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error[" in line]
    assert errors == ["manuscript/chapters/02-two.md: error[W008]: WeasyPrint failed while laying this out "
                      "(TypeError: min-content width for TextBox not handled yet): a WeasyPrint bug that this "
                      "text or a stylesheet rule applied to it reaches"], done.stderr
    assert not (tmp_path / "build" / "small-book.pdf").exists()


def test_weasyprints_box_tree_is_read_only_in_tools_weasyprint():
    """Its private API (page boxes, box classes and attributes) is why WeasyPrint is pinned: only the
    WeasyPrint tool knows it (tools/weasyprint.py, and weasyprint_cjk.py, its patch for CJK justification)."""
    private = re.compile(r"_page_box|\.descendants\(|element_tag|page_type|FootnoteAreaBox|MarginBox|TextBox"
                         r"|(from|import) weasyprint\.\w")  # its modules, beyond the public weasyprint.HTML/CSS
    offenders = []
    for path in sorted((ROOT / "pressroom").rglob("*.py")):
        if path.parent.name == "tools" and path.name in ("weasyprint.py", "weasyprint_cjk.py"):
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if private.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_font_folders_of_layouts_in_this_process_are_removed_before_exit(tmp_path: Path, monkeypatch):
    """WeasyPrint copies a document's @font-face files into a TMPDIR folder only its
    FontConfiguration's __del__ removes, which at interpreter exit often finds `rmtree` gone: a
    `build.py stamp` process left 11 MB in /tmp that way. cli.main removes them as it returns."""
    import tempfile

    from pressroom.tools import weasyprint

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    fonts = ROOT / "pressroom" / "styles" / "fonts"
    face = (fonts / "LinLibertine_R.otf").as_uri()
    small = weasyprint.SmallDocuments(f'@font-face {{ font-family: T; src: url("{face}") }} body {{ font-family: T }}',
                                      [fonts], label="test")
    assert small.pdf("<p>Text</p>").startswith(b"%PDF")
    assert [p.name[:11] for p in tmp_path.iterdir()] == ["weasyprint-"]  # alive, in use
    weasyprint.remove_font_folders()
    assert list(tmp_path.iterdir()) == []
