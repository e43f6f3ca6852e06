"""manuscript/markdown.py: where code is, and a raw <code> holding a lone backtick."""

from __future__ import annotations

from pressroom.context import BuildContext
from pressroom.manuscript.load import load_book
from pressroom.manuscript.markdown import literal_backticks_in_raw_code
from pressroom.messages import Report
from pressroom.pandoc_ast import stringify, walk


def test_a_lone_backtick_in_raw_code_is_literal():
    # JavaScript Primer: "<code>`</code>（バッククォート）で囲んだ…（`\n`）" — CommonMark would run a
    # code span from that backtick to the next one and swallow </code>
    text = "リテラルは、<code>`</code>（バッククォート）で、（`\\n`）を使わず。\n"
    assert literal_backticks_in_raw_code(text) == "リテラルは、<code>\\`</code>（バッククォート）で、（`\\n`）を使わず。\n"
    paired = "A <code>`x`</code> and `<code>` and `</code>` tags.\n"
    assert literal_backticks_in_raw_code(paired) == paired
    fenced = "```html\n<code>`</code>\n```\n"
    assert literal_backticks_in_raw_code(fenced) == fenced


def test_a_chapter_with_a_backtick_in_raw_code_builds_and_prints_it(book_at):
    one = "---\ntitle: One\n---\nWrap it in <code>`</code> (a backquote), not `'`.\n"
    book = load_book(book_at({"01-one.md": one}), Report())
    [chapter] = BuildContext(book, Report()).chapters(book.edition("html"))
    raw = []
    walk(chapter.blocks, lambda node, _pos: raw.append(node) if node["t"] in ("RawInline", "Code") else None)
    assert [n["c"][-1] for n in raw] == ["<code>", "</code>", "'"]
    assert "`" in stringify(chapter.blocks)
