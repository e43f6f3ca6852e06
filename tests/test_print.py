"""Both PDFs as a press sees them: page boxes, front matter, running heads, folios, links, trims."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import copy_manuscript, run_cli, with_editions
from pdfread import folio, opening_page, page_texts, read_notes

PT = 72
BLEED = 0.125 * PT
TRIMS = {  # edition name → trim in points
    "print": (6 * PT, 9 * PT), "trade": (5.5 * PT, 8.5 * PT), "digest": (5 * PT, 8 * PT),
    "a5": (148 / 25.4 * PT, 210 / 25.4 * PT),
}
MINI_EDITIONS = """editions:
  - kind: pdf
    tagged: true
  - kind: print
  - kind: print
    name: trade
    trim: 5.5in 8.5in
  - kind: print
    name: digest
    trim: 5in 8in
    opening: small-caps drop-cap
  - kind: print
    name: a5
    trim: A5
"""


@pytest.fixture(scope="module")
def sample(sample_build: Path) -> dict[str, Path]:
    return {"reader": sample_build / "limits-of-influence.pdf", "print": sample_build / "limits-of-influence-print.pdf"}


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    """The mini book with a tagged reader's PDF and four print editions, built in one run."""
    base = tmp_path_factory.mktemp("print")
    manuscript = copy_manuscript("mini", base)
    with_editions(manuscript, MINI_EDITIONS)
    done = run_cli("build", "pdf", "print", "--manuscript", str(manuscript), "--out", str(base / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build"


def boxes(pdf: Path) -> set[tuple]:
    """Each page's (MediaBox, TrimBox, BleedBox), rounded to the point."""
    return {tuple(tuple(round(float(v), 1) for v in box) for box in (p.mediabox, p.trimbox, p.bleedbox))
            for p in PdfReader(pdf).pages}


def top_line(pdf: Path, page: int) -> str:
    """The running head: the text in the top 8 % of the trimmed page."""
    with pdfplumber.open(pdf) as doc:
        p = doc.pages[page - 1]
        trim = p.trimbox
        head = [c for c in p.chars if c["bottom"] < trim[1] + (trim[3] - trim[1]) * 0.08]
        return "".join(c["text"] for c in sorted(head, key=lambda c: c["x0"]))


def test_print_pages_carry_bleed_and_trim_boxes(sample):
    width, height = TRIMS["print"]
    assert boxes(sample["print"]) == {(
        (-BLEED, -BLEED, width + BLEED, height + BLEED), (0.0, 0.0, width, height),
        (-BLEED, -BLEED, width + BLEED, height + BLEED))}
    assert boxes(sample["reader"]) == {((0.0, 0.0, width, height),) * 3}


def test_print_edition_has_the_readers_pagination_and_crop_marks(sample):
    reader, printer = page_texts(sample["reader"]), page_texts(sample["print"])
    assert len(reader) == len(printer)
    # Page for page the same text; only the copyright page names the edition.
    assert reader[3].replace("PDF edition", "print edition") == printer[3]
    assert reader[:3] + reader[4:] == printer[:3] + printer[4:]
    with pdfplumber.open(sample["print"]) as doc:
        # Crop marks are drawn as lines in the bleed area, outside the trim.
        marks = [line for line in doc.pages[0].lines if line["x1"] < 0.5 or line["x0"] > TRIMS["print"][0] - 0.5]
        assert len(marks) >= 4


def test_front_matter_order_blank_pages_and_roman_folios(sample):
    pdf = sample["reader"]
    texts = page_texts(pdf)
    assert texts[0].strip() == "The Limits of Influence"  # half-title
    assert texts[1].strip() == ""  # its blank verso
    assert texts[2].startswith("The Limits of Influence\nChina, North Korea")  # title page, a recto
    assert "Set in Linux Libertine" in texts[3] and "Version 1.0" in texts[3]  # copyright, a verso
    assert texts[4].startswith("Contents")
    assert [folio(pdf, n) for n in range(1, 6)] == ["", "", "", "", "v"]
    assert texts[5].strip() == ""  # blank verso before the first chapter: no head, no folio


def test_running_heads_book_title_on_versos_chapter_title_on_rectos_none_on_openings(sample):
    pdf = sample["reader"]
    second = opening_page(pdf, "The Tortured PRC-DPRK Relationship")
    assert top_line(pdf, second) == ""  # chapter opening: no running head
    assert top_line(pdf, second + 1) == "The Limits of Influence"  # verso
    assert top_line(pdf, second + 2) == "The Tortured PRC-DPRK Relationship"  # recto
    assert folio(pdf, second + 1) == "4" and folio(pdf, second + 2) == "5"
    blank = [n for n, text in enumerate(page_texts(pdf), start=1) if not text.strip() and n > 6]
    assert blank, "no blank verso before a chapter opening"
    for n in blank:
        assert n % 2 == 0 and top_line(pdf, n) == "" and folio(pdf, n) == ""


def test_reader_pdf_links_contents_and_notes_both_ways(sample):
    reader = PdfReader(sample["reader"])
    page_of = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, start=1)}
    links: dict[int, list[int]] = {}
    for n, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                dest = annot["/Dest"]
                if isinstance(dest, str):
                    dest = reader.named_destinations[dest].page
                else:
                    dest = dest[0]
                links.setdefault(n, []).append(page_of[dest.idnum])
    opening = {t: opening_page(sample["reader"], t) for t in
               ("Introduction", "The Tortured PRC-DPRK Relationship")}
    assert set(opening.values()) <= set(links[5])  # contents → chapter openings
    notes = read_notes(sample["reader"])
    for _, page in notes.calls:
        # call → its note and note → its call: both on the call's own page
        assert links[page].count(page) >= 2
    assert all(not p.get("/Annots") for p in PdfReader(sample["print"]).pages[6:])  # print: no links


