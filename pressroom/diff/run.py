"""The diff from top to bottom: load both revisions, compare, then write build/diff/ atomically."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..output import atomic_path
from ..tools import git
from . import compare
from .parallel import both
from .revision import Snapshot, load_snapshot, parse_chapters

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DiffResult:
    """What `diff` found and wrote."""

    diff: compare.BookDiff
    folder: Path
    pages: object | None  # pages.PageReport with --pages
    seconds: float


def run_diff(manuscript: Path, old_rev: str, new_rev: str | None, out: Path, *, pages: bool = False,
             pdf: bool = True, progress: Progress = lambda line: None) -> DiffResult:
    """Compare the manuscript at `old_rev` with `new_rev` (None: the working tree) into out/diff/."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pressroom-diff-") as work:
        workdir = Path(work)
        old, new = load_sides(manuscript, old_rev, new_rev, workdir)
        progress(f"diff: {old.label} → {new.label}: {len(old.book.chapters)} → {len(new.book.chapters)} chapters")
        old, new, result = compare_sides(old, new)
        page_report = None
        if pages:
            from .pages import compare_pages

            progress("diff: building the reader's PDF at both revisions (--pages)")
            page_report = compare_pages(old, new, workdir / "pages", progress)
        target = out / "diff"
        with atomic_path(target) as folder:
            folder.mkdir()
            write_outputs(result, old, new, page_report, folder, pdf, progress,
                          git.authorship(manuscript, new_rev))
    return DiffResult(result, target, page_report, time.monotonic() - started)


def load_sides(manuscript: Path, old_rev: str, new_rev: str | None, workdir: Path) -> tuple[Snapshot, Snapshot]:
    """Both revisions, loaded side by side."""
    return both((load_snapshot, manuscript, old_rev, workdir / "old"),
                 (load_snapshot, manuscript, new_rev, workdir / "new"))


def compare_sides(old: Snapshot, new: Snapshot) -> tuple[Snapshot, Snapshot, compare.BookDiff]:
    """Plan, parse what changed (both sides at once), compare; the snapshots come back parsed."""
    the_plan = compare.plan(old, new)
    old, new = both((parse_chapters, old, the_plan.parse_old), (parse_chapters, new, the_plan.parse_new))
    return old, new, compare.compare(old, new, the_plan)


def write_outputs(result: compare.BookDiff, old: Snapshot, new: Snapshot, page_report, folder: Path,
                  pdf: bool, progress: Progress, who: tuple[str, str] = ("Pressroom", "1970-01-01T00:00:00Z")) -> None:
    """index.html (and page images), redline.docx (tracked changes by `who`: author, date), then
    redline.pdf, into `folder`."""
    from .docx import write_redline_docx
    from .markup import render_diff
    from .report import write_report

    shown = render_diff(result, old, new)
    write_report(result, shown, page_report, folder)
    marks = write_redline_docx(result, old, new, folder / "redline.docx", *who)
    progress(f"diff: redline.docx: {marks} tracked changes by {who[0]}")
    if pdf:
        from .redline import write_redline

        progress("diff: typesetting the redline with WeasyPrint")
        pages = write_redline(result, shown, old, new, folder / "redline.pdf")
        progress(f"diff: redline.pdf: {pages} pages")
