"""A PDF's pages split into their parts by the book's page design (styles/design.yaml): running
head, body, notes and folio on each page; the contents pages; the page each chapter opens on.

Every size and place comes from `book.design`, none is written here: a designer who sets notes
at 10 pt, moves the folio to the top or calls the contents "Table of Contents" changes what
`check` looks for with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Design
from ..readback import ChapterExpectation, squeeze
from .pages import Char, Line, Page, spaced, text_size

# A note prints its number, a full stop, a space: "3. "; or the number alone on its first line,
# when the note opens with a quotation or a list (Varieties' notes 43, 143, 152).
NOTE_START = re.compile(r"(\d+)\.(?:\s|$)")
NUMBER_ALONE = re.compile(r"\d+\.")
FOLIO = re.compile(r"\d+|[ivxlcdm]+", re.I)
CONTENTS_ENTRY = re.compile(r"(.+?)[\s.]+(\d+|[ivxlcdm]+)", re.I)
WORD_GAP = 0.5   # a gap wider than this many ems parts a folio from a running head on one line
EDGE = 1.5       # points: how far apart two notes' first lines may start and still both be at the left edge


@dataclass(frozen=True)
class PageParts:
    """A page split into running head, body lines, note lines and folio (any may be missing)."""

    head: Line | None
    body: tuple[Line, ...]
    notes: tuple[Line, ...]
    folio: str | None


@dataclass(frozen=True)
class Layout:
    """The document read back: its pages, their parts, text size and chapter openings."""

    pages: list[Page]
    parts: list[PageParts]
    body_size: float
    design: Design
    contents: tuple[int, ...]           # the pages the contents is printed on
    openings: tuple[int | None, ...]    # per chapter: the page its title opens, None if not found

    @property
    def call_limit(self) -> float:
        """Type smaller than this is a note call's (or set inside one)."""
        return self.design.call_limit(self.body_size)

    def chapter_pages(self, index: int) -> range:
        """The pages of chapter `index`: from its opening to the page before the next one."""
        start = self.openings[index]
        if start is None:
            return range(0)
        following = [p for p in self.openings[index + 1:] if p is not None]
        return range(start, (following[0] if following else len(self.pages) + 1))


def read_layout(pages: list[Page], chapters: list[ChapterExpectation], design: Design) -> Layout:
    """Find the parts of every page, the contents pages and each chapter's opening page."""
    size = text_size(pages)
    parts = [page_parts(page, design) for page in pages]
    contents = contents_pages(pages, parts, design)
    start = contents[-1] + 1 if contents else 1
    headings = [heading(page, design) for page in pages]
    return Layout(pages, parts, size, design, contents, tuple(_openings(headings, chapters, start)))


def page_parts(page: Page, design: Design) -> PageParts:
    """Split a page: the folio where the design puts it, a first line at the running heads' size
    the running head, and from the first note's number down the notes."""
    lines = list(page.lines)
    folio, head = None, None
    if design.folio.startswith("top") and lines:
        split = _top_folio(lines[0], page, design)
        if split:
            folio, beside = split
            head = Line.of(beside, lines.pop(0).baseline) if beside else None
    elif lines and _is_folio(lines[-1], page, design):
        folio = lines.pop().text
    if head is None and len(lines) > 1 and _is_head(lines[0], design) and not NOTE_START.match(lines[0].text):
        head = lines.pop(0)
    starts = note_starts(lines, design)
    first = lines.index(starts[0]) if starts else len(lines)
    return PageParts(head, tuple(lines[:first]), tuple(lines[first:]), folio)


def _is_head(line: Line, design: Design) -> bool:
    return all(design.is_head_size(c.size) for c in line.chars if c.text != " ")


def _is_folio(line: Line, page: Page, design: Design) -> bool:
    """A number at the foot, at the folios' size: centred, or on the page's outer side."""
    if not FOLIO.fullmatch(line.text) or not _is_head(line, design):
        return False
    return _on_its_side((line.x0 + line.x1) / 2, page, design)


def _on_its_side(centre: float, page: Page, design: Design) -> bool:
    if design.folio.endswith("center"):
        return abs(centre - page.width / 2) < page.width * 0.1
    return (centre > page.width / 2) == page.recto  # outside: right on a recto, left on a verso


