"""Reading manuscript files: strict UTF-8 text and YAML that keeps every value's position."""

from __future__ import annotations

import re
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
        return Node(None if node.tag.endswith(":null") else node.value, line, col)
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
