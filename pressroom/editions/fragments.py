"""Chapters and notes as HTML fragments, from one pandoc call shared by the PDF and web editions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..resolve import ResolvedChapter
from ..sanitize import second_layer
from ..tools import pandoc

SPLIT = re.compile(r"<!--pressroom:(chapter|note):([^>]+)-->\n?")
NOTE_CALL = re.compile(r"<!--pressroom-note:(\d+)-->")


@dataclass(frozen=True)
class Fragments:
    """HTML per chapter id (note calls still as markers) and per note number."""

    chapters: dict[str, str]
    notes: dict[int, str]


def render_fragments(chapters: list[ResolvedChapter]) -> Fragments:
    """One pandoc run for the whole book, split back into chapters and notes at marker comments.

    Each piece then goes through the sanitiser (nh3) as a second layer behind the AST policy.
    """
    blocks: list = []
    for chapter in chapters:
        blocks.append(_marker("chapter", chapter.id))
        blocks.extend(chapter.blocks)
        for note in chapter.notes:
            blocks.append(_marker("note", str(note.number)))
            blocks.extend(note.blocks)
    html = pandoc.write_html(pandoc.document(blocks), label="book")
    pieces = SPLIT.split(html)
    result: dict[str, dict] = {"chapter": {}, "note": {}}
    for kind, key, body in zip(pieces[1::3], pieces[2::3], pieces[3::3]):
        result[kind][key] = second_layer(body.strip())
    return Fragments(result["chapter"], {int(k): v for k, v in result["note"].items()})


def fill_note_calls(html: str, render_call) -> str:
    """Swap each note-call marker for the edition's own markup, `render_call(number)`."""
    return NOTE_CALL.sub(lambda m: render_call(int(m.group(1))), html)


def _marker(kind: str, key: str) -> dict:
    return {"t": "RawBlock", "c": ["html", f"<!--pressroom:{kind}:{key}-->"]}
