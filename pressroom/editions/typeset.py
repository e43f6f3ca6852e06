"""A PDF edition laid out chapter by chapter in worker processes, cached, and merged.

    parts.py cuts the book    →  each chapter laid out alone, in as many long-lived worker
                                 processes as there are cores (or taken from the cache)
                              →  page numbers known: the folio sheet and the front matter
                                 (its contents) laid out, in the same workers
                              →  tools/pikepdf.merge_parts: one PDF, outline and links rebuilt
                              →  every chapter's last sentence read back from the merged file
                                 (the merge and this check run in a worker process of their
                                 own, `MergeInWorker`, while the pipeline writes the editions
                                 that needed only the pages: the EPUB and the web edition)

A part's cache key is the hash of its HTML (which holds the chapter's text, the templates'
output and the page geometry), the stylesheets and fonts, the book's images, and the versions
of Pressroom, WeasyPrint and the libraries under it. Editing one chapter lays out that chapter
again, then the folio sheet and the front matter only if page numbers moved.
"""

from __future__ import annotations

import hashlib
import os
import resource
import time
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Callable

from .. import cache as cache_store
from .. import limits, pagemap, pagerefs, workers
from ..images import KIND as IMAGES
from ..kept import tool_versions as _tool_versions
from ..messages import ERROR, BuildError, Message, Report, error, fail
from ..model import Book, Edition
from ..output import atomic_path
from ..readback import holds, last_sentence
from ..resolve import ResolvedChapter, roman
from ..theme import Theme
from ..tools import pdffonts, pdftext, pikepdf, weasyprint
from .fragments import Fragments
from .parts import BookParts, Part
from .pdf import ENDNOTE_ROUNDS, off_page, report_endnotes, report_once, resource_roots

KIND = "typeset"
FACES = "face-subsets"  # cache kind: a face cut to the glyphs a merged PDF uses (tools/pdffonts.py)
PASSES = 4  # layouts of the parts before page references must have settled (two, nearly always)
POLL_SECONDS = 1.0  # how often the parts being laid out are held to limits.PART_SECONDS
WALL_FACTOR = 5  # a part whose worker's CPU time is known is stopped by the clock only past this many limits
ENDING_WORDS = 3  # widows: 2 keeps at least two lines of a paragraph on a page, so these share it
# ...and at most this many characters of them: Chinese and Japanese put no space between words,
# so three "words" can be three sentences, which run over a page break as often as not.
ENDING_CHARS = 20


@dataclass(frozen=True)
class LaidOut:
    """A part as laid out: its PDF in the cache, what the merge and the checks need to know."""

    path: str
    pages: int  # pages that go into the book: the part-end page is not counted
    blank: tuple[bool, ...]  # per page: a blank verso
    placements: tuple[tuple[str, int, int], ...]  # (note element id, call page, note page), part pages
    starts: tuple[tuple[str, str | None, int, int], ...]  # pagemap.PageStart fields, labels part pages
    anchors: tuple[tuple[str, int], ...]  # each element id and the part page it lands on
    seconds: float
    cached: bool = False
    messages: tuple[Message, ...] = ()  # its errors (nothing laid out), or WeasyPrint's warnings
    peak_mb: float = 0.0  # the worker's peak resident memory when it was done (0: from the cache)
    sealed: str = ""  # the PDF's seal in the cache (cache.seal): checked before it is merged


@dataclass(frozen=True)
class Merge:
    """The merge of an edition's laid-out parts into its PDF, as plain data, so another process
    can run it (`merge`) while this one writes the editions that only needed its pages."""

    front: pikepdf.PartFile
    chapters: tuple[pikepdf.PartFile, ...]
    folios: str
    blank: tuple[bool, ...]
    label: str
    fonts: tuple[str, ...]  # every font file a part can be laid out with (font_sources)
    store: str  # the build cache's folder: the merged faces' subsets are kept there
    endings: tuple[tuple[str, str, tuple[int, ...]], ...]  # each chapter, its last words, the pages to hold them
    shown: str  # the edition's file, as messages name it
    summary: str  # the progress line once merged: "merged 30 chapters into 308 pages (…"


