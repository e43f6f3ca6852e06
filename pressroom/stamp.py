"""Per-reader copies of a release: "Prepared for NAME · order ID" on the copyright page and every page.

    python build.py stamp --readers readers.csv [--edition pdf,epub]

reads dist/<slug>-<version>/manifest.json (written by `build.py dist`), checks each release file
against its checksum, and writes dist/<slug>-<version>/readers/<reader-id>.pdf (and .epub, ...).

PDF: nothing is typeset again. The stamp text is laid out once per reader by WeasyPrint into a
tiny PDF (one page per placement: the footer strip, the copyright line), and pikepdf draws those
pages as Form XObjects over the built pages, so page count, sizes, recto/verso, text and images
stay exactly as released. The reader is also named in the XMP metadata.
EPUB: the copyright page gains the line, the package metadata three <meta> elements; every
other entry keeps its content.

A bad row is reported as `readers.csv:17:1: error[...]` and the other readers still get their
copies. readers/.stamped.json remembers what each copy was made from, so a re-run only redoes
copies whose reader, release file or stamping code changed.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import workers
from .editions import KINDS as EDITION_KINDS
from .messages import BuildError, Message, Report, error, fail
from .model import Design
from .fonts import FACES
from .theme import STYLES

Progress = Callable[[str], None]
# What can carry a reader's name: the paged and EPUB editions (a web edition is served, not sold).
KINDS = tuple(k.name for k in EDITION_KINDS.values() if k.format in ("pdf", "epub"))
STATE = ".stamped.json"

# The stamp's faces, tried in order for each character: the book face, then the bundled fallback
# per script (pressroom/fonts.py), so a reader's name in any script the book can print is stamped
# with the fonts the book itself embeds, whatever the host has installed.
# (family, file, the Debian package that installs it; None: bundled)
FONTS = tuple((f"Stamp {face.family}", STYLES / face.file, None) for face in FACES)

# The stamp fits the book's page design (its styles/design.yaml: gutter and outer margin); the
# footer sits low in the bottom margin, below a folio set there, 1.5 % of the height above the edge.
FOOTER_RISE = 0.015
FOOTER_SIZE, FOOTER_LEADING = 6.5, 7.5
COPYRIGHT_SIZE, COPYRIGHT_LEADING = 8.5, 11.0  # as the copyright page's own text
# Room for four lines: a stamp is at most two (a line mixing fonts is taller than its line-height),
# and one that outgrew its page would be split across two forms.
ROOM_LINES = 4
COPYRIGHT_ID = "copyright"  # templates/copyright.html: the copyright page's first line
XMP_FIELDS = ("PreparedFor", "OrderID", "Stamp")
OPF_PREFIX = "pressroom: https://pressroom.invalid/ns/stamp/1.0/"

MAX_NAME, MAX_ORDER = 80, 40  # together they fit two footer lines
READER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
COLUMNS = {"name": "name", "email": "email", "e-mail": "email", "order": "order", "order id": "order",
           "order_id": "order", "order-id": "order", "id": "id", "reader": "id", "reader id": "id"}
# Controls that reorder or hide text: a name holding them could show as something else.
HIDDEN = {0x200B, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069,
          0xFEFF, 0xFFFE, 0xFFFF}
FSI, PDI = "\u2068", "\u2069"  # isolate a name, so right-to-left text cannot reorder the words around it


@dataclass(frozen=True)
class Reader:
    """One row of readers.csv: who a copy is for, and the file it is written to."""

    id: str
    name: str
    email: str
    order: str
    shown: str  # readers.csv as the user named it, for messages
    line: int

    @property
    def stamp(self) -> str:
        return f"Prepared for {self.name} · order {self.order}"


@dataclass(frozen=True)
class Source:
    """A release file to stamp and how its copies are named (`<reader-id><suffix>`)."""

    kind: str
    file: str
    path: Path
    sha256: str
    suffix: str
    design: Design  # the book's page design: where the text block is


@dataclass(frozen=True)
class Job:
    """One copy to write."""

    reader: Reader
    source: Source
    target: Path
    key: str


@dataclass(frozen=True)
class Outcome:
    """What a worker did with a job: the copy's size, or the messages that stopped it."""

    job: Job
    size: int | None
    messages: tuple[Message, ...] = ()


