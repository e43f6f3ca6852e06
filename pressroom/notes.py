"""Note calls in the parsed text: which note each call names, and where the call is in the source.

Pandoc pairs a call `[^label]` with its definition (the chapter's own `[^label]: …`, or the
placeholder we add for a notes.yaml note), but its AST keeps no label. With source positions
on, every call sits in a wrapper span giving its place in the text pandoc read; the label is
read back from that place. The place is then moved into the chapter's source file through the
lines Jinja kept (SourceLines): a message or a note call is named where the author wrote it.

Pandoc's commonmark reader has no inline notes (`^[…]`): they are given to it as bracketed
spans of a class of ours and become notes here, with their place.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Iterable

from .manuscript.markdown import code_ranges
from .messages import Message
from .model import Chapter
from .pandoc_ast import line_col, transform

INLINE_NOTE_CLASS = "pressroom-inline-note"
INLINE_NOTE_ID = "inline"  # the id an inline note is known by (its call's place tells it apart)
CALL_LABEL = re.compile(r"\[\^([^\]\s]+)\]")
BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")


class SourceLines:
    """Lines of the text pandoc read, placed in the chapter's source file.

    Jinja can add and drop lines (`{% if %}` blocks); the lines it copied are found again by a
    line diff, and a line it made (an expression's value) is placed at the line it came from.
    """

    def __init__(self, chapter: Chapter, text: str):
        self.shown, self.offset = chapter.shown, chapter.body_line - 1
        source, read = chapter.body.split("\n"), text.split("\n")
        if read[: len(source)] == source:
            self.lines = None  # nothing moved (lines past the source are ours: placeholder notes)
            self.last = len(source)
            return
        self.lines, self.last = [0] * len(read), len(source)
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, source, read, autojunk=False).get_opcodes():
            for j in range(j1, j2):
                if tag == "equal":
                    self.lines[j] = i1 + (j - j1) + 1
                elif i2 > i1:
                    self.lines[j] = i1 + min(j - j1, i2 - i1 - 1) + 1
                else:
                    self.lines[j] = max(i1, 1)

    def line(self, line: int) -> int:
        """The source line (1-based, in the body) of line `line` of the text pandoc read."""
        if line <= 0:
            return line
        if self.lines is None:
            return min(line, self.last)
        return self.lines[min(line, len(self.lines)) - 1]

    def placed(self, messages: Iterable[Message]) -> list[Message]:
        """Messages about this chapter, their lines moved from the text read to the source file."""
        return [m if m.path != self.shown or m.line <= 0 else
                Message(m.path, self.line(m.line - self.offset) + self.offset, m.col, m.severity, m.code, m.text)
                for m in messages]


def inline_notes_as_spans(text: str) -> str:
    """`^[text]` (outside code) as `[text]{.pressroom-inline-note}`, which commonmark_x reads."""
    code = code_ranges(text)
    out, position, search = [], 0, 0
    while True:
        start = text.find("^[", search)
        if start < 0:
            break
        search = start + 2
        if (start > 0 and text[start - 1] == "\\") or _inside(code, start):
            continue
        end = closing_bracket(text, start + 1, code)
        if end is None:
            continue
        out += [text[position:start], text[start + 1:end + 1], "{." + INLINE_NOTE_CLASS + "}"]
        position = search = end + 1
    out.append(text[position:])
    return "".join(out)


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in ranges)


def closing_bracket(text: str, opening: int, code: list[tuple[int, int]]) -> int | None:
    """The `]` that closes the `[` at `opening`, within its paragraph; None if there is none."""
    depth, index = 0, opening
    paragraph_end = BLANK_LINE.search(text, opening)
    limit = paragraph_end.start() if paragraph_end else len(text)
    while index < limit:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if _inside(code, index):
            index = next(end for start, end in code if start <= index < end)
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def identify_notes(blocks: list, text: str, lines: SourceLines) -> list:
    """Every Note node marked `"note": [id, line, col]` (its call's place in the source file);
    inline-note spans turned into such Notes. Needs the AST with source positions."""
    read_lines = text.split("\n")

    def visit(node: dict):
        if node["t"] != "Span":
            return None
        attr, inlines = node["c"]
        keys = dict(attr[2])
        line, col = line_col(keys.get("data-pos", ""))
        where = [lines.line(line) + lines.offset if line else 0, col]
        if INLINE_NOTE_CLASS in attr[1]:
            return {"t": "Note", "c": [{"t": "Para", "c": inlines}], "note": [INLINE_NOTE_ID, *where]}
        if keys.get("wrapper") == "1" and len(inlines) == 1 and inlines[0]["t"] == "Note" \
                and "note" not in inlines[0]:
            label = _label_at(read_lines, line, col)
            return {**node, "c": [attr, [{**inlines[0], "note": [label, *where]}]]}
        return None

    return transform(blocks, visit)


def _label_at(lines: list[str], line: int, col: int) -> str:
    """The label of the call `[^label]` written at line:col of the text pandoc read."""
    if not 0 < line <= len(lines):
        return ""
    text = lines[line - 1]
    for candidate in (text, text.expandtabs(8)):  # pandoc counts a tab to the next multiple of 8
        match = CALL_LABEL.match(candidate, max(col - 1, 0))
        if match:
            return match.group(1)
    nearest = min(CALL_LABEL.finditer(text), key=lambda m: abs(m.start() - col + 1), default=None)
    return nearest.group(1) if nearest else ""
