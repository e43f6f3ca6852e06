"""Book structure in every edition: front matter with roman folios, parts, chapter numbers and
openings, epigraphs, appendices lettered, short running heads (tests/fixtures/structure)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from conftest import copy_manuscript, run_cli
from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report
from pressroom.readback import holds
from readers import editions_text, missing


@pytest.fixture(scope="module")
def structured(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("structure")
    manuscript = copy_manuscript("structure", base)
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(base / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build"


def _pages(pdf: Path) -> list[list[str]]:
    with pdfplumber.open(pdf) as document:
        return [[" ".join(line.split()) for line in (page.extract_text() or "").splitlines()] for page in document.pages]


def _page_with(pages: list[list[str]], text: str) -> int:
    return next(i for i, lines in enumerate(pages) if any(text in line for line in lines))


@pytest.mark.parametrize("name", ["structured.pdf", "structured-print.pdf"])
def test_the_contents_show_front_matter_in_roman_parts_and_every_chapter(structured, name):
    pages = _pages(structured / name)
    contents = pages[_page_with(pages, "Contents")]
    joined = " | ".join(re.sub(r"(\s?\.){3,}\s?", " … ", line) for line in contents)
    for expected in ("Preface … ix", "Part I: Origins … 1", "The Origins of the Alliance … 3",
                     "Consequences for Everyone Involved in It … 5", "Part II: Aftermath … 9", "Later Years … 11",
                     "Sources … 13", "Chronology … 15", "About the Author … 17"):
        assert expected in joined, joined
    # The dedication comes before the contents, on a page of its own, its title not printed.
    assert _page_with(pages, "For Ada, who read every draft.") < _page_with(pages, "Contents")


def test_parts_open_on_a_recto_with_no_folio_and_chapters_are_numbered(structured):
    pages = _pages(structured / "structured.pdf")
    part = next(i for i, lines in enumerate(pages) if lines and lines[-1] == "Origins")
    assert part % 2 == 0  # a recto: odd page numbers are even 0-based indexes
    assert pages[part] == ["Part I", "Origins"], pages[part]  # and no folio
    opening = next(i for i in range(part + 1, len(pages)) if "The Origins of the Alliance" in pages[i])
    assert opening == part + 2 and pages[part + 1] == []
    lines = pages[opening]
    assert lines[:3] == ["Chapter 1", "The Origins of the Alliance", "1945 to 1953"], lines
    assert "Lips and teeth, close as they are." in lines and "— A Chinese saying" in lines
    assert lines[-1] == "3"  # its folio: counting the part's two pages
    appendix = next(i for i, l in enumerate(pages) if l[:2] == ["Appendix A", "Sources"])
    assert any(l[:2] == ["Appendix B", "Chronology"] for l in pages)
    assert appendix % 2 == 0


def test_a_long_title_runs_its_short_title_in_the_running_heads(structured):
    pages = _pages(structured / "structured.pdf")
    opening = next(i for i, l in enumerate(pages) if l and l[0] == "Chapter 2")
    assert pages[opening + 2][0] == "The War", pages[opening + 2][:2]
    assert pages[opening + 1][0] == "Structured"  # the verso's head: the book's title


def test_the_epub_nests_parts_and_names_each_kind_of_matter(structured):
    with zipfile.ZipFile(structured / "structured.epub") as epub:
        nav = epub.read("EPUB/nav.xhtml").decode()
        opf = epub.read("EPUB/content.opf").decode()
        texts = {n: epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml")}
    assert re.search(r'Part I: Origins</a>\s*<ol>\s*<li><a href="text/ch003.xhtml#chapter-origins">', nav)
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    assert spine == ["cover", "title", "ch001", "nav", "ch002", "part1", "ch003", "ch004", "part2", "ch005",
                     "ch006", "ch007", "ch008", "colophon"]  # the generated colophon closes the book
    tags = {n[-11:]: re.search(r'<section id="chapter-[^"]+"[^>]*>', t).group(0) for n, t in texts.items() if "/ch0" in n}
    kinds = {n: (re.search(r'role-(\S+)"', tag).group(1), (re.search(r'epub:type="(\w+)"', tag) or [None, None])[1])
             for n, tag in tags.items()}
    assert kinds == {
        "ch001.xhtml": ("dedication", "dedication"), "ch002.xhtml": ("preface", "preface"),
        "ch003.xhtml": ("chapter", "chapter"), "ch004.xhtml": ("chapter", "chapter"),
        "ch005.xhtml": ("chapter", "chapter"), "ch006.xhtml": ("appendix", "appendix"),
        "ch007.xhtml": ("appendix", "appendix"), "ch008.xhtml": ("about-the-author", None)}
    assert 'role="doc-epigraph"' in texts["EPUB/text/ch003.xhtml"]
    assert ">Appendix A<" in texts["EPUB/text/ch006.xhtml"]


def test_the_web_edition_groups_chapters_by_part(structured):
    page = (structured / "html" / "later.html").read_text()
    sidebar = page.split('<nav id="sidebar"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r"Part I: Origins</li>\s*<li[^>]*><a href=\"origins.html\"", sidebar)
    assert re.search(r"Part II: Aftermath</li>\s*<li[^>]*><a href=\"later.html\"", sidebar)
    assert '<p class="chapter-number">Chapter 3</p>' in page
    origins = (structured / "html" / "origins.html").read_text()
    assert '<p class="chapter-subtitle">1945 to 1953</p>' in origins and 'class="epigraph"' in origins


def test_front_and_back_matter_must_keep_their_places(tmp_path):
    book = copy_manuscript("structure", tmp_path)
    (book / "chapters" / "01-preface.md").rename(book / "chapters" / "09-preface.md")
    with pytest.raises(BuildError) as caught:
        load_book(book, Report())
    assert any(m.code == "C011" and m.path.endswith("09-preface.md") for m in caught.value.messages), caught.value
    report = Report()
    load_book(copy_manuscript("structure", tmp_path / "again"), report)
    assert report.messages == []


def test_a_chapter_in_another_language_is_tagged_so_in_every_edition(structured):
    """Appendix B says `lang: he`: its page is Hebrew, right to left, and its words read back."""
    with zipfile.ZipFile(structured / "structured.epub") as epub:
        xhtml = epub.read("EPUB/text/ch007.xhtml").decode()
    assert re.search(r'<html [^>]*lang="he" xml:lang="he" dir="rtl"', xhtml)
    assert "שלום עולם" in xhtml
    web = (structured / "html" / "appendix-b.html").read_text()
    assert re.search(r'<article [^>]*lang="he" dir="rtl"', web)
    pdf_text = " ".join(line for page in _pages(structured / "structured.pdf") for line in page)
    # pdfplumber reads left to right: in a right-to-left paragraph the full stop is leftmost.
    assert ".היגולונורכ ,םלוע םולש" in pdf_text


# One string per script the structured book holds (chapters/04-later.md), each to read back.
SCRIPTS = {"Latin": "The quick brown fox", "Greek": "Ἐν ἀρχῇ ἦν ὁ λόγος", "Cyrillic": "Съешь же ещё этих булок",
           "Hanzi SC": "毛泽东与朝鲜的关系", "Hanzi TC": "臺灣與香港的關係", "Hangul": "조선민주주의인민공화국",
           "Hangul in a note": "조선 로동당", "kana": "ひらがなとカタカナ", "Arabic": "مرحبا بالعالم", "Hebrew": "שלום"}


def test_every_script_reads_back_from_every_edition_of_the_structured_book(structured):
    import pypdfium2

    texts = editions_text(structured, "structured")
    document = pypdfium2.PdfDocument(structured / "structured.pdf")
    try:
        pdf = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    # A PDF gives right-to-left words as drawn: readback.holds looks for them either way.
    assert [name for name, words in SCRIPTS.items() if not holds(pdf, words)] == []
    del texts["pdf"]
    assert missing(texts, list(SCRIPTS.values())) == {"epub": [], "html": []}
