"""A PDF laid out chapter by chapter in worker processes and merged reads as the same book as
the one laid out in one flow (`--single-flow`): the same characters at the same places on the
same pages, notes on their call's page, the contents' numbers, links, outline and metadata."""

from __future__ import annotations

import sys
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from conftest import ROOT, copy_manuscript, run_cli
from pdfread import placed_chars, read_notes

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def _build(manuscript: Path, out: Path, *extra: str) -> str:
    done = run_cli("build", "pdf", "print", "--manuscript", str(manuscript), "--out", str(out), *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, Path, str]:
    """A generated book of 6 chapters (odd and even page counts, sections, 60 notes), with a
    printer's edition and a link from the last chapter into the first, built both ways."""
    base = tmp_path_factory.mktemp("parts")
    manuscript = generate(base / "manuscript", chapters=6, notes_per_chapter=10, seed=7)
    book = manuscript / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace(
        "  - kind: pdf\n", "  - kind: pdf\n  - kind: print\n    trim: 5.5in 8.5in\n"), encoding="utf-8")
    last = sorted((manuscript / "chapters").glob("*.md"))[-1]
    last.write_text(last.read_text(encoding="utf-8") + "\nAs [the first section](#section-11) showed.\n",
                    encoding="utf-8")
    output = _build(manuscript, base / "merged")
    _build(manuscript, base / "single", "--single-flow")
    return base / "merged", base / "single", output


@pytest.mark.parametrize("name", ["synthetic.pdf", "synthetic-print.pdf"])
def test_every_page_has_the_same_characters_at_the_same_places(generated, name):
    merged, single, _ = generated
    ours, reference = placed_chars(merged / name), placed_chars(single / name)
    assert len(ours) == len(reference) > 40
    different = [n for n, (a, b) in enumerate(zip(ours, reference), start=1) if a != b]
    assert different == []


def test_the_sample_book_merged_is_the_sample_book_in_one_flow(tmp_path):
    manuscript = ROOT / "manuscript"
    _build(manuscript, tmp_path / "merged")
    _build(manuscript, tmp_path / "single", "--single-flow")
    for name in ("limits-of-influence.pdf", "limits-of-influence-print.pdf"):
        assert placed_chars(tmp_path / "merged" / name) == placed_chars(tmp_path / "single" / name)


def test_notes_are_on_their_call_pages(generated):
    merged, single, _ = generated
    notes = read_notes(merged / "synthetic.pdf")
    assert len(notes.calls) == len(notes.bodies) == 60
    assert notes.misplaced() == []
    assert notes.calls == read_notes(single / "synthetic.pdf").calls


def test_contents_numbers_name_each_chapters_opening_page(generated):
    merged, _, _ = generated
    with pdfplumber.open(merged / "synthetic.pdf") as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    contents = next(i for i, text in enumerate(pages) if text.startswith("Contents"))
    entries = [line.rsplit(" ", 1) for line in pages[contents].splitlines()[1:] if line.startswith("Chapter")]
    assert len(entries) == 6
    for title, folio in entries:
        # The opening page: its chapter number, then its title; its folio at its foot.
        opening = next(i for i, text in enumerate(pages) if i > contents
                       and any(line.startswith(title.rstrip(" .")[:20]) for line in text.splitlines()[:3]))
        assert pages[opening].rstrip().endswith(folio), (title, folio)


def _links(path: Path) -> list[tuple[int, tuple, int, str]]:
    """(page, rectangle, page the link leads to, how) for every link annotation."""
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        names = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items()) if "/Names" in pdf.Root else {}
        found = []
        for number, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                rect = tuple(round(float(v), 1) for v in annot.Rect)
                if "/Dest" in annot:
                    target = names[str(annot.Dest)]
                    found.append((number, rect, pages[target[0].objgen], f"#{annot.Dest}"))
                else:
                    found.append((number, rect, -1, str(annot.A.URI)))
        return found


def _outline(path: Path) -> list[tuple[int, str, int]]:
    with pikepdf.open(path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        items = []

        def walk(children, level):
            for item in children:
                items.append((level, str(item.title), pages[item.destination[0].objgen]))
                walk(item.children, level + 1)

        with pdf.open_outline() as outline:
            walk(outline.root, 1)
        return items


def test_links_and_outline_lead_to_the_same_places(generated):
    merged, single, _ = generated
    links = _links(merged / "synthetic.pdf")
    assert links == _links(single / "synthetic.pdf")
    # contents → chapters, calls ↔ notes, and the cross-reference from chapter 6 into chapter 1
    assert sum(1 for link in links if link[3] == "#section-11") == 1
    assert len([link for link in links if link[3].startswith("#note-")]) == 60
    outline = _outline(merged / "synthetic.pdf")
    assert outline == _outline(single / "synthetic.pdf")
    assert [level for level, _, _ in outline].count(1) == 6 and [level for level, _, _ in outline].count(2) == 6


def test_metadata_is_the_books(generated):
    merged, single, _ = generated
    with pikepdf.open(merged / "synthetic.pdf") as ours, pikepdf.open(single / "synthetic.pdf") as reference:
        assert dict(ours.docinfo) == dict(reference.docinfo)
        assert ours.Root.Lang == reference.Root.Lang == "en-US"
        assert [p.trimbox for p in ours.pages] == [p.trimbox for p in reference.pages]


def test_the_build_reports_each_chapter_laid_out_and_the_total(generated):
    _, _, output = generated
    chapter_lines = [line for line in output.splitlines() if line.startswith("pdf: [")]
    assert len(chapter_lines) == 6
    assert all(" pages, " in line and line.endswith(" s") for line in chapter_lines)
    assert "pdf: merged 6 chapters into" in output and "(6 laid out, 0 from the cache" in output


def test_a_tagged_pdf_is_laid_out_in_one_flow(tmp_path):
    """A merge would break a PDF/UA structure tree: a tagged edition keeps the single flow."""
    manuscript = copy_manuscript("mini", tmp_path)
    book = manuscript / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("  - kind: pdf\n", "  - kind: pdf\n    tagged: true\n"),
                    encoding="utf-8")
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "merged" not in done.stdout
    with pikepdf.open(tmp_path / "out" / "small-book.pdf") as pdf:
        assert "/StructTreeRoot" in pdf.Root
