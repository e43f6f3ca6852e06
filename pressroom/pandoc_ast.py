"""Small helpers over Pandoc's JSON AST (dicts of {"t": type, "c": content})."""

from __future__ import annotations

from typing import Any, Callable

SOURCEPOS_KEYS = ("wrapper", "data-pos")
# The node types whose content starts with an Attr ([id, classes, key-values]).
ATTR_FIRST = {"Div", "Span", "Header", "CodeBlock", "Code", "Table", "Figure", "Link", "Image"}


def is_node(value: Any) -> bool:
    return isinstance(value, dict) and "t" in value


def attr_of(node: dict) -> list | None:
    """The node's Attr, wherever its type keeps it."""
    t, c = node["t"], node.get("c")
    if t == "Header":
        return c[1]
    if t in ATTR_FIRST:
        return c[0]
    return None


def with_attr(node: dict, attr: list) -> dict:
    """The node with another Attr, in a new node: the one given is shared with other trees."""
    content = list(node["c"])
    content[1 if node["t"] == "Header" else 0] = attr
    return {**node, "c": content}


Prune = Callable[[dict], bool]  # true for a node whose subtree a pass leaves as it is (Kinds.prune)

BLOCKS = frozenset({"Para", "Plain", "Header", "Div", "BlockQuote", "BulletList", "OrderedList", "DefinitionList",
                    "Table", "Figure", "CodeBlock", "LineBlock", "RawBlock", "HorizontalRule"})


class Kinds:
    """The node types each block of some trees holds, by the block's identity, never stored in
    the tree: a pass skips the blocks holding none of the types it changes. Resolve runs ten
    passes over the book, most of which change a few node types (0.9 → 0.3 s for 300 pages).
    A node built after this was made is unknown, so always visited; trees must not be changed
    in place (transform never does)."""

    def __init__(self, *trees: Any) -> None:
        self._found: dict[int, tuple[dict, frozenset]] = {}
        self.add(*trees)

    def add(self, *trees: Any) -> None:
        """Learn the blocks of `trees` built since (a pass's output): the known ones are not entered."""
        for tree in trees:
            self._mark(tree)

    def _mark(self, value: Any) -> frozenset:
        if isinstance(value, list):
            found: set = set()
            for item in value:
                if isinstance(item, (list, dict)):
                    found |= self._mark(item)
            return frozenset(found)
        if isinstance(value, dict) and "t" in value:
            known = self._found.get(id(value))
            if known is not None and known[0] is value:
                return known[1]
            content = value.get("c")
            kinds = (self._mark(content) if isinstance(content, (list, dict)) else frozenset()) | {value["t"]}
            if value["t"] in BLOCKS:
                self._found[id(value)] = (value, kinds)  # the node kept: its id is never reused meanwhile
            return kinds
        return frozenset()

    def prune(self, *types: str) -> Prune:
        """True for a known block that holds no node of `types`."""
        wants, found = frozenset(types), self._found

        def holds_none(node: dict) -> bool:
            entry = found.get(id(node))
            return entry is not None and entry[0] is node and wants.isdisjoint(entry[1])

        return holds_none


def pruned(kinds: Kinds | None, *types: str) -> Prune | None:
    """`kinds.prune(*types)`, or None (visit everything) without kinds."""
    return kinds.prune(*types) if kinds is not None else None


def transform(value: Any, fn: Callable[[dict], Any], prune: Prune | None = None) -> Any:
    """Rebuild `value` bottom-up; fn(node) returns a node, a list of nodes (spliced) or None (kept).

    The tree given is never changed, and shares with the one returned every subtree that fn left
    as it was: fn gets a node of its own to change, but must build anew any list inside it.
    A subtree `prune` is true for is kept as it is, unvisited.
    """
    if isinstance(value, list):
        return _transform_list(value, fn, prune)
    if isinstance(value, dict) and "t" in value:
        return _transform_node(value, fn, prune)
    return value


# transform and walk visit every node of the book several times a build (2 million calls for 300
# pages): they recurse only into lists and nodes, never into the strings and numbers beside them,
# and transform copies only the nodes on the way to a change (a chapter's checks: 0.43 → 0.30 s).

