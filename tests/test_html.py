"""The web edition of the mini book, built by the real CLI and read in headless Chromium (Playwright)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser import Watched, serve
from conftest import copy_manuscript, run_cli

PAGES = ["index.html", "one.html", "two.html"]
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
    assert [n for n in names if n.endswith(".html")] == sorted(PAGES)
    assert [n for n in names if n.endswith(".css")] == ["style.css"]
    assert "images/wide.svg" in names
    assert {"fonts/LinLibertine_R.otf", "fonts/OFL.txt"} <= set(names)
    assert not list(site.parent.glob(".*tmp*"))  # swapped in whole, the stale page gone with the old folder


def test_every_page_loads_cleanly_in_chromium(watched):
    view = watched()
    for name in PAGES:
        page = view.open(name)
        assert page.evaluate("document.documentElement.lang") == "en-GB"
        assert page.locator('meta[name="viewport"]').count() == 1
        assert page.evaluate("document.fonts.check('16px Libertine')"), f"{name}: the book face did not load"
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        assert page.locator("script").count() == 0
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
    view = watched()
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
    for name in PAGES:
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
    assert not out.exists() or not any(out.iterdir())
