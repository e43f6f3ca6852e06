"""The build context: what one run shares between its editions, typed, and no module-level state.

    BuildContext(book, report, store)
      .texts(edition)      each chapter's Jinja rendered for the edition
      .chapters(edition)   parsed, checked, resolved: editions whose texts are equal share one parse
      .fragments(edition)  the HTML of those chapters and notes: one pandoc run per parse
      .images(edition)     the images those chapters use: real type, size, the file each edition ships
      .page_starts         where each page of a laid-out edition begins (the EPUB's page list)
      .printed_pages       the folio each anchor of a laid-out edition is printed on (page references)

Every command that needs a book's chapters (build, check, proof, watch, diff) goes through
`prepare`/`BuildContext`, so they all see the manuscript the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .cache import Store
from .messages import BuildError, Report
from .model import Book, Edition
from .bibliography import cite_book
from .parse import parse_book
from .render import book_context, render_chapter
from .resolve import ResolvedChapter, resolve

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .editions.fragments import Fragments
    from .images import BookImages
    from .pagemap import PageStart

Progress = Callable[[str], None]


def render_texts(book: Book, edition: Edition, report: Report) -> dict[str, str]:
    """Each chapter's Jinja, rendered for this edition; every chapter's errors before stopping."""
    context = book_context(book, edition)
    texts = {}
    for chapter in book.chapters:
        try:
            texts[chapter.id] = render_chapter(chapter, context)
        except BuildError as exc:
            report.extend(exc.messages)
    report.raise_if_errors()
    return texts


def prepare(book: Book, texts: dict[str, str], report: Report, store: Store | None = None) -> list[ResolvedChapter]:
    """Chapters from their rendered texts: parsed, checked against the policy, notes numbered."""
    parsed = cite_book(book, parse_book(book, texts, report, store), report, store)
    return resolve(parsed, book.note_numbering, book.caption_numbering, book.language)


@dataclass
class BuildContext:
    """One run's shared work: the store, each distinct set of chapter texts prepared once, their
    HTML fragments, and the page starts of the editions laid out so far."""

    book: Book
    report: Report
    store: Store | None = None
    progress: Progress = field(default=lambda _line: None)
    single_flow: bool = False  # PDFs laid out as one document instead of chapter by chapter
    layout: "Executor | None" = None  # where PDF parts are laid out when not in a local pool (a Dask cluster)
    page_starts: dict[str, tuple["PageStart", ...]] = field(default_factory=dict)  # edition name → starts
    printed_pages: dict[str, dict[str, str]] = field(default_factory=dict)  # edition name → anchor → folio
    _texts: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    _prepared: dict[tuple, list[ResolvedChapter]] = field(default_factory=dict)
    _fragments: dict[tuple, "Fragments"] = field(default_factory=dict)
    _images: dict[tuple, "BookImages"] = field(default_factory=dict)

    def texts(self, edition: Edition) -> dict[str, str]:
        """Each chapter's Markdown as this edition sees it (its Jinja rendered)."""
        if edition.name not in self._texts:
            self._texts[edition.name] = tuple(render_texts(self.book, edition, self.report).items())
        return dict(self._texts[edition.name])

    def chapters(self, edition: Edition) -> list[ResolvedChapter]:
        """The edition's chapters, parsed and resolved once for every edition with the same texts."""
        key = self._key(edition)
        if key not in self._prepared:
            self._prepared[key] = prepare(self.book, dict(key), self.report, self.store)
        return self._prepared[key]

    def fragments(self, edition: Edition) -> "Fragments":
        """The HTML of the edition's chapters and notes, shared by every edition with the same texts."""
        from .editions.fragments import render_fragments

        key = self._key(edition)
        if key not in self._fragments:
            self._fragments[key] = render_fragments(self.chapters(edition), self.store)
        return self._fragments[key]

    def images(self, edition: Edition) -> "BookImages":
        """The images the edition's chapters use, checked, measured and converted once (images.py)."""
        from .images import book_images

        key = self._key(edition)
        if key not in self._images:
            self._images[key] = book_images(self.book, self.chapters(edition), self.store)
        return self._images[key]

    def same_text(self, one: Edition, other: Edition) -> bool:
        """Whether two editions render every chapter to the same Markdown."""
        return self._key(one) == self._key(other)

    def _key(self, edition: Edition) -> tuple[tuple[str, str], ...]:
        self.texts(edition)
        return self._texts[edition.name]
