"""Word in, Word out: the docx edition, the DOCX importer, redline.docx and the revision return path.

Documents are read back the way editors' software reads them: LibreOffice headless (tests/office.py)
opens, converts and accepts tracked changes; pandoc reads the DOCX that LibreOffice saved.
"""

from __future__ import annotations

import datetime
import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, run_cli
from test_diff import commit, edit, git, repo  # noqa: F401  (the fixture)
from office import accept_all, convert, edit_tracked
from pressroom.context import BuildContext
from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.pandoc_ast import stringify
from pressroom.pipeline import build
from pressroom.scan import scan_docx
from pressroom.tools import pandoc


def _words(text: str) -> str:
    return " ".join(text.split())


def _sample_with_docx(dest: Path) -> Path:
    """A copy of the sample book whose book.yaml lists a docx edition."""
    manuscript = dest / "manuscript"
    shutil.copytree(ROOT / "manuscript", manuscript)
    with (manuscript / "book.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - kind: docx\n")
    return manuscript


def _notes_in(ast: dict) -> list[str]:
    found = []

    def visit(value) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            if value.get("t") == "Note":
                found.append(_words(stringify(value["c"])))
            visit(value.get("c"))

    visit(ast["blocks"])
    return found


@pytest.fixture(scope="module")
def docx_edition(tmp_path_factory):
    """The sample book's docx edition, built twice into two folders, and its resolved chapters."""
    base = tmp_path_factory.mktemp("docx-edition")
    manuscript = _sample_with_docx(base)
    outs = []
    for name in ("one", "two"):
        out = base / name
        build(manuscript, out, {"docx"}, lambda _line: None, Report())
        outs.append(out / "limits-of-influence.docx")
    book = load_book(manuscript, Report())
    chapters = BuildContext(book, Report()).chapters(book.edition("docx"))
    return base, outs, chapters


def test_the_docx_edition_is_byte_reproducible(docx_edition, monkeypatch):
    _, (one, two), _ = docx_edition
    assert one.read_bytes() == two.read_bytes()


def test_the_docx_edition_uses_editors_styles_and_real_footnotes(docx_edition):
    _, (docx, _), chapters = docx_edition
    with zipfile.ZipFile(docx) as package:
        body = package.read("word/document.xml").decode("utf-8")
        notes = package.read("word/footnotes.xml").decode("utf-8")
        styles = package.read("word/styles.xml").decode("utf-8")
    used = set(re.findall(r'<w:pStyle w:val="([^"]+)"', body))
    assert {"Title", "Subtitle", "CopyrightNotice", "Heading1", "FirstParagraph", "BodyText"} <= used
    assert body.count('<w:pStyle w:val="Heading1"') == len(chapters)
    assert body.count("<w:footnoteReference") == sum(len(c.notes) for c in chapters) == 10
    assert '<w:pStyle w:val="FootnoteText"' in notes
    assert '<w:name w:val="Block Text" />' in styles and "<w:pageBreakBefore />" in styles
    assert scan_docx(docx) == []  # `make check`'s safety scan: no macro, object or outside load


def test_the_docx_edition_round_trips_through_libreoffice_with_every_note(docx_edition):
    base, (docx, _), chapters = docx_edition
    profile = base / "office-profile"
    pdf = convert(docx, "pdf", base / "pdf", profile)
    with pdfplumber.open(pdf) as document:
        text = _words(" ".join(page.extract_text() or "" for page in document.pages))
    assert text.startswith("The Limits of Influence China, North Korea, and the American Default")
    for chapter in chapters:
        assert _words(chapter.title) in text
    # Saved again by LibreOffice and read by pandoc: every note whole, in order.
    again = convert(docx, "docx:MS Word 2007 XML", base / "again", profile)
    expected = [_words(stringify(n.blocks)) for c in chapters for n in c.notes]
    assert _notes_in(pandoc.read_docx(again, label="again")) == expected
    assert _notes_in(pandoc.read_docx(docx, label="ours")) == expected


