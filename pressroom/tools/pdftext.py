"""PDFium (pypdfium2), the only place it is run: a built PDF read back as a reader sees it.

Words per page (running heads, folios and note-call numbers set apart), and pages rendered
to PNG, for `build.py diff --pages`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CALL_RATIO = 0.75  # note calls are set at 65 % of the text size
NOTE_RATIO = 0.87  # notes are 8.5 pt under 10.5 pt text
HEADING_RATIO = 1.5
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


def read_pages(path: Path, head: float, foot: float) -> list[PageText]:
    """Each page's words; `head` and `foot` are the top and bottom margins in points."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        pages = [_chars(document[i]) for i in range(len(document))]
    finally:
        document.close()
    body = _body_size(pages)
    return [_page(n, chars, height, head, foot, body) for n, (chars, height) in enumerate(pages, start=1)]


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


def _chars(page) -> tuple[list[tuple[str, float, float]], float]:
    from pypdfium2 import raw

    text = page.get_textpage()
    chars = []
    for k in range(text.count_chars()):
        char = chr(raw.FPDFText_GetUnicode(text.raw, k))
        _, bottom, _, top = text.get_charbox(k)
        chars.append((char, raw.FPDFText_GetFontSize(text.raw, k), (bottom + top) / 2))
    return chars, page.get_size()[1]


def _body_size(pages) -> float:
    sizes = Counter(round(size, 1) for chars, _ in pages for char, size, _ in chars if char.strip())
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _page(number: int, chars, height: float, head: float, foot: float, body: float) -> PageText:
    text, notes, folio, heading = _Words(), _Words(), [], []
    for char, size, middle in chars:
        if middle > height - head or middle < foot:  # running head or folio
            folio.append(char) if middle < foot else None
            continue
        if size >= body * HEADING_RATIO:
            heading.append(char)
        if size < body * CALL_RATIO and char.isdigit():  # a note call's number
            continue
        (notes if size <= body * NOTE_RATIO and char.strip() or (notes.word and char.isspace()) else text).add(char)
    hyphen_end = text.word.endswith(HYPHENS) and len(text.word) > 1
    text.flush()
    notes.flush()
    kept = [w for w in notes.words if not (w[:-1].isdigit() and w.endswith("."))]  # the notes' numbers
    return PageText(number, tuple(normal(w) for w in text.words), "".join(folio).strip(), " ".join("".join(heading).split()),
                    tuple(normal(w) for w in kept), hyphen_end)


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
