"""TeX math (`math: tex`): the formulas book built for real, every edition read back.

MathML in the web edition and the EPUB (EPUBCheck, Ace's axe, Chromium's own MathML layout);
SVG drawn by MathJax in the PDF, inline formulas on the line, display ones centred, each with
its TeX as /Alt in the tagged PDF; a bad formula named at its file:line:col; and without
`math: tex`, dollars are prices in every edition.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from lxml import etree

from browser import Watched, axe_violations, serve
from conftest import copy_manuscript, run_cli
from pressroom.tools.ace import check_epub as ace_check
from pressroom.tools.epubcheck import check_epub

MATHML = "http://www.w3.org/1998/Math/MathML"
# The fixture's formulas, by page, in reading order (the note's is listed on its chapter's page).
ALGEBRA = [r"\frac{a+b}{c}", r"\sqrt{x^2+1}", r"\sqrt[3]{x}", r"a\,b\qquad c",
           r"\hat{x} + \vec{v} + \bar{y} + \tilde{n}", r"\sum_{i=1}^{n} i^2 = \frac{n(n+1)(2n+1)}{6}",
           r"\begin{pmatrix} a & b \\ c & d \end{pmatrix} \qquad \int_0^\infty e^{-x^2}\,dx = \frac{\sqrt{\pi}}{2}",
           r"e^{i\pi} + 1 = 0"]
PRICES = [r"E = mc^2"]
DISPLAY = {ALGEBRA[5], ALGEBRA[6]}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("math")
    manuscript = copy_manuscript("math", base)
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(base / "build"), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return base / "build"


# ------------------------------------------------------------------ web edition


def _formulas(tree) -> list[tuple[str, str]]:
    """(display, alttext) of each <math> of a parsed page, in document order."""
    return [(m.get("display"), m.get("alttext")) for m in tree.iter() if isinstance(m.tag, str)
            and etree.QName(m).localname == "math"]


def test_the_web_edition_has_a_mathml_formula_for_each_one_with_its_tex(built: Path):
    import lxml.html

    for page, expected in (("algebra.html", ALGEBRA), ("prices.html", PRICES)):
        tree = lxml.html.parse(str(built / "html" / page))
        assert _formulas(tree) == [("block" if tex in DISPLAY else "inline", tex) for tex in expected]
        text = (built / "html" / page).read_text("utf-8")
        assert "<mfrac>" in text or page == "prices.html"
        assert "mathjax" not in text.lower() and "<script>" not in text  # Chromium lays MathML out itself
        assert "Content-Security-Policy" in text and "'unsafe-inline'" not in text
    assert (built / "html" / "fonts" / "latinmodern-math.otf").is_file()
    assert '"Latin Modern Math"' in (built / "html" / "style.css").read_text("utf-8")


def test_chromium_lays_the_mathml_out_and_axe_finds_nothing(built: Path, browser):
    with serve(built / "html") as base:
        watched = Watched(browser, base)
        try:
            page = watched.open("algebra.html")
            boxes = page.evaluate("""() => [...document.querySelectorAll('main math')].map(m => {
                const r = m.getBoundingClientRect();
                const c = m.firstElementChild.getBoundingClientRect();  // what is drawn, inside the box
                const p = m.closest('p, li').getBoundingClientRect();
                return {display: m.getAttribute('display'), height: r.height, width: r.width,
                        centre: c.left + c.width / 2 - (p.left + p.width / 2), drawn: c.width,
                        font: getComputedStyle(m).fontFamily};
            })""")
            line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).lineHeight)")
            violations = axe_violations(page)
        finally:
            watched.close()
    assert watched.problems == []
    assert violations == []
    assert len(boxes) == len(ALGEBRA)
    assert all(b["drawn"] > 5 and b["font"].startswith('"Latin Modern Math"') for b in boxes)
    sums = [b for b in boxes if b["display"] == "block"]
    # The display sum with its limits stands taller than a line of text, centred on the measure.
    assert len(sums) == 2 and all(b["height"] > 1.5 * line and abs(b["centre"]) < 2 < b["drawn"] < 400 for b in sums)


# ------------------------------------------------------------------ EPUB


def test_the_epub_passes_epubcheck_and_ace_and_marks_its_mathml_pages(built: Path):
    epub = built / "formulas.epub"
    assert [str(m) for m in check_epub(epub) if m.severity in ("FATAL", "ERROR", "WARNING")] == []
    assert ace_check(epub) == []
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        pages = {name: etree.fromstring(archive.read(name)) for name in archive.namelist() if name.endswith(".xhtml")}
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    properties = {item.get("href"): item.get("properties") or "" for item in opf.xpath("//opf:item", namespaces=ns)}
    for name, tree in pages.items():
        formulas = tree.findall(f".//{{{MATHML}}}math")
        marked = "mathml" in properties[name.removeprefix("EPUB/")].split()
        assert marked == bool(formulas), name
    chapter_one = [(m.get("display"), m.get("alttext"))
                   for m in pages["EPUB/text/ch001.xhtml"].iter(f"{{{MATHML}}}math")]
    assert chapter_one == [("block" if tex in DISPLAY else "inline", tex) for tex in ALGEBRA]
    assert "MathML" in opf.xpath("//opf:meta[@property='schema:accessibilityFeature']/text()", namespaces=ns)


# ------------------------------------------------------------------ PDF


def _baseline(page, word: dict) -> float:
    """The baseline of `word` (top-down), from its first character's text matrix."""
    char = next(c for c in page.chars if abs(c["x0"] - word["x0"]) < 0.01 and abs(c["top"] - word["top"]) < 0.01)
    return page.height - char["matrix"][5]


