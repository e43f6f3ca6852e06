"""Unit tests: one stage of pressroom/ at a time, in process, with real pandoc; no layout, no browser.

`make test-fast` runs this folder: the edit-test loop.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


def write_book(root: Path, chapters: dict[str, str], notes: dict | None = None, **book) -> Path:
    """A manuscript folder: book.yaml (title, language, slug, version, chapters, plus `book`),
    each chapter file (front matter included in its text), notes.yaml if `notes` is given."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "chapters").mkdir(exist_ok=True)
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    meta = {"title": "A Test Book", "language": "en-GB", "slug": "test-book", "version": "1.0",
            "chapters": [f"chapters/{name}" for name in chapters], **book}
    (root / "book.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if notes is not None:
        (root / "notes.yaml").write_text(yaml.safe_dump(notes, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture
def book_at(tmp_path):
    """write_book into a fresh folder under tmp_path."""
    counter = iter(range(1000))
    return lambda chapters, notes=None, **book: write_book(tmp_path / f"book{next(counter)}", chapters, notes, **book)