# ------------------------------------------------------------------------------ the importer

FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta><dc:title>A Word Book</dc:title></office:meta>
 <office:styles>
  <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1"/>
  <style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph"/>
  <style:style style:name="Quotations" style:family="paragraph"><style:paragraph-properties fo:margin-left="1cm"/></style:style>
  <style:style style:name="Table" style:family="paragraph" style:class="extra"/>
 </office:styles>
 <office:automatic-styles>
  <style:style style:name="T1" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
  <style:style style:name="T2" style:family="text"><style:text-properties fo:font-variant="small-caps"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
"""
FODT_TAIL = "</office:text></office:body></office:document>\n"
# A 2×2 red PNG.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")


def _note(number: int, text: str, endnote: bool = False) -> str:
    kind = "endnote" if endnote else "footnote"
    return (f'<text:note text:id="n{number}" text:note-class="{kind}"><text:note-citation>{number}</text:note-citation>'
            f'<text:note-body><text:p>{text}</text:p></text:note-body></text:note>')


def _word_book_fodt() -> tuple[str, list[str]]:
    """Three chapters, fifteen notes (one an endnote, one of two paragraphs), italics, small caps, a
    quotation, a list, a captioned table, an image, a comment, and Word's quotes and dashes."""
    notes = [f"Source number {n} on the “archive” of {1950 + n}, pp. {n}–{n + 9}." for n in range(1, 16)]
    body, n = [], 0
    for chapter in range(1, 4):
        body.append(f'<text:h text:style-name="Heading_20_1" text:outline-level="1">Chapter {chapter} — Part’s Title</text:h>')
        for para in range(5):
            n += 1
            note = _note(n, notes[n - 1], endnote=(n == 15))
            if n == 7:  # a note of two paragraphs
                note = note.replace("</text:p></text:note-body>", "</text:p><text:p>A second paragraph.</text:p></text:note-body>")
                notes[n - 1] += " A second paragraph."
            body.append(f'<text:p text:style-name="Text_20_body">Paragraph {para} of chapter {chapter}, with '
                        f'<text:span text:style-name="T1">italic words</text:span> and <text:span text:style-name="T2">'
                        f'small capitals</text:span>—and “quotes.”{note}</text:p>')
        if chapter == 1:
            body.append('<text:p text:style-name="Quotations">A quoted passage, set apart.</text:p>')
            body.append('<text:list><text:list-item><text:p>first item</text:p></text:list-item>'
                        '<text:list-item><text:p>second item</text:p></text:list-item></text:list>')
        if chapter == 2:
            body.append('<table:table table:name="T"><table:table-column table:number-columns-repeated="2"/>'
                        + "".join(f"<table:table-row><table:table-cell><text:p>{a}</text:p></table:table-cell>"
                                  f"<table:table-cell><text:p>{b}</text:p></table:table-cell></table:table-row>"
                                  for a, b in (("Year", "Crossings"), ("1956", "12"), ("1957", "30")))
                        + "</table:table>")
            body.append('<text:p text:style-name="Table">Table <text:sequence text:name="Table" '
                        'text:formula="ooow:Table+1" style:num-format="1">1</text:sequence>: Border crossings</text:p>')
        if chapter == 3:
            body.append('<text:p text:style-name="Text_20_body"><draw:frame draw:name="map" text:anchor-type="as-char" '
                        'svg:width="2cm" svg:height="2cm"><draw:image><office:binary-data>' + PNG
                        + '</office:binary-data></draw:image><svg:title>A map of the border</svg:title>'
                        '<svg:desc>A map of the border</svg:desc></draw:frame></text:p>')
            body.append('<text:p text:style-name="Text_20_body">A remark here.<office:annotation><dc:creator>Ann Editor'
                        '</dc:creator><text:p>Check this date</text:p></office:annotation></text:p>')
    return FODT_HEAD + "\n".join(body) + FODT_TAIL, notes


