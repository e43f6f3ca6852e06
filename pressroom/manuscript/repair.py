"""Repair text whose UTF-8 bytes were decoded as GBK: `Carter鈥檚` → `Carter’s`, `Prot茅g茅` → `Protégé`.

How the damage happens: every byte of a non-ASCII UTF-8 character is ≥ 0x80, so a GBK decoder
pairs those bytes two by two into Chinese characters. Encoding such characters back to GBK gives
the UTF-8 bytes again, and decoding those as UTF-8 gives the text that was meant (an exact repair).

Where a pair could not be formed a byte is lost: a GBK trail byte must be 0x40–0x7E or 0x80–0xFE,
so when the last byte of a UTF-8 character fell on a lead position and the next byte was a space,
punctuation, a digit or the end of the line, the decoder dropped it (or wrote U+FFFD). The lead
`E2 80` of General Punctuation (’ ” “ — – …) then survives alone as `鈥`, and the lost character is
inferred from its neighbours (an inferred repair, reported so an editor can check it).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

LOST_LEAD = b"\xe2\x80"  # 鈥: the first two bytes of U+2000–U+203F
REPLACEMENT = "\ufffd"  # what some decoders wrote for the byte they could not pair
CONTEXT_CHARS = 15  # on each side: ~30 characters of context around a repair
BAD_CATEGORIES = {"Cc", "Co", "Cn", "Cs"}  # controls, private use, unassigned, surrogates


@dataclass(frozen=True)
class Repair:
    """One repaired stretch: where it was in the damaged text (1-based), and what replaced it."""

    line: int
    col: int
    original: str
    replacement: str
    inferred: bool
    context: str


@dataclass(frozen=True)
class _Edit:
    start: int  # index into the damaged text
    end: int
    replacement: str | None  # None: a character whose last byte was lost, still to infer


def repair_gbk_mojibake(text: str) -> tuple[str, list[Repair]]:
    """Undo UTF-8-read-as-GBK damage; return the repaired text and every repair, in text order."""
    exact: list[_Edit] = []
    lost: list[_Edit] = []
    for start, end in _runs(text):
        run_exact, run_lost = _repair_run(text, start, end)
        exact.extend(run_exact)
        lost.extend(run_lost)
    edits = sorted(exact + (lost if _damage_shown(text, exact, lost) else []), key=lambda e: e.start)
    return _apply(text, edits)


def _damage_shown(text: str, exact: list[_Edit], lost: list[_Edit]) -> bool:
    """Whether a lone 鈥 can be read as a lost byte rather than as the Chinese character 鈥 ("brass").

    It can when the text shows the damage elsewhere (an exact repair), or when it holds no other
    CJK at all (an English line with one damaged quote); in Chinese prose it is left alone.
    """
    return bool(exact) or sum(map(_is_ideograph, text)) == len(lost)


# --- finding the damaged stretches -------------------------------------------------------------


@lru_cache(maxsize=4096)
def _gbk_pair(ch: str) -> bytes | None:
    """The two GBK bytes a non-ASCII character would have been decoded from, or None."""
    if ord(ch) < 0x80:
        return None
    try:
        data = ch.encode("gbk")
    except UnicodeEncodeError:
        return None
    return data if len(data) == 2 else None


def _runs(text: str):
    """Maximal stretches of characters that a GBK decoder could have produced from two bytes."""
    start = None
    for i, ch in enumerate(text):
        if _gbk_pair(ch):
            start = i if start is None else start
        elif start is not None:
            yield start, i
            start = None
    if start is not None:
        yield start, len(text)


def _repair_run(text: str, start: int, end: int) -> tuple[list[_Edit], list[_Edit]]:
    """The exact repairs and the lost-byte character (if any) of one run."""
    segments = _segments(text, start, end)
    covered = {i for s, e, _ in segments for i in range(s, e)}
    lost = _lost_tail(text, start, end, covered)
    leftovers = [text[i] for i in range(start, end) if i not in covered and not (lost and i == lost.start)]
    # Mojibake of Latin text leaves at most genuine punctuation or accented letters between its
    # repairable stretches; an ideograph left over means the run is real CJK text: leave it whole.
    if any(_is_ideograph(ch) for ch in leftovers):
        return [], []
    exact = [_Edit(s, e, decoded) for s, e, decoded in segments
             if _plausible(decoded, text[s - 1] if s else "", text[e] if e < len(text) else "",
                           whole_run=(s, e) == (start, end) or (lost is not None and (s, e) == (start, end - 1)))]
    return exact, [lost] if lost else []


def _segments(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Character-aligned stretches of the run whose GBK bytes are complete, valid UTF-8."""
    raw = b"".join(_gbk_pair(ch) for ch in text[start:end])
    segments, i, count = [], 0, end - start
    while i < count:
        decoded, size = _aligned_utf8(raw, 2 * i)
        if size:
            segments.append((start + i, start + i + size // 2, decoded))
            i += size // 2
        else:
            i += 1
    return segments


def _aligned_utf8(raw: bytes, pos: int) -> tuple[str, int]:
    """The longest valid UTF-8 from `pos` that ends on a GBK pair boundary, and its byte length."""
    try:
        decoded = raw[pos:].decode("utf-8")
    except UnicodeDecodeError as exc:
        decoded = raw[pos:pos + exc.start].decode("utf-8")
    size = len(decoded.encode("utf-8"))
    # A stretch must map back to whole GBK characters: drop characters until it ends on a pair.
    while size % 2:
        size -= len(decoded[-1].encode("utf-8"))
        decoded = decoded[:-1]
    return decoded, size


def _lost_tail(text: str, start: int, end: int, covered: set[int]) -> _Edit | None:
    """The run's final 鈥 when its lost third byte explains it, with a U+FFFD placeholder if any."""
    last = end - 1
    if last in covered or _gbk_pair(text[last]) != LOST_LEAD:
        return None
    stop = end + 1 if text[end:end + 1] == REPLACEMENT else end
    after = text[stop:stop + 1]
    # The byte can only have been dropped if what followed could not be a GBK trail byte;
    # a letter (0x40–0x7E) would have been paired with it instead.
    if after and 0x40 <= ord(after) <= 0x7E or after and ord(after) > 0x7F:
        return None
    return _Edit(last, stop, None)


def _is_ideograph(ch: str) -> bool:
    """Han, kana or Hangul letters (not CJK punctuation)."""
    return ord(ch) >= 0x2E80 and unicodedata.category(ch) == "Lo"


def _plausible(decoded: str, before: str, after: str, *, whole_run: bool) -> bool:
    """Whether a valid UTF-8 reading is the text that was meant rather than a coincidence."""
    if any(unicodedata.category(ch) in BAD_CATEGORIES for ch in decoded):
        return False
    wide = [ch for ch in decoded if ord(ch) > 0x7F]
    if any(_is_ideograph(ch) for ch in wide):
        # Chinese read as GBK: a single ideograph (or part of a run) could be chance, whole words are not.
        return whole_run and len(wide) >= 2
    if all(ord(ch) < 0x800 for ch in wide):
        # Two-byte readings (é = 茅) also occur as genuine Chinese; the damage sits inside Latin words.
        return _ascii_letter(before) or _ascii_letter(after)
    # Three-byte punctuation and symbols (鈥 = E2 80, 锛 = EF BC, 銆 = E3 80) do not arise by chance.
    return True


def _ascii_letter(ch: str) -> bool:
    return bool(ch) and ch.isascii() and ch.isalpha()


# --- applying the repairs and inferring lost characters ----------------------------------------


def _apply(text: str, edits: list[_Edit]) -> tuple[str, list[Repair]]:
    """Replace each edit, infer lost characters in reading order, and record every repair."""
    pending = _unused_char(text)  # marks lost characters not inferred yet
    pieces: list[str] = []
    slots: list[int] = []  # index in `pieces` of each edit
    cursor = 0
    for edit in edits:
        pieces.append(text[cursor:edit.start])
        slots.append(len(pieces))
        pieces.append(edit.replacement if edit.replacement is not None else pending)
        cursor = edit.end
    pieces.append(text[cursor:])
    inferred = _infer_all(text, edits, pieces, slots, pending)
    return "".join(pieces), _repairs(text, edits, pieces, slots, inferred)


def _unused_char(text: str) -> str:
    return next(chr(code) for code in range(0xE000, 0xF900) if chr(code) not in text)


def _infer_all(text: str, edits: list[_Edit], pieces: list[str], slots: list[int], pending: str) -> set[int]:
    """Fill in lost characters left to right, so each sees the ones before it; return their slots."""
    splitter = _paragraph_splitter(text)
    done: set[int] = set()
    for edit, slot in zip(edits, slots):
        if edit.replacement is not None:
            continue
        before_text = "".join(pieces[:slot])
        after_text = "".join(pieces[slot + 1:])
        paragraph_before = splitter.split(before_text)[-1]
        paragraph_after = splitter.split(after_text)[0]
        choice = _infer(
            before=before_text[-1:], after=text[edit.end:edit.end + 1],
            quote_open=paragraph_before.count("“") > paragraph_before.count("”"),
            closed_later=_closed_later(paragraph_after, before_text[-1:], pending),
        )
        pieces[slot] = choice if choice else text[edit.start:edit.end]
        if choice:
            done.add(slot)
    return done


def _paragraph_splitter(text: str) -> re.Pattern:
    """Paragraphs end at blank lines; text without any has one paragraph per line (as pasted prose)."""
    blank = re.compile(r"\n[ \t]*\n")
    return blank if blank.search(text) else re.compile(r"\n")


def _closed_later(paragraph_after: str, before: str, pending: str) -> bool:
    """Whether the open quote is closed further on, by a ” or (after a plural `s`) by a later lost mark."""
    match = re.search(f"[“”{pending}]", paragraph_after)
    if not match:
        return False
    # Two lost marks in one quote: `s鈥 ` is the plural possessive (Workers’), so the later one closes.
    return match.group(0) == "”" or (match.group(0) == pending and before in ("s", "S"))


def _infer(*, before: str, after: str, quote_open: bool, closed_later: bool) -> str | None:
    """The General Punctuation character whose last byte was lost, judged from its neighbours."""
    space_before = before == "" or before.isspace() or before in "([{"
    space_after = after == "" or after.isspace()
    if space_before:
        # Nothing on the left to attach to: between spaces only a dash stands alone; before text,
        # a mark that opens is a quote (“1950 …).
        return "—" if space_after else "“"
    if quote_open and not (before.isalpha() and space_after and closed_later):
        # A quote opened earlier in the paragraph: this mark closes it (“Juche,” a term …), unless the
        # quote is closed further on and this looks like a possessive (“the Workers’ Party”).
        return "”"
    if before.isdigit() and after.isdigit():
        return "–"  # a number range, 1950–1953: the en dash is the convention
    if before.isalnum() and after.isdigit():
        return "—"  # two words joined without spaces: an unspaced em dash
    if before in ".,!?;:":
        return "”"  # punctuation before the mark: an American closing quote; no apostrophe follows a comma
    if before.isalpha():
        return "’"  # a letter, then a space or punctuation, no quote open: possessive (Workers’) or elision
    # An ellipsis (…) or a single quote (‘) cannot be told apart from these by context alone.
    return None


def _repairs(text: str, edits: list[_Edit], pieces: list[str], slots: list[int], inferred: set[int]) -> list[Repair]:
    """One Repair per applied edit, positioned in the damaged text, with repaired context."""
    output = "".join(pieces)
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    result = []
    for edit, slot in zip(edits, slots):
        if edit.replacement is None and slot not in inferred:
            continue
        line = bisect_right(line_starts, edit.start)
        result.append(Repair(
            line=line, col=edit.start - line_starts[line - 1] + 1, original=text[edit.start:edit.end],
            replacement=pieces[slot], inferred=slot in inferred,
            context=_context(output, offsets[slot], offsets[slot + 1]),
        ))
    return result


def _context(output: str, start: int, end: int) -> str:
    """About thirty characters around a repair, on one line, with … where it was cut."""
    left, right = max(0, start - CONTEXT_CHARS), min(len(output), end + CONTEXT_CHARS)
    snippet = re.sub(r"\s+", " ", output[left:right])
    return ("…" if left else "") + snippet + ("…" if right < len(output) else "")
