"""Every script, typeset and read back: a book in nine scripts built by the real CLI, each string
found again in the PDF, the EPUB and the web edition, set in bundled faces only; a character
no face holds stops the build at its place; justified CJK lines and right-to-left words."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pdfplumber
import pypdfium2
import pytest

from browser import serve
from conftest import copy_manuscript, run_cli
from pressroom import fonts
from pressroom.check.pages import read_pages
from pressroom.check.pdf import font_embedding, missing_glyph_findings
from pressroom.manuscript.design import load_design
from pressroom.theme import Theme
from pressroom.readback import squeeze
from pressroom.tools.epubcheck import check_epub

SLUG = "scripts-book"
STRINGS = {
    "Latin": "The quick brown fox jumps over the lazy dog",
    "Greek": "Ἐν ἀρχῇ ἦν ὁ λόγος",
    "Cyrillic": "Съешь же ещё этих мягких французских булок",
    "Hanzi SC": "毛泽东与朝鲜的关系",
    "Hanzi TC": "臺灣與香港的關係",
    "Hangul": "조선민주주의인민공화국",
    "Hangul in a note": "조선 로동당",
    "kana": "ひらがなとカタカナ",
    "Arabic": "مرحبا بالعالم",
    "Hebrew": "שלום",
    "title page": "세계의 문자",
}
RTL = {"Arabic", "Hebrew"}  # pdfplumber reads these in visual order: pdfium's text is logical
# The faces a PDF may hold: ours, never one of the host's.
OUR_FONTS = re.compile(r"[A-Z]{6}\+(Libertine|Noto-Serif-CJK|Noto-Naskh-Arabic|Noto-Serif-[A-Za-z]+)(-[A-Za-z]+)?")
CJK = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uff60]")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("scripts")
    manuscript = copy_manuscript("scripts", base)
    out = base / "build"
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(out), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def pdf_logical_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_every_script_reads_back_from_the_pdf(built):
    pdf = built / f"{SLUG}.pdf"
    logical = squeeze(pdf_logical_text(pdf))
    with pdfplumber.open(pdf) as document:
        plumbed = squeeze("".join(page.extract_text() or "" for page in document.pages))
    assert [k for k, s in STRINGS.items() if squeeze(s) not in logical] == []
    assert [k for k, s in STRINGS.items() if k not in RTL and squeeze(s) not in plumbed] == []


def test_the_pdf_draws_every_glyph_in_bundled_faces(built):
    pdf = built / f"{SLUG}.pdf"
    assert fonts.missing_glyphs(pdf) == {}
    assert all(font_embedding(pdf).values())
    assert missing_glyph_findings(pdf, read_pages(pdf, load_design(Theme()))) == []
    with pdfplumber.open(pdf) as document:
        used = {c["fontname"] for page in document.pages for c in page.chars}
    assert [name for name in used if not OUR_FONTS.fullmatch(name)] == []
    assert any("Noto-Serif-CJK" in name for name in used) and any("Naskh" in name for name in used)


def test_language_tags_choose_each_languages_forms(built):
    """骨 tagged zh-Hans, zh-Hant and ja: the CJK face's `locl` draws three different glyphs,
    read back as three codes of the embedded face mapping to the one character."""
    import pikepdf

    from pressroom.fonts import _to_unicode
    from pressroom.tools.pdffonts import resources_of

    codes = set()
    with pikepdf.open(built / f"{SLUG}.pdf") as pdf:
        for page in pdf.pages:
            for font in (font for resources in resources_of(page.obj.get("/Resources"), set())
                         for font in (resources.get("/Font") or {}).values()):
                if "Noto-Serif-CJK" in str(font.get("/BaseFont")):
                    mapping = _to_unicode(font["/ToUnicode"].read_bytes().decode("latin-1"))
                    codes |= {(font.objgen, code) for code, text in mapping.items() if text == "骨"}
    assert len(codes) == 3, codes


def test_every_script_reads_back_from_the_epub_which_passes_epubcheck(built):
    epub = built / f"{SLUG}.epub"
    assert check_epub(epub) == []
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        text = squeeze(" ".join(archive.read(n).decode() for n in names if n.endswith(".xhtml")))
        css = archive.read("EPUB/styles/book.css").decode()
        cjk = archive.read("EPUB/fonts/NotoSerifCJK-Regular.otf")
    assert [k for k, s in STRINGS.items() if squeeze(s) not in text] == []
    assert {"EPUB/fonts/NotoSerifCJK-Regular.otf", "EPUB/fonts/NotoNaskhArabic-Regular.ttf"} <= set(names)
    assert not any("Devanagari" in n for n in names)  # only the faces the book uses
    assert 'font-family: "Noto Serif CJK"' in css
    assert len(cjk) < 300_000  # cut to the book's characters, not the 9 MB face
    _assert_holds(cjk, STRINGS["Hanzi TC"] + STRINGS["Hangul"] + STRINGS["kana"])


def test_every_script_reads_back_from_the_web_edition(built):
    site = built / "html"
    import lxml.html

    text = squeeze(" ".join(lxml.html.fromstring(p.read_bytes()).text_content()
                            for p in site.glob("*.html") if p.name != "search.html"))
    assert [k for k, s in STRINGS.items() if squeeze(s) not in text] == []
    woff2 = site / "fonts" / "NotoSerifCJK-Regular.woff2"
    assert woff2.is_file() and woff2.stat().st_size < 200_000
    assert (site / "fonts" / "OFL-fallback.txt").is_file()
    css = (site / "style.css").read_text()
    assert 'src: url("fonts/NotoSerifCJK-Regular.woff2") format("woff2")' in css
    _assert_holds(woff2.read_bytes(), STRINGS["Hanzi SC"] + STRINGS["Hangul"])


def _assert_holds(data: bytes, text: str) -> None:
    import io

    from fontTools.ttLib import TTFont

    codes = TTFont(io.BytesIO(data))["cmap"].getBestCmap()
    assert [c for c in text if ord(c) not in codes] == []


def test_the_web_edition_renders_with_its_own_faces_and_isolates_hebrew(built, browser):
    with serve(built / "html") as base:
        page = browser.new_page()
        try:
            page.goto(base + "scripts.html")
            page.evaluate("document.fonts.ready")
            loaded = page.evaluate("[...document.fonts].filter(f => f.status == 'loaded').map(f => f.family)")
            assert {'"Noto Serif CJK"', '"Noto Naskh Arabic"'} <= {f if f.startswith('"') else f'"{f}"'
                                                                   for f in loaded}
            # The Hebrew word, the full stop after it, the note call: left to right on screen.
            places = page.evaluate("""() => {
                const p = [...document.querySelectorAll('article p')].find(p => p.textContent.startsWith('Hebrew'));
                const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
                let node;
                while ((node = walker.nextNode()) && !node.data.includes('שלום')) {}
                const at = node.data.indexOf('שלום');
                const word = document.createRange();
                word.setStart(node, at); word.setEnd(node, at + 4);
                let after = node, offset = at + 4;
                if (offset >= node.data.length) { while (!(after = walker.nextNode()).data.length) {} offset = 0; }
                const stop = document.createRange();
                stop.setStart(after, offset); stop.setEnd(after, offset + 1);
                const call = p.querySelector('sup.noteref');
                return {word: word.getBoundingClientRect().right, stopLeft: stop.getBoundingClientRect().left,
                        stop: stop.toString(), call: call.getBoundingClientRect().left,
                        stopRight: stop.getBoundingClientRect().right};
            }""")
        finally:
            page.close()
    assert places["stop"] == "."
    assert places["word"] <= places["stopLeft"] + 0.5
    assert places["stopRight"] <= places["call"] + 0.5


def test_the_pdf_keeps_the_full_stop_and_call_after_the_hebrew_word(built):
    with pdfplumber.open(built / f"{SLUG}.pdf") as document:
        page = next(p for p in document.pages if "Hebrew: the word" in (p.extract_text() or ""))
        chars = page.chars
    hebrew = [c for c in chars if "\u05d0" <= c["text"] <= "\u05ea" and c["size"] > 9]
    line = [c for c in chars if abs(c["bottom"] - hebrew[0]["bottom"]) < 5]  # the raised call too
    right = max(c["x1"] for c in hebrew)
    after = sorted((c for c in line if c["x0"] >= right - 0.1), key=lambda c: c["x0"])
    assert "".join(c["text"] for c in after if c["text"].isprintable()).replace(" ", "").startswith(".2Then")
    call = next(c for c in after if c["text"] == "2")
    assert call["size"] < after[0]["size"]  # the call is the raised, smaller 2


def test_justified_cjk_lines_spread_between_characters_not_at_spaces(built):
    """A mixed Chinese/English paragraph: lines flush to the measure, no gap between CJK
    characters and no space wider than a word space plus one (WeasyPrint alone justifies at
    spaces only: a line of Chinese stays short, a mixed line's spaces stretch)."""
    with pdfplumber.open(built / f"{SLUG}.pdf") as document:
        page = next(p for p in document.pages if "In the spring of 1950" in (p.extract_text() or ""))
        chars = [c for c in page.chars if 9 < c["size"] < 12 and c["top"] > 100]
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: c["bottom"]):
        if lines and abs(lines[-1][0]["bottom"] - char["bottom"]) < 3:
            lines[-1].append(char)
        else:
            lines.append([char])
    lines = [sorted(line, key=lambda c: c["x0"]) for line in lines if len(line) > 3]
    # From the paragraph's first line on (the chapter's opening, its number and title, is centred).
    lines = lines[next(i for i, line in enumerate(lines) if "".join(c["text"] for c in line).startswith("In the spring")):]
    body = [line for line in lines if any(CJK.match(c["text"]) for c in line)]
    assert len(body) >= 6
    word_space = next(c["width"] for line in lines for c in line if c["text"] == " ")
    measure = max(line[-1]["x1"] for line in lines)
    for line in lines[:-1]:  # the last line is not justified
        text = "".join(c["text"] for c in line)
        assert measure - line[-1]["x1"] < 1.0, f"line not flush to the measure: {text}"
        ink = [c for c in line if c["text"] != " "]
        for a, b in zip(ink, ink[1:]):
            gap = b["x0"] - a["x1"]
            if CJK.match(a["text"]) and CJK.match(b["text"]):
                assert gap <= word_space, f"{gap:.2f} pt between {a['text']}{b['text']} in {text}"
            else:
                assert gap <= 2 * word_space + 0.1, f"{gap:.2f} pt after {a['text']!r} in {text}"


