"""build/diff/redline.docx: the redline as Word tracked changes, to accept or reject one by one.

The same comparison as redline.pdf, written as Pandoc AST where each inserted run is a Span of
class `insertion` and each deleted run one of class `deletion`, with the author and date of the
newer revision's commit; pandoc's docx writer turns them into `w:ins` and `w:del`. Notes are
Word footnotes, a changed note's words marked the same way. A moved passage is a deletion where
it was and an insertion where it went; a change of formatting alone shows the new formatting
(pandoc has no form for Word's formatting changes). Unchanged stretches the comparison did not
read stand as one paragraph in the style "Redline Fold", saying how many paragraphs they hold:
accepting every change gives the changed passages' new text, rejecting every change their old.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..editions.docx import reference_docx, styled
from ..pandoc_ast import transform
from ..tools import pandoc
from .blocks import EQUAL, BlockChange, rebuild
from .compare import BookDiff, ChapterChange
from .markup import _line_nodes
from .revision import Snapshot, gap_size
from .tokens import NOTE_MARKER, flatten, nest, style_wrap
from .words import DEL, FROM, INS, TO, Piece, diff_tokens

CALL = re.compile(r"<!--pressroom-diffcall:([ab]):(\d+):(\d+)-->")


def write_redline_docx(diff: BookDiff, old: Snapshot, new: Snapshot, target: Path, author: str, date: str) -> int:
    """Write the tracked-changes DOCX to `target`; return how many changes it marks."""
    writer = _Writer(old, new, author, date)
    blocks = []
    for change in diff.changed_chapters:
        blocks += writer.chapter(change)
    meta = pandoc.metadata({"title": f"{diff.title}: changes {diff.old_label} → {diff.new_label}",
                            "lang": new.book.language})
    target.write_bytes(unique_change_ids(pandoc.write_docx(pandoc.document(blocks, meta),
                                                           reference=reference_docx(new.book),
                                                           resources=new.book.root, label="redline.docx")))
    return writer.marks


CHANGE_ID = re.compile(rb'(<w:(?:ins|del) w:id=")(\d+)(")')


def unique_change_ids(data: bytes) -> bytes:
    """The DOCX with every tracked change numbered apart: pandoc gives a deletion and the insertion
    after it the same w:id, which LibreOffice takes but the standard forbids (Word may ask to repair)."""
    import io
    import zipfile

    counter = iter(range(1_000_000, 10_000_000))  # above pandoc's own ids (bookmarks, comments)
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with source, zipfile.ZipFile(out, "w") as package:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in ("word/document.xml", "word/footnotes.xml"):
                content = CHANGE_ID.sub(lambda m: m.group(1) + str(next(counter)).encode() + m.group(3), content)
            package.writestr(info, content, compress_type=info.compress_type)
    return out.getvalue()


class _Writer:
    """Turns each changed chapter into blocks with insertion and deletion spans."""

    def __init__(self, old: Snapshot, new: Snapshot, author: str, date: str):
        self.sides = {"a": old, "b": new}
        self.attrs = [["author", author], ["date", date]]
        self.marks = 0
        self.changed_notes: dict = {}

    def chapter(self, change: ChapterChange) -> list:
        self.changed_notes = {n.id: n for n in change.notes}
        self.tag = "b" if change.new_id else "a"
        self.chapter_id = change.new_id or change.old_id
        self.old_id = change.old_id
        title = {"t": "Header", "c": [1, ["", [], []], [{"t": "Str", "c": change.title}]]}
        return [title, *[b for block in change.blocks for b in self.block(block)]]

    def block(self, change: BlockChange) -> list:
        if change.kind == EQUAL:
            gap = gap_size(change.new[0])
            if gap:
                words = f"[{gap} unchanged paragraph{'s' if gap != 1 else ''}]"
                return [styled("Redline Fold", [{"t": "Para", "c": [{"t": "Str", "c": words}]}])]
            return [self.calls(change.new[0], self.tag)]
        if change.lines:
            return [self.text_block(node, line) for node, line in zip(_line_nodes(change), change.lines)]
        if change.children:
            kids = [b for child in change.children for b in self.block(child)]
            return [rebuild(change.block, kids)]
        whole = "deletion" if change.kind == "deleted" else "insertion"
        return [self.calls(self.whole(change.block, whole), "a" if whole == "deletion" else self.tag)]

    def text_block(self, node: dict, line: tuple) -> dict:
        inlines = self.inlines(list(line))
        if node["t"] == "Header":
            return {"t": "Header", "c": [node["c"][0], ["", [], []], inlines]}
        return {"t": node["t"], "c": inlines}

    def inlines(self, pieces: list[Piece]) -> list:
        items = [(self.wrappers(p), p.token) for p in pieces]
        return transform(_spaces_inside(nest(items, self.wrap)), lambda n: self.note(n, self.tag))

    def wrappers(self, piece: Piece) -> tuple:
        deleted = piece.op == DEL or piece.role == FROM
        inserted = piece.op == INS or piece.role == TO
        mark = (("deletion",),) if deleted else (("insertion",),) if inserted else ()
        return mark + piece.token.style

    def wrap(self, wrapper: tuple, inlines: list) -> list:
        if wrapper[0] in ("insertion", "deletion"):
            self.marks += 1
            return [{"t": "Span", "c": [["", [wrapper[0]], self.attrs], inlines]}]
        return style_wrap(wrapper, inlines)

    def whole(self, block: dict, kind: str) -> dict:
        """A block only one revision has: each paragraph's words in one insertion or deletion."""
        def mark(node: dict):
            if node["t"] in ("Para", "Plain"):
                self.marks += 1
                return {"t": node["t"], "c": [{"t": "Span", "c": [["", [kind], self.attrs], node["c"]]}]}
            return None
        return transform(block, mark)

    def calls(self, block: dict, tag: str) -> dict:
        return transform(block, lambda n: self.note(n, tag))

    def note(self, node: dict, tag: str):
        """A note call marker as a Word footnote: the note's text, redlined if it changed."""
        if node["t"] != "RawInline" or node["c"][0] != "html":
            return None
        call = CALL.fullmatch(node["c"][1])
        plain = NOTE_MARKER.fullmatch(node["c"][1])
        if not (call or plain):
            return None
        side = self.sides[call.group(1) if call else tag]
        chapter_id = side.book.chapters[int(call.group(2))].id if call else self.chapter_id
        number = int(call.group(3) if call else plain.group(1))
        parsed = side.parsed.get(chapter_id)
        found = next((n for n in parsed.notes if n.number == number), None) if parsed else None
        if found is None:
            return []
        change = self.changed_notes.get(found.note_id)
        pieces = list(change.pieces) if change is not None else self.inline_note_change(found, side)
        if pieces:
            body = [{"t": "Para", "c": self.inlines(pieces)}]
        else:
            body = self.calls(list(found.blocks), tag)
        return {"t": "Note", "c": body}

    def inline_note_change(self, note, side: Snapshot) -> list[Piece]:
        """A note defined in its chapter whose words changed (compare.py reports notes.yaml's):
        its one paragraph diffed word by word against the older revision's."""
        if side is not self.sides["b"] or not self.old_id or len(note.blocks) != 1:
            return []
        parsed = self.sides["a"].parsed.get(self.old_id)
        old = next((n for n in parsed.notes if n.note_id == note.note_id), None) if parsed else None
        if old is None or len(old.blocks) != 1 or old.blocks == note.blocks:
            return []
        if {old.blocks[0]["t"], note.blocks[0]["t"]} - {"Para", "Plain"}:
            return []
        return diff_tokens(flatten(old.blocks[0]["c"]), flatten(note.blocks[0]["c"]))


def _spaces_inside(inlines: list) -> list:
    """The space before a change goes into it: accepting or rejecting then leaves one space, not
    two, and none before the full stop that followed a deleted last word."""
    out: list = []
    for node in inlines:
        marked = node["t"] == "Span" and {"insertion", "deletion"} & set(node["c"][0][1])
        if marked and out and out[-1]["t"] == "Space":
            out.pop()
            node = {"t": "Span", "c": [node["c"][0], [{"t": "Space"}, *node["c"][1]]]}
        out.append(node)
    return out
