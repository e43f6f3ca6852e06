"""pressroom/readback.py: what a printed edition must show, as the build and `check` both judge it —
a chapter's last sentence as printed (quotation marks, a list's last item; never code or a table),
and a note's whole text against the lines a page prints of it."""

from __future__ import annotations

from pressroom.context import BuildContext
from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.readback import expectations, first_difference, shown_from, squeeze

NOTE = """---
title: Notes That Hold Blocks
---
A claim that needs its evidence laid out.[^evidence] Then more text follows here.

[^evidence]: Three sources, in *order* of weight:

    - the ledger of Alphacorp
    - the diary of "Bravo" Smith

    ```
    code_in_a_note = "charlie"
    ```

    > A quoted line from Delta Jones.

    | Year | Echo count |
    |------|-----------:|
    | 1956 | 4711       |

    A last paragraph naming Foxtrot.
"""
# The note's lines as the reader's PDF prints them (read back with PDFium from a real build).
PRINTED = ["1. Three sources, in order of weight:", "• the ledger of Alphacorp", "• the diary of “Bravo” Smith",
           'code_in_a_note = "charlie"', "A quoted line from Delta Jones.", "Year Echo count", "1956 4711",
           "A last paragraph naming Foxtrot."]


def _expected(book_at, chapter: str):
    book = load_book(book_at({"01-one.md": chapter}), Report())
    return expectations(BuildContext(book, Report()).chapters(book.edition("pdf")))[0]


def _printed(lines: list[str]) -> str:
    return squeeze(" ".join(lines)).removeprefix("1.")


def test_a_note_printed_whole_matches_its_lists_code_quotes_and_table(book_at):
    note = _expected(book_at, NOTE).notes[0]
    assert note.label == 1
    assert first_difference(_printed(PRINTED), note.pieces) is None


def test_a_table_read_across_wrapped_cells_still_matches_but_a_changed_cell_does_not(book_at):
    note = _expected(book_at, NOTE).notes[0]
    wrapped = PRINTED[:5] + ["Year Echo", "count", "1956 4711"] + PRINTED[7:]
    assert first_difference(_printed(wrapped), note.pieces) is None
    changed = PRINTED[:6] + ["1956 4712"] + PRINTED[7:]
    piece, _ = first_difference(_printed(changed), note.pieces)
    assert note.pieces[piece].kind == "loose"


def test_a_note_missing_its_end_or_a_middle_line_is_caught_where_it_goes_wrong(book_at):
    note = _expected(book_at, NOTE).notes[0]
    piece, offset = first_difference(_printed(PRINTED[:-1]), note.pieces)
    assert shown_from(note.pieces[piece], offset) == "A last paragraph naming Foxtrot."
    piece, offset = first_difference(_printed(PRINTED[:2] + PRINTED[3:]), note.pieces)
    assert shown_from(note.pieces[piece], offset).startswith("the diary of “Bravo” Smith")
    assert first_difference(_printed(PRINTED + ["2. The next note."]), note.pieces) == (len(note.pieces), 0)


def test_a_chapter_ending_in_a_quotation_ends_with_its_quotation_marks(book_at):
    chapter = '---\ntitle: One\n---\nShe read the letter twice and answered the only way she could: "No, never again."\n'
    assert _expected(book_at, chapter).last_sentence == (
        "She read the letter twice and answered the only way she could: “No, never again.”")


def test_a_chapter_ending_in_a_list_ends_with_its_last_item(book_at):
    chapter = ("---\ntitle: One\n---\nThe sources, in order:\n\n- the ledger of a trading house in Dandong\n"
               "- the diary of a clerk who kept the ledger for eleven years\n")
    assert _expected(book_at, chapter).last_sentence == "the diary of a clerk who kept the ledger for eleven years"


def test_code_and_tables_at_a_chapter_end_are_not_its_ending(book_at):
    text = "The last words of the running text come here, before the code and the table."
    chapter = f"---\ntitle: One\n---\n{text}\n\n```\nprint('hello')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert _expected(book_at, chapter).last_sentence == text


def test_right_to_left_runs_are_found_whatever_order_the_pdf_gives_them():
    from pressroom.readback import holds

    words = "مرحبا بالعالم; and שלום."
    assert holds("… بالعالم مرحبا ;and שלום.", words)  # PDFium: RTL words in visual order
    assert holds("… םולש and ;", "and שלום")  # pdfplumber: letters as drawn
    assert not holds("… بالعالم ;and שלום.", words)  # a word missing
    assert not holds("… بالعالم مرحبا ;or שלום.", words)
