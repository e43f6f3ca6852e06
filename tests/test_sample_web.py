"""The sample book's web edition, from the build `make` runs, read in headless Chromium as readers meet it.

Screenshots of every page at 360, 768 and 1280 px, light and dark, are written to the folder
named by PRESSROOM_SCREENSHOTS (default: a temporary folder; the test prints where) for a person
to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser import Watched, axe_violations, serve
from pressroom.manuscript.load import load_book
from pressroom.messages import Report

ROOT = Path(__file__).resolve().parent.parent
BOOK = load_book(ROOT / "manuscript", Report())
CHAPTER_TWO = f"{BOOK.chapters[1].id}.html"
# A phrase from the middle of chapter two's fifth paragraph.
PHRASE = "purged pro-Chinese and pro-Soviet party officials"
WIDTHS = (360, 768, 1280)


@pytest.fixture(scope="module")
def base(sample_build: Path):
    with serve(sample_build / "html") as url:
        yield url


def pages() -> list[str]:
    return ["index.html", *(f"{c.id}.html" for c in BOOK.chapters), "search.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_has_no_axe_violation_and_fits_each_width(browser, base, scheme, tmp_path_factory):
    shots = Path(os.environ.get("PRESSROOM_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    problems, violations = [], {}
    for width in WIDTHS:
        view = Watched(browser, base, viewport={"width": width, "height": 900}, color_scheme=scheme)
        for name in pages():
            page = view.open(name if name != "search.html" else f"search.html?q={PHRASE}")
            if name == "search.html":
                page.wait_for_selector("#search-results li")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
            if width != 768:  # the narrow and the wide layout; 768 is the narrow one with more room
                violations[f"{name} @{width}"] = axe_violations(page)
            page.screenshot(path=str(shots / f"{scheme}-{width}-{Path(name).stem}.png"))
        problems += view.problems
        view.close()
    print(f"screenshots: {shots}")
    assert violations == {key: [] for key in violations}
    assert problems == []


def test_a_phrase_from_chapter_two_is_found_at_its_passage(browser, base):
    view = Watched(browser, base)
    page = view.open(f"search.html?q={PHRASE}")
    page.wait_for_selector("#search-results li")
    first = page.locator("#search-results .search-place").first
    href = first.get_attribute("href")
    assert href.startswith(CHAPTER_TWO + "?highlight=") and "#p-" in href
    first.click()
    page.wait_for_url(base + href)
    assert PHRASE in page.locator(":target").inner_text()
    assert view.problems == []
    view.close()


def test_every_note_opens_from_the_keyboard_and_closes_with_escape(browser, base):
    view = Watched(browser, base)
    opened = 0
    for chapter in BOOK.chapters:
        page = view.open(f"{chapter.id}.html")
        calls = page.locator('a[role="doc-noteref"]')
        for index in range(calls.count()):
            call = calls.nth(index)
            call.focus()
            page.keyboard.press("Enter")
            popover = page.locator("#note-popover")
            assert popover.is_visible() and page.evaluate("document.activeElement.id") == "note-popover"
            note = page.locator(call.get_attribute("href")).inner_text()
            assert popover.inner_text().split("\n")[0] in note
            page.keyboard.press("Escape")
            assert not popover.is_visible()
            assert page.evaluate("document.activeElement.id") == call.get_attribute("id")
            opened += 1
    assert opened == 10
    assert view.problems == []
    view.close()
