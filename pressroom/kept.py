"""A build with nothing changed: answered before the manuscript is even read.

A successful `build` records, in the build cache, the hash of everything it was made from (the
manuscript folder's files, our code, templates and styles, the tools' versions, the commit
time, what was asked for and where) with the hash of every output it wrote. The next `build`
with the same inputs, whose outputs all still hash as written, says so and does nothing else:
no manuscript parsed, no lint, no layout. Imports here stay light: this is the whole no-op.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import astuple, dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .cache import WARNING as CACHE_WARNING
from .cache import Store, code_digest, digest, tree_digest
from .messages import ERROR, Message
from .theme import STYLES, TEMPLATES
from .tools import weasyprint

RUNS = "runs"  # cache kind: a whole build's inputs → its outputs' hashes
# The host's files an edition may read (editions/pdf.py's SYSTEM_CMYK; named here, not imported:
# importing the PDF edition would cost the no-op most of its time).
SYSTEM_FILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),)
# Packages whose versions shape an edition's bytes, besides our own code.
PACKAGES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "fonttools", "pillow", "pikepdf",
            "pypandoc-binary", "pagefind-bin", "lxml", "nh3", "Jinja2", "brotli", "zopfli")


@dataclass(frozen=True)
class Output:
    """One edition a build wrote: its name, where, the hash of what it wrote, its progress detail,
    and a print edition's cover, written with it, and its hash ("" for none)."""

    name: str
    path: str
    digest: str
    detail: str
    cover: str = ""
    cover_digest: str = ""

    def holds(self) -> bool:
        """Whether the edition (and its cover) still hash as written."""
        return (output_digest(Path(self.path)) == self.digest
                and (not self.cover or output_digest(Path(self.cover)) == self.cover_digest))


def run_key(manuscript: Path, out: Path, kinds: set[str], single_flow: bool, epoch: str) -> str:
    """The hash of everything a build of `kinds` from `manuscript` into `out` is made from."""
    return digest(inputs_digest(manuscript, single_flow, epoch), ",".join(sorted(kinds)), str(out.resolve()))


def inputs_digest(manuscript: Path, single_flow: bool, epoch: str) -> str:
    """Everything any edition of the book at `manuscript` is made from: its files (its own
    templates, styles and images included), our code, templates and styles, the tools'
    versions, the commit time every timestamp is pinned to, one flow or parts."""
    return digest(code_digest(), tree_digest(TEMPLATES, STYLES), manuscript_digest(manuscript),
                  ";".join(package_versions(PACKAGES)), tool_versions(), epoch, str(manuscript.resolve()),
                  "single" if single_flow else "parts", system_files_digest())


def system_files_digest() -> str:
    """Files outside the manuscript and our package an edition is made from: the host's CMYK
    profile makes the printer's PDF PDF/X (editions/pdf.py), so installing it changes that edition."""
    parts: list[str | bytes] = []
    for path in SYSTEM_FILES:
        parts += [str(path), path.read_bytes() if path.is_file() else b""]
    return digest(*parts)


def manuscript_digest(root: Path) -> str:
    """Every file of the manuscript folder, names and bytes, but hidden ones (a book kept at the
    top of its own repository has .git/ there: no edition reads it)."""
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        files += [Path(folder, name) for name in names if not name.startswith(".")]
    parts: list[str | bytes] = []
    for path in sorted(files):
        if path.is_file():
            parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(*parts)


def output_digest(path: Path) -> str | None:
    """The hash of a written edition: its file, or every file of its folder (None: not there)."""
    if path.is_file():
        return digest(path.read_bytes())
    if path.is_dir():
        return tree_digest(path)
    return None


def unchanged(store: Store, key: str) -> tuple[list[Output], list[Message]] | None:
    """The outputs the build with inputs `key` wrote and the warnings it gave, if every output
    still holds exactly what it wrote."""
    entry = store.read_json(RUNS, key)
    if not isinstance(entry, dict) or not entry.get("outputs"):
        return None
    outputs = [Output(*item) for item in entry["outputs"]]
    if not all(o.holds() for o in outputs):
        return None
    return outputs, [Message(*m) for m in entry.get("messages", ())]


def replayable(messages: list[Message]) -> list[Message]:
    """The warnings a kept edition says again: about the book, never about the run's cache (an
    entry it found damaged and made again is sound now; replayed, it would be reported forever)."""
    return [m for m in messages if m.severity != ERROR and m.code != CACHE_WARNING]


def remember(store: Store, key: str, outputs: list[Output], messages: list[Message]) -> None:
    """Record what the build with inputs `key` wrote, and its warnings."""
    store.write_json(RUNS, key, {"outputs": [list(astuple(o)) for o in outputs],
                                 "messages": [list(astuple(m)) for m in messages]})
    store.prune(RUNS, limit=50)


def package_versions(names) -> list[str]:
    """`name=version` for each installed Python distribution, `name=none` for a missing one."""
    versions = []
    for name in names:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return versions


@lru_cache(maxsize=1)
def tool_versions() -> str:
    """WeasyPrint and the libraries that shape its output, without importing them."""
    versions = package_versions(("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "fonttools",
                                 "pillow", "pikepdf"))
    for library, call in (("libpango-1.0.so.0", "pango_version_string"),
                          ("libharfbuzz.so.0", "hb_version_string")):
        try:
            function = getattr(ctypes.CDLL(library), call)
            function.restype = ctypes.c_char_p
            versions.append(f"{library}={function().decode()}")
        except (OSError, AttributeError):
            versions.append(f"{library}=none")
    # HarfBuzz-Subset and fontTools cut the embedded faces to different bytes: a layout cached
    # on one machine must never be merged into another's PDF (the catalogue shares the cache)
    versions.append(f"subsetter={weasyprint.font_subsetter()}")
    return ";".join(versions)