@dataclass
class StampResult:
    """Counts for the closing line."""

    folder: Path
    written: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = f", {self.written / self.seconds:.1f} copies/s" if self.written and self.seconds else ""
        return (f"stamp: {self.written} copies written, {self.unchanged} up to date, {self.failed} failed "
                f"in {self.folder}{rate}")


# ---------------------------------------------------------------------------------------------
# readers.csv
# ---------------------------------------------------------------------------------------------


def read_readers(path: Path, shown: str, report: Report) -> list[Reader]:
    """Every good row of the CSV; each bad row becomes an error at its line, the rest go on."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail("R000", shown, 0, 0, f"cannot read the readers list: {exc.strerror}") from None
    # Undecodable bytes survive as lone surrogates, so only the rows holding them are refused.
    lines = data.decode("utf-8-sig", "surrogateescape").splitlines(keepends=True)
    rows = csv.reader(lines, strict=True)
    header, start = _header(rows, shown)
    readers: list[Reader] = []
    seen: dict[str, int] = {}
    while True:
        first = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            report.add(error("R002", shown, first, 0, f"not a CSV row: {exc}"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        reader = _reader(row, header, first, shown, report)
        if reader is not None and _unique(reader, seen, shown, report):
            readers.append(reader)
    if not readers and not report.errors:
        report.add(error("R001", shown, start, 0, "no readers listed under the header"))
    return readers


def _header(rows, shown: str) -> tuple[dict[str, int], int]:
    """Column name → index; name and order are required, email expected."""
    try:
        row = next(rows)
    except (StopIteration, csv.Error):
        raise fail("R001", shown, 1, 0, "no header row: the first line names the columns, "
                   "e.g. `name,email,order`") from None
    header = {}
    for index, cell in enumerate(row):
        column = COLUMNS.get(cell.strip().lower())
        if column and column not in header:
            header[column] = index
    missing = [c for c in ("name", "email", "order") if c not in header]
    if missing:
        raise fail("R001", shown, rows.line_num, 0, f"the header has no {' or '.join(missing)} column "
                   f"(found: {', '.join(repr(c) for c in row)})")
    return header, rows.line_num


def _reader(row: list[str], header: dict[str, int], line: int, shown: str, report: Report) -> Reader | None:
    if len(row) < max(header.values()) + 1:
        report.add(error("R002", shown, line, 0, f"{len(row)} field(s), but the header names "
                         f"{max(header.values()) + 1}"))
        return None
    values = {column: row[index].strip() for column, index in header.items()}
    problems = [p for column in ("name", "email", "order") for p in _field_problems(column, values[column])]
    reader_id = values.get("id") or file_id(values["order"])
    if not problems and not READER_ID.fullmatch(reader_id):
        problems.append(f"reader id {reader_id!r} cannot name a file: use letters, digits, '.', '_', '-'")
    for problem in problems:
        report.add(error("R003", shown, line, 0, problem))
    if problems:
        return None
    return Reader(reader_id, values["name"], values["email"], values["order"], shown, line)


def _field_problems(column: str, value: str) -> list[str]:
    """Why a field cannot be printed as written (an empty list: it can)."""
    if not value:
        return [f"{column} is empty"]
    if any(0xDC80 <= ord(c) <= 0xDCFF for c in value):  # undecodable bytes, kept by surrogateescape
        return [f"{column} is not UTF-8 text: save the CSV as UTF-8"]
    bad = sorted({c for c in value if unicodedata.category(c) == "Cc" or ord(c) in HIDDEN})
    if bad:
        return [f"{column} holds {', '.join(_char_name(c) for c in bad)}, which can hide or reorder text"]
    limit = {"name": MAX_NAME, "order": MAX_ORDER}.get(column)
    if limit and len(value) > limit:
        return [f"{column} is {len(value)} characters long; at most {limit} fit the footer"]
    if column == "email" and not EMAIL.fullmatch(value):
        return [f"email {value!r} is not an address"]
    missing = sorted({c for c in value if not _shown_without_glyph(c) and not covered(c)})
    if missing:
        return [f"{column} has characters no stamp font can show: {', '.join(_char_name(c) for c in missing)}"]
    return []


def _shown_without_glyph(char: str) -> bool:
    """Spaces and format characters (joiners, direction marks) need no glyph of their own."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def _char_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"


