"""The web edition of the mini book, built by the real CLI and read in headless Chromium (Playwright)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser import Watched, axe_violations, serve
from conftest import copy_manuscript, editions_in, run_cli

PAGES = ["index.html", "one.html", "two.html"]
ALL_PAGES = [*PAGES, "search.html"]
TITLES = {"one.html": "The First Chapter", "two.html": "The Second Chapter"}
NOTES = {1: "A note about the dark, from notes.yaml.", 2: "Defined inline, in the chapter itself.",
         3: "A note about the light."}
NOTE_PAGES = {1: ("one.html", "1"), 2: ("two.html", "1"), 3: ("two.html", "2")}
# Added to the copy of chapter two: what usually breaks a phone layout, and an image to serve.
STRESS = """

A web address with no break in it:
<https://example.org/an/address/that/is/far/too/long/for/a/phone/screen/to/hold/on/one/line/at/all/really>.

![A plain grey rectangle, wider than a phone](images/wide.svg)

| Column one heading | Column two heading | Column three heading | Column four heading |
|--------------------|--------------------|----------------------|---------------------|
| Supercalifragilistic | Antidisestablishmentarianism | Floccinaucinihilipilification | Pneumonoultramicroscopic |

```
a long line of code that a phone could never show in full, so it has to wrap or scroll in its own box
```
"""
WIDE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="120" viewBox="0 0 900 120">'
            '<rect width="900" height="120" fill="#bbb"/></svg>\n')


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The mini book's web edition, built over a stale earlier one."""
    base = tmp_path_factory.mktemp("html")
    manuscript = copy_manuscript("mini", base)
    (manuscript / "images").mkdir()
    (manuscript / "images" / "wide.svg").write_text(WIDE_SVG, encoding="utf-8")
    chapter = manuscript / "chapters" / "02-two.md"
    text = chapter.read_text("utf-8")
    body, _, inline_note = text.partition("[^inline]:")
    chapter.write_text(body.rstrip() + STRESS + "\n[^inline]:" + inline_note, encoding="utf-8")
    out = base / "build"
    (out / "html").mkdir(parents=True)
    (out / "html" / "stale.html").write_text("from an earlier build")
    done = run_cli("build", "html", "--manuscript", str(manuscript), "--out", str(out), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "html"


@pytest.fixture(scope="module")
def server(site: Path):
    with serve(site) as base:
        yield base


@pytest.fixture
def watched(browser, server):
    pages = []

    def make(**context) -> Watched:
        pages.append(Watched(browser, server, **context))
        return pages[-1]

    yield make
    for page in pages:
        page.close()


def test_the_folder_holds_the_pages_one_stylesheet_and_the_fonts(site: Path):
    names = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert [n for n in names if n.endswith(".html")] == sorted([*ALL_PAGES, "404.html"])
    assert [n for n in names if n.endswith(".css")] == ["nojs.css", "style.css"]
    assert [n for n in names if n.endswith(".js") and "/" not in n] == ["book.js", "prefs.js", "search.js"]
    assert {"pagefind/pagefind.js", "pagefind/pagefind-entry.json"} <= set(names)
    assert "images/wide.svg" in names
    assert {"fonts/LinLibertine_R.woff2", "fonts/OFL.txt"} <= set(names)  # WOFF2 subsets (test_lean.py)
    assert not list(site.parent.glob(".*tmp*"))  # swapped in whole, the stale page gone with the old folder


def test_every_page_loads_cleanly_in_chromium(watched):
    view = watched()
    for name in ALL_PAGES:
        page = view.open(name)
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        assert page.locator('meta[name="viewport"]').count() == 1
        assert page.evaluate("document.fonts.check('16px Libertine')"), f"{name}: the book face did not load"
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        # A strict policy, and nothing inline for it to forbid: every script is a file of the site.
        policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy
        assert page.evaluate("[...document.scripts].every(s => s.src.startsWith(location.origin + '/'))")
        assert page.locator("[style], [onclick], [onload]").count() == 0
        if name in TITLES:
            assert page.locator("h1").all_inner_texts() == [TITLES[name]]
    assert view.problems == []


def test_the_contents_link_every_chapter(watched):
    view = watched()
    page = view.open("index.html")
    links = page.locator("nav.contents a")
    assert links.all_inner_texts() == list(TITLES.values())
    for index, name in enumerate(TITLES):
        page.goto(view.base + "index.html")
        page.locator("nav.contents a").nth(index).click()
        page.wait_for_url(view.base + name)
        assert page.locator("h1").inner_text() == TITLES[name]
    assert view.problems == []


def test_every_note_call_reaches_its_note_and_comes_back(watched):
    """Without JavaScript, a call is a plain link to the list at the chapter's end, and back."""
    view = watched(java_script_enabled=False)
    seen = {}
    for name in TITLES:
        page = view.open(name)
        calls = page.locator('a[role="doc-noteref"]')
        for index in range(calls.count()):
            call = calls.nth(index)
            number = int(call.get_attribute("id").removeprefix("call-"))  # unique through the book
            label = call.inner_text()  # the number printed: it restarts in each chapter
            assert call.evaluate("a => a.parentElement.tagName") == "SUP"
            call.click()
            assert page.evaluate("location.hash") == f"#note-{number}"
            target = page.locator(":target")
            assert target.get_attribute("id") == f"note-{number}"
            assert target.inner_text().startswith(NOTES[number])
            assert target.evaluate("e => e.closest('[role=doc-endnotes]') !== null")
            target.locator('a[role="doc-backlink"]').click()
            assert page.evaluate("location.hash") == f"#call-{number}"
            assert page.locator(":target").inner_text() == label
            seen[number] = (name, label)
    assert seen == NOTE_PAGES
    assert view.problems == []


def test_prev_and_next_walk_the_book(watched):
    view = watched()
    order = ["index.html", *TITLES]
    page = view.open(order[1])
    for current, following in zip(order[1:], order[2:]):
        page.locator('a[rel="next"]').click()
        page.wait_for_url(view.base + following)
        assert page.locator("h1").inner_text() == TITLES[following]
    assert page.locator('a[rel="next"]').count() == 0  # the last chapter
    for current, previous in zip(order[:0:-1], order[-2::-1]):
        assert page.url == view.base + current
        page.locator('a[rel="prev"]').click()
        page.wait_for_url(view.base + previous)
    assert page.locator("nav.contents").count() == 1  # back at the title page
    assert view.problems == []


def test_no_horizontal_scroll_on_a_360px_phone(watched):
    view = watched(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2)
    for name in ALL_PAGES:
        page = view.open(name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name} is {width} px wide on a 360 px phone"
        assert page.evaluate("window.innerWidth") == 360
    page = view.open("two.html")
    # The stress content really is there, and it fits.
    assert page.locator("img").evaluate("i => i.getBoundingClientRect().right") <= 360
    assert re.search(r"https://example\.org/an/address", page.locator("article").inner_text())
    assert view.problems == []


@pytest.mark.parametrize("chapter_id, problem", [
    ("index", "chapter id 'index' would overwrite the web edition's title page index.html"),
    ("../escape", "chapter id '../escape' cannot name a page"),
])
def test_a_chapter_id_that_cannot_name_a_page_is_refused(tmp_path: Path, chapter_id: str, problem: str):
    manuscript = copy_manuscript("mini", tmp_path)
    chapter = manuscript / "chapters" / "01-one.md"
    chapter.write_text(chapter.read_text("utf-8").replace("---\n", f"---\nid: {chapter_id!r}\n", 1), "utf-8")
    out = tmp_path / "build"
    done = run_cli("build", "html", "epub", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 1
    assert f"manuscript/chapters/01-one.md:2:5: error[C004]: {problem}" in done.stderr
    assert "Traceback" not in done.stderr
    assert editions_in(out) == []


def test_a_note_opens_in_a_popover_from_the_keyboard_and_escape_closes_it(watched):
    view = watched()
    page = view.open("two.html")
    call = page.locator('a[role="doc-noteref"]').nth(1)
    assert call.get_attribute("aria-haspopup") == "dialog" and call.get_attribute("aria-expanded") == "false"
    call.focus()
    page.keyboard.press("Enter")
    popover = page.locator("#note-popover")
    assert popover.is_visible()
    assert popover.get_attribute("role") == "dialog" and popover.get_attribute("aria-label") == "Note 2"
    assert popover.inner_text().startswith(NOTES[3])
    assert page.evaluate("document.activeElement.id") == "note-popover"  # a screen reader reads it now
    assert call.get_attribute("aria-expanded") == "true"
    assert page.evaluate("location.hash") == ""  # the page did not jump to the list
    assert page.locator("#note-popover [id]").count() == 0  # the copy carries no duplicate ids
    page.keyboard.press("Escape")
    assert not popover.is_visible()
    assert page.evaluate("document.activeElement.id") == "call-3"  # focus back on the call
    assert call.get_attribute("aria-expanded") == "false"
    # The popover's own link still reaches the list at the chapter's end.
    page.keyboard.press("Enter")
    popover.locator("a", has_text="In the notes").click()
    assert page.evaluate("location.hash") == "#note-3" and not popover.is_visible()
    assert view.problems == []


def test_landmarks_skip_link_and_the_current_chapter(watched):
    view = watched()
    page = view.open("two.html")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to the text" and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for selector in ("body > header.site", "nav#sidebar[aria-label]", "main#main", "form[role=search]",
                     "body > footer", "nav.pager[aria-label]", "section[role=doc-endnotes]"):
        assert page.locator(selector).count() == 1, selector
    assert page.locator('#sidebar a[aria-current="page"]').inner_text() == TITLES["two.html"]
    assert view.problems == []


def test_the_contents_menu_folds_away_on_a_phone(watched):
    view = watched(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = view.open("one.html")
    button = page.locator(".menu-button")
    assert button.is_visible() and not page.locator("#sidebar").is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true" and page.locator("#sidebar").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#sidebar").is_visible()
    assert page.evaluate("document.activeElement.className") == "menu-button"
    wide = watched(viewport={"width": 1280, "height": 800})
    page = wide.open("one.html")
    assert page.locator("#sidebar").is_visible() and not page.locator(".menu-button").is_visible()
    blind = watched(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = blind.open("one.html")  # without JavaScript the contents are simply shown
    assert page.locator("#sidebar").is_visible() and not page.locator(".menu-button").is_visible()
    assert view.problems == wide.problems == blind.problems == []


def test_a_phrase_from_chapter_two_is_found_and_links_to_its_passage(watched):
    view = watched()
    page = view.open("search.html?q=" + "And one from notes.yaml")
    page.wait_for_selector("#search-results li")
    links = page.locator("#search-results .search-place")
    assert page.locator("#search-results .search-chapter").first.inner_text() == TITLES["two.html"]
    assert links.first.get_attribute("href") == "two.html?highlight=and+one+from+notes.yaml#p-1"
    assert "<mark>" in links.first.inner_html()
    links.first.click()
    page.wait_for_url(view.base + "two.html?highlight=and+one+from+notes.yaml#p-1")
    assert page.locator(":target").inner_text().startswith("A second chapter with an inline note.")
    # A word from the notes is found too; nothing is found for a word the book does not hold.
    page = view.open("search.html?q=xylophone")
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^Nothing found"))
    assert page.locator("#search-results li").count() == 0
    assert view.problems == []


def test_axe_finds_no_violation_on_any_page(watched):
    """The stress content (a wide table, an image, code) included; both themes: tests/test_sample_web.py."""
    view = watched()
    found = {}
    for name in ALL_PAGES:
        page = view.open(name)
        if name == "search.html":
            page = view.open("search.html?q=chapter")
            page.wait_for_selector("#search-results li")
        found[name] = axe_violations(page)
    page = view.open("two.html")
    page.locator('a[role="doc-noteref"]').first.click()  # with a note open
    found["two.html (popover)"] = axe_violations(page)
    assert found == {name: [] for name in found}
    assert view.problems == []


def test_print_shows_the_text_and_its_notes_only(watched):
    view = watched()
    page = view.open("two.html")
    page.emulate_media(media="print")
    for hidden in ("header.site", "#sidebar", "nav.pager", ".skip-link", "footer"):
        assert not page.locator(hidden).is_visible(), hidden
    assert page.locator("article h1").is_visible() and page.locator("section.notes").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")


def test_a_link_to_a_section_of_another_chapter_goes_to_its_page(tmp_path: Path):
    from pressroom.editions.epub import _cross_file_links

    manuscript = copy_manuscript("mini", tmp_path)
    chapter = manuscript / "chapters" / "01-one.md"
    chapter.write_text(chapter.read_text("utf-8") + "\nSee [the section](#a-section).\n", "utf-8")
    out = tmp_path / "build"
    done = run_cli("build", "html", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'href="two.html#a-section"' in (out / "html" / "one.html").read_text("utf-8")
    assert 'id="a-section"' in (out / "html" / "two.html").read_text("utf-8")
    # The EPUB does the same between its chapter files.
    html = '<a href="#a-section">x</a> <a href="#here">y</a>'
    assert _cross_file_links(html, "ch001.xhtml", {"a-section": "ch002.xhtml", "here": "ch001.xhtml"}) == (
        '<a href="ch002.xhtml#a-section">x</a> <a href="#here">y</a>')


def test_a_relative_output_folder_works(tmp_path: Path):
    # Pagefind runs inside the site folder: it once got the relative path and failed (T032).
    copy_manuscript("mini", tmp_path)
    done = run_cli("build", "html", "--manuscript", "manuscript", "--out", "build", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "build" / "html" / "pagefind" / "pagefind.js").is_file()
