"""Two Books compared: chapters by id, prose by blocks then words, notes by id, book.yaml by key.

`plan` matches chapters (by id, then a renamed chapter by its text) and says which chapters
must be parsed; `compare` turns the parsed chapters into plain frozen dataclasses for the
report and the redline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from .blocks import EQUAL, MERGED, SPLIT, BlockChange, Side, align, deleted, inserted
from .moves import find_moves
from .revision import Snapshot, chunk_texts, is_definition
from .tokens import CALL, Token, flatten, pilcrow
from .words import DEL, FMT, INS, TO, Piece, diff_prose

NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\]")
CONTEXT = 1  # unchanged blocks parsed (and shown) on each side of a change
RENAMED_SIMILARITY = 0.5  # share of words kept for an added and a removed chapter to be one
CHANGED, ADDED, REMOVED, UNCHANGED, REREFERENCED, RENAMED = (
    "changed", "added", "removed", "unchanged", "re-referenced", "renamed")


@dataclass(frozen=True)
class Match:
    """A chapter at both revisions (or one): ids, positions (1-based, 0 when absent)."""

    old_id: str | None
    new_id: str | None
    old_position: int = 0
    new_position: int = 0
    moved: bool = False

    @property
    def renamed(self) -> bool:
        return bool(self.old_id and self.new_id and self.old_id != self.new_id)


@dataclass(frozen=True)
class Plan:
    """Which chapters pair up, and which must be parsed at each side to compare them."""

    matches: tuple[Match, ...]
    parse_old: dict = field(hash=False)  # chapter id → block indices to parse (None: all of it)
    parse_new: dict = field(hash=False)
    changed_notes: frozenset[str] = frozenset()  # notes.yaml ids whose text or citation differ


@dataclass(frozen=True)
class NoteChange:
    """A note that changed: its text word by word, and where it is called."""

    id: str
    status: str  # changed | added | removed | re-referenced | renamed
    chapter: str  # the chapter calling it (the new one; the old one for a removed note)
    old_label: int | None
    new_label: int | None
    pieces: tuple[Piece, ...]
    fields: tuple[str, ...] = ()  # the note's keys beside its text that changed (`cite`)
    was: str = ""  # the old id of a renamed note
    detail: str = ""

    @property
    def words(self) -> tuple[int, int]:
        return sum(p.added for p in self.pieces), sum(p.removed for p in self.pieces)


@dataclass(frozen=True)
class ChapterChange:
    """One chapter: where it stands at each revision and what changed in it."""

    id: str
    title: str
    old_title: str
    status: str  # changed | added | removed | unchanged
    old_id: str | None
    new_id: str | None
    old_path: str
    new_path: str
    old_position: int
    new_position: int
    moved: bool
    blocks: tuple[BlockChange, ...]
    notes: tuple[NoteChange, ...]

    @property
    def renamed(self) -> bool:
        return bool(self.old_id and self.new_id and (self.old_id != self.new_id or self.old_path != self.new_path))

    @property
    def retitled(self) -> bool:
        return bool(self.old_id and self.new_id and self.old_title != self.title)

    @property
    def words(self) -> tuple[int, int]:
        counts = [b.words for b in self.blocks]
        return sum(a for a, _ in counts), sum(r for _, r in counts)

    @property
    def moves(self) -> int:
        """Passages moved into this chapter."""
        return len({p.move for p in _pieces(self.blocks) if p.role == TO})

    @property
    def formatting(self) -> int:
        return sum(1 for p in _pieces(self.blocks) if p.op == FMT)

    @property
    def splits(self) -> int:
        return sum(1 for b in _all_blocks(self.blocks) if b.kind == SPLIT)

    @property
    def merges(self) -> int:
        return sum(1 for b in _all_blocks(self.blocks) if b.kind == MERGED)


@dataclass(frozen=True)
class MetaChange:
    """One book.yaml key whose value differs (values shown as YAML flow text; None: absent)."""

    key: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class BookDiff:
    """Everything that changed between two revisions of a manuscript."""

    old_label: str
    new_label: str
    old_subject: str
    new_subject: str
    title: str
    chapters: tuple[ChapterChange, ...]
    meta: tuple[MetaChange, ...]

    @property
    def changed_chapters(self) -> list[ChapterChange]:
        return [c for c in self.chapters if c.status != UNCHANGED]

    @property
    def notes(self) -> list[NoteChange]:
        return [n for c in self.chapters for n in c.notes]

    def summary(self) -> str:
        """`3 chapters changed: +212 -57 words; 2 notes changed, 1 added`."""
        changed = self.changed_chapters
        if not changed and not self.meta:
            return "no changes"
        if not changed:
            return f"no chapters changed; book.yaml: {', '.join(m.key for m in self.meta)} changed"
        added = sum(c.words[0] for c in changed) + sum(n.words[0] for n in self.notes if n.status == CHANGED)
        removed = sum(c.words[1] for c in changed) + sum(n.words[1] for n in self.notes if n.status == CHANGED)
        parts = [f"{_count(len(changed), 'chapter')} changed: +{added} -{removed} words"]
        moves = sum(c.moves for c in changed)
        if moves:
            parts[0] += f", {_count(moves, 'passage')} moved"
        notes = self._note_summary()
        if notes:
            parts.append(notes)
        if self.meta:
            parts.append(f"book.yaml: {', '.join(m.key for m in self.meta)} changed")
        return "; ".join(parts)

    def _note_summary(self) -> str:
        counts: dict[str, int] = {}
        for note in self.notes:
            counts[note.status] = counts.get(note.status, 0) + 1
        if not counts:
            return ""
        order = [CHANGED, ADDED, REMOVED, REREFERENCED, RENAMED]
        first, *rest = [s for s in order if s in counts]
        words = [f"{_count(counts[first], 'note')} {first}"] + [f"{counts[s]} {s}" for s in rest]
        return ", ".join(words)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# ----------------------------------------------------------------------------- the plan

def plan(old: Snapshot, new: Snapshot) -> Plan:
    """Pair the chapters and decide which must be parsed to compare them."""
    matches = _moved(_pairs(old, new), old, new)
    notes = _changed_notes(old, new)
    parse_old, parse_new = {}, {}
    for match in matches:
        if match.old_id is None or match.new_id is None:
            parse_old.update({match.old_id: None} if match.old_id else {})
            parse_new.update({match.new_id: None} if match.new_id else {})
        elif _differs(match, old, new, notes):
            parse_old[match.old_id], parse_new[match.new_id] = _selection(
                old.texts[match.old_id], new.texts[match.new_id], notes)
    return Plan(tuple(matches), parse_old, parse_new, frozenset(notes))


def _selection(old: str, new: str, notes: set[str]) -> tuple[frozenset, frozenset]:
    """The blocks of each side worth parsing: those that differ, one block around them, note
    definitions, and blocks calling a changed note; unchanged pairs are kept on both sides."""
    a, b = chunk_texts(old), chunk_texts(new)
    keep_a = {i for i, t in enumerate(a) if is_definition(t) or _calls(t) & notes}
    keep_b = {j for j, t in enumerate(b) if is_definition(t) or _calls(t) & notes}
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            keep_a |= set(range(max(i1 - CONTEXT, 0), i2 + CONTEXT))
            keep_b |= set(range(max(j1 - CONTEXT, 0), j2 + CONTEXT))
    for tag, i1, i2, j1, j2 in opcodes:  # an unchanged block is parsed at both sides or neither
        if tag == "equal":
            pairs = [(i1 + k, j1 + k) for k in range(i2 - i1)]
            both = {p for p in pairs if p[0] in keep_a or p[1] in keep_b}
            keep_a |= {i for i, _ in both}
            keep_b |= {j for _, j in both}
    return frozenset(i for i in keep_a if i < len(a)), frozenset(j for j in keep_b if j < len(b))


def _calls(text: str) -> set[str]:
    return set(NOTE_CALL.findall(text))


def _pairs(old: Snapshot, new: Snapshot) -> list[Match]:
    old_ids = [c.id for c in old.book.chapters]
    new_ids = [c.id for c in new.book.chapters]
    pairs = {i: i for i in old_ids if i in new_ids}
    gone = [i for i in old_ids if i not in pairs]
    came = [i for i in new_ids if i not in pairs.values()]
    pairs.update(_renamed(gone, came, old, new))
    matches = [Match(o, pairs.get(o)) for o in old_ids]
    matches += [Match(None, n) for n in new_ids if n not in pairs.values()]
    return [replace(m, old_position=old_ids.index(m.old_id) + 1 if m.old_id else 0,
                    new_position=new_ids.index(m.new_id) + 1 if m.new_id else 0) for m in matches]


def _renamed(gone: list[str], came: list[str], old: Snapshot, new: Snapshot) -> dict[str, str]:
    """Removed and added chapters whose text is mostly the same: one chapter, renamed."""
    scored = []
    for o in gone:
        a = old.texts[o].split()
        for n in came:
            b = new.texts[n].split()
            if len(set(a) & set(b)) >= RENAMED_SIMILARITY * min(len(set(a)), len(set(b)) or 1):
                score = SequenceMatcher(None, a, b, autojunk=False).ratio()
                if score >= RENAMED_SIMILARITY:
                    scored.append((-score, gone.index(o), came.index(n), o, n))
    pairs: dict[str, str] = {}
    for *_, o, n in sorted(scored):
        if o not in pairs and n not in pairs.values():
            pairs[o] = n
    return pairs


def _moved(matches: list[Match], old: Snapshot, new: Snapshot) -> list[Match]:
    """Chapters outside the longest run kept in the same order have moved."""
    both = [m for m in matches if m.old_id and m.new_id]
    before = [m.new_id for m in sorted(both, key=lambda m: m.old_position)]
    after = [m.new_id for m in sorted(both, key=lambda m: m.new_position)]
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    kept = {before[b.a + k] for b in matcher.get_matching_blocks() for k in range(b.size)}
    return [replace(m, moved=bool(m.old_id and m.new_id and m.new_id not in kept)) for m in matches]


def _changed_notes(old: Snapshot, new: Snapshot) -> set[str]:
    a, b = old.book.notes, new.book.notes
    return {k for k in a.keys() | b.keys() if k not in a or k not in b
            or (a[k].text, a[k].cite) != (b[k].text, b[k].cite)}


def _differs(match: Match, old: Snapshot, new: Snapshot, notes: set[str]) -> bool:
    if old.texts[match.old_id] != new.texts[match.new_id]:
        return True
    called = {r.id for r in old.chapter(match.old_id).refs} | {r.id for r in new.chapter(match.new_id).refs}
    return bool(called & notes)


# -------------------------------------------------------------------------- comparing

def compare(old: Snapshot, new: Snapshot, the_plan: Plan) -> BookDiff:
    """The whole comparison, from two snapshots whose planned chapters are parsed."""
    ordered = _reading_order(the_plan.matches)
    changes = [_chapter_blocks(m, old, new) for m in ordered]
    changes = find_moves(changes)
    calls = _call_ops(changes)
    renames = {m.old_id: m.new_id for m in ordered if m.old_id and m.new_id}
    notes = _notes(old, new, renames, changes, calls, the_plan.changed_notes)
    chapters = tuple(_chapter(m, old, new, blocks, notes) for m, blocks in zip(ordered, changes))
    return BookDiff(old.label, new.label, old.subject, new.subject, new.book.title, chapters,
                    _meta(old.meta, new.meta))


def _reading_order(matches: tuple[Match, ...]) -> list[Match]:
    """New reading order; a removed chapter stands after the one it followed before."""
    present = sorted((m for m in matches if m.new_id), key=lambda m: m.new_position)
    for gone in sorted((m for m in matches if not m.new_id), key=lambda m: m.old_position):
        previous = [i for i, m in enumerate(present) if m.old_id and m.old_position < gone.old_position]
        present.insert(previous[-1] + 1 if previous else 0, gone)
    return present


def side(snapshot: Snapshot, tag: str, chapter_id: str) -> Side:
    """Blocks of one chapter at one revision, note calls named `[^id]`."""
    chapter = snapshot.parsed.get(chapter_id)
    notes = {n.number: n for n in chapter.notes} if chapter else {}
    index = [c.id for c in snapshot.book.chapters].index(chapter_id)

    def calls(number: int) -> tuple[str, dict]:
        note_id = notes[number].note_id if number in notes else f"#{number}"
        marker = f"<!--pressroom-diffcall:{tag}:{index}:{number}-->"
        return f"[^{note_id}]", {"t": "RawInline", "c": ["html", marker]}

    return Side(calls)


def _chapter_blocks(match: Match, old: Snapshot, new: Snapshot) -> list[BlockChange]:
    before = old.parsed.get(match.old_id) if match.old_id else None
    after = new.parsed.get(match.new_id) if match.new_id else None
    if before is None and after is None:
        return []
    if after is None:
        where = side(old, "a", match.old_id)
        return [deleted(b, where) for b in before.blocks]
    if before is None:
        where = side(new, "b", match.new_id)
        return [inserted(b, where) for b in after.blocks]
    return align(before.blocks, after.blocks, side(old, "a", match.old_id), side(new, "b", match.new_id))


def _call_ops(chapters: list[list[BlockChange]]) -> dict[str, set[str]]:
    """For each note id, how its calls fared: 'kept', 'moved' (with its sentence) or 'changed'."""
    fate: dict[str, set[str]] = {}
    for piece in (p for blocks in chapters for p in _pieces(blocks)):
        if piece.token.kind == CALL:
            note_id = piece.token.text[2:-1]
            state = "moved" if piece.move else "changed" if piece.op in (INS, DEL) else "kept"
            fate.setdefault(note_id, set()).add(state)
    return fate


def _notes(old: Snapshot, new: Snapshot, renames: dict[str, str], chapters: list[list[BlockChange]],
           calls: dict[str, set[str]], changed: frozenset[str]) -> list[NoteChange]:
    before, after = _note_table(old, "a"), _note_table(new, "b")
    found: list[NoteChange] = []
    for note_id in sorted(before.keys() | after.keys(), key=lambda k: _first_call(k, after, before)):
        a, b = before.get(note_id), after.get(note_id)
        if a and b:
            a = replace(a, chapter=renames.get(a.chapter, a.chapter))
            change = _kept_note(note_id, a, b, old, new, calls.get(note_id, set()), note_id in changed)
        else:
            change = _gained_or_lost(note_id, a, b)
        if change:
            found.append(change)
    return _renamed_notes(found)


@dataclass(frozen=True)
class _NoteSide:
    chapter: str
    label: int | None
    tokens: tuple[Token, ...]


def _note_table(snapshot: Snapshot, tag: str) -> dict[str, _NoteSide]:
    """Every note defined at a revision: its first call's chapter and label, and its tokens."""
    table: dict[str, _NoteSide] = {}
    for chapter in snapshot.book.chapters:
        parsed = snapshot.parsed.get(chapter.id)
        for note in parsed.notes if parsed else ():
            if note.note_id not in table:
                where = side(snapshot, tag, chapter.id)
                table[note.note_id] = _NoteSide(chapter.id, note.label, tuple(_note_tokens(note.blocks, where)))
        for ref in chapter.refs:
            table.setdefault(ref.id, _NoteSide(chapter.id, None, ()))
    for note_id, note in snapshot.book.notes.items():  # defined, never called
        table.setdefault(note_id, _NoteSide("", None, tuple(Token(w, (), True) for w in note.text.split())))
    return table


