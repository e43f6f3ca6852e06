"""`import --revision`, the placing of one paragraph's edits in its Markdown (copyedit._edits), in process.

The whole path, with LibreOffice's tracked changes and git, is tested in tests/test_docx.py; here each
rule of where a word goes (or why it cannot) is held on its own, with no document.
"""

from __future__ import annotations

from pathlib import Path

from pressroom.copyedit import NOTE, Para, Unit, _edits, _escape

EMPH = ("Emph",)


def printed(text: str, emphasized: str = "") -> Para:
    """A Word paragraph as the reader gives it: `emphasized` (a substring) in italics."""
    para = Para(1, ids=["pr1_1"], chars=text, marks=[()] * len(text))
    if emphasized:
        at = text.index(emphasized)
        para.marks[at:at + len(emphasized)] = [EMPH] * len(emphasized)
    return para


def place(source: str, old: Para, new: Para) -> tuple[str, str]:
    """The Markdown after the edits from `old` to `new`, and the refusal's reason ("" when placed)."""
    edits, reason = _edits(old, new, Unit(Path("01.md"), "01.md", 4, 1, source))
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        source = source[: edit.start] + edit.text + source[edit.end:]
    return source, reason


def test_a_word_is_replaced_where_the_markdown_writes_it_markup_and_note_calls_kept():
    source = 'It was a "dark" night -- the first of many.[^dark] The book is *{{ book.title }}*.'
    old = printed(f"It was a “dark” night – the first of many.{NOTE} The book is A Small Book.", "A Small Book")
    new = printed(f"It was a “dark” night – the first of several.{NOTE} The book is A Small Book.", "A Small Book")
    assert place(source, old, new) == (source.replace("many", "several"), "")


def test_words_over_a_soft_line_break_are_replaced_across_it():
    old, new = printed("the first line and the second line"), printed("the first line, then the second line")
    assert place("the first line and\nthe second line", old, new) == ("the first line, then\nthe second line", "")
    old, new = printed("the first line and the second line"), printed("the first and second line")
    assert place("the first line and\nthe second line", old, new) == ("the first and second line", "")


def test_an_insertion_beside_emphasis_goes_to_the_side_whose_formatting_it_has():
    source = "A note about the *dark*, here."
    old = printed("A note about the dark, here.", "dark")
    assert place(source, old, printed("A note about the very dark, here.", "very dark")) == \
        ("A note about the *very dark*, here.", "")
    assert place(source, old, printed("A note about the cold dark, here.", "dark")) == \
        ("A note about the cold *dark*, here.", "")


def test_what_cannot_be_placed_is_refused_with_why():
    source = "A note about the *dark*, here.[^n] The book is *{{ book.title }}*."
    old = printed(f"A note about the dark, here.{NOTE} The book is A Small Book.", "dark")
    old.marks[-13:-1] = [EMPH] * 12
    across = printed(f"A note about the darkness here.{NOTE} The book is A Small Book.", "darkness")
    across.marks[-13:-1] = [EMPH] * 12
    assert "spans formatting" in place(source, old, across)[1]
    made = printed(f"A note about the dark, here.{NOTE} The book is A Big Book.", "dark")
    made.marks[-11:-1] = [EMPH] * 10
    assert "does not hold as printed" in place(source, old, made)[1]
    no_note = printed("A note about the dark, here. The book is A Small Book.", "dark")
    no_note.marks[-13:-1] = [EMPH] * 12
    assert "note call" in place(source, old, no_note)[1]
    unitalic = printed(f"A note about the dark, here.{NOTE} The book is A Small Book.")
    assert "a change of formatting (at “dark”)" in place(source, old, unitalic)[1]


def test_inserted_words_are_escaped_where_markdown_would_read_markup():
    old, new = printed("Costs rose."), printed("Costs rose *sharply* by 5 @ home [sic].")
    assert place("Costs rose.", old, new) == (r"Costs rose \*sharply\* by 5 \@ home \[sic\].", "")
    assert _escape("# not a heading", True) == r"\# not a heading" and _escape("1. x", True) == r"1\. x"
