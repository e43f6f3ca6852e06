"""`check`: the built editions read back as a reader's software sees them, rule by rule.

Each PDF is read page by page (characters with their size and place, images, fonts) and held
to the book's bars: notes on their call's page, nothing outside the text block, chapters
opening on a recto, contents numbers equal to the printed folios, every chapter's last
sentence present, every font embedded. The EPUB goes through EPUBCheck. Pure reading:
nothing is typeset or written. Geometry comes from the pages themselves (the text block is
where most body lines start and end), measured inside the TrimBox when a PDF has bleed.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple

from .editions import KINDS
from .messages import BuildError, Message, error, fail
from .model import Book, Edition
from .readback import ChapterExpectation, expectations, squeeze
from .resolve import ResolvedChapter

# The print conventions the rules rely on (styles/pdf.css): sizes in points.
CALL_MAX_SIZE = 8.0         # note calls are superscript digits set smaller than this
NOTE_SIZE = (8.0, 9.0)      # note bodies are 8.5 pt lines starting "N. "
HEADING_MIN_SIZE = 16.0     # chapter titles are set at 18 pt
EDGE_TOLERANCE = 1.0        # how far past the text block's edge a line may end (justification rounding)
SPACE_GAP = 0.15            # a gap wider than this many ems between two characters is a word space
MAX_DETAILS = 20            # failures listed per rule; the rest are counted
FIGURE_WIDTH = 20           # the report's figure column ("10/10  100 %", "0 errors, 0 warnings")
PDF_KINDS = tuple(k.name for k in KINDS.values() if k.format == "pdf")

NOTE_START = re.compile(r"(\d+)\.\s")
FOLIO = re.compile(r"\d+|[ivxlcdm]+", re.I)
CONTENTS_ENTRY = re.compile(r"(.+?)[\s.]+(\d+|[ivxlcdm]+)", re.I)


# ---------------------------------------------------------------------------------------------
# Reading pages: characters and images, in points from the trim's top-left corner.
# ---------------------------------------------------------------------------------------------

class Char(NamedTuple):  # a tuple, not a dataclass: a long book has a million of them
    """One printed character: its text, left and right edges, baseline (y grows downwards), size."""

    text: str
    x0: float
    x1: float
    baseline: float
    size: float


@dataclass(frozen=True)
class Line:
    """Characters sharing a baseline (raised note calls join the line they sit on), left to right."""

    chars: tuple[Char, ...]
    x0: float
    x1: float
    baseline: float
    size: float   # the largest character's
    text: str

    @classmethod
    def of(cls, chars: Iterable[Char], baseline: float | None = None) -> "Line":
        """A line from its characters; `baseline` defaults to the first character's."""
        ordered = tuple(sorted(chars, key=lambda c: c.x0))
        inked = [c for c in ordered if c.text != " "] or ordered  # a space's box may overhang the edge
        return cls(ordered, min(c.x0 for c in inked), max(c.x1 for c in inked),
                   ordered[0].baseline if baseline is None else baseline,
                   max(c.size for c in inked), spaced(ordered))

    def text_at(self, low: float, high: float = 1e9) -> str:
        """The line's text in sizes low..high only (e.g. without its note calls)."""
        return spaced([c for c in self.chars if low <= c.size <= high])


@dataclass(frozen=True)
class Box:
    """An image's place on the page, in trim coordinates."""

    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    """One page as read back: its number in the file (1-based), trim size, lines and images."""

    number: int
    width: float
    height: float
    lines: tuple[Line, ...]
    images: tuple[Box, ...]
    fonts: frozenset[str]      # the fonts its text is set in (PDF base font names)
    trim: tuple[float, float]  # the trim's top-left corner in the PDF's own coordinates

    @property
    def recto(self) -> bool:
        """Odd pages are rectos (right-hand pages) once the book is bound."""
        return self.number % 2 == 1


def spaced(chars: Iterable[Char]) -> str:
    """Join characters left to right: the spaces printed, and one wherever a gap is a word space."""
    out, previous = [], None
    for char in chars:
        if previous is not None and char.x0 - previous.x1 > char.size * SPACE_GAP:
            out.append(" ")
        out.append(char.text)
        previous = char
    return " ".join("".join(out).split())


