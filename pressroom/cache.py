"""The build cache: results kept under build/.cache/ by the hash of everything that made them.

A key is a SHA-256 over the inputs a result depends on (the text it was made from, the
stylesheets, fonts and templates it used, the tools' versions), so a stale entry is never
read: a changed input is a different key. Entries are written atomically; the least recently
used go when there are more than `LIMIT` of a kind.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LIMIT = 2000  # entries kept per kind: a few books' worth of chapters and editions
FORMAT = "1"  # bumped when what an entry holds changes shape


def digest(*parts: str | bytes) -> str:
    """SHA-256 of the parts, each length-prefixed so that ('ab', 'c') and ('a', 'bc') differ."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(f"{len(data)}:".encode())
        sha.update(data)
    return sha.hexdigest()


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
    """One folder of entries, `<kind>/<key>.<suffix>`."""

    root: Path

    def path(self, kind: str, key: str, suffix: str) -> Path:
        """Where the entry lives, whether or not it exists yet."""
        return self.root / kind / f"{key}{suffix}"

    def read_json(self, kind: str, key: str):
        """The entry's value, or None when there is none (or it cannot be read)."""
        path = self.path(kind, key, ".json")
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        _touch(path)
        return value

    def read_text(self, kind: str, key: str) -> str | None:
        """A text entry, or None."""
        path = self.path(kind, key, ".txt")
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None
        _touch(path)
        return value

    def write_text(self, kind: str, key: str, text: str) -> None:
        """Keep a text entry."""
        self.write_bytes(kind, key, ".txt", text.encode("utf-8"))

    def write_json(self, kind: str, key: str, value) -> None:
        """Keep `value` under `key`."""
        self.write_bytes(kind, key, ".json", json.dumps(value, separators=(",", ":")).encode("utf-8"))

    def write_bytes(self, kind: str, key: str, suffix: str, data: bytes) -> None:
        """Keep `data` under `key`; a failure to write (a full disk) only costs the next build time."""
        target = self.path(kind, key, suffix)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)

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
        except OSError:  # no folder yet, or an entry another build removed first
            pass


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass
