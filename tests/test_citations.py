"""Citations: Pandoc's [@key] syntax in chapters and notes, citeproc over the whole book, the
bibliography in every edition, and bad references, keys and styles named at their place.

The main book is generated: three chapters, 60 citations of twelve works (Chicago notes, the
default), with plain notes between them, built for real and read back from the PDF, EPUB and web
edition."""

from __future__ import annotations

import json
import html
import re
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli
from readers import pdf_pages, web_text
from pressroom.readback import squeeze

FAMILIES = ["Abbott", "Baker", "Chen", "Dorsey", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
            "Kovacs", "Lindqvist"]
WORKS = [{"id": f"w{k:02d}", "type": "book", "author": [{"family": f, "given": "Pat"}],
          "title": f"Chronicle Number {k + 1}", "publisher": "Harbour Press",
          "issued": {"date-parts": [[1990 + k]]}} for k, f in enumerate(FAMILIES)]
PER_CHAPTER = 20


def full(k: int, page: int) -> str:
    return f"Pat {FAMILIES[k]}, Chronicle Number {k + 1} (Harbour Press, {1990 + k}), {page}."


def short(k: int, page: int) -> str:
    return f"{FAMILIES[k]}, Chronicle Number {k + 1}, {page}."


def _book(root: Path, style: str | None = None, bibliography: str = "references.json") -> list[tuple]:
    """A three-chapter book citing the twelve works 60 times; returns (chapter, marker, label, note)
    for each citation, the note being what the Chicago notes style should print."""
    (root / "chapters").mkdir(parents=True)
    (root / "references.json").write_text(json.dumps(WORKS, indent=1))
    csl = f"csl: {style}\n" if style else ""
    (root / "book.yaml").write_text(f"title: Cited Book\nlanguage: en-US\nslug: cited\nversion: \"1.0\"\n"
                                    f"bibliography: {bibliography}\n{csl}")
    expected, seen = [], set()
    for c in range(1, 4):
        lines, label = [f"---\ntitle: Chapter Number {c}\n---\n"], 0
        for i in range(PER_CHAPTER):
            k, page = (i * 5 + c * 3) % 12, 10 + i
            marker = f"Mark{c}x{i:02d}"
            lines.append(f"The sentence {marker} is cited [@w{k:02d}, {page}].")
            label += 1
            expected.append((c, marker, label, full(k, page) if k not in seen else short(k, page)))
            seen.add(k)
            if i % 5 == 4:  # a plain note between citations: numbered with them
                lines.append(f"A remark on {marker}.[^r{i}]")
                lines.append(f"\n[^r{i}]: Remark {c}.{i}, not a citation.\n")
                label += 1
            lines.append("")
        (root / "chapters" / f"0{c}-ch{c}.md").write_text("\n".join(lines))
    return expected