def read_pages(path: Path) -> list[Page]:
    """Every page of the PDF at `path`, read with PDFium (the reader behind Chrome's viewer)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise fail("Q000", str(path), 0, 0, f"cannot be read as a PDF ({exc}): rebuild it with `make`") from None
    try:
        return [_read_page(document[index], index + 1) for index in range(len(document))]
    finally:
        document.close()


def _read_page(page, number: int) -> Page:
    left, bottom, right, top = _trim(page)
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage, left, top)
    finally:
        textpage.close()
    bounds, fonts = _objects(page)
    images = tuple(Box(x0 - left, x1 - left, top - y1, top - y0) for x0, y0, x1, y1 in bounds)
    page.close()
    return Page(number, right - left, top - bottom, _lines(chars), images, fonts, (left, top))


def _trim(page) -> tuple[float, float, float, float]:
    """The TrimBox (the cut page), else the ArtBox, else the CropBox: left, bottom, right, top."""
    import pypdfium2.raw as raw

    for getter in (raw.FPDFPage_GetTrimBox, raw.FPDFPage_GetArtBox):
        box = _box(page, getter)
        if box:
            return box
    return tuple(page.get_cropbox())


def _box(page, getter) -> tuple[float, float, float, float] | None:
    values = [ctypes.c_float() for _ in range(4)]
    if not getter(page.raw, *values):
        return None
    return tuple(v.value for v in values)


def _chars(textpage, left: float, top: float) -> list[Char]:
    """The printed characters, spaces included; the spaces and line ends PDFium infers are left out.

    A character's box is PDFium's loose box: from its origin by its advance width for most
    fonts, its ink for some (see `confirm_extents`)."""
    import pypdfium2.raw as raw

    handle = textpage.raw
    box, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    box_ref, matrix_ref, x_ref, y_ref = ctypes.byref(box), ctypes.byref(matrix), ctypes.byref(x), ctypes.byref(y)
    chars = []
    for index, text in enumerate(_page_text(textpage)):
        # PDFium infers only spaces and line ends: only those need asking whether they are printed.
        if text.isspace() and raw.FPDFText_IsGenerated(handle, index) == 1 or text in "\0\ufffe\uffff":
            continue
        raw.FPDFText_GetLooseCharBox(handle, index, box_ref)
        raw.FPDFText_GetCharOrigin(handle, index, x_ref, y_ref)
        raw.FPDFText_GetMatrix(handle, index, matrix_ref)
        # The size in the content stream times the scale the text is drawn at (0.75 in WeasyPrint's).
        scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        size = round(raw.FPDFText_GetFontSize(handle, index) * scale, 2)
        chars.append(Char(" " if text.isspace() else text, box.left - left, box.right - left, top - y.value, size))
    return chars


def _page_text(textpage) -> list[str]:
    """One string per character index: the page's text in one call, or (when a character
    outside the BMP makes the two counts differ) one call per character."""
    import pypdfium2.raw as raw

    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) == count:
        return list(text)
    return [chr(raw.FPDFText_GetUnicode(textpage.raw, index)) for index in range(count)]


def _objects(page) -> tuple[list[tuple[float, float, float, float]], frozenset[str]]:
    """Each image's bounds (left, bottom, right, top), and the fonts text objects use, forms included."""
    import pypdfium2.raw as raw

    bounds, fonts = [], set()
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_TEXT)):
        if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            bounds.append(obj.get_bounds())
        else:
            fonts.add(_font_name(raw.FPDFTextObj_GetFont(obj.raw)))
    return bounds, frozenset(fonts)


def _font_name(font) -> str:
    import pypdfium2.raw as raw

    buffer = ctypes.create_string_buffer(256)
    raw.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
    return buffer.value.decode("latin-1") or "(unnamed)"


def _lines(chars: list[Char]) -> tuple[Line, ...]:
    """Group characters by baseline, then seat raised note calls on the line below them."""
    rows: dict[float, list[Char]] = {}
    for char in chars:
        rows.setdefault(round(char.baseline * 2) / 2, []).append(char)
    lines = [Line.of(row) for _, row in sorted(rows.items()) if any(c.text != " " for c in row)]
    return tuple(_seat_raised(lines))


def _seat_raised(lines: list[Line]) -> list[Line]:
    seated: list[Line] = []
    raised: list[Line] = []
    for line in lines:
        (raised if line.size < CALL_MAX_SIZE else seated).append(line)
    for small in raised:
        host = next((line for line in seated if 0 < line.baseline - small.baseline <= line.size * 0.6
                     and line.x0 - 1 <= small.x0 <= line.x1 + 1), None)
        if host is None:
            seated.append(small)
        else:
            seated[seated.index(host)] = Line.of(host.chars + small.chars, host.baseline)
    return sorted(seated, key=lambda line: line.baseline)


# ---------------------------------------------------------------------------------------------
# The document's parts: body size, running heads, folios, note areas, chapters, contents.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageParts:
    """A page split into running head, body lines, note lines and folio (any may be missing)."""

    head: Line | None
    body: tuple[Line, ...]
    notes: tuple[Line, ...]
    folio: str | None


