"""Helpers for the RELIABILITY.md case tests: build a fixture for real, then hold the result to the rules.

Every refused case: exit 1, exactly the expected error lines (all of them in one run), no
traceback, the previous edition in build/ untouched, the sources untouched. Every case that
builds: exit 0, exactly the expected warnings, and the editions pass the scans of
pressroom/scan.py (no script, event attribute, inline style, frame or outside request).
"""

from __future__ import annotations

import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable

from conftest import copy_manuscript, run_cli

MESSAGE = re.compile(r"^\S[^:]*(:\d+:\d+)?: (error|warning)\[[A-Z]\d{3}\]: \S.*$")
PREVIOUS = b"the previous edition"


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under `folder`: file bytes, symlink targets, and the kind of anything else.

    The build cache (`.cache/`) is left out: a failed build may still keep what it checked; so is
    the output folder's lock file (`.lock`), which stays for the next build to take.
    """
    entries: dict[str, object] = {}
    for base, dirs, files in os.walk(folder):
        if Path(base) == Path(folder) and ".cache" in dirs:
            dirs.remove(".cache")
        if Path(base) == Path(folder) and ".lock" in files:
            files.remove(".lock")
        for name in dirs + files:
            path = Path(base) / name
            info = path.lstat()
            key = str(path.relative_to(folder))
            if stat.S_ISLNK(info.st_mode):
                entries[key] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                entries[key] = path.read_bytes()
            else:
                entries[key] = stat.S_IFMT(info.st_mode)
    return entries


def refused(tmp_path: Path, overlay: str | None, expected: list[str], *, prepare: Callable | None = None,
            kinds: tuple[str, ...] = ("pdf",)) -> str:
    """Build the overlay over `mini`; assert it is refused with exactly `expected` errors. Returns stderr."""
    manuscript = copy_manuscript("mini", tmp_path, overlay)
    if prepare:
        prepare(manuscript)
    out = tmp_path / "build"
    out.mkdir()
    (out / "small-book.pdf").write_bytes(PREVIOUS)
    sources = snapshot(manuscript)

    done = run_cli("build", *kinds, "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error[" in line]
    assert sorted(errors) == sorted(expected), "\n".join(errors)
    assert all(MESSAGE.match(line) for line in errors), errors
    assert snapshot(out) == {"small-book.pdf": PREVIOUS}
    assert snapshot(manuscript) == sources
    return done.stderr


def built(tmp_path: Path, overlay: str | None, *, warnings: list[str] = (), prepare: Callable | None = None,
          kinds: tuple[str, ...] = ("pdf", "epub", "html")) -> Path:
    """Build the overlay over `mini`; assert success with exactly `warnings`, and clean scans. Returns build/."""
    from pressroom.scan import scan_epub, scan_html, scan_pdf

    manuscript = copy_manuscript("mini", tmp_path, overlay)
    if prepare:
        prepare(manuscript)
    sources = snapshot(manuscript)
    out = tmp_path / "build"

    done = run_cli("build", *kinds, "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    found = [line for line in done.stderr.splitlines() if "warning[" in line or "error[" in line]
    assert sorted(found) == sorted(warnings), "\n".join(found)
    assert snapshot(manuscript) == sources
    if "pdf" in kinds:
        assert scan_pdf(out / "small-book.pdf") == []
    if "epub" in kinds:
        assert scan_epub(out / "small-book.epub") == []
    if "html" in kinds:
        assert scan_html(out / "html", allowed_scripts=edition_scripts()) == []
    assert not list(out.rglob(".*.tmp"))
    return out


def edition_scripts() -> set[str]:
    """The web edition's own script files (templates/html/static), the only scripts a page may load."""
    from pressroom.editions import html

    return {name for name in getattr(html, "STATIC_FILES", ()) if name.endswith(".js")}


def epub_text(epub: Path) -> str:
    """All the XHTML of an EPUB, joined."""
    with zipfile.ZipFile(epub) as archive:
        return "\n".join(archive.read(n).decode("utf-8") for n in sorted(archive.namelist())
                         if n.endswith(".xhtml"))


def write_chapter(manuscript: Path, body: str, name: str = "01-one.md", title: str = "The First Chapter") -> None:
    (manuscript / "chapters" / name).write_text(f"---\ntitle: {title}\n---\n{body}", encoding="utf-8")


def png(width: int, height: int) -> bytes:
    """A valid 1-bit white PNG of any size, a few KB on disk however many pixels it claims."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def session_processes(session: int) -> list[str]:
    """`pid cmdline` of every live process in the session `session` (a build started with
    start_new_session=True, whose pid is its session id): the build and whatever it started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile
            continue
        # After the command name: state, ppid, pgrp, session. A zombie is dead, only not yet reaped.
        if int(stat_fields[3]) == session and stat_fields[0] != "Z":
            found.append(f"{entry.name} ppid={stat_fields[1]} {cmdline}")
    return found


def wait_for(condition: Callable[[], object], seconds: float) -> object:
    """Poll `condition` until it is true or `seconds` have passed; its last value."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
