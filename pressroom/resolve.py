"""Whole-book passes before any edition is written: note numbers, chapter anchors, headings."""

from __future__ import annotations

from dataclasses import dataclass

from .captions import Captioned, number_captions, table_captions
from .links import resolve_links
from .messages import BuildError
from .model import Pos
from .pandoc_ast import transform, walk
from .parse import ParsedChapter


@dataclass(frozen=True)
class ResolvedNote:
    """A note: its number in the book (ids, links), the number printed, and its content blocks."""

    number: int
    label: int  # restarts in each chapter unless book.yaml says `note-numbering: book`
    note_id: str
    chapter_id: str
    blocks: list
    call: Pos | None = None  # where the chapter calls it


@dataclass(frozen=True)
class ResolvedChapter:
    """A chapter ready for the writers: headings shifted under the chapter title, notes numbered."""

    id: str
    title: str
    shown: str  # the chapter file, as messages print it
    number: int
    blocks: list  # each Note inline replaced by a NoteCall placeholder (see note_marker)
    notes: tuple[ResolvedNote, ...]
    captions: tuple[Captioned, ...] = ()  # its figures and tables, numbered


def note_marker(number: int) -> dict:
    """Where note `number` is called: an HTML comment that each edition swaps for its own markup."""
    return {"t": "RawInline", "c": ["html", f"<!--pressroom-note:{number}-->"]}


def _with_table_captions(blocks: list) -> list:
    """"Table: …" paragraphs made captions, in every list of blocks (a table in a callout too)."""

    def inner(node: dict):
        if node["t"] in ("Div", "BlockQuote"):
            content = node["c"][1] if node["t"] == "Div" else node["c"]
            captioned = table_captions(content)
            return {**node, "c": [node["c"][0], captioned] if node["t"] == "Div" else captioned}
        return None

    return table_captions(transform(blocks, inner))


def heading_levels(blocks: list) -> dict[int, int]:
    """The chapter title is the only h1: the chapter's own headings, whatever level it starts at
    (`#` or `##`), become h2, h3, ... with no level skipped (screen readers and Ace expect that)."""
    used: set[int] = set()

    def collect(node: dict, _pos: str) -> None:
        if node["t"] == "Header":
            used.add(node["c"][0])

    walk(blocks, collect)
    return {level: min(rank + 2, 6) for rank, level in enumerate(sorted(used))}


# Callouts: `::: note` fenced divs and GitHub's `> [!NOTE]` alerts (which pandoc reads as a div
# with a title). Each gets a title line, so its kind is read, not only seen.
ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "info": "Information",
               "warning": "Warning", "caution": "Caution", "danger": "Danger", "attention": "Attention",
               "error": "Error", "seealso": "See also", "example": "Example", "question": "Question",
               "abstract": "Summary", "summary": "Summary", "quote": "Quotation", "success": "Success",
               "failure": "Failure", "bug": "Bug", "todo": "To do"}


def admonition(node: dict) -> dict | None:
    """A callout Div as `admonition <kind>` with an `admonition-title` first; other nodes: None."""
    if node["t"] != "Div":
        return None
    (element_id, classes, keys), blocks = node["c"]
    kind = next((c for c in classes if c in ADMONITIONS), None)
    if kind is None or "admonition" in classes:
        return None
    first = blocks[0] if blocks else None
    if first is not None and first["t"] == "Div" and "title" in first["c"][0][1]:
        title, blocks = first["c"][1], blocks[1:]  # an alert's own title
    else:
        title = [{"t": "Plain", "c": [{"t": "Str", "c": ADMONITIONS[kind]}]}]
    heading = {"t": "Div", "c": [["", ["admonition-title"], []], title]}
    return {"t": "Div", "c": [[element_id, ["admonition", *classes], keys], [heading, *blocks]]}


def resolve(parsed: list[ParsedChapter], numbering: str = "chapter",
            caption_numbering: str = "chapter") -> list[ResolvedChapter]:
    """Settle the book's links, number notes in reading order (printed per chapter or per book),
    number figures and tables, set headings under the chapter title and give callouts their titles."""
    blocks, problems = resolve_links([p.chapter for p in parsed], [_with_table_captions(p.blocks) for p in parsed])
    if problems:
        raise BuildError(problems)
    chapters, next_number, counters = [], 1, {}
    for index, (item, chapter_blocks) in enumerate(zip(parsed, blocks), start=1):
        if caption_numbering == "chapter":
            counters = {}
        chapter_blocks, captions = number_captions(chapter_blocks, item.chapter.id, counters,
                                                   f"{index}." if caption_numbering == "chapter" else "")
        notes: list[ResolvedNote] = []
        levels = heading_levels(chapter_blocks)

        def number_note(node: dict, chapter=item.chapter) -> dict | None:
            if node["t"] == "Note":
                # parse.py marked each call with the note it names and its place in the source.
                note_id, line, col = node.get("note") or (f"#{len(notes) + 1}", 0, 0)
                number = next_number + len(notes)
                label = len(notes) + 1 if numbering == "chapter" else number
                notes.append(ResolvedNote(number, label, note_id, chapter.id, node["c"],
                                          Pos(chapter.shown, line, col) if line else None))
                return note_marker(notes[-1].number)
            if node["t"] == "Header":
                node["c"][0] = levels[node["c"][0]]
                return None
            return admonition(node)

        chapters.append(ResolvedChapter(item.chapter.id, item.chapter.title, item.chapter.shown, index,
                                        transform(chapter_blocks, number_note), tuple(notes), tuple(captions)))
        next_number += len(notes)
    return chapters