@dataclass(frozen=True)
class Layout:
    """The document read back: its pages, their parts, body text size and chapter openings."""

    pages: list[Page]
    parts: list[PageParts]
    body_size: float
    contents: tuple[int, ...]           # the pages the contents is printed on
    openings: tuple[int | None, ...]    # per chapter: the page its title opens, None if not found

    def chapter_pages(self, index: int) -> range:
        """The pages of chapter `index`: from its opening to the page before the next one."""
        start = self.openings[index]
        if start is None:
            return range(0)
        following = [p for p in self.openings[index + 1:] if p is not None]
        return range(start, (following[0] if following else len(self.pages) + 1))


def read_layout(pages: list[Page], chapters: list[ChapterExpectation]) -> Layout:
    """Find the parts of every page, the contents pages and each chapter's opening page."""
    size = body_size(pages)
    parts = [page_parts(page, size) for page in pages]
    contents = contents_pages(pages, parts)
    start = contents[-1] + 1 if contents else 1
    return Layout(pages, parts, size, contents, tuple(_openings([heading(p) for p in pages], chapters, start)))


def body_size(pages: list[Page]) -> float:
    """The size most characters are set in."""
    sizes = Counter(round(c.size, 1) for page in pages for line in page.lines for c in line.chars if c.text != " ")
    return sizes.most_common(1)[0][0] if sizes else 0.0


def page_parts(page: Page, size: float) -> PageParts:
    """Split a page: a first line set smaller than the text is the running head, a centred
    number at the foot the folio, and from the first "N. " note line down the notes."""
    lines = list(page.lines)
    folio = None
    if lines and _is_folio(lines[-1], page):
        folio = lines.pop().text
    head = None
    if len(lines) > 1 and lines[0].size < size - 0.5 and not _is_note_start(lines[0]):
        head = lines.pop(0)
    start = next((i for i, line in enumerate(lines) if _is_note_start(line)), len(lines))
    return PageParts(head, tuple(lines[:start]), tuple(lines[start:]), folio)


def _is_folio(line: Line, page: Page) -> bool:
    centre = (line.x0 + line.x1) / 2
    return bool(FOLIO.fullmatch(line.text)) and abs(centre - page.width / 2) < page.width * 0.1


def _is_note_start(line: Line) -> bool:
    sizes = [c.size for c in line.chars if c.size >= CALL_MAX_SIZE]
    return bool(sizes) and all(NOTE_SIZE[0] <= s <= NOTE_SIZE[1] for s in sizes) \
        and bool(NOTE_START.match(line.text))


def contents_pages(pages: list[Page], parts: list[PageParts]) -> tuple[int, ...]:
    """The page whose first line reads "Contents", and the pages its list runs on to."""
    first = next((p.number for p, part in zip(pages, parts) if part.body and part.body[0].text == "Contents"), None)
    if first is None:
        return ()
    numbers = [first]
    for part in parts[first:]:  # a page of entries (and their wrapped titles) goes on with it
        entries = [line for line in part.body if CONTENTS_ENTRY.fullmatch(line.text)]
        titled = any(line.size >= HEADING_MIN_SIZE for line in part.body)
        if titled or not entries or len(entries) * 2 < len(part.body):
            break
        numbers.append(numbers[-1] + 1)
    return tuple(numbers)


def heading(page: Page) -> str:
    """The page's large type (a chapter title, however many lines), one-letter drop caps aside."""
    return " ".join(line.text for line in page.lines
                    if min(c.size for c in line.chars) >= HEADING_MIN_SIZE and len(line.text) > 1)


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


# ---------------------------------------------------------------------------------------------
# The rules: each returns a RuleResult with its figure and the failures, naming pages.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """One failure: the pages it concerns (physical, 1-based) and a sentence saying what is wrong."""

    pages: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class RuleResult:
    """One rule on one file: how many items hold out of how many, and what does not."""

    key: str     # short tag, shown on flagged pages in the proof
    label: str
    passed: int
    total: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Every item holds."""
        return self.passed == self.total and not self.findings


def _result(key: str, label: str, total: int, findings: list[Finding], failed: int | None = None) -> RuleResult:
    failed = len(findings) if failed is None else failed
    return RuleResult(key, label, total - failed, total, tuple(findings))


def rule_notes(layout: Layout, chapters: list[ChapterExpectation]) -> RuleResult:
    """Rule 1: each note is printed on the page that holds its call (paired within its chapter)."""
    findings, total = [], 0
    for index, chapter in enumerate(chapters):
        calls, bodies = notes_in(layout, layout.chapter_pages(index))
        for number in chapter.notes:
            total += 1
            finding = _note_finding(chapter, number, calls.get(number, []), bodies.get(number, []))
            if finding:
                findings.append(finding)
    return _result("notes", "notes on their call's page", total, findings)


def notes_in(layout: Layout, pages: range) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Note number → pages of its calls, and → pages of a note starting with that number."""
    calls: dict[int, list[int]] = {}
    bodies: dict[int, list[int]] = {}
    for number in pages:
        parts = layout.parts[number - 1]
        for line in parts.body:
            for call in note_calls(line):
                calls.setdefault(call, []).append(number)
        for line in parts.notes:
            match = NOTE_START.match(line.text)
            if match and _is_note_start(line):
                bodies.setdefault(int(match.group(1)), []).append(number)
    return calls, bodies


