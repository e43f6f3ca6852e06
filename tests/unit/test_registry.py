"""pressroom/editions/__init__.py: edition kinds are data; a new kind is one entry and one module."""

from __future__ import annotations

import pytest

from pressroom import editions
from pressroom.dist import file_name
from pressroom.editions import Kind, output_path
from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report
from pressroom.pipeline import build

TOY = Kind("txt", "unit.toy_edition:write", "{slug}{-name}.txt", "{stem}{-name}.txt", "txt",
           "the book as plain text", built_by_default=False)
CHAPTER = "---\ntitle: One\n---\nA sentence with a note.[^n]\n\n[^n]: The note.\n"


def test_a_toy_kind_builds_through_the_registry_alone(book_at, tmp_path, monkeypatch):
    monkeypatch.setitem(editions.KINDS, "txt", TOY)
    root = book_at({"01-one.md": CHAPTER}, editions=[{"kind": "txt"}, {"kind": "txt", "name": "plain"}])
    out = tmp_path / "out"
    built = build(root, out, {"txt"}, lambda _line: None, Report())
    assert [b.path.name for b in built] == ["test-book.txt", "test-book-plain.txt"]
    assert "ONE\n\nA sentence with a note." in (out / "test-book.txt").read_text()
    book = load_book(root, Report())
    assert [file_name(book, e) for e in book.editions] == ["test-book-1.0.txt", "test-book-1.0-plain.txt"]


def test_every_registered_kind_names_its_outputs(book_at, tmp_path):
    book = load_book(book_at({"01-one.md": CHAPTER}), Report())
    names = {e.kind: output_path(book, e, tmp_path).name for e in book.editions}
    assert names == {"pdf": "test-book.pdf", "print": "test-book-print.pdf", "epub": "test-book.epub",
                     "html": "html"}
    assert [e.kind for e in book.editions] == list(editions.default_kinds())


def test_an_unknown_kind_fails_loudly(book_at):
    with pytest.raises(BuildError) as caught:
        editions.kind("rtf")
    assert "unknown edition kind 'rtf'" in str(caught.value)
    with pytest.raises(BuildError) as caught:
        load_book(book_at({"01-one.md": CHAPTER}, editions=[{"kind": "rtf"}]), Report())
    assert any(m.code == "B005" and "rtf" in m.text for m in caught.value.messages)
