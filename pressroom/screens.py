"""Screenshots of the EPUB and the web edition as readers see them, for `make proof` and the tests.

The EPUB is opened in epub.js (npm `epubjs`, pinned in package.json) at a phone's 360 × 640,
paginated; the web edition at 360 and 1280 px, light and dark. Both are served on 127.0.0.1 and
drawn by Debian's Chromium through Playwright: what a reader's phone or desktop would show.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

from .messages import fail
from .theme import TEMPLATES

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
READER = TEMPLATES / "screens"
LIBRARIES = {"epub.min.js": "epubjs/dist/epub.min.js", "jszip.min.js": "jszip/dist/jszip.min.js"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 360, "height": 640}
WEB_WIDTHS = (360, 1280)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # a proof run prints its own progress, not every request
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port); yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def reader_folder(epub: Path, folder: Path) -> Path:
    """Lay out epub.js, its page and the EPUB (as book.epub) in `folder`."""
    for name, relative in LIBRARIES.items():
        source = NODE_MODULES / relative
        if not source.is_file():
            raise fail("T040", str(source), 0, 0, "epub.js is not installed: run `npm ci` (make does)")
        shutil.copyfile(source, folder / name)
    for name in ("reader.html", "reader.js", "reader.css"):
        shutil.copyfile(READER / name, folder / name)
    shutil.copyfile(epub, folder / "book.epub")
    return folder


@contextmanager
def epub_reader(browser, epub: Path, viewport: dict | None = None) -> Iterator[object]:
    """A Playwright page showing `epub` in epub.js at a phone's size; `window.reader` drives it."""
    with tempfile.TemporaryDirectory(prefix="pressroom-epubjs-") as temporary:
        with serve(reader_folder(epub, Path(temporary))) as base:
            context = browser.new_context(viewport=viewport or PHONE)
            try:
                page = context.new_page()
                page.goto(base + "reader.html", wait_until="load")
                page.evaluate("() => window.reader.ready")
                yield page
            finally:
                context.close()


def show(page, target: str) -> dict:
    """Display `target` (a file of the EPUB, file#id, or CFI); where the reader then stands."""
    found = page.evaluate("target => window.reader.display(target)", target)
    page.evaluate("() => document.fonts.ready")
    page.wait_for_timeout(300)  # epub.js lays out its iframe after display() resolves; let it paint
    return found


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file name beside the proof's index and what it shows."""

    name: str
    caption: str


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise fail("T041", str(CHROMIUM), 0, 0, "Chromium is missing: sudo apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def epub_shots(browser, epub: Path, folder: Path) -> list[Shot]:
    """The EPUB at 360 × 640 in epub.js: cover, contents, the first chapter's opening, its notes."""
    shots = []
    with epub_reader(browser, epub) as page:
        spine = page.evaluate("() => window.reader.spine()")
        chapters = [href for href in spine if href.startswith("text/ch")]
        wanted = [("cover", "text/cover.xhtml", "Cover"), ("contents", "nav.xhtml", "Contents")]
        if chapters:
            wanted.append(("chapter", chapters[0], "The first chapter's opening"))
        notes = _first_notes(epub, chapters)
        if notes:
            wanted.append(("notes", notes, "Notes at a chapter's end"))
        for stem, target, caption in wanted:
            show(page, target)
            name = f"epub-360-{stem}.png"
            page.screenshot(path=str(folder / name))
            shots.append(Shot(name, f"EPUB in epub.js, 360 × 640: {caption.lower()}"))
    return shots


def _first_notes(epub: Path, chapters: list[str]) -> str | None:
    """`text/chNNN.xhtml#notes-<id>` of the first chapter that has notes."""
    import re
    import zipfile

    with zipfile.ZipFile(epub) as archive:
        for href in chapters:
            found = re.search(rb'<section id="(notes-[^"]+)"', archive.read(f"EPUB/{href}"))
            if found:
                return f"{href}#{found.group(1).decode()}"
    return None


def web_shots(browser, site: Path, folder: Path) -> list[Shot]:
    """The web edition's title page and first chapter at 360 and 1280 px, light and dark."""
    pages = ["index.html"] + sorted((p.name for p in site.glob("*.html")
                                     if p.name not in ("index.html", "search.html", "404.html")),
                                    key=lambda name: _order(site, name))[:1]
    shots = []
    with serve(site) as base:
        for scheme in ("light", "dark"):
            for width in WEB_WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
                page = context.new_page()
                for name in pages:
                    page.goto(base + name, wait_until="load")
                    page.evaluate("() => document.fonts.ready")
                    shot = f"web-{width}-{scheme}-{Path(name).stem}.png"
                    page.screenshot(path=str(folder / shot))
                    shots.append(Shot(shot, f"Web edition, {width} px, {scheme}: {name}"))
                context.close()
    return shots


def _order(site: Path, name: str) -> int:
    """A chapter page's place in the contents of the title page."""
    index = (site / "index.html").read_text("utf-8")
    at = index.find(f'href="{name}"')
    return at if at >= 0 else len(index)


def write_screens(epub: Path | None, site: Path | None, folder: Path,
                  progress: Callable[[str], None]) -> list[Shot]:
    """Every screenshot of the built EPUB and web edition into `folder`; what was drawn."""
    folder.mkdir(parents=True, exist_ok=True)
    shots: list[Shot] = []
    with chromium() as browser:
        if epub is not None and epub.is_file():
            progress(f"proof: drawing {epub.name} in epub.js at 360 x 640")
            shots += epub_shots(browser, epub, folder)
        if site is not None and (site / "index.html").is_file():
            progress(f"proof: drawing the web edition at {' and '.join(map(str, WEB_WIDTHS))} px, light and dark")
            shots += web_shots(browser, site, folder)
    return shots