def note_calls(line: Line) -> list[int]:
    """The call numbers on a line: runs of small digits set close together."""
    calls, run, previous = [], "", None
    for char in line.chars + (Char(" ", 1e9, 1e9, 0, 99),):
        is_digit = char.size < CALL_MAX_SIZE and char.text.isdigit()
        adjacent = previous is not None and char.x0 - previous.x1 < 1.0
        if run and not (is_digit and adjacent):
            calls.append(int(run))
            run = ""
        if is_digit:
            run += char.text
        previous = char
    return calls


def _note_finding(chapter: ChapterExpectation, number: int, calls: list[int], bodies: list[int]) -> Finding | None:
    where = f"note {number} in “{chapter.title}”"
    if set(calls) & set(bodies):  # a stray small digit elsewhere in the chapter is not its call
        return None
    if calls and bodies:
        return Finding((calls[0], bodies[0]), f"{where}: called on page {calls[0]}, printed on page {bodies[0]}")
    if calls:
        return Finding((calls[0],), f"{where}: called on page {calls[0]}, printed nowhere")
    if bodies:
        return Finding((bodies[0],), f"{where}: printed on page {bodies[0]}, its call is nowhere")
    return Finding((), f"{where}: neither its call nor the note is printed")


def rule_measure(layout: Layout, path: Path) -> RuleResult:
    """Rule 2: no character or image past the text block's edges (per page side, from the body lines)."""
    edges = {side: text_block(layout, side) for side in (True, False)}
    suspects = {page.number: _outside(page, *edges[page.recto], EDGE_TOLERANCE) for page in layout.pages}
    suspects = {number: found for number, found in suspects.items() if found}
    exact = confirm_extents(path, layout, suspects)
    findings, bad_pages = [], set()
    for number, found in sorted(suspects.items()):
        page = layout.pages[number - 1]
        for item, over, side in found:
            if isinstance(item, Line):
                over, side = _overhang(exact[number].get(_baselines(item), (item.x0, item.x1)), *edges[page.recto])
            if over > EDGE_TOLERANCE:
                bad_pages.add(number)
                what = f"“{_clip(item.text)}”" if isinstance(item, Line) else "an image"
                findings.append(Finding((number,), f"page {number}: {what} runs {over:.1f} pt past the "
                                        f"{side} edge of the text block"))
    return _result("measure", "pages with nothing outside the text block", len(layout.pages), findings,
                   failed=len(bad_pages))


def text_block(layout: Layout, recto: bool) -> tuple[float, float]:
    """Left and right edges of the text block on rectos (or versos): where most body lines
    start and end; the whole document's when that side has no body text."""
    lines = _body_lines(layout, recto) or _body_lines(layout, None)
    if not lines:
        return 0.0, layout.pages[0].width if layout.pages else 0.0
    return _dominant([line.x0 for line in lines]), _dominant([line.x1 for line in lines])


def _body_lines(layout: Layout, recto: bool | None) -> list[Line]:
    return [line for page, parts in zip(layout.pages, layout.parts) if recto is None or page.recto == recto
            for line in parts.body if all(abs(c.size - layout.body_size) < 0.3 for c in line.chars)]


