"""Lean editions: one font program per face in the merged PDF, only the faces the EPUB uses,
WOFF2 subsets on the web, the same bytes from the same sources."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pikepdf
import pdfplumber
import pypdfium2
import pytest

from conftest import ROOT, copy_manuscript, run_cli, with_editions
from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.theme import Theme
from pressroom.tools import pdffonts

BOOK = load_book(ROOT / "manuscript", Report())
LIBERTINE = Theme().style("fonts/LinLibertine_R.otf")
ITALIC = Theme().style("fonts/LinLibertine_RI.otf")


def programs_per_face(path: Path) -> dict[str, int]:
    """Each face (subset tag dropped) → how many distinct font programs the PDF embeds for it."""
    found: dict[str, set] = {}
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        face = str(obj.FontName).split("+", 1)[-1]
                        found.setdefault(face, set()).add(obj[key].objgen)
    return {face: len(programs) for face, programs in found.items()}


def texts(path: Path) -> tuple[list[str], list[str]]:
    """Every page's text as pdfplumber and as PDFium (what copy-paste gives) read it."""
    with pdfplumber.open(path) as pdf:
        plumber = [page.extract_text() for page in pdf.pages]
    document = pypdfium2.PdfDocument(str(path))
    try:
        pdfium = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    return plumber, pdfium


def two_part_pdf(tmp_path: Path) -> Path:
    """Two documents laid out apart by WeasyPrint (each with its own subsets), pages joined."""
    import weasyprint

    css = (f'@font-face {{ font-family: "Libertine"; src: url("{LIBERTINE.as_uri()}"); }}'
           f'@font-face {{ font-family: "Libertine"; src: url("{ITALIC.as_uri()}"); font-style: italic; }}'
           'body { font: 11pt "Libertine"; }')
    texts_ = ["<p>The delegation reached Pyongyang in <em>spring</em>; its records, fifty pages.</p>",
              "<p>Quite different words: jovial zebras, “quoted” — and fiﬂ ligatures, <em>very</em> much.</p>"]
    joined = pikepdf.new()
    opened = []
    for index, body in enumerate(texts_):
        part = tmp_path / f"part{index}.pdf"
        weasyprint.HTML(string=f"<style>{css}</style>{body}").write_pdf(part)
        source = pikepdf.open(part)
        opened.append(source)
        joined.pages.extend(source.pages)
    target = tmp_path / "joined.pdf"
    joined.save(target)
    for pdf in opened:
        pdf.close()
    return target


def test_faces_merged_into_one_program_text_unchanged(tmp_path: Path):
    before = two_part_pdf(tmp_path)
    assert max(programs_per_face(before).values()) == 2  # each part carries its own subset
    after = tmp_path / "merged.pdf"
    with pikepdf.open(before) as pdf:
        assert pdffonts.merge_faces(pdf, [LIBERTINE, ITALIC]) == 2
        pdf.save(after)
    assert set(programs_per_face(after).values()) == {1}
    assert texts(after) == texts(before)
    assert after.stat().st_size < before.stat().st_size


def test_a_face_whose_file_is_unknown_is_left_alone(tmp_path: Path):
    before = two_part_pdf(tmp_path)
    with pikepdf.open(before) as pdf:
        assert pdffonts.merge_faces(pdf, [Theme().style("fonts/LinLibertine_RB.otf")]) == 0


def test_the_sample_pdf_embeds_one_program_per_face(sample_build: Path):
    counts = programs_per_face(sample_build / f"{BOOK.slug}.pdf")
    assert counts and set(counts.values()) == {1}, counts


def test_the_merged_pdf_reads_as_the_single_flow_and_is_reproducible(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    outs = [tmp_path / "one", tmp_path / "two", tmp_path / "flow"]
    for out in outs[:2]:
        done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(out))
        assert done.returncode == 0, done.stdout + done.stderr
    done = run_cli("build", "pdf", "--single-flow", "--manuscript", str(manuscript), "--out", str(outs[2]))
    assert done.returncode == 0, done.stdout + done.stderr
    slug = load_book(manuscript, Report()).slug
    one, two, flow = (out / f"{slug}.pdf" for out in outs)
    assert one.read_bytes() == two.read_bytes()
    assert set(programs_per_face(one).values()) == {1}
    assert texts(one) == texts(flow)


FONT_FACE = re.compile(r'@font-face\s*\{[^}]*font-family:\s*"([^"]+)";[^}]*url\("\.\./(fonts/[^"]+)"\)')


