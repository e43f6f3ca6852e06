"""Cross-references and the index, built for real and read back from every edition.

A generated book: a preface, four chapters holding 10 figures and tables referred to by number,
20 page references (forward, backward, into the front matter) and about 80 index entries
(subentries, see and see also, ranges across paragraphs, accented and Korean terms).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import lxml.html
import pdfplumber
import pytest
import yaml

from conftest import run_cli
from pressroom.readback import squeeze

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="{h}"><rect width="300" height="{h}" fill="#999"/></svg>'
FILLER = ("The delegation waited in the cold corridor while the interpreters argued over a single word, "
          "and nobody in the room believed the communiqué would survive the night. ")
COLLATED = ["Eagle", "Émile", "Ezra"]  # en: the accent is no letter of its own
KOREAN = ["김일성", "박정희"]
CHAPTERS = 4


def _plates() -> list[tuple[int, int, str]]:
    """(plate number, chapter, kind): 10 figures and tables spread over the chapters."""
    kinds = ["figure", "table", "figure", "figure", "table", "figure", "table", "figure", "figure", "table"]
    return [(k, 1 + k % CHAPTERS, kind) for k, kind in enumerate(kinds)]


def _terms() -> list[str]:
    return [f"{chr(ord('A') + i % 26)}lder{i:02d}" for i in range(70)]


def write_book(root: Path) -> dict:
    """The manuscript, and what the test expects of it."""
    (root / "chapters").mkdir(parents=True)
    (root / "images").mkdir()
    plates = _plates()
    terms = _terms()
    landmarks = [(k, 1 + k % CHAPTERS) for k in range(16)]  # section k lives in chapter 1 + k % 4
    # Page references: 16 to sections (forward and back), 3 to plates, 1 to the preface.
    pagerefs = [(k, f"sec:land{k:02d}", f"Landmark{k:02d}") for k in range(16)]
    pagerefs += [(16 + i, f"{'fig' if plates[p][2] == 'figure' else 'tbl'}:plate{p}", f"Caption for plate {p}.")
                 for i, p in enumerate((1, 4, 8))]
    pagerefs += [(19, "sec:pref", "Prefatory landmark")]
    body: dict[int, list[str]] = {c: [] for c in range(1, CHAPTERS + 1)}
    for k, chapter in landmarks:
        body[chapter].append(f"## Landmark{k:02d} {{#sec:land{k:02d}}}\n\n" + FILLER * 6)
    for k, chapter, kind in plates:
        (root / "images" / f"plate{k}.svg").write_text(SVG.format(h=120 + 10 * k))
        if kind == "figure":
            body[chapter].append(f"![Caption for plate {k}.](images/plate{k}.svg){{#fig:plate{k}}}")
        else:
            body[chapter].append(f"| Year | Crossings |\n|---|---|\n| 19{50 + k} | {k * 7} |\n\n"
                                 f"Table: Caption for plate {k}. {{#tbl:plate{k}}}")
    # Every plate referred to by number from another chapter; each page reference from a chapter
    # that is not its target's.
    for k, chapter, kind in plates:
        key = f"{'fig' if kind == 'figure' else 'tbl'}:plate{k}"
        body[1 + (chapter % CHAPTERS)].append(f"Reference R{k:02d} cites @{key} here. " + FILLER)
    for n, key, _text in pagerefs:
        body[1 + n % CHAPTERS].insert(1 + n % 3, f"Place P{n:02d} is on [p. @{key}] of the book. " + FILLER)
    # Index marks: each term marked once or twice, its words printed where it is marked.
    index_words = []
    for i, term in enumerate(terms + COLLATED + KOREAN):
        for chapter in sorted({1 + i % CHAPTERS, 1 + (i * 7) % CHAPTERS}):
            body[chapter].append(f"The envoy named [{term}]{{.index}} in the minutes. " + FILLER)
        index_words.append(term)
    body[2].append("The [purges of 1956]{index=\"Kim Il Sung!purges of 1956\"} came later; "
                   "[Kim Il Sung]{.index} survived them. "
                   "[]{index=\"Great Leader\" index-see=\"Kim Il Sung\"} " + FILLER)
    body[3].append("His [visits to Beijing]{index=\"Kim Il Sung!visits to Beijing\"} were long. "
                   "[]{index=\"Kim Il Sung\" index-see-also=\"Eagle\"} " + FILLER)
    body[1].append("[]{index-start=\"Rangeterm\"}Rangeterm begins here. " + FILLER * 8)
    body[1].append(FILLER * 8 + " So ends Rangeterm.[]{index-end=\"Rangeterm\"}")
    chapters = {"00-preface.md": "---\ntitle: Preface\nrole: preface\n---\n## Prefatory landmark {#sec:pref}\n\n"
                + "Read [p. @sec:land03] first. " + FILLER * 3 + "\n"}
    chapters["00-figures.md"] = "---\ntitle: Figures\nrole: figures\n---\n"
    chapters["00-tables.md"] = "---\ntitle: Tables\nrole: tables\n---\n"
    for c in range(1, CHAPTERS + 1):
        chapters[f"0{c}-chapter.md"] = (f"---\ntitle: Chapter Title {c}\nid: c{c}\n---\n"
                                        + "\n\n".join(body[c]) + "\n")
    chapters["99-index.md"] = "---\ntitle: Index\nrole: index\nid: book-index\n---\n"
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    meta = {"title": "Crossings", "language": "en-US", "slug": "crossings", "version": "1.0",
            "chapters": [f"chapters/{n}" for n in chapters],
            "editions": [{"kind": "pdf"}, {"kind": "print"}, {"kind": "epub"}, {"kind": "html"}]}
    (root / "book.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {"plates": plates, "pagerefs": pagerefs, "terms": index_words}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("xref")
    expected = write_book(base / "manuscript")
    done = run_cli("build", "--manuscript", str(base / "manuscript"), "--out", str(base / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build", expected


def _pdf(path: Path) -> tuple[list[str], list[str]]:
    """Each page's text (line-end hyphens joined, spaces normalised) and its printed folio."""
    texts, folios = [], []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            raw = (page.extract_text() or "").replace("\xa0", " ")
            lines = raw.splitlines()
            folios.append(lines[-1].strip() if lines and re.fullmatch(r"\d+|[ivxlc]+", lines[-1].strip()) else "")
            texts.append(" ".join(re.sub(r"[\u2010-]\n", "", raw).split()))
    return texts, folios