def _drawn_between(page, left: dict, right: dict) -> list[dict]:
    """The curves (glyph outlines of a drawn formula) between two words of one line."""
    return [c for c in page.curves if left["x1"] <= c["x0"] and c["x1"] <= right["x0"]
            and abs((c["top"] + c["bottom"]) / 2 - left["bottom"]) < 15]


def _word(words: list[dict], text: str) -> dict:
    return next(w for w in words if w["text"] == text)


def test_the_pdf_draws_each_formula_on_the_line_and_keeps_no_tex_as_text(built: Path):
    with pdfplumber.open(built / "formulas.pdf") as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
        number = next(i for i, text in enumerate(texts) if "A fraction" in text)
        page = pdf.pages[number]
        words = page.extract_words()
        before, after = _word(words, "fraction"), _word(words, "sits")
        baseline = _baseline(page, before)
        assert abs(_baseline(page, after) - baseline) < 0.1  # the text around the formula stays on its line
        fraction = _drawn_between(page, before, after)
        assert fraction
        # Set on the baseline by its depth: the numerator rises above it, the denominator hangs below.
        assert min(c["top"] for c in fraction) < baseline - 4
        assert max(c["bottom"] for c in fraction) > baseline + 1.5
        assert max(c["bottom"] for c in fraction) < baseline + 5
        assert _drawn_between(page, _word(words, "spaces:"), _word(words, "Accents:"))
        # The display sum: centred on the measure, between the lines around it.
        intro, after_sum = _word(words, "squares:"), _word(words, "matrix")
        sum_curves = [c for c in page.curves if intro["bottom"] < c["top"] and c["bottom"] < after_sum["top"]]
        left, right = min(c["x0"] for c in sum_curves), max(c["x1"] for c in sum_curves)
        text_left = min(w["x0"] for w in words if w["top"] > intro["top"] - 40)
        text_right = max(w["x1"] for w in words if w["text"] in ("line,", "root"))
        assert abs((left + right) / 2 - (text_left + text_right) / 2) < 12
        # The note's formula, at the note's size, at the foot of the page.
        note = _word(words, "identity,")
        assert _drawn_between(page, note, next(w for w in words if w["text"] == "in" and w["top"] > note["top"] - 1))
    for text in texts:
        assert not re.search(r"\\(frac|sqrt|sum|begin)|mc\^2", text)
    assert "The last formula of the book is ." in " ".join(texts[-1].split())


def test_the_tagged_pdf_gives_each_formula_its_tex_as_alt_text(built: Path):
    alts: list[str] = []

    def collect(node) -> None:
        if isinstance(node, pikepdf.Dictionary):
            if "/Alt" in node and node.get("/S") == "/Figure":
                alts.append(str(node.Alt))
            if "/K" in node:
                collect(node.K)
        elif isinstance(node, pikepdf.Array):
            for item in node:
                collect(item)

    with pikepdf.open(built / "formulas-tagged.pdf") as pdf:
        collect(pdf.Root.StructTreeRoot)
    assert alts == ALGEBRA + PRICES


# ------------------------------------------------------------------ numbered equations


def test_numbered_equations_print_their_numbers_and_references_in_every_edition(built: Path):
    """`$$…$${#eq:squares}` and `$$…$$ {#eq:matrix}`: (1.1) and (1.2) beside the formulas, and
    @eq:squares / @Eq:matrix / [-@eq:matrix] / [p. @eq:squares] written out in chapter 2."""
    import lxml.html

    references = "Numbered: equation\u00a0(1.1), Equation\u00a0(1.2) alone (1.2), on p.\u00a01."
    web = lxml.html.parse(str(built / "html" / "algebra.html"))
    numbered = {e.get("id"): e for e in web.iter("span") if "equation" in (e.get("class") or "").split()}
    assert sorted(numbered) == ["eq:matrix", "eq:squares"]
    assert [numbered["eq:squares"].text_content().startswith("(1.1)"),
            numbered["eq:matrix"].text_content().startswith("(1.2)")] == [True, True]
    assert numbered["eq:squares"].find(f"{{{MATHML}}}math") is not None or "<math" in lxml.html.tostring(
        numbered["eq:squares"]).decode()
    prices = lxml.html.parse(str(built / "html" / "prices.html"))
    paragraph = next(p for p in prices.iter("p") if p.text_content().startswith("Numbered"))
    assert " ".join(paragraph.text_content().split()) == " ".join(references.split())
    assert [a.get("href") for a in paragraph.iter("a")][:3] == ["algebra.html#eq:squares", "algebra.html#eq:matrix",
                                                              "algebra.html#eq:matrix"]
    with zipfile.ZipFile(built / "formulas.epub") as archive:
        epub_one = archive.read("EPUB/text/ch001.xhtml").decode("utf-8")
        epub_two = etree.fromstring(archive.read("EPUB/text/ch002.xhtml"))
    assert re.search(r'<span id="eq:squares" class="equation"><span class="equation-number">\(1\.1\)</span><math', epub_one)
    epub_text = " ".join("".join(epub_two.itertext()).split())
    assert " ".join(references.split()) in epub_text
    with pdfplumber.open(built / "formulas.pdf") as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
        page = pdf.pages[next(i for i, text in enumerate(texts) if "A fraction" in text)]
        words = page.extract_words()
        intro, after_sum = _word(words, "squares:"), _word(words, "matrix")
        number = _word(words, "(1.1)")
        # On the formula's lines, at the right edge of the measure.
        assert intro["bottom"] < number["top"] and number["bottom"] < after_sum["top"]
        assert number["x1"] > max(w["x1"] for w in words if w["text"] in ("line,", "root")) - 2
        assert "(1.2)" in texts[texts.index(page.extract_text())]
    assert " ".join(references.split()) in " ".join(" ".join(texts).split())


