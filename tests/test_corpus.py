"""The real books of tests/corpus/, cut to a few chapters each, built in every edition and checked.

Slow (minutes): marked `slow`; the fast tier (tests/unit) never collects it. Each book is copied
with book.yaml narrowed to chapters that hold its hard constructs; the whole books are in
`make bench`. `check` holds every edition to the rules: notes on their call's page (Q001),
EPUBCheck with no error or warning (Q007), Ace with no violation (Q008), and the rest.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli

CORPUS = ROOT / "tests" / "corpus"
pytestmark = pytest.mark.slow

# Per book, the chapters built: the constructs each holds are named beside it.
BOOKS = {
    # SE markup as classes, notes.yaml endnotes with block quotes, links to notes and to SE's web
    # edition, word joiners beside dashes, the three-em dash (⸻ in chapter-4); in chapter-1, note 1
    # (eight paragraphs, two quotations), too tall for a page: an endnote of its chapter in the PDFs
    "varieties": ["chapters/01-dedication.md", "chapters/02-preface.md", "chapters/03-chapter-1.md",
                  "chapters/04-chapter-2.md"],
    # CJK + code, per-file footnotes, {#id} headings, HonKit variables and imports expanded,
    # <code>`</code>, `> **Note**`, a figure, a non-BMP kanji (𠮷 in the loop chapter)
    "jsprimer": ["chapters/01-basic.md", "chapters/03-comments.md", "chapters/06-data-type.md",
                 "chapters/12-loop.md"],
    # TeX math (inline, display, aligned, matrices), numbered equations referred to by number
    # (:eqlabel:/:eqref:), SVG/PNG figures with captions and ids, notebook code cells in framework
    # tabs, citations from references.bib, links to sections; chapters whose links stay among them
    "d2l-en": ["chapters/03-preliminaries-calculus.md", "chapters/06-linear-regression-linear-regression.md",
               "chapters/07-linear-regression-synthetic-regression-data.md"],
}


def meta_chapters(root: Path) -> list[str]:
    return yaml.safe_load((root / "book.yaml").read_text(encoding="utf-8"))["chapters"]


def narrowed(slug: str, chapters: list[str], dest: Path) -> Path:
    manuscript = dest / slug
    shutil.copytree(CORPUS / slug, manuscript)
    meta = yaml.safe_load((manuscript / "book.yaml").read_text(encoding="utf-8"))
    meta["chapters"] = chapters
    (manuscript / "book.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # A link to a chapter file left out would point at nothing (P008): it goes to the first chapter
    # kept instead, so the link between chapter files is still there to build, and points somewhere.
    dropped = {Path(c).name for c in meta_chapters(CORPUS / slug)} - {Path(c).name for c in chapters}
    first = Path(chapters[0]).name
    for chapter in chapters:
        path = manuscript / chapter
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(\]\(|\]:\s*)(\d\d-[^)\s#]*\.md)(#[^)\s]*)?",
                      lambda m: f"{m.group(1)}{first}" if m.group(2) in dropped else m.group(0), text)
        path.write_text(text, encoding="utf-8")
    if (manuscript / "notes.yaml").is_file():  # only the notes those chapters call: no "never called" noise
        notes = yaml.safe_load((manuscript / "notes.yaml").read_text(encoding="utf-8"))
        text = "".join((manuscript / c).read_text(encoding="utf-8") for c in chapters)
        called = {k: v for k, v in notes.items() if f"[^{k}]" in text}
        (manuscript / "notes.yaml").write_text(yaml.safe_dump(called, allow_unicode=True), encoding="utf-8")
    return manuscript


@pytest.mark.parametrize("slug", sorted(BOOKS))
def test_a_corpus_book_builds_every_edition_and_passes_check(slug, tmp_path):
    manuscript = narrowed(slug, BOOKS[slug], tmp_path)
    out = tmp_path / "build"
    built = run_cli("build", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-4000:]
    assert "error[" not in built.stderr, built.stderr[-4000:]
    if slug == "varieties":  # note 1 goes to its chapter's end in both PDFs, named at its call
        assert [line.split(": warning")[0] for line in built.stderr.splitlines() if "warning[F005]" in line] == [
            "varieties/chapters/03-chapter-1.md:42:1221"] * 2, built.stderr[-4000:]
    checked = run_cli("check", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    report = checked.stdout + checked.stderr
    assert checked.returncode == 0, report[-4000:]
    for rule in ("Q001", "Q007", "Q008"):  # notes on their pages, EPUBCheck 0/0, Ace 0
        assert f"error[{rule}]" not in report, report[-4000:]
