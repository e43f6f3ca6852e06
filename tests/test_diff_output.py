"""What `diff` writes: the markup of build/diff/index.html, the marks read back from redline.pdf,
and with --pages the page mapping of a change that reflows later pages."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pdfplumber
import pytest
from conftest import ROOT, run_cli
from test_diff import commit, edit, git, repo  # noqa: F401  (the fixture)

sys.path.insert(0, str(ROOT / "bench"))
from generate import paragraph

INS = (0.102, 0.373, 0.706)  # styles/redline.css: #1a5fb4
DEL = (0.753, 0.11, 0.157)  # #c01c28, also the change bar
MOVED = (0.149, 0.635, 0.412)  # #26a269


@pytest.fixture
def edited(repo: Path) -> Path:  # noqa: F811
    """A word changed, a sentence moved, a note edited; diffed with the redline PDF."""
    edit(repo, "chapters/01-one.md", "the first of many", "the first of several")
    edit(repo, "chapters/02-two.md", "The second sentence is right here now. A third sentence follows the second one.",
         "A third sentence follows the second one. The second sentence is right here now.")
    edit(repo, "notes.yaml", "about the light", "about the bright light")
    commit(repo)
    done = run_cli("diff", "HEAD~1", "HEAD", "--manuscript", str(repo / "manuscript"), "--out", str(repo / "build"),
                   cwd=repo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "2 chapters changed: +2 -1 words, 1 passage moved; 1 note changed" in lines
    assert "  manuscript/chapters/02-two.md: +0 -0 words; 1 passage moved" in lines
    assert "    note light: text changed" in lines
    return repo / "build" / "diff"


def test_the_report_marks_words_moves_notes_and_folds(edited: Path):
    html = (edited / "index.html").read_text(encoding="utf-8")
    assert '<p class="summary" id="summary">2 chapters changed: +2 -1 words, 1 passage moved; 1 note changed</p>' in html
    assert "of <del>many</del> <ins>several</ins>" in html
    moved = re.findall(r'<(del|span) class="moved" id="(move-1-(?:from|to))"[^>]*>(.*?)</\1>', html)
    assert [(m[1], m[2]) for m in moved] == [("move-1-to", "A third sentence follows the second one."),
                                              ("move-1-from", "A third sentence follows the second one.")]
    assert '<a class="move-link" href="#move-1-from"' in html and '<a class="move-link" href="#move-1-to"' in html
    # the summary table links to each change; each change carries a change bar class
    assert re.search(r'<a href="#chapter-one">The First Chapter</a>.*?<a href="#change-1">1</a>', html, re.DOTALL)
    assert '<div id="change-1" class="change changed">' in html
    # the changed note, with its call in the text linking to it
    assert '<div class="note changed" id="note-light">' in html
    assert "about the <ins>bright</ins> light" in html
    assert '<sup class="call changed-note"><a href="#note-light">2</a></sup>' in html
    # unchanged blocks far from a change are folded
    assert re.search(r'class="fold">(<summary>)?\d+ unchanged blocks?', html)


def test_the_report_loads_cleanly_in_a_browser(edited: Path, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(r.url))
    page.goto((edited / "index.html").as_uri())
    assert problems == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.close()


def _chars_of(page, word: str) -> list[dict]:
    """The characters printing `word` (a ligature is one character printing two letters)."""
    letters = [(c, letter) for c in page.chars for letter in c["text"]]
    text = "".join(letter for _, letter in letters)
    start = text.find(word)
    assert start >= 0, f"{word!r} not on the page"
    return [c for c, _ in letters[start: start + len(word)]]


def _colour(char: dict) -> tuple:
    return tuple(round(v, 3) for v in char["non_stroking_color"])


def test_the_redline_pdf_carries_the_marks_and_change_bars(edited: Path):
    with pdfplumber.open(edited / "redline.pdf") as pdf:
        first = pdf.pages[0].extract_text()
        assert "2 chapters changed: +2 -1 words, 1 passage moved; 1 note changed" in first
        page = next(p for p in pdf.pages if "several" in (p.extract_text() or ""))
        assert {_colour(c) for c in _chars_of(page, "several")} == {INS}
        assert {_colour(c) for c in _chars_of(page, "many")} == {DEL}
        text_left = min(c["x0"] for c in page.chars if c["size"] > 9)
        # WeasyPrint paints the left border as a shape whose left edge stands in the margin.
        bars = [r for r in page.rects if r["x0"] <= text_left - 4 and r["height"] > 10
                and tuple(round(v, 3) for v in r["non_stroking_color"]) == DEL]
        several = _chars_of(page, "several")[0]
        assert any(bar["top"] <= several["top"] and bar["bottom"] >= several["bottom"] for bar in bars)
        moved = next(p for p in pdf.pages if "A third sentence" in (p.extract_text() or ""))
        assert {_colour(c) for c in _chars_of(moved, "third")} == {MOVED}
        notes = [p for p in pdf.pages if "bright" in (p.extract_text() or "")]
        assert notes and {_colour(c) for c in _chars_of(notes[0], "bright")} == {INS}


def test_pages_align_by_content_when_an_insertion_reflows_later_pages(repo: Path):  # noqa: F811
    rng = random.Random(4)
    one = repo / "manuscript" / "chapters" / "01-one.md"
    one.write_text(one.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(paragraph(rng) for _ in range(12)) + "\n",
                   encoding="utf-8")
    commit(repo, "a longer first chapter")
    edit(repo, "chapters/01-one.md", "This sentence is only in print.",
         "This sentence is only in print. " + " ".join(paragraph(rng) for _ in range(6)))
    commit(repo, "an early insertion")
    done = run_cli("diff", "HEAD~1", "HEAD", "--pages", "--no-pdf", "--manuscript", str(repo / "manuscript"),
                   "--out", str(repo / "build"), cwd=repo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    pages = [line for line in lines if line.startswith(("pages:", "  change:", "  changed in", "  only moved",
                                                        "  chapter opening"))]
    assert pages[0].startswith("pages: ") and "(+" in pages[0]
    changes = [line for line in pages if line.startswith("  change:")]
    # The contents page prints the second chapter's new page number; the insertion is on page 7.
    assert changes[0] == "  change: p. 5 → p. 5: −“5” +“7”", pages
    assert changes[1].startswith("  change: p. 7 → p. 7: +“") and len(changes) == 2, pages
    changed = next(line for line in pages if line.startswith("  changed in content:"))
    moved = next(line for line in pages if line.startswith("  only moved:"))
    assert changed == "  changed in content: 5, 7–8", pages  # not every page after the insertion
    assert moved.startswith("  only moved: 9–"), pages
    assert "  chapter opening moved: 'The Second Chapter' p. 11 → p. 13" in pages, pages
    html = (repo / "build" / "diff" / "index.html").read_text(encoding="utf-8")
    assert '<img src="pages/old-0007.png"' in html and '<img src="pages/new-0007.png"' in html
    assert (repo / "build" / "diff" / "pages" / "new-0008.png").stat().st_size > 1000
