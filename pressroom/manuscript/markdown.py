"""Where a chapter's Markdown holds code, found without parsing it (before Jinja and pandoc run).

Code is never template and never note syntax: `{{ x }}` in a Go snippet or `[^1]` in a regex
must reach the page as written. This scanner finds fenced code blocks, indented code blocks
and code spans (CommonMark's rules, simplified where a miss is harmless) as character ranges.
"""

from __future__ import annotations

import re
from typing import Iterator

FENCE_OPEN = re.compile(r" {0,3}(`{3,}|~{3,})")
LIST_ITEM = re.compile(r" {0,3}([-+*]|\d{1,9}[.)])(\s|$)")
BACKTICKS = re.compile(r"`+")
BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")


def code_ranges(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of every code block and code span in `text`, in order."""
    ranges: list[tuple[int, int]] = []
    prose_start = None
    for kind, start, end in _blocks(text):
        if kind == "code":
            if prose_start is not None:
                ranges += _spans(text, prose_start, start)
                prose_start = None
            ranges.append((start, end))
        elif prose_start is None:
            prose_start = start
    if prose_start is not None:
        ranges += _spans(text, prose_start, len(text))
    return ranges


def _blocks(text: str) -> Iterator[tuple[str, int, int]]:
    """("code" | "prose", start, end) for each run of lines."""
    offset, fence, previous_blank, previous_indented, in_list = 0, None, True, False, False
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        bare = line.rstrip("\r\n")
        if fence is not None:
            closing = FENCE_OPEN.match(bare)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence) \
                    and not bare[closing.end():].strip():
                fence = None
            yield "code", start, offset
            continue
        opening = FENCE_OPEN.match(bare)
        if opening and not (opening.group(1)[0] == "`" and "`" in bare[opening.end():]):
            fence = opening.group(1)
            yield "code", start, offset
            previous_blank = previous_indented = False
            continue
        blank = not bare.strip()
        indented = bare.startswith("    ") or bare.startswith("\t")
        if LIST_ITEM.match(bare):
            in_list = True
        elif not blank and not indented:
            in_list = False
        if indented and not blank and not in_list and (previous_blank or previous_indented):
            yield "code", start, offset
            previous_indented, previous_blank = True, False
            continue
        previous_indented = False if not blank else previous_indented
        previous_blank = blank
        yield "prose", start, offset


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code spans in text[start:end], paragraph by paragraph (a span never crosses a blank line)."""
    found, position = [], start
    for blank in BLANK_LINE.finditer(text, start, end):
        found += _paragraph_spans(text, position, blank.start())
        position = blank.end()
    return found + _paragraph_spans(text, position, end)


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Code spans in one paragraph: a run of backticks closed by a run of the same length."""
    found, position = [], start
    while True:
        opening = BACKTICKS.search(text, position, end)
        if opening is None:
            return found
        if opening.start() > start and text[opening.start() - 1] == "\\":
            position = opening.end()
            continue
        run = opening.group(0)
        closing = opening.end()
        while True:
            match = BACKTICKS.search(text, closing, end)
            if match is None or match.group(0) == run:
                break
            closing = match.end()
        if match is None:
            position = opening.end()  # an unmatched run is literal backticks
            continue
        found.append((opening.start(), match.end()))
        position = match.end()


def outside_code(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the stretches of `text` that are not code."""
    position = 0
    for start, end in code_ranges(text):
        if start > position:
            yield position, start
        position = max(position, end)
    if position < len(text):
        yield position, len(text)


RAW_CODE = re.compile(r"(<code(?:\s[^<>]*)?>)([^<\n]*`[^<\n]*)(</code>)", re.I)


def literal_backticks_in_raw_code(text: str) -> str:
    """`<code>`</code>` as its author means it: a backtick inside raw `<code>` that pairs with
    none inside is escaped, so it no longer opens a Markdown code span that swallows `</code>`.

    That is how writers show a lone backtick; CommonMark would run a code span from it to the
    next backtick of the paragraph. Backticks pairing inside (`<code>`x`</code>`) are left to
    CommonMark. The line grows by a character per escape (later columns on it shift by one).
    """
    if "`" not in text or "<" not in text:
        return text
    pieces, position = [], 0
    for kind, start, end in _blocks(text):
        if kind != "prose":
            continue
        pieces.append(text[position:start])
        pieces.append(RAW_CODE.sub(_escaped, text[start:end]))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _escaped(match: re.Match) -> str:
    inside = match.group(2)
    if _all_paired(inside):
        return match.group(0)
    return match.group(1) + re.sub(r"(?<!\\)`", r"\\`", inside) + match.group(3)


def _all_paired(inside: str) -> bool:
    """Every backtick run in `inside` opens or closes a code span there."""
    spans = _paragraph_spans(inside, 0, len(inside))
    return all(any(s <= m.start() and m.end() <= e for s, e in spans) for m in BACKTICKS.finditer(inside))
