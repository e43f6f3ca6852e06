"""`diff --pages`: the print impact. The reader's PDF is built at both revisions and read back;
pages are aligned by their words, not their numbers, so an early insertion marks the pages it
touches as changed and every later page as only moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ..context import BuildContext
from ..editions import pdf
from ..editions.pdf import page_geometry
from ..messages import BuildError, Report
from ..tools.pdftext import PageText, read_pages, render_png
from .parallel import both
from .revision import Snapshot, _located

GAP = 3  # changes fewer than this many words apart are one change
MAX_IMAGES = 20
MARGINS = re.compile(r"margin: ([\d.]+)in [\d.]+in ([\d.]+)in")
CHANGED, REFLOWED, SHIFTED, SAME, BLANK = "changed", "reflowed", "moved", "same", "blank"


@dataclass(frozen=True)
class PageChange:
    """One change as printed: its page before and after, and the words."""

    old_page: int
    new_page: int
    removed: str
    added: str


@dataclass(frozen=True)
class PageFate:
    """A page of the new PDF: changed in content, only moved (same text, or reflowed), or same."""

    page: int
    status: str
    old_pages: tuple[int, ...]  # the old pages its text came from
    folio: str


@dataclass(frozen=True)
class Opening:
    """A chapter opening's page at both revisions."""

    title: str
    old_page: int
    new_page: int


@dataclass(frozen=True)
class PageReport:
    """Pagination drift between the two reader's PDFs."""

    old_count: int
    new_count: int
    changes: tuple[PageChange, ...]
    pages: tuple[PageFate, ...]
    openings: tuple[Opening, ...]
    old_pdf: Path
    new_pdf: Path

    def pages_with(self, status: str) -> list[int]:
        return [p.page for p in self.pages if p.status == status]

    def lines(self) -> list[str]:
        """The page report for stdout."""
        drift = self.new_count - self.old_count
        out = [f"pages: {self.old_count} → {self.new_count} ({drift:+d})"]
        for change in self.changes:
            out.append(f"  change: p. {change.old_page} → p. {change.new_page}: {_words(change)}")
        out.append(f"  changed in content: {_ranges(self.pages_with(CHANGED)) or 'none'}")
        moved = self.pages_with(REFLOWED) + self.pages_with(SHIFTED)
        out.append(f"  only moved: {_ranges(sorted(moved)) or 'none'}"
                   + (f" (reflowed: {_ranges(self.pages_with(REFLOWED))})" if self.pages_with(REFLOWED) else ""))
        for opening in self.openings:
            if opening.old_page != opening.new_page:
                out.append(f"  chapter opening moved: {opening.title!r} p. {opening.old_page} → p. {opening.new_page}")
        return out

    def write_images(self, folder: Path) -> dict:
        """Changed pages, before and after, as PNGs under folder/pages/; the report's context."""
        (folder / "pages").mkdir(exist_ok=True)
        pairs = []
        for fate in [p for p in self.pages if p.status == CHANGED][:MAX_IMAGES]:
            old = fate.old_pages[0] if fate.old_pages else 0
            new_name = f"pages/new-{fate.page:04d}.png"
            render_png(self.new_pdf, fate.page, folder / new_name)
            old_name = ""
            if old:
                old_name = f"pages/old-{old:04d}.png"
                render_png(self.old_pdf, old, folder / old_name)
            pairs.append({"old": old, "new": fate.page, "old_image": old_name, "new_image": new_name})
        return {"report": self, "lines": self.lines(), "pairs": pairs,
                "more": max(0, len(self.pages_with(CHANGED)) - MAX_IMAGES)}


def _words(change: PageChange) -> str:
    parts = ([f"−“{change.removed}”"] if change.removed else []) + ([f"+“{change.added}”"] if change.added else [])
    return " ".join(parts)


def _ranges(pages: list[int]) -> str:
    out, start = [], None
    for i, page in enumerate(pages):
        if start is None:
            start = page
        if i + 1 == len(pages) or pages[i + 1] != page + 1:
            out.append(f"{start}" if start == page else f"{start}–{page}")
            start = None
    return ", ".join(out)


def compare_pages(old: Snapshot, new: Snapshot, workdir: Path, progress) -> PageReport:
    """Build both reader's PDFs (side by side) and align their pages by content."""
    workdir.mkdir(parents=True, exist_ok=True)
    old_pdf, new_pdf = workdir / "old.pdf", workdir / "new.pdf"
    both((_build, old, old_pdf), (_build, new, new_pdf))
    progress("diff: reading both PDFs back and aligning their pages")
    before = read_pages(old_pdf, *_margins(old), old.book.design)
    after = read_pages(new_pdf, *_margins(new), new.book.design)
    return align_pages(before, after, old_pdf, new_pdf)


def _build(snapshot: Snapshot, target: Path) -> int:
    """The reader's PDF at one revision, exactly as `build.py build pdf` makes it."""
    book = snapshot.book
    edition = book.edition("pdf")
    try:
        return pdf.write(BuildContext(book, Report(), single_flow=True), edition, target).pages
    except BuildError as exc:
        raise _located(exc, snapshot.where, book.root) from None


def _margins(snapshot: Snapshot) -> tuple[float, float]:
    """Top and bottom margins of the reader's PDF, in points: where running heads and folios sit."""
    match = MARGINS.search(page_geometry(snapshot.book.edition("pdf"), snapshot.book.design))
    return (float(match.group(1)) * 72, float(match.group(2)) * 72) if match else (0.0, 0.0)


