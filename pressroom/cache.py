"""The build cache: results kept under build/.cache/ by the hash of everything that made them.

A key is a SHA-256 over the inputs a result depends on (the text it was made from, the
stylesheets, fonts and templates it used, the tools' versions), never over where the book or
the cache lies, so two clones of a book share entries. A stale entry is never read: a changed
input is a different key. Nor is a damaged one: every entry carries a seal, the hash of its
kind, key and content, checked on every read; an entry whose seal does not hold (edited,
truncated, random bytes, another key's entry moved into its place) is discarded with a
warning and made again. Files that tools read by their path (a laid-out PDF, a converted
image) are written as they are, their seal kept in a sealed JSON entry of the same key.
Entries are written atomically; the least recently used go when there are more than `LIMIT`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .messages import Report, warning

LIMIT = 2000  # entries kept per kind: a few books' worth of chapters and editions
FORMAT = "2"  # bumped when what an entry holds changes shape (2: sealed entries)
MAGIC = b"pressroom-cache " + FORMAT.encode() + b" "  # a sealed entry's first line: MAGIC + seal
WARNING = "O010"  # the code of a warning about an entry discarded or unreadable


def digest(*parts: str | bytes) -> str:
    """SHA-256 of the parts, each length-prefixed so that ('ab', 'c') and ('a', 'bc') differ."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(f"{len(data)}:".encode())
        sha.update(data)
    return sha.hexdigest()


def seal(kind: str, key: str, data: bytes) -> str:
    """What an entry's content must hash to: bound to its kind and key, so an entry moved under
    another key (a swap, a copy) no longer holds."""
    return digest("pressroom-cache", FORMAT, kind, key, data)


def tree_digest(*folders: Path, suffixes: tuple[str, ...] = ()) -> str:
    """The hash of every file (name and bytes) under `folders`, optionally only some suffixes."""
    parts: list[str | bytes] = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            if suffixes and path.suffix not in suffixes:
                continue
            parts += [str(path.relative_to(folder)), path.read_bytes()]
    return digest(*parts)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Pressroom's own code and the Python that runs it: a new release never reads an old entry."""
    root = Path(__file__).resolve().parent
    return digest(FORMAT, sys.version, tree_digest(root, suffixes=(".py",)))


@dataclass(frozen=True)
class Store:
    """One folder of entries, `<kind>/<key>.<suffix>`; a discarded entry is a warning in `report`."""

    root: Path
    report: Report | None = field(default=None, compare=False)

    def path(self, kind: str, key: str, suffix: str) -> Path:
        """Where the entry lives, whether or not it exists yet."""
        return self.root / kind / f"{key}{suffix}"

    def read_json(self, kind: str, key: str):
        """The entry's value, or None when there is none (or it does not hold)."""
        data = self.read_bytes(kind, key, ".json")
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:  # sealed, yet no JSON: written by a broken build; never trusted
            self._discard(self.path(kind, key, ".json"), "is not JSON")
            return None

    def read_text(self, kind: str, key: str) -> str | None:
        """A text entry, or None."""
        data = self.read_bytes(kind, key, ".txt")
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self._discard(self.path(kind, key, ".txt"), "is not UTF-8")
            return None

    def read_bytes(self, kind: str, key: str, suffix: str) -> bytes | None:
        """A sealed entry's content, or None when there is none or its seal does not hold."""
        path = self.path(kind, key, suffix)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:  # a folder in its place, no permission: not an entry we can use
            self._warn(path, f"cannot be read ({exc.strerror or exc}); it is made again")
            return None
        header, newline, content = data.partition(b"\n")
        if not newline or header != MAGIC + seal(kind, key, content).encode():
            self._discard(path, "does not match its seal (edited, truncated or moved)")
            return None
        _touch(path)
        return content

    def write_text(self, kind: str, key: str, text: str) -> None:
        """Keep a text entry."""
        self.write_bytes(kind, key, ".txt", text.encode("utf-8"))

    def write_json(self, kind: str, key: str, value) -> None:
        """Keep `value` under `key`."""
        self.write_bytes(kind, key, ".json", json.dumps(value, separators=(",", ":")).encode("utf-8"))

    def write_bytes(self, kind: str, key: str, suffix: str, data: bytes) -> None:
        """Keep `data` under `key`, sealed (read it back with read_bytes)."""
        self._write(self.path(kind, key, suffix), MAGIC + seal(kind, key, data).encode() + b"\n" + data)

    def write_file(self, kind: str, key: str, suffix: str, data: bytes) -> str:
        """Keep `data` as it is, for a tool to read by its path; returns its seal, for the caller
        to keep in a sealed entry and give to `file`."""
        self._write(self.path(kind, key, suffix), data)
        return seal(kind, key, data)

    def file(self, kind: str, key: str, suffix: str, sealed: str | None) -> Path | None:
        """The path of an unsealed file whose content hashes to `sealed`; None when there is none
        or it does not (the file is then discarded)."""
        path = self.path(kind, key, suffix)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._warn(path, f"cannot be read ({exc.strerror or exc}); it is made again")
            return None
        if not sealed or seal(kind, key, data) != sealed:
            self._discard(path, "does not match its seal (edited, truncated or moved)")
            return None
        _touch(path)
        return path

    def _write(self, target: Path, data: bytes) -> None:
        """Write atomically; a failure to write (a full or read-only disk) only costs the next build time."""
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            os.replace(temporary, target)
        except OSError:
            try:
                temporary.unlink(missing_ok=True)
            except OSError:  # a read-only disk: nothing was written either
                pass

    def _discard(self, path: Path, why: str) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        self._warn(path, f"{why}: discarded, made again")

    def _warn(self, path: Path, text: str) -> None:
        if self.report is not None:
            self.report.add(warning(WARNING, str(path), 0, 0, f"build cache entry {text}"))

    def prune(self, kind: str, limit: int = LIMIT) -> None:
        """Drop the least recently used entries beyond `limit` (and temporaries left by a kill)."""
        folder = self.root / kind
        try:
            entries = []
            for path in folder.iterdir():
                if path.name.endswith(".tmp"):
                    path.unlink(missing_ok=True)
                else:
                    entries.append((path.stat().st_mtime, path))
            for _, path in sorted(entries, reverse=True)[limit:]:
                path.unlink(missing_ok=True)
        except OSError:  # no folder yet, an entry another build removed first, a read-only disk
            pass


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass
