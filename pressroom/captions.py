"""Figures, tables and equations: numbered ("Figure 3.2", "(3.1)"), each given an id, all collected.

    ![A map of the border](images/map.png){#fig:map}     a figure (an image alone in its paragraph)

    | Year | Crossings |
    |------|-----------|
    Table: Border crossings {#tbl:cross}                 a table's caption, just after it (or before)

    $$E = mc^2$$ {#eq:energy}                            a display formula with an `eq:` id, or
    $$E = mc^2$$[]{#energy}                              an empty anchor with any id right after it

Numbers run per chapter ("Figure 3.2") or through the book ("Figure 7"), as book.yaml's
`caption-numbering` says. The collected captions feed the lists of figures and tables and
the cross-references that print "Figure 3.2".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .pandoc_ast import Kinds, pruned, stringify, transform
from .pagerefs import page_marker

WORDS = {"figure": "Figure", "table": "Table", "equation": "Equation"}
# A chapter with one of these roles lists the book's numbered elements of that kind.
LIST_ROLES = {"figures": "figure", "tables": "table"}
EQUATION = "eq:"  # only a display formula whose id starts so is numbered: others stay plain
CAPTION_PARAGRAPH = re.compile(r"(Table)?:\s")  # pandoc's "Table: …" or ": …" caption line
ID_TEXT = re.compile(r"\s*\{#([^\s{}]+)\}\s*$")


@dataclass(frozen=True)
class Captioned:
    """A numbered figure or table: its kind, id, number as printed ("3.2") and caption text."""

    kind: str
    id: str
    number: str
    text: str

    @property
    def label(self) -> str:
        """"Figure 3.2"."""
        return f"{WORDS[self.kind]} {self.number}"


def table_captions(blocks: list) -> list:
    """A "Table: …" paragraph next to a table becomes that table's caption (and its id, if it ends
    with {#id}); pandoc's commonmark reader leaves it a paragraph."""
    out: list = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block["t"] == "Table" and following is not None and _caption_text(following) is not None:
            out.append(_captioned(block, following))
            index += 2
            continue
        if _caption_text(block) is not None and following is not None and following["t"] == "Table":
            out.append(_captioned(following, block))
            index += 2
            continue
        out.append(block)
        index += 1
    return out


def _caption_text(block: dict) -> list | None:
    """The inlines of a "Table: …" paragraph after its prefix, or None for any other block."""
    if block["t"] != "Para" or not block["c"] or block["c"][0]["t"] != "Str":
        return None
    first = block["c"][0]["c"]
    if first == "Table:" and len(block["c"]) > 2 and block["c"][1]["t"] == "Space":
        return block["c"][2:]
    if first == ":" and len(block["c"]) > 2 and block["c"][1]["t"] == "Space":
        return block["c"][2:]
    return None


def _captioned(table: dict, paragraph: dict) -> dict:
    inlines = list(_caption_text(paragraph))
    element_id = ""
    # `{#tbl:x}` at the end: read as an attribute on an empty span, or left as text.
    while inlines and inlines[-1]["t"] in ("Space", "SoftBreak"):
        inlines.pop()
    if inlines and inlines[-1]["t"] == "Span" and inlines[-1]["c"][0][0] and not stringify(inlines[-1]).strip():
        element_id = inlines.pop()["c"][0][0]
    elif inlines and inlines[-1]["t"] == "Str" and ID_TEXT.search(inlines[-1]["c"]):
        element_id = ID_TEXT.search(inlines[-1]["c"]).group(1)
        inlines[-1] = {"t": "Str", "c": ID_TEXT.sub("", inlines[-1]["c"])}
    while inlines and inlines[-1]["t"] in ("Space", "SoftBreak") or (inlines and inlines[-1] == {"t": "Str", "c": ""}):
        inlines.pop()
    attr, _caption, *rest = table["c"]
    attr = [element_id or attr[0], attr[1], attr[2]]
    return {"t": "Table", "c": [attr, [None, [{"t": "Plain", "c": inlines}]], *rest]}


def number_captions(blocks: list, chapter: str, counters: dict[str, int], prefix: str,
                    kinds: Kinds | None = None) -> tuple[list, list[Captioned]]:
    """Number every figure, table and equation of a chapter's blocks; `counters` carry on from the
    chapters before when numbering runs through the book; `prefix` is the chapter's part ("3." or "")."""
    found: list[Captioned] = []

    def number(node: dict):
        if node["t"] in ("Para", "Plain"):
            return _numbered_equations(node, counters, prefix, found)
        kind = {"Figure": "figure", "Table": "table"}.get(node["t"])
        if kind is None:
            return None
        caption_blocks = node["c"][1][1]
        if not caption_blocks and kind == "table":
            return None  # an uncaptioned table is not numbered
        counters[kind] = counters.get(kind, 0) + 1
        numbered = f"{prefix}{counters[kind]}"
        attr = node["c"][0]
        element_id = attr[0] or f"{kind}-{chapter}-{counters[kind]}"
        label = {"t": "Span", "c": [["", ["caption-label"], []], [
            {"t": "Str", "c": f"{WORDS[kind]}\u00a0{numbered}."}]]}
        caption = _prefixed(caption_blocks, label)
        found.append(Captioned(kind, element_id, numbered, stringify(caption_blocks)))
        return {**node, "c": [[element_id, attr[1], attr[2]], [node["c"][1][0], caption], *node["c"][2:]]}

    # Equations are Math in a paragraph: one without Math holds nothing to number.
    return transform(blocks, number, pruned(kinds, "Figure", "Table", "Math")), found


def _numbered_equations(node: dict, counters: dict[str, int], prefix: str, found: list[Captioned]) -> dict | None:
    """The paragraph with each `$$…$$ {#eq:x}` made a numbered equation: a Span with the id
    holding the formula and its number. Pandoc's reader gives the attribute to the formula itself
    (`$$x$${#eq:x}`) or, after a space, to that space (`$$x$$ {#eq:x}`): both are read. An empty
    anchor right after a formula, `$$x$$[]{#x}` (how converters write LaTeX's `\\label` and d2l's
    `:eqlabel:`), labels it whatever its id: a reference to it needs a number to print."""
    inlines, out, index = node["c"], [], 0
    while index < len(inlines):
        item = inlines[index]
        following = inlines[index + 1] if index + 1 < len(inlines) else None
        math = element_id = None
        if _equation_id(item) and [n["t"] for n in item["c"][1]] == ["Math"]:
            math, element_id, taken = item["c"][1][0], item["c"][0][0], 1
        elif item["t"] == "Math" and following is not None and (_equation_id(following) or _anchor(following)) \
                and all(n["t"] == "Space" for n in following["c"][1]):
            math, element_id, taken = item, following["c"][0][0], 2
        if math is None or math["c"][0]["t"] != "DisplayMath":
            out.append(item)
            index += 1
            continue
        counters["equation"] = counters.get("equation", 0) + 1
        numbered = f"{prefix}{counters['equation']}"
        found.append(Captioned("equation", element_id, numbered, math["c"][1].strip()))
        # The number first: it floats to the right margin beside the centred formula.
        label = {"t": "Span", "c": [["", ["equation-number"], []], [{"t": "Str", "c": f"({numbered})"}]]}
        out.append({"t": "Span", "c": [[element_id, ["equation"], []], [label, math]]})
        index += taken
    if len(out) == len(inlines) and all(a is b for a, b in zip(out, inlines)):
        return None
    return {**node, "c": out}


def _equation_id(node: dict) -> bool:
    return node["t"] == "Span" and node["c"][0][0].startswith(EQUATION)


def _anchor(node: dict) -> bool:
    """`[]{#x}`: a span with an id, no class, no attribute and nothing in it."""
    return node["t"] == "Span" and bool(node["c"][0][0]) and not node["c"][0][1] and not node["c"][0][2] \
        and not node["c"][1]


def _prefixed(blocks: list, label: dict) -> list:
    """The caption's blocks with the label in front of its first line."""
    if blocks and blocks[0]["t"] in ("Plain", "Para"):
        first = blocks[0]
        return [{**first, "c": [label, {"t": "Space"}, *first["c"]]}, *blocks[1:]]
    return [{"t": "Plain", "c": [label]}, *blocks]


def list_blocks(captions: list[Captioned], kind: str) -> list:
    """A list of figures or tables: each label linked to its element, the caption, and the page
    it is printed on (a page marker every edition fills, as the index's)."""
    entries = []
    for caption in captions:
        if caption.kind != kind:
            continue
        label = {"t": "Link", "c": [["", ["list-label"], []], [{"t": "Str", "c": caption.label.replace(" ", "\u00a0")}],
                                    ["#" + caption.id, ""]]}
        page = {"t": "Span", "c": [["", ["list-page"], []], [page_marker(caption.id)]]}
        text = [{"t": "Span", "c": [["", ["list-caption"], []], [{"t": "Str", "c": caption.text}]]}]
        entries.append({"t": "Div", "c": [["", ["list-entry"], []],
                                          [{"t": "Para", "c": [label, {"t": "Space"}, *text, page]}]]})
    return [{"t": "Div", "c": [["", ["list-entries", f"list-of-{kind}s"], []], entries]}] if entries else []