def file_id(order: str) -> str:
    """A file name from an order id: runs of anything but letters, digits, '.', '_', '-' become '-'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", order).strip("-._")[:64]


def _unique(reader: Reader, seen: dict[str, int], shown: str, report: Report) -> bool:
    """One copy per reader id; case-insensitive file systems would merge `A1` and `a1`."""
    key = reader.id.lower()
    if key in seen:
        report.add(error("R004", shown, reader.line, 0, f"reader id {reader.id!r} is already used on line "
                         f"{seen[key]}: every order gets its own copy"))
        return False
    seen[key] = reader.line
    return True


@lru_cache(maxsize=1)
def _cmaps() -> tuple[frozenset[int], ...]:
    from fontTools.ttLib import TTFont

    return tuple(frozenset(TTFont(path, lazy=True)["cmap"].getBestCmap()) for _, path, _ in stamp_fonts())


def covered(char: str) -> bool:
    """Whether one of the stamp's fonts has a glyph for `char`."""
    return any(ord(char) in cmap for cmap in _cmaps())


def stamp_fonts() -> tuple[tuple[str, Path, str | None], ...]:
    """The stamp's fonts, each checked to be installed."""
    for _, path, package in FONTS:
        if not path.is_file():
            how = f"sudo apt-get install -y {package}" if package else "restore styles/fonts from git"
            raise fail("S001", str(path), 0, 0, f"a font the stamp needs is missing: {how}")
    return FONTS


# ---------------------------------------------------------------------------------------------
# The release
# ---------------------------------------------------------------------------------------------


