"""The sample book's reader PDF, read back with pdfplumber and pypdf as a reader's software would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from pdfread import opening_page, page_texts, read_notes
from pressroom.manuscript.load import load_book
from pressroom.messages import Report

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_book(ROOT / "manuscript", Report())
MOJIBAKE = re.compile(r"[\u3000-\u9fff\ufffd]|â€|Ã.")


@pytest.fixture(scope="module")
def pdf(sample_build: Path) -> Path:
    return sample_build / f"{BOOK.slug}.pdf"


def test_every_note_is_printed_once_on_the_page_of_its_call(pdf: Path):
    notes = read_notes(pdf)
    expected = list(range(1, len(BOOK.notes) + 1))
    assert len(expected) == 10
    assert sorted(notes.calls) == expected
    assert sorted(notes.bodies) == expected
    for number in expected:
        assert len(notes.calls[number]) == 1, f"note {number} called on pages {notes.calls[number]}"
        assert notes.bodies[number] == notes.calls[number], f"note {number}: {notes}"


def test_note_bodies_are_the_notes_yaml_texts_in_reading_order(pdf: Path):
    notes = read_notes(pdf)
    in_order = [ref.id for chapter in BOOK.chapters for ref in chapter.refs]
    for number, note_id in enumerate(in_order, start=1):
        first_words = re.sub(r"[*_\"“”]", "", BOOK.notes[note_id].text).split()[:3]
        printed = notes.body_text[number].replace(" ", "")
        assert "".join(first_words).replace("’", "'")[:12] in printed.replace("’", "'").replace("“", "").replace("”", ""), \
            (note_id, printed)


def test_contents_page_numbers_are_the_pages_chapters_open_on(pdf: Path):
    texts = page_texts(pdf)
    contents = next(t for t in texts if t.startswith("Contents"))
    listed = {}
    for line in contents.splitlines()[1:]:
        match = re.match(r"(.+?)[ .]+(\d+)$", line)
        if match:
            listed[match.group(1).strip()] = int(match.group(2))
    titles = [c.title for c in BOOK.chapters]
    opened = {title: opening_page(pdf, title) for title in titles}
    assert sorted(listed) == sorted(titles)
    for title in titles:
        assert listed[title] == opened[title], (title, listed, opened)
        assert opened[title] % 2 == 1, f"{title} opens on a verso, page {opened[title]}"


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
    assert all("Libertine" in name for name in fonts), fonts


def test_metadata_title_language_and_bookmarks(pdf: Path):
    reader = PdfReader(pdf)
    assert reader.metadata.title == f"{BOOK.title}: {BOOK.subtitle}"
    assert str(reader.trailer["/Root"]["/Lang"]) == BOOK.language
    assert [item.title for item in reader.outline if not isinstance(item, list)] == \
        [c.title for c in BOOK.chapters]


def test_text_has_no_mojibake_and_typographic_punctuation(pdf: Path):
    text = "\n".join(page_texts(pdf))
    assert not MOJIBAKE.findall(text)
    assert "Carter’s" in text and "Protégé" in text
    assert "—" in text and "“" in text and "”" in text
    assert '"' not in text
