"""Moved text: a passage deleted in one place and inserted in another is shown as one move.

Runs of deleted and inserted words are gathered from the whole book, cut into sentences and
paired: first whole runs (a paragraph or several sentences that moved together), then single
sentences, then sentences that moved and were lightly edited on the way (their edits are shown
at the new place). A deletion and an insertion standing side by side are an in-place rewrite,
never a move.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from .blocks import BlockChange
from .tokens import PARA
from .words import DEL, EQ, FMT, FROM, INS, TO, Piece, diff_tokens

MIN_WORDS = 4  # shorter runs ("of the", "he said") recur by chance
MIN_FUZZY_WORDS = 6
FUZZY = 0.75
MAX_FUZZY_PAIRS = 40_000


@dataclass(frozen=True)
class _Unit:
    """A candidate passage: a span of one line's pieces, all deleted or all inserted."""

    line: int  # index into the book's lines
    start: int
    end: int
    op: str
    key: tuple
    place: tuple  # what surrounds it; equal places mean "rewritten in place"


def find_moves(chapters: list[list[BlockChange]]) -> list[list[BlockChange]]:
    """The chapters' changes with moved passages marked (pieces carry a move id and role)."""
    lines, stretches = _collect(chapters)
    edits: dict[int, list[tuple[int, int, list[Piece]]]] = {}
    counter = [0]

    def pair(old: _Unit, new: _Unit) -> None:
        counter[0] += 1
        mid = f"move-{counter[0]}"
        edits.setdefault(old.line, []).append(
            (old.start, old.end, [replace(p, move=mid, role=FROM) for p in lines[old.line][old.start:old.end]]))
        before = [p.token for p in lines[old.line][old.start:old.end]]
        after = [p.token for p in lines[new.line][new.start:new.end]]
        moved = [replace(p, move=mid, role=TO) for p in diff_tokens(before, after)]
        edits.setdefault(new.line, []).append((new.start, new.end, moved))

    deleted, inserted = _units(lines, stretches, whole=True)
    used = _pair_exact(deleted, inserted, pair)
    deleted, inserted = _units(lines, stretches, whole=False, skip=used)
    used |= _pair_exact(deleted, inserted, pair)
    _pair_fuzzy([u for u in deleted if u not in used], [u for u in inserted if u not in used], pair)
    for index, spans in edits.items():
        for start, end, pieces in sorted(spans, key=lambda span: span[0], reverse=True):
            lines[index][start:end] = pieces
    replaced = iter(tuple(line) for line in lines)
    return [[_relined(change, replaced) for change in changes] for changes in chapters]


def _collect(chapters: list[list[BlockChange]]) -> tuple[list[list[Piece]], list[int | None]]:
    """Every line of every change, in reading order, and for lines wholly deleted or inserted
    the stretch they stand in: such lines with nothing unchanged between them are one rewrite."""
    lines: list[list[Piece]] = []
    stretches: list[int | None] = []
    stretch = [0]

    def walk(change: BlockChange) -> None:
        if not change.lines and not change.children:
            stretch[0] += 1
        for line in change.lines:
            whole = _purity(list(line))
            if not whole:
                stretch[0] += 1
            lines.append(list(line))
            stretches.append(stretch[0] if whole else None)
        for child in change.children:
            walk(child)

    for changes in chapters:
        stretch[0] += 1
        for change in changes:
            walk(change)
    return lines, stretches


def _lines(change: BlockChange):
    yield from change.lines
    for child in change.children:
        yield from _lines(child)


def _relined(change: BlockChange, lines) -> BlockChange:
    """The same change tree, its lines taken in order from `lines`."""
    new_lines = tuple(next(lines) for _ in change.lines)
    kids = tuple(_relined(child, lines) for child in change.children)
    return replace(change, lines=new_lines, children=kids)


def _purity(line: list[Piece]) -> str:
    ops = {p.op for p in line if p.token.kind != PARA}
    return ops.pop() if len(ops) == 1 and ops <= {INS, DEL} else ""


def _units(lines: list[list[Piece]], stretches: list, whole: bool, skip: set = frozenset()):
    """Deleted and inserted runs (whole=True) or the sentences inside them, with their places."""
    deleted, inserted = [], []
    taken = {(u.line, i) for u in skip for i in range(u.start, u.end)}
    for index, line in enumerate(lines):
        for op, start, end in _runs(line):
            spans = [(start, end)] if whole else _sentences(line, start, end)
            for s, e in spans:
                if any((index, i) in taken for i in range(s, e)):
                    continue
                words = tuple(p.token.text for p in line[s:e] if p.token.kind != PARA)
                unit = _Unit(index, s, e, op, words, _place(line, stretches[index], index, s, e))
                (deleted if op == DEL else inserted).append(unit)
    return deleted, inserted


def _runs(line: list[Piece]):
    """Maximal spans of plain deletions or plain insertions (not already part of a move)."""
    start = None
    for i in range(len(line) + 1):
        piece = line[i] if i < len(line) else None
        op = piece.op if piece and piece.op in (INS, DEL) and not piece.move \
            and piece.token.kind != PARA else None
        if start is not None and op != line[start].op:
            yield line[start].op, start, i
            start = None
        if start is None and op:
            start = i


def _sentences(line: list[Piece], start: int, end: int):
    begin = start
    for i in range(start, end):
        if line[i].token.ends_sentence:
            yield begin, i + 1
            begin = i + 1
    if begin < end:
        yield begin, end


def _place(line: list[Piece], stretch: int | None, index: int, start: int, end: int) -> tuple:
    """Where a unit stands: its stretch of whole rewritten blocks, or the unchanged words
    around it in its line. A deletion and an insertion in the same place are a rewrite."""
    if stretch is not None:
        return ("stretch", stretch)
    before = next((i for i in range(start - 1, -1, -1) if line[i].op in (EQ, FMT)), -1)
    after = next((i for i in range(end, len(line)) if line[i].op in (EQ, FMT)), len(line))
    return ("line", index, before, after)


def _pair_exact(deleted: list[_Unit], inserted: list[_Unit], pair) -> set:
    used: set = set()
    waiting: dict[tuple, list[_Unit]] = {}
    for unit in deleted:
        if sum(1 for w in unit.key if any(ch.isalnum() for ch in w)) >= MIN_WORDS:
            waiting.setdefault(unit.key, []).append(unit)
    for unit in inserted:
        candidates = [u for u in waiting.get(unit.key, []) if u not in used and u.place != unit.place]
        if candidates:
            used |= {candidates[0], unit}
            pair(candidates[0], unit)
    return used


def _pair_fuzzy(deleted: list[_Unit], inserted: list[_Unit], pair) -> None:
    deleted = [u for u in deleted if len(u.key) >= MIN_FUZZY_WORDS]
    inserted = [u for u in inserted if len(u.key) >= MIN_FUZZY_WORDS]
    if not deleted or not inserted or len(deleted) * len(inserted) > MAX_FUZZY_PAIRS:
        return
    scored = []
    for old in deleted:
        old_set = set(old.key)
        for new in inserted:
            if old.place == new.place or len(old_set & set(new.key)) < FUZZY * min(len(old_set), len(set(new.key))):
                continue
            score = SequenceMatcher(None, old.key, new.key, autojunk=False).ratio()
            if score >= FUZZY:
                scored.append((-score, old.line, old.start, new.line, new.start, old, new))
    used: set = set()
    for *_, old, new in sorted(scored, key=lambda s: s[:5]):
        if old not in used and new not in used:
            used |= {old, new}
            pair(old, new)
