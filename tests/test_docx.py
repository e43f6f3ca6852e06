"""Word in, Word out: the docx edition, the DOCX importer, redline.docx and the revision return path.

Documents are read back the way editors' software reads them: LibreOffice headless (tests/office.py)
opens, converts and accepts tracked changes; pandoc reads the DOCX that LibreOffice saved.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT
from office import accept_all, convert, edit_tracked
from pressroom.context import BuildContext
from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.pandoc_ast import stringify
from pressroom.pipeline import build
from pressroom.tools import pandoc


def _words(text: str) -> str:
    return " ".join(text.split())


def _sample_with_docx(dest: Path) -> Path:
    """A copy of the sample book whose book.yaml lists a docx edition."""
    manuscript = dest / "manuscript"
    shutil.copytree(ROOT / "manuscript", manuscript)
    with (manuscript / "book.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - kind: docx\n")
    return manuscript


def _notes_in(ast: dict) -> list[str]:
    found = []

    def visit(value) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            if value.get("t") == "Note":
                found.append(_words(stringify(value["c"])))
            visit(value.get("c"))

    visit(ast["blocks"])
    return found


@pytest.fixture(scope="module")
def docx_edition(tmp_path_factory):
    """The sample book's docx edition, built twice into two folders, and its resolved chapters."""
    base = tmp_path_factory.mktemp("docx-edition")
    manuscript = _sample_with_docx(base)
    outs = []
    for name in ("one", "two"):
        out = base / name
        build(manuscript, out, {"docx"}, lambda _line: None, Report())
        outs.append(out / "limits-of-influence.docx")
    book = load_book(manuscript, Report())
    chapters = BuildContext(book, Report()).chapters(book.edition("docx"))
    return base, outs, chapters


def test_the_docx_edition_is_byte_reproducible(docx_edition, monkeypatch):
    _, (one, two), _ = docx_edition
    assert one.read_bytes() == two.read_bytes()


def test_the_docx_edition_uses_editors_styles_and_real_footnotes(docx_edition):
    _, (docx, _), chapters = docx_edition
    with zipfile.ZipFile(docx) as package:
        body = package.read("word/document.xml").decode("utf-8")
        notes = package.read("word/footnotes.xml").decode("utf-8")
        styles = package.read("word/styles.xml").decode("utf-8")
    used = set(re.findall(r'<w:pStyle w:val="([^"]+)"', body))
    assert {"Title", "Subtitle", "CopyrightNotice", "Heading1", "FirstParagraph", "BodyText"} <= used
    assert body.count('<w:pStyle w:val="Heading1"') == len(chapters)
    assert body.count("<w:footnoteReference") == sum(len(c.notes) for c in chapters) == 10
    assert '<w:pStyle w:val="FootnoteText"' in notes
    assert '<w:name w:val="Block Text" />' in styles and "<w:pageBreakBefore />" in styles


def test_the_docx_edition_round_trips_through_libreoffice_with_every_note(docx_edition):
    base, (docx, _), chapters = docx_edition
    profile = base / "office-profile"
    pdf = convert(docx, "pdf", base / "pdf", profile)
    with pdfplumber.open(pdf) as document:
        text = _words(" ".join(page.extract_text() or "" for page in document.pages))
    assert text.startswith("The Limits of Influence China, North Korea, and the American Default")
    for chapter in chapters:
        assert _words(chapter.title) in text
    # Saved again by LibreOffice and read by pandoc: every note whole, in order.
    again = convert(docx, "docx:MS Word 2007 XML", base / "again", profile)
    expected = [_words(stringify(n.blocks)) for c in chapters for n in c.notes]
    assert _notes_in(pandoc.read_docx(again, label="again")) == expected
    assert _notes_in(pandoc.read_docx(docx, label="ours")) == expected
