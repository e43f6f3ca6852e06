"""Edition kinds as data: the one place that knows which kinds of edition exist.

Everything that differs between kinds is a field of `Kind`: the module that writes it, the
name of its output under build/ and in a release, the format of the file (which decides how
`check` and `stamp` read it back), whether it is laid out into pages. The command line, the
loader's schema, the build, `dist`, `stamp`, `check` and the Makefile all ask this registry;
adding a kind is one entry here and one module with a `write(context, edition, target)`.

Writers are named, not imported: importing this module costs nothing (the Makefile reads the
list of kinds with the system Python, before any dependency is installed).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Protocol

from ..messages import fail

if TYPE_CHECKING:
    from ..context import BuildContext
    from ..model import Book, Edition


class Finishing(Protocol):
    """The last step of writing an edition, running in another process while the next editions
    are written: `finish` waits for it and puts the edition in place (or raises its error);
    `abandon` stops it and leaves the previous edition as it was."""

    def finish(self) -> None: ...

    def abandon(self) -> None: ...


@dataclass(frozen=True)
class Written:
    """What a writer reports: a line for the progress log, and the pages when it lays any out."""

    detail: str
    pages: int | None = None
    worker_peak_mb: float = 0.0
    cover: Path | None = None  # a print edition's cover, written with its interior
    finishing: Finishing | None = None  # the edition is in place only once this is finished


@dataclass(frozen=True)
class Kind:
    """One kind of edition and everything the pipeline needs to know about it."""

    name: str
    writer: str  # "module:function", called as function(context, edition, target)
    output: str  # the output under build/: {slug}, {name}, {-name} ("" when the name is the kind's)
    release: str  # the file in dist/<stem>/: {stem}, {name}, {-name}
    format: str  # pdf | epub | html | docx | ...: how check, scan and stamp read the output back
    summary: str  # one line for --help and the README
    paged: bool = False  # laid out into pages (page counts, the EPUB's page list come from these)
    folder: bool = False  # the output is a folder (zipped into the release)
    built_by_default: bool = True  # in the editions of a book.yaml that lists none
    defaults: dict = field(default_factory=dict)  # Edition fields this kind defaults differently
    # For a press: the interior as PDF/X, and a cover (back, spine, front) written with it, named
    # by these patterns. The cover is a step of the edition, not a kind of its own: its spine is
    # measured from the interior just written, so the two can never disagree.
    printed: bool = False
    cover: str = ""  # the cover under build/
    cover_release: str = ""  # the cover in dist/<stem>/


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("pdf", "pressroom.editions.pdf:write", "{slug}{-name}.pdf", "{stem}{-name}.pdf", "pdf",
         "the reader's PDF", paged=True),
    Kind("print", "pressroom.editions.pdf:write", "{slug}-{name}.pdf", "{stem}-{name}.pdf", "pdf",
         "the printer's PDF (bleed, crop marks, no links)", paged=True,
         defaults={"bleed": "0.125in", "marks": True}, printed=True,
         cover="{slug}{-name}-cover.pdf", cover_release="{stem}{-name}-cover.pdf"),
    Kind("epub", "pressroom.editions.epub:write", "{slug}{-name}.epub", "{stem}{-name}.epub", "epub",
         "the EPUB 3"),
    Kind("html", "pressroom.editions.html:write", "html{-name}", "{stem}-html{-name}.zip", "html",
         "the web edition (a folder)", folder=True),
    # Not built unless book.yaml lists it: it is a working copy for copyeditors, not a product.
    Kind("docx", "pressroom.editions.docx:write", "{slug}{-name}.docx", "{stem}{-name}.docx", "docx",
         "the DOCX for copyeditors (Word footnotes, editors' styles)", built_by_default=False),
)}


def kind(name: str, where: str = "build.py") -> Kind:
    """The kind called `name`; an unknown one is an error naming the known ones."""
    try:
        return KINDS[name]
    except KeyError:
        raise fail("U001", where, 0, 0, f"unknown edition kind {name!r}: choose from {', '.join(KINDS)}") from None


def default_kinds() -> tuple[str, ...]:
    """The kinds a book gets when its book.yaml lists no editions."""
    return tuple(k.name for k in KINDS.values() if k.built_by_default)


def _names(edition: "Edition") -> dict[str, str]:
    return {"name": edition.name, "-name": "" if edition.name == edition.kind else f"-{edition.name}"}


def output_path(book: "Book", edition: "Edition", out: Path) -> Path:
    """Where an edition lands under `out`: the slug and name are validated, so it cannot escape."""
    return out / kind(edition.kind).output.format(slug=book.slug, **_names(edition))


def cover_path(book: "Book", edition: "Edition", out: Path) -> Path | None:
    """Where a print edition's cover lands under `out` (None for kinds without one)."""
    pattern = kind(edition.kind).cover
    return out / pattern.format(slug=book.slug, **_names(edition)) if pattern else None


def cover_release_file(stem: str, edition: "Edition") -> str | None:
    """The cover's file name in a release folder called `stem` (None for kinds without one)."""
    pattern = kind(edition.kind).cover_release
    return pattern.format(stem=stem, **_names(edition)) if pattern else None


def release_file(stem: str, edition: "Edition") -> str:
    """The edition's file name in a release folder called `stem`."""
    return kind(edition.kind).release.format(stem=stem, **_names(edition))


def writer(name: str) -> Callable[["BuildContext", "Edition", Path], Written]:
    """The function that writes editions of kind `name`."""
    module, function = kind(name).writer.split(":")
    return getattr(importlib.import_module(module), function)