def release_sources(release: Path, kinds: list[str], design: Design) -> list[Source]:
    """The release files of `kinds`, from manifest.json, each checked against its sha256."""
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise fail("S002", "--edition", 0, 0, f"cannot stamp {unknown[0]!r}: choose from {', '.join(KINDS)}")
    manifest_path = release / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        raise fail("S002", str(manifest_path), 0, 0, "no release to stamp: run `make dist` first") from None
    stem = release.name
    sources = []
    for entry in manifest.get("editions", []):
        if entry.get("kind") not in kinds:
            continue
        if not re.fullmatch(re.escape(stem) + r"[A-Za-z0-9._-]*", str(entry.get("file"))):
            raise fail("S002", str(manifest_path), 0, 0, f"{entry.get('file')!r} is not a file of this release")
        path = release / entry["file"]
        if not path.is_file() or _sha256(path.read_bytes()) != entry.get("sha256"):
            raise fail("S002", str(path), 0, 0, "missing or changed since `make dist` wrote it "
                       "(its sha256 is not the manifest's): run `make dist` again")
        sources.append(Source(entry["kind"], entry["file"], path, entry["sha256"], entry["file"][len(stem):],
                              design))
    found = {s.kind for s in sources}
    missing = [k for k in kinds if k not in found]
    if missing:
        raise fail("S002", str(manifest_path), 0, 0, f"the release has no {missing[0]} edition to stamp")
    return sources


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code that shapes a copy: a change to it redoes every copy."""
    parts = [Path(__file__), Path(__file__).parent / "tools" / "pikepdf.py"]
    return _sha256(b"".join(p.read_bytes() for p in parts))


def job_key(reader: Reader, source: Source) -> str:
    """What a copy depends on; equal keys give equal copies."""
    fields = [code_version(), source.sha256, source.suffix, reader.id, reader.name, reader.order]
    return _sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def stamp_release(manuscript: Path, dist_root: Path, readers_csv: Path, kinds: list[str], jobs: int,
                  progress: Progress, report: Report, scheduler: str | None = None) -> StampResult:
    """Write a stamped copy of each release file of `kinds` for every good row of `readers_csv`,
    on the Dask cluster at `scheduler` when given (its workers see the release folder)."""
    import time

    from .dist import release_folder
    from .manuscript.load import load_book

    book = load_book(manuscript, report)
    release = release_folder(book, dist_root)
    sources = release_sources(release, list(dict.fromkeys(k.strip() for k in kinds if k.strip())), book.design)
    stamp_fonts()
    readers = read_readers(readers_csv, str(readers_csv), report)
    folder = release / "readers"
    folder.mkdir(parents=True, exist_ok=True)
    state = _load_state(folder)
    todo = [job for job in _jobs(readers, sources, folder) if not _up_to_date(job, state)]
    result = StampResult(folder, unchanged=len(readers) * len(sources) - len(todo))
    progress(f"stamp: {len(readers)} readers × {', '.join(s.kind for s in sources)}: {len(todo)} copies to write")
    if todo:
        _init_worker(sources)  # here first: a release that cannot be stamped stops before any worker starts
        from .tools import weasyprint

        for stamper in _STAMPERS.values():  # they live as long as this run, their fonts in TMPDIR
            if isinstance(stamper, PdfStamper):
                weasyprint.removed_if_killed(stamper.renderer)
    started = time.monotonic()
    try:
        run = _run_on_cluster(todo, sources, scheduler, progress) if scheduler else _run(todo, sources, jobs, progress)
        for done, outcome in enumerate(run, start=1):
            _record(outcome, state, result, report)
            if done % 200 == 0:
                _save_state(folder, state)  # an interrupted run keeps what it wrote
    finally:
        _save_state(folder, state)
    result.seconds = time.monotonic() - started
    _check_first_epub(todo, state, report)
    return result


def _jobs(readers: list[Reader], sources: list[Source], folder: Path) -> list[Job]:
    return [Job(r, s, folder / f"{r.id}{s.suffix}", job_key(r, s)) for r in readers for s in sources]


def _load_state(folder: Path) -> dict:
    try:
        state = json.loads((folder / STATE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _save_state(folder: Path, state: dict) -> None:
    from .output import write_bytes

    write_bytes(folder / STATE, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def _up_to_date(job: Job, state: dict) -> bool:
    """Made from the same inputs by the same code, and still the size it was written at."""
    known = state.get(job.target.name)
    if not isinstance(known, dict) or known.get("key") != job.key:
        return False
    try:
        return job.target.stat().st_size == known.get("bytes")
    except OSError:
        return False


def _record(outcome: Outcome, state: dict, result: StampResult, report: Report) -> None:
    if outcome.size is None:
        result.failed += 1
        report.extend(outcome.messages)
        state.pop(outcome.job.target.name, None)
        return
    result.written += 1
    state[outcome.job.target.name] = {"key": outcome.job.key, "bytes": outcome.size}


def _run(todo: list[Job], sources: list[Source], jobs: int, progress: Progress):
    """Stamp every job, in worker processes (pressroom/workers.py: one per core this run may use)
    when there are enough jobs to pay for starting them."""
    count = min(jobs or workers.cores(), math.ceil(len(todo) / 20))
    step = max(100, len(todo) // 10)  # a progress line per tenth of a long run
    if count <= 1:
        progress(f"stamp: writing {len(todo)} copies in this process")
        yield from _report_progress(map(_stamp_job, todo), len(todo), step, progress)
        return
    progress(f"stamp: writing {len(todo)} copies in {count} worker processes")
    # Each worker, forked from a fork server that holds no fonts yet, starts its own fontconfig.
    with workers.pool(count, preload=STAMP_PRELOAD, initializer=_init_worker, initargs=(sources,)) as pool:
        yield from _report_progress(pool.map(_stamp_job, todo, chunksize=8), len(todo), step, progress)


def _run_on_cluster(todo: list[Job], sources: list[Source], scheduler: str, progress: Progress):
    """Stamp every job on a Dask cluster, in chunks: each worker builds its stampers once per chunk."""
    import os

    from .tools import dask

    chunks = [todo[i:i + CLUSTER_CHUNK] for i in range(0, len(todo), CLUSTER_CHUNK)]
    progress(f"stamp: writing {len(todo)} copies on the cluster at {scheduler}, {len(chunks)} tasks")
    step = max(100, len(todo) // 10)
    with dask.executor(scheduler, workers.enter, os.environ.get("SOURCE_DATE_EPOCH")) as cluster:
        futures = [cluster.submit(_stamp_chunk, sources, chunk) for chunk in chunks]
        outcomes = (outcome for future in futures for outcome in future.result())
        yield from _report_progress(outcomes, len(todo), step, progress)


CLUSTER_CHUNK = 50  # copies a task: enough to pay for a task's round trip and the stampers' set-up


def _stamp_chunk(sources: list[Source], jobs: list[Job]) -> list[Outcome]:
    _init_worker(sources)
    return [_stamp_job(job) for job in jobs]


STAMP_PRELOAD = ("weasyprint", "pikepdf", "pressroom.stamp", "pressroom.tools.pikepdf")


def _report_progress(outcomes, total: int, step: int, progress: Progress):
    for done, outcome in enumerate(outcomes, start=1):
        if done % step == 0 and done < total:
            progress(f"stamp: {done}/{total} copies")
        yield outcome


def _check_first_epub(todo: list[Job], state: dict, report: Report) -> None:
    """EPUBCheck the first EPUB this run wrote: every copy is edited the same way, only the text differs."""
    from .tools.epubcheck import check_epub

    written = [j.target for j in todo if EDITION_KINDS[j.source.kind].format == "epub" and j.target.name in state]
    if not written:
        return
    try:
        messages = check_epub(written[0])
    except BuildError as exc:  # no Java, say: the copies stand, the check is what failed
        report.extend(exc.messages)
        return
    for message in messages:
        report.add(error("S020", str(written[0]), 0, 0, f"EPUBCheck: {message}"))


# ---------------------------------------------------------------------------------------------
# In each worker: one stamper per release file, built once (fonts, page plan), then one copy a job
# ---------------------------------------------------------------------------------------------

_STAMPERS: dict[tuple[str, str], object] = {}


def _init_worker(sources: list[Source]) -> None:
    for source in sources:
        key = (str(source.path), source.sha256)
        if key not in _STAMPERS:
            _STAMPERS[key] = EpubStamper(source) if EDITION_KINDS[source.kind].format == "epub" else PdfStamper(source)


def _stamp_job(job: Job) -> Outcome:
    from .output import write_bytes

    try:
        data = _STAMPERS[(str(job.source.path), job.source.sha256)].stamp(job.reader)
        write_bytes(job.target, data)
    except BuildError as exc:  # the copy fails; it is reported at the reader's row
        return Outcome(job, None, tuple(_at_row(m, job) for m in exc.messages))
    except OSError as exc:
        return Outcome(job, None, (error("S010", str(job.target), 0, 0, f"cannot write: {exc.strerror}"),))
    return Outcome(job, len(data))


def _at_row(message: Message, job: Job) -> Message:
    return error(message.code, job.reader.shown, job.reader.line, 0, f"{job.source.kind} copy: {message.text}")


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


class PdfStamper:
    """Stamps copies of one PDF: the page plan and fonts are worked out once."""

    def __init__(self, source: Source):
        from .tools import pikepdf, weasyprint

        self.label = source.file
        self.data = source.path.read_bytes()
        with pikepdf.open_pdf(self.data, self.label) as pdf:
            boxes = pikepdf.page_boxes(pdf)
            mark = pikepdf.destination(pdf, COPYRIGHT_ID)
        if mark is None:
            raise fail("S003", self.label, 0, 0, f"no copyright page to stamp (no '{COPYRIGHT_ID}' destination): "
                       "templates/copyright.html must keep id=\"copyright\"; run `make dist` again")
        self.widths = sorted({round(b.width, 2) for b in boxes})
        self.pages = pikepdf.Stamper(self.data, page_draws(boxes, mark, self.widths, source.design), label=self.label)
        css = stamp_css(self.widths, text_width(boxes[mark.page].width, source.design), source.design)
        self.renderer = weasyprint.SmallDocuments(css, [STYLES / "fonts", *{p.parent for _, p, _ in FONTS}],
                                                  label=f"{self.label} stamp")

    def stamp(self, reader: Reader) -> bytes:
        """A copy of the PDF for `reader`."""
        forms = self.renderer.pdf(stamp_html(reader, len(self.widths)))
        return self.pages.copy(forms, dict(zip(XMP_FIELDS, (reader.name, reader.order, reader.stamp))))


def text_width(trim_width: float, design: Design) -> float:
    """The text block's width for a trim width (the design's margins, as pdf.page_geometry sets them)."""
    return trim_width * (1 - design.gutter - design.outer)


def page_draws(boxes, mark, widths: list[float], design: Design) -> list[tuple]:
    """Per page: the footer strip under the text block; on the copyright page, the line above its text."""
    from .tools.pikepdf import Draw

    draws = []
    for index, box in enumerate(boxes):
        # Even PDF pages are rectos (right-hand): the gutter is on their left.
        left = box.width * (design.gutter if index % 2 == 0 else design.outer)
        footer = Draw(widths.index(round(box.width, 2)), box.llx + left, box.lly + box.height * FOOTER_RISE,
                      "/Artifact <</Type /Pagination /Subtype /Footer>> BDC")
        page = [footer]
        if index == mark.page:
            page.append(Draw(len(widths), mark.x, mark.y + COPYRIGHT_LEADING))
        draws.append(tuple(page))
    return draws


def stamp_css(widths: list[float], copyright_width: float, design: Design) -> str:
    """Fonts, one page size per footer width and one for the copyright line; text sits on the page's foot."""
    faces = "".join(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); }}\n'
                    for family, path, _ in FONTS)
    families = ", ".join(f'"{family}"' for family, _, _ in FONTS)
    pages = "".join(f"@page footer{i} {{ size: {text_width(w, design):.2f}pt {FOOTER_LEADING * ROOM_LINES}pt; margin: 0 }}\n"
                    for i, w in enumerate(widths))
    return f"""{faces}{pages}
@page copyright {{ size: {copyright_width:.2f}pt {COPYRIGHT_LEADING * ROOM_LINES}pt; margin: 0 }}
html {{ font-family: {families}; color: #333; }}
body {{ margin: 0; }}
/* A one-cell table with the text at its foot: a longer stamp grows upwards. The fixed table
   layout takes its width from the page, which spares measuring the text's widths. */
.strip {{ display: table; table-layout: fixed; width: 100%; break-before: page; }}
.strip p {{ display: table-cell; vertical-align: bottom; margin: 0; hyphens: manual; overflow-wrap: anywhere; }}
.footer {{ font-size: {FOOTER_SIZE}pt; line-height: {FOOTER_LEADING}pt; text-align: center; }}
.footer p {{ height: {FOOTER_LEADING * ROOM_LINES}pt; }}
.copyright {{ page: copyright; font-size: {COPYRIGHT_SIZE}pt; line-height: {COPYRIGHT_LEADING}pt; text-align: left; }}
.copyright p {{ height: {COPYRIGHT_LEADING * ROOM_LINES}pt; }}
""" + "".join(f".footer{i} {{ page: footer{i}; }}\n" for i in range(len(widths)))


