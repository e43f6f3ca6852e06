"""The comparison as HTML: each changed chapter's blocks with <ins>, <del> and move marks.

Everything is built as Pandoc AST (the chapters' own blocks, rebuilt around the marks) and
written by one pandoc run, split back at marker comments, as the editions do. Note calls stay
as markers that the report and the redline each fill with their own markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape

from markupsafe import Markup

from ..pandoc_ast import transform
from ..tools import pandoc
from .blocks import EQUAL, INSIDE, MERGED, SPLIT, BlockChange, rebuild
from .compare import BookDiff, ChapterChange, NoteChange
from .revision import Snapshot, gap_size
from .tokens import CALL, NOTE_MARKER, PARA, describe_style, nest, style_wrap
from .words import DEL, EQ, FMT, FROM, INS, Piece

SEGMENT = re.compile(r"<!--pressroom-diff:([^>]+)-->\n?")
CALL_MARKER = re.compile(r"<!--pressroom-diffcall:([ab]):(\d+):(\d+)-->")
CALLS_CHANGED_NOTE = "calls-changed-note"
CONTEXT = 1  # unchanged blocks shown on each side of a change; longer unchanged stretches fold


@dataclass(frozen=True)
class Shown:
    """One block of a changed chapter, as HTML (note calls still markers)."""

    html: Markup
    anchor: str  # "" for an unchanged block
    kind: str


@dataclass(frozen=True)
class Fold:
    """Unchanged blocks folded away (`hidden` of them were not even parsed: no HTML)."""

    items: tuple[Shown, ...]
    hidden: int = 0

    @property
    def label(self) -> str:
        count = len(self.items) + self.hidden
        return f"{count} unchanged block{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class ShownNote:
    """A changed note: its text redlined, and the sentence that calls it."""

    change: NoteChange
    anchor: str
    html: Markup
    context: Markup


@dataclass(frozen=True)
class ShownChapter:
    """A chapter of the redline."""

    change: ChapterChange
    anchor: str
    title: Markup
    items: tuple  # Shown and Fold, in reading order
    notes: tuple[ShownNote, ...]
    anchors: tuple[str, ...]  # every change in it, for the summary's links


@dataclass(frozen=True)
class CallInfo:
    """What a note call marker stands for."""

    note_id: str
    label: int
    html: Markup  # the note's text (redlined if it changed)
    changed: bool
    anchor: str  # the note's entry in the report ("" if unchanged)


@dataclass(frozen=True)
class Rendered:
    """The changed chapters as HTML, and what each note call in them refers to."""

    chapters: tuple[ShownChapter, ...]
    calls: dict  # (side, chapter index, number) → CallInfo

    def fill(self, html: str, render_call) -> Markup:
        """Swap each call marker for `render_call(side, CallInfo)`."""
        def swap(match: re.Match) -> str:
            info = self.calls.get((match.group(1), int(match.group(2)), int(match.group(3))))
            return render_call(match.group(1), info) if info else ""
        return Markup(CALL_MARKER.sub(swap, html))


def render_diff(diff: BookDiff, old: Snapshot, new: Snapshot) -> Rendered:
    """Every changed chapter and the notes its calls refer to, as HTML, from one pandoc run."""
    builder = _Builder(old, new)
    plans = [builder.chapter(c) for c in diff.changed_chapters]
    notes = {n.id: n for n in diff.notes}
    note_keys = builder.note_segments(notes)
    html = builder.write()
    chapters = tuple(_finish(plan, html) for plan in plans)
    calls = {}
    for key, (note_id, label, segment) in note_keys.items():
        change = notes.get(note_id)
        anchor = f"note-{note_id}" if change else ""
        calls[key] = CallInfo(note_id, label, Markup(html.get(segment, "")), bool(change), anchor)
    return Rendered(chapters, calls)


class _Builder:
    """Collects AST segments, then writes them all with one pandoc call."""

    def __init__(self, old: Snapshot, new: Snapshot):
        self.old, self.new = old, new
        self.blocks: list = []
        self.count = 0
        self.changes = 0
        self.index = {"a": [c.id for c in old.book.chapters], "b": [c.id for c in new.book.chapters]}

    def segment(self, blocks: list) -> str:
        self.count += 1
        key = str(self.count)
        self.blocks.append({"t": "RawBlock", "c": ["html", f"<!--pressroom-diff:{key}-->"]})
        self.blocks.extend(blocks)
        return key

    def write(self) -> dict[str, str]:
        if not self.blocks:
            return {}
        out = pandoc.write_html(pandoc.document(self.blocks), label="diff")
        pieces = SEGMENT.split(out)
        return {key: body.strip() for key, body in zip(pieces[1::2], pieces[2::2])}

    # ----- chapters

    def chapter(self, change: ChapterChange) -> dict:
        tag = "b" if change.new_id else "a"
        chapter_index = self.index[tag].index(change.new_id or change.old_id)
        items, anchors = [], []
        for block in change.blocks:
            anchor = ""
            if block.kind not in (EQUAL, INSIDE):
                self.changes += 1
                anchor = f"change-{self.changes}"
                anchors.append(anchor)
            gap = gap_size(block.new[0]) if block.kind == EQUAL else 0
            if gap:
                items.append((None, str(gap), "gap"))
                continue
            node = self.change_ast(block, anchor, "b" if change.new_id else "a", chapter_index, anchors)
            kind = _display_kind(block)
            if kind == EQUAL and self.calls_changed(block.new[0], change):
                kind = CALLS_CHANGED_NOTE  # shown, not folded: the changed note hangs on its call
            items.append((self.segment([node]), anchor, kind))
        notes = [(n, self.segment([_paragraph(n.pieces, self)]),
                  self.segment([{"t": "Plain", "c": _inlines(_context(change, n.id), self)}]))
                 for n in change.notes]
        return {"change": change, "items": items, "notes": notes, "anchors": anchors,
                "title": _title(change)}

    def calls_changed(self, block: dict, change: ChapterChange) -> bool:
        """Does this unchanged block call one of the chapter's changed notes?"""
        if not change.notes or not change.new_id:
            return False
        parsed = self.new.parsed.get(change.new_id)
        ids = {n.number: n.note_id for n in parsed.notes} if parsed else {}
        changed = {n.id for n in change.notes}
        return any(ids.get(int(m.group(1))) in changed for m in NOTE_MARKER.finditer(json.dumps(block)))

    def change_ast(self, change: BlockChange, anchor: str, tag: str, index: int, anchors: list) -> dict:
        block = change.block
        if change.kind == EQUAL:
            return self.retag(change.new[0], tag, index)
        if change.lines:
            nodes = [_text_block(node, line, self) for node, line in zip(_line_nodes(change), change.lines)]
        elif change.children:
            kids = []
            for child in change.children:
                child_anchor = ""
                if child.kind not in (EQUAL, INSIDE):
                    self.changes += 1
                    child_anchor = f"change-{self.changes}"
                    anchors.append(child_anchor)
                kids.append(self.change_ast(child, child_anchor, tag, index, anchors))
            nodes = [rebuild(block, kids)]
        else:
            nodes = [self.retag(block, "a" if change.kind == "deleted" else tag, index)]
        if change.kind == INSIDE:
            return nodes[0]
        return _marked(nodes, anchor, change, block["t"] == "Item")

    def retag(self, node: dict, tag: str, index: int) -> dict:
        """A block as it stands, its note calls turned into this side's call markers."""
        def swap(inline: dict):
            if inline["t"] == "RawInline" and NOTE_MARKER.fullmatch(inline["c"][1]):
                number = NOTE_MARKER.fullmatch(inline["c"][1]).group(1)
                return {"t": "RawInline", "c": ["html", f"<!--pressroom-diffcall:{tag}:{index}:{number}-->"]}
            if inline["t"] == "Header":
                return {**inline, "c": [inline["c"][0], ["", inline["c"][1][1], []], *inline["c"][2:]]}
            return None
        if node["t"] == "Item":
            return {"t": "Item", "c": transform(node["c"], swap)}
        return transform(node, swap)

    # ----- notes

    def note_segments(self, changed: dict[str, NoteChange]) -> dict:
        """A segment per note that any shown call refers to (found by scanning the blocks)."""
        found = {}
        # The markers are plain strings inside RawInline nodes: the AST's text holds them all.
        shown = {(m.group(1), int(m.group(2)), int(m.group(3))) for m in CALL_MARKER.finditer(json.dumps(self.blocks))}
        for tag, index, number in sorted(shown):
            snapshot = self.old if tag == "a" else self.new
            parsed = snapshot.parsed.get(self.index[tag][index])
            note = next((n for n in parsed.notes if n.number == number), None) if parsed else None
            if note is None:
                continue
            change = changed.get(note.note_id)
            if change and change.pieces:
                key = self.segment([_paragraph(change.pieces, self)])
            else:
                key = self.segment(list(note.blocks))
            found[(tag, index, number)] = (note.note_id, note.label, key)
        return found