def test_a_character_no_face_holds_stops_the_build_at_its_place(tmp_path):
    manuscript = copy_manuscript("scripts", tmp_path)
    chapter = manuscript / "chapters" / "01-scripts.md"
    lines = chapter.read_text("utf-8").splitlines()
    lines.insert(4, "A dragon 🐉 and a syllable &#x10000; here.")
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    notes = manuscript / "notes.yaml"
    notes.write_text(notes.read_text("utf-8") + 'dragon:\n  text: "An escaped \\U0001F409."\n', encoding="utf-8")
    second = manuscript / "chapters" / "02-mixed.md"
    second.write_text(second.read_text("utf-8").replace("title: A Mixed Paragraph", "title: A Mixed 🐉"), "utf-8")
    book = manuscript / "book.yaml"
    book.write_text(book.read_text("utf-8").replace("title: Scripts of the World", "title: Scripts 🐉"), "utf-8")
    out = tmp_path / "build"
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error[K001]" in line]
    assert any(e.startswith("manuscript/chapters/01-scripts.md:5:10: error[K001]: U+1F409 DRAGON") for e in errors), done.stderr
    assert any(e.startswith("manuscript/chapters/01-scripts.md:5:27: error[K001]: U+10000 LINEAR B SYLLABLE B008 A")
               for e in errors), done.stderr
    assert any(e.startswith("manuscript/book.yaml:1:16: error[K001]: U+1F409") for e in errors), done.stderr
    assert any(e.startswith("manuscript/notes.yaml:6:9: error[K001]: U+1F409") for e in errors), done.stderr
    assert any(e.startswith("manuscript/chapters/02-mixed.md:2:16: error[K001]: U+1F409") for e in errors), done.stderr
    assert len(errors) == 5, errors
    assert "pdf: typesetting" not in done.stdout + done.stderr  # nothing laid out
    assert not out.exists() or not any(out.glob("*.pdf"))


