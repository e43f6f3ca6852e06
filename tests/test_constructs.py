"""Whatever a manuscript holds reaches every edition it belongs to (the rule above all)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import run_cli
from readers import editions_text, missing, pdf_pages
from pressroom.readback import squeeze

BOOK = {"title": "Constructs", "language": "en-GB", "slug": "constructs", "version": "1",
        "editions": [{"kind": "pdf"}, {"kind": "epub"}, {"kind": "html"}]}


def write(root: Path, chapters: dict[str, str], notes: dict | None = None, **book) -> Path:
    (root / "chapters").mkdir(parents=True)
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    (root / "book.yaml").write_text(yaml.safe_dump({**BOOK, **book}), encoding="utf-8")
    if notes:
        (root / "notes.yaml").write_text(yaml.safe_dump(notes), encoding="utf-8")
    return root


NOTE_BLOCKS = """---
title: Notes That Hold Blocks
---
A claim that needs its evidence laid out.[^evidence] Then more text follows here.

[^evidence]: Three sources, in order of weight:

    - the ledger of Alphacorp
    - the diary of Bravo Smith

    ```
    code_in_a_note = "charlie"
    ```

    > A quoted line from Delta Jones.

    | Year | Echo count |
    |------|-----------:|
    | 1956 | 4711       |

    A last paragraph naming Foxtrot.
"""

NOTE_WORDS = ["Three sources, in order of weight", "the ledger of Alphacorp", "the diary of Bravo Smith",
              'code_in_a_note = "charlie"', "A quoted line from Delta Jones", "Echo count", "4711",
              "A last paragraph naming Foxtrot"]


@pytest.fixture(scope="module")
def note_blocks_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("note-blocks")
    root = write(base / "manuscript", {"01-one.md": NOTE_BLOCKS})
    done = run_cli("build", "--manuscript", str(root), "--out", str(base / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build"


def test_a_note_holding_lists_code_quotes_and_tables_reaches_every_edition_whole(note_blocks_build):
    texts = editions_text(note_blocks_build, "constructs")
    assert missing(texts, NOTE_WORDS) == {"pdf": [], "epub": [], "html": []}


def test_the_whole_note_is_printed_on_its_call_page_and_not_in_the_running_text(note_blocks_build):
    pages = pdf_pages(note_blocks_build / "constructs.pdf")
    call_page = next(i for i, text in enumerate(pages) if squeeze("needs its evidence laid out") in text)
    assert all(squeeze(w) in pages[call_page] for w in NOTE_WORDS)
    # The code stays in the note: the running text goes on straight after the call.
    assert squeeze("laid out.1 Then more text follows here") in pages[call_page]
