"""Blocks first, then words: align two chapters' paragraphs, headings, quotes and lists.

Identical blocks are anchored with difflib; between anchors a small dynamic programme pairs
what is left, one to one (an edited paragraph), one to several (a split) or several to one
(a merge), maximising the words kept in order. Paired text blocks are then diffed word by word;
paired containers (quotes, lists, divs) are aligned again inside.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .tokens import NOTE_MARKER, PARA, Token, flatten, pilcrow
from .words import DEL, EQ, INS, Piece, diff_prose, matched

EQUAL, CHANGED, INSERTED, DELETED, SPLIT, MERGED, INSIDE = (
    "equal", "changed", "inserted", "deleted", "split", "merged", "inside")
TEXT = ("Para", "Plain", "Header")
LIMIT = 40_000  # cells of the pairing table; past that, unanchored blocks are just deleted + inserted
MIN_PAIR = 0.5  # share of the shorter block's words kept in order, for two blocks to be one edited block
MIN_PART = 0.5  # share of a part's words found in the whole, for a split or merge

Calls = Callable[[int], tuple[str, dict]]


@dataclass(frozen=True)
class BlockChange:
    """What happened to one block (or a few: a split or merge) between the two revisions."""

    kind: str
    old: tuple = field(default=(), compare=False)  # the old block nodes
    new: tuple = field(default=(), compare=False)  # the new block nodes
    lines: tuple = ()  # text blocks: one tuple of Pieces per block shown
    children: tuple = ()  # containers: the changes inside
    note: str = ""  # e.g. "heading level 2 → 3"

    @property
    def words(self) -> tuple[int, int]:
        """(added, removed) words, moves excluded."""
        if self.kind == EQUAL:
            return 0, 0
        if self.lines:
            pieces = [p for line in self.lines for p in line]
            return sum(p.added for p in pieces), sum(p.removed for p in pieces)
        if self.children:
            counts = [c.words for c in self.children]
            return sum(a for a, _ in counts), sum(r for _, r in counts)
        count = sum(len(_words(b)) for b in (self.new if self.kind == INSERTED else self.old))
        return (count, 0) if self.kind == INSERTED else (0, count) if self.kind == DELETED else (0, 0)

    @property
    def block(self) -> dict:
        """The block this change is shown as (the new one where there is one)."""
        return (self.new or self.old)[0]


class Side:
    """One revision's blocks with their tokens and keys computed once."""

    def __init__(self, calls: Calls):
        self.calls = calls
        self._tokens: dict[int, list[Token]] = {}

    def tokens(self, block: dict) -> list[Token]:
        key = id(block)
        if key not in self._tokens:
            self._tokens[key] = flatten(block["c"] if block["t"] != "Header" else block["c"][2], self.calls)
        return self._tokens[key]

    def key(self, block: dict) -> str:
        """The block's identity: its JSON with note calls named by note id, not number."""
        text = json.dumps(block, sort_keys=True)
        return NOTE_MARKER.sub(lambda m: self.calls(int(m.group(1)))[0], text)

    def words(self, block: dict) -> list[str]:
        if block["t"] in TEXT:
            return [t.text for t in self.tokens(block)]
        return [w for b in children(block) or [] for w in self.words(b)] or _words(block)