@pytest.fixture(scope="module")
def word_book(tmp_path_factory):
    """The FODT above saved as DOCX by LibreOffice, and the notes it holds."""
    base = tmp_path_factory.mktemp("word-book")
    text, notes = _word_book_fodt()
    (base / "book.fodt").write_text(text, encoding="utf-8")
    docx = convert(base / "book.fodt", "docx:MS Word 2007 XML", base / "docx", base / "office-profile")
    return base, docx, notes


def test_a_libreoffice_docx_imports_to_a_manuscript_that_builds(word_book):
    base, docx, notes = word_book
    manuscript = base / "imported"
    done = run_cli("import", str(docx), "--manuscript", str(manuscript))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("book.docx: 3 chapters, 15 notes (1 of them endnotes), 1 images, 1 comments left out")
    assert re.search(r"book\.docx:\d+:1: warning\[I105\]: comment by Ann Editor at “A remark here\.” left out: "
                     r"“Check this date”", done.stdout)
    chapters = sorted((manuscript / "chapters").glob("*.md"))
    assert [c.name for c in chapters] == ["01-chapter-1-parts-title.md", "02-chapter-2-parts-title.md",
                                          "03-chapter-3-parts-title.md"]
    text = "\n".join(c.read_text(encoding="utf-8") for c in chapters)
    assert 'title: "Chapter 1 — Part’s Title"' in text
    assert len(re.findall(r"^\[\^[\w-]+\]: ", text, re.M)) == 15
    for note in notes:  # every note whole, Word's quotes and dashes kept
        assert _words(note.replace(" A second paragraph.", "")) in _words(text)
    assert "\n    A second paragraph." in text
    assert "with *italic words* and [small capitals]{.smallcaps}—and “quotes.”[^" in text
    assert "> A quoted passage, set apart." in text and "- first item" in text
    assert "| Year | Crossings |" in text and "\nTable: Border crossings\n" in text
    assert "![A map of the border](images/image1.png)" in text and (manuscript / "images" / "image1.png").is_file()
    assert "note-numbering: book" in (manuscript / "book.yaml").read_text()
    built = build(manuscript, base / "imported-build", {"pdf"}, lambda _line: None, Report())
    assert built[0].path.is_file()
    book = load_book(manuscript, Report())
    assert book.title == "A Word Book" and book.note_count == 15


def _docx_from_ast(blocks: list, target: Path) -> Path:
    """A hand-built DOCX: pandoc's writer from an AST (tracked changes, notes in tables…)."""
    target.write_bytes(pandoc.write_docx(pandoc.document(blocks), reference=ROOT / "pressroom/templates/docx/reference.docx",
                                         resources=target.parent, label="fixture"))
    return target


def _s(text: str) -> list:
    out: list = []
    for word in text.split():
        out += ([{"t": "Space"}] if out else []) + [{"t": "Str", "c": word}]
    return out


def test_unresolved_tracked_changes_are_refused_with_their_place_unless_taken(tmp_path):
    change = {"t": "Span", "c": [["", ["insertion"], [["author", "Cy"], ["date", "2024-05-01T00:00:00Z"]]], _s("new words")]}
    note = {"t": "Note", "c": [{"t": "Para", "c": _s("First note paragraph.")}, {"t": "Para", "c": _s("Its second.")}]}
    cell = [["", [], []], {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": [*_s("In a cell"), note]}]]
    table = {"t": "Table", "c": [["", [], []], [None, []], [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}]],
                                 [["", [], []], [[["", [], []], [[["", [], []], {"t": "AlignDefault"}, 1, 1,
                                                                   [{"t": "Plain", "c": _s("Head")}]]]]]],
                                 [[["", [], []], 0, [], [[["", [], []], [cell]]]]], [["", [], []], []]]}
    docx = _docx_from_ast([{"t": "Header", "c": [1, ["", [], []], _s("One")]},
                           {"t": "Para", "c": [*_s("Old text"), {"t": "Space"}, change]}, table], tmp_path / "edge.docx")
    refused = run_cli("import", str(docx), "--manuscript", str(tmp_path / "refused"))
    assert refused.returncode == 1 and not (tmp_path / "refused").exists()
    assert "edge.docx:2:1: error[I106]: unresolved tracked change (insertion by Cy: “new words”)" in refused.stderr
    assert "Traceback" not in refused.stderr
    taken = run_cli("import", str(docx), "--manuscript", str(tmp_path / "taken"), "--changes", "accept")
    assert taken.returncode == 0, taken.stderr
    text = (tmp_path / "taken" / "chapters" / "01-one.md").read_text()
    assert "Old text new words" in text and "| In a cell[^" in text
    assert "First note paragraph.\n\n    Its second." in text