def _dominant(values: list[float]) -> float:
    """The most common edge: the median of the values within a point of the commonest."""
    mode = Counter(round(v) for v in values).most_common(1)[0][0]
    near = sorted(v for v in values if abs(v - mode) <= 1.0)
    return near[len(near) // 2]


def _overhang(extent: tuple[float, float], left: float, right: float) -> tuple[float, str]:
    """How far past the text block something spanning `extent` runs, and on which side."""
    x0, x1 = extent
    return (x1 - right, "right") if x1 - right >= left - x0 else (left - x0, "left")


def _outside(page: Page, left: float, right: float, limit: float) -> list[tuple[Line | Box, float, str]]:
    found = []
    for item in (*page.lines, *page.images):
        over, side = _overhang((item.x0, item.x1), left, right)
        if over > limit:
            found.append((item, over, side))
    return found


def _baselines(line: Line) -> frozenset[float]:
    return frozenset(round(c.baseline * 2) / 2 for c in line.chars)


def confirm_extents(path: Path, layout: Layout,
                    pages: dict[int, list]) -> dict[int, dict[frozenset[float], tuple[float, float]]]:
    """Lines' extents by advance widths, for the few pages where PDFium sees a line past an edge.

    PDFium's character boxes never fall short of the advance widths the layout used, but some
    run long (a roman f by 0.9 pt, an italic f's ink by 2 pt), which is no overfull line.
    pdfplumber reads the advance widths, as the tests do; it is slow, so it reads only these pages.
    """
    import pdfplumber

    if not pages:
        return {}
    extents: dict[int, dict[frozenset[float], tuple[float, float]]] = {}
    with pdfplumber.open(path, pages=sorted(pages)) as pdf:
        for plumbed in pdf.pages:
            page = layout.pages[plumbed.page_number - 1]
            rows = _advance_rows(plumbed, page)
            extents[page.number] = {
                _baselines(line): _span(rows, _baselines(line)) for line in page.lines}
    return extents


def _advance_rows(plumbed, page: Page) -> dict[float, list[tuple[float, float]]]:
    """Baseline → the (x0, x1) advance boxes of its characters, in trim coordinates."""
    # pdfminer draws the page moved by the MediaBox's corner; undo that, then go to the trim.
    media_x, media_y = plumbed.page_obj.mediabox[:2]
    left, top = page.trim
    rows: dict[float, list[tuple[float, float]]] = {}
    for char in plumbed.chars:
        if char["text"].isspace():
            continue
        x0 = char["matrix"][4] + media_x - left
        baseline = top - (char["matrix"][5] + media_y)
        rows.setdefault(round(baseline * 2) / 2, []).append((x0, x0 + char["x1"] - char["x0"]))
    return rows


def _span(rows: dict[float, list[tuple[float, float]]], baselines: frozenset[float]) -> tuple[float, float]:
    boxes = [box for baseline in baselines for box in rows.get(baseline, [])]
    return (min(b[0] for b in boxes), max(b[1] for b in boxes)) if boxes else (1e9, -1e9)


def rule_openings(layout: Layout, chapters: list[ChapterExpectation]) -> RuleResult:
    """Rule 3: every chapter opens on a recto (an odd page)."""
    findings = []
    for chapter, page in zip(chapters, layout.openings):
        if page is None:
            findings.append(Finding((), f"“{chapter.title}”: no page opens with this title"))
        elif page % 2 == 0:
            findings.append(Finding((page,), f"“{chapter.title}” opens on page {page}, a verso"))
    return _result("opening", "chapters opening on a recto", len(chapters), findings)


def rule_contents(layout: Layout, chapters: list[ChapterExpectation]) -> RuleResult:
    """Rule 4: the contents lists every chapter with the folio printed on its opening page."""
    if not layout.contents:
        return _result("contents", "contents numbers matching the pages", len(chapters),
                       [Finding((), "no contents page (a page starting “Contents”)")], failed=len(chapters))
    listed = contents_entries(layout)
    findings = []
    for index, chapter in enumerate(chapters):
        finding = _contents_finding(layout, index, chapter, listed)
        if finding:
            findings.append(finding)
    return _result("contents", "contents numbers matching the pages", len(chapters), findings)


def contents_entries(layout: Layout) -> dict[str, tuple[str, int]]:
    """Squeezed title → (the number the contents gives, the contents page it is on)."""
    entries, pending = {}, ""
    for number in layout.contents:
        for line in layout.parts[number - 1].body:
            if line.text == "Contents" and not pending:
                continue
            match = CONTENTS_ENTRY.fullmatch(line.text)
            if match:  # a title that wraps ends, on its last line, with the number
                entries[squeeze(f"{pending} {match.group(1)}".rstrip(". "))] = (match.group(2), number)
                pending = ""
            else:
                pending = f"{pending} {line.text}"
    return entries


def _contents_finding(layout: Layout, index: int, chapter: ChapterExpectation,
                      listed: dict[str, tuple[str, int]]) -> Finding | None:
    entry = listed.get(squeeze(chapter.title.rstrip(". ")))
    if entry is None:
        return Finding(layout.contents[:1], f"“{chapter.title}” is not listed in the contents")
    given, contents_page = entry
    opening = layout.openings[index]
    if opening is None:
        return Finding((contents_page,), f"“{chapter.title}”: the contents says {given}, but no page opens "
                       "with this title")
    folio = opening_folio(layout, index)
    if given.casefold() == folio.casefold():
        return None
    return Finding((contents_page, opening), f"“{chapter.title}”: the contents says {given}, but it opens "
                   f"on page {opening} (folio {folio})")


def opening_folio(layout: Layout, index: int) -> str:
    """The folio of a chapter's opening page: printed there, else counted back from the next
    folio printed in the chapter, else the page's position in the file."""
    opening = layout.openings[index]
    printed = layout.parts[opening - 1].folio
    if printed:
        return printed
    for number in layout.chapter_pages(index)[1:]:
        folio = layout.parts[number - 1].folio
        if folio and folio.isdigit():
            return str(int(folio) - (number - opening))
    return str(opening)


def rule_endings(layout: Layout, chapters: list[ChapterExpectation]) -> RuleResult:
    """Rule 5: each chapter's last sentence is printed (WeasyPrint can truncate long documents)."""
    text = squeeze(" ".join(body_text(layout)))
    findings = []
    for index, chapter in enumerate(chapters):
        if chapter.last_sentence and squeeze(chapter.last_sentence) not in text:
            pages = layout.chapter_pages(index)
            findings.append(Finding(pages[-1:], f"“{chapter.title}”: its last sentence is missing: "
                                    f"“{_clip(chapter.last_sentence)}”"))
    return _result("ending", "chapters ending with their last sentence", len(chapters), findings)


def body_text(layout: Layout) -> list[str]:
    """The running text, page after page: no running heads, folios, notes or note calls."""
    return [line.text_at(CALL_MAX_SIZE) for parts in layout.parts for line in parts.body]


def rule_fonts(path: Path, pages: list[Page]) -> RuleResult:
    """Rule 6: every font in the file is embedded (failures name the pages set in it)."""
    fonts = font_embedding(path)
    findings = []
    for name, embedded in sorted(fonts.items()):
        if not embedded:
            used = [page.number for page in pages if name in page.fonts]
            where = f"page{'s' if len(used) > 1 else ''} {_page_list(used)}" if used else "no text set in it"
            findings.append(Finding(tuple(used), f"{name}: not embedded ({where})"))
    return _result("fonts", "fonts embedded", len(fonts), findings)


def font_embedding(path: Path) -> dict[str, bool]:
    """Font name → embedded?, for every font the pages' resources (and forms in them) declare."""
    from pypdf import PdfReader

    fonts: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        for font in _fonts(page.get("/Resources"), set()):
            name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
            fonts[name] = fonts.get(name, True) and is_embedded(font)
    return fonts


def _fonts(resources, seen: set) -> Iterable:
    """The font dictionaries of a resource dictionary and of the forms and patterns it uses.

    WeasyPrint draws each page through hundreds of forms sharing one font dictionary, so
    shared objects are visited once per page."""
    resources = _unseen(resources, seen)
    if not resources:
        return
    fonts = _unseen(resources.raw_get("/Font") if "/Font" in resources else None, seen)
    for font in (fonts or {}).values():
        yield font.get_object()
    for group in ("/XObject", "/Pattern"):
        for item in (resources.get(group) or {}).values():
            item = _unseen(item, seen)
            if item is not None and hasattr(item, "get") and "/Resources" in item:
                yield from _fonts(item.raw_get("/Resources"), seen)


def _unseen(value, seen: set):
    """`value` resolved, or None when it is an indirect object already visited."""
    from pypdf.generic import IndirectObject

    if isinstance(value, IndirectObject):
        if value.idnum in seen:
            return None
        seen.add(value.idnum)
    return value.get_object() if value is not None else None


def is_embedded(font) -> bool:
    """Type 3 fonts are drawn in the file; others need a font file in their descriptor."""
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:8]))
    return shown + (f" and {len(pages) - 8} more" if len(pages) > 8 else "")


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# Files: which outputs a book has, checking each, and the report.
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfReport:
    """The rules on one PDF."""

    path: Path
    pages: int
    rules: tuple[RuleResult, ...]
    folios: tuple[str | None, ...] = ()   # the folio printed on each page, if any

    @property
    def ok(self) -> bool:
        """Every rule holds on this PDF."""
        return all(rule.ok for rule in self.rules)

    def flagged(self) -> dict[int, list[tuple[RuleResult, Finding]]]:
        """Page → the failures that name it (for the proof)."""
        pages: dict[int, list[tuple[RuleResult, Finding]]] = {}
        for rule in self.rules:
            for finding in rule.findings:
                for number in dict.fromkeys(finding.pages):
                    pages.setdefault(number, []).append((rule, finding))
        return pages