def _folio_of(texts: list[str], folios: list[str], needle: str, skip: set[int] = frozenset()) -> str:
    pages = [i for i, text in enumerate(texts) if needle in text and i not in skip]
    assert pages, f"{needle!r} is printed nowhere"
    return folios[pages[0]]


@pytest.mark.parametrize("name", ["crossings.pdf", "crossings-print.pdf"])
def test_figure_and_table_numbers_and_page_references_match_the_printed_pages(built, name):
    out, expected = built
    texts, folios = _pdf(out / name)
    whole = " ".join(texts)
    for k, _chapter, kind in expected["plates"]:
        label = re.search(rf"({kind.title()} [\d.]+)\. Caption for plate {k}\.", whole)
        assert label, f"plate {k}'s caption"
        cited = re.search(rf"Reference R{k:02d} cites ([A-Z][a-z]+ [\d.]+) here", whole)
        assert cited and cited.group(1) == label.group(1), (k, cited and cited.group(0), label.group(1))
    index_pages = {i for i, t in enumerate(texts) if t.startswith("Index")} | {len(texts) - 1}
    contents = {i for i, t in enumerate(texts) if t.startswith(("Contents", "Figures", "Tables"))}
    for n, key, target in expected["pagerefs"]:
        printed = re.search(rf"Place P{n:02d} is on p\. (\w+) of the book", whole)
        assert printed, n
        if key.startswith("sec:land"):
            needle = f"{target} {FILLER.split()[0]}"  # the heading, followed by its text
        else:
            needle = target
        true_folio = _folio_of(texts, folios, needle, skip=index_pages | contents)
        assert printed.group(1) == true_folio, (n, key, printed.group(1), true_folio)
    roman = re.search(r"Place P19 is on p\. ([ivx]+) of the book", whole)
    assert roman, "a page reference into the front matter prints a roman folio"