def test_a_file_that_is_not_a_docx_is_an_error_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip")
    done = run_cli("import", str(bad), "--manuscript", str(tmp_path / "m"))
    assert done.returncode == 1 and "error[I102]: not a Word document" in done.stderr and "Traceback" not in done.stderr


# ------------------------------------------------------------------------------ redline.docx


def test_the_redline_docx_holds_real_tracked_changes_that_libreoffice_accepts(repo, tmp_path):
    git(repo, "config", "user.name", "Ed Itor")
    edit(repo, "chapters/01-one.md", "the first of many", "the first of several")
    edit(repo, "chapters/02-two.md", "A second chapter with an inline note.", "A second chapter, now longer, with an inline note.")
    edit(repo, "chapters/02-two.md", "Defined inline, in the chapter itself.", "Defined inline, in this very chapter.")
    commit(repo)
    out = tmp_path / "out"
    done = run_cli("diff", "HEAD~1", "HEAD", "--no-pdf", "--manuscript", str(repo / "manuscript"), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    redline = out / "diff" / "redline.docx"
    with zipfile.ZipFile(redline) as package:
        body = package.read("word/document.xml").decode("utf-8")
        notes = package.read("word/footnotes.xml").decode("utf-8")
    stamp = git(repo, "log", "-1", "--format=%at")
    date = datetime.datetime.fromtimestamp(int(stamp), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    marks = re.findall(r'<w:(ins|del) w:id="\d+" w:author="([^"]+)" w:date="([^"]+)">(.*?)</w:\1>', body + notes, re.S)
    texts = {(kind, "".join(re.findall(r"<w:(?:t|delText)[^>]*>([^<]*)<", inner))) for kind, _, _, inner in marks}
    shown = {(k, t.strip()) for k, t in texts}
    assert {("del", "many"), ("ins", "several"), ("ins", ", now longer,")} <= shown
    note_marks = {(k, "".join(re.findall(r"<w:(?:t|delText)[^>]*>([^<]*)<", inner)).strip())
                  for k, _, _, inner in re.findall(r'<w:(ins|del) w:id="\d+" w:author="([^"]+)" w:date="([^"]+)">(.*?)</w:\1>',
                                                   notes, re.S)}
    assert ("ins", "this very") in note_marks and ("del", "itself") in note_marks  # a note's own change
    assert {(author, when) for _, author, when, _ in marks} == {("Ed Itor", date)}
    ids = re.findall(r'<w:(?:ins|del) w:id="(\d+)"', body + notes)
    assert len(ids) == len(set(ids)) >= 5  # each change its own id, as the standard asks
    seen = accept_all(redline, tmp_path / "accepted.docx", tmp_path / "office-profile")
    assert len(seen) >= 5 and {c["author"] for c in seen} == {"Ed Itor"}
    accepted = pandoc.read_docx(tmp_path / "accepted.docx", label="accepted")
    text = _words(stringify(accepted["blocks"]))
    assert "the first of several" in text and "many" not in text
    assert "A second chapter, now longer, with an inline note." in text
    assert "Defined inline, in this very chapter." in _notes_in(accepted)


# ------------------------------------------------------------------------------ import --revision

# A copyeditor's five edits, made in LibreOffice with changes recorded: (old, new, where) as Word
# shows the text, and the same edit as the Markdown must show it afterwards.
COPYEDITS = [
    ("the first of many", "the first of several", "body"),  # beside smart quotes, `--`, a note call, Jinja
    ("is right here now", "is right there now", "body"),  # inside a word-level run of a long paragraph
    ("stands alone here", "stands by itself here", "body"),
    ("in the chapter itself", "in this very chapter", "note"),  # a note defined in the chapter
    ("from notes.yaml.", "from the notes file.", "note"),  # a notes.yaml note, beside its *dark*
]
MARKDOWN_EDITS = [
    ("chapters/01-one.md", "the first of many", "the first of several"),
    ("chapters/02-two.md", "is right here now", "is right there now"),
    ("chapters/02-two.md", "stands alone here", "stands by itself here"),
    ("chapters/02-two.md", "in the chapter itself", "in this very chapter"),
    ("notes.yaml", "*dark*, from notes.yaml.", "*dark*, from the notes file."),
]


def _docx_of(repo: Path) -> Path:
    """The docx edition of the repository's book, built as `make` would build it."""
    manuscript = repo / "manuscript"
    with (manuscript / "book.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - kind: docx\n")
    commit(repo, "a docx edition for the copyeditor")
    done = run_cli("build", "docx", "--manuscript", str(manuscript), "--out", str(repo / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return repo / "build" / "small-book.docx"


def _files(manuscript: Path) -> dict[str, bytes]:
    return {p.relative_to(manuscript).as_posix(): p.read_bytes() for p in sorted(manuscript.rglob("*")) if p.is_file()}


def test_a_copyedited_docx_with_five_tracked_changes_comes_back_as_the_five_edits(repo, tmp_path):
    docx = _docx_of(repo)
    manuscript = repo / "manuscript"
    before = _files(manuscript)
    copyedited = tmp_path / "copyedited.docx"
    edit_tracked(docx, copyedited, COPYEDITS, tmp_path / "office-profile")
    with zipfile.ZipFile(copyedited) as package:
        xml = package.read("word/document.xml").decode() + package.read("word/footnotes.xml").decode()
    assert len(re.findall(r"<w:ins ", xml)) == len(re.findall(r"<w:del ", xml)) == 5  # genuine tracked changes

    # Changes still tracked are refused, each at its place in the Markdown, unless the user says.
    refused = run_cli("import", "--revision", str(copyedited), "--manuscript", str(manuscript))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert ("manuscript/chapters/01-one.md:4:1: error[I106]: unresolved tracked change in copyedited.docx "
            "(insertion by ") in refused.stderr
    assert "manuscript/notes.yaml:2:" in refused.stderr and _files(manuscript) == before

    done = run_cli("import", "--revision", str(copyedited), "--manuscript", str(manuscript), "--changes", "accept")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.match(r"copyedited\.docx: 5 paragraph\(s\) changed \(\d+ word-level edit\(s\)\), written to 3 file\(s\)\n",
                    done.stdout)
    expected = {name: data.decode("utf-8") for name, data in before.items()}
    for name, old, new in MARKDOWN_EDITS:
        assert expected[name].count(old) == 1
        expected[name] = expected[name].replace(old, new)
    assert {name: data.decode("utf-8") for name, data in _files(manuscript).items()} == expected
    # git sees an ordinary working-tree diff: five lines out, the same five lines edited in.
    numstat = git(repo, "diff", "--numstat").splitlines()
    assert sorted(numstat) == ["1\t1\tmanuscript/chapters/01-one.md", "1\t1\tmanuscript/notes.yaml",
                               "3\t3\tmanuscript/chapters/02-two.md"]
    # Applying the same file again finds the manuscript moved on since the edition was made.
    again = run_cli("import", "--revision", str(copyedited), "--manuscript", str(manuscript), "--changes", "accept")
    assert again.returncode == 1
    assert "manuscript/chapters/01-one.md: error[I111]: changed since copyedited.docx was made" in again.stderr


def test_an_unmappable_change_is_refused_with_its_place_and_nothing_is_written(repo, tmp_path):
    docx = _docx_of(repo)
    manuscript = repo / "manuscript"
    before = _files(manuscript)
    copyedited = tmp_path / "copyedited.docx"
    edit_tracked(docx, copyedited, [
        ("is right here now", "is right there now", "body"),  # fine on its own
        ("only on screen", "only on a screen", "body"),  # in a paragraph of {% if %} … {% else %} … {% endif %}
        ("The Second Chapter", "The 2nd Chapter", "body"),  # a chapter's title, from its front matter
        ("A Small Book", "A Smaller Book", "body"),  # the book's title, on the title page
    ], tmp_path / "office-profile")
    done = run_cli("import", "--revision", str(copyedited), "--manuscript", str(manuscript), "--changes", "accept")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert ("manuscript/chapters/01-one.md:6:1: error[I114]: a change in a paragraph holding Jinja statements "
            "({% … %}): make it by hand: “This sentence is only on a screen.”") in done.stderr
    assert ("manuscript/chapters/02-two.md:2:1: error[I114]: a change in text the manuscript does not hold as a "
            "Markdown paragraph (a title, front matter, a table, an inline note ^[…], the title page): "
            "“The 2nd Chapter”") in done.stderr
    assert "manuscript/book.yaml:1:1: error[I114]: " in done.stderr and "“A Smaller Book”" in done.stderr
    assert done.stderr.endswith("3 error(s); no file of the manuscript was changed\n")
    assert _files(manuscript) == before  # byte for byte: the good edit was not written either
    assert git(repo, "status", "--porcelain", "manuscript") == ""


def test_the_sample_books_edition_takes_back_a_deletion_written_into_its_xml(docx_edition, tmp_path):
    """The sample book (a generated bibliography chapter, curly quotes, notes from notes.yaml with
    citations): a genuine w:del written by hand into the edition, no office suite involved."""
    base, (docx, _), _ = docx_edition
    manuscript = tmp_path / "manuscript"
    shutil.copytree(base / "manuscript", manuscript)
    before = _files(manuscript)
    copyedited = tmp_path / "copyedited.docx"
    # Pandoc writes the sentence as one run: it is cut where the deletion stands.
    run = "Carter’s national security team"
    deleted = ('Carter’s </w:t></w:r><w:del w:id="9001" w:author="Cy" w:date="2026-01-01T00:00:00Z"><w:r>'
               '<w:delText xml:space="preserve">national </w:delText></w:r></w:del><w:r><w:t xml:space="preserve">'
               'security team')
    with zipfile.ZipFile(docx) as source, zipfile.ZipFile(copyedited, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                assert run in data.decode("utf-8")
                data = data.decode("utf-8").replace(run, deleted, 1).encode("utf-8")
            out.writestr(info, data)
    rejected = run_cli("import", "--revision", str(copyedited), "--manuscript", str(manuscript), "--changes", "reject")
    assert rejected.returncode == 0 and rejected.stdout.startswith("copyedited.docx: 0 paragraph(s) changed")
    done = run_cli("import", "--revision", str(copyedited), "--manuscript", str(manuscript), "--changes", "accept")
    assert done.returncode == 0, done.stdout + done.stderr
    name = "chapters/01-introduction.md"
    after = _files(manuscript)
    assert after[name].decode("utf-8") == before[name].decode("utf-8").replace(
        "President Carter’s national security team", "President Carter’s security team", 1)
    assert {k: v for k, v in after.items() if k != name} == {k: v for k, v in before.items() if k != name}