def _finish(plan: dict, html: dict[str, str]) -> ShownChapter:
    shown = [Shown(Markup(html.get(key, "")) if key else Markup(""), anchor, kind)
             for key, anchor, kind in plan["items"]]
    change = plan["change"]
    notes = tuple(ShownNote(n, f"note-{n.id}", Markup(html.get(body, "")), Markup(html.get(ctx, "")))
                  for n, body, ctx in plan["notes"])
    return ShownChapter(change, f"chapter-{change.id}", plan["title"], tuple(fold(shown)), notes,
                        tuple(plan["anchors"]))


def fold(shown: list[Shown]) -> list:
    """Unchanged stretches longer than two blocks fold, keeping CONTEXT blocks around changes."""
    changed = [i for i, s in enumerate(shown) if s.kind not in (EQUAL, "gap", CALLS_CHANGED_NOTE)]
    keep = {j for i in changed for j in range(i - CONTEXT, i + CONTEXT + 1)}
    items: list = []
    run: list[Shown] = []

    def close() -> None:
        parsed = tuple(s for s in run if s.kind != "gap")
        hidden = sum(int(s.anchor) for s in run if s.kind == "gap")
        items.extend([Fold(parsed, hidden)] if len(run) > 1 or hidden else run)
        run.clear()

    for i, item in enumerate(shown):
        if item.kind != "gap" and (i in keep or item.kind != EQUAL or item.kind == CALLS_CHANGED_NOTE):
            close()
            items.append(item)
        else:
            run.append(item)
    close()
    return items