def _index_lines(path: Path) -> list[str]:
    """The index's lines, column by column (it is set in two)."""
    lines = []
    with pdfplumber.open(path) as pdf:
        pages = [p for p in pdf.pages if (p.extract_text() or "").startswith("Index")]
        start = pdf.pages.index(pages[0])
        for page in pdf.pages[start:]:
            chars = page.chars or [{"x0": 0, "x1": page.width}]
            middle = (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2  # the text block's
            for box in ((0, 0, middle, page.height * 0.93), (middle, 0, page.width, page.height * 0.93)):
                text = page.within_bbox(box).extract_text() or ""
                lines += [" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines()]
    return [line for line in lines if line and line != "Index"]


def test_every_index_locator_names_a_page_holding_its_term_and_entries_are_collated(built):
    out, expected = built
    texts, folios = _pdf(out / "crossings.pdf")
    by_folio = {}
    for text, folio in zip(texts, folios):
        if folio and not text.startswith("Index"):
            by_folio.setdefault(folio, squeeze(text))
    entries = {}
    for line in _index_lines(out / "crossings.pdf"):
        found = re.fullmatch(r"(.+?), ((?:\d+(?:–\d+)?)(?:, \d+(?:–\d+)?)*)(?:\. See also .*)?", line)
        if found:
            entries[found.group(1)] = found.group(2).split(", ")
    for term in expected["terms"]:
        assert term in entries, (term, sorted(entries)[:10])
    for term in [*expected["terms"], "purges of 1956", "visits to Beijing", "Kim Il Sung", "Rangeterm"]:
        assert term in entries, term
        for locator in entries[term]:
            for folio in locator.split("–"):
                assert squeeze(term) in by_folio[folio], (term, locator, folio)
    assert "–" in entries["Rangeterm"][0], entries["Rangeterm"]  # a range across paragraphs and pages
    assert len(entries) >= 75
    lines = _index_lines(out / "crossings.pdf")
    order = [next(i for i, l in enumerate(lines) if l.startswith(t + ",")) for t in [*COLLATED, "Zlder25", *KOREAN]]
    assert order == sorted(order), [lines[i] for i in order]
    assert any(l.startswith("Great Leader. See Kim Il Sung") for l in lines)


def test_the_epub_and_web_edition_print_the_same_page_numbers_linked_to_the_print_pages(built):
    out, expected = built
    texts, _folios = _pdf(out / "crossings.pdf")
    whole = " ".join(texts)
    pdf_numbers = {n: re.search(rf"Place P{n:02d} is on p\. (\w+) of", whole).group(1) for n, *_ in expected["pagerefs"]}
    with zipfile.ZipFile(out / "crossings.epub") as epub:
        files = {n: epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml")}
    page_list = re.findall(r'href="(text/[^"#]+#page-[^"]+)"', files["EPUB/nav.xhtml"])
    ids = {name: set(re.findall(r'\sid="([^"]+)"', text)) for name, text in files.items()}
    checked = 0
    for name, text in files.items():
        for n, href, number in re.findall(r'Place P(\d\d) is on p\.\s<a class="page-ref" href="([^"]+)">(\w+)</a>',
                                          text):
            assert number == pdf_numbers[int(n)], (n, number, pdf_numbers[int(n)])
            file, anchor = href.split("#")
            file = f"text/{file}" if file else name[len("EPUB/"):]
            assert anchor in ids["EPUB/" + file], href
            if not number.isdigit():
                continue  # a front-matter page: no page-list marker, the link goes to the place
            assert anchor == f"page-{number}" and f"{file}#{anchor}" in page_list, href
            checked += 1
    assert checked == 19
    pages = {p.name: p.read_text() for p in (out / "html").glob("*.html")}
    marks = {(name, i) for name, text in pages.items() for i in re.findall(r'id="(page-\d+)"', text)}
    web = 0
    for name, text in pages.items():
        for n, href, number in re.findall(r'Place P(\d\d) is on p\.\s<a class="page-ref" href="([^"]+)">(\w+)</a>',
                                          text):
            assert number == pdf_numbers[int(n)]
            if number.isdigit():
                page, anchor = href.split("#") if not href.startswith("#") else (name, href[1:])
                assert (page, anchor) == (page, f"page-{number}") and (page, anchor) in marks, href
                web += 1
    assert web == 19


def test_the_lists_of_figures_and_tables_give_each_its_number_caption_and_printed_page(built):
    """`role: figures` / `role: tables`: every captioned plate listed in order, its page number the
    folio its caption is printed on; in the EPUB and the web edition each label links to the plate."""
    out, expected = built
    texts, folios = _pdf(out / "crossings.pdf")
    contents = {i for i, t in enumerate(texts) if t.startswith(("Contents", "Figures", "Tables", "Index"))}
    whole = " ".join(texts)
    for kind, title in (("figure", "Figures"), ("table", "Tables")):
        page = next(t for t in texts if t.startswith(title + " "))
        listed = re.findall(rf"({kind.title()} (\d+)\.(\d+)) ?Caption for plate (\d+)\.[ .]*?(\d+)(?= |$)", page)
        plates = [k for k, _c, kd in expected["plates"] if kd == kind]
        assert sorted(int(k) for *_, k, _page in listed) == sorted(plates), page
        assert [(int(c), int(n)) for _l, c, n, _k, _p in listed] == sorted((int(c), int(n)) for _l, c, n, _k, _p in listed)
        for label, _c, _n, k, folio in listed:
            assert re.search(rf"{label}\. Caption for plate {k}\.", whole)  # the number the caption prints
            assert folio == _folio_of(texts, folios, f"{label}. Caption for plate {k}.", skip=contents), (label, folio)
    with zipfile.ZipFile(out / "crossings.epub") as epub:
        files = {n: epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml")}
    web = {p.name: p.read_text() for p in (out / "html").glob("*.html")}
    for pages, kind in ((files, "epub"), (web, "html")):
        listing = next(text for text in pages.values() if 'class="list-entries list-of-figures"' in text)
        links = re.findall(r'<a href="([^"]*)#((?:fig|tbl):plate\d+)" class="list-label">', listing)
        assert len(links) == sum(1 for *_, kd in expected["plates"] if kd == "figure"), kind
        for file, anchor in links:
            target = next(t for n, t in pages.items() if n.endswith(file))
            assert f'id="{anchor}"' in target, (kind, file, anchor)
    assert 'epub:type="loi"' in "".join(files.values())


def test_a_reference_to_nothing_is_an_error_at_its_place(tmp_path):
    root = tmp_path / "manuscript"
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / "01-one.md").write_text(
        "---\ntitle: One\n---\nFirst line.\nSee @fig:nowhere and [p. @sec:lost], and [](#gone).\n"
        "[]{index-start=\"open\"}Never closed.\n")
    (root / "book.yaml").write_text(yaml.safe_dump({"title": "T", "language": "en", "slug": "t", "version": "1",
                                                    "editions": [{"kind": "html"}]}))
    done = run_cli("build", "--manuscript", str(root), "--out", str(tmp_path / "build"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    for place in ("01-one.md:5:5: error[X001]: @fig:nowhere", "01-one.md:5:22: error[X001]: @sec:lost",
                  "01-one.md:5:42: error[X001]: empty link (#gone)", "01-one.md:6:1: error[X013]",
                  "01-one.md:6:1: error[X010]"):
        assert place in done.stderr, done.stderr


def test_the_epub_with_references_and_an_index_passes_epubcheck(built):
    from pressroom.tools import epubcheck

    out, _expected = built
    assert epubcheck.check_epub(out / "crossings.epub") == []
