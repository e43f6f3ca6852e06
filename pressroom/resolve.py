"""Whole-book passes before any edition is written: the book's structure (matter, parts, chapter
numbers), links, note numbers, figure and table numbers, headings, callouts."""

from __future__ import annotations

from dataclasses import dataclass

from .captions import Captioned, number_captions, table_captions
from .links import resolve_links
from .messages import BuildError
from .model import Chapter, Pos
from .pandoc_ast import Kinds, pruned, transform, walk
from .parse import ParsedChapter
from .xref import settle_book


@dataclass(frozen=True)
class ResolvedNote:
    """A note: its number in the book (ids, links), the number printed, and its content blocks."""

    number: int
    label: int  # restarts in each chapter unless book.yaml says `note-numbering: book`
    note_id: str
    chapter_id: str
    blocks: list
    call: Pos | None = None  # where the chapter calls it


@dataclass(frozen=True)
class Part:
    """A part of the book: its anchor, its number as printed ("II") and its title."""

    id: str
    number: str
    title: str


@dataclass(frozen=True)
class ResolvedChapter:
    """A chapter ready for the writers: its place in the book, headings under its title, notes numbered."""

    id: str
    title: str
    shown: str  # the chapter file, as messages print it
    number: int  # its position in the book, 1-based
    blocks: list  # each Note inline replaced by a NoteCall placeholder (see note_marker)
    notes: tuple[ResolvedNote, ...]
    captions: tuple[Captioned, ...] = ()  # its figures and tables, numbered
    role: str = "chapter"  # model.ROLES
    matter: str = "body"  # front | body | back
    ordinal: str | None = None  # "3" for a chapter, "A" for an appendix, None for the rest
    running_head: str = ""  # the short title, or the title cut to fit
    subtitle: str | None = None
    part: Part | None = None  # the part it belongs to
    opens_part: bool = False
    lang: str | None = None  # its language, where it is not the book's

    @property
    def label(self) -> str | None:
        """"Chapter 3", "Appendix A", or None."""
        if self.ordinal is None:
            return None
        return f"{'Appendix' if self.role == 'appendix' else 'Chapter'} {self.ordinal}"

    @property
    def anchor(self) -> str:
        return f"chapter-{self.id}"


def note_marker(number: int) -> dict:
    """Where note `number` is called: an HTML comment that each edition swaps for its own markup."""
    return {"t": "RawInline", "c": ["html", f"<!--pressroom-note:{number}-->"]}


ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
RUNNING_HEAD_MAX = 60
EPIGRAPH_CLASS = "epigraph"  # parse.py adds a chapter's epigraph at its end, in a Div of this class


def roman(number: int) -> str:
    """1 → I, 14 → XIV."""
    out = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def structure(chapters: list[Chapter]) -> list[dict]:
    """Each chapter's place: its matter, ordinal ("3", "A"), part, running head and subtitle."""
    places, part, parts, chapter_count, appendix_count = [], None, 0, 0, 0
    for chapter in chapters:
        ordinal = None
        if chapter.role == "chapter":
            chapter_count += 1
            ordinal = str(chapter_count)
        elif chapter.role == "appendix":
            ordinal = _letters(appendix_count)
            appendix_count += 1
        if chapter.part:
            parts += 1
            part = Part(f"part-{parts}", roman(parts), chapter.part)
        elif chapter.matter != "body":
            part = None  # back matter stands outside the last part
        places.append({"role": chapter.role, "matter": chapter.matter, "ordinal": ordinal,
                       "running_head": chapter.short_title or _shortened(chapter.title),
                       "subtitle": chapter.subtitle, "part": part if chapter.matter == "body" else None,
                       "opens_part": bool(chapter.part), "lang": chapter.lang})
    return places


def _letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _shortened(title: str) -> str:
    """A title cut at a word to fit a running head, with an ellipsis (load.py warns about it)."""
    if len(title) <= RUNNING_HEAD_MAX:
        return title
    return title[:RUNNING_HEAD_MAX].rsplit(" ", 1)[0].rstrip(",;:.–—") + "…"


def _epigraph_first(blocks: list) -> list:
    """The chapter's epigraph, added at its end by parse.py, moved to its opening."""
    found = [b for b in blocks if b["t"] == "Div" and b["c"][0][1] == [EPIGRAPH_CLASS]]
    return found + [b for b in blocks if not any(b is f for f in found)]


def _with_table_captions(blocks: list, kinds: Kinds | None = None) -> list:
    """"Table: …" paragraphs made captions, in every list of blocks (a table in a callout too)."""

    def inner(node: dict):
        if node["t"] in ("Div", "BlockQuote"):
            content = node["c"][1] if node["t"] == "Div" else node["c"]
            captioned = table_captions(content)
            if len(captioned) == len(content):
                return None  # no caption taken: the node stays the one Kinds knows
            return {**node, "c": [node["c"][0], captioned] if node["t"] == "Div" else captioned}
        return None

    return table_captions(transform(blocks, inner, pruned(kinds, "Table")))


def heading_levels(blocks: list, kinds: Kinds | None = None) -> dict[int, int]:
    """The chapter title is the only h1: the chapter's own headings, whatever level it starts at
    (`#` or `##`), become h2, h3, ... with no level skipped (screen readers and Ace expect that)."""
    used: set[int] = set()

    def collect(node: dict, _pos: str) -> None:
        if node["t"] == "Header":
            used.add(node["c"][0])

    walk(blocks, collect, prune=pruned(kinds, "Header"))
    return {level: min(rank + 2, 6) for rank, level in enumerate(sorted(used))}


