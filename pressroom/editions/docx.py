"""The DOCX edition for copyeditors: the book's text with real Word footnotes, styled by reference.docx.

Pandoc's docx writer does the Word side; this module hands it one document:

    Title, Subtitle, Author        the title page (pandoc's styles, from the book's metadata)
    Copyright Notice               rights, version, ISBN, on the next page
    Part Title                     a part's opening page
    Heading 1                      each chapter's title, on a new page (reference.docx says so)
    Chapter Subtitle, Epigraph     a chapter's opening
    First Paragraph, Body Text, Block Text, Footnote Text, Image Caption, Table Caption …

Chapters and notes come from the same resolved chapters every edition uses, so the text is the
same; notes are Word footnotes where they are called. Their numbers are Word's: pandoc's section
says "restart each section", which LibreOffice reads as "restart at each Heading 1" (per chapter,
as book.yaml's default numbering) and Word, with the book in one section, as "through the book".
(Word sections per chapter would settle it, but LibreOffice 7.4 then prints every note number as 0.) Raw HTML has no Word form: its tags are
dropped with a warning naming the chapter and the tag (their text stays). The reference document
is the book's own `templates/docx/reference.docx` if it brings one, else ours
(scripts/make-reference-docx writes ours).

Provenance, for the return path (`import --revision`, manuscript/revision.py): every paragraph,
heading and note paragraph opens with an empty bookmark `pr<chapter>_<n>` (n counts them through
the document, chapter 0 is the title page), which Word and LibreOffice keep through editing and
saving and show nowhere in the text; and the document's custom properties name the source files
it was made from with a digest of each (`pressroom-source-N`), so a copyedited file is never
applied to a manuscript that has moved on since.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..context import BuildContext
from ..messages import warning
from ..model import Book, Edition
from ..output import atomic_path
from ..pandoc_ast import transform
from ..resolve import EPIGRAPH_CLASS, ResolvedChapter
from ..theme import Theme
from ..tools import pandoc
from . import Written
from .fragments import NOTE_CALL

REFERENCE = "reference.docx"
PAGE_BREAK = {"t": "RawBlock", "c": ["openxml", '<w:p><w:r><w:br w:type="page" /></w:r></w:p>']}


BOOKMARK = "pr{chapter}_{number}"  # Word: a letter first, then letters, digits and _ (40 at most)
SOURCE_PROPERTY = "pressroom-source-{}"


def write(context: BuildContext, edition: Edition, target: Path) -> Written:
    """Write the DOCX to `target` atomically; the same sources (and SOURCE_DATE_EPOCH) give the same bytes."""
    context.progress(f"{edition.name}: writing DOCX with pandoc")
    data = document_bytes(context, edition)
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    chapters = context.chapters(edition)
    notes = sum(len(c.notes) for c in chapters)
    return Written(f"{len(chapters)} chapters, {notes} footnotes")


def document_bytes(context: BuildContext, edition: Edition) -> bytes:
    """The edition as DOCX bytes (also what `import --revision` compares a copyedited file with)."""
    book, chapters = context.book, context.chapters(edition)
    counter = iter(range(1, 10**9))
    blocks = bookmarked(title_page(book, edition), 0, counter)
    for number, chapter in enumerate(chapters, start=1):
        blocks += bookmarked(chapter_blocks(chapter, context), number, counter)
    meta = pandoc.metadata({"title": book.title, "subtitle": book.subtitle, "author": list(book.authors),
                            "lang": book.language, **source_properties(book)})
    return pandoc.write_docx(pandoc.document(blocks, meta), reference=reference_docx(book),
                             resources=book.root, label=f"{edition.name} edition")


def source_files(book: Book) -> list[Path]:
    """The files the edition's text is made from that `import --revision` writes back to."""
    notes = book.root / "notes.yaml"
    return [chapter.path for chapter in book.chapters] + ([notes] if notes.is_file() else [])


def source_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def source_properties(book: Book) -> dict[str, str]:
    """One custom property per source file, "<digest> <path in the manuscript>": Word keeps a
    property's value only up to 255 characters, so each file has its own."""
    return {SOURCE_PROPERTY.format(n): f"{source_digest(path)} {path.relative_to(book.root).as_posix()}"
            for n, path in enumerate(source_files(book), start=1)}