def test_the_epub_holds_no_unused_face_and_each_face_is_named_as_its_css_names_it(sample_build: Path):
    from fontTools.ttLib import TTFont

    with zipfile.ZipFile(sample_build / f"{BOOK.slug}.epub") as epub:
        names = epub.namelist()
        css = epub.read("EPUB/styles/book.css").decode()
        pages = "".join(epub.read(n).decode() for n in names if n.endswith(".xhtml"))
        embedded = {n.removeprefix("EPUB/") for n in names if n.startswith("EPUB/fonts/")}
        declared = dict((path, family) for family, path in FONT_FACE.findall(css))
        assert embedded == set(declared), (embedded, declared)
        # The sample sets no text in bold: neither bold face is shipped, nor declared.
        assert not re.search(r"<(strong|b|th)\b", pages)
        assert not {"fonts/LinLibertine_RB.otf", "fonts/LinLibertine_RBI.otf"} & embedded
        assert {"fonts/LinLibertine_R.otf", "fonts/LinLibertine_RI.otf"} <= embedded
        for path, family in declared.items():
            font = TTFont(io.BytesIO(epub.read(f"EPUB/{path}")), lazy=True)
            assert font["name"].getDebugName(1) == family, path


def test_faces_used_follow_the_stylesheet():
    from pressroom.usedfaces import faces_used

    css = "h1 { font-weight: normal } .label { font-weight: bold } .quiet em { font-style: normal }"
    page = ('<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Title</h1><p>plain <em>it</em> '
            '<span class="label">B</span> <strong><em>X</em></strong></p><p class="quiet"><em>q</em></p></body></html>')
    used = faces_used([page], css)
    assert set(used) == {(False, False), (False, True), (True, False), (True, True)}
    assert "T" in used[(False, False)] and "q" in used[(False, False)]
    assert used[(True, False)] == "B" and used[(True, True)] == "X" and used[(False, True)] == "it"


def test_the_web_edition_serves_woff2_subsets_swapped_and_preloaded(sample_build: Path):
    site = sample_build / "html"
    css = (site / "style.css").read_text(encoding="utf-8")
    rules = re.findall(r"@font-face\s*\{[^}]*\}", css)
    sources = [re.search(r'url\("([^"]+)"\)', rule).group(1) for rule in rules if "url(" in rule]
    assert sources and all(source.endswith(".woff2") for source in sources), sources
    assert all("font-display: swap" in rule for rule in rules if "url(" in rule)
    assert not list((site / "fonts").glob("*.otf"))  # no whole face is shipped
    for source in sources:
        data = (site / source).read_bytes()
        assert data[:4] == b"wOF2", source
    # The layout-shift guard: a local face scaled to Libertine's width, right after it in the stack.
    assert re.search(r'font-family: "Libertine fallback"; src: local\([^;]+; size-adjust: [\d.]+%', css)
    assert css.rstrip().endswith('html { font-family: "Libertine", "Libertine fallback", "Noto Serif CJK", '
                                 + fonts_stack_tail() + "; }")
    chapter = (site / f"{BOOK.chapters[1].id}.html").read_text(encoding="utf-8")
    preload = re.search(r'<link rel="preload" href="([^"]+)" as="font" type="font/woff2" crossorigin>', chapter)
    assert preload and preload.group(1) in sources


def fonts_stack_tail() -> str:
    from pressroom import fonts

    return fonts.STACK.split('"Noto Serif CJK", ', 1)[1]


