"""resolve.py and links.py: the whole-book passes (links, ids, headings, callouts)."""

from __future__ import annotations

import pytest

from pressroom.context import BuildContext
from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report
from pressroom.pandoc_ast import stringify, walk


def chapters_of(root):
    book = load_book(root, Report())
    return BuildContext(book, Report()).chapters(book.edition("pdf"))


def nodes(blocks, kind):
    found = []
    walk(blocks, lambda node, _pos: found.append(node) if node["t"] == kind else None)
    return found


def test_links_to_other_chapter_files_go_to_their_place_in_the_book(book_at):
    one = "---\ntitle: One\n---\n## Method\n\nSee [peng](02-history.md#peng), [all](02-history.md) and [me](#method).\n"
    two = "---\ntitle: Two\n---\n## Method\n\n## Peng {#peng}\n\nBack to [one](./01-one.md#method) and [here](#method).\n"
    first, second = chapters_of(book_at({"01-one.md": one, "02-history.md": two}))
    assert [l["c"][2][0] for l in nodes(first.blocks, "Link")] == ["#peng", "#chapter-history", "#method"]
    # The second chapter's "Method" heading would clash with the first's: it is renamed, and
    # the chapter's own link follows it.
    assert [h["c"][1][0] for h in nodes(second.blocks, "Header")] == ["method-2", "peng"]
    assert [l["c"][2][0] for l in nodes(second.blocks, "Link")] == ["#method", "#method-2"]
    assert all("at" not in l for l in nodes(first.blocks + second.blocks, "Link"))


def test_a_link_to_a_chapters_id_goes_to_its_opening(book_at):
    # d2l's :numref:`sec_x` names a chapter by the label its front matter's id: holds
    one = "---\ntitle: One\nid: sec_one\n---\nText.\n"
    two = "---\ntitle: Two\n---\nAs in [](#sec_one).\n"
    _, second = chapters_of(book_at({"01-one.md": one, "02-two.md": two}))
    assert [l["c"][2][0] for l in nodes(second.blocks, "Link")] == ["#chapter-sec_one"]


def test_links_to_nothing_are_errors_at_their_place(book_at):
    one = "---\ntitle: One\n---\nA [lost](#no-such-id) anchor,\nand [a file](notes/other.md) and [x](02-two.md#none).\n"
    two = "---\ntitle: Two\n---\nText.\n"
    with pytest.raises(BuildError) as caught:
        chapters_of(book_at({"01-one.md": one, "02-two.md": two}))
    found = sorted((m.code, m.line, m.col) for m in caught.value.messages)
    assert found == [("P008", 4, 3), ("P008", 5, 5), ("P008", 5, 34)], caught.value


def test_headings_start_under_the_chapter_title_and_skip_no_level(book_at):
    one = "---\ntitle: One\n---\n## Starts at two\n\n#### Then four\n\n## Two again\n"
    [chapter] = chapters_of(book_at({"01-one.md": one}))
    assert [h["c"][0] for h in nodes(chapter.blocks, "Header")] == [2, 3, 2]


def test_callouts_get_a_title_line(book_at):
    one = "---\ntitle: One\n---\n::: warning\nMind the gap.\n:::\n\n> [!NOTE]\n> An alert.\n"
    [chapter] = chapters_of(book_at({"01-one.md": one}))
    divs = [d for d in nodes(chapter.blocks, "Div") if "admonition" in d["c"][0][1]]
    assert [(d["c"][0][1], stringify(d["c"][1][0])) for d in divs] == [
        (["admonition", "warning"], "Warning"), (["admonition", "note"], "Note")]
    assert stringify(divs[1]) == "NoteAn alert."


def test_githubs_bold_note_quotation_is_a_callout(book_at):
    # JavaScript Primer writes GitHub's first callout form; a bold word that is no kind stays a quotation
    one = ("---\ntitle: One\n---\n> **Note** 変数名を数字から。\n\n> **Warning**\n> Mind.\n\n"
           "> **Nota bene** a quotation.\n")
    [chapter] = chapters_of(book_at({"01-one.md": one}))
    divs = [d for d in nodes(chapter.blocks, "Div") if "admonition" in d["c"][0][1]]
    assert [(d["c"][0][1], stringify(d)) for d in divs] == [
        (["admonition", "note"], "Note変数名を数字から。"), (["admonition", "warning"], "WarningMind.")]
    assert len(nodes(chapter.blocks, "BlockQuote")) == 1


