"""What readers meet, checked in real reading software: the EPUB in epub.js at a phone's 360 × 640,
its metadata and page list against the PDF, and the web edition in headless Chromium.

The book is tests/fixtures/readers: no author, no ISBN, a `url:`, a chapter whose print pages begin
inside a table, with a figure and inside a code block, and a word that is in a note and in the text.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from browser import Watched, axe_violations, serve
from conftest import FIXTURES, run_cli
from pressroom import screens
from pressroom.readback import squeeze
from readers import pdf_pages

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
SLUG = "harbour-ledger"
URL = "https://books.example.org/harbour-ledger/"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """The readers' book, every edition, built by the real CLI."""
    base = tmp_path_factory.mktemp("readers")
    shutil.copytree(FIXTURES / "readers", base / "manuscript")
    done = run_cli("build", "--manuscript", str(base / "manuscript"), "--out", str(base / "build"), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build"


@pytest.fixture(scope="module")
def epub(out: Path) -> Path:
    return out / f"{SLUG}.epub"


@pytest.fixture(scope="module")
def site(out: Path):
    with serve(out / "html") as base:
        yield base


def _letters(text: str) -> str:
    """Letters and digits only, case folded: what a page's text and the EPUB's share, ornaments aside."""
    return "".join(ch for ch in squeeze(text) if ch.isalnum())


def _xml(epub: Path, name: str):
    with zipfile.ZipFile(epub) as archive:
        return etree.fromstring(archive.read(name))


# ------------------------------------------------------------------ the EPUB


def test_the_cover_is_one_page_in_epubjs_at_phone_size(browser, epub: Path):
    """A cover 100% of the viewport high spilled onto a blank second page; now it fits on one."""
    with screens.epub_reader(browser, epub) as page:
        at = screens.show(page, "text/cover.xhtml")
        assert at["href"] == "text/cover.xhtml" and at["total"] == 1
        box = page.frame_locator("iframe").locator("svg").bounding_box()
        assert box["height"] <= 640 and box["width"] <= 360
        assert page.evaluate("() => window.reader.next()")["href"] == "text/title_page.xhtml"


def test_metadata_names_a_creator_and_a_stable_identifier(epub: Path, tmp_path: Path):
    opf = _xml(epub, "EPUB/content.opf")
    assert opf.xpath("//dc:creator/text()", namespaces=NS) == ["Anonymous"]
    [unique] = opf.xpath("//dc:identifier[@id=/opf:package/@unique-identifier]/text()", namespaces=NS)
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", unique)
    assert opf.xpath("//dc:identifier[@id='web-edition']/text()", namespaces=NS) == [URL]
    # Stable: a second build elsewhere, of a later version, keeps it (it is the book's, not the build's).
    shutil.copytree(FIXTURES / "readers", tmp_path / "manuscript")
    book = tmp_path / "manuscript" / "book.yaml"
    book.write_text(book.read_text("utf-8").replace('version: "1.0"', 'version: "1.1"'), "utf-8")
    done = run_cli("build", "epub", "--manuscript", str(tmp_path / "manuscript"), "--out", str(tmp_path / "b"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    again = _xml(tmp_path / "b" / f"{SLUG}.epub", "EPUB/content.opf")
    assert again.xpath("//dc:identifier[@id='book-id']/text()", namespaces=NS) == [unique]


def test_a_colophon_closes_the_epub(epub: Path):
    opf = _xml(epub, "EPUB/content.opf")
    assert opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)[-1] == "colophon"
    colophon = _xml(epub, "EPUB/text/colophon.xhtml")
    [section] = colophon.xpath("//x:section[@epub:type='colophon']", namespaces=NS)
    text = " ".join("".join(section.itertext()).split())
    assert "its author is not named" in text and "version 1.0" in text and "12 print pages" in text


def test_every_print_page_of_a_chapter_with_a_table_a_figure_and_code_is_marked_where_it_begins(out: Path, epub: Path):
    """The page list names every body page of the PDF, each marker just before that page's first words."""
    pages = [_letters(text) for text in pdf_pages(out / f"{SLUG}.pdf")]
    nav = _xml(epub, "EPUB/nav.xhtml")
    links = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [a.text for a in links] == [str(n) for n in range(1, 13)]
    first_body = next(i for i, text in enumerate(pages) if _letters("Chapter 1 Arrivals") in text)
    holders = {}
    for a in links:
        file, _, anchor = a.get("href").partition("#")
        tree = _xml(epub, f"EPUB/{file}")
        [marker] = tree.xpath(f"//*[@id='{anchor}']")
        holders[a.text] = etree.QName(marker.getparent()).localname
        after = _letters("".join(tree.xpath(f"//*[@id='{anchor}']/following::text()"))[:200])
        page = pages[first_body + int(a.text) - 1]
        # The marker's next words open that page (after its running head), and are not on the page before.
        assert after[:20] in page, (a.text, after[:40], page[:80])
        assert after[:20] not in pages[first_body + int(a.text) - 2] or a.text == "1", a.text
    # Pages 5–7 begin inside the table, 8 with the figure, 10–12 inside the code block.
    assert [holders[n] for n in ("5", "6", "7", "8", "10", "11", "12")] == ["td"] * 3 + ["figure"] + ["code"] * 3


def test_screenshots_of_the_epub_at_phone_size(browser, epub: Path, tmp_path: Path):
    shots = screens.epub_shots(browser, epub, tmp_path)
    assert [s.name for s in shots] == ["epub-360-cover.png", "epub-360-contents.png", "epub-360-chapter.png",
                                       "epub-360-notes.png"]
    from PIL import Image

    for shot in shots:
        with Image.open(tmp_path / shot.name) as image:
            assert image.size == (360, 640)
            assert image.convert("L").getextrema()[0] < 128, f"{shot.name} is blank"


# ------------------------------------------------------------------ the web edition: search


def _search(view: Watched, words: str):
    page = view.open("search.html")
    page.locator("#search-query").press_sequentially(words, delay=20)  # typed, never submitted
    page.wait_for_function("() => /found|place/.test(document.getElementById('search-status').textContent)")
    return page


def test_search_answers_as_you_type_and_links_a_note_hit_to_the_note(browser, site):
    view = Watched(browser, site)
    page = _search(view, "Minsaengd")
    assert page.url.endswith("search.html?q=Minsaengd")  # the address follows, so a result can be shared
    hrefs = [a.get_attribute("href") for a in page.locator(".search-place").all()]
    assert hrefs == ["ledger.html?highlight=minsaengd#p-4", "ledger.html?highlight=minsaengd#note-2"]
    note = page.locator(".search-place").nth(1)
    assert "purge" in note.inner_text() and note.locator("mark").inner_text() == "Minsaengdan"
    note.click()
    page.wait_for_url(re.compile(r"ledger\.html\?highlight=minsaengd#note-2$"))
    # Only the word is marked, in the note itself.
    assert page.locator("mark.search-hit").all_inner_texts() == ["Minsaengdan"]
    assert page.locator("#note-2 mark.search-hit").count() == 1
    assert axe_violations(page) == []
    assert view.problems == []
    view.close()


@pytest.mark.parametrize("absent", ["Mikoyan", "Tidex"])
def test_a_word_absent_from_the_book_finds_nothing(browser, site, absent):
    """Pagefind answers an absent word with any word sharing its first letters ("Tidex": "tide")."""
    view = Watched(browser, site)
    page = _search(view, absent)
    assert page.locator("#search-status").inner_text() == f"Nothing found for “{absent}”."
    assert page.locator(".search-place").count() == 0
    view.close()


# ------------------------------------------------------------------ the web edition: reading


def test_theme_and_text_size_are_remembered_across_pages(browser, site):
    view = Watched(browser, site, color_scheme="light")
    page = view.open("arrivals.html")
    paper = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    page.select_option("#theme-choice", "dark")
    page.get_by_role("button", name="Larger text").click()
    dark = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    size = page.evaluate("getComputedStyle(document.documentElement).fontSize")
    assert dark != paper and size == "20px"  # 112.5% → 125% of 16 px
    page = view.open("ledger.html")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == dark
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    assert page.locator("#theme-choice").input_value() == "dark"
    assert axe_violations(page) == []
    page.select_option("#theme-choice", "auto")
    page.get_by_role("button", name="Smaller text").click()
    page = view.open("index.html")
    assert page.evaluate("document.documentElement.dataset.theme") is None
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == paper
    assert view.problems == []
    view.close()


def test_arrow_keys_turn_the_pages_but_not_while_typing(browser, site):
    view = Watched(browser, site)
    page = view.open("arrivals.html")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(site + "ledger.html")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(site + "arrivals.html")
    page.locator("header.site input[type=search]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    assert page.url == site + "arrivals.html"
    assert view.problems == []
    view.close()


def test_headings_carry_a_link_that_copies_their_address(browser, site):
    view = Watched(browser, site)
    view.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = view.open("ledger.html")
    anchor = page.locator("h2#the-winter-entries a.heading-anchor")
    assert anchor.get_attribute("href") == "#the-winter-entries"
    anchor.click()
    assert page.evaluate("navigator.clipboard.readText()") == site + "ledger.html#the-winter-entries"
    assert page.url.endswith("#the-winter-entries")
    view.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_print_page_numbers_show_in_the_margin(browser, site, width):
    view = Watched(browser, site, viewport={"width": width, "height": 900})
    page = view.open("ledger.html")
    markers = page.locator(".page-break")
    assert [m.get_attribute("data-page") for m in markers.all()] == [str(n) for n in range(3, 13)]
    assert page.evaluate("getComputedStyle(document.getElementById('page-5'), '::before').content") == '"p.\u00a0" attr(data-page)' \
        or "p." in page.evaluate("getComputedStyle(document.getElementById('page-5'), '::before').content")
    text = page.locator("article").inner_text()
    assert "p. 5" not in text  # generated text: not in a copy, not in the search index
    marker, article = page.locator("#page-9").bounding_box(), page.locator("article").bounding_box()
    if width == 1280:
        assert marker["x"] + marker["width"] <= article["x"]  # in the margin, left of the text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    view.close()


def test_every_note_call_controls_a_popover_that_exists(browser, site):
    view = Watched(browser, site)
    for name in ("arrivals.html", "ledger.html"):
        page = view.open(name)
        calls = page.locator('a[role="doc-noteref"]')
        assert calls.count() == 1
        controlled = calls.first.get_attribute("aria-controls")
        assert page.locator(f"#{controlled}").count() == 1  # before any note is opened
        assert not page.locator(f"#{controlled}").is_visible()
        calls.first.click()
        assert page.locator(f"#{controlled}").is_visible()
        assert axe_violations(page) == []
    assert view.problems == []
    view.close()


# ------------------------------------------------------------------ the web edition: the site


def test_favicon_share_cards_and_sitemap(browser, site, out: Path):
    view = Watched(browser, site)
    page = view.open("ledger.html")
    assert page.evaluate("document.querySelector('link[rel=icon]').href") == site + "favicon.svg"
    meta = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('meta[property^="og:"], meta[name^="twitter:"]')]
        .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))""")
    assert meta["og:title"] == "The Ledger · The Harbour Ledger" and meta["og:type"] == "article"
    assert meta["og:url"] == URL + "ledger.html" and meta["og:image"] == URL + "cover.png"
    assert meta["twitter:card"] == "summary_large_image"
    page.goto(site + "favicon.svg")
    sitemap = etree.fromstring((out / "html" / "sitemap.xml").read_bytes())
    locs = sitemap.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    assert locs == [URL, URL + "arrivals.html", URL + "ledger.html"]
    assert (out / "html" / "cover.png").is_file()
    assert view.problems == []
    view.close()


def test_without_a_url_there_is_no_sitemap_and_no_absolute_address(tmp_path: Path):
    shutil.copytree(FIXTURES / "readers", tmp_path / "manuscript")
    book = tmp_path / "manuscript" / "book.yaml"
    book.write_text(book.read_text("utf-8").replace(f"url: {URL}\n", ""), "utf-8")
    done = run_cli("build", "html", "--manuscript", str(tmp_path / "manuscript"), "--out", str(tmp_path / "b"),
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    site = tmp_path / "b" / "html"
    assert not (site / "sitemap.xml").exists() and not (site / "cover.png").exists()
    page = (site / "ledger.html").read_text("utf-8")
    assert "og:url" not in page and "og:image" not in page and 'content="summary"' in page
    assert "page-break" in page  # the print pages marked as in a full build: `build html` alone lays the PDF out
    assert 'href="index.html"' in (site / "404.html").read_text("utf-8")


def test_the_404_page_links_from_the_site_root(browser, out: Path):
    html = (out / "html" / "404.html").read_text("utf-8")
    assert 'href="/harbour-ledger/index.html"' in html and 'href="/harbour-ledger/search.html"' in html
    assert "data-pagefind-body" not in html


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_watch_sends_the_content_security_policy_as_a_header(tmp_path: Path):
    from pressroom.editions.html import CSP
    from pressroom.watch import watch

    shutil.copytree(FIXTURES / "readers", tmp_path / "manuscript")
    stop, port = threading.Event(), _free_port()
    said: list[str] = []
    thread = threading.Thread(target=watch, args=(tmp_path / "manuscript", tmp_path / "b", port, said.append, stop),
                              daemon=True)
    thread.start()
    try:
        for _ in range(1200):
            if any("serving" in line for line in said):
                break
            stop.wait(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ledger.html", timeout=10) as response:
            policy = response.headers["Content-Security-Policy"]
            body = response.read().decode()
        assert policy.startswith(CSP) and "frame-ancestors 'none'" in policy
        assert 'http-equiv="Content-Security-Policy"' in body  # the <meta> stays, for hosts that send no header
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no/such/page.html", timeout=10)
        assert missing.value.code == 404 and "not in the book" in missing.value.read().decode()
    finally:
        stop.set()
        thread.join(30)
