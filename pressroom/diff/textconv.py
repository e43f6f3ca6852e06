"""`build.py diff --textconv FILE`: a chapter as git should compare it, one sentence a line.

git's textconv runs this on both sides of a chapter before diffing, so `git diff` compares
sentences (a re-wrapped paragraph is no change; a moved sentence is one line, which
`--color-moved` shows as a move) and `--word-diff` marks the words within them. It reads the
file as plain text and never fails: git must be able to diff any revision, even a broken one.
"""

from __future__ import annotations

import re
from pathlib import Path

FENCE = re.compile(r" {0,3}(```|~~~)")
# A line that is its own block: heading, list item, quote, table row, note definition, div fence.
BLOCK_LINE = re.compile(r" {0,3}(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|\||\[\^[^\]]+\]:|:::)")
SENTENCE = re.compile(r"(?<=[.!?…])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]*[A-Z0-9])")


def textconv(path: Path) -> str:
    """The file's text with each paragraph's sentences one a line and blank lines between blocks."""
    text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
    lines = text.split("\n")
    head: list[str] = []
    if lines and lines[0] == "---":  # front matter, as it is
        end = next((i for i, line in enumerate(lines[1:], start=1) if line in ("---", "...")), 0)
        head, lines = lines[: end + 1], lines[end + 1:]
    out: list[str] = [*head, ""] if head else []
    for block in _blocks(lines):
        out.extend(block)
        out.append("")
    return "\n".join(out).strip("\n") + "\n"


def _blocks(lines: list[str]):
    """Paragraphs joined and cut into sentences; code fences and block lines kept as they are."""
    paragraph: list[str] = []
    fence: list[str] = []
    for line in lines:
        if fence or FENCE.match(line):
            if not fence:
                yield from _flush(paragraph)
            fence.append(line)
            if len(fence) > 1 and FENCE.match(line):
                yield list(fence)
                fence.clear()
            continue
        if not line.strip():
            yield from _flush(paragraph)
        elif BLOCK_LINE.match(line):
            yield from _flush(paragraph)
            paragraph.append(line)
        else:
            paragraph.append(line)
    yield from _flush(paragraph)
    if fence:
        yield list(fence)


def _flush(paragraph: list[str]):
    if paragraph:
        joined = " ".join(part.strip() for part in paragraph)
        indent = paragraph[0][: len(paragraph[0]) - len(paragraph[0].lstrip())]
        yield [indent + s for s in SENTENCE.sub(lambda m: m.group(1) + "\n", joined).split("\n")]
        paragraph.clear()
