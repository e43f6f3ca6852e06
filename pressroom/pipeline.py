"""The whole build, top to bottom: load, render Jinja, parse, resolve, then write each edition."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import limits
from .cache import Store
from .editions.fragments import render_fragments
from .manuscript.load import load_book
from .messages import BuildError, Report, error
from .model import Book, Edition
from .parse import parse_book
from .render import book_context, render_chapter
from .resolve import ResolvedChapter, resolve
from .tools import git

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Built:
    """One written edition and what it took."""

    edition: Edition
    path: Path
    seconds: float
    detail: str
    worker_peak_mb: float = 0.0  # the largest peak memory of the processes that laid it out


def output_path(book: Book, edition: Edition, out: Path) -> Path:
    """Where an edition lands under build/: the slug is validated, so it cannot escape `out`."""
    suffix = "" if edition.name == edition.kind else f"-{edition.name}"
    if edition.kind == "print":
        return out / f"{book.slug}-{edition.name}.pdf"
    if edition.kind == "pdf":
        return out / f"{book.slug}{suffix}.pdf"
    if edition.kind == "epub":
        return out / f"{book.slug}{suffix}.epub"
    return out / f"html{suffix}"


def prepare(book: Book, edition: Edition, report: Report, cache: dict | None = None) -> list[ResolvedChapter]:
    """Chapters as this edition sees them: Jinja rendered, parsed, checked, notes numbered.

    Editions whose chapters render to the same text share one parse through `cache`.
    """
    texts = render_texts(book, edition, report)
    key = tuple(texts.items())
    if cache is not None and key in cache:
        return cache[key]
    chapters = resolve(parse_book(book, texts, report, cache.get("store") if cache else None), book.note_numbering)
    if cache is not None:
        cache[key] = chapters
    return chapters


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


def build(manuscript: Path, out: Path, kinds: set[str], progress: Progress, report: Report,
          single_flow: bool = False) -> list[Built]:
    """Build the editions of `kinds` listed in book.yaml into `out`.

    PDFs are laid out chapter by chapter in parallel and merged, or with `single_flow` as one
    document (slower; the reference the merged PDF is tested against).
    """
    started = time.monotonic()
    with limits.stage(str(manuscript), "reading the manuscript"):
        book = load_book(manuscript, report)
    check_outputs(book, [e for e in book.editions if e.kind in kinds], out)
    progress(f"load: {book.title!r}: {len(book.chapters)} chapters, {book.note_count} notes "
             f"({time.monotonic() - started:.1f} s)")
    built, cache = [], {"store": Store(out / ".cache")}
    # Every edition's chapters are checked before any edition is written: an error that only one
    # edition's Jinja shows must not leave the editions before it replaced.
    for edition in (e for e in book.editions if e.kind in kinds):
        with limits.stage(f"{edition.name} edition", f"checking the {edition.name} edition's chapters"):
            prepare(book, edition, report, cache)
    # The commit's time, never the clock, for any tool that timestamps (G6 in RELIABILITY.md).
    with git.pinned_source_date_epoch(book.root):
        for edition in (e for e in book.editions if e.kind in kinds):
            with limits.stage(f"{edition.name} edition", f"building the {edition.name} edition"):
                built.append(_build_edition(book, edition, out, progress, report, cache, single_flow))
    return built


def check_outputs(book: Book, editions: list[Edition], out: Path) -> None:
    """No edition may be written into the manuscript, or in the place of it (RELIABILITY.md G5)."""
    root, folder = book.root.resolve(), out.resolve()
    problems = []
    if folder == root or folder.is_relative_to(root):
        problems.append(error("O002", str(out), 0, 0, "the output folder is inside the manuscript folder "
                              f"{book.root}: choose another --out"))
    for edition in editions:
        target = output_path(book, edition, folder)
        if root == target or root.is_relative_to(target):
            problems.append(error("O002", str(target), 0, 0, f"the {edition.name} edition would replace "
                                  f"the manuscript folder {book.root}: choose another --out"))
    if problems:
        raise BuildError(problems)


def _build_edition(book: Book, edition: Edition, out: Path, progress: Progress, report: Report,
                   cache: dict, single_flow: bool) -> Built:
    from .editions import epub, html, pdf

    started = time.monotonic()
    progress(f"{edition.name}: parsing and resolving {len(book.chapters)} chapters")
    chapters = prepare(book, edition, report, cache)
    target = output_path(book, edition, out)
    peak = 0.0
    if edition.kind == "epub":
        progress(f"{edition.name}: writing EPUB 3")
        detail = epub.build_epub(book, edition, chapters, target, cache)  # cache: the PDF's parse, for its pages
    else:
        # One pandoc run serves every edition that shares these chapters.
        key = ("fragments", id(chapters))
        if key not in cache:
            cache[key] = render_fragments(chapters, cache["store"])
        fragments = cache[key]
        if edition.is_pdf:
            progress(f"{edition.name}: typesetting with WeasyPrint")
            result = pdf.build_pdf(book, edition, chapters, fragments, target,
                                   None if single_flow else cache["store"], progress)
            detail = f"{result.pages} pages, {result.notes} notes on their call's page"
            peak = result.worker_peak_mb
        else:
            progress(f"{edition.name}: writing the web edition")
            detail = html.build_html(book, edition, chapters, fragments, target)
    seconds = time.monotonic() - started
    progress(f"{edition.name}: wrote {target} ({detail}; {seconds:.1f} s)")
    return Built(edition, target, seconds, detail, peak)
