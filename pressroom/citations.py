"""Pandoc's citation syntax in a Markdown text, which commonmark_x does not read: found before
pandoc runs, read by pandoc's `markdown` reader, and put back into the parsed AST as Cite nodes.

commonmark_x has no `citations` extension, and pandoc's `markdown` reader must not read whole
chapters (it hangs on some tiny inputs). So each citation group outside code, HTML comments,
HTML tags and link targets (`[see @a; @b, chap. 3]`, `[-@a]`, `@a says`, `@a [p. 3]`) is cut
out of the text and a placeholder of the same length left in its place, so that every later
column of the line stays where it was: a private-use character naming the group, then fillers
(newlines kept, so lines stay too). The groups alone go to the `markdown` reader (no raw HTML
or TeX) in one pandoc run; each placeholder in the chapter's AST then becomes its group's Cite,
marked `"cite": [path, line, col, form, text]` (form: bracket | text | note, for a notes.yaml
`cite:`). `[@fig:x]`, `[@sec:x]`, `[@ch:x]`… (xref.PREFIXES) are cross-references: left as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from .manuscript.markdown import code_ranges
from .messages import Message, warning
from .pandoc_ast import transform, walk
from .xref import PREFIXES

FIRST = 0xF0000  # Supplementary Private Use Area-A: the placeholder's first character names its group
LAST = 0xFFFFD
FILLER = "\ue000"
PLACEHOLDER = re.compile("([\U000F0000-\U000FFFFD])\ue000*")
# Pandoc's key: a letter, digit or _, then alphanumerics and internal punctuation; or `{anything}`.
KEY = r"(?:\w(?:\w|[:.#$%&+?<>~/-]+(?=\w))*|\{[^{}\n]+\})"
KEY_IN_GROUP = re.compile(r"(?<![^\s;\[])-?@(" + KEY + ")")
# In running text `@key` starts a citation after a space, an opening bracket or quote; never
# inside a word, so `me@example.com` is an address. `\@` is a literal @.
IN_TEXT = re.compile(r"(?<![^\s(\"'‘“])@(" + KEY + r")(?P<locator> \[[^\[\]@\n]*\](?![(\[]))?")
# Cross-references (xref.py: `@fig:x`, `@Sec:x`, `[p. @ch:x]`), never citations.
XREF = re.compile(r"\{?(" + "|".join(PREFIXES) + "):", re.I)
SKIPPED = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>\n]*>|<[a-z][a-z0-9+.-]*:[^<>\s]*>|\]\([^()\n]*\)", re.S)
BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
MAX_GROUP = 2000  # characters: a longer "citation" is prose in brackets


@dataclass(frozen=True)
class Group:
    """One citation group as written, where it starts in the text (offset, 1-based line and column)."""

    text: str
    start: int
    line: int
    col: int
    bracketed: bool


def find(text: str) -> list[Group]:
    """Every citation group in a Markdown text, in order, outside code, comments, tags and link targets."""
    skipped = code_ranges(text) + [m.span() for m in SKIPPED.finditer(text)]
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, bool]] = []
    for match in re.finditer(r"\[", text):
        start = match.start()
        if _escaped(text, start) or _inside(skipped + taken, start) or text.startswith("[^", start):
            continue
        end = _closing(text, start, skipped)
        if end is None or not _is_citation(text, start, end):
            continue
        taken.append((start, end + 1))
        found.append((start, end + 1, True))
    for match in IN_TEXT.finditer(text):
        if _escaped(text, match.start()) or _inside(skipped + taken, match.start()) \
                or XREF.match(match.group(1)):
            continue
        found.append((match.start(), match.end(), False))
    return [_group(text, start, end, bracketed) for start, end, bracketed in sorted(found)]


def _group(text: str, start: int, end: int, bracketed: bool) -> Group:
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return Group(text[start:end], start, line, col, bracketed)


def _escaped(text: str, offset: int) -> bool:
    backslashes = len(text[:offset]) - len(text[:offset].rstrip("\\"))
    return backslashes % 2 == 1


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    return any(start <= offset < end for start, end in ranges)


def _closing(text: str, start: int, skipped: list[tuple[int, int]]) -> int | None:
    """The `]` closing the `[` at `start` within its paragraph, with no bracket between (a group
    holds none); None if there is none."""
    paragraph = BLANK_LINE.search(text, start)
    limit = min(paragraph.start() if paragraph else len(text), start + MAX_GROUP)
    index = start + 1
    while index < limit:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[" or _inside(skipped, index):
            return None
        if char == "]":
            return index
        index += 1
    return None


def _is_citation(text: str, start: int, end: int) -> bool:
    """A bracket holding @keys, none a cross-reference, and not a link (`[@a](url)`, `[x][@a]`, `[@a]: url`)."""
    keys = KEY_IN_GROUP.findall(text, start + 1, end)
    if not keys or any(XREF.match(key) for key in keys):
        return False
    after = text[end + 1: end + 2]
    return after not in ("(", "[", ":") and not (start > 0 and text[start - 1] in "]!")


def mask(text: str, groups: list[Group]) -> str:
    """The text with each group replaced by its placeholder (same length, newlines kept)."""
    if len(groups) > LAST - FIRST:
        groups = groups[: LAST - FIRST]
    out, position = [], 0
    for index, group in enumerate(groups):
        out.append(text[position:group.start])
        filler = "".join("\n" if c == "\n" else FILLER for c in group.text[1:])
        out.append(chr(FIRST + index) + filler)
        position = group.start + len(group.text)
    out.append(text[position:])
    return "".join(out)


def read_source(group: Group) -> str:
    """What pandoc's markdown reader is given for a group: the group alone, on one line."""
    return " ".join(group.text.split())


