"""pressroom/notes.py and resolve.py: which note each call names, and where, through Jinja."""

from __future__ import annotations

import pytest

from pressroom.context import BuildContext
from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report
from pressroom.model import Chapter
from pressroom.notes import SourceLines, inline_notes_as_spans

BRANCHED = """---
title: One
---
First.[^a]
{% if edition.kind == "pdf" %}
Only in print.[^b]

More print.
{% endif %}
Then.[^c] And.[^d]
"""


def _notes(book, kind):
    context = BuildContext(book, Report())
    chapters = context.chapters(book.edition(kind))
    return [(n.note_id, n.call.line if n.call else 0, n.call.col if n.call else 0) for c in chapters for n in c.notes]


def test_a_call_inside_an_edition_branch_does_not_shift_the_notes_after_it(book_at):
    root = book_at({"01-one.md": BRANCHED}, {k: f"Note {k}." for k in "abcd"})
    book = load_book(root, Report())
    assert _notes(book, "pdf") == [("a", 4, 7), ("b", 6, 15), ("c", 10, 6), ("d", 10, 15)]
    assert _notes(book, "epub") == [("a", 4, 7), ("c", 10, 6), ("d", 10, 15)]


def test_note_labels_belong_to_their_chapter_file(book_at):
    one = "---\ntitle: One\n---\nAlpha.[^1] Beta.[^2]\n\n[^1]: One's first.\n[^2]: One's second.\n"
    two = "---\ntitle: Two\n---\nGamma.[^1] Delta.[^shared]\n\n[^1]: Two's first.\n"
    root = book_at({"01-one.md": one, "02-two.md": two}, {"shared": "From notes.yaml."}, **{"note-numbering": "chapter"})
    book = load_book(root, Report())
    chapters = BuildContext(book, Report()).chapters(book.edition("pdf"))
    from pressroom.pandoc_ast import stringify

    texts = [[stringify(n.blocks) for n in c.notes] for c in chapters]
    assert texts == [["One’s first.", "One’s second."], ["Two’s first.", "From notes.yaml."]]


def test_a_label_defined_twice_in_one_file_is_an_error_with_its_line(book_at):
    one = "---\ntitle: One\n---\nAlpha.[^1]\n\n[^1]: First.\n\n[^1]: Again.\n"
    with pytest.raises(BuildError) as caught:
        load_book(book_at({"01-one.md": one}), Report())
    assert any(m.code == "N002" and m.line == 8 for m in caught.value.messages), caught.value


def test_inline_notes_become_notes_with_their_markup(book_at):
    one = "---\ntitle: One\n---\nPrices rose^[See *the* table [here](https://example.org).] sharply.\n\n`^[code]` stays.\n"
    book = load_book(book_at({"01-one.md": one}), Report())
    [chapter] = BuildContext(book, Report()).chapters(book.edition("pdf"))
    [note] = chapter.notes
    assert note.note_id == "inline" and (note.call.line, note.call.col) == (4, 12)
    kinds = [i["t"] for i in note.blocks[0]["c"]]
    assert "Emph" in kinds and "Link" in kinds


def test_inline_note_spans_respect_code_and_nesting():
    text = "a^[b [c] d] e `^[x]` f\\^[g]\n"
    assert inline_notes_as_spans(text) == "a[b [c] d]{.pressroom-inline-note} e `^[x]` f\\^[g]\n"


def test_source_lines_follow_what_jinja_dropped(tmp_path):
    body = "one\n{% if x %}\ntwo\nthree\n{% endif %}\nfour\n"
    chapter = Chapter("c", "C", tmp_path / "c.md", "c.md", body, 5)
    lines = SourceLines(chapter, "one\n\nfour\n")
    assert [lines.line(n) for n in (1, 3)] == [1, 6]
