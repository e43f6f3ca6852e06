"""PDFium (pypdfium2), the only place it is run: a built PDF read back as a reader sees it.

Words per page (running heads, folios and note-call numbers set apart), and pages rendered
to PNG, for `build.py diff --pages`.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Design

# Note calls, notes, chapter titles and where the folio sits are the book's page design's
# (styles/design.yaml, `Design`): sizes in points, as the page prints them.
FOLIO = re.compile(r"\d+|[ivxlcdm]+")
WORD_GAP = 2.0  # points between two characters of a margin that part two words
BREAKS = {"\r", "\n"}
HYPHENS = ("-", "‐", "\u00ad")


@dataclass(frozen=True)
class PageText:
    """One page: its words in reading order (text block only), its folio, its large type."""

    number: int
    words: tuple[str, ...]  # the text, then the notes at its foot
    folio: str
    heading: str
    notes: tuple[str, ...] = ()
    hyphen_end: bool = False  # the text's last word is cut by a hyphen and goes on overleaf


def read_pages(path: Path, head: float, foot: float, design: "Design") -> list[PageText]:
    """Each page's words; `head` and `foot` are the top and bottom margins in points, `design`
    the book's page design (which sizes are calls, notes and titles; where the folio is)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        pages = [_chars(document[i]) for i in range(len(document))]
    finally:
        document.close()
    body = _body_size(pages)
    return [_page(n, chars, height, head, foot, body, design) for n, (chars, height) in enumerate(pages, start=1)]


def page_texts(path: Path, pages: list[int]) -> dict[int, str]:
    """The whole text of the given pages (0-based), as PDFium reads it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return {i: document[i].get_textpage().get_text_range() for i in pages if 0 <= i < len(document)}
    finally:
        document.close()


def render_png(path: Path, page: int, target: Path, scale: float = 1.25) -> None:
    """Page `page` (1-based) of the PDF as a PNG image."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        image = document[page - 1].render(scale=scale).to_pil()
        image.save(target, format="PNG")
    finally:
        document.close()


def _chars(page) -> tuple[list[tuple[str, float, float, float, float]], tuple[float, float]]:
    from pypdfium2 import raw

    text = page.get_textpage()
    matrix = raw.FS_MATRIX()
    chars = []
    for k in range(text.count_chars()):
        char = chr(raw.FPDFText_GetUnicode(text.raw, k))
        left, bottom, right, top = text.get_charbox(k)
        raw.FPDFText_GetMatrix(text.raw, k, ctypes.byref(matrix))
        # The size in the content stream times the scale the text is drawn at: points on the page.
        scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        size = round(raw.FPDFText_GetFontSize(text.raw, k) * scale, 2)
        chars.append((char, size, (bottom + top) / 2, left, right))
    return chars, page.get_size()


def _body_size(pages) -> float:
    sizes = Counter(round(size, 1) for chars, _ in pages for char, size, *_ in chars if char.strip())
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _page(number: int, chars, size_wh: tuple[float, float], head: float, foot: float, body: float,
          design: "Design") -> PageText:
    width, height = size_wh
    text, notes, heading = _Words(), _Words(), []
    margin = {"top": [], "bottom": []}
    limit = design.call_limit(body)
    for char, size, middle, left, right in chars:
        if middle > height - head or middle < foot:  # running head or folio
            margin["bottom" if middle < foot else "top"].append((char, left, right))
            continue
        if design.is_title_size(size):
            heading.append(char)
        if size < limit and char.isdigit():  # a note call's number
            continue
        in_note = design.is_note_size(size) or size < limit  # a note's text, or the small code inside one
        (notes if in_note and char.strip() or (notes.word and char.isspace()) else text).add(char)
    folio = _folio(margin[design.folio.split("-")[0]], width, number % 2 == 1, design.folio)
    hyphen_end = text.word.endswith(HYPHENS) and len(text.word) > 1
    text.flush()
    notes.flush()
    kept = [w for w in notes.words if not (w[:-1].isdigit() and w.endswith("."))]  # the notes' numbers
    return PageText(number, tuple(normal(w) for w in text.words), folio, " ".join("".join(heading).split()),
                    tuple(normal(w) for w in kept), hyphen_end)


def _folio(chars: list[tuple[str, float, float]], width: float, recto: bool, place: str) -> str:
    """The folio among a margin's characters: all of them at the foot's centre; at the outer end
    of the line (beside the running head, maybe) when the design puts it outside."""
    if place.endswith("center"):
        return "".join(c for c, _, _ in chars).strip()
    words: list[list[tuple[str, float, float]]] = []
    for char in sorted((c for c in chars if c[0].strip()), key=lambda c: c[1]):
        if not words or char[1] - words[-1][-1][2] > WORD_GAP:
            words.append([])
        words[-1].append(char)
    if not words:
        return ""
    outer = words[-1] if recto else words[0]
    text = "".join(c for c, _, _ in outer)
    centre = (outer[0][1] + outer[-1][2]) / 2
    return text if FOLIO.fullmatch(text) and (centre > width / 2) == recto else ""


class _Words:
    """Characters into words; a word cut by a hyphen at a line end is joined again."""

    def __init__(self):
        self.words: list[str] = []
        self.word = ""
        self.broken = False

    def add(self, char: str) -> None:
        if char in BREAKS or char.isspace():
            self.broken = self.broken or char in BREAKS
            if self.word and not (self.broken and self.word.endswith(HYPHENS) and len(self.word) > 1):
                self.flush()
            return
        self.word += char
        self.broken = False

    def flush(self) -> None:
        if self.word:
            self.words.append(self.word)
        self.word, self.broken = "", False


def normal(word: str) -> str:
    """A word as compared across layouts: ligatures undone, hyphens (real, soft or added at a
    line end) dropped, so that 'Sino-Korean' and 'Sino-' + 'Korean' are the same word."""
    word = unicodedata.normalize("NFKC", word)
    return "".join(ch for ch in word if ch not in "-‐\u00ad\u200b")
