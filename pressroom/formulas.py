"""TeX math in a `math: tex` book: every formula checked with texmath, each bad one named at its place.

Pandoc's writer would stop on the first formula texmath cannot read, naming no file and no line
(T003). Instead the policy pass (parse.py) notes each formula with its place while the source
positions are still in the AST, and the book's formulas go through texmath in one pandoc run:
every one it refuses is an error at its `file:line:col`, all of them at once.

A `$` that pandoc did not read as math although TeX follows it (`$\\frac{1}{$`: its braces do
not balance, so the dollars are plain text) is an error too: in a math book it is a formula
lost, not a price.
"""

from __future__ import annotations

from dataclasses import dataclass

from .messages import Message, error
from .pandoc_ast import line_col, walk
from .tools import pandoc

MAX_SHOWN = 60  # characters of a formula quoted in a message


@dataclass(frozen=True)
class Formula:
    """A formula of the manuscript and where it is (the place of a message about it)."""

    tex: str
    display: bool
    place: Message  # path, line and col; the text says what would be wrong


def formulas_in(blocks: list, shown: str, line_offset: int = 0) -> list[Formula]:
    """Every Math node in `blocks` (with sourcepos), its place in the text pandoc read."""
    found: list[Formula] = []

    def visit(node: dict, pos: str) -> None:
        if node["t"] == "Math":
            kind, tex = node["c"]
            line, col = line_col(pos)
            found.append(Formula(tex, kind["t"] == "DisplayMath",
                                 error("M001", shown, line + line_offset if line else 0, col, "")))

    walk(blocks, visit)
    return found


def stray_dollars(blocks: list, text: str, shown: str, line_offset: int = 0) -> list[Message]:
    """A `$` left as text with TeX right after it (`$\\frac…`, `$$…`): math pandoc could not read.

    Stray `$$` pair up (the second closes what the first opened): only the opening one is named.
    """
    lines = text.split("\n")
    messages: list[Message] = []
    display_open = False

    def visit(node: dict, pos: str) -> None:
        nonlocal display_open
        if node["t"] != "Str" or not node["c"].startswith("$"):
            return
        line, col = line_col(pos)
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        if not col or source[col - 1:col] != "$" or source[col - 2:col - 1] == "$":
            return  # an escaped \$ (its place is the backslash), or the second of a pair
        after = source[col:col + 1]
        if after == "$":
            display_open = not display_open
            if not display_open:
                return
        elif after != "\\":
            return
        messages.append(error("M002", shown, line + line_offset, col,
                              f"'{_shown(source[col - 1:])}' is not read as TeX math: its braces do not "
                              "balance (or write \\$ for a dollar sign)"))

    walk(blocks, visit)
    return messages


def check_formulas(formulas: list[Formula], label: str) -> dict[Formula, Message]:
    """An error for each formula texmath cannot convert, with texmath's reason; one pandoc run."""
    unique = list(dict.fromkeys((f.tex, f.display) for f in formulas))
    index = {formula: i for i, formula in enumerate(unique)}
    bad = pandoc.unconvertible(unique, label=label)
    messages = {}
    for formula in formulas:
        reason = bad.get(index[(formula.tex, formula.display)])
        if reason is not None:
            place = formula.place
            dollars = "$$" if formula.display else "$"
            messages[formula] = Message(place.path, place.line, place.col, place.severity, place.code,
                                        f"TeX math {dollars}{_shown(formula.tex)}{dollars} cannot be converted: "
                                        f"{reason}")
    return messages


def _shown(tex: str) -> str:
    tex = " ".join(tex.split())
    return tex if len(tex) <= MAX_SHOWN else tex[:MAX_SHOWN - 1] + "…"
