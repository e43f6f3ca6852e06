"""`build.py check` on real PDFs: the sample book holds every rule; PDFs made by WeasyPrint from
hand-written pages in tests/fixtures/check/, each breaking one rule, fail that rule and no other,
with the exact report lines and exit code 1."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from pdfread import opening_page, read_notes

CHECK = FIXTURES / "check"
BOOK = CHECK / "book"   # the manuscript the hand-written pages lay out
PDF = "proof-marks.pdf"
HEADING = "check: 'Proof Marks': 2 chapters, 2 notes, 0 warning(s)"
# The fixture book's rows when every rule holds; each broken case replaces one of them.
ROWS = {
    "notes": "  notes on their call's page                           2/2  100 %  ok",
    "measure": "  pages with nothing outside the text block            5/5  100 %  ok",
    "opening": "  chapters opening on a recto                          2/2  100 %  ok",
    "contents": "  contents numbers matching the pages                  2/2  100 %  ok",
    "ending": "  chapters ending with their last sentence             2/2  100 %  ok",
    "fonts": "  fonts embedded                                       1/1  100 %  ok",
}
SUMMARY = re.compile(r"check: (every rule holds|1 of 7 rules fail) for 1 PDF \((\d+) pages\) \(\d+\.\d s\)")

# Three chapters and the bibliography; fonts: Libertine's two faces and the CJK face the names need.
SAMPLE_PDF_ROWS = [
    "  notes on their call's page                         10/10  100 %  ok",
    "  pages with nothing outside the text block          17/17  100 %  ok",
    "  chapters opening on a recto                          4/4  100 %  ok",
    "  contents numbers matching the pages                  4/4  100 %  ok",
    "  chapters ending with their last sentence             4/4  100 %  ok",
    "  fonts embedded                                       3/3  100 %  ok",
]
SAMPLE_REPORT = [
    "check: 'The Limits of Influence': 3 chapters, 10 notes, 0 warning(s)",
    "limits-of-influence.pdf: 17 pages", *SAMPLE_PDF_ROWS,
    "limits-of-influence-print.pdf: 17 pages", *SAMPLE_PDF_ROWS,
    "limits-of-influence.epub:",
    "  EPUBCheck                                  0 errors, 0 warnings  ok",
    "  Ace by DAISY                                       0 violations  ok",
    "  chapters ending with their last sentence             4/4  100 %  ok",
    "html:",
    "  chapters ending with their last sentence             4/4  100 %  ok",
    "safety scan (scripts, actions, attachments, outside links):",
    "  limits-of-influence.pdf                           nothing found  ok",
    "  limits-of-influence-print.pdf                     nothing found  ok",
    "  limits-of-influence.epub                          nothing found  ok",
    "  html                                              nothing found  ok",
]

# html file → (the rule it breaks, its row, the detail lines under it, the error on stderr, pages)
BROKEN = {
    "long-word.html": ("measure", "  pages with nothing outside the text block            4/5   80 %  FAILED", [
        "      page 3: “LlanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogochL…” runs 714.3 pt past "
        "the right edge of the text block"],
        "error[Q002]: pages with nothing outside the text block: 4/5", 5),
    "wide-image.html": ("measure", "  pages with nothing outside the text block            4/5   80 %  FAILED", [
        "      page 3: an image runs 46.8 pt past the right edge of the text block"],
        "error[Q002]: pages with nothing outside the text block: 4/5", 5),
    "verso-opening.html": ("opening", "  chapters opening on a recto                          1/2   50 %  FAILED", [
        "      “Second Chapter” opens on page 6, a verso"],
        "error[Q003]: chapters opening on a recto: 1/2", 6),
    "wrong-contents.html": ("contents", "  contents numbers matching the pages                  1/2   50 %  FAILED", [
        "      “Second Chapter”: the contents says 7, but it opens on page 5 (folio 5)"],
        "error[Q004]: contents numbers matching the pages: 1/2", 5),
    "truncated.html": ("ending", "  chapters ending with their last sentence             1/2   50 %  FAILED", [
        "      “Second Chapter”: its last sentence is missing: “This is that sentence, and a book that "
        "lost it would end in…”"],
        "error[Q005]: chapters ending with their last sentence: 1/2", 5),
    "note-next-page.html": ("notes", "  notes on their call's page                           1/2   50 %  FAILED", [
        "      note 1 in “First Chapter”: called on page 3, printed on page 4"],
        "error[Q001]: notes on their call's page: 1/2", 5),
    "note-cut-short.html": ("notes", "  notes on their call's page                           1/2   50 %  FAILED", [
        "      note 1 in “First Chapter”: page 3 prints it only in part: from “wrote them down.” on, it is "
        "missing or differs"],
        "error[Q001]: notes on their call's page: 1/2", 5),
    "note-runs-on.html": ("notes", "  notes on their call's page                           1/2   50 %  FAILED", [
        "      note 1 in “First Chapter”: called on page 3, runs on to page 4"],
        "error[Q001]: notes on their call's page: 1/2", 5),
}


def typeset(html: str, out: Path) -> Path:
    """Lay out a hand-written page of tests/fixtures/check with WeasyPrint, as the book's PDF."""
    import weasyprint

    out.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(CHECK / html).write_pdf(out / PDF)
    return out / PDF


def check(tmp_path: Path, out: Path, manuscript: Path = BOOK):
    return run_cli("check", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)


def expected_report(rows: dict[str, str], details: dict[str, list[str]], pages: int) -> list[str]:
    from pressroom.check import FIGURE_WIDTH

    lines = [HEADING, f"{PDF}: {pages} pages"]
    for key, row in rows.items():
        lines += [row, *details.get(key, [])]
    return lines + ["safety scan (scripts, actions, attachments, outside links):",
                    f"  {PDF:<43}{'nothing found':>{FIGURE_WIDTH}}  ok"]