def test_an_edition_whose_inputs_are_unchanged_is_kept_only_while_it_is_the_one_written(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    out = tmp_path / "out"
    args = ("build", "pdf", "--manuscript", str(manuscript), "--out", str(out))
    first = run_cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    pdf = next(out.glob("*.pdf"))
    written = pdf.read_bytes()
    again = run_cli(*args)
    assert again.returncode == 0 and "pdf: unchanged since it was written" in again.stdout, again.stdout
    assert pdf.read_bytes() == written
    pdf.write_bytes(written[:-10])  # an edition changed by hand is not the cached one: built again
    repaired = run_cli(*args)
    assert "unchanged" not in repaired.stdout and pdf.read_bytes() == written, repaired.stdout
    chapter = sorted((manuscript / "chapters").glob("*.md"))[0]
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    edited = run_cli(*args)
    assert edited.returncode == 0 and "unchanged" not in edited.stdout and pdf.read_bytes() != written


def test_a_kept_print_edition_keeps_its_cover_too(tmp_path: Path):
    """The printer's cover is written with its interior (not an edition of its own): a kept
    print edition, and a whole no-op build, still name it in the stamp, and a cover gone or
    changed means the edition is built again."""
    manuscript = copy_manuscript("mini", tmp_path)
    with_editions(manuscript, "editions:\n  - kind: print\n")
    out, stamp = tmp_path / "out", tmp_path / "stamp"
    args = ("build", "print", "--manuscript", str(manuscript), "--out", str(out), "--stamp", str(stamp))
    first = run_cli(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    covers = list(out.glob("*-cover.pdf"))
    assert len(covers) == 1 and str(covers[0]) in stamp.read_text().splitlines()
    cover = covers[0].read_bytes()
    again = run_cli(*args)
    assert "nothing changed" in again.stdout, again.stdout
    assert str(covers[0]) in stamp.read_text().splitlines()
    covers[0].unlink()
    rebuilt = run_cli(*args)
    assert rebuilt.returncode == 0 and "nothing changed" not in rebuilt.stdout, rebuilt.stdout
    assert "print: unchanged" not in rebuilt.stdout and covers[0].read_bytes() == cover


def test_the_host_files_an_edition_reads_are_among_the_kept_inputs():
    from pressroom import kept
    from pressroom.editions.pdf import SYSTEM_CMYK

    # Installing Ghostscript's CMYK profile makes the printer's PDF PDF/X: a kept one is then stale.
    assert SYSTEM_CMYK in kept.SYSTEM_FILES


# Characters only a table's caption and a note set (Hangul, Arabic), and the epigraph source's
# generated thin space: each must be in the shipped subset of the face that draws it.
CAPTION_ONLY, NOTE_ONLY = "밥상 كتاب", "한글날 قلم"
FACE_RULE = re.compile(r"@font-face\s*\{([^}]*)\}")


def shipped_faces(css: str, folder: Path) -> list[tuple[str, set[int], set[int]]]:
    """Each @font-face of `css` that names a file in `folder`: family, its unicode-range (empty:
    every character), the code points its file maps."""
    from fontTools.ttLib import TTFont

    faces = []
    for body in FACE_RULE.findall(css):
        source = re.search(r'url\("([^"]+)"\)', body)
        if not source:
            continue
        ranges: set[int] = set()
        found = re.search(r"unicode-range:\s*([^;]+);", body)
        for item in (found.group(1).split(",") if found else ()):
            low, _, high = item.strip().removeprefix("U+").partition("-")
            ranges.update(range(int(low, 16), int(high or low, 16) + 1))
        font = TTFont(io.BytesIO((folder / source.group(1)).read_bytes()), lazy=True)
        faces.append((re.search(r'font-family:\s*"([^"]+)"', body).group(1), ranges, set(font.getBestCmap())))
    return faces


def uncovered(text: str, faces) -> list[str]:
    """The characters of `text` a bundled face holds that no shipped face both covers and holds."""
    from pressroom import fonts

    coverage = fonts.Coverage.of(Theme())
    return [c for c in dict.fromkeys(text) if not c.isspace() or c == "\u2009"
            if coverage.face(c) is not None
            and not any((not ranges or ord(c) in ranges) and ord(c) in held for _, ranges, held in faces)]


def test_a_script_only_a_caption_or_a_note_sets_is_in_the_web_and_epub_subsets(tmp_path: Path):
    from lxml import html as lxml_html

    manuscript = copy_manuscript("scripts", tmp_path)
    chapter = manuscript / "chapters" / "02-mixed.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\nThe table of words.[^pen]\n\n"
                       "| Word | Meaning |\n|------|---------|\n| a | b |\n\n"
                       f"Table: Words for {CAPTION_ONLY} {{#tbl:words}}\n", encoding="utf-8")
    notes = manuscript / "notes.yaml"
    notes.write_text(notes.read_text(encoding="utf-8") + f'pen:\n  text: "A note: {NOTE_ONLY}."\n', encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("build", "epub", "html", "--manuscript", str(manuscript), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr

    site = out / "html"
    pages = "".join(lxml_html.fromstring(p.read_bytes()).text_content() for p in site.glob("*.html"))
    assert CAPTION_ONLY in pages and NOTE_ONLY in pages
    faces = shipped_faces((site / "style.css").read_text(encoding="utf-8"), site)
    assert uncovered(CAPTION_ONLY + NOTE_ONLY + "\u2009", faces) == []
    assert uncovered(pages, faces) == []

    with zipfile.ZipFile(out / "scripts-book.epub") as epub:
        folder = tmp_path / "epub"
        epub.extractall(folder)
    styles = folder / "EPUB" / "styles"
    text = "".join(lxml_html.fromstring(p.read_bytes()).text_content() for p in (folder / "EPUB").rglob("*.xhtml"))
    assert CAPTION_ONLY in text and NOTE_ONLY in text
    faces = shipped_faces((styles / "book.css").read_text(encoding="utf-8"), styles)
    assert uncovered(CAPTION_ONLY + NOTE_ONLY + "\u2009", faces) == []
    assert uncovered(text, faces) == []
