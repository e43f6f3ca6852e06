"""Figures and tables: their captions numbered ("Figure 3.2"), each given an id, all collected;
display formulas that carry an id numbered too ("(3.1)").

    ![A map of the border](images/map.png){#fig:map}     a figure (an image alone in its paragraph)

    | Year | Crossings |
    |------|-----------|
    Table: Border crossings {#tbl:cross}                 a table's caption, just after it (or before)

    $$E = mc^2$$ {#eq:energy}                            a display formula with an id (or an empty
    $$E = mc^2$$[]{#eq:energy}                            anchor right after it): numbered "(3.1)"

Numbers run per chapter ("Figure 3.2") or through the book ("Figure 7"), as book.yaml's
`caption-numbering` says. The collected captions feed the lists of figures and tables and
the cross-references that print "Figure 3.2".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .pandoc_ast import stringify, transform

WORDS = {"figure": "Figure", "table": "Table", "equation": "Equation"}
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


def number_captions(blocks: list, chapter: str, counters: dict[str, int], prefix: str) -> tuple[list, list[Captioned]]:
    """Number every figure and table of a chapter's blocks; `counters` carry on from the chapters
    before when numbering runs through the book; `prefix` is the chapter's part ("3." or "")."""
    found: list[Captioned] = []

    def number(node: dict):
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

    return transform(blocks, number), found


def _prefixed(blocks: list, label: dict) -> list:
    """The caption's blocks with the label in front of its first line."""
    if blocks and blocks[0]["t"] in ("Plain", "Para"):
        first = blocks[0]
        return [{**first, "c": [label, {"t": "Space"}, *first["c"]]}, *blocks[1:]]
    return [{"t": "Plain", "c": [label]}, *blocks]


def number_equations(blocks: list, counters: dict[str, int], prefix: str) -> tuple[list, list[Captioned]]:
    """Number every display formula that carries an id: `$$…$$ {#eq:x}` or `$$…$$[]{#x}` (pandoc
    reads both as the formula followed by an empty span with that id). A book refers to its
    equations by number (d2l's `:eqref:`, LaTeX's `\\eqref`): an id alone would leave `[](#eq:x)`
    nothing to print. The formula and its number "(3.1)" go into one span with the id, so every
    edition sets the number beside the formula and every link lands on it."""
    found: list[Captioned] = []

    def number(node: dict):
        if node["t"] not in ("Para", "Plain") or not any(_is_display(i) for i in node["c"]):
            return None
        inlines, out, index = node["c"], [], 0
        while index < len(inlines):
            inline = inlines[index]
            after = index + 1
            while after < len(inlines) and inlines[after]["t"] in ("Space", "SoftBreak"):
                after += 1
            anchor = inlines[after] if _is_display(inline) and after < len(inlines) else None
            if anchor is None or not _is_label(anchor):
                out.append(inline)
                index += 1
                continue
            counters["equation"] = counters.get("equation", 0) + 1
            numbered = f"{prefix}{counters['equation']}"
            element_id = anchor["c"][0][0]
            mark = {"t": "Span", "c": [["", ["equation-number"], []], [{"t": "Str", "c": f"({numbered})"}]]}
            formula = {"t": "Span", "c": [["", ["equation-formula"], []], [inline]]}
            out.append({"t": "Span", "c": [[element_id, ["equation"], []], [formula, mark]]})
            found.append(Captioned("equation", element_id, numbered, inline["c"][1]))
            index = after + 1
        return {**node, "c": out}

    return transform(blocks, number), found


def _is_display(inline: dict) -> bool:
    return inline["t"] == "Math" and inline["c"][0]["t"] == "DisplayMath"


def _is_label(inline: dict) -> bool:
    """An empty span with an id and nothing else: `{#eq:x}` or `[]{#x}` after a formula."""
    if inline["t"] != "Span":
        return False
    (element_id, classes, attributes), content = inline["c"]
    return bool(element_id) and not classes and not attributes and not stringify(content).strip()
