"""Reading manuscript files: strict UTF-8 text and YAML that keeps every value's position."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import yaml

from ..messages import fail

MAX_YAML_BYTES = 1_000_000
MAX_TEXT_BYTES = 10_000_000  # a chapter of a long book is a few hundred KB


@dataclass(frozen=True)
class Node:
    """A YAML value with its position: a str, a list of Nodes or a dict of str → Node."""

    value: Union[str, list, dict, None]
    line: int
    col: int
    # A scalar's extent in the text read (character offsets) and style ('"', "'", '|', '>' or
    # None for plain): what `text_places` needs to find each character of its value again.
    start: int = -1
    end: int = -1
    style: str | None = None


def read_text(path: Path, shown: str) -> str:
    """The file as strict UTF-8; a bad byte is an error at its line:col, not a byte offset."""
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise fail("E002", shown, 0, 0, f"file larger than {MAX_TEXT_BYTES // 1_000_000} MB")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Lines end at \r\n, \r or \n (as pandoc counts them); the column counts characters, not bytes.
        ends = list(re.finditer(rb"\r\n|\r|\n", data[: exc.start]))
        start = ends[-1].end() if ends else 0
        col = len(data[start: exc.start].decode("utf-8")) + 1
        raise fail("E001", shown, len(ends) + 1, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x})") from None
    # pandoc and PyYAML drop a leading BOM anyway; dropping it here keeps columns honest.
    return text.removeprefix("\ufeff")


# libyaml's parser when PyYAML was built with it (the wheels are): the same events and marks,
# about ten times faster on a long notes.yaml.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str, shown: str, *, first_line: int = 1) -> Node:
    """Parse one YAML document into Nodes; anchors, aliases, tags and duplicate keys are errors."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise fail("Y004", shown, first_line, 1, "YAML file larger than 1 MB")
    try:
        _refuse_anchors(text, shown, first_line)
        root = yaml.compose(text, Loader=LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        col = (mark.column + 1) if mark else 1
        raise fail("Y001", shown, line, col, f"broken YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise fail("Y001", shown, first_line, 1, f"broken YAML: {exc}") from None
    if root is None:
        return Node({}, first_line, 1)
    return _convert(root, shown, first_line, set())


def _refuse_anchors(text: str, shown: str, first_line: int) -> None:
    """Aliases are how YAML bombs grow; a manuscript has no need of them, so none are read."""
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise fail("Y002", shown, mark.line + first_line, mark.column + 1,
                       "YAML anchors and aliases are not allowed")


def _convert(node: yaml.Node, shown: str, first_line: int, seen: set[int]) -> Node:
    line, col = node.start_mark.line + first_line, node.start_mark.column + 1
    if id(node) in seen:  # an alias that slipped past the event scan
        raise fail("Y002", shown, line, col, "YAML anchors and aliases are not allowed")
    seen.add(id(node))
    if node.tag not in _PLAIN_TAGS:
        raise fail("Y003", shown, line, col, f"YAML tag {node.tag} is not allowed")
    if isinstance(node, yaml.ScalarNode):
        # Scalars stay strings: `no` is not False and `012` is not 10; the schema types them.
        return Node(None if node.tag.endswith(":null") else node.value, line, col,
                    node.start_mark.index, node.end_mark.index, node.style or None)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(item, shown, first_line, seen) for item in node.value], line, col)
    return Node(_mapping(node, shown, first_line, seen), line, col)


def _mapping(node: yaml.MappingNode, shown: str, first_line: int, seen: set[int]) -> dict:
    result: dict[str, Node] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, shown, first_line, seen)
        if not isinstance(key.value, str):
            raise fail("Y003", shown, key.line, key.col, "mapping keys must be plain strings")
        if key.value in key_lines:
            raise fail("Y005", shown, key.line, key.col,
                       f"duplicate key '{key.value}' (first at line {key_lines[key.value]})")
        key_lines[key.value] = key.line
        result[key.value] = _convert(value_node, shown, first_line, seen)
    return result


_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
}


@lru_cache(maxsize=8)
def _line_starts(text: str) -> tuple[int, ...]:
    """Where each line of `text` starts: once per file, not once per scalar of it (750 notes)."""
    return (0, *(m.end() for m in re.finditer("\n", text)))


def text_places(text: str, node: Node, first_line: int = 1) -> tuple[tuple[int, int, int], ...]:
    """Where each character of a string scalar's value is in `text`: runs of (offset in the value,
    line, col) along which the value and the source advance together.

    The value is not the source: a block scalar (`|`, `>`) starts on the line after its
    indicator and loses its indentation, a folded line break becomes a space, `''` one quote,
    `\\"` or `\\u00e9` one character. The value's characters are found again in order in the
    source; an escape is placed at its backslash, a folded break at the line's end.
    """
    if not isinstance(node.value, str) or node.start < 0:
        return ()
    value, end = node.value, node.end
    i = node.start
    if node.style in ('"', "'"):
        i, end = i + 1, end - 1
    elif node.style in ("|", ">"):
        i = text.find("\n", i, end) + 1 or end  # the indicator's line holds no text
    offsets = []
    for char in value:
        if node.style == '"':
            while i < end and text.startswith(("\\\n", "\\\r"), i):  # an escaped line break: no character
                i += 2
                while i < end and text[i] in " \t\r\n":
                    i += 1
            if i < end and text[i] == "\\":
                offsets.append(i)
                i += {"x": 4, "u": 6, "U": 10}.get(text[i + 1: i + 2], 2)
                continue
        if i < end and text[i] == char:
            offsets.append(i)
            i += 1
        elif char in " \n" and i < end and text[i] in " \t\r\n":
            offsets.append(i)  # a fold: the break and the next line's indentation
            newline = text.find("\n", i, end)
            i = (newline + 1 if newline >= 0 and not text[i:newline].strip(" \t\r") else i + 1)
            while i < end and text[i] in " \t":
                i += 1
        else:
            found = text.find(char, i, end)
            offsets.append(found if found >= 0 else min(i, max(end - 1, node.start)))
            i = found + 1 if found >= 0 else i
    offsets.append(min(i, max(end, node.start)))  # one past the last character: a place for "the end"
    line_starts = _line_starts(text)
    runs: list[tuple[int, int, int]] = []
    for k, offset in enumerate(offsets):
        row = bisect_right(line_starts, offset) - 1
        line, col = row + first_line, offset - line_starts[row] + 1
        if runs:
            v, l, c = runs[-1]
            if l == line and c + (k - v) == col:
                continue
        runs.append((k, line, col))
    return tuple(runs)


def place_in(runs: tuple[tuple[int, int, int], ...], offset: int) -> tuple[int, int] | None:
    """line, col of character `offset` of a value, from its `text_places` runs."""
    k = bisect_right(runs, (offset, float("inf"), 0)) - 1
    if k < 0:
        return None
    v, line, col = runs[k]
    return line, col + offset - v