@dataclass
class Typeset:
    """The laid-out edition: its pages, notes placed, which chapters were laid out anew, and the
    merge still to run."""

    pages: int
    placements: list[weasyprint.NotePlacement]
    starts: list[pagemap.PageStart]
    rebuilt: list[str] = field(default_factory=list)
    reused: int = 0
    printed: dict[str, str] = field(default_factory=dict)  # each anchor's folio as printed
    worker_peak_mb: float = 0.0
    endnotes: frozenset[int] = frozenset()  # notes too tall for a page, set at their chapter's end
    merge: Merge | None = None


@dataclass
class _Chapters:
    """The chapters laid out: their parts, results, each anchor's folio, body pages, blank versos,
    and the folio sheet's sections (a part-title page's, a chapter's: how many pages each)."""

    parts: list[Part]
    laid: dict[str, LaidOut]
    folios: dict[str, int]
    body_pages: int
    blank: list[bool]
    sections: list[tuple[str, int]]


def typeset(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
            target: Path, store: cache_store.Store, progress: Callable[[str], None],
            check: Callable[[list[weasyprint.NotePlacement], frozenset[int]], None], jobs: int | None = None,
            report: Report | None = None, output_profile: Path | None = None,
            executor: Executor | None = None) -> Typeset:
    """Lay out the edition in parts (in parallel, from the cache where it can); the merge of
    them into `target` is left to the caller (`result.merge`, run by `merge` or `merged`).

    `check` sees where every note landed (and which were set as endnotes) before anything is
    written; it raises to refuse the book.
    With `output_profile` every part is PDF/X with it (the merge keeps the front matter's catalog,
    so its OutputIntent and XMP are the book's). WeasyPrint's warnings go to `report`, each once.
    """
    started = time.monotonic()
    with _Workers(book, store, jobs, progress, edition.name, report, output_profile, executor) as workers:
        parts, body, tail, printed, endnotes = _settle_notes(book, edition, chapters, fragments, workers, sheet=True)
    front = tail["front"]
    result = _result(body, front)
    result.printed, result.endnotes = printed, endnotes
    check(result.placements, endnotes)  # before the merge: a refused book leaves the previous PDF in place
    result.rebuilt = [p.label for p in body.parts if not body.laid[p.name].cached]
    result.reused = len(body.parts) - len(result.rebuilt)
    result.worker_peak_mb = max([d.peak_mb for d in (*body.laid.values(), *tail.values())], default=0.0)
    summary = (f"{edition.name}: merged {len(body.parts)} chapters into {result.pages} pages "
               f"({len(result.rebuilt)} laid out, {result.reused} from the cache; {time.monotonic() - started:.1f} s "
               "laying out")
    result.merge = Merge(pikepdf.PartFile(front.path, front.pages),
                         tuple(pikepdf.PartFile(body.laid[p.name].path, body.laid[p.name].pages) for p in body.parts),
                         tail["folios"].path, tuple(body.blank), f"{edition.name} edition",
                         tuple(str(f) for f in font_sources(book)), str(store.root),
                         _endings(chapters, front.pages, body, endnotes), str(target), summary)
    store.prune(KIND)
    return result


def merge(job: Merge, temporary: str) -> float:
    """Merge the parts into the PDF at `temporary` and read every chapter's last words back from
    it (in a worker process, or here); the seconds it took."""
    started = time.monotonic()
    store = cache_store.Store(Path(job.store))
    pikepdf.merge_parts(job.front, list(job.chapters), job.folios, list(job.blank), temporary, label=job.label,
                        fonts=lambda pdf: pdffonts.merge_faces(pdf, [Path(f) for f in job.fonts],
                                                               lambda path, gids: _face_subset(store, path, gids)))
    _check_endings(Path(temporary), job.endings, job.shown)
    return time.monotonic() - started


def merged(job: Merge, target: Path, progress: Callable[[str], None]) -> None:
    """Run the merge here, into `target` (atomically)."""
    with atomic_path(target) as temporary:
        seconds = merge(job, str(temporary))
    progress(f"{job.summary}, {seconds:.1f} s merging)")