def _display_kind(block: BlockChange) -> str:
    pieces = [p for line in block.lines for p in line if p.token.kind != PARA]
    if pieces and all(p.move for p in pieces):
        return "moved-from" if pieces[0].role == FROM else "moved-to"
    return block.kind


def _line_nodes(change: BlockChange) -> tuple:
    if change.kind == SPLIT:
        return change.new
    if change.kind == "deleted":
        return change.old
    return change.new[:1]


def _marked(nodes: list, anchor: str, change: BlockChange, item: bool) -> dict:
    classes = ["change", change.kind]
    title = {SPLIT: "paragraph split", MERGED: "paragraphs merged"}.get(change.kind, change.note)
    attrs = [["title", title]] if title else []
    if item:
        content = [c for n in nodes for c in n["c"]]
        return {"t": "Item", "c": [{"t": "Div", "c": [[anchor, classes, attrs], content]}]}
    return {"t": "Div", "c": [[anchor, classes, attrs], nodes]}


def _text_block(node: dict, line: tuple, builder: _Builder) -> dict:
    inlines = _inlines(list(line), builder)
    if node["t"] == "Header":
        return {"t": "Header", "c": [node["c"][0], ["", node["c"][1][1], []], inlines]}
    return {"t": node["t"], "c": inlines}


def _paragraph(pieces: tuple[Piece, ...], builder: _Builder) -> dict:
    return {"t": "Para", "c": _inlines(list(pieces), builder)}


def _inlines(pieces: list[Piece], builder: _Builder) -> list:
    return nest([(_wrappers(p), p.token) for p in pieces], _wrap)


def _wrappers(piece: Piece) -> tuple:
    outer = (("move-" + piece.role, piece.move),) if piece.move else ()
    if piece.role == FROM:
        return outer + piece.token.style
    mark = {INS: (("ins",),), DEL: (("del",),), EQ: ()}.get(piece.op)
    if piece.op == FMT:
        mark = (("fmt", f"formatting changed: was {describe_style(piece.was)}"),)
    return outer + mark + piece.token.style


def _raw(html: str) -> dict:
    return {"t": "RawInline", "c": ["html", html]}


def _wrap(wrapper: tuple, inlines: list) -> list:
    kind = wrapper[0]
    if kind in ("ins", "del"):
        return [_raw(f"<{kind}>"), *inlines, _raw(f"</{kind}>")]
    if kind == "fmt":
        return [_raw(f'<span class="fmt" title="{escape(wrapper[1])}">'), *inlines, _raw("</span>")]
    if kind == "move-from":
        mid = wrapper[1]
        return [_raw(f'<del class="moved" id="{mid}-from" title="moved">'), *inlines, _raw("</del>"),
                _raw(f'<a class="move-link" href="#{mid}-to" title="moved: see where it went">→</a>')]
    if kind == "move-to":
        mid = wrapper[1]
        return [_raw(f'<a class="move-link" href="#{mid}-from" title="moved: see where it was">→</a>'),
                _raw(f'<span class="moved" id="{mid}-to">'), *inlines, _raw("</span>")]
    return style_wrap(wrapper, inlines)


def _context(change: ChapterChange, note_id: str) -> list[Piece]:
    """The sentence holding the note's call (the new call if there is one)."""
    lines = [list(line) for b in _walk(change.blocks) for line in b.lines]
    key = f"[^{note_id}]"
    spots = [(li, pi) for li, line in enumerate(lines) for pi, p in enumerate(line)
             if p.token.kind == CALL and p.token.text == key]
    if not spots:
        return []
    li, pi = next(((li, pi) for li, pi in spots if lines[li][pi].op != DEL), spots[0])
    line = lines[li]
    # A call after a full stop belongs to the sentence before it; otherwise to its own sentence.
    end = pi + 1
    if not (pi and line[pi - 1].token.ends_sentence):
        while end < len(line) and not line[end - 1].token.ends_sentence:
            end += 1
    start = pi - 1 if pi and line[pi - 1].token.ends_sentence else pi
    while start > 0 and not line[start - 1].token.ends_sentence:
        start -= 1
    return line[max(start, 0):end]


def _walk(blocks):
    for block in blocks:
        yield block
        yield from _walk(block.children)


def _title(change: ChapterChange) -> Markup:
    """The chapter title, with a retitling shown word by word."""
    if not change.retitled:
        return Markup(escape(change.title))
    a, b = change.old_title.split(), change.title.split()
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(escape(" ".join(b[j1:j2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
    return Markup(" ".join(out))

