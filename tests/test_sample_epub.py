"""The sample book's EPUB, from the build `make` runs: Ace by DAISY, and its print page breaks checked
against the reader's PDF built beside it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree
from pypdf import PdfReader

from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.tools import ace

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_book(ROOT / "manuscript", Report())
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def test_ace_by_daisy_reports_no_violation(sample_build: Path):
    assert [str(m) for m in ace.check_epub(sample_build / f"{BOOK.slug}.epub")] == []


def test_ace_report_parsing_names_each_failure():
    report = {"assertions": [{"earl:testSubject": {"url": "text/ch002.xhtml"}, "assertions": [
        {"earl:test": {"earl:impact": "serious", "dct:title": "link-in-text-block"},
         "earl:result": {"earl:outcome": "fail", "dct:description": "The link has\n insufficient contrast"}},
        {"earl:test": {"earl:impact": "minor", "dct:title": "other"}, "earl:result": {"earl:outcome": "pass"}}]}]}
    assert [str(m) for m in ace.parse_report(report)] == [
        "EPUB/text/ch002.xhtml: serious[link-in-text-block]: The link has insufficient contrast"]


def _words(text: str, n: int) -> list[str]:
    return re.findall(r"\w+", text.replace("\u00ad", ""))[:n]


def test_every_page_of_the_reader_pdf_is_marked_where_it_begins(sample_build: Path):
    with zipfile.ZipFile(sample_build / f"{BOOK.slug}.epub") as archive:
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        files = {n.removeprefix("EPUB/"): archive.read(n).decode() for n in archive.namelist()
                 if n.startswith("EPUB/text/ch")}
    labels = [a.text for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)]
    pdf = PdfReader(sample_build / f"{BOOK.slug}.pdf")
    body = [p.extract_text() for p in pdf.pages]
    first = next(i for i, text in enumerate(body) if BOOK.chapters[0].title in text and "Contents" not in text)
    assert labels == [str(n) for n in range(1, len(body) - first + 1)]  # every body page, 1 to the last
    checked = 0
    for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS):
        file, _, anchor = a.get("href").partition("#")
        xhtml = files[file]
        at = xhtml.index(f'id="{anchor}"')
        after = re.sub(r"<[^>]+>", " ", xhtml[at:].split(">", 1)[1])
        lines = [line for line in body[first + int(a.text) - 1].splitlines() if line.strip()]
        if not lines:
            continue  # a blank verso: marked where the next page begins
        # The page's text starts with the words after the marker, or with the end of a word the
        # marker follows (a word hyphenated across the two pages).
        expected = _words(" ".join(lines[:2]), 3)
        got = _words(after, 3)
        assert got == expected or got[:2] == expected[1:], (a.text, got, expected)
        checked += 1
    assert checked >= 8
