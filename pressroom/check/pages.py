"""A PDF read back page by page as a reader's software sees it: characters with their size and
place, lines, images and fonts, in points from the trim's top-left corner (inside the TrimBox
when the PDF has bleed). Read with PDFium, the reader behind Chrome's viewer.
"""

from __future__ import annotations

import ctypes
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, NamedTuple

from ..messages import fail
from ..model import Design

SPACE_GAP = 0.15            # a gap wider than this many ems between two characters is a word space


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


def read_pages(path: Path, design: Design) -> list[Page]:
    """Every page of the PDF at `path`; type smaller than the design's note calls is seated on
    the line it is raised from."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise fail("Q000", str(path), 0, 0, f"cannot be read as a PDF ({exc}): rebuild it with `make`") from None
    try:
        pages = [_read_page(document[index], index + 1) for index in range(len(document))]
    finally:
        document.close()
    limit = design.call_limit(text_size(pages))
    return [replace(page, lines=_seat_raised(list(page.lines), limit)) for page in pages]


def text_size(pages: list[Page]) -> float:
    """The size most characters are set in: the running text's."""
    sizes = Counter(round(c.size, 1) for page in pages for line in page.lines for c in line.chars if c.text != " ")
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _read_page(page, number: int) -> Page:
    """One page, its lines by baseline alone (note calls not yet seated)."""
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
    """Characters grouped by baseline, top to bottom."""
    rows: dict[float, list[Char]] = {}
    for char in chars:
        rows.setdefault(round(char.baseline * 2) / 2, []).append(char)
    return tuple(Line.of(row) for _, row in sorted(rows.items()) if any(c.text != " " for c in row))


def _seat_raised(lines: list[Line], limit: float) -> tuple[Line, ...]:
    """Lines set smaller than `limit` (note calls) joined to the line they are raised from."""
    seated: list[Line] = []
    raised: list[Line] = []
    for line in lines:
        (raised if line.size < limit else seated).append(line)
    for small in raised:
        host = next((line for line in seated if 0 < line.baseline - small.baseline <= line.size * 0.6
                     and line.x0 - 1 <= small.x0 <= line.x1 + 1), None)
        if host is None:
            seated.append(small)
        else:
            seated[seated.index(host)] = Line.of(host.chars + small.chars, host.baseline)
    return tuple(sorted(seated, key=lambda line: line.baseline))