def align_pages(before: list[PageText], after: list[PageText], old_pdf: Path, new_pdf: Path) -> PageReport:
    """Match the two PDFs word by word, the text and the notes each as one stream (a note always
    prints on its call's page, so the two streams' pages agree), then say what became of each page."""
    streams = [_Stream(_stream(before), _stream(after)),
               _Stream(_notes(before), _notes(after))]
    changes = tuple(sorted((c for s in streams for c in s.changes()), key=lambda c: (c.new_page, c.old_page)))
    fates = tuple(_fate(page, streams, before) for page in after)
    return PageReport(len(before), len(after), changes, fates, _openings(before, after), old_pdf, new_pdf)


class _Stream:
    """One stream of words (text or notes) at both revisions, aligned."""

    def __init__(self, old: tuple[list[str], list[int]], new: tuple[list[str], list[int]]):
        (self.old_words, self.old_page), (self.new_words, self.new_page) = old, new
        self.opcodes = _merged(SequenceMatcher(None, self.old_words, self.new_words).get_opcodes())

    def changes(self) -> list[PageChange]:
        return [_change(op, self.old_words, self.new_words, self.old_page, self.new_page)
                for op in self.opcodes if op[0] != "equal"]

    def on(self, page: int) -> tuple[int, int]:
        span = [k for k, p in enumerate(self.new_page) if p == page]
        return (span[0], span[-1] + 1) if span else (0, 0)

    def count(self, page: int, old: bool = True) -> int:
        return sum(1 for p in (self.old_page if old else self.new_page) if p == page)

    def follow(self, start: int, end: int) -> tuple[list[int], bool]:
        """Old pages of the words [start, end) of the new side, and whether an edit touches them."""
        mapped, touched = [], False
        for tag, i1, i2, j1, j2 in self.opcodes:
            if tag == "equal":
                mapped += [self.old_page[i1 + (k - j1)] for k in range(max(start, j1), min(end, j2))]
            elif (j1 < end and j2 > start) or (j1 == j2 and start < j1 < end):
                touched = True
        return mapped, touched


def _stream(pages: list[PageText]) -> tuple[list[str], list[int]]:
    """The text's words in reading order with their page; a word hyphenated across a page turn
    is joined on the page where it starts."""
    texts = [list(page.words) for page in pages]
    for index, page in enumerate(pages[:-1]):
        following = next((t for t in texts[index + 1:] if t), None)
        if page.hyphen_end and texts[index] and following:
            texts[index][-1] += following.pop(0)
    words, where = [], []
    for page, text in zip(pages, texts):
        words.extend(text)
        where.extend([page.number] * len(text))
    return words, where


def _notes(pages: list[PageText]) -> tuple[list[str], list[int]]:
    words, where = [], []
    for page in pages:
        words.extend(page.notes)
        where.extend([page.number] * len(page.notes))
    return words, where


def _merged(opcodes: list[tuple]) -> list[tuple]:
    """Changes a few words apart are one change (a reworded clause, not three edits)."""
    out: list[list] = []
    for op in opcodes:
        tag, _, i2, _, j2 = op
        if out and tag != "equal" and len(out) >= 2 and out[-2][0] != "equal" and out[-1][0] == "equal" \
                and out[-1][2] - out[-1][1] < GAP:
            out.pop()
            out[-1] = ["replace", out[-1][1], i2, out[-1][3], j2]
        else:
            out.append(list(op))
    return [tuple(op) for op in out]


def _page_at(where: list[int], index: int) -> int:
    if not where:
        return 0
    return where[min(max(index, 0), len(where) - 1)]


def _change(op: tuple, old_words, new_words, old_page, new_page) -> PageChange:
    _, i1, i2, j1, j2 = op
    return PageChange(_page_at(old_page, i1 if i2 > i1 else i1 - 1), _page_at(new_page, j1 if j2 > j1 else j1 - 1),
                      " ".join(old_words[i1:i2])[:80], " ".join(new_words[j1:j2])[:80])


def _fate(page: PageText, streams: list[_Stream], before: list[PageText]) -> PageFate:
    mapped, touched, size = [], False, 0
    for stream in streams:
        start, end = stream.on(page.number)
        pages, hit = stream.follow(start, end)
        mapped += pages
        touched = touched or hit
        size += end - start
    if not size:
        return PageFate(page.number, BLANK, (), page.folio)
    old_pages = tuple(sorted(set(mapped)))
    if touched:
        return PageFate(page.number, CHANGED, old_pages, page.folio)
    if len(old_pages) == 1 and len(mapped) == size == sum(s.count(old_pages[0]) for s in streams):
        return PageFate(page.number, SAME if old_pages[0] == page.number else SHIFTED, old_pages, page.folio)
    return PageFate(page.number, REFLOWED, old_pages, page.folio)


def _openings(before: list[PageText], after: list[PageText]) -> tuple[Opening, ...]:
    first_old = {}
    for page in before:
        if page.heading:
            first_old.setdefault(page.heading, page.number)
    seen = set()
    out = []
    for page in after:
        if page.heading and page.heading in first_old and page.heading not in seen:
            seen.add(page.heading)
            out.append(Opening(page.heading, first_old[page.heading], page.number))
    return tuple(out)