def cite_of(raw: str) -> dict | None:
    """The Cite node of a group as pandoc's markdown reader read it; None unless it is exactly one Cite."""
    blocks = json.loads(raw)["blocks"]
    if len(blocks) == 1 and blocks[0]["t"] == "Para" and len(blocks[0]["c"]) == 1 \
            and blocks[0]["c"][0]["t"] == "Cite":
        return blocks[0]["c"][0]
    return None


Place = Callable[[Group], tuple[str, int, int]]


def place(blocks: list, groups: list[Group], cites: list[dict | None], where: Place,
          forms: dict[int, str] | None = None,
          check: Callable[[list], list[Message]] | None = None) -> tuple[list, list[Message]]:
    """Each placeholder in the parsed blocks swapped for its group's Cite (or, for a group pandoc did
    not read as one, the text as written, with a warning). `forms`: group index → form, where not
    bracket/text. `check(blocks)`: the policy's messages about a citation's prefix and suffix."""
    messages: list[Message] = []
    nodes: dict[int, dict] = {}
    for index, (group, cite) in enumerate(zip(groups, cites)):
        path, line, col = where(group)
        if cite is None:
            messages.append(warning("A004", path, line, col, f"{group.text!r} is not a citation pandoc can read: "
                                    "printed as written (write \\@ for a literal @)"))
            nodes[index] = {"t": "Str", "c": group.text}
            continue
        form = (forms or {}).get(index) or ("bracket" if group.bracketed else "text")
        nodes[index] = {"t": "Cite", "c": [cite["c"][0], [{"t": "Str", "c": group.text}]],
                        "cite": [path, line, col, form, group.text]}
        if check is not None:
            affixes = [i for c in cite["c"][0] for i in c["citationPrefix"] + c["citationSuffix"]]
            messages += [Message(path, line, col, m.severity, m.code, f"in citation {group.text!r}: {m.text}")
                         for m in check([{"t": "Para", "c": affixes}])]

    def swap(node: dict):
        if node["t"] != "Str" or not any(FIRST <= ord(c) <= LAST or c == FILLER for c in node["c"]):
            return None
        out, position = [], 0
        for match in PLACEHOLDER.finditer(node["c"]):
            index = ord(match.group(1)) - FIRST
            if index in nodes:
                out += _str(node["c"][position:match.start()]) + [nodes.pop(index)]
                position = match.end()
        return out + _str(node["c"][position:])

    blocks = transform(blocks, swap)
    if nodes:  # a placeholder where no text is read (an attribute, say): the group as written, there
        blocks = _restore(blocks, {chr(FIRST + i): groups[i].text for i in nodes})
    return blocks, messages


def _str(text: str) -> list[dict]:
    """A Str of the text without fillers (with source positions, each filler is a Str of its own)."""
    text = text.replace(FILLER, "")
    return [{"t": "Str", "c": text}] if text else []


def _restore(value: Any, texts: dict[str, str]) -> Any:
    """Every leftover placeholder, in any string of the AST, back to the text it stood for."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: texts.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_restore(v, texts) for v in value]
    if isinstance(value, dict):
        return {k: _restore(v, texts) for k, v in value.items()}
    return value


def cites_in(blocks: list) -> list[dict]:
    """The Cite nodes of some blocks, in reading order."""
    found: list[dict] = []

    def visit(node: dict, _pos: str) -> None:
        if node["t"] == "Cite":
            found.append(node)

    walk(blocks, visit)
    return found
