"""Word-level differences between two runs of tokens (difflib), tidied so they read well."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from .tokens import PARA, WORD, Token

EQ, INS, DEL, FMT = "eq", "ins", "del", "fmt"
FROM, TO = "from", "to"  # a moved sentence's old place and new place


@dataclass(frozen=True)
class Piece:
    """One token of the redline and what happened to it."""

    token: Token
    op: str = EQ
    was: tuple | None = None  # the old formatting, when only the formatting changed
    move: str = ""  # the id of the moved sentence this token belongs to
    role: str = ""  # FROM (where a moved sentence was) or TO (where it went)

    @property
    def added(self) -> bool:
        return self.op == INS and self.token.is_word

    @property
    def removed(self) -> bool:
        return self.op == DEL and self.role != FROM and self.token.is_word


def diff_tokens(old: list[Token], new: list[Token]) -> list[Piece]:
    """Deletions, insertions and formatting changes turning `old` into `new`, in reading order."""
    if not old:
        return [Piece(t, INS) for t in new]
    if not new:
        return [Piece(t, DEL) for t in old]
    matcher = SequenceMatcher(None, [t.text for t in old], [t.text for t in new], autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in tidy(matcher.get_opcodes()):
        if tag == "equal":
            pieces.extend(_same(o, n) for o, n in zip(old[i1:i2], new[j1:j2]))
        else:
            pieces.extend(Piece(t, DEL) for t in old[i1:i2])
            pieces.extend(Piece(t, INS) for t in new[j1:j2])
    return pieces


def diff_prose(old: list[Token], new: list[Token]) -> list[Piece]:
    """Sentences first, then words: a moved sentence stays whole (a deletion here, an insertion
    there, for moves.py to pair) instead of being shredded into matching words."""
    before, after = sentences(old), sentences(new)
    matcher = SequenceMatcher(None, [_key(s) for s in before], [_key(s) for s in after], autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_run = [t for s in before[i1:i2] for t in s]
        new_run = [t for s in after[j1:j2] for t in s]
        pieces.extend(diff_tokens(old_run, new_run))
    return pieces


def sentences(tokens: list[Token]) -> list[list[Token]]:
    """Tokens cut after each sentence end that is followed by a capital, a digit or a quote."""
    out: list[list[Token]] = [[]]
    for index, token in enumerate(tokens):
        if token.kind == PARA:
            out.extend([[token], []])
            continue
        out[-1].append(token)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.ends_sentence and (following is None or _starts_sentence(following)):
            out.append([])
    return [s for s in out if s]


def _starts_sentence(token: Token) -> bool:
    first = token.text[:1]
    return token.kind != WORD or first.isupper() or first.isdigit() or first in "“‘\"'(["


def _key(sentence: list[Token]) -> tuple:
    return tuple(t.text for t in sentence)


def _same(old: Token, new: Token) -> Piece:
    return Piece(new) if old.style == new.style else Piece(new, FMT, was=old.style)


def tidy(opcodes: list[tuple]) -> list[tuple]:
    """Fold a word or two left standing between two changes into them.

    difflib happily keeps an isolated "the" between a deleted and an inserted clause, which
    reads as noise ("-a +b the -c +d"); a short equality smaller than the changes on both
    sides is better shown as part of one replacement (the diff-match-patch rule).
    """
    ops = [list(op) for op in opcodes]
    changed = True
    while changed:
        changed = False
        for k in range(1, len(ops) - 1):
            tag, i1, i2, _, _ = ops[k]
            size = i2 - i1
            if tag == "equal" and size <= 2 and size < _weight(ops[k - 1]) and size < _weight(ops[k + 1]):
                before, after = ops[k - 1], ops[k + 1]
                ops[k - 1: k + 2] = [["replace", before[1], after[2], before[3], after[4]]]
                changed = True
                break
    return [tuple(op) for op in ops]


def _weight(op: list) -> int:
    return 0 if op[0] == "equal" else max(op[2] - op[1], op[4] - op[3])


def ratio(old: list[Token], new: list[Token]) -> float:
    """How alike two token runs are, 0..1, by words matched in order."""
    if not old and not new:
        return 1.0
    matcher = SequenceMatcher(None, [t.text for t in old], [t.text for t in new], autojunk=False)
    return matcher.ratio()


def matched(old: list[str], new: list[str]) -> int:
    """How many words two runs share in order."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())