def _note_tokens(blocks: list, where: Side) -> list[Token]:
    tokens: list[Token] = []
    for index, block in enumerate(blocks):
        if index:
            tokens.append(pilcrow())
        tokens.extend(where.tokens(block) if block["t"] in ("Para", "Plain") else
                      flatten([{"t": "Str", "c": w} for w in json.dumps(block).split()]))
    return tokens


def _first_call(note_id: str, *tables: dict[str, _NoteSide]) -> tuple:
    for table in tables:
        if note_id in table:
            return (0, note_id) if table[note_id].chapter else (1, note_id)
    return (1, note_id)


def _kept_note(note_id: str, a: _NoteSide, b: _NoteSide, old: Snapshot, new: Snapshot, fate: set[str],
               changed: bool) -> NoteChange | None:
    fields = _field_changes(old.book.notes.get(note_id), new.book.notes.get(note_id))
    if changed or fields:
        if not a.tokens or not b.tokens:  # an edited note whose calling chapter was not parsed
            return NoteChange(note_id, CHANGED, b.chapter, a.label, b.label, (), fields)
        pieces = tuple(diff_prose(list(a.tokens), list(b.tokens)))
        return NoteChange(note_id, CHANGED, b.chapter or a.chapter, a.label, b.label, pieces, fields)
    if fate - {"kept"} or a.chapter != b.chapter:
        detail = "called from a moved passage" if fate == {"moved"} else "called from a different place"
        return NoteChange(note_id, REREFERENCED, b.chapter, a.label, b.label,
                          tuple(Piece(t) for t in b.tokens), detail=detail)
    return None


