"""Chapters and notes → Pandoc AST, then the policy pass that checks what the AST may hold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .messages import BuildError, Message, Report, error
from .model import Book, Chapter, Note
from .pandoc_ast import line_col, strip_sourcepos, transform, walk
from .tools import pandoc

PLACEHOLDER = "PRESSROOMNOTE{}"
PLACEHOLDER_RE = re.compile(r"PRESSROOMNOTE(\d+)")
LINK_SCHEMES = {"http", "https", "mailto"}
NOTES_FENCE = ":" * 12


@dataclass(frozen=True)
class ParsedChapter:
    """A chapter's blocks, checked, with every note call's content filled in."""

    chapter: Chapter
    blocks: list


def parse_book(book: Book, texts: dict[str, str], report: Report) -> list[ParsedChapter]:
    """Parse every chapter (its Jinja already rendered) and the notes; all policy errors at once."""
    note_blocks = _parse_notes(book, report)
    parsed = []
    for chapter in book.chapters:
        try:
            parsed.append(_parse_chapter(chapter, texts[chapter.id], book.notes, note_blocks, report))
        except BuildError as exc:
            report.extend(exc.messages)
    report.raise_if_errors()
    return parsed


def _parse_chapter(chapter: Chapter, text: str, notes: dict[str, Note], note_blocks: dict[str, list],
                   report: Report) -> ParsedChapter:
    inline = {d.id for d in chapter.inline_notes}
    called = [ref.id for ref in chapter.refs if ref.id in notes and ref.id not in inline]
    order = list(dict.fromkeys(called))
    # notes.yaml notes enter as placeholders so pandoc pairs calls and notes as it always does.
    definitions = "".join(f"\n\n[^{note_id}]: {PLACEHOLDER.format(i)}" for i, note_id in enumerate(order))
    ast = pandoc.parse_markdown(text + "\n" + definitions + "\n", label=chapter.shown)
    report.extend(check_policy(ast["blocks"], chapter.shown, line_offset=chapter.body_line - 1))
    blocks = strip_sourcepos(ast["blocks"])
    return ParsedChapter(chapter, _fill_notes(blocks, order, note_blocks))


def _parse_notes(book: Book, report: Report) -> dict[str, list]:
    """All notes.yaml notes in one pandoc call, each fenced in a Div carrying its index."""
    notes = list(book.notes.values())
    if not notes:
        return {}
    source = "\n\n".join(f"{NOTES_FENCE} {{#n{i}}}\n{n.text}\n{NOTES_FENCE}" for i, n in enumerate(notes))
    ast = pandoc.parse_markdown(source + "\n", label="notes.yaml")
    result: dict[str, list] = {}
    for div in strip_sourcepos(ast["blocks"]):
        index = int(div["c"][0][0][1:])
        result[notes[index].id] = div["c"][1]
    for i, note in enumerate(notes):
        raw = [b for b in ast["blocks"] if b["t"] == "Div" and _div_id(b) == f"n{i}"]
        for message in check_policy(raw, note.pos.path):
            report.add(error(message.code, note.pos.path, note.pos.line, note.pos.col,
                             f"in note '{note.id}': {message.text}"))
    return result


def _div_id(block: dict) -> str:
    """The id of a notes Div, looking through a sourcepos wrapper if there is one."""
    if block["c"][0][0]:
        return block["c"][0][0]
    inner = [b for b in block["c"][1] if b["t"] == "Div"]
    return inner[0]["c"][0][0] if inner else ""


def _fill_notes(blocks: list, order: list[str], note_blocks: dict[str, list]) -> list:
    def fill(node: dict):
        if node["t"] != "Note":
            return None
        match = PLACEHOLDER_RE.fullmatch(_only_text(node["c"]))
        if match:
            return {"t": "Note", "c": note_blocks[order[int(match.group(1))]]}
        return None

    return transform(blocks, fill)


def _only_text(blocks: list) -> str:
    if len(blocks) == 1 and blocks[0]["t"] == "Para" and len(blocks[0]["c"]) == 1:
        inline = blocks[0]["c"][0]
        if inline["t"] == "Str":
            return inline["c"]
    return ""


def check_policy(blocks: list, shown: str, line_offset: int = 0) -> list[Message]:
    """What a manuscript may not carry into an edition: raw markup, unsafe links, stray images."""
    messages: list[Message] = []

    def check(node: dict, pos: str) -> None:
        line, col = line_col(pos)
        where = (shown, line + line_offset if line else 0, col)
        problem = _problem(node)
        if problem:
            messages.append(error(problem[0], *where, problem[1]))

    walk(blocks, check)
    return messages


def _problem(node: dict) -> tuple[str, str] | None:
    t = node["t"]
    if t in ("RawBlock", "RawInline"):
        snippet = node["c"][1].strip().splitlines()[0][:40] if node["c"][1].strip() else ""
        return "P001", f"raw {node['c'][0]} is not allowed in a manuscript: {snippet!r}"
    if t == "Link":
        target = node["c"][2][0]
        scheme = urlsplit(target).scheme.lower()
        if scheme and scheme not in LINK_SCHEMES:
            return "P002", f"link scheme '{scheme}:' is not allowed (use https, http, mailto or #id)"
        if not scheme and not target.startswith("#"):
            return "P002", f"link to {target!r}: only web links and in-book #anchors are allowed"
    if t == "Image":
        target = node["c"][2][0]
        if urlsplit(target).scheme or target.startswith("/") or ".." in target.split("/") \
                or not target.startswith("images/"):
            return "P003", f"image {target!r} must be a file under images/"
    return None