# Callouts: `::: note` fenced divs, GitHub's `> [!NOTE]` alerts (which pandoc reads as a div
# with a title) and its older `> **Note**` quotations. Each gets a title line, so its kind is read, not only seen.
ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "info": "Information",
               "warning": "Warning", "caution": "Caution", "danger": "Danger", "attention": "Attention",
               "error": "Error", "seealso": "See also", "example": "Example", "question": "Question",
               "abstract": "Summary", "summary": "Summary", "quote": "Quotation", "success": "Success",
               "failure": "Failure", "bug": "Bug", "todo": "To do"}


# GitHub's first callout form, `> **Note** text` (before `> [!NOTE]`), still in many books.
BOLD_CALLOUTS = ("note", "tip", "important", "warning", "caution")


def bold_callout(node: dict) -> dict | None:
    """`> **Note** …` as the Div a `::: note` makes (its bold word dropped); other nodes: None."""
    if node["t"] != "BlockQuote" or not node["c"] or node["c"][0]["t"] not in ("Para", "Plain"):
        return None
    first, *rest = node["c"]
    inlines = first["c"]
    if not inlines or inlines[0]["t"] != "Strong" or len(inlines[0]["c"]) != 1 \
            or inlines[0]["c"][0]["t"] != "Str" or inlines[0]["c"][0]["c"].lower() not in BOLD_CALLOUTS:
        return None
    after = inlines[1:]
    if after and after[0]["t"] not in ("Space", "SoftBreak", "LineBreak"):
        return None  # "**Note**d" or "**Note**:" is emphasis in a quotation, not a callout
    after = after[1:]
    blocks = ([{"t": first["t"], "c": after}] if after else []) + rest
    return {"t": "Div", "c": [["", [inlines[0]["c"][0]["c"].lower()], []], blocks]}


def admonition(node: dict) -> dict | None:
    """A callout Div as `admonition <kind>` with an `admonition-title` first; other nodes: None."""
    node = bold_callout(node) or node
    if node["t"] != "Div":
        return None
    (element_id, classes, keys), blocks = node["c"]
    kind = next((c for c in classes if c in ADMONITIONS), None)
    if kind is None or "admonition" in classes:
        return None
    first = blocks[0] if blocks else None
    if first is not None and first["t"] == "Div" and "title" in first["c"][0][1]:
        title, blocks = first["c"][1], blocks[1:]  # an alert's own title
    else:
        title = [{"t": "Plain", "c": [{"t": "Str", "c": ADMONITIONS[kind]}]}]
    heading = {"t": "Div", "c": [["", ["admonition-title"], []], title]}
    return {"t": "Div", "c": [[element_id, ["admonition", *classes], keys], [heading, *blocks]]}


def resolve(parsed: list[ParsedChapter], numbering: str = "chapter",
            caption_numbering: str = "chapter", language: str = "en") -> list[ResolvedChapter]:
    """Settle the book's structure and links, number notes in reading order (printed per chapter or
    per book), number figures and tables, set headings under the chapter title, give callouts titles."""
    # The types each block holds, found once: most passes then skip most paragraphs.
    kinds = Kinds(*(p.blocks for p in parsed))
    blocks, problems = resolve_links([p.chapter for p in parsed], [_with_table_captions(p.blocks, kinds) for p in parsed],
                                     kinds)
    if problems:
        raise BuildError(problems)
    places = structure([p.chapter for p in parsed])
    chapters, next_number, counters = [], 1, {}
    note_pass = pruned(kinds, "Note", "Header", "Div", "BlockQuote")  # what number_note changes
    for index, (item, chapter_blocks, place) in enumerate(zip(parsed, blocks, places), start=1):
        if caption_numbering == "chapter":
            counters = {}
        per_chapter = caption_numbering == "chapter" and place["ordinal"]
        chapter_blocks, captions = number_captions(_epigraph_first(chapter_blocks), item.chapter.id, counters,
                                                   f"{place['ordinal']}." if per_chapter else "", kinds)
        notes: list[ResolvedNote] = []
        levels = heading_levels(chapter_blocks, kinds)

        def number_note(node: dict, chapter=item.chapter) -> dict | None:
            if node["t"] == "Note":
                # parse.py marked each call with the note it names and its place in the source.
                note_id, line, col = node.get("note") or (f"#{len(notes) + 1}", 0, 0)
                number = next_number + len(notes)
                label = len(notes) + 1 if numbering == "chapter" else number
                notes.append(ResolvedNote(number, label, note_id, chapter.id, node["c"],
                                          Pos(chapter.shown, line, col) if line else None))
                return note_marker(notes[-1].number)
            if node["t"] == "Header":
                return {**node, "c": [levels[node["c"][0]], *node["c"][1:]]}
            return admonition(node)

        chapters.append(ResolvedChapter(item.chapter.id, item.chapter.title, item.chapter.shown, index,
                                        transform(chapter_blocks, number_note, note_pass), tuple(notes), tuple(captions),
                                        **place))
        next_number += len(notes)
    # Numbering notes rebuilt every paragraph calling one: known again, the last passes skip them.
    kinds.add(*(c.blocks for c in chapters), *(n.blocks for c in chapters for n in c.notes))
    # Cross-references and the index (xref.py, index.py), once every number is known.
    chapters, problems = settle_book(chapters, language, kinds)
    if problems:
        raise BuildError(problems)
    return chapters