def _field_changes(a, b) -> tuple[str, ...]:
    if a is None or b is None:
        return ()
    return ("cite",) if a.cite != b.cite else ()


def _gained_or_lost(note_id: str, a: _NoteSide | None, b: _NoteSide | None) -> NoteChange:
    if b:
        return NoteChange(note_id, ADDED, b.chapter, None, b.label, tuple(Piece(t, INS) for t in b.tokens))
    return NoteChange(note_id, REMOVED, a.chapter, a.label, None, tuple(Piece(t, DEL) for t in a.tokens))


def _renamed_notes(notes: list[NoteChange]) -> list[NoteChange]:
    """A note removed under one id and added under another with the same text: renamed."""
    removed = {tuple(p.token.text for p in n.pieces): n for n in notes if n.status == REMOVED and n.pieces}
    out, gone = [], set()
    for note in notes:
        key = tuple(p.token.text for p in note.pieces)
        twin = removed.get(key) if note.status == ADDED and note.pieces else None
        if twin and twin.id not in gone:
            gone.add(twin.id)
            out.append(replace(note, status=RENAMED, was=twin.id, old_label=twin.old_label,
                               pieces=tuple(Piece(p.token) for p in note.pieces)))
        else:
            out.append(note)
    return [n for n in out if n.id not in gone or n.status != REMOVED]