@dataclass(frozen=True)
class EpubReport:
    """EPUBCheck's verdict on one EPUB."""

    path: Path
    errors: int
    warnings: int
    messages: tuple[str, ...]   # the errors and warnings, as EPUBCheck words them
    ran: bool = True            # False: EPUBCheck could not run (no Java…); `messages` says why

    @property
    def ok(self) -> bool:
        """EPUBCheck ran and found no error and no warning."""
        return self.ran and self.errors == 0 and self.warnings == 0

    @property
    def figure(self) -> str:
        """"0 errors, 0 warnings", or "did not run"."""
        if not self.ran:
            return "did not run"
        return f"{_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')}"


@dataclass(frozen=True)
class AceReport:
    """Ace by DAISY's verdict on one EPUB's accessibility."""

    path: Path
    violations: tuple[str, ...]
    ran: bool = True  # False: Ace could not run; `violations` says why

    @property
    def ok(self) -> bool:
        """Ace ran and found no violation."""
        return self.ran and not self.violations

    @property
    def figure(self) -> str:
        """"0 violations", or "did not run"."""
        return _plural(len(self.violations), "violation") if self.ran else "did not run"


@dataclass(frozen=True)
class ScanReport:
    """What could run, launch, carry a file or reach outside in one output (pressroom.scan)."""

    path: Path
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Nothing active, attached or outside-loading was found."""
        return not self.problems

    @property
    def figure(self) -> str:
        """"nothing found", or how many problems."""
        return _plural(len(self.problems), "problem") if self.problems else "nothing found"


@dataclass(frozen=True)
class CheckResults:
    """Everything `check` found, in the order the files are reported."""

    pdfs: tuple[PdfReport, ...]
    epubs: tuple[EpubReport, ...]
    aces: tuple[AceReport, ...] = ()
    scans: tuple[ScanReport, ...] = ()

    @property
    def ok(self) -> bool:
        """Every file passes."""
        return all(r.ok for r in (*self.pdfs, *self.epubs, *self.aces, *self.scans))


def check_pdf(path: Path, chapters: list[ChapterExpectation]) -> PdfReport:
    """All six rules on one PDF."""
    pages = read_pages(path)
    layout = read_layout(pages, chapters)
    rules = (rule_notes(layout, chapters), rule_measure(layout, path), rule_openings(layout, chapters),
             rule_contents(layout, chapters), rule_endings(layout, chapters), rule_fonts(path, pages))
    return PdfReport(path, len(pages), rules, tuple(part.folio for part in layout.parts))


def check_epub_file(path: Path) -> EpubReport:
    """EPUBCheck on one EPUB: 0 errors and 0 warnings is the bar."""
    from .tools.epubcheck import check_epub, counts

    try:
        messages = check_epub(path)
    except BuildError as exc:  # the PDFs' report still stands; this row says what is missing
        return EpubReport(path, 0, 0, tuple(str(m) for m in exc.messages), ran=False)
    tally = counts(messages)
    shown = tuple(str(m) for m in messages if m.severity in ("FATAL", "ERROR", "WARNING"))
    return EpubReport(path, tally["FATAL"] + tally["ERROR"], tally["WARNING"], shown)


def scan_output(edition: Edition, path: Path) -> ScanReport:
    """The safety scan of one built edition: scripts, launch actions, attachments, outside links."""
    from .editions.html import STATIC_FILES
    from .scan import scan_docx, scan_epub, scan_html, scan_pdf

    form = KINDS[edition.kind].format
    if form == "epub":
        return ScanReport(path, tuple(scan_epub(path)))
    if form == "html":
        scripts = {name for name in STATIC_FILES if name.endswith(".js")}
        return ScanReport(path, tuple(scan_html(path, allowed_scripts=scripts)))
    if form == "pdf":
        return ScanReport(path, tuple(scan_pdf(path)))
    if form == "docx":
        return ScanReport(path, tuple(scan_docx(path)))
    return ScanReport(path, (f"no safety scan reads {form} files: the {edition.name} edition was not scanned",))


def check_accessibility(path: Path) -> AceReport:
    """Ace by DAISY on one EPUB: no violation is the bar."""
    from .tools.ace import check_epub

    try:
        return AceReport(path, tuple(str(m) for m in check_epub(path)))
    except BuildError as exc:
        return AceReport(path, tuple(str(m) for m in exc.messages), ran=False)


Output = tuple[Edition, Path]


def outputs(book: Book, out: Path, kinds: Iterable[str]) -> tuple[list[Output], list[Output]]:
    """The files book.yaml's editions of these kinds are built into: (built, not built yet)."""
    from .editions import output_path

    expected = [(e, output_path(book, e, out)) for e in book.editions if e.kind in kinds]
    return [item for item in expected if item[1].exists()], [item for item in expected if not item[1].exists()]


