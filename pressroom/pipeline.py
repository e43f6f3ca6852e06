"""The whole build, top to bottom: load, render Jinja, parse, resolve, then write each edition."""

from __future__ import annotations

import os
import time
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from dataclasses import astuple, dataclass, replace
from pathlib import Path

from . import fonts, kept, limits, workers
from .cache import Store
from .cache import digest as cache_digest
from .context import BuildContext, Progress
from .editions import Written, kind, output_path, writer
from .manuscript.load import load_book
from .messages import BuildError, Message, Report, error
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
    store = Store(cache or out / ".cache", report)
    # Each file's lint is kept in the cache: once a build made it, since the book is read before
    # the output folder is taken (output_lock) and checked (O002: the cache would lie in the
    # manuscript): a build refused there leaves no folder behind.
    lint_store = store if store.root.is_dir() and not store.root.resolve().is_relative_to(manuscript.resolve()) \
        else None
    with limits.stage(str(manuscript), "reading the manuscript"):
        book = load_book(manuscript, report, lint_store)
    editions = [e for e in book.editions if e.kind in kinds]
    check_outputs(book, editions, out)
    progress(f"load: {book.title!r}: {len(book.chapters)} chapters, {book.note_count} notes "
             f"({time.monotonic() - started:.1f} s)")
    # One build at a time into a folder: two would race on the same temporaries and cache entries.
    # The commit's time, never the clock, for any tool that timestamps (G6 in RELIABILITY.md);
    # pinned before the first worker process starts, so every worker inherits it.
    with output_lock(out), git.pinned_source_date_epoch(book.root):
        context = BuildContext(book, report, store, progress, single_flow, layout=layout)
        epoch = os.environ["SOURCE_DATE_EPOCH"]
        inputs = kept.inputs_digest(book.root, single_flow, epoch)
        keys = {e.name: cache_digest(inputs, repr(e), str(output_path(book, e, out).resolve())) for e in editions}
        unchanged = {e.name: found for e in editions
                     if (found := finished(context, e, output_path(book, e, out), keys[e.name])) is not None}
        todo = [e for e in editions if e.name not in unchanged]
        if layout is None and any(kind(e.kind).paged for e in todo):
            # The layout workers' fork server imports WeasyPrint while chapters are read.
            workers.warm(languages=[book.language, *(c.lang for c in book.chapters if c.lang)])
        # Every edition's chapters are checked before any edition is written: an error that only
        # one edition's Jinja shows must not leave the editions before it replaced.
        for edition in todo:
            with limits.stage(f"{edition.name} edition", f"checking the {edition.name} edition's chapters"):
                context.chapters(edition)
        # Every character each edition prints is in a face it embeds: else all of them, named, now.
        if todo:
            fonts.check_book(context, todo)
        built = dict(unchanged)
        # While the PDFs are laid out in worker processes, this process would only wait: the
        # editions that need no page of them (the web edition) are written meanwhile, in a thread.
        paged = any(kind(e.kind).paged for e in todo)
        beside = [e for e in todo if paged and not kind(e.kind).paged and e.kind not in READS_PAGES]
        for edition in todo:  # computed once here, never by two threads at a time
            context.fragments(edition)
            context.images(edition)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="edition") as pool:
            future = pool.submit(_build_all, context, beside, book, out, keys) if beside else None
            try:
                built.update(_build_all(context, [e for e in todo if e not in beside], book, out, keys))
            except BaseException:
                if future is not None:
                    wait([future])  # its own error, if any, comes second to this one
                raise
            if future is not None:
                built.update(future.result())
        built = [built[e.name] for e in editions]
        # The whole run, for the next `build` with the same inputs to answer before reading anything.
        outputs = [kept.Output(b.edition.name, str(b.path), kept.output_digest(b.path) or "", b.written.detail,
                               *((str(b.written.cover), kept.output_digest(b.written.cover) or "")
                                 if b.written.cover is not None else ()))
                   for b in built]
        kept.remember(context.store, kept.run_key(manuscript, out, kinds, single_flow, epoch), outputs,
                      kept.replayable(report.messages))
    return built


