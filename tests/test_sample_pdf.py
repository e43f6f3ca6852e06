"""The sample book's reader PDF, read back with pdfplumber and pypdf as a reader's software would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from pdfread import folio, opening_page, page_texts, read_notes
from pressroom.manuscript.load import load_book
from pressroom.messages import Report

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_book(ROOT / "manuscript", Report())
MOJIBAKE = re.compile(r"[鈥锛銆\ufffd]|â€|Ã.")  # GBK mojibake, U+FFFD, UTF-8 read as cp1252


@pytest.fixture(scope="module")
def pdf(sample_build: Path) -> Path:
    return sample_build / f"{BOOK.slug}.pdf"


def test_every_note_is_printed_once_on_the_page_of_its_call(pdf: Path):
    notes = read_notes(pdf)
    assert len(notes.calls) == len(notes.bodies) == 10
    assert notes.misplaced() == []
    # Numbered per chapter: the introduction has no notes, then eight, then two.
    assert [label for label, _ in notes.calls] == [*range(1, 9), 1, 2]


def test_note_bodies_are_the_notes_yaml_texts_in_reading_order(pdf: Path):
    bodies = read_notes(pdf).bodies
    in_order = [ref.id for chapter in BOOK.chapters for ref in chapter.refs]
    assert len(in_order) == len(bodies)
    for note_id, (_, _, printed) in zip(in_order, bodies):
        if BOOK.notes[note_id].cite:  # citeproc's text for its source first (tests/test_citations.py)
            continue
        expected = re.sub(r"\s+", "", BOOK.notes[note_id].text)
        first_line = re.sub(r"\s+", "", printed).rstrip("-\u2010")
        assert expected.startswith(first_line[:30]), (note_id, printed)


def test_contents_numbers_are_the_folios_of_the_chapter_openings(pdf: Path):
    texts = page_texts(pdf)
    contents = next(t for t in texts if t.startswith("Contents"))
    listed = {}
    for line in contents.splitlines()[1:]:
        match = re.match(r"(.+?)[ .]+(\d+)$", line)
        if match:
            listed[match.group(1).strip()] = match.group(2)
    titles = [c.title for c in BOOK.chapters] + ["Bibliography"]  # added: the book cites its sources
    assert sorted(listed) == sorted(titles)
    opened = {title: opening_page(pdf, title) for title in titles}
    for title in titles:
        assert listed[title] == folio(pdf, opened[title]), (title, listed, opened)
        assert opened[title] % 2 == 1, f"{title} opens on a verso, page {opened[title]}"
    assert folio(pdf, opened[titles[0]]) == "1"  # the body starts at arabic 1


def test_pages_are_six_by_nine_inches(pdf: Path):
    reader = PdfReader(pdf)
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(432, 648)}


def test_all_fonts_are_embedded_and_are_the_book_face(pdf: Path):
    reader = PdfReader(pdf)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    # The book face, and the bundled CJK face for the names given in Hangul and Hanzi.
    assert {name.split("+")[1].split("-")[0] for name in fonts} == {"Libertine", "Noto"}, fonts
    assert all("Libertine" in name or "Noto-Serif-CJK" in name for name in fonts), fonts


def test_metadata_title_language_and_bookmarks(pdf: Path):
    reader = PdfReader(pdf)
    assert reader.metadata.title == f"{BOOK.title}: {BOOK.subtitle}"
    assert str(reader.trailer["/Root"]["/Lang"]) == BOOK.language
    assert [item.title for item in reader.outline if not isinstance(item, list)] == \
        [c.title for c in BOOK.chapters] + ["Bibliography"]


def test_text_has_no_mojibake_and_typographic_punctuation(pdf: Path):
    text = "\n".join(page_texts(pdf))
    assert not MOJIBAKE.findall(text)
    assert "Carter’s" in text and "Protégé" in text
    assert "—" in text and "“" in text and "”" in text
    assert '"' not in text
