"""manuscript/load.py: the front matter keys that place a chapter in the book's structure."""

from __future__ import annotations

import pytest

from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report
from pressroom.model import Epigraph


def test_roles_epigraphs_subtitles_and_short_titles_are_read(book_at):
    one = ("---\ntitle: Preface\nrole: preface\n---\nText.\n")
    two = ("---\ntitle: One\npart: Beginnings\nsubtitle: A start\nshort-title: One\n"
           "epigraph:\n  text: Quoted *words*.\n  source: Someone\n---\nText.\n")
    book = load_book(book_at({"00-preface.md": one, "01-one.md": two}), Report())
    preface, chapter = book.chapters
    assert (preface.role, preface.matter) == ("preface", "front")
    assert (chapter.role, chapter.matter, chapter.part, chapter.subtitle, chapter.short_title) == (
        "chapter", "body", "Beginnings", "A start", "One")
    assert chapter.epigraph == Epigraph("Quoted *words*.", "Someone")


def test_an_unknown_role_is_an_error_and_a_long_title_without_a_short_one_a_warning(book_at):
    with pytest.raises(BuildError) as caught:
        load_book(book_at({"01-one.md": "---\ntitle: One\nrole: prologue\n---\nText.\n"}), Report())
    assert [(m.code, m.line, m.col) for m in caught.value.messages] == [("B004", 3, 7)]
    report = Report()
    long_title = "A Title " * 10
    load_book(book_at({"01-one.md": f"---\ntitle: {long_title}\n---\nText.\n"}), report)
    assert [m.code for m in report.messages] == ["C010"]


def test_only_chapters_open_parts(book_at):
    with pytest.raises(BuildError) as caught:
        load_book(book_at({"01-one.md": "---\ntitle: One\n---\nText.\n",
                           "02-a.md": "---\ntitle: A\nrole: appendix\npart: Extras\n---\nText.\n"}), Report())
    assert [m.code for m in caught.value.messages] == ["C011"]


def test_a_chapters_language_is_read_and_a_bad_tag_refused_at_its_place(book_at):
    book = load_book(book_at({"01-one.md": "---\ntitle: One\nlang: ko\n---\nText.\n"}), Report())
    assert book.chapters[0].lang == "ko"
    with pytest.raises(BuildError) as caught:
        load_book(book_at({"01-one.md": "---\ntitle: One\nlang: not a tag\n---\nText.\n"}), Report())
    assert [(m.code, m.line, m.col) for m in caught.value.messages] == [("B004", 3, 7)]