def test_check_fails_on_a_pdf_with_a_missing_glyph(tmp_path):
    import weasyprint

    font = fonts.face_path(fonts.Theme(), fonts.BOOK_FACE).as_uri()
    html = (f'<style>@font-face {{ font-family: Book; src: url("{font}"); }} body {{ font-family: Book; }}</style>'
            "<p>Linear B: \U00010000, and a dragon \U0001F409.</p>")
    pdf = tmp_path / "tofu.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    found = fonts.missing_glyphs(pdf)
    assert "\U00010000" in found and "\U0001F409" in found
    findings = missing_glyph_findings(pdf, read_pages(pdf, load_design(Theme())))
    assert any(f.text.startswith("U+10000 LINEAR B SYLLABLE B008 A") and f.pages == (1,) for f in findings)


def test_the_stylesheets_name_the_faces_in_one_order():
    from pressroom.theme import STYLES

    base = (STYLES / "base.css").read_text()
    assert fonts.STACK in base
    faces = (STYLES / "fallback-fonts.css").read_text()
    for face in fonts.FALLBACKS:
        assert f'font-family: "{face.family}"; src: url("{face.file}")' in faces
        assert (STYLES / face.file).is_file()


def test_bidi_isolates_rtl_runs_and_tags_rtl_spans():
    from pressroom.bidi import isolate

    html = '<p>The word שלום.<!--pressroom-note:3--> And <span lang="ar">سلام</span>, then <em>x</em>.</p>'
    assert isolate(html) == ('<p>The word <bdi>שלום</bdi>.<!--pressroom-note:3--> And '
                             '<span lang="ar" dir="rtl">سلام</span>, then <em>x</em>.</p>')
    assert isolate("<p>Plain.</p>") == "<p>Plain.</p>"