def _top_folio(line: Line, page: Page, design: Design) -> tuple[str, list[Char]] | None:
    """The folio at the outer end of a page's first line (a running head may share the line):
    its text and the characters beside it; None when the line holds no folio."""
    words = _words(line.chars)
    outer = words[-1] if page.recto else words[0]
    text = spaced(outer)
    if not (FOLIO.fullmatch(text) and all(design.is_head_size(c.size) for c in outer)
            and _on_its_side((outer[0].x0 + outer[-1].x1) / 2, page, design)):
        return None
    return text, [c for word in words if word is not outer for c in word]


def _words(chars: tuple[Char, ...]) -> list[list[Char]]:
    """Characters parted into words at spaces and at gaps wider than half an em."""
    words: list[list[Char]] = [[]]
    for char in chars:
        if char.text == " " or (words[-1] and char.x0 - words[-1][-1].x1 > char.size * WORD_GAP):
            words.append([])
        if char.text != " ":
            words[-1].append(char)
    return [word for word in words if word]


def note_starts(lines: list[Line] | tuple[Line, ...], design: Design) -> list[Line]:
    """The lines a note starts on: its number and a full stop at the notes' size, at the left edge
    of the notes (a numbered list inside a note is indented)."""
    numbered = [line for line in lines if _numbered(line, design)]
    if not numbered:
        return []
    edge = min(line.x0 for line in numbered)
    starts = [line for line in numbered if line.x0 <= edge + EDGE]
    # A number alone on its line opens a note that starts with a quotation, or ends a line of a
    # note ("pp. 61–" / "70."): only the first is in sequence with the notes around it.
    kept: list[Line] = []
    for index, line in enumerate(starts):
        if not NUMBER_ALONE.fullmatch(line.text.strip()):
            kept.append(line)
            continue
        number = note_label(line)
        following = next((note_label(l) for l in starts[index + 1:] if not NUMBER_ALONE.fullmatch(l.text.strip())),
                         None)
        if (note_label(kept[-1]) + 1 == number) if kept else following in (None, number + 1):
            kept.append(line)
    return kept


def _numbered(line: Line, design: Design) -> bool:
    match = NOTE_START.match(line.text)
    if not match:
        return False
    label = [c for c in line.chars if c.text != " "][:len(match.group(1)) + 1]
    return all(design.is_note_size(c.size) for c in label)


def note_label(line: Line) -> int:
    """The number a note's first line starts with."""
    return int(NOTE_START.match(line.text).group(1))


def contents_pages(pages: list[Page], parts: list[PageParts], design: Design) -> tuple[int, ...]:
    """The page whose first line is the design's contents title, and the pages its list runs on to."""
    first = next((p.number for p, part in zip(pages, parts)
                  if part.body and same_text(part.body[0].text, design.contents_title)), None)
    if first is None:
        return ()
    numbers = [first]
    for part in parts[first:]:  # a page of entries (and their wrapped titles) goes on with it
        entries = [line for line in part.body if CONTENTS_ENTRY.fullmatch(line.text)]
        titled = any(_is_title(line, design) for line in part.body)
        if titled or not entries or len(entries) * 2 < len(part.body):
            break
        numbers.append(numbers[-1] + 1)
    return tuple(numbers)


def heading(page: Page, design: Design) -> str:
    """The page's type at the chapter titles' size (a title, however many lines), drop caps aside."""
    return " ".join(line.text for line in page.lines if _is_title(line, design) and len(line.text) > 1)


def _is_title(line: Line, design: Design) -> bool:
    return all(design.is_title_size(c.size) for c in line.chars if c.text != " ")


def same_text(a: str, b: str) -> bool:
    """Equal once spacing, hyphenation, ligatures and case are set aside."""
    return squeeze(a) == squeeze(b)


def _openings(headings: list[str], chapters: list[ChapterExpectation], start: int) -> list[int | None]:
    """In reading order: the first page after the previous opening whose large type is the title."""
    openings, cursor = [], start
    for chapter in chapters:
        found = next((number for number, text in enumerate(headings[cursor - 1:], start=cursor)
                      if same_text(text, chapter.title)), None)
        openings.append(found)
        cursor = found + 1 if found else cursor
    return openings