def test_a_reference_to_an_unnumbered_formula_is_an_error_at_its_place(tmp_path: Path):
    manuscript = copy_manuscript("math", tmp_path)
    chapter = manuscript / "chapters" / "02-prices.md"
    chapter.write_text(chapter.read_text("utf-8") + "\nInline $x${#eq:inline} is not numbered: @eq:inline.\n", "utf-8")
    line = len(chapter.read_text("utf-8").rstrip("\n").split("\n"))
    done = run_cli("build", "html", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 1
    assert (f"manuscript/chapters/02-prices.md:{line}:41: error[X001]: @eq:inline: no display formula has the id 'eq:inline' "
            "(write $$…$$ {#eq:inline})") in done.stderr.splitlines(), done.stderr


# ------------------------------------------------------------------ bad formulas, and no math at all


def test_every_bad_formula_is_named_at_its_file_line_and_column(tmp_path: Path):
    manuscript = copy_manuscript("math", tmp_path)
    chapter = manuscript / "chapters" / "01-algebra.md"
    chapter.write_text(chapter.read_text("utf-8") + (
        "\nAn unknown command $\\foo{x}$ and a broken fraction $\\frac{1}{$ here.\n\n"
        "{% if edition.kind == \"pdf\" %}\nPrint only.\n{% endif %}\n"
        "Then $\\begin{pmatrix} a \\end{bmatrix}$ on a later line.\n"), "utf-8")
    (manuscript / "notes.yaml").write_text('bad:\n  text: "A bad one $\\\\qux$ here."\n', "utf-8")
    chapter.write_text(chapter.read_text("utf-8").replace("ends here.", "ends here.[^bad]"), "utf-8")
    lines = chapter.read_text("utf-8").split("\n")
    foo = next(i for i, line in enumerate(lines, 1) if "\\foo" in line)
    matrix = next(i for i, line in enumerate(lines, 1) if "bmatrix" in line)
    done = run_cli("build", "html", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error[" in line]
    assert f"chapters/01-algebra.md:{foo}:20: error[M001]: TeX math $\\foo{{x}}$ cannot be converted: " \
           "unexpected control sequence \\foo" in done.stderr
    errors_text = done.stderr
    assert f"chapters/01-algebra.md:{foo}:52: error[M002]: '$\\frac{{1}}{{$ here.' is not read as TeX math" in errors_text
    assert f"chapters/01-algebra.md:{matrix}:6: error[M001]: TeX math $\\begin{{pmatrix}} a \\end{{bmatrix}}$" \
        in errors_text
    # At the formula itself, not at the note's key (notes.yaml positions, issue 17).
    assert "notes.yaml:2:20: error[M001]: TeX math $\\qux$ cannot be converted" in done.stderr
    assert len(errors) == 4 and "T003" not in done.stderr, done.stderr


def test_without_math_tex_dollars_are_prices_in_every_edition(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    chapter = manuscript / "chapters" / "02-two.md"
    prose = "The house cost $15,000 in 1950 and $250,000 in 1990, and a $5 note bought lunch."
    chapter.write_text(chapter.read_text("utf-8").replace("More text.", prose), "utf-8")
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    web = (tmp_path / "build" / "html" / "two.html").read_text("utf-8")
    with zipfile.ZipFile(tmp_path / "build" / "small-book.epub") as archive:
        epub = archive.read("EPUB/text/ch002.xhtml").decode("utf-8")
    with pdfplumber.open(tmp_path / "build" / "small-book.pdf") as pdf:
        printed = " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())
    for text in (web, epub):
        assert prose in text and "<math" not in text and "<em>15" not in text
    for price in ("$15,000 in 1950", "$250,000 in 1990", "a $5 note"):  # lines may break elsewhere
        assert price in printed
