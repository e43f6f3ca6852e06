"""The Book model: frozen dataclasses, the only types the stages after loading see."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FOLIO_PLACES = ("bottom-center", "bottom-outside", "top-outside")
# How far a size read back from a PDF may be from the design's and still be that size: PDF readers
# give sizes to the hundredth of a point; the design's sizes differ by half a point or more.
SIZE_TOLERANCE = 0.25


@dataclass(frozen=True)
class Pos:
    """Where something came from, for messages: `path:line:col`."""

    path: str
    line: int = 0
    col: int = 0


@dataclass(frozen=True)
class Note:
    """A footnote: its Markdown text and, optionally, the source it cites (`cite:`, printed first)."""

    id: str
    text: str
    pos: Pos
    cite: str | None = None  # Pandoc's citation syntax without brackets: "see @key, p. 12"
    cite_pos: Pos | None = None
    # Where the text's characters are in notes.yaml (sources.text_places: runs of value offset,
    # line, col): a message about a word of the note names that word's line:col.
    text_places: tuple = ()


@dataclass(frozen=True)
class NoteRef:
    """A `[^id]` call in a chapter's source."""

    id: str
    pos: Pos
    inside: str | None = None  # the note whose definition holds this call (a note in a note)


# Where a chapter file stands in the book, by its front matter's `role:`. Front matter gets
# roman folios: the dedication and epigraph page before the contents, the rest after it. Back
# matter follows the last chapter; appendices are lettered A, B, ...
FRONT_ROLES = ("dedication", "epigraph", "foreword", "preface", "acknowledgments", "figures", "tables")
BEFORE_CONTENTS = ("dedication", "epigraph")
BACK_ROLES = ("appendix", "glossary", "bibliography", "index", "about-the-author", "colophon")
ROLES = ("chapter", *FRONT_ROLES, *BACK_ROLES)


@dataclass(frozen=True)
class Epigraph:
    """Lines quoted at a chapter's opening (Markdown, inline) and who wrote them."""

    text: str
    source: str | None = None


@dataclass(frozen=True)
class Chapter:
    """One chapter file: front matter plus Markdown body (still Jinja source)."""

    id: str
    title: str
    path: Path
    shown: str  # the path as printed in messages, relative to the manuscript's parent
    body: str
    body_line: int  # the line of `body`'s first line in the file
    refs: tuple[NoteRef, ...] = ()
    inline_notes: tuple[NoteRef, ...] = ()  # notes defined in the chapter with `[^id]: text`
    part: str | None = None  # the title of a part this chapter opens
    epigraph: Epigraph | None = None
    role: str = "chapter"  # see ROLES
    short_title: str | None = None  # for running heads (and the contents, if the title is long)
    subtitle: str | None = None
    lang: str | None = None  # its language, where it is not the book's (BCP 47)

    @property
    def matter(self) -> str:
        """front, body or back."""
        return "front" if self.role in FRONT_ROLES else "back" if self.role in BACK_ROLES else "body"


@dataclass(frozen=True)
class Price:
    """A price of an edition: a decimal amount as written ("24.95") and its ISO 4217 currency."""

    amount: str
    currency: str


@dataclass(frozen=True)
class Paper:
    """A print edition's paper: its name (a stock of styles/cover.yaml, or "432ppi") and pages per inch."""

    name: str
    ppi: float


@dataclass(frozen=True)
class CoverData:
    """styles/cover.yaml: paper stocks, the default cover bleed, languages lettering spines upwards."""

    papers: dict[str, float]
    default_paper: str
    bleed: str
    spine_upwards: tuple[str, ...]


@dataclass(frozen=True)
class Edition:
    """One product built from the book: a reader's or printer's PDF, an EPUB or an HTML site."""

    name: str
    kind: str  # a kind of pressroom/editions' registry: pdf | print | epub | html
    trim: tuple[str, str] = ("6in", "9in")
    isbn: str | None = None  # ISBN-13, checked and hyphenated by the ISBN ranges
    price: tuple[Price, ...] = ()
    paper: Paper | None = None  # print editions: the spine's width follows it
    cover_bleed: str = "3mm"  # print editions: the cover's bleed
    bleed: str = "0in"  # print editions default to 0.125in
    marks: bool = False  # crop marks, print editions
    opening: frozenset[str] = frozenset()  # chapter openings: {"small-caps", "drop-cap"}
    tagged: bool = False  # PDF/UA-1 tagging