def test_html_comments_are_dropped_and_raw_links_held_to_the_link_rules(book_at):
    one = ('---\ntitle: One\n---\nText <!-- an editor\'s remark --> goes on.\n\n'
           'A <a href="https://example.org/" target="_blank">raw link</a>.\n')
    report = Report()
    book = load_book(book_at({"01-one.md": one}), report)
    [chapter] = BuildContext(book, report).chapters(book.edition("pdf"))
    raw = "".join(n["c"][1] for n in nodes(chapter.blocks, "RawInline"))
    assert "remark" not in raw and '<a href="https://example.org/">' in raw
    assert [(m.code, m.severity) for m in report.messages] == [("P005", "warning")]
    bad = '---\ntitle: One\n---\nA <a href="javascript:alert(1)">bad</a> link.\n'
    with pytest.raises(BuildError) as caught:
        chapters_of(book_at({"01-one.md": bad}))
    assert [(m.code, m.line, m.col) for m in caught.value.messages] == [("P002", 4, 3)]


def test_figures_and_tables_are_numbered_per_chapter_with_their_ids(book_at):
    table = "| Year | Crossings |\n|------|-----------|\n| 1956 | 4 |\n"
    one = f"---\ntitle: One\n---\n![A map of the border](images/map.png){{#fig:map}}\n\n{table}\nTable: Border crossings {{#tbl:cross}}\n"
    two = f"---\ntitle: Two\n---\nTable: Before the table\n\n{table}\n![Second](images/map.png)\n\n![Third](images/map.png)\n"
    root = book_at({"01-one.md": one, "02-two.md": two})
    (root / "images").mkdir()
    from PIL import Image

    Image.new("RGB", (40, 30), "white").save(root / "images" / "map.png")
    first, second = chapters_of(root)
    assert [(c.label, c.id, c.text) for c in first.captions] == [
        ("Figure 1.1", "fig:map", "A map of the border"), ("Table 1.1", "tbl:cross", "Border crossings")]
    assert [(c.label, c.id) for c in second.captions] == [
        ("Table 2.1", "table-two-1"), ("Figure 2.1", "figure-two-1"), ("Figure 2.2", "figure-two-2")]
    tables = nodes(first.blocks, "Table")
    assert stringify(tables[0]["c"][1][1]) == "Table\u00a01.1. Border crossings"
    assert not [p for p in nodes(first.blocks, "Para") if stringify(p).startswith("Table")]


def test_a_link_to_a_notes_id_goes_to_that_note_as_printed(book_at):
    # Standard Ebooks' endnotes say "see [note 94](#note-94)": a note's id names the note
    one = "---\ntitle: One\n---\nFirst[^a] and second.[^1]\n\n[^1]: Own note; see [the other](#far).\n"
    two = "---\ntitle: Two\n---\nThird.[^far] Back to [the first](#a).\n"
    notes = {"a": {"text": "A."}, "far": {"text": "Far."}}
    first, second = chapters_of(book_at({"01-one.md": one, "02-two.md": two}, notes))
    in_notes = [b for c in (first, second) for n in c.notes for b in n.blocks]
    links = [l["c"][2][0] for l in nodes(in_notes + second.blocks, "Link")]
    assert links == ["#note-3", "#note-1"]


def test_resolving_with_kinds_gives_the_book_resolving_every_node_gives(book_at, monkeypatch):
    """Each pass names the node types it changes, and skips blocks holding none (pandoc_ast.Kinds):
    a type left out would leave something unresolved here, deep in lists, quotes, tables and notes."""
    from pressroom.pandoc_ast import Kinds

    one = ("---\ntitle: One\n---\n## Origins {#sec:origins}\n\nPlain text.\n\n"
           "- item\n\n  > quoted [link](02-two.md#peng), [the note](#n) and @tbl:x[^n]\n\n"
           "::: note\n### Inside {#inside}\n\n$$x^2$$ {#eq:sq}\n\n| a |\n|---|\n| [b]{.index}^[inline @eq:sq] |\n\n"
           "Table: In a callout {#tbl:x}\n:::\n\nTerm\n:   See [p. @sec:origins] and [](#inside).\n\n"
           "[^n]: A note with [a mark]{index=\"mark\"} and @ch:two.\n")
    two = "---\ntitle: Two\nid: two\n---\n## Peng {#peng}\n\n![A figure](images/x.png){#fig:a}\n\nSee @fig:a.\n"
    index = "---\ntitle: Index\nid: book-index\nrole: index\n---\n"
    root = book_at({"01-one.md": one, "02-two.md": two, "03-index.md": index}, math="tex")
    (root / "images").mkdir()
    from PIL import Image

    Image.new("RGB", (40, 30), "white").save(root / "images" / "x.png")
    pruned = chapters_of(root)
    monkeypatch.setattr(Kinds, "prune", lambda self, *types: lambda node: False)  # every node visited
    whole = chapters_of(root)
    assert pruned == whole
    text = stringify(pruned[0].blocks)
    assert "Table\u00a01.1" in text and "(1.1)" in text and "Note" in text  # resolved, not only equal
