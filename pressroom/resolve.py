"""Whole-book passes before any edition is written: note numbers, chapter anchors, headings."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Pos
from .pandoc_ast import transform
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


def note_marker(number: int) -> dict:
    """Where note `number` is called: an HTML comment that each edition swaps for its own markup."""
    return {"t": "RawInline", "c": ["html", f"<!--pressroom-note:{number}-->"]}


def resolve(parsed: list[ParsedChapter], numbering: str = "chapter") -> list[ResolvedChapter]:
    """Number notes in reading order (printed per chapter or per book) and shift headings down a level."""
    chapters, next_number = [], 1
    for index, item in enumerate(parsed, start=1):
        notes: list[ResolvedNote] = []

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
                # The chapter title is the only h1; a chapter's own `#` is a section (h2).
                node["c"][0] = min(node["c"][0] + 1, 6)
            return None

        blocks = transform(item.blocks, number_note)
        chapters.append(ResolvedChapter(item.chapter.id, item.chapter.title, item.chapter.shown, index, blocks,
                                        tuple(notes)))
        next_number += len(notes)
    return chapters
