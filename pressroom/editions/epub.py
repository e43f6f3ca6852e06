"""The EPUB 3: the resolved AST written by pandoc, one file per chapter, notes semantic and linked both ways.

Pandoc's own Note inlines are not used here: pandoc 3 writes EPUB notes without a link back to the
call, and numbers them its own way (jgm/pandoc#1391). The calls and notes are built here instead,
with the numbers the PDF and the web edition print (ids stay unique through the book):

    <sup><a id="call-3" href="#note-3" epub:type="noteref" role="doc-noteref">3</a></sup>
    ...
    <section id="notes-<chapter>" class="footnotes" epub:type="footnotes"><h2>Notes</h2>
      <aside id="note-3" class="footnote" epub:type="footnote" role="doc-footnote">
        <p><a href="#call-3" role="doc-backlink">3.</a> The note's text.</p>
      </aside>
    </section>

Each note sits at the end of its own chapter, so every link stays inside one XHTML file.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from ..model import Book, Edition
from ..output import atomic_path
from ..pandoc_ast import transform
from ..resolve import ResolvedChapter, ResolvedNote
from ..tools import git, pandoc
from .fragments import NOTE_CALL
from .html import book_images

STYLES = Path(__file__).resolve().parents[2] / "styles"
FONTS = STYLES / "fonts"
TOC_DEPTH = 1  # chapters only, as in the PDF; a section title may hold a note call (raw HTML: never in a nav link)


def build_epub(book: Book, edition: Edition, chapters: list[ResolvedChapter], target: Path) -> str:
    """Write the EPUB 3 to `target` atomically; the same sources give the same bytes."""
    book_images(book, chapters)  # every image must be a file inside the manuscript: checked, not copied
    epoch = git.source_date_epoch(book.root)
    ast = pandoc.document(book_blocks(chapters), pandoc.metadata(epub_metadata(book, edition)))
    args = [
        "--split-level=1", f"--toc-depth={TOC_DEPTH}", "--epub-title-page=true",
        f"--resource-path={book.root}",
        *(f"--css={STYLES / name}" for name in ("base.css", "epub.css")),
        *(f"--epub-embed-font={font}" for font in sorted(FONTS.glob("*.otf"))),
    ]
    with atomic_path(target) as temporary:
        # Pandoc takes dcterms:modified, dc:date and every zip entry's time from SOURCE_DATE_EPOCH.
        pandoc.write_epub(ast, temporary, args, label=f"{edition.name} edition",
                          env={"SOURCE_DATE_EPOCH": str(epoch), "TZ": "UTC"})
    notes = sum(len(c.notes) for c in chapters)
    return f"{len(chapters)} chapters, {notes} notes"


def identifier(book: Book, edition: Edition) -> str:
    """urn:isbn:<digits> for an edition with an ISBN, else a urn:uuid fixed by the slug."""
    if edition.isbn:
        return "urn:isbn:" + re.sub(r"[\s-]", "", edition.isbn)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:pressroom:{book.slug}:{edition.name}')}"


def epub_metadata(book: Book, edition: Edition) -> dict:
    """The package metadata, as plain values (pandoc.metadata leaves out the empty ones)."""
    return {
        "title": book.title,
        "subtitle": book.subtitle,
        "author": list(book.authors),
        "lang": book.language,
        "identifier": identifier(book, edition),
        "rights": book.rights,
        "publisher": book.publisher,
        "description": book.description,
        "toc-title": "Contents",
    }


def book_blocks(chapters: list[ResolvedChapter]) -> list:
    """Every chapter as a level-1 section (its title, its text, then its notes)."""
    blocks: list = []
    for chapter in chapters:
        blocks.append(chapter_heading(chapter))
        labels = {n.number: n.label for n in chapter.notes}
        blocks.extend(transform(chapter.blocks, lambda node: _note_call(node, labels)))
        if chapter.notes:
            blocks.append(notes_heading(chapter))
            for note in chapter.notes:
                blocks.extend(note_blocks(note))
    return blocks


def chapter_heading(chapter: ResolvedChapter) -> dict:
    """The chapter title as the section's h1, with the anchor the other editions use."""
    attr = [f"chapter-{chapter.id}", ["chapter"], [["epub:type", "chapter"]]]
    return {"t": "Header", "c": [1, attr, [{"t": "Str", "c": chapter.title}]]}


def notes_heading(chapter: ResolvedChapter) -> dict:
    """"Notes" as the chapter's last section (pandoc closes any open section before it); not in the nav."""
    attr = [f"notes-{chapter.id}", ["footnotes", "unnumbered", "unlisted"], [["epub:type", "footnotes"]]]
    return {"t": "Header", "c": [2, attr, [{"t": "Str", "c": "Notes"}]]}


def note_call(number: int, label: int) -> dict:
    """The call: a superscript number linking to its note."""
    return _raw_inline(f'<sup><a id="call-{number}" class="noteref" href="#note-{number}" epub:type="noteref"'
                       f' role="doc-noteref">{label}</a></sup>')


def note_blocks(note: ResolvedNote) -> list:
    """The note in an aside that opens with its number, linked back to the call."""
    n = note.number
    back = _raw_inline(f'<a class="note-back" href="#call-{n}" role="doc-backlink">{note.label}.</a>')
    blocks = list(note.blocks)
    if blocks and blocks[0]["t"] in ("Para", "Plain"):
        blocks[0] = {"t": blocks[0]["t"], "c": [back, {"t": "Space"}, *blocks[0]["c"]]}
    else:
        blocks.insert(0, {"t": "Para", "c": [back]})
    return [_raw_block(f'<aside id="note-{n}" class="footnote" epub:type="footnote" role="doc-footnote">'),
            *blocks, _raw_block("</aside>")]


def _note_call(node: dict, labels: dict[int, int]) -> dict | None:
    if node["t"] == "RawInline" and node["c"][0] == "html":
        match = NOTE_CALL.fullmatch(node["c"][1])
        if match:
            return note_call(int(match.group(1)), labels[int(match.group(1))])
    return None


def _raw_inline(html: str) -> dict:
    return {"t": "RawInline", "c": ["html", html]}


def _raw_block(html: str) -> dict:
    return {"t": "RawBlock", "c": ["html", html]}