def stamp_html(reader: Reader, footers: int) -> str:
    """The stamp pages for one reader: the name and order escaped, each isolated as a bidi run."""
    text = (f"Prepared for {FSI}{html.escape(reader.name)}{PDI} · order {FSI}{html.escape(reader.order)}{PDI}")
    strips = [f'<div class="strip footer footer{i}"><p>{text}</p></div>' for i in range(footers)]
    strips.append(f'<div class="strip copyright"><p>{text}</p></div>')
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{"".join(strips)}</body></html>'


# ---------------------------------------------------------------------------------------------
# EPUB
# ---------------------------------------------------------------------------------------------

# Where the line goes: above the copyright page's first line (templates/copyright.html, as in the
# PDF), or else at the end of a title page that carries the rights (pandoc's EPUB writer).
COPYRIGHT_LINE = re.compile(rb'[ \t]*<[a-z]+\b[^>]*\sid="copyright"')
TITLE_PAGE = re.compile(rb'<section[^>]*epub:type="titlepage"[^>]*>.*?(?=</section>)', re.S)
PACKAGE = re.compile(rb"<package\b[^>]*>")
PREFIX = re.compile(rb'\sprefix="([^"]*)"')


class EpubStamper:
    """Stamps copies of one EPUB: every entry but the package file and the copyright page is zipped once."""

    def __init__(self, source: Source):
        self.label = source.file
        data = source.path.read_bytes()
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = [(info, archive.read(info)) for info in archive.infolist()]
        except (zipfile.BadZipFile, OSError) as exc:
            raise fail("S004", self.label, 0, 0, f"not a readable EPUB: {exc}") from None
        if not entries or entries[0][0].filename != "mimetype":
            raise fail("S004", self.label, 0, 0, "not an EPUB: its first entry is not `mimetype`")
        self.package = _package_name({i.filename: d for i, d in entries}, self.label)
        pages = [(i.filename, d) for i, d in entries if i.filename.endswith(".xhtml")]
        self.copyright_page = next((n for n, d in pages if COPYRIGHT_LINE.search(d)), None) or \
            next((n for n, d in pages if TITLE_PAGE.search(d)), None)
        if self.copyright_page is None:
            raise fail("S004", self.label, 0, 0, "no copyright page (id=\"copyright\") or title page to stamp")
        self.edited = {self.package: None, self.copyright_page: None}
        for info, content in entries:
            if info.filename in self.edited:
                self.edited[info.filename] = (info, content)
        self.base = _zip_entries([(i, d) for i, d in entries if i.filename not in self.edited])

    def stamp(self, reader: Reader) -> bytes:
        """A copy of the EPUB for `reader`: the base entries as they are, the two edited ones after them."""
        buffer = io.BytesIO(self.base)
        with zipfile.ZipFile(buffer, "a") as archive:
            for name, (info, content) in self.edited.items():
                edit = stamp_opf if name == self.package else stamp_copyright_page
                _write_entry(archive, info, _well_formed(edit(content, reader), name, self.label))
        return buffer.getvalue()