def bookmarked(blocks: list, chapter: int, counter) -> list:
    """Each paragraph, heading and note paragraph in `blocks` opened by an empty bookmark (a Span
    with an id, which pandoc writes as w:bookmarkStart/End), numbered in reading order: a note's
    paragraphs after the paragraph that calls it."""

    def mark(value):
        if isinstance(value, list):
            return [mark(item) for item in value]
        if not isinstance(value, dict) or "t" not in value:
            return value
        node = dict(value)
        if node["t"] in ("Para", "Plain"):
            anchor = {"t": "Span", "c": [[BOOKMARK.format(chapter=chapter, number=next(counter)), [], []], []]}
            node["c"] = [anchor, *mark(node["c"])]
        elif node["t"] == "Header":
            anchor = {"t": "Span", "c": [[BOOKMARK.format(chapter=chapter, number=next(counter)), [], []], []]}
            node["c"] = [node["c"][0], node["c"][1], [anchor, *mark(node["c"][2])]]
        elif "c" in node:
            node["c"] = mark(node["c"])
        return node

    return mark(blocks)


def reference_docx(book: Book) -> Path:
    """The book's own reference.docx (templates/docx/ or templates/), else the package's."""
    for folder in Theme(book.root).template_dirs("docx"):
        if (folder / REFERENCE).is_file():
            return folder / REFERENCE
    raise FileNotFoundError(REFERENCE)  # the package ships one: only a broken install gets here


def title_page(book: Book, edition: Edition) -> list:
    """What follows pandoc's title block: the copyright notice on a page of its own."""
    lines = [book.rights, f"Version {book.version}, DOCX edition", f"ISBN {edition.isbn}" if edition.isbn else None]
    return [PAGE_BREAK, styled("Copyright Notice", [_para(line) for line in lines if line])]


def chapter_blocks(chapter: ResolvedChapter, context: BuildContext) -> list:
    """A chapter's opening (part page, title, subtitle), its text with notes as footnotes."""
    blocks = []
    if chapter.opens_part and chapter.part is not None:
        blocks.append(styled("Part Title", [_para(f"Part {chapter.part.number}"), _para(chapter.part.title)]))
    blocks.append({"t": "Header", "c": [1, [chapter.anchor, [], []], _words(chapter.title)]})
    if chapter.subtitle:
        blocks.append(styled("Chapter Subtitle", [_para(chapter.subtitle)]))
    notes = {note.number: note.blocks for note in chapter.notes}
    dropped: dict[str, int] = {}

    def to_word(node: dict):
        if node["t"] == "RawInline" and node["c"][0] == "html":
            call = NOTE_CALL.fullmatch(node["c"][1])
            if call:
                return {"t": "Note", "c": transform(notes[int(call.group(1))], to_word)}
            _count(dropped, node["c"][1])
            return []
        if node["t"] == "RawBlock":
            _count(dropped, node["c"][1])
            return []
        if node["t"] == "Div" and EPIGRAPH_CLASS in node["c"][0][1]:
            return styled("Epigraph", node["c"][1])
        return None

    blocks += transform(chapter.blocks, to_word)
    for tag, count in sorted(dropped.items()):
        context.report.add(warning("W301", chapter.shown, 0, 0, f"docx edition: raw HTML {tag} has no Word form and "
                                   f"was left out ({count}×); its text is kept"))
    return blocks


def styled(style: str, blocks: list) -> dict:
    """Blocks set in a named paragraph style of reference.docx (pandoc's `custom-style`)."""
    return {"t": "Div", "c": [["", [], [["custom-style", style]]], blocks]}


def _para(text: str) -> dict:
    return {"t": "Para", "c": _words(text)}


def _words(text: str) -> list:
    """Plain text as Str and Space inlines, as pandoc's readers give it."""
    out: list = []
    for word in text.split():
        out += [{"t": "Space"}, {"t": "Str", "c": word}] if out else [{"t": "Str", "c": word}]
    return out


def _count(dropped: dict[str, int], raw: str) -> None:
    tag = raw.strip().split()[0].rstrip(">") + ">" if raw.strip().startswith("<") else "markup"
    dropped[tag] = dropped.get(tag, 0) + 1