class MergeInWorker:
    """The merge run in a worker process of its own, into `target`'s temporary: the EPUB and the
    web edition, which need only the pages, are written meanwhile (0.5 s of a one-word edit's
    build). The target is replaced only when `finish` finds the merge done and checked."""

    def __init__(self, job: Merge, target: Path, progress: Callable[[str], None]):
        self.job, self.progress = job, progress
        self._held = ExitStack()
        try:
            temporary = self._held.enter_context(atomic_path(target))  # left last: the pool is shut down first
            pool = self._held.enter_context(workers.pool(1))
            self._future = pool.submit(merge, job, str(temporary))
        except BaseException as exc:  # no pool (a TMPDIR too long): the temporary goes, the target stays
            self._held.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def finish(self) -> None:
        try:
            try:
                seconds = self._future.result()
            except BrokenProcessPool:
                raise fail("W006", self.job.label, 0, 0, "the process merging its parts died (out of memory, "
                           "or killed); nothing was replaced") from None
        except BaseException as exc:
            if not self._held.__exit__(type(exc), exc, exc.__traceback__):
                raise
        else:
            self._held.close()  # the temporary replaces the target
            self.progress(f"{self.job.summary}, {seconds:.1f} s merging)")

    def abandon(self) -> None:
        self._future.cancel()
        self._held.__exit__(KeyboardInterrupt, KeyboardInterrupt(), None)  # stops the worker; the target stays


def font_sources(book: Book) -> list[Path]:
    """Every font file a part can be laid out with: the book's styles/fonts first, then ours."""
    theme = Theme(book.root)
    return [*theme.fonts("**/*.otf"), *theme.fonts("**/*.ttf")]


def _face_subset(store: cache_store.Store, path: Path, gids: tuple[int, ...]) -> bytes:
    """`pdffonts.subset_gids`, kept in the cache by the font's bytes and the glyphs: an edit that
    brings no new glyph cuts nothing again."""
    key = cache_store.digest(cache_store.code_digest(), _tool_versions(), path.read_bytes(),
                             ",".join(map(str, gids)))
    found = store.read_bytes(FACES, key, ".font")
    if found is not None:
        return found
    data = pdffonts.subset_gids(path, gids)
    store.write_bytes(FACES, key, ".font", data)
    store.prune(FACES, limit=200)
    return data


def page_starts(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
                store: cache_store.Store, progress: Callable[[str], None],
                report: Report | None = None, executor: Executor | None = None) -> list[pagemap.PageStart]:
    """Where each body page of the edition begins, from its chapters as laid out (the cache's, if built)."""
    return typeset_pages(book, edition, chapters, fragments, store, progress, report, executor)[0]


def typeset_pages(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
                  store: cache_store.Store, progress: Callable[[str], None],
                  report: Report | None = None,
                  executor: Executor | None = None) -> tuple[list[pagemap.PageStart], dict[str, str]]:
    """Where each body page begins, and each anchor's folio as printed, without merging a PDF."""
    with _Workers(book, store, None, progress, edition.name, report, executor=executor) as workers:
        _parts, body, _tail, printed, _endnotes = _settle_notes(book, edition, chapters, fragments, workers,
                                                                sheet=False)
    return _result(body, None).starts, printed


def _settle_notes(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
                  workers: "_Workers", sheet: bool):
    """_settle, again with the notes WeasyPrint could not print on their call's page set at their
    chapter's end (only those chapters are laid out anew: the others come from the cache), until
    every note is on its call's page or an endnote; a warning names each endnote at its call."""
    endnotes: frozenset[int] = frozenset()
    for round_ in range(ENDNOTE_ROUNDS + 1):
        parts, body, tail, printed = _settle(book, edition, chapters, fragments, workers, sheet, endnotes)
        moved = off_page(_result(body, tail["front"]).placements, chapters, endnotes)
        if not moved or round_ == ENDNOTE_ROUNDS:
            break
        workers.progress(f"{edition.name}: {len(moved)} notes too tall for their call's page; "
                         "setting them at their chapter's end")
        endnotes |= moved
    report_endnotes(workers.report, edition, chapters, endnotes, book.design.notes_title)
    return parts, body, tail, printed, endnotes


