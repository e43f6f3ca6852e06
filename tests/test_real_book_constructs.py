"""Constructs the real books of tests/corpus/ use, each in a few lines: what a reader sees of them
in every edition, and `check` passing on them.

- numbered equations (d2l's `:eqlabel:`/`:eqref:`, LaTeX's `\\label`/`\\eqref`): `$$…$$ {#eq:x}`
  and `$$…$$[]{#x}` print "(1.1)" beside the formula, references print "equation (1.1)";
- a code line that breaks at a space (d2l's 79-column `text` blocks): the space it breaks at
  hangs past the measure, printing nothing, and is no overflow;
- a Japanese chapter ending in a paragraph of long sentences with no spaces (jsprimer): its last
  "three words" are three sentences, which need not share the last page.

- a note taller than a page's note area (Varieties: eight paragraphs and two quotations, in a
  chapter of running text): the PDFs set it among its chapter's endnotes, a warning names its
  call, `check` finds it whole there; the EPUB and web edition keep it a note like any other.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest
import yaml
from lxml import html as lxml_html

from conftest import run_cli
from pdfread import page_texts

CODE = """```text
German:           Haben Sie sich schon dieses grossartige Lehrwerk angeschaut?
English:          Have you already looked at this excellent textbook?
Wrong alignment:  Have you yourself already this excellent textbook looked at?
```"""

ONE = f"""---
title: Regression
---
The model is affine in its features:

