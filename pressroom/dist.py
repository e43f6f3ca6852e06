"""Releases: every edition built once, named by version, checksummed and described for distribution.

    dist/<slug>-<version>/
      <slug>-<version>.pdf          the reader's PDF
      <slug>-<version>-print.pdf    the printer's PDF
      <slug>-<version>.epub         the EPUB
      <slug>-<version>-html.zip     the web edition, one folder in a zip
      CHANGES.md                    what changed since the previous `v*` tag (when there is one)
      <slug>-<version>-cover.pdf    the print edition's cover (back, spine, front, with bleed)
      onix.xml                      ONIX for Books 3.0: a Product per edition, for distributors
      manifest.json                 per edition: kind, ISBN, pages, bytes, sha256; source commit, build date
      SHA256SUMS                    `sha256sum -c SHA256SUMS` checks every file above
      readers/                      per-reader copies (`build.py stamp`), left as they are here

The same commit gives the same bytes wherever and whenever it is built: the timestamp is the
commit's (SOURCE_DATE_EPOCH), the zip's entries are sorted with fixed times and modes, and
nothing about the machine (paths, zone, locale, user) is written.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import onix
from .editions import KINDS, cover_release_file, release_file
from .manuscript.load import load_book
from .messages import BuildError, Report, fail, warning
from .model import Book, Edition
from .output import JANITOR, write_bytes
from .tools import git

Progress = Callable[[str], None]
# A version names a folder and files: no separators, nothing hidden.
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,39}")
ZIP_EPOCH_MIN = 315532800  # 1980-01-01: the earliest time a zip entry can hold
ZIP_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--: never the builder's umask
SUMS = "SHA256SUMS"
ONIX = "onix.xml"
MANIFEST = "manifest.json"
CHANGES = "CHANGES.md"


@dataclass(frozen=True)
class Artifact:
    """One file of a release, as the manifest describes it."""

    edition: Edition
    file: str
    pages: int | None
    bytes: int
    sha256: str
    part: str = "edition"  # or "cover": a print edition's cover

    def entry(self) -> dict:
        """The manifest's record of this file."""
        return {"name": self.edition.name, "kind": self.edition.kind, "part": self.part, "file": self.file,
                "isbn": self.edition.isbn, "pages": self.pages, "bytes": self.bytes, "sha256": self.sha256}


def release_name(book: Book) -> str:
    """`<slug>-<version>`: the release folder and the stem of every file in it."""
    if not VERSION.fullmatch(book.version):
        raise fail("D001", "book.yaml", 0, 0, f"version {book.version!r} cannot name a release: "
                   "use letters, digits, '.', '_', '+' or '-' (e.g. 1.2.0)")
    return f"{book.slug}-{book.version}"


def release_folder(book: Book, dist_root: Path) -> Path:
    """dist/<slug>-<version>/."""
    return dist_root / release_name(book)


def file_name(book: Book, edition: Edition) -> str:
    """The release file of an edition: `<slug>-<version>` plus what tells editions apart."""
    return release_file(release_name(book), edition)


def make_release(manuscript: Path, dist_root: Path, progress: Progress, report: Report,
                 cache: Path | None = None) -> Path:
    """Build every edition, then write the release folder; nothing in it is replaced if a build fails.

    The editions are built with the build cache at `cache` (build/.cache: what `make` already
    laid out is not laid out again), into a staging folder that a killed run leaves to the janitor.
    """
    book = load_book(manuscript, report)
    release = release_folder(book, dist_root)
    since = git.previous_release_tag(book.root)
    # Before any edition is built: the text comparison forks, best done before WeasyPrint loads.
    changes = changes_markdown(book, since, report) if since else None
    artifacts, epoch = _build_editions(manuscript, book, dist_root, release, progress, report, cache)
    _remove_stale(release, {a.file for a in artifacts})
    _write_changes(release, since, changes, progress)
    source = _source(book, report)
    write_bytes(release / MANIFEST, build_manifest(book, artifacts, epoch, source, since))
    products = [onix.Product(a.edition, a.pages) for a in artifacts if a.part == "edition"]
    write_bytes(release / ONIX, onix.message(book, products, epoch))
    progress(f"dist: {ONIX}: {len(products)} products")
    files = [a.file for a in artifacts] + [MANIFEST, ONIX] + ([CHANGES] if changes else [])
    write_bytes(release / SUMS, sha256sums(release, files))
    progress(f"dist: {release} ({len(artifacts)} editions, commit {(source['commit'] or 'none')[:12]}, "
             f"dated {iso_date(epoch)})")
    return release