def _settle(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
            workers: "_Workers", sheet: bool,
            endnotes: frozenset[int] = frozenset()) -> tuple[BookParts, "_Chapters", dict[str, LaidOut], dict[str, str]]:
    """Lay the parts out until every page reference and index locator prints the folio its
    anchor lands on: a number's width can move a line, a page, the next chapter. The first pass
    prints placeholders; each pass after it the folios the one before found (from the cache
    where a part's HTML did not change). Also the folio sheet, with `sheet`."""
    wanted = pagerefs.wanted([*fragments.chapters.values(), *fragments.notes.values()])
    pages: dict[str, str] = {}
    for attempt in range(1, PASSES + 1):
        parts = BookParts(book, edition, chapters, fragments, pages, endnotes)
        body = _lay_out_chapters(parts, workers)
        tail = workers.run([parts.front(body.folios), *([parts.folio_sheet(body.sections)] if sheet else [])],
                           quiet=True)
        _raise_messages(tail)
        printed = _printed(body, tail["front"])
        if all(printed.get(a) == pages.get(a) for a in wanted):
            return parts, body, tail, printed
        missing = sorted(a for a in wanted if a not in printed)
        if missing:
            raise fail("F004", f"{edition.name} edition", 0, 0, "page references and index entries name places "
                       f"the PDF does not print: {', '.join('#' + a for a in missing[:10])}")
        workers.progress(f"{edition.name}: pass {attempt} found the pages of {len(wanted)} page references "
                         "and index places; laying out again with them")
        pages = {a: printed[a] for a in wanted}
    moving = sorted(a for a in wanted if printed.get(a) != pages.get(a))
    raise fail("F003", f"{edition.name} edition", 0, 0, f"page numbers did not settle after {PASSES} layouts: "
               f"{', '.join('#' + a for a in moving[:10])} keep moving (a reference near a page break whose "
               "number's width moves its target: reword the sentence)")


def _printed(body: "_Chapters", front: LaidOut) -> dict[str, str]:
    """Each anchor's folio as printed: arabic in the body, roman in the front matter."""
    printed = {name: roman(page).lower() for name, page in front.anchors}
    printed.update((name, str(page)) for name, page in body.folios.items())
    return printed


def _lay_out_chapters(parts: BookParts, workers: "_Workers") -> _Chapters:
    chapter_parts = parts.chapters()
    laid = workers.run(chapter_parts)
    _raise_messages(laid)
    # A chapter ends on the page before the next one opens; the last keeps no blank verso.
    last = laid[chapter_parts[-1].name]
    if last.blank and last.blank[-1]:
        laid[chapter_parts[-1].name] = _drop_last(last)
    folios, pages, blank, sections = {}, 1, [], []
    for part in chapter_parts:
        done = laid[part.name]
        anchors = dict(done.anchors)
        folios.update((anchor, pages + page - 1) for anchor, page in anchors.items())
        folios.setdefault(part.name, pages)
        # Pages before the chapter's own opening hold its part's title: counted, printed bare.
        opening = anchors.get(part.name, 1)
        filled = [i + 1 for i in range(done.pages) if not done.blank[i]]
        if any(page < opening for page in filled):
            sections.append(("part-title", sum(page < opening for page in filled)))
        sections.append(("chapter", sum(page >= opening for page in filled)))
        pages += done.pages
        blank += done.blank
    return _Chapters(chapter_parts, laid, folios, pages - 1, blank, sections)


def _result(body: _Chapters, front: LaidOut | None) -> Typeset:
    """The merged book's notes and page starts; the front matter's notes (a preface's) first."""
    placements = [weasyprint.NotePlacement(*p) for p in front.placements] if front else []
    starts = []
    offset = front.pages if front else 0
    for part in body.parts:
        done = body.laid[part.name]
        placements += [weasyprint.NotePlacement(note, call + offset, page + offset if page else 0)
                       for note, call, page in done.placements]
        first = body.folios[part.name]
        starts += [pagemap.PageStart(str(int(label) + first - 1), chapter, block, chars)
                   for label, chapter, block, chars in done.starts]
        offset += done.pages
    return Typeset(offset, placements, starts)


