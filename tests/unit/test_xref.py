"""xref.py, index.py and pagerefs.py one stage at a time: references settled, locators merged."""

from __future__ import annotations

import pytest

from pressroom.context import BuildContext
from pressroom.editions.fragments import render_fragments
from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report
from pressroom.pagerefs import merged


def html_of(root) -> dict[str, str]:
    book = load_book(root, Report())
    chapters = BuildContext(book, Report()).chapters(book.edition("pdf"))
    return render_fragments(chapters).chapters


def test_references_print_labels_and_page_markers(book_at):
    one = ("---\ntitle: One\n---\n## Origins {#sec:origins}\n\n| a |\n|---|\n| 1 |\n\nTable: Crossings {#tbl:x}\n\n"
           "See @tbl:x, [-@tbl:x], [see @Sec:origins], @ch:two, [](#tbl:x) and [p. @sec:origins]; \\@tbl:x.\n")
    two = "---\ntitle: Two\nid: two\n---\n## Origins\n\nBack to @sec:origins, not the second one.\n"
    html = html_of(book_at({"01-one.md": one, "02-two.md": two}))
    assert ('See <a href="#tbl:x" class="xref">Table&nbsp;1.1</a>, <a href="#tbl:x" class="xref">1.1</a>, '
            'see <a href="#sec:origins" class="xref">Section&nbsp;1.1</a>, '
            '<a href="#chapter-two" class="xref">Chapter&nbsp;2</a>, <a href="#tbl:x" class="xref">Table&nbsp;1.1</a> '
            'and p.&nbsp;<!--pressroom-page:sec:origins-->; @tbl:x.') in html["one"]
    # The second chapter's own `## Origins` is `origins`; @sec:origins names the first chapter's.
    assert '<a href="#sec:origins" class="xref">section&nbsp;1.1</a>' in html["two"]


def test_references_to_nothing_and_broken_index_marks_are_errors_at_their_place(book_at):
    one = ("---\ntitle: One\n---\nText @tbl:none here,\n[p. @ch:nope] and [@fig:a; @fig:b].\n\n"
           "::: {index=\"x\"}\nA div.\n:::\n\n[]{index=\"a!\"} []{index-end=\"r\"} []{index=\"b\" index-see=\"zz\"}\n")
    with pytest.raises(BuildError) as caught:
        html_of(book_at({"01-one.md": one}))
    found = sorted((m.code, m.line, m.col) for m in caught.value.messages)
    assert found == [("X003", 5, 19), ("X011", 7, 1)], caught.value
    one = one.replace("::: {index=\"x\"}\nA div.\n:::\n\n", "").replace(" and [@fig:a; @fig:b]", "")
    with pytest.raises(BuildError) as caught:
        html_of(book_at({"01-one.md": one}))
    found = sorted((m.code, m.line, m.col) for m in caught.value.messages)
    assert found == [("X001", 4, 6), ("X001", 5, 1), ("X010", 7, 1), ("X012", 7, 1), ("X013", 7, 16),
                     ("X014", 7, 34)], caught.value


def test_index_entries_are_collated_by_the_books_language(book_at):
    one = ("---\ntitle: One\n---\n[zebra]{.index} [Émile]{.index} [Ezra]{.index} [Eagle]{.index} "
           "[김일성]{.index} [x]{index=\"Eagle!wings\"}\n")
    index = "---\ntitle: Index\nrole: index\nid: book-index\n---\nSee also the notes.\n"
    html = html_of(book_at({"01-one.md": one, "99-index.md": index}))["book-index"]
    order = [html.index(f"<p>{t},") for t in ("Eagle", "wings", "Émile", "Ezra", "zebra", "김일성")]
    assert order == sorted(order), html
    assert html.startswith("<p>See also the notes.</p>")
    assert '<h2 class="index-letter">ㄱ</h2>' in html


def test_locators_merge_repeats_ranges_and_runs():
    pages = {"a": "3", "b": "3", "c": "4", "d": "5", "e": "6", "f": "9", "g": "12", "h": "15", "i": "13",
             "j": "ii", "k": "14"}
    assert merged([("j", None), ("a", None), ("b", None), ("f", None)], pages) == [("j", "ii"), ("a", "3"), ("f", "9")]
    # 3, 4, 5, 6 in a row: a range; 12 inside 12–15; 13, 14 two apart from nothing.
    assert merged([("a", None), ("c", None), ("d", None), ("e", None), ("g", "h"), ("i", None)], pages) == \
        [("a", "3–6"), ("g", "12–15")]
    assert merged([("f", None), ("g", None), ("i", None)], pages) == [("f", "9"), ("g", "12"), ("i", "13")]