def test_outline_holds_every_chapter(sample):
    outline = PdfReader(sample["reader"]).outline
    assert [item.title for item in outline if not isinstance(item, list)] == [
        "Introduction", "The Tortured PRC-DPRK Relationship",
        "Political Influence vs. Material Leverage and Implications for US Policy", "Bibliography"]


@pytest.mark.parametrize("name", sorted(TRIMS))
def test_each_print_trim_is_built_with_bleed_in_one_run(mini: Path, name: str):
    width, height = TRIMS[name]
    [(media, trim, bleed)] = boxes(mini / f"small-book-{name}.pdf")
    assert trim == (0.0, 0.0, round(width, 1), round(height, 1))
    assert media == bleed == (-BLEED, -BLEED, round(width + BLEED, 1), round(height + BLEED, 1))


def test_smaller_trims_set_smaller_type(mini: Path):
    def body_size(pdf: Path) -> float:
        with pdfplumber.open(pdf) as doc:
            sizes = [round(c["size"], 1) for p in doc.pages for c in p.chars]
        return max(set(sizes), key=sizes.count)

    assert body_size(mini / "small-book-print.pdf") == 10.5
    assert body_size(mini / "small-book-trade.pdf") == 10.0
    assert body_size(mini / "small-book-digest.pdf") == 9.5


def test_drop_cap_when_book_yaml_asks(mini: Path):
    with pdfplumber.open(mini / "small-book-digest.pdf") as doc:
        first = opening_page(mini / "small-book-digest.pdf", "The First Chapter")
        big = [c for c in doc.pages[first - 1].chars if c["size"] > 25]
    assert [c["text"] for c in big] == ["I"]  # "It was a dark night…"
    with pdfplumber.open(mini / "small-book-trade.pdf") as doc:
        assert not [c for p in doc.pages for c in p.chars if c["size"] > 25]


def test_tagged_reader_pdf_when_book_yaml_asks(mini: Path):
    root = PdfReader(mini / "small-book.pdf").trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert "/StructTreeRoot" not in PdfReader(mini / "small-book-print.pdf").trailer["/Root"]


def test_notes_numbered_through_the_book_when_book_yaml_asks(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    (manuscript / "book.yaml").write_text((manuscript / "book.yaml").read_text() + "note-numbering: book\n")
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stderr
    notes = read_notes(tmp_path / "build" / "small-book.pdf")
    assert [label for label, _ in notes.calls] == [1, 2, 3]
    assert notes.misplaced() == []