def _drop_last(done: LaidOut) -> LaidOut:
    return replace(done, pages=done.pages - 1, blank=done.blank[:-1], starts=done.starts[:done.pages - 1],
                   anchors=tuple(a for a in done.anchors if a[1] < done.pages))


def _raise_messages(laid: dict[str, LaidOut]) -> None:
    """Stop on any part's errors (its warnings were reported as it came back)."""
    messages = [m for done in laid.values() for m in done.messages]
    if any(m.severity == ERROR for m in messages):
        raise BuildError(messages)


def _endings(chapters: list[ResolvedChapter], front: int, body: _Chapters,
             endnotes: frozenset[int] = frozenset()) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """Each chapter's last words and the pages of the merged PDF one of which must hold them.

    The last words, not the whole sentence: a sentence that runs over a page break has the
    running head, the folio and the page's notes in between. A chapter that ends with its
    endnotes has its text end on one of its pages before them: any of its pages is looked at.
    """
    with_endnotes = {c.anchor for c in chapters if any(n.number in endnotes for n in c.notes)}
    last_pages, offset = {}, front
    for part in body.parts:
        laid = body.laid[part.name]
        filled = [i for i, blank in enumerate(laid.blank) if not blank]
        if part.name in with_endnotes:
            last_pages[part.name] = [offset + i for i in filled]
        else:
            last_pages[part.name] = [offset + (filled[-1] if filled else 0)]
        offset += laid.pages
    # Front matter (a preface) is laid out with the contents: its words are looked for there.
    front_pages = list(range(front))
    return tuple((c.shown, " ".join(last_sentence(c.blocks).split()[-ENDING_WORDS:])[-ENDING_CHARS:].strip(),
                  tuple(last_pages.get(c.anchor, front_pages))) for c in chapters)


def _check_endings(path: Path, endings: tuple[tuple[str, str, tuple[int, ...]], ...], shown: str) -> None:
    """Every chapter's last words must be on its last page of the merged PDF: never a book cut short."""
    texts = pdftext.page_texts(path, sorted({p for _, _, pages in endings for p in pages}))
    problems = []
    for chapter, ending, pages in endings:
        if ending and not holds(" ".join(texts.get(p, "") for p in pages), ending):
            problems.append(error("F002", shown, 0, 0, f"{chapter} is cut short in the merged PDF: "
                                  f"its last words “{ending}” are not on its last page ({pages[-1] + 1})"))
    if problems:
        raise BuildError(problems)


# ------------------------------------------------------------------ the workers