def not_built(missing: list[Output]) -> list[Message]:
    """An error per edition a build left out."""
    return [error("Q000", shown_path(path), 0, 0, f"the {edition.name} edition is not built: run `make` "
                  "(or `python build.py build`) first") for edition, path in missing]


def check_outputs(files: list[Output], chapters: dict[str, list[ResolvedChapter]]) -> CheckResults:
    """Check every built PDF and, while they are read, every EPUB through EPUBCheck."""
    with ThreadPoolExecutor(max_workers=1) as pool:  # EPUBCheck's JVM and Ace run while the PDFs are read
        epubs = [path for e, path in files if KINDS[e.kind].format == "epub"]
        pending = [pool.submit(check_epub_file, path) for path in epubs]
        aces = [pool.submit(check_accessibility, path) for path in epubs]
        pdfs = tuple(check_pdf(path, expectations(chapters[e.name])) for e, path in files if e.kind in PDF_KINDS)
        scans = tuple(scan_output(e, path) for e, path in files)
        return CheckResults(pdfs, tuple(job.result() for job in pending), tuple(job.result() for job in aces),
                            scans)


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def report_lines(results: CheckResults) -> list[str]:
    """The table: a heading per file, a row per rule with its figure, failures under their row."""
    lines = []
    width = max([len(rule.label) for r in results.pdfs for rule in r.rules] + [len("EPUBCheck")]) + 2
    for report in results.pdfs:
        lines.append(f"{report.path.name}: {report.pages} pages")
        for rule in report.rules:
            lines.append(f"  {rule.label:<{width}}{_figure(rule)}")
            lines.extend(_details([f.text for f in rule.findings]))
    aces = {ace.path: ace for ace in results.aces}
    for epub in results.epubs:
        lines.append(f"{epub.path.name}:")
        lines.append(f"  {'EPUBCheck':<{width}}{epub.figure:>{FIGURE_WIDTH}}  {'ok' if epub.ok else 'FAILED'}")
        lines.extend(_details(list(epub.messages)))
        ace = aces.get(epub.path)
        if ace:
            lines.append(f"  {'Ace by DAISY':<{width}}{ace.figure:>{FIGURE_WIDTH}}  {'ok' if ace.ok else 'FAILED'}")
            lines.extend(_details(list(ace.violations)))
    if results.scans:
        lines.append("safety scan (scripts, actions, attachments, outside links):")
        for scan in results.scans:
            lines.append(f"  {scan.path.name:<{width}}{scan.figure:>{FIGURE_WIDTH}}  {'ok' if scan.ok else 'FAILED'}")
            lines.extend(_details(list(scan.problems)))
    return lines