def test_the_generated_cover_draws_each_script_in_a_face_that_holds_it():
    from pressroom.cover import _Face

    runs = _Face("LinLibertine_RI.otf", 60).runs("Scripts 世界的文字 · 세계의 문자 مرحبا")
    for piece, font in runs:
        codes = fonts.cmap(Path(font.path))
        assert [c for c in piece if not c.isspace() and ord(c) not in codes] == [], (piece, font.path)
    assert {Path(font.path).name for _, font in runs} == {
        "LinLibertine_RI.otf", "NotoSerifCJK-Regular.subset.otf", "NotoNaskhArabic-Regular.ttf"}


def test_the_two_and_three_em_dashes_are_held_and_drawn(tmp_path):
    # Standard Ebooks write "Mr. ⸻" (U+2E3B); no Noto face holds it, so a face drawn from
    # Libertine's em dash does: the build accepts it and the PDF draws a glyph, no .notdef
    import weasyprint

    coverage = fonts.Coverage.of(Theme())
    assert coverage.missing("Mr. \u2e3b and \u2e3a.") == []
    assert coverage.face("\u2e3b").family == "Pressroom Dashes"
    pdf = tmp_path / "dashes.pdf"
    book = fonts.face_path(Theme(), fonts.BOOK_FACE).as_uri()
    css = f'@font-face {{ font-family: "Libertine"; src: url("{book}"); }} {fonts.font_face_css(Theme())}'
    weasyprint.HTML(string=f"<style>{css} body {{ font-family: {fonts.STACK}; }}</style>"
                    "<p>Mr. \u2e3b and \u2e3a.</p>").write_pdf(pdf)
    assert fonts.missing_glyphs(pdf) == {}