class _Workers:
    """The layouts of one build: from the cache where a part's key is found, else in worker
    processes (pressroom/workers.py), started only if something needs laying out."""

    def __init__(self, book: Book, store: cache_store.Store, jobs: int | None,
                 progress: Callable[[str], None], edition: str, report: Report | None = None,
                 output_profile: Path | None = None, executor: Executor | None = None):
        self.book, self.store = book, store
        self.executor = executor  # another machine's workers (a Dask cluster): used instead of a local pool
        self.report = report if report is not None else Report()
        self.profile = str(output_profile) if output_profile else None
        # A PDF/X part differs from a plain one laid out from the same HTML: its profile is in the key.
        profile_bytes = output_profile.read_bytes() if output_profile else b""
        self.salt = cache_store.digest(_salt(book), self.profile or "", hashlib.sha256(profile_bytes).hexdigest())
        self.places = _places(book, store)
        self.jobs = jobs
        self.progress, self.edition = progress, edition
        self.report = report if report is not None else Report()
        self.pool: workers.Pool | None = None
        self.roots = resource_roots(book, store.root / IMAGES)  # and the converted images

    def __enter__(self) -> "_Workers":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.__exit__(*exc)  # Ctrl-C ends the workers; anything else waits for them

    def run(self, parts: list[Part], *, quiet: bool = False) -> dict[str, LaidOut]:
        """Lay out `parts` (longest first, so no worker is left with a long one at the end); a line
        per part laid out, numbered among those not found in the cache."""
        done: dict[str, LaidOut] = {}
        pending = {}
        for part in sorted(parts, key=lambda p: -len(p.html)):
            key = cache_store.digest(self.salt, _portable(part.html, self.places))
            found = self._cached(key)
            if found is not None:
                done[part.name] = found
                report_once(self.report, found.messages)  # a cached part's warnings are still true
                continue
            target = str(self.store.path(KIND, key, ".pdf"))
            future = self._pool().submit(_lay_out, part.html, str(self.book.root), self.roots,
                                         part.label, target, part.chapter is not None, key, self.profile)
            pending[future] = (part, key)
        count, total = 0, len(pending)
        running: dict = {}  # future → when it was first seen running: each part's own clock
        while pending:
            finished, _ = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            self._stop_overdue(pending, running)
            for future in finished:
                part, key = pending.pop(future)
                try:
                    laid = future.result()
                except BrokenProcessPool:
                    raise fail("W006", part.label, 0, 0, "the process laying it out died (out of memory, or "
                               "killed); nothing was replaced") from None
                done[part.name] = laid
                count += 1
                report_once(self.report, (m for m in laid.messages if m.severity != ERROR))
                if not any(m.severity == ERROR for m in laid.messages):
                    self.store.write_json(KIND, key, _as_json(laid))
                    if not quiet:
                        self.progress(f"{self.edition}: [{count}/{total}] {part.label}: "
                                      f"{laid.pages} pages, {laid.seconds:.1f} s")
        return done

    def _stop_overdue(self, pending: dict, running: dict) -> None:
        """Kill the workers when a part has been laid out for longer than limits.PART_SECONDS,
        naming it: WeasyPrint stuck in Pango's C code hears no Python timer, a killed process stops.

        Longer in CPU time, read from the worker laying it out: on a machine busy with other work
        a long chapter (Varieties' 58 pages, a minute alone) takes several times as long by the
        clock, and was stopped for it. The clock still stops a part past WALL_FACTOR times the
        limit (a worker waiting on nothing), and is all there is for a cluster's workers."""
        now = time.monotonic()
        for future in pending:
            if future.running():
                running.setdefault(future, [now, None, None])
        overdue = []
        for future, clock in running.items():
            if future not in pending:
                continue
            part, key = pending[future]
            if clock[1] is None:  # the worker's pid and CPU time when first seen laying this part out
                clock[1] = _worker_pid(self.store.path(KIND, key, ".pdf"))
                clock[2] = _cpu_seconds(clock[1]) if clock[1] else None
            wall = now - clock[0]
            cpu = _cpu_seconds(clock[1]) - clock[2] if clock[1] and clock[2] is not None else 0.0
            local = self.executor is None  # our own workers: each writes its pid (a part queued has none yet)
            if wall > limits.PART_SECONDS * (WALL_FACTOR if local else 1) or cpu > limits.PART_SECONDS:
                overdue.append(future)
        if not overdue:
            return
        part = pending[min(overdue, key=lambda f: running[f][0])][0]
        if self.pool is not None:  # a cluster's (Dask's) workers are the cluster's to stop
            self.pool.stop()
            self.pool = None
        raise fail("W009", part.label, 0, 0, f"laying it out took longer than {limits.PART_SECONDS} s, so its "
                   "worker was stopped (a very long paragraph, word, table or many notes?); nothing was replaced")

    def _cached(self, key: str) -> LaidOut | None:
        """The part as laid out before, if its entry and its PDF both hold (cache.Store.file)."""
        value = self.store.read_json(KIND, key)
        if value is None:
            return None
        pdf = self.store.file(KIND, key, ".pdf", value.get("sealed"))
        if pdf is None:
            return None
        return _from_json(value, pdf)

    def _pool(self) -> Executor:
        if self.executor is not None:
            return self.executor
        if self.pool is None:
            self.pool = workers.pool(self.jobs)
        return self.pool