def _package_name(files: dict[str, bytes], label: str) -> str:
    container = files.get("META-INF/container.xml", b"")
    match = re.search(rb'full-path="([^"]+)"', container)
    if not match or match.group(1).decode("utf-8") not in files:
        raise fail("S004", label, 0, 0, "META-INF/container.xml names no package file")
    return match.group(1).decode("utf-8")


def _zip_entries(entries: list) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, content in entries:
            _write_entry(archive, info, content)
    return buffer.getvalue()


def _write_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, content: bytes) -> None:
    """The entry with the source's name, time and mode; `mimetype` stays stored, as EPUB requires."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.external_attr, copy.create_system = info.external_attr, info.create_system
    stored = info.filename == "mimetype" or info.compress_type == zipfile.ZIP_STORED
    archive.writestr(copy, content, compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)


def _xml_text(text: str) -> str:
    return html.escape(text, quote=False)


def stamp_copyright_page(content: bytes, reader: Reader) -> bytes:
    """The copyright page gains `Prepared for NAME · order ID` above its first line."""
    line = (f'<p class="prepared-for">Prepared for <bdi>{_xml_text(reader.name)}</bdi> · order '
            f"<bdi>{_xml_text(reader.order)}</bdi></p>\n").encode("utf-8")
    match = COPYRIGHT_LINE.search(content)
    if match:
        indent = match.group(0)[:len(match.group(0)) - len(match.group(0).lstrip())]
        return content[:match.start()] + indent + line + content[match.start():]
    match = TITLE_PAGE.search(content)
    return content[:match.end()] + b"  " + line + content[match.end():]


def stamp_opf(content: bytes, reader: Reader) -> bytes:
    """The package metadata gains the reader, the order and the stamp line, under our own prefix."""
    package = PACKAGE.search(content)
    if package is None or b"</metadata>" not in content:
        raise fail("S004", "content.opf", 0, 0, "no <package> or </metadata> in the package file")
    tag = package.group(0)
    prefix = PREFIX.search(tag)
    if prefix:
        new_tag = tag[:prefix.start(1)] + prefix.group(1) + b" " + OPF_PREFIX.encode() + tag[prefix.end(1):]
    else:
        new_tag = tag[:-1] + f' prefix="{OPF_PREFIX}">'.encode()
    metas = "".join(f'    <meta property="pressroom:{prop}">{_xml_text(value)}</meta>\n'
                    for prop, value in (("prepared-for", reader.name), ("order", reader.order),
                                        ("stamp", reader.stamp)))
    content = content[:package.start()] + new_tag + content[package.end():]
    head, _, tail = content.rpartition(b"</metadata>")
    return head.rstrip(b" \t") + metas.encode("utf-8") + b"  </metadata>" + tail


def _well_formed(content: bytes, name: str, label: str) -> bytes:
    """Parse the edited file: a copy that a reading system might refuse is never written."""
    from lxml import etree

    try:
        etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise fail("S005", f"{label}:{name}", 0, 0, f"the stamped file is not well-formed XML: {exc}") from None
    return content