@pytest.fixture(scope="module")
def cited(tmp_path_factory) -> tuple[Path, list[tuple]]:
    base = tmp_path_factory.mktemp("cited")
    expected = _book(base / "manuscript")
    done = run_cli("build", "--manuscript", str(base / "manuscript"), "--out", str(base / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build", expected


def test_sixty_citations_are_notes_numbered_with_the_others_first_full_then_short(cited):
    out, expected = cited
    assert len(expected) == 60
    pages = pdf_pages(out / "cited.pdf")
    for chapter, marker, label, note in expected:
        page = next(p for p in pages if squeeze(marker) in p)
        assert squeeze(f"{label}. {note}") in page, (marker, label, note)
    # A plain note keeps its place in the count: the citation after it is one further on.
    assert expected[5][2] == 7


def test_the_bibliography_is_sorted_and_in_every_edition(cited):
    out, _ = cited
    entries = [f"{f}, Pat. Chronicle Number {k + 1}. Harbour Press, {1990 + k}." for k, f in enumerate(FAMILIES)]
    with zipfile.ZipFile(out / "cited.epub") as epub:
        xhtml = [epub.read(n).decode() for n in sorted(epub.namelist()) if n.endswith(".xhtml")]
    bibliography_xhtml = next(x for x in xhtml if 'class="references csl-bib-body"' in x)
    pages = pdf_pages(out / "cited.pdf")
    texts = {"pdf": "".join(p for p in pages if p.startswith("bibliography")),
             "epub": squeeze(re.sub(r"<[^>]+>", " ", bibliography_xhtml)),
             "html": web_text_of(out / "html" / "bibliography.html")}
    for kind, text in texts.items():
        places = [text.find(squeeze(e)) for e in entries]
        assert -1 not in places, (kind, [e for e, p in zip(entries, places) if p < 0])
        assert places == sorted(places), kind


def web_text_of(page: Path) -> str:
    folder = page.parent / "_one"
    folder.mkdir(exist_ok=True)
    (folder / page.name).write_bytes(page.read_bytes())
    return web_text(folder)


def test_ibid_where_the_style_says_and_citations_inside_notes_stay_in_their_note(tmp_path):
    root = tmp_path / "manuscript"
    _book(root, style="chicago-notes-bibliography-subsequent-ibid")
    chapter = root / "chapters" / "01-ch1.md"
    chapter.write_text(chapter.read_text() + "\nA last one [@w00, 99]. Then again [@w00, 99]. "
                       "And [@w00, 98]. And a note.[^in]\n\n[^in]: As shown in [@w01, 5], and [see @w02].\n")
    done = run_cli("build", "html", "--manuscript", str(root), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "build" / "html" / "ch1.html").read_text()
    notes = [squeeze(re.sub(r"<[^>]+>", "", n)) for n in re.findall(r"<li[^>]*>(.*?)</li>", html, re.S)]
    last = notes.index(squeeze("Abbott, Chronicle Number 1, 99.↩︎"))
    assert notes[last + 1: last + 3] == [squeeze("Ibid.↩︎"), squeeze("Ibid., 98.↩︎")], notes[last:]
    # In a note a citation is the note's text: short forms, no parentheses, no note of its own.
    assert any(n.startswith(squeeze("As shown in Baker, Chronicle Number 2, 5, and see Chen, Chronicle "
                                    "Number 3.")) for n in notes), notes


def test_author_date_in_text_with_bibtex_and_csl_json(tmp_path):
    root = tmp_path / "manuscript"
    _book(root, style="chicago-author-date", bibliography="[references.json, more.bib]")
    (root / "more.bib").write_text("@book{zed2001,\n  author = {Zed, Quinn},\n  title = {Last Words},\n"
                                   "  publisher = {Harbour Press},\n  year = {2001}\n}\n"
                                   "@book{odd2002,\n  author = {Odd, Ann},\n  publisher = {John Wiley and Sons},\n"
                                   "  title = {Odd \\unknowncmd{Lost} and \\emph{Found} {\\\"U}ber},\n  year = 2002\n}\n")
    chapter = root / "chapters" / "02-ch2.md"
    chapter.write_text(chapter.read_text() + "\nAs @zed2001 [p. 4] puts it, and [-@w03, 7]; see [@odd2002].\n")
    done = run_cli("build", "html", "--manuscript", str(root), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stderr
    # Pandoc drops a command it does not know with its text: a warning at the command, and only there
    # (not for "and" separating publishers, nor for \emph or an accent it reads).
    assert [line for line in done.stderr.splitlines() if "A011" in line] == [
        "manuscript/more.bib:10:16: warning[A011]: BibTeX entry 'odd2002', title: \\unknowncmd{Lost} will not "
        "be printed: pandoc does not know \\unknowncmd and drops it with its text; write the text without the "
        "command"], done.stderr
    text = squeeze(re.sub(r"<[^>]+>", " ", (tmp_path / "build" / "html" / "ch2.html").read_text()))
    assert squeeze("The sentence Mark2x00 is cited (Garcia 1996, 10).") in text
    assert squeeze("As Zed (2001, 4) puts it, and (1993, 7); see (Odd 2002).") in text
    references = squeeze(re.sub(r"<[^>]+>", " ", (tmp_path / "build" / "html" / "references.html").read_text()))
    assert squeeze("Zed, Quinn. 2001. Last Words. Harbour Press.") in references
    assert squeeze("Odd and Found Über.") in references


def _errors(tmp_path: Path, change) -> str:
    root = tmp_path / "manuscript"
    _book(root)
    change(root)
    done = run_cli("build", "html", "--manuscript", str(root), "--out", str(tmp_path / "build"))
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    return done.stderr


def test_an_unknown_key_is_an_error_at_its_place(tmp_path):
    def change(root: Path):
        chapter = root / "chapters" / "03-ch3.md"
        chapter.write_text(chapter.read_text().replace("Mark3x02 is cited", "Mark3x02 is [see @nobody, 3]"))
    stderr = _errors(tmp_path, change)
    assert re.search(r"manuscript/chapters/03-ch3\.md:9:26: error\[A001\]: citation '\[see @nobody, 3\]': "
                     r"no reference 'nobody'", stderr), stderr


def test_a_malformed_bibtex_entry_is_an_error_at_its_line(tmp_path):
    def change(root: Path):
        (root / "refs.bib").write_text("@book{good,\n  title = {Fine},\n  year = 2000\n}\n\n"
                                       "@article{broken,\n  title = {Never closed,\n  year = 2002\n}\n")
        (root / "book.yaml").write_text((root / "book.yaml").read_text()
                                        .replace("references.json", "[references.json, refs.bib]"))
    stderr = _errors(tmp_path, change)
    assert "manuscript/refs.bib:6:1: error[A002]: BibTeX entry 'broken' cannot be read" in stderr, stderr


def test_broken_csl_json_and_a_bad_style_are_errors_at_their_place(tmp_path):
    def change(root: Path):
        (root / "references.json").write_text('[\n  {"id": "w00", "title": "x",}\n]\n')
        (root / "style.csl").write_text('<?xml version="1.0"?>\n<style xmlns="http://purl.org/net/xbiblio/csl">\n'
                                        '  <info><title>Broken</info>\n</style>\n')
        (root / "book.yaml").write_text((root / "book.yaml").read_text() + "csl: style.csl\n")
    stderr = _errors(tmp_path, change)
    assert "manuscript/references.json:2:30: error[A002]: broken CSL-JSON" in stderr, stderr
    assert re.search(r"manuscript/style\.csl:3:\d+: error\[A003\]: not a CSL style: broken XML", stderr), stderr


def test_xrefs_addresses_code_and_escapes_are_not_citations(tmp_path):
    root = tmp_path / "manuscript"
    _book(root)
    chapter = root / "chapters" / "01-ch1.md"
    # The cross-reference is xref.py's: it names a table the chapter holds (below the line).
    chapter.write_text(chapter.read_text() + "\nWrite to me@example.org, see [@tbl:map], `[@w00]`, \\@w00, "
                       "and <!-- [@nobody] --> @handle.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                       "Table: A map. {#tbl:map}\n")
    done = run_cli("build", "html", "--manuscript", str(root), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stderr
    assert re.search(r"01-ch1\.md:61:82: warning\[A005\]: '@handle' is no reference key", done.stderr)
    text = squeeze(html.unescape(re.sub(r"<[^>]+>", " ", (tmp_path / "build" / "html" / "ch1.html").read_text())))
    assert re.search(re.escape(squeeze("Write to me@example.org, see Table ")) + r"\d+(\.\d+)?"
                     + re.escape(squeeze(", [@w00], @w00, and @handle.")), text)