def _chapter(match: Match, old: Snapshot, new: Snapshot, blocks: list[BlockChange],
             notes: list[NoteChange]) -> ChapterChange:
    a = old.chapter(match.old_id) if match.old_id else None
    b = new.chapter(match.new_id) if match.new_id else None
    here = match.new_id or match.old_id
    mine = tuple(n for n in notes if n.chapter == here)
    if a and b:
        quiet = all(c.kind == EQUAL for c in blocks) and not mine and not match.moved \
            and (a.id, a.shown, a.title) == (b.id, b.shown, b.title)
        status = UNCHANGED if quiet else CHANGED
    else:
        status = ADDED if b else REMOVED
    return ChapterChange(
        id=here, title=(b or a).title, old_title=a.title if a else "", status=status,
        old_id=match.old_id, new_id=match.new_id, old_path=a.shown if a else "", new_path=b.shown if b else "",
        old_position=match.old_position, new_position=match.new_position, moved=match.moved,
        blocks=tuple(blocks), notes=mine)


def _meta(old: dict, new: dict) -> tuple[MetaChange, ...]:
    """book.yaml compared key by key; the chapters list too (its order is the book's)."""
    keys = sorted(old.keys() | new.keys(), key=str)
    return tuple(MetaChange(str(k), _flow(old.get(k)) if k in old else None, _flow(new.get(k)) if k in new else None)
                 for k in keys if old.get(k) != new.get(k) or (k in old) != (k in new))


def _flow(value) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _pieces(blocks) -> list[Piece]:
    return [p for b in _all_blocks(blocks) for line in b.lines for p in line]


def _all_blocks(blocks):
    for block in blocks:
        yield block
        yield from _all_blocks(block.children)