def _build_all(context: BuildContext, editions: list[Edition], book: Book, out: Path,
               keys: dict[str, str]) -> dict[str, Built]:
    """Write `editions` one after the other, each recorded under the hash of its inputs. One
    still finishing in another process (a PDF's merge) is waited for after the ones after it."""
    built, finishing = {}, []
    try:
        for edition in editions:
            with limits.stage(f"{edition.name} edition", f"building the {edition.name} edition"):
                done = build_edition(context, edition, output_path(book, edition, out))
            if done.written.finishing is not None:
                finishing.append(done)
                continue
            built[edition.name] = done
            remember(context, done, keys[edition.name])
        while finishing:
            done = finishing[0]
            with limits.stage(f"{done.edition.name} edition", f"merging the {done.edition.name} edition"):
                done = finish_edition(context, finishing.pop(0))
            built[done.edition.name] = done
            remember(context, done, keys[done.edition.name])
    except BaseException:
        for done in finishing:
            done.written.finishing.abandon()
        raise
    return built


# ------------------------------------------------------------------ finished editions

# Kinds that read the reader's PDF's pages (the EPUB's page list, the web edition's print-page
# markers): written after the PDFs are laid out, whose pages they then take from the build context,
# while the PDF's parts are merged in a worker (typeset.MergeInWorker). Beside them, in a thread,
# they would lay the same parts out a second time at once.
READS_PAGES = ("epub", "html")

EDITIONS = "editions"  # cache kind: a written edition's output digest, by the hash of all it is made from


def finished(context: BuildContext, edition: Edition, target: Path, key: str) -> Built | None:
    """The edition as a build with these very inputs wrote it, if `target` still holds exactly that."""
    started = time.monotonic()
    entry = context.store.read_json(EDITIONS, key)
    if not isinstance(entry, dict) or entry.get("digest") != kept.output_digest(target):
        return None
    # A print edition's cover is written with its interior: both must still be as written.
    cover = Path(entry["cover"]) if entry.get("cover") else None
    if cover is not None and entry.get("cover_digest") != kept.output_digest(cover):
        return None
    context.report.extend(Message(*m) for m in entry.get("messages", ()))
    written = Written(entry["detail"], entry.get("pages"), cover=cover)
    context.progress(f"{edition.name}: unchanged since it was written, kept {target} ({written.detail})")
    return Built(edition, target, time.monotonic() - started, written)


def remember(context: BuildContext, built: Built, key: str) -> None:
    """Record the written edition under the hash of its inputs, with the warnings the run gave."""
    digest_now = kept.output_digest(built.path)
    if digest_now is None:
        return
    cover = built.written.cover
    context.store.write_json(EDITIONS, key, {
        "digest": digest_now, "detail": built.written.detail, "pages": built.written.pages,
        "cover": str(cover) if cover is not None else None,
        "cover_digest": kept.output_digest(cover) if cover is not None else None,
        "messages": [list(astuple(m)) for m in kept.replayable(context.report.messages)]})
    context.store.prune(EDITIONS, limit=50)


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
    built = Built(edition, target, time.monotonic() - started, written)
    if written.finishing is None:
        context.progress(f"{edition.name}: wrote {target} ({written.detail}; {built.seconds:.1f} s)")
    return built


def finish_edition(context: BuildContext, built: Built) -> Built:
    """Wait for the edition's last step (its `finishing`) and put it in place; its seconds are
    the writer's and the wait's, not those of the editions written meanwhile."""
    started = time.monotonic()
    built.written.finishing.finish()
    done = replace(built, seconds=built.seconds + time.monotonic() - started,
                   written=replace(built.written, finishing=None))
    context.progress(f"{done.edition.name}: wrote {done.path} ({done.written.detail}; {done.seconds:.1f} s)")
    return done
