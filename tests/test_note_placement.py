"""The page-foot note check reads the laid-out pages, and catches what WeasyPrint gets wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from pressroom.editions.pdf import check_notes
from pressroom.messages import BuildError
from pressroom.resolve import ResolvedChapter, ResolvedNote
from pressroom.tools import weasyprint


def test_detects_the_moved_and_the_lost_note_of_the_weasyprint_repro():
    # WeasyPrint 70.0 prints note 18 a page late and note 19 nowhere on this 13-page file.
    html = (FIXTURES / "weasyprint-footnote-loss.html").read_text()
    document = weasyprint.layout(html, FIXTURES, [FIXTURES], label="repro")
    wrong = [p for p in weasyprint.note_placements(document) if p.call_page != p.body_page]
    assert [(p.note_id, p.call_page, p.body_page) for p in wrong] == [
        ("footnote-18", 10, 11), ("footnote-19", 10, 0)]


def test_a_misplaced_note_stops_the_build_naming_chapter_note_and_pages():
    html = (FIXTURES / "weasyprint-footnote-loss.html").read_text()
    # Give the repro's notes the ids our own PDF edition gives them.
    count = html.count('<span class="footnote">')
    for number in range(1, count + 1):
        html = html.replace('<span class="footnote">', f'<span class="footnote" id="note-{number}">', 1)
    document = weasyprint.layout(html, FIXTURES, [FIXTURES], label="repro")
    notes = tuple(ResolvedNote(n, f"n{n}", "essay", []) for n in range(1, count + 1))
    chapter = ResolvedChapter("essay", "Essay", "manuscript/chapters/essay.md", 1, [], notes)
    with pytest.raises(BuildError) as caught:
        check_notes(document, [chapter])
    assert [str(m) for m in caught.value.messages] == [
        "manuscript/chapters/essay.md: error[F001]: note 18 ('n18') called on page 10, printed on page 11",
        "manuscript/chapters/essay.md: error[F001]: note 19 ('n19') called on page 10, printed nowhere",
    ]


def test_mini_book_pdf_has_author_metadata_and_edition_specific_text(tmp_path: Path):
    from conftest import copy_manuscript
    from pypdf import PdfReader

    from pdfread import page_texts

    manuscript = copy_manuscript("mini", tmp_path)
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "build" / "small-book.pdf"
    assert PdfReader(pdf).metadata.author == "Ada Writer"
    text = "\n".join(page_texts(pdf))
    assert "This sentence is only in print." in text
    assert "only on screen" not in text
    assert "It was a “dark” night – the first of many." in text
    assert "pdf: typesetting with WeasyPrint" in done.stdout
