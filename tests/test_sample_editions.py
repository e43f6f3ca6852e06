"""The sample book's EPUB and web edition, from the same build `make` runs, read back for real."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from browser import Watched, serve
from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.tools.epubcheck import check_epub
from readers import editions_text, missing

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_book(ROOT / "manuscript", Report())
# GBK mojibake's tell-tale ideographs, U+FFFD and UTF-8 read as cp1252 (the sample's real Hanzi and
# Hangul names are none of these).
MOJIBAKE = re.compile(r"[鈥锛銆\ufffd]|â€|Ã.")
NAMES = ["김일성", "金日成", "民生團", "민생단", "毛泽东", "彭德怀"]


def test_sample_epub_passes_epubcheck_with_no_error_or_warning(sample_build: Path):
    messages = check_epub(sample_build / f"{BOOK.slug}.epub")
    assert [str(m) for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")] == []


def test_sample_epub_holds_the_ten_notes_and_no_mojibake(sample_build: Path):
    with zipfile.ZipFile(sample_build / f"{BOOK.slug}.epub") as epub:
        text = "".join(epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml"))
    assert len(re.findall(r'epub:type="noteref"', text)) == 10
    assert len(re.findall(r'epub:type="footnote"', text)) == 10
    assert not MOJIBAKE.findall(text)


@pytest.fixture(scope="module")
def site_view(browser, sample_build: Path):
    with serve(sample_build / "html") as base:
        # Without JavaScript: a call is then a plain link to its note (with it, a popover: test_sample_web.py).
        view = Watched(browser, base, java_script_enabled=False)
        yield view
        view.close()


def test_sample_site_every_note_link_lands_on_its_note_and_back(site_view):
    page = site_view.open("index.html")
    chapters = page.locator("nav.contents a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # The chapters, then the bibliography the book's citations add (bibliography.py).
    assert chapters[:-1] == [f"{c.id}.html" for c in BOOK.chapters] and chapters[-1] == "bibliography.html"
    numbers = []
    for href in chapters:
        page = site_view.open(href)
        calls = page.locator('a[role="doc-noteref"]')
        for index in range(calls.count()):
            number = int(calls.nth(index).get_attribute("id").removeprefix("call-"))
            numbers.append(int(calls.nth(index).inner_text()))
            calls.nth(index).click()
            target = page.locator(":target")
            assert target.get_attribute("id") == f"note-{number}"
            assert len(target.inner_text()) > 40
            target.locator('a[role="doc-backlink"]').click()
            assert page.evaluate("location.hash") == f"#call-{number}"
        assert not MOJIBAKE.findall(page.locator("body").inner_text())
    # Printed numbers restart in each chapter: the introduction has none, then 8, then 2.
    assert numbers == [*range(1, 9), 1, 2]
    assert site_view.problems == []


def test_the_names_in_hanzi_and_hangul_read_back_from_every_edition(sample_build: Path):
    assert missing(editions_text(sample_build, BOOK.slug), NAMES) == {"pdf": [], "epub": [], "html": []}