@dataclass(frozen=True)
class Design:
    """The PDFs' page design (styles/design.yaml): sizes in points, margins as fractions of the trim."""

    text_size: float | None  # None: by the trim's width (`text_size_for`)
    leading: float
    note_size: float
    note_leading: float
    call_scale: float
    chapter_title_size: float
    head_size: float
    gutter: float
    outer: float
    top: float
    bottom: float
    folio: str
    contents_title: str
    notes_title: str = "Notes"  # the heading of a chapter's endnotes (a note too tall for a page)
    image_resolution: float = 300.0  # dpi a raster prints at when it has room: its 1:1 size, never larger

    def text_size_for(self, width_in: float) -> float:
        """The body text's size on a page `width_in` inches wide."""
        if self.text_size is not None:
            return self.text_size
        return 10.5 if width_in >= 5.9 else 10 if width_in >= 5.4 else 9.5

    def folio_box(self, left_page: bool) -> str:
        """The page-margin box that holds the folio on a left (verso) or right (recto) page."""
        if self.folio == "bottom-center":
            return "bottom-center"
        vertical = self.folio.split("-")[0]
        return f"{vertical}-{'left' if left_page else 'right'}"

    def text_block(self, width: float, recto: bool) -> tuple[float, float]:
        """Left and right edges, in points, of the text block on a page `width` points wide: the
        gutter on a recto's left and a verso's right, each margin to the thousandth of an inch
        (as the PDFs' @page rules set them)."""
        inches = width / 72
        gutter, outer = round(inches * self.gutter, 3) * 72, round(inches * self.outer, 3) * 72
        return (gutter, width - outer) if recto else (outer, width - gutter)

    def call_limit(self, text_size: float) -> float:
        """Type smaller than this, in text set at `text_size`, is a note call's: halfway between a
        call's size and the smallest running type (the notes' or the text's)."""
        return (text_size * self.call_scale + min(self.note_size, text_size)) / 2

    def is_note_size(self, size: float) -> bool:
        """Whether type of this size is set at the notes' size."""
        return abs(size - self.note_size) <= SIZE_TOLERANCE

    def is_title_size(self, size: float) -> bool:
        """Whether type of this size is set at the chapter titles' size."""
        return abs(size - self.chapter_title_size) <= SIZE_TOLERANCE

    def is_head_size(self, size: float) -> bool:
        """Whether type of this size is set at the running heads' and folios' size."""
        return abs(size - self.head_size) <= SIZE_TOLERANCE

    def css_variables(self) -> str:
        """The design as CSS custom properties, for the stylesheets to read."""
        return (f":root {{ --note-size: {self.note_size}pt; --note-leading: {self.note_leading}pt; "
                f"--call-size: {self.call_scale * 100:g}%; --chapter-title-size: {self.chapter_title_size}pt; "
                f"--chapter-title-leading: {self.chapter_title_size * 4 / 3:g}pt; "
                f"--head-size: {self.head_size}pt; }}")


@dataclass(frozen=True)
class Bibliography:
    """The book's reference files and citation style (book.yaml `bibliography:`, `csl:`), each with
    where book.yaml names it; `style` None means the bundled default (Chicago notes)."""

    files: tuple[tuple[Path, Pos], ...] = ()
    style: Path | None = None
    style_pos: Pos | None = None


@dataclass(frozen=True)
class Book:
    """The whole validated manuscript."""

    root: Path
    title: str
    language: str
    slug: str
    version: str
    chapters: tuple[Chapter, ...]
    notes: dict[str, Note] = field(hash=False)
    editions: tuple[Edition, ...]
    design: Design
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    rights: str | None = None
    description: str | None = None
    subjects: tuple[tuple[str, str], ...] = ()  # (scheme, code): ("bisac", "POL011000")
    territories: tuple[str, ...] = ()  # where it may be sold: ISO 3166-1 codes, or WORLD
    note_numbering: str = "chapter"  # or "book"
    math: str = "none"  # or "tex": $…$ and $$…$$ are TeX math
    caption_numbering: str = "chapter"  # figures and tables: "Figure 3.2", or "book": "Figure 7"
    bibliography: Bibliography = Bibliography()
    url: str | None = None  # where the web edition is published: its sitemap and share links need it

    @property
    def note_count(self) -> int:
        """Notes from notes.yaml plus those defined inline in chapters."""
        return len(self.notes) + sum(len(c.inline_notes) for c in self.chapters)

    def edition(self, kind: str) -> Edition:
        """The first edition of that kind (a default one if book.yaml lists none)."""
        return next((e for e in self.editions if e.kind == kind), Edition(name=kind, kind=kind))