def _figure(rule: RuleResult) -> str:
    count = f"{rule.passed}/{rule.total}"
    # Rounded down: 999 of 1000 is 99 %, never a 100 % that fails.
    percent = f"{100 * rule.passed // rule.total} %" if rule.total else "–"
    return f"{f'{count}  {percent:>5}':>{FIGURE_WIDTH}}  {'ok' if rule.ok else 'FAILED'}"


def _details(texts: list[str]) -> list[str]:
    shown = [f"      {text}" for text in texts[:MAX_DETAILS]]
    if len(texts) > MAX_DETAILS:
        shown.append(f"      … and {len(texts) - MAX_DETAILS} more")
    return shown


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary(results: CheckResults, seconds: float) -> str:
    """One closing line: every rule holds, or how many fail."""
    rules = ([r.ok for report in results.pdfs for r in report.rules] + [e.ok for e in results.epubs]
             + [a.ok for a in results.aces] + [s.ok for s in results.scans])
    files = [_plural(len(results.pdfs), "PDF") + f" ({sum(r.pages for r in results.pdfs)} pages)"]
    if results.epubs:
        files.append(_plural(len(results.epubs), "EPUB"))
    verdict = "every rule holds" if all(rules) else f"{rules.count(False)} of {len(rules)} rules fail"
    return f"check: {verdict} for {' and '.join(files)} ({seconds:.1f} s)"


def failure_messages(results: CheckResults) -> list[Message]:
    """One error per failing rule, for the exit status and the summary on stderr."""
    messages = []
    for report in results.pdfs:
        for number, rule in enumerate(report.rules, start=1):
            if not rule.ok:
                messages.append(error(f"Q00{number}", shown_path(report.path), 0, 0,
                                      f"{rule.label}: {rule.passed}/{rule.total}"))
    for epub in results.epubs:
        if not epub.ok:
            messages.append(error("Q007", shown_path(epub.path), 0, 0, f"EPUBCheck: {epub.figure}"))
    for ace in results.aces:
        if not ace.ok:
            messages.append(error("Q008", shown_path(ace.path), 0, 0, f"Ace by DAISY: {ace.figure}"))
    for scan in results.scans:
        if not scan.ok:
            messages.append(error("Q009", shown_path(scan.path), 0, 0, f"safety scan: {scan.figure}"))
    return messages