def _build_editions(manuscript: Path, book: Book, dist_root: Path, release: Path, progress: Progress,
                    report: Report, cache: Path | None) -> tuple[list[Artifact], int]:
    """Every edition built into a staging folder first, then moved into the release."""
    from .pipeline import build

    dist_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".build-", suffix=".tmp", dir=dist_root))
    JANITOR.track(staging)
    try:
        with git.pinned_source_date_epoch(book.root) as epoch:
            built = build(manuscript, staging, set(KINDS), progress, report, cache=cache)
            placed = []
            for b in built:
                placed.append(_place(book, b.edition, b.path, release, epoch))
                if b.written.cover is not None:
                    placed.append(_place(book, b.edition, b.written.cover, release, epoch, cover=True))
            return placed, epoch
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        JANITOR.untrack(staging)


def _remove_stale(release: Path, keep: set[str]) -> None:
    """Edition files an earlier run wrote for editions book.yaml no longer lists."""
    for path in release.glob(f"{release.name}*"):
        if path.is_file() and path.name not in keep and path.suffix in (".pdf", ".epub", ".zip"):
            path.unlink()


def _source(book: Book, report: Report) -> dict:
    """The commit the release is built from, and whether the work tree differs from it."""
    commit = git.head_commit(book.root)
    dirty = bool(commit) and git.has_uncommitted_changes(book.root)
    if dirty:
        report.add(warning("D002", str(book.root), 0, 0, "uncommitted changes: the release is not "
                           f"exactly commit {commit[:12]} (manifest.json says so)"))
    return {"commit": commit, "uncommitted_changes": dirty}


def _place(book: Book, edition: Edition, built: Path, release: Path, epoch: int, cover: bool = False) -> Artifact:
    """Move (or zip) a built edition (or its cover) into the release; measure it for the manifest."""
    if cover:
        name = cover_release_file(release_name(book), edition)
        data = built.read_bytes()
        write_bytes(release / name, data)
        return Artifact(edition, name, _pages(data, name), len(data), hashlib.sha256(data).hexdigest(), "cover")
    name = file_name(book, edition)
    if KINDS[edition.kind].folder:
        data = zip_folder(built, top=Path(name).stem, epoch=epoch)
    else:
        data = built.read_bytes()
    write_bytes(release / name, data)
    return Artifact(edition, name, _pages(data, name) if KINDS[edition.kind].paged else None, len(data),
                    hashlib.sha256(data).hexdigest())


def _pages(data: bytes, label: str) -> int:
    from .tools import pikepdf

    with pikepdf.open_pdf(data, label) as pdf:
        return len(pdf.pages)