def align(old: list, new: list, before: Side, after: Side) -> list[BlockChange]:
    """The changes turning blocks `old` into `new`, in reading order."""
    matcher = SequenceMatcher(None, [before.key(b) for b in old], [after.key(b) for b in new], autojunk=False)
    changes: list[BlockChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(BlockChange(EQUAL, (o,), (n,)) for o, n in zip(old[i1:i2], new[j1:j2]))
        else:
            changes.extend(_pair_region(old[i1:i2], new[j1:j2], before, after))
    return changes


def inserted(block: dict, side: Side) -> BlockChange:
    """A block only the new revision has: every word marked inserted."""
    return _whole(block, side, INSERTED, INS)


def deleted(block: dict, side: Side) -> BlockChange:
    """A block only the old revision had: every word marked deleted."""
    return _whole(block, side, DELETED, DEL)


def _whole(block: dict, side: Side, kind: str, op: str) -> BlockChange:
    nodes = {"new": (block,)} if kind == INSERTED else {"old": (block,)}
    if block["t"] in TEXT:
        return BlockChange(kind, lines=(tuple(Piece(t, op) for t in side.tokens(block)),), **nodes)
    kids = children(block)
    if kids is not None:
        return BlockChange(kind, children=tuple(_whole(k, side, kind, op) for k in kids), **nodes)
    return BlockChange(kind, **nodes)


# ----------------------------------------------------------------------- pairing a region

def _pair_region(old: list, new: list, before: Side, after: Side) -> list[BlockChange]:
    if not old or not new or len(old) * len(new) > LIMIT:
        return [deleted(b, before) for b in old] + [inserted(b, after) for b in new]
    table = _Table(old, new, before, after)
    return table.solve()


class _Table:
    """Best pairing of two short runs of blocks by dynamic programming over (old, new) prefixes."""

    def __init__(self, old: list, new: list, before: Side, after: Side):
        self.old, self.new, self.before, self.after = old, new, before, after
        self.old_words = [before.words(b) for b in old]
        self.new_words = [after.words(b) for b in new]

    def solve(self) -> list[BlockChange]:
        n, m = len(self.old), len(self.new)
        best = {(0, 0): (0, None)}
        for i in range(n + 1):
            for j in range(m + 1):
                if (i, j) not in best:
                    continue
                score = best[(i, j)][0]
                for (di, dj), gain in self._moves(i, j):
                    target = (i + di, j + dj)
                    if target not in best or score + gain > best[target][0]:
                        best[target] = (score + gain, (i, j))
        path, cell = [], (n, m)
        while best[cell][1] is not None:
            previous = best[cell][1]
            path.append((previous, cell))
            cell = previous
        return [self._change(a, b) for a, b in reversed(path)]

    def _moves(self, i: int, j: int):
        """Steps from cell (i, j) with the words each keeps; pairings first so they win ties."""
        n, m = len(self.old), len(self.new)
        if i < n and j < m and self._compatible(self.old[i], self.new[j]):
            score = self._score(self.old_words[i], self.new_words[j])
            if score:
                yield (1, 1), score
            if self.old[i]["t"] in TEXT:
                for k in (2, 3):
                    if j + k <= m and all(self.new[x]["t"] in TEXT for x in range(j, j + k)):
                        parts = self.new_words[j: j + k]
                        if self._covers(self.old_words[i], parts):
                            yield (1, k), self._score(self.old_words[i], _joined(parts), 0) + 1
                    if i + k <= n and all(self.old[x]["t"] in TEXT for x in range(i, i + k)):
                        parts = self.old_words[i: i + k]
                        if self._covers(self.new_words[j], parts):
                            yield (k, 1), self._score(_joined(parts), self.new_words[j], 0) + 1
        if i < n:
            yield (1, 0), 0
        if j < m:
            yield (0, 1), 0

    @staticmethod
    def _compatible(a: dict, b: dict) -> bool:
        return (a["t"] in TEXT and b["t"] in TEXT) or (a["t"] == b["t"] and children(a) is not None)

    @staticmethod
    def _score(a: list[str], b: list[str], floor: float = MIN_PAIR) -> int:
        if not a or not b or len(set(a) & set(b)) < floor * min(len(set(a)), len(set(b))):
            return 0
        kept = matched(a, b)
        return kept if kept and kept >= floor * min(len(a), len(b)) else 0

    @staticmethod
    def _covers(whole: list[str], parts: list[list[str]]) -> bool:
        """Each part is mostly the whole's words in the whole's order: a split, not a new paragraph."""
        whole_set = set(whole)
        return all(p and len(set(p) & whole_set) >= MIN_PART * len(set(p))
                   and matched(whole, p) >= MIN_PART * len(p) for p in parts)

    def _change(self, start: tuple[int, int], end: tuple[int, int]) -> BlockChange:
        (i1, j1), (i2, j2) = start, end
        olds, news = self.old[i1:i2], self.new[j1:j2]
        if not news:
            return deleted(olds[0], self.before)
        if not olds:
            return inserted(news[0], self.after)
        if len(olds) == 1 and len(news) == 1:
            return _paired(olds[0], news[0], self.before, self.after)
        return _split_or_merge(olds, news, self.before, self.after)


def _joined(parts: list[list[str]]) -> list[str]:
    return [w for part in parts for w in part]


def _paired(old: dict, new: dict, before: Side, after: Side) -> BlockChange:
    if old["t"] in TEXT:
        pieces = diff_prose(before.tokens(old), after.tokens(new))
        return BlockChange(CHANGED, (old,), (new,), lines=(tuple(pieces),), note=_block_note(old, new))
    kids = align(children(old), children(new), before, after)
    return BlockChange(INSIDE, (old,), (new,), children=tuple(kids))


def _split_or_merge(olds: list, news: list, before: Side, after: Side) -> BlockChange:
    """One paragraph become several, or several become one: words diffed across the joins."""
    old_tokens = _with_pilcrows([before.tokens(b) for b in olds])
    new_tokens = _with_pilcrows([after.tokens(b) for b in news])
    pieces = diff_prose(old_tokens, new_tokens)
    if len(news) > 1:
        return BlockChange(SPLIT, tuple(olds), tuple(news), lines=_cut(pieces))
    return BlockChange(MERGED, tuple(olds), tuple(news), lines=(tuple(pieces),))


def _with_pilcrows(runs: list[list[Token]]) -> list[Token]:
    out: list[Token] = []
    for index, run in enumerate(runs):
        if index:
            out.append(pilcrow())
        out.extend(run)
    return out


def _cut(pieces: list[Piece]) -> tuple:
    """Pieces split into one line per new block, at the paragraph marks the split inserted."""
    lines: list[list[Piece]] = [[]]
    for piece in pieces:
        if piece.token.kind == PARA and piece.op in (INS, EQ):
            lines.append([])
        lines[-1].append(piece)
    return tuple(tuple(line) for line in lines)


def _block_note(old: dict, new: dict) -> str:
    names = {"Para": "paragraph", "Plain": "text", "Header": "heading"}
    if old["t"] != new["t"]:
        return f"{names[old['t']]} → {names[new['t']]}"
    if old["t"] == "Header" and old["c"][0] != new["c"][0]:
        return f"heading level {old['c'][0]} → {new['c'][0]}"
    return ""


# ---------------------------------------------------------------------- container blocks

def children(block: dict) -> list | None:
    """A container's child blocks (list items as `Item` pseudo-blocks); None for other blocks."""
    t, c = block["t"], block.get("c")
    if t in ("BlockQuote", "Item"):
        return c
    if t == "Div":
        return c[1]
    if t == "BulletList":
        return [{"t": "Item", "c": item} for item in c]
    if t == "OrderedList":
        return [{"t": "Item", "c": item} for item in c[1]]
    return None


def rebuild(block: dict, kids: list) -> dict:
    """The container `block` holding `kids` instead of its own children."""
    t, c = block["t"], block.get("c")
    if t in ("BlockQuote", "Item"):
        return {"t": t, "c": kids}
    if t == "Div":
        return {"t": t, "c": [c[0], kids]}
    items = [k["c"] for k in kids]
    return {"t": t, "c": items} if t == "BulletList" else {"t": t, "c": [c[0], items]}


def _words(block: dict) -> list[str]:
    from ..pandoc_ast import stringify

    return stringify(block).split()
