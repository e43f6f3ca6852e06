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


# Every CommonMark construct (the spec's blocks and inlines, in its order) and every extension our
# reader enables (tools/pandoc.READER: alerts, attributes, bracketed_spans, definition_lists,
# fancy_lists, fenced_divs, footnotes, gfm_auto_identifiers, implicit_figures,
# implicit_header_references, pipe_tables, raw_html, smart, strikeout, subscript, superscript,
# task_lists), each carrying a word of its own.
EVERY_CONSTRUCT = r"""---
title: Every Construct
---
Setext Heading Aardvark
=======================

A paragraph of plain text, Albatross, with a soft
line break inside it (Alligator).

## ATX Heading Anteater {#atx-anteater}

Before a thematic break, Antelope.

***

After a thematic break, Armadillo.

    indented_code = "Badger"

```python
fenced_code = "Barracuda"
```

<div>
An HTML block, Beaver.
</div>

A link by reference: [Bison reference][bison], and [Buffalo inline](https://example.org/buffalo).

[bison]: https://example.org/bison "Bison"

> A block quotation, Camel,
>
> > nested inside it, Capybara.

- A bullet item, Caribou
- Another, Cassowary
  - nested, Chameleon

3. An ordered item from three, Cheetah
4. The next, Chinchilla

Loose list:

- First loose item, Cobra

- Second loose item, Cougar

Backslash escapes: \*Coyote\* and \[Crane\].

Entity references: &copy; Crocodile &amp; &#35;Dolphin.

A code span: `Donkey_code`; emphasis *Dormouse*; strong **Dragonfly**; both ***Eagle***.

An autolink: <https://example.org/Echidna>.

Raw inline HTML: <em>Eland</em> and <sup>Elephant</sup>.

A hard line break with a backslash, Emu\
and with two spaces, Falcon  
then Ferret.

Definition lists, Flamingo:

Gazelle term
:   Gecko definition

Fancy lists:

a. Gerbil first
b. Giraffe second

and a roman list:

i. Gnu roman
ii. Goat roman

Task lists:

- [ ] Gopher to do
- [x] Gorilla done

::: {.aside}
A fenced div, Grasshopper.
:::

::: note
A callout, Hamster.
:::

> [!WARNING]
> A GitHub alert, Hedgehog.

A bracketed span: [Heron span]{.smallcaps}; inline code with attributes `Hippo_code`{.python}.

A note,[^hyena] and an inline note.^[Ibex inline note.]

[^hyena]: Hyena, the note's text.

| Column Iguana | Column Impala |
|---------------|--------------:|
| Jackal cell   | Jaguar cell   |

Table: A table caption, Jellyfish.

"Smart quotes" around Kangaroo -- and dashes --- Kingfisher.

~~Struck Koala~~, super^Ladybird^ and sub~Lemur~.

A reference to a heading by its text: [ATX Heading Anteater], and by its id: [the Leopard link](#atx-anteater).

![A figure's caption, Lion.](images/dot.png)

<!-- An HTML comment, Lobster: dropped, as every Markdown renderer drops it. -->

The chapter's last words, Lizard.
"""

EVERY_TOKEN = """Aardvark Albatross Alligator Anteater Antelope Armadillo Badger Barracuda Beaver Bison
Buffalo Camel Capybara Caribou Cassowary Chameleon Cheetah Chinchilla Cobra Cougar Coyote Crane
Crocodile Dolphin Donkey_code Dormouse Dragonfly Eagle Echidna Eland Elephant Emu Falcon Ferret
Flamingo Gazelle Gecko Gerbil Giraffe Gnu Goat Gopher Gorilla Grasshopper Hamster Hedgehog Heron
Hippo_code Hyena Ibex Iguana Impala Jackal Jaguar Jellyfish Kangaroo Kingfisher Koala Ladybird
Lemur Leopard Lion Lizard""".split()


@pytest.fixture(scope="module")
def every_construct_build(tmp_path_factory):
    from PIL import Image

    base = tmp_path_factory.mktemp("every-construct")
    root = write(base / "manuscript", {"01-every.md": EVERY_CONSTRUCT})
    (root / "images").mkdir()
    Image.new("RGB", (600, 300), (120, 40, 20)).save(root / "images" / "dot.png", dpi=(300, 300))
    done = run_cli("build", "--manuscript", str(root), "--out", str(base / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build"


def test_every_commonmark_construct_and_enabled_extension_reaches_every_edition(every_construct_build):
    texts = editions_text(every_construct_build, "constructs")
    assert missing(texts, EVERY_TOKEN) == {"pdf": [], "epub": [], "html": []}
    # What has no word of its own: an entity's character, a task's state (pandoc reads `[x]` as
    # text when it keeps source positions: printed as written, not lost), the comment dropped.
    assert missing(texts, ["© Crocodile & #Dolphin", "[x] Gorilla done", "[ ] Gopher to do"]) == \
        {"pdf": [], "epub": [], "html": []}
    assert all("lobster" not in text for text in texts.values())
    # An ordered list's start and numbering style, as the manuscript numbers it, in the PDF too.
    assert missing({"pdf": texts["pdf"]}, ["3. An ordered item from three, Cheetah", "4. The next, Chinchilla",
                                           "b. Giraffe second", "i. Gnu roman", "ii. Goat roman"]) == {"pdf": []}


def test_every_construct_is_set_as_its_kind_on_the_web(every_construct_build):
    page = (every_construct_build / "html" / "every.html").read_text(encoding="utf-8")
    for markup in ("<del>Struck Koala</del>", "<sup>Ladybird</sup>", "<sub>Lemur</sub>", "<dl>", '<ol type="a">',
                   'type="i"', 'start="3"', "<figcaption", "<caption", "<hr", "<em>Eland</em>", 'class="smallcaps"',
                   'class="aside"', "admonition", 'href="#atx-anteater"', "<blockquote"):
        assert markup in page, markup
    assert page.count("<blockquote") >= 2 and page.count("<pre") == 2  # nested quotation; both code blocks


def test_mkdocs_admonitions_are_named_at_their_line_not_passed_silently(tmp_path):
    """`!!! note` is no Markdown: pandoc reads a paragraph and a code block. Never silently."""
    root = write(tmp_path / "manuscript", {"01-one.md": "---\ntitle: Callouts\n---\nA paragraph.\n\n"
                                           '!!! note "A title"\n    Content here.\n\n!!! warning\n\n'
                                           "    Indented after a blank line.\n\nBang! Not one: !!! inside.\n"},
                 editions=[{"kind": "html"}])
    done = run_cli("build", "html", "--manuscript", str(root), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stderr
    found = [line.split(": warning[P009]: ")[0].rsplit("/", 2)[-2:] for line in done.stderr.splitlines()
             if "warning[P009]" in line]
    assert found == [["chapters", "01-one.md:6:1"], ["chapters", "01-one.md:9:1"]], done.stderr
    assert "write `::: warning` … `:::`" in done.stderr