def zip_folder(folder: Path, *, top: str, epoch: int) -> bytes:
    """The folder as a zip under `top/`: entries sorted, one fixed time and mode, no directories."""
    stamp = time.gmtime(max(epoch, ZIP_EPOCH_MIN))[:6]
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.relative_to(folder).as_posix())
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as buffer:
        with zipfile.ZipFile(buffer, "w") as archive:
            for path in files:
                info = zipfile.ZipInfo(f"{top}/{path.relative_to(folder).as_posix()}", date_time=stamp)
                info.create_system = 3  # Unix, whatever the builder's system: modes mean the same
                info.external_attr = ZIP_FILE_MODE
                archive.writestr(info, path.read_bytes(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
        buffer.seek(0)
        return buffer.read()


def iso_date(epoch: int) -> str:
    """The UTC time of a Unix timestamp, as ISO 8601 (never the local zone)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def build_manifest(book: Book, artifacts: list[Artifact], epoch: int, source: dict,
                   since: str | None) -> bytes:
    """manifest.json: the book, its source commit and build date, and every edition file."""
    manifest = {
        "book": {"title": book.title, "slug": book.slug, "version": book.version},
        "source": source,
        "build_date": iso_date(epoch),
        "source_date_epoch": epoch,
        "editions": [a.entry() for a in artifacts],
        "changes": {"since": since, "file": CHANGES} if since else None,
        "tools": tool_versions(),
    }
    return (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def tool_versions() -> dict[str, str]:
    """The versions that shape the bytes: a rebuild elsewhere must use the same ones to match."""
    import weasyprint

    from .tools import pandoc

    return {"weasyprint": weasyprint.__version__, "pandoc": pandoc.version()}


def sha256sums(folder: Path, names: list[str]) -> bytes:
    """SHA256SUMS in the format `sha256sum -c` reads: one `<hex>  <name>` line per file, sorted."""
    lines = [f"{_file_sha256(folder / name)}  {name}\n" for name in sorted(names)]
    return "".join(lines).encode("utf-8")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_changes(release: Path, since: str | None, changes: str | None, progress: Progress) -> None:
    """CHANGES.md since the previous release tag; no file when there is none."""
    target = release / CHANGES
    if changes is None:
        if target.exists():
            target.unlink()  # left from an earlier run: it would describe another history
        return
    write_bytes(target, changes.encode("utf-8"))
    progress(f"dist: {CHANGES} since {since}")


def changes_markdown(book: Book, since: str, report: Report) -> str:
    """What changed in the manuscript since the tag `since`: the text's summary, files, commits."""
    lines = [f"# Changes since {since}", "",
             f"{book.title}, version {book.version}, against the release tagged {since}.", ""]
    summary = _text_summary(book, since, report)
    if summary:
        lines += ["## The text", "", *_as_list(summary), ""]
    files = git.changed_files(book.root, since)
    lines += ["## Manuscript files", ""]
    lines += [f"- {_STATUS.get(status[:1], status)}: `{path}`" for status, path in files] or ["- none"]
    commits = git.commits_since(book.root, since)
    lines += ["", "## Commits", ""]
    lines += [f"- {line}" for line in commits] or ["- none touching the manuscript"]
    return "\n".join(lines) + "\n"


_STATUS = {"A": "added", "M": "changed", "D": "removed", "T": "changed type"}


def _text_summary(book: Book, since: str, report: Report) -> list[str] | None:
    """`build.py diff`'s summary of the text from `since` to HEAD: chapters, words, notes."""
    try:
        from .diff.cli import summary_lines
        from .diff.run import compare_sides, load_sides
    except ImportError:
        return None  # an installation without the diff stage: files and commits only
    try:
        with tempfile.TemporaryDirectory(prefix="pressroom-dist-diff-") as work:
            old, new = load_sides(book.root, since, "HEAD", Path(work))
            diff = compare_sides(old, new)[2]
    except BuildError as exc:
        first = exc.messages[0] if exc.messages else "no detail"
        report.add(warning("D003", CHANGES, 0, 0, f"the text could not be compared with {since} ({first}); "
                           "CHANGES.md lists the files and commits only"))
        return None
    return summary_lines(diff)


def _as_list(lines: list[str]) -> list[str]:
    """The summary's first line as a sentence, its indented lines as (nested) Markdown items."""
    items = [lines[0], ""] if lines else []
    for line in lines[1:]:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        items.append(f"{'  ' * max(depth - 1, 0)}- {line.strip()}")
    return items