def _worker_pid(target: Path) -> int | None:
    """The process laying out the part whose PDF goes to `target`, as its worker wrote it (_lay_out)."""
    try:
        return int(Path(f"{target}.pid").read_text())
    except (OSError, ValueError):
        return None


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _lay_out(html: str, base: str, roots: weasyprint.Resources, label: str, target: str, chapter: bool,
             key: str, profile: str | None = None) -> LaidOut:
    """In a worker: lay the part out, read its notes and page starts, write its PDF into the cache."""
    started = time.monotonic()
    warnings: list[Message] = []
    pid_file = Path(f"{target}.pid")  # for the parent's clock: this worker's CPU time is the part's
    try:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(str(os.getpid()))
    except OSError:
        pass  # the parent falls back on the wall clock
    try:
        document = weasyprint.layout(html, Path(base), roots, label=label, warnings=warnings)
        blank = weasyprint.blank_pages(document)
        keep = len(document.pages) - 1  # the part-end page
        # A note pushed onto the part-end page is printed nowhere in the book.
        placements = tuple((p.note_id, p.call_page, p.body_page if p.body_page <= keep else 0)
                           for p in weasyprint.note_placements(document) if p.call_page <= keep)
        found = pagemap.page_starts(document) if chapter else []
        before = len(document.pages) - len(found)  # a part's title page comes before the chapter's first
        starts = tuple((s.label, s.chapter, s.block, s.chars) for s in found if int(s.label) + before <= keep)
        anchors = tuple(sorted((name, page) for name, page in weasyprint.anchor_pages(document).items()
                               if page <= keep))
        temporary = Path(f"{target}.{os.getpid()}.tmp")
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            weasyprint.write_pdf(document, temporary, identifier=label.encode() if profile else None, label=label,
                                 output_profile=Path(profile) if profile else None)
            sealed = cache_store.seal(KIND, key, temporary.read_bytes())
            os.replace(temporary, target)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise fail("W005", label, 0, 0, f"could not write the laid-out pages to {Path(target).parent}: "
                       f"{exc.strerror or exc}") from None
    except BuildError as exc:
        return LaidOut(target, 0, (), (), (), (), time.monotonic() - started, messages=tuple(exc.messages))
    finally:
        pid_file.unlink(missing_ok=True)
    return LaidOut(target, keep, tuple(blank[:keep]), placements, starts, anchors, time.monotonic() - started,
                   messages=tuple(warnings), peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   sealed=sealed)


def _as_json(laid: LaidOut) -> dict:
    """The entry kept for a part: no path (the cache may move, or be another clone's), the PDF's seal."""
    return {"sealed": laid.sealed, "pages": laid.pages, "blank": list(laid.blank),
            "placements": [list(p) for p in laid.placements], "starts": [list(s) for s in laid.starts],
            "anchors": [list(a) for a in laid.anchors], "seconds": laid.seconds,
            "messages": [list(astuple(m)) for m in laid.messages]}


def _from_json(value: dict, pdf: Path) -> LaidOut:
    return LaidOut(str(pdf), value["pages"], tuple(value["blank"]),
                   tuple(tuple(p) for p in value["placements"]), tuple(tuple(s) for s in value["starts"]),
                   tuple(tuple(a) for a in value["anchors"]), value["seconds"], cached=True,
                   messages=tuple(Message(*m) for m in value.get("messages", ())), sealed=value["sealed"])


def _salt(book: Book) -> str:
    """What every part's layout depends on beyond its HTML: never where the book lies."""
    images = book.root / "images"
    return cache_store.digest(cache_store.code_digest(), _tool_versions(), Theme(book.root).digest,
                              cache_store.tree_digest(images) if images.is_dir() else "")


def _places(book: Book, store: cache_store.Store) -> tuple[tuple[str, str], ...]:
    """The folders a part's HTML names by absolute file: URL (stylesheets, fonts, converted images),
    longest first, each with the token that stands for it in the part's key."""
    package = Path(cache_store.__file__).resolve().parent
    places = {store.root.resolve().as_uri(): "pressroom-cache:", book.root.resolve().as_uri(): "pressroom-book:",
              package.as_uri(): "pressroom-package:"}
    return tuple(sorted(places.items(), key=lambda p: -len(p[0])))


def _portable(html: str, places: tuple[tuple[str, str], ...]) -> str:
    """A part's HTML as its key sees it: the same in every clone and on every machine. The files
    those URLs name are in the key by their bytes (the theme's digest, the images' tree)."""
    for url, token in places:
        html = html.replace(url + "/", token)
    return html
