"""The build cache: a rebuild lays out only the chapters that changed, says which, and a change
to a stylesheet or a template lays out everything it touches; `make` knows when nothing changed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

LAID_OUT = re.compile(r"^pdf: \[\d+/\d+\] (\S+): (\d+) pages", re.M)
MERGED = re.compile(r"pdf: merged (\d+) chapters into (\d+) pages \((\d+) laid out, (\d+) from the cache")


CHAPTERS = 4  # enough for an edited chapter with others before and after it


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return generate(tmp_path / "manuscript", chapters=CHAPTERS, notes_per_chapter=4, seed=3)


def build(book: Path, out: Path, *extra: str) -> str:
    done = run_cli("build", "pdf", "--manuscript", str(book), "--out", str(out), *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def laid_out(output: str) -> list[str]:
    return [Path(label).name for label, _ in LAID_OUT.findall(output)]


def pages_text(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def tool_copy(dest: Path) -> Path:
    """Pressroom itself copied, so a test can change its stylesheets and templates without touching
    the files every other test (and a parallel test worker) builds with."""
    shutil.copy2(ROOT / "build.py", dest / "build.py")
    shutil.copytree(ROOT / "pressroom", dest / "pressroom", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def build_with(tool: Path, book: Path, out: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(tool), "SOURCE_DATE_EPOCH": "1700000000"}
    done = subprocess.run([sys.executable, str(tool / "build.py"), "build", "pdf", "--manuscript", str(book),
                           "--out", str(out)], cwd=tool, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def edit(path: Path, change) -> None:
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


def test_only_the_edited_chapter_is_laid_out_again(book, tmp_path):
    out = tmp_path / "out"
    first = build(book, out)
    assert len(laid_out(first)) == CHAPTERS
    again = build(book, out)  # nothing changed: answered before any layout (kept.py)
    assert laid_out(again) == [] and "nothing changed" in again, again
    (out / "synthetic.pdf").unlink()  # the edition gone, its chapters' layouts still cached
    merged_again = build(book, out)
    assert laid_out(merged_again) == [] and MERGED.search(merged_again).group(3, 4) == ("0", str(CHAPTERS))

    third = book / "chapters" / "03-chapter-3.md"
    third.write_text(third.read_text(encoding="utf-8").replace(" which ", " whom ", 1), encoding="utf-8")
    edited_once = build(book, out)
    assert laid_out(edited_once) == ["03-chapter-3.md"]
    assert MERGED.search(edited_once).group(3, 4) == ("1", str(CHAPTERS - 1))
    assert any("whom" in text for text in pages_text(out / "synthetic.pdf"))


def test_a_chapter_that_grows_moves_the_page_numbers_after_it_without_laying_them_out(book, tmp_path):
    """Folios are drawn after the merge, so the chapters after a longer one come from the cache,
    and their page numbers (and the contents) are still those of a book laid out whole."""
    out = tmp_path / "out"
    before = MERGED.search(build(book, out))
    first = book / "chapters" / "01-chapter-1.md"
    text = first.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p and p[0].isalpha() and "[^" not in p]
    first.write_text(text + "\n\n" + "\n\n".join(paragraphs * 3) + "\n", encoding="utf-8")
    output = build(book, out)
    after = MERGED.search(output)
    assert laid_out(output) == ["01-chapter-1.md"]
    assert int(after.group(2)) > int(before.group(2))  # the book is longer
    # As a book laid out whole numbers them (test_parts compares the two whole; a single-flow build
    # here took half of this file's minute): every folio is its page's place in the book, and the
    # contents give each chapter the folio of its opening page.
    pages = pages_text(out / "synthetic.pdf")
    folios = {i: int(text.rstrip().rsplit("\n", 1)[-1]) for i, text in enumerate(pages)
              if text.rstrip().rsplit("\n", 1)[-1].isdigit()}
    assert len(folios) > int(before.group(2)) // 2 and len({i - n for i, n in folios.items()}) == 1
    contents = next(i for i, text in enumerate(pages) if text.startswith("Contents"))
    entries = [line.rsplit(" ", 1) for line in pages[contents].splitlines()[1:] if line.startswith("Chapter")]
    assert len(entries) == CHAPTERS
    for title, number in entries:
        opening = next(i for i, text in enumerate(pages) if i > contents
                       and any(line.startswith(title.rstrip(" .")[:20]) for line in text.splitlines()[:3]))
        assert folios[opening] == int(number), (title, number)


def test_a_style_or_template_change_lays_out_every_chapter(book, tmp_path):
    tool, out = tool_copy(tmp_path), tmp_path / "out"
    build_with(tool, book, out)
    stylesheet = tool / "pressroom" / "styles" / "pdf.css"
    original = stylesheet.read_bytes()
    edit(stylesheet, lambda css: css + "\n/* a change */\n")
    assert len(laid_out(build_with(tool, book, out))) == CHAPTERS
    # Back as it was: the key is the content, so the first layouts serve again.
    stylesheet.write_bytes(original)
    assert laid_out(build_with(tool, book, out)) == []
    edit(tool / "pressroom" / "templates" / "pdf" / "book.html",
         lambda html: html.replace("<body ", "<!-- a change -->\n<body ", 1))
    assert len(laid_out(build_with(tool, book, out))) == CHAPTERS


def _make(book: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *flags, f"MANUSCRIPT={book}", f"OUT={out}", "all"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_make_builds_only_when_something_it_reads_changed(book, tmp_path):
    out = tmp_path / "out"
    done = _make(book, out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _make(book, out, "-q").returncode == 0  # up to date: a plain `make` would do nothing
    chapter = book / "chapters" / "02-chapter-2.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert _make(book, out, "-q").returncode == 1
    done = _make(book, out)
    assert done.returncode == 0 and "02-chapter-2.md" in done.stdout
    assert _make(book, out, "-q").returncode == 0
    (out / "synthetic.epub").unlink()  # an edition deleted by hand is built again
    assert _make(book, out, "-q").returncode == 1
