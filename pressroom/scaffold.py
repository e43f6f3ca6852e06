"""`pressroom new DIR`: a book repository to start from, with two chapters, notes and a README."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .messages import fail

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
TEXT_SUFFIXES = {".md", ".yaml"}


def new_book(folder: Path) -> list[Path]:
    """Write the scaffold into `folder` (new, or empty); return the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise fail("N100", str(folder), 0, 0, "already exists and is not an empty folder: choose a new one")
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")[:64] or "my-book"
    title = slug.replace("-", " ").title()
    written = []
    for source in sorted(p for p in SCAFFOLD.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        relative = source.relative_to(SCAFFOLD)
        target = folder / (".gitignore" if relative.name == "gitignore" else relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix in TEXT_SUFFIXES:
            text = source.read_text(encoding="utf-8").replace("__TITLE__", title).replace("__SLUG__", slug)
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
