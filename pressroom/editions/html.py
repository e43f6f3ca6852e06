"""The web edition: a title page with the contents, one page per chapter, its notes at its end.

build/html/
  index.html          title page, copyright, contents
  <chapter-id>.html   the chapter, prev/next links, its notes linked both ways
  style.css           styles/fonts.css + base.css + html.css
  fonts/              the bundled book face (and its licence): no request leaves the folder
  images/             the images the chapters and notes use
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markupsafe import Markup

from ..messages import BuildError, error
from ..model import Book, Edition
from ..output import atomic_path
from ..pandoc_ast import walk
from ..render import book_context, page_environment, render_page
from ..resolve import ResolvedChapter
from .fragments import Fragments, fill_note_calls

STYLES = Path(__file__).resolve().parents[2] / "styles"
STYLESHEETS = ("fonts.css", "base.css", "html.css")
FONT_FILES = ("*.otf", "OFL.txt")
LAST_PARAGRAPH_END = re.compile(r"</p>\s*\Z")


def build_html(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
               target: Path) -> str:
    """Render every page, then write the whole folder at once (a half-written site never replaces one)."""
    images = book_images(book, chapters)
    pages = render_pages(book, edition, chapters, fragments)
    with atomic_path(target) as temporary:
        temporary.mkdir()
        for name, text in pages.items():
            (temporary / name).write_text(text, encoding="utf-8", newline="\n")
        (temporary / "style.css").write_text(stylesheet(), encoding="utf-8", newline="\n")
        (temporary / "fonts").mkdir()
        for pattern in FONT_FILES:
            for font in sorted((STYLES / "fonts").glob(pattern)):
                shutil.copyfile(font, temporary / "fonts" / font.name)
        for relative in images:
            destination = temporary / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(book.root / relative, destination)
    notes = sum(len(c.notes) for c in chapters)
    return f"{len(chapters)} chapter pages, {notes} notes, {len(images)} images"


def render_pages(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments) -> dict:
    """File name → HTML for the title page and each chapter page."""
    env = page_environment("html")
    contents = [{"href": page_name(c), "title": c.title, "number": c.number} for c in chapters]
    home = {"href": "index.html", "title": "Contents"}
    pages = {}
    context = book_context(book, edition)
    context.update(contents=contents, stylesheet="style.css")
    pages["index.html"] = render_page(env, "index.html", context)
    labels = {n.number: n.label for c in chapters for n in c.notes}
    for index, chapter in enumerate(chapters):
        page = book_context(book, edition)
        page.update(
            contents=contents, stylesheet="style.css", home=home,
            chapter={"id": chapter.id, "title": chapter.title, "number": chapter.number,
                     "anchor": f"chapter-{chapter.id}",
                     "html": Markup(fill_note_calls(fragments.chapters[chapter.id],
                                                     lambda number: note_call(number, labels[number])))},
            notes=[{"number": n.number, "label": n.label, "note_id": n.note_id,
                    "html": Markup(with_backlink(fragments.notes[n.number], n.number, n.label))}
                   for n in chapter.notes],
            prev=contents[index - 1] if index > 0 else home,
            next=contents[index + 1] if index + 1 < len(chapters) else None,
        )
        pages[page_name(chapter)] = render_page(env, "chapter.html", page)
    return pages


def page_name(chapter: ResolvedChapter) -> str:
    return f"{chapter.id}.html"


def note_call(number: int, label: int) -> str:
    """A note call: its printed number, superscript, linking to the note at the page's end."""
    return (f'<sup class="noteref"><a href="#note-{number}" id="call-{number}" role="doc-noteref"'
            f' aria-label="Note {label}">{label}</a></sup>')


def with_backlink(note_html: str, number: int, label: int) -> str:
    """The note's HTML with a link back to its call, at the end of its last paragraph."""
    link = (f'<a href="#call-{number}" role="doc-backlink" class="backlink"'
            f' aria-label="Back to the text of note {label}">\u21a9\ufe0e</a>')
    if LAST_PARAGRAPH_END.search(note_html):
        return LAST_PARAGRAPH_END.sub(lambda _: f" {link}</p>", note_html, count=1)
    return f"{note_html}\n<p>{link}</p>"


def stylesheet() -> str:
    """The one stylesheet of the site, from the shared font set-up, base and web styles."""
    parts = [f"/* styles/{name} */\n{(STYLES / name).read_text('utf-8').strip()}\n" for name in STYLESHEETS]
    return "\n".join(parts)


def book_images(book: Book, chapters: list[ResolvedChapter]) -> list[str]:
    """The images the book uses (paths relative to the manuscript), each checked to be a file inside it."""
    found: dict[str, str] = {}
    for chapter in chapters:

        def collect(node: dict, _pos: str, shown: str = chapter.shown) -> None:
            if node["t"] == "Image":
                found.setdefault(node["c"][2][0], shown)

        walk(chapter.blocks, collect)
        for note in chapter.notes:
            walk(note.blocks, collect)
    images, problems = [], []
    for url, shown in sorted(found.items()):
        relative = unquote(urlsplit(url).path)
        path = (book.root / relative).resolve()
        if not (path.is_relative_to(book.root.resolve()) and path.is_file()):
            problems.append(error("H002", shown, 0, 0, f"image {url!r} is not a file inside the manuscript folder"))
        else:
            images.append(relative)
    if problems:
        raise BuildError(problems)
    return images