def test_the_sample_book_holds_every_rule(sample_build: Path, tmp_path: Path):
    done = check(tmp_path, sample_build, sample_build.parent / "manuscript")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:-1] == SAMPLE_REPORT
    assert re.fullmatch(r"check: every rule holds for 2 PDFs \(34 pages\), 1 EPUB and 1 web edition \(\d+\.\d s\)",
                        lines[-1])
    assert done.stderr == ""


def test_a_good_pdf_made_from_the_fixture_holds_every_rule(tmp_path: Path):
    typeset("good.html", tmp_path / "build")
    done = check(tmp_path, tmp_path / "build")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:-1] == expected_report(ROWS, {}, 5)
    assert SUMMARY.fullmatch(lines[-1]).group(1) == "every rule holds"


@pytest.mark.parametrize("html", sorted(BROKEN))
def test_a_pdf_breaking_one_rule_fails_that_rule_with_its_details(tmp_path: Path, html: str):
    rule, row, details, message, pages = BROKEN[html]
    typeset(html, tmp_path / "build")
    done = check(tmp_path, tmp_path / "build")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    rows = {**ROWS, rule: row}
    if pages != 5:  # one more page: the figure of the page rule changes with it
        rows["measure"] = f"  pages with nothing outside the text block            {pages}/{pages}  100 %  ok"
    assert lines[:-1] == expected_report(rows, {rule: details}, pages)
    assert SUMMARY.fullmatch(lines[-1]).group(1) == "1 of 7 rules fail"
    assert done.stderr.splitlines() == [f"build/{PDF}: {message}", "1 error(s); nothing under build/ was replaced"]


def test_a_font_the_pdf_does_not_carry_is_named_with_its_page(tmp_path: Path):
    pdf = typeset("good.html", tmp_path / "build")
    set_text_in_helvetica(pdf, page_index=3, text="Set in a face the file does not carry.")
    done = check(tmp_path, tmp_path / "build")
    assert done.returncode == 1, done.stdout + done.stderr
    rows = {**ROWS, "fonts": "  fonts embedded                                       1/2   50 %  FAILED"}
    assert done.stdout.splitlines()[:-1] == expected_report(
        rows, {"fonts": ["      Helvetica: not embedded (page 4)"]}, 5)
    assert f"build/{PDF}: error[Q006]: fonts embedded: 1/2" in done.stderr.splitlines()


def set_text_in_helvetica(pdf: Path, page_index: int, text: str) -> None:
    """Add a line in Helvetica, which PDF readers supply themselves, without embedding it."""
    from pypdf import PageObject, PdfReader, PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(pdf))
    page = writer.pages[page_index]
    overlay = PageObject.create_blank_page(width=page.mediabox.width, height=page.mediabox.height)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    overlay[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/Helv"): writer._add_object(font)})})
    # Inside the verso's text block (its left edge is 0.5 in), well below the chapter's last line.
    stream = ContentStream(None, writer)
    stream.set_data(f"BT /Helv 10.5 Tf 36 150 Td ({text}) Tj ET".encode("latin-1"))
    overlay[NameObject("/Contents")] = writer._add_object(stream)
    page.merge_page(overlay)
    writer.write(pdf)


def test_nothing_built_yet_checks_the_manuscript_and_says_to_run_make(tmp_path: Path):
    (tmp_path / "build").mkdir()
    done = check(tmp_path, tmp_path / "build")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [HEADING]
    assert done.stderr.splitlines() == [
        "build: warning[Q000]: no edition of “Proof Marks” is built here yet, so only the manuscript was "
        "checked: run `make` first (`make check` does)"]


def test_an_edition_missing_from_a_build_is_an_error_naming_it(sample_build: Path, tmp_path: Path):
    out = tmp_path / "build"
    out.mkdir()
    shutil.copy(sample_build / "limits-of-influence.pdf", out)
    done = check(tmp_path, out, sample_build.parent / "manuscript")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "build/html: error[Q000]: the html edition is not built: run `make` (or `python build.py build`) first",
        "build/limits-of-influence-print.pdf: error[Q000]: the print edition is not built: "
        "run `make` (or `python build.py build`) first",
        "build/limits-of-influence.epub: error[Q000]: the epub edition is not built: "
        "run `make` (or `python build.py build`) first",
        "3 error(s); nothing under build/ was replaced"]
    assert "Traceback" not in done.stdout + done.stderr


def test_check_reads_the_sample_pages_as_pdfplumber_does(sample_build: Path):
    """check reads with PDFium for speed; on the sample it must see what the tests' pdfplumber sees."""
    from pressroom.check.layout import read_layout
    from pressroom.check.pages import read_pages
    from pressroom.check.pdf import notes_in
    from pressroom.manuscript.load import load_book
    from pressroom.messages import Report

    pdf = sample_build / "limits-of-influence.pdf"
    design = load_book(sample_build.parent / "manuscript", Report()).design
    layout = read_layout(read_pages(pdf, design), [], design)
    calls, bodies = notes_in(layout, range(1, len(layout.pages) + 1))
    plumbed = read_notes(pdf)
    assert sorted((n, p) for n, pages in calls.items() for p in pages) == sorted(plumbed.calls)
    assert sorted((n, p) for n, pages in bodies.items() for p in pages) == sorted((n, p) for n, p, _ in plumbed.bodies)
    assert layout.parts[opening_page(pdf, "Introduction") - 1].folio == "1"