$$\\hat{{y}} = w_1 x_1 + w_2 x_2 + b$$ {{#eq:affine}}

and its loss is the squared error, written with an anchor after the formula as d2l's converter does:

$$l(\\mathbf{{w}}, b) = \\frac{{1}}{{2}} \\left(\\hat{{y}} - y\\right)^2 + \\frac{{1}}{{2}} \\left(\\hat{{y}} - y\\right)^2 + \\frac{{1}}{{2}} \\left(\\hat{{y}} - y\\right)^2 + \\frac{{1}}{{2}} \\left(\\hat{{y}} - y\\right)^2$$[]{{#eq_loss}}

A formula with no id is not numbered:

$$a = b$$

Minimising [](#eq_loss) fits [-@eq:affine] to the data.

{CODE}

A table whose header row has an empty corner over a column of row labels (jsprimer's):

|   | 0 | 1 |
|---|---|---|
| 0 | a | b |

A table of conditional probabilities whose header cells hold only formulas (d2l's):

|   | $H=1$ | $H=0$ |
|---|---|---|
| $P(D_1=1 \\mid H)$ | 0.99 | 0.01 |

The chapter ends here.
"""

TWO = """---
title: Generalisation
---
Back in the first chapter, @eq:affine was the model and [](#eq_loss) its loss.
"""


def write_book(root: Path, chapters: dict[str, str], editions: list[str], **meta) -> Path:
    (root / "chapters").mkdir(parents=True)
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    book = {"title": "Constructs", "authors": ["Ada Writer"], "language": "en-GB", "slug": "constructs",
            "version": "1.0", "rights": "© 2026 Ada Writer.", **meta,
            "chapters": [f"chapters/{name}" for name in chapters], "editions": [{"kind": k} for k in editions]}
    (root / "book.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def equations(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("equations")
    manuscript = write_book(base / "manuscript", {"01-one.md": ONE, "02-two.md": TWO}, ["pdf", "epub", "html"],
                            math="tex")
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(base / "build"), cwd=base)
    assert done.returncode == 0, done.stderr
    assert "warning[" not in done.stderr, done.stderr
    return base


def _squeezed(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def test_labelled_formulas_are_numbered_beside_them_in_the_pdf(equations: Path):
    pdf = equations / "build" / "constructs.pdf"
    text = _squeezed(" ".join(page_texts(pdf)))
    assert "Minimising equation (1.2) fits (1.1) to the data." in text
    assert "Back in the first chapter, equation (1.1) was the model and equation (1.2) its loss." in text
    assert "(1.3)" not in text  # the formula without an id
    with pdfplumber.open(pdf) as document:
        page = next(p for p in document.pages if "is affine" in (p.extract_text() or ""))
        words = page.extract_words()
        right = max(w["x1"] for w in words if not w["text"].startswith("(1."))  # a justified line's end
        for label in ("(1.1)", "(1.2)"):
            number = next(w for w in words if w["text"] == label)
            # At the right edge of the text block, on the line of its formula (drawn curves at its height).
            assert abs(number["x1"] - right) < 3, (label, number, right)
            beside = [c for c in page.curves if c["top"] < number["bottom"] and c["bottom"] > number["top"]]
            assert beside and max(c["x1"] for c in beside) < number["x0"], label


def test_labelled_formulas_are_numbered_and_linked_in_the_web_edition_and_epub(equations: Path):
    pages = {p.name: p.read_text(encoding="utf-8") for p in (equations / "build" / "html").glob("*.html")}
    with zipfile.ZipFile(equations / "build" / "constructs.epub") as epub:
        pages.update({n: epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml")})
    for name, text in pages.items():
        if "is affine" not in text:
            continue
        tree = lxml_html.fromstring(text.encode())
        for element_id, number in (("eq:affine", "(1.1)"), ("eq_loss", "(1.2)")):
            [equation] = tree.xpath(f'//*[@id="{element_id}"]')
            assert "equation" in equation.get("class").split(), name
            assert equation.xpath('.//*[local-name()="math"]'), name
            assert equation.xpath('string(.//*[contains(@class, "equation-number")])') == number, name
        links = {a.get("href").rsplit("#", 1)[1]: " ".join(a.text_content().split()) for a in tree.xpath("//a[@href]")
                 if "#eq" in a.get("href")}
        assert links == {"eq_loss": "equation (1.2)", "eq:affine": "(1.1)"}, name
    assert sum("is affine" in t for t in pages.values()) == 2  # the web page and the EPUB's chapter


def test_a_code_line_broken_at_a_space_builds_and_prints_every_word(equations: Path):
    # The build's own W003 check passed (the fixture asserts exit 0); every word is printed.
    text = _squeezed(" ".join(page_texts(equations / "build" / "constructs.pdf")))
    assert "Wrong alignment: Have you yourself already this excellent textbook looked at?" in text


def test_the_book_with_equations_passes_check(equations: Path):
    checked = run_cli("check", "--manuscript", str(equations / "manuscript"), "--out", str(equations / "build"),
                      cwd=equations)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_japanese_chapter_ending_in_long_unspaced_sentences_builds(tmp_path: Path):
    # Three sentences a line each (a soft break between them): three "words" for a space-splitting
    # reader, far longer than a page together. The ending found on the last page is their end.
    sentences = [("これは長い文です" * 90) + f"{i}番目の文。" for i in range(1, 4)]
    chapter = "---\ntitle: 反復処理\n---\n本文の最初の段落です。\n\n" + "\n".join(sentences) + "\n"
    manuscript = write_book(tmp_path / "manuscript", {"01-loop.md": chapter}, ["pdf"], language="ja")
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    texts = page_texts(tmp_path / "build" / "constructs.pdf")
    assert "3番目の文。" in "".join(texts[-1].split())
    assert "".join(texts).count("長") == 270  # every sentence whole: a character no page break can split


LECTURE = " ".join(["The lecturer speaks of the varieties of experience, one case after another, "
                    "and the reader follows him from page to page without a note."] * 8)
# Far more running text than notes, as in a real book: `check` tells the text from the notes by
# size, the text's being the size most of the book is set in.
BODY = "\n\n".join([LECTURE] * 14)
LONG_NOTE = "\n\n    ".join(
    [f"Paragraph {i} of the long note: the author quotes his correspondents at length, letter after "
     "letter, and comments on each of them in turn. " * 5 for i in range(1, 9)]
    + ["> A quotation inside the long note, set as a block quotation within it.",
       "The long note ends here, with its last words."])
LECTURES = f"""---
title: Lecture
---
{LECTURE}

A short note is called here.[^short] {LECTURE}

A note that opens with a quotation is called here.[^quote] {LECTURE}

The long note is called here.[^long] {LECTURE}

{LECTURE}

{BODY}

The lecture ends with these last words of the chapter.

[^short]: A short note, on its call's page.

[^quote]: > “A quotation opens this note,” says the correspondent.

    And the note goes on after it.

[^long]: {LONG_NOTE}
"""


@pytest.fixture(scope="module")
def long_note(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("long-note")
    manuscript = write_book(base / "manuscript", {"01-lecture.md": LECTURES}, ["pdf", "epub"])
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(base / "build"), cwd=base)
    assert done.returncode == 0, done.stderr
    (base / "stderr.txt").write_text(done.stderr)
    return base


def test_a_note_taller_than_a_page_is_named_at_its_call(long_note: Path):
    line = LECTURES.splitlines().index(next(l for l in LECTURES.splitlines() if "long note is called" in l)) + 1
    col = LECTURES.splitlines()[line - 1].index("[^long]") + 1
    assert (long_note / "stderr.txt").read_text().splitlines() == [
        f"manuscript/chapters/01-lecture.md:{line}:{col}: warning[F005]: note 3 ('long') is taller than the note "
        "area of a page, so the pdf edition sets it at the end of its chapter, under “Notes”, its call linking to it"]


def test_the_pdf_prints_the_long_note_whole_after_the_chapters_text_and_links_its_call(long_note: Path):
    import pikepdf

    pdf = long_note / "build" / "constructs.pdf"
    texts = [_squeezed(t) for t in page_texts(pdf)]
    ending = next(i for i, t in enumerate(texts) if "last words of the chapter." in t)
    notes = next(i for i, t in enumerate(texts) if "Notes 3. Paragraph 1 of the long note" in t)  # its heading
    assert notes >= ending and (notes == ending or not texts[ending].split("last words of the chapter.")[1].strip(
        " 0123456789"))  # after the chapter's text: on its last page, or the page after it
    # The note's pages without their running heads and folios, which a page break puts inside a sentence.
    whole = _squeezed(" ".join(line for text in page_texts(pdf)[notes:] for line in text.splitlines()
                               if line.strip() not in ("Lecture", "Constructs") and not line.strip().isdigit()))
    for i in range(1, 9):
        assert whole.count(f"Paragraph {i} of the long note") == 5  # each paragraph says it five times
    assert "A quotation inside the long note, set as a block quotation within it." in whole
    assert whole.index("Paragraph 8 of") < whole.index("The long note ends here, with its last words.")
    # The short note stays at the foot of its call's page.
    short = next(i for i, t in enumerate(texts) if "A short note is called here." in t)
    assert "1. A short note, on its call’s page." in texts[short]  # pandoc's smart apostrophe
    # The call links to the endnote: its link goes to a later page.
    with pikepdf.open(pdf) as document:
        targets = [a for page in document.pages for a in page.get("/Annots", []) if a.get("/Subtype") == "/Link"]
        assert targets, "the calls and the note numbers are links"


def test_check_finds_the_long_note_whole_among_the_endnotes(long_note: Path):
    checked = run_cli("check", "--manuscript", str(long_note / "manuscript"), "--out", str(long_note / "build"),
                      cwd=long_note)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The note opening with a quotation prints its number alone on its first line: found too.
    assert "  notes on their call's page                           3/3  100 %  ok" in checked.stdout.splitlines()


def test_the_epub_keeps_the_long_note_a_note_whole(long_note: Path):
    with zipfile.ZipFile(long_note / "build" / "constructs.epub") as epub:
        text = " ".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    tree = lxml_html.fromstring(text.encode())
    notes = [" ".join(a.text_content().split()) for a in tree.xpath('//aside[@role="doc-footnote"]')]
    long = [n for n in notes if "Paragraph 1 of the long note" in n]
    assert long and all(f"Paragraph {i} of the long note" in long[0] for i in range(1, 9))
    assert "The long note ends here, with its last words." in long[0]


def test_an_empty_corner_header_cell_is_a_plain_cell_in_every_edition(equations: Path):
    # A header cell with no text is a header of nothing (Ace: empty-table-header): it is a <td>.
    pages = [p.read_text(encoding="utf-8") for p in (equations / "build" / "html").glob("*.html")]
    with zipfile.ZipFile(equations / "build" / "constructs.epub") as epub:
        pages += [epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml")]
    tables = [t for page in pages if "empty corner" in page for t in lxml_html.fromstring(page.encode()).iter("table")
              if "a" in t.xpath("string(.//tbody)")]
    assert len(tables) == 2
    for table in tables:
        assert [c.tag for c in table.xpath(".//thead//tr/*")] == ["td", "th", "th"]
        assert [c.text_content() for c in table.xpath(".//thead//tr/*")] == ["", "0", "1"]
    text = _squeezed(" ".join(page_texts(equations / "build" / "constructs.pdf")))
    assert "0 1 0 a b" in text


def test_a_header_cell_holding_only_a_formula_is_named_by_its_tex(equations: Path):
    # axe counts no text inside <math> (embedded content): the formula's aria-label names the cell,
    # and the book passes Ace (test_the_book_with_equations_passes_check runs it on the EPUB).
    pages = [p.read_text(encoding="utf-8") for p in (equations / "build" / "html").glob("*.html")]
    with zipfile.ZipFile(equations / "build" / "constructs.epub") as epub:
        pages += [epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml")]
    tables = [t for page in pages if "conditional probabilities" in page
              for t in lxml_html.fromstring(page.encode()).iter("table") if "0.99" in t.xpath("string(.)")]
    assert len(tables) == 2
    for table in tables:
        headers = table.xpath(".//thead//th")
        assert [[m.get("aria-label") for m in th.xpath('.//*[local-name()="math"]')] for th in headers] \
            == [["H=1"], ["H=0"]]
        # A formula among text, or outside the header, keeps its text as its only name.
        assert not table.xpath('.//tbody//*[local-name()="math"][@aria-label]')



LONG_TITLE = "Forward Propagation, Backward Propagation, and Computational Graphs of Deep Networks"


def test_a_contents_title_filling_its_line_keeps_its_page_number_clear_of_it(tmp_path: Path):
    # d2l-en's "Forward Propagation, Backward Propagation, and Computational Graphs" filled its
    # contents line, and its page number was set over its last letters ("Graph1s57"): WeasyPrint's
    # leader() leaves the text after it out of the line's width. Titles a letter or two apart, so
    # that some end just where the line does.
    titles = [LONG_TITLE[:length].rstrip(" ,") for length in range(58, len(LONG_TITLE) + 1)]
    titles = list(dict.fromkeys(titles))
    chapters = {f"{i:02d}-c{i}.md": f"---\ntitle: {title}\n---\nText of chapter {i}.\n" for i, title in enumerate(titles, 1)}
    manuscript = write_book(tmp_path / "manuscript", chapters, ["pdf"])
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    contents = "\n".join(t for t in page_texts(tmp_path / "build" / "constructs.pdf")[:8]
                         if t.startswith("Contents") or t.count(". . .") > 3)
    lines = [line for line in contents.splitlines()[1:] if line.strip()]
    numbered = [line for line in lines if line.rstrip()[-1:].isdigit()]
    assert len(numbered) == len(titles), contents
    for line, title in zip(numbered, titles):
        # The number's line holds the title's last word whole, then the number apart from it.
        last = title.rsplit(" ", 1)[-1]
        assert re.search(re.escape(last) + r"[ .]+\d+$", line), (line, title)
    # Every leader ends at one column, a wrapped title's second line too.
    with pdfplumber.open(tmp_path / "build" / "constructs.pdf") as pdf:
        page = next(p for p in pdf.pages[:8] if (p.extract_text() or "").startswith("Contents"))
        rows: dict[int, list] = {}
        for char in page.chars:
            rows.setdefault(round(char["bottom"]), []).append(char)
        ends = [max(c["x1"] for c in row if c["text"] == ".") for row in rows.values()
                if sum(c["text"] == "." for c in row) > 3]
    assert len(ends) >= len(titles) // 2 and max(ends) - min(ends) < 6, sorted(ends)