def _transform_list(items: list, fn: Callable[[dict], Any], prune: Prune | None) -> list:
    out: list | None = None  # a new list only from the first item that changed
    for index, item in enumerate(items):
        if isinstance(item, dict):
            if "t" not in item:
                if out is not None:
                    out.append(item)
                continue
            result = _transform_node(item, fn, prune)
            if result is item:
                if out is not None:
                    out.append(item)
                continue
            if out is None:
                out = items[:index]
            if isinstance(result, list):
                out.extend(result)
            else:
                out.append(result)
        elif isinstance(item, list):
            result = _transform_list(item, fn, prune)
            if result is not item and out is None:
                out = items[:index]
            if out is not None:
                out.append(result)
        elif out is not None:
            out.append(item)
    return items if out is None else out


def _transform_node(value: dict, fn: Callable[[dict], Any], prune: Prune | None) -> Any:
    if prune is not None and prune(value):
        return value
    content = value.get("c")
    if isinstance(content, list):
        rebuilt = _transform_list(content, fn, prune)
    elif isinstance(content, dict) and "t" in content:
        rebuilt = _transform_node(content, fn, prune)
    else:
        rebuilt = content
    node = dict(value)
    if rebuilt is not content:
        node["c"] = rebuilt
    replaced = fn(node)
    if replaced is None:
        return value if node == value else node
    return replaced


def walk(value: Any, fn: Callable[[dict, str], None], pos: str = "", prune: Prune | None = None) -> None:
    """Visit every node top-down, passing the nearest enclosing `data-pos` ("line:col-..."),
    except in the subtrees `prune` is true for."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, (list, dict)):
                walk(item, fn, pos, prune)
    elif isinstance(value, dict) and "t" in value:
        if prune is not None and prune(value):
            return
        t = value["t"]
        if t in ATTR_FIRST:
            attr = value["c"][1] if t == "Header" else value["c"][0]
            if attr and attr[2]:
                for key, found in attr[2]:
                    if key == "data-pos":
                        pos = found
        fn(value, pos)
        content = value.get("c")
        if isinstance(content, (list, dict)):
            walk(content, fn, pos, prune)


def strip_sourcepos(value: Any) -> Any:
    """Remove what `+sourcepos` added: wrapper Divs/Spans unwrapped, data-pos attributes dropped.

    A wrapper that carries an author's attributes (`**x**{.smallcaps}`, `… {#tbl:x}`) stays a
    plain Span or Div with them: only the wrapping itself goes.
    """

    def clean(node: dict) -> Any:
        attr = attr_of(node)
        if not attr:
            return None
        keys = dict(attr[2])
        if keys.get("wrapper") == "1" and node["t"] in ("Div", "Span"):
            own = [kv for kv in attr[2] if kv[0] not in SOURCEPOS_KEYS]
            if not attr[0] and not attr[1] and not own:
                return node["c"][1]
            return {**node, "c": [[attr[0], attr[1], own], node["c"][1]]}
        if "data-pos" in keys:
            return with_attr(node, [attr[0], attr[1], [kv for kv in attr[2] if kv[0] != "data-pos"]])
        return None

    return merge_strings(transform(value, clean))


def merge_strings(value: Any) -> Any:
    """Adjacent Str nodes joined into one, as pandoc writes them without source positions
    (with them, every run of characters is a Str of its own: "Table", ":")."""
    if isinstance(value, list):
        out: list = []
        for item in value:
            item = merge_strings(item)
            if is_node(item) and item["t"] == "Str" and out and is_node(out[-1]) and out[-1]["t"] == "Str":
                out[-1] = {"t": "Str", "c": out[-1]["c"] + item["c"]}
            else:
                out.append(item)
        return out
    if is_node(value) and "c" in value:
        return {**value, "c": merge_strings(value["c"])}
    return value


def stringify(value: Any) -> str:
    """The plain text of a node or list of nodes."""
    parts: list[str] = []

    def collect(node: dict, _pos: str) -> None:
        t = node["t"]
        if t == "Str":
            parts.append(node["c"])
        elif t in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif t in ("Code", "Math"):
            parts.append(node["c"][1])

    walk(value, collect)
    return "".join(parts)


def line_col(pos: str) -> tuple[int, int]:
    """`12:3-12:9` → (12, 3); the earliest start of several ranges (`4:1-5:1;3:1-6:1`, a table); (0, 0) when unknown."""
    starts = []
    for part in pos.split(";"):
        try:
            line, col = part.split("-")[0].split(":")[:2]
            starts.append((int(line), int(col)))
        except (ValueError, IndexError):
            continue
    return min(starts) if starts else (0, 0)
