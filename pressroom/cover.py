"""The EPUB's cover: the manuscript's own (images/cover.jpg or .png), else one set from book.yaml.

The generated cover is a 1600 × 2400 PNG, the shape stores ask for: the title, subtitle and
authors in the book's face (Linux Libertine, bundled under styles/fonts), each character the
book face lacks in its script's fallback (pressroom/fonts.py), drawn with Pillow.
The same book.yaml gives the same bytes (PNG without timestamps).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import fonts
from .cache import Store, code_digest, digest
from .model import Book
from .theme import STYLES, Theme

FONTS = STYLES / "fonts"
SIZE = (1600, 2400)
MARGIN = 170
PAPER, INK, ACCENT = (243, 236, 222), (33, 30, 27), (122, 46, 18)
PROVIDED = ("images/cover.jpg", "images/cover.jpeg", "images/cover.png")
KIND = "covers"  # cache kind: a generated cover's PNG, by what it shows and the faces it is drawn in


@dataclass(frozen=True)
class Cover:
    """The cover image: its bytes, its name inside the EPUB, its media type and its alt text."""

    data: bytes
    name: str
    media_type: str
    alt: str


def cover_for(book: Book, store: Store | None = None) -> Cover:
    """The manuscript's cover if it has one, else a generated one (kept in `store`: drawing and
    optimising the PNG is a quarter of a second, in every build of the EPUB)."""
    alt = describe(book)
    for relative in PROVIDED:
        path = book.root / relative
        if path.is_file():
            media = "image/png" if path.suffix == ".png" else "image/jpeg"
            return Cover(path.read_bytes(), f"cover{path.suffix}", media, alt)
    if store is None:
        return Cover(generate(book), "cover.png", "image/png", alt)
    faces = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in sorted(FONTS.rglob("*")) if p.is_file()]
    key = digest(code_digest(), book.title, book.subtitle or "", *book.authors, book.publisher or "", *faces)
    data = store.read_bytes(KIND, key, ".png")
    if data is None:
        data = generate(book)
        store.write_bytes(KIND, key, ".png", data)
        store.prune(KIND, limit=20)
    return Cover(data, "cover.png", "image/png", alt)


def describe(book: Book) -> str:
    """The cover's alt text: what it shows, in words."""
    text = f"Cover: {book.title}"
    if book.subtitle:
        text += f": {book.subtitle}"
    if book.authors:
        text += ", by " + _and(book.authors)
    return text + "."


def generate(book: Book) -> bytes:
    """A typeset cover: title high on the page, a rule, the subtitle, the authors at the foot."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    width = SIZE[0] - 2 * MARGIN
    draw.rectangle([60, 60, SIZE[0] - 60, SIZE[1] - 60], outline=ACCENT, width=6)
    y = 430
    title_font = _fit(draw, book.title, "LinLibertine_R.otf", 150, 96, width, max_lines=4)
    y = _block(draw, book.title, title_font, y, width, INK, leading=1.12)
    y += 70
    draw.line([(SIZE[0] // 2 - 160, y), (SIZE[0] // 2 + 160, y)], fill=ACCENT, width=5)
    y += 100
    if book.subtitle:
        subtitle_font = _fit(draw, book.subtitle, "LinLibertine_RI.otf", 78, 56, width, max_lines=4)
        _block(draw, book.subtitle, subtitle_font, y, width, INK, leading=1.25)
    foot = _and(book.authors) if book.authors else (book.publisher or "")
    if foot:
        font = _fit(draw, foot, "LinLibertine_R.otf", 80, 52, width, max_lines=2)
        lines = _wrap(draw, foot, font, width)
        _block(draw, foot, font, SIZE[1] - 330 - (len(lines) - 1) * 95, width, ACCENT, leading=1.2)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class _Face:
    """The book face at a size, with the fallbacks for what it lacks: text measured and drawn in runs."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size

    def runs(self, text: str) -> list[tuple[str, object]]:
        """`text` cut where the face changes, each piece with the Pillow font that draws it."""
        own = fonts.cmap(FONTS / self.name)
        coverage = fonts.Coverage.of(Theme())
        pieces: list[tuple[str, Path]] = []
        for char in text:
            face = None if char.isspace() or ord(char) in own else coverage.face(char)
            path = FONTS / self.name if face in (None, fonts.BOOK_FACE) else fonts.face_path(Theme(), face)
            if pieces and (pieces[-1][1] == path or char.isspace()):
                pieces[-1] = (pieces[-1][0] + char, pieces[-1][1])
            else:
                pieces.append((char, path))
        return [(piece, _pillow_font(path, self.size)) for piece, path in pieces]

    def length(self, draw, text: str) -> float:
        return sum(draw.textlength(piece, font=font) for piece, font in self.runs(text))

    def draw(self, draw, xy: tuple[float, float], text: str, fill) -> None:
        x, y = xy
        for piece, font in self.runs(text):
            draw.text((x, y), piece, font=font, fill=fill)
            x += draw.textlength(piece, font=font)


@lru_cache(maxsize=64)
def _pillow_font(path: Path, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size)


def _font(name: str, size: int) -> _Face:
    return _Face(name, size)


def _fit(draw, text: str, face: str, largest: int, smallest: int, width: int, max_lines: int):
    """The largest size (down to `smallest`) at which `text` wraps into at most `max_lines` lines."""
    size = largest
    while size > smallest and len(_wrap(draw, text, _font(face, size), width)) > max_lines:
        size -= 6
    return _font(face, size)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Words into lines no wider than `width`, balanced so the last line is not a lone word."""
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and font.length(draw, trial) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    if len(lines) >= 2 and len(lines[-1].split()) == 1 and len(lines[-2].split()) > 1:
        head, _, last = lines[-2].rpartition(" ")
        if font.length(draw, f"{last} {lines[-1]}") <= width:
            lines[-2:] = [head, f"{last} {lines[-1]}"]
    return lines


def _block(draw, text: str, font, y: int, width: int, fill, leading: float) -> int:
    """Draw `text` centred, line by line, from `y`; return the y below the last line."""
    step = int(font.size * leading)
    for line in _wrap(draw, text, font, width):
        x = (SIZE[0] - font.length(draw, line)) / 2
        font.draw(draw, (x, y), line, fill)
        y += step
    return y


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
