"""The whole build, top to bottom: load, render Jinja, parse, resolve, then write each edition."""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

from . import fonts, limits
from .cache import Store
from .context import BuildContext, Progress
from .editions import Written, output_path, writer
from .manuscript.load import load_book
from .messages import BuildError, Report, error
from .model import Book, Edition
from .output import output_lock
from .tools import git


@dataclass(frozen=True)
class Built:
    """One written edition and what it took."""

    edition: Edition
    path: Path
    seconds: float
    written: Written


def build(manuscript: Path, out: Path, kinds: set[str], progress: Progress, report: Report,
          single_flow: bool = False, cache: Path | None = None, layout: Executor | None = None) -> list[Built]:
    """Build the editions of `kinds` listed in book.yaml into `out`, with the build cache at
    `cache` (default: `out`/.cache); PDF parts are laid out by `layout` when given (a cluster).

    PDFs are laid out chapter by chapter in parallel and merged, or with `single_flow` as one
    document (slower; the reference the merged PDF is tested against).
    """
    started = time.monotonic()
    with limits.stage(str(manuscript), "reading the manuscript"):
        book = load_book(manuscript, report)
    editions = [e for e in book.editions if e.kind in kinds]
    check_outputs(book, editions, out)
    progress(f"load: {book.title!r}: {len(book.chapters)} chapters, {book.note_count} notes "
             f"({time.monotonic() - started:.1f} s)")
    # One build at a time into a folder: two would race on the same temporaries and cache entries.
    # The commit's time, never the clock, for any tool that timestamps (G6 in RELIABILITY.md);
    # pinned before the first worker process starts, so every worker inherits it.
    with output_lock(out), git.pinned_source_date_epoch(book.root):
        context = BuildContext(book, report, Store(cache or out / ".cache", report), progress, single_flow,
                               layout=layout)
        # Every edition's chapters are checked before any edition is written: an error that only
        # one edition's Jinja shows must not leave the editions before it replaced.
        for edition in editions:
            with limits.stage(f"{edition.name} edition", f"checking the {edition.name} edition's chapters"):
                context.chapters(edition)
        # Every character each edition prints is in a face it embeds: else all of them, named, now.
        fonts.check_book(context, editions)
        built = []
        for edition in editions:
            with limits.stage(f"{edition.name} edition", f"building the {edition.name} edition"):
                built.append(build_edition(context, edition, output_path(book, edition, out)))
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


def build_edition(context: BuildContext, edition: Edition, target: Path) -> Built:
    """Write one edition to `target` with the writer its kind names in the registry."""
    started = time.monotonic()
    context.progress(f"{edition.name}: parsing and resolving {len(context.book.chapters)} chapters")
    written = writer(edition.kind)(context, edition, target)
    seconds = time.monotonic() - started
    context.progress(f"{edition.name}: wrote {target} ({written.detail}; {seconds:.1f} s)")
    return Built(edition, target, seconds, written)
