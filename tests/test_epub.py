"""The EPUB 3 of the mini book, built by the real CLI and read back with EPUBCheck, zipfile and lxml."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree

from conftest import copy_manuscript, editions_in, run_cli
from pressroom.editions.epub import identifier
from pressroom.manuscript.load import load_book
from pressroom.messages import Report
from pressroom.tools import git
from pressroom.tools.epubcheck import check_epub

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
EPOCH = "2023-11-14T22:13:20Z"  # conftest.run_cli sets SOURCE_DATE_EPOCH=1700000000
NOTES = {1: "A note about the dark, from notes.yaml.", 2: "Defined inline, in the chapter itself.",
         3: "A note about the light."}


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """The mini book's EPUB built twice, from two copies in two folders."""
    paths = []
    for name in ("first", "second"):
        base = tmp_path_factory.mktemp(name)
        manuscript = copy_manuscript("mini", base)
        done = run_cli("build", "epub", "--manuscript", str(manuscript), "--out", str(base / "build"), cwd=base)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 chapters, 3 notes" in done.stdout
        paths.append(base / "build" / "small-book.epub")
    return paths[0], paths[1]


@pytest.fixture(scope="module")
def epub(builds) -> Path:
    return builds[0]


@pytest.fixture(scope="module")
def package(epub: Path) -> dict:
    """Every XML file of the EPUB parsed, by its path inside the zip, plus the OPF's path."""
    with zipfile.ZipFile(epub) as archive:
        names = archive.namelist()
        parsed = {n: etree.fromstring(archive.read(n)) for n in names if n.endswith((".xhtml", ".opf", ".xml", ".ncx"))}
    container = parsed["META-INF/container.xml"]
    opf = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
    return {"names": names, "xml": parsed, "opf": opf}


def test_epubcheck_reports_no_error_and_no_warning(epub: Path):
    messages = check_epub(epub)
    serious = [str(m) for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")]
    assert serious == []


def test_epubcheck_wrapper_reports_what_epubcheck_finds(epub: Path, tmp_path: Path):
    """The clean report above means something: a broken copy yields structured errors."""
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("ch002.xhtml"):
                data = data.replace(b'href="#note-2"', b'href="#nowhere"')
            target.writestr(info, data)
    messages = check_epub(broken)
    errors = [m for m in messages if m.severity == "ERROR"]
    assert errors, messages
    assert all(m.id and m.message for m in errors)
    assert any("ch002.xhtml" in m.location for m in errors), errors


def test_mimetype_comes_first_and_stored(epub: Path):
    with zipfile.ZipFile(epub) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read(first) == b"application/epub+zip"


def test_notes_are_semantic_and_linked_both_ways(package: dict):
    found = {}
    for name, root in package["xml"].items():
        if not name.endswith(".xhtml"):
            continue
        for call in root.xpath("//x:a[@role='doc-noteref']", namespaces=NS):
            number = int(call.get("id").removeprefix("call-"))  # unique through the book
            label = int(call.text)  # the number printed: per chapter
            assert call.get(EPUB_TYPE) == "noteref"
            assert call.getparent().tag == f"{{{NS['x']}}}sup"
            href = call.get("href")
            assert href == f"#note-{number}", href  # the note is in the call's own file
            [note] = root.xpath(f"//*[@id='note-{number}']")
            assert note.tag == f"{{{NS['x']}}}aside"
            assert note.get(EPUB_TYPE) == "footnote"
            assert note.get("role") == "doc-footnote"
            assert note.getparent().get(EPUB_TYPE) == "footnotes"
            [back] = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
            assert back.get("href") == f"#call-{number}"
            text = " ".join("".join(note.itertext()).split())
            found[number] = (PurePosixPath(name).name, label, text)
    # Ids run through the book; the printed numbers restart in each chapter, as in the PDF.
    assert sorted(found) == [1, 2, 3]
    assert found[1][0] != found[2][0] == found[3][0]
    assert [found[n][1] for n in (1, 2, 3)] == [1, 1, 2]
    for number, expected in NOTES.items():
        assert found[number][2] == f"{found[number][1]}. {expected}"


def test_nav_lists_the_chapters_and_their_anchors_exist(package: dict):
    opf = package["xml"][package["opf"]]
    base = PurePosixPath(package["opf"]).parent
    nav_href = opf.xpath("//opf:item[contains(@properties, 'nav')]/@href", namespaces=NS)[0]
    nav_path = base / nav_href
    nav = package["xml"][str(nav_path)]
    links = nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    assert [a.text for a in links] == ["The First Chapter", "The Second Chapter"]
    for a, chapter_id in zip(links, ("one", "two")):
        file, _, anchor = a.get("href").partition("#")
        assert anchor == f"chapter-{chapter_id}"
        target = package["xml"][str(nav_path.parent / file)]
        [heading] = target.xpath(f"//*[@id='{anchor}']//x:h1", namespaces=NS)
        assert heading.text == a.text
    spine = opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)
    assert spine == ["cover", "title", "nav", "ch001", "ch002", "colophon"]  # cover, title, contents, chapters, colophon


def test_package_metadata(package: dict):
    opf = package["xml"][package["opf"]]
    meta = opf.find("opf:metadata", NS)
    assert meta.findtext("dc:title", namespaces=NS) == "A Small Book"
    assert meta.findtext("dc:language", namespaces=NS) == "en-GB"
    assert meta.findtext("dc:creator", namespaces=NS) == "Ada Writer"
    assert meta.findtext("dc:rights", namespaces=NS) == "© 2026 Ada Writer. All rights reserved."
    unique = opf.get("unique-identifier")
    [ident] = meta.xpath(f"dc:identifier[@id='{unique}']", namespaces=NS)
    assert ident.text == "urn:isbn:9780000000002"
    assert meta.xpath("opf:meta[@property='dcterms:modified']/text()", namespaces=NS) == [EPOCH]


def test_every_zip_entry_carries_the_source_date(epub: Path):
    with zipfile.ZipFile(epub) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_two_builds_are_byte_identical(builds):
    first, second = builds
    assert first.read_bytes() == second.read_bytes()


def test_identifier_without_isbn_is_a_uuid_fixed_by_the_slug(tmp_path: Path):
    book = load_book(copy_manuscript("mini", tmp_path), Report())
    edition = replace(book.edition("epub"), isbn=None)
    first = identifier(book, edition)
    assert first.startswith("urn:uuid:")
    assert uuid.UUID(first.removeprefix("urn:uuid:")).version == 5
    assert identifier(book, edition) == first
    assert identifier(replace(book, slug="another-book"), edition) != first


def test_source_date_epoch_falls_back_to_the_last_commit_then_zero(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    manuscript = copy_manuscript("mini", tmp_path)
    assert git.source_date_epoch(manuscript) == 0  # not in a repository: never the clock
    assert shutil.which("git"), "git not found: sudo apt-get install -y git"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "@1600000000 +0000",
           "GIT_COMMITTER_DATE": "@1600000000 +0000", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "manuscript"]):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)
    assert git.source_date_epoch(manuscript) == 1600000000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234")
    assert git.source_date_epoch(manuscript) == 1234


# ---------------------------------------------------------------------------------------------
# Accessibility: metadata, landmarks, alt text, the cover, the fonts.
# ---------------------------------------------------------------------------------------------

def _meta(opf, prop: str) -> list[str]:
    return opf.xpath(f"//opf:metadata/opf:meta[@property='{prop}']/text()", namespaces=NS)


def test_accessibility_metadata_follows_epub_accessibility_1_1(package: dict):
    opf = package["xml"][package["opf"]]
    assert _meta(opf, "schema:accessMode") == ["textual"]
    assert _meta(opf, "schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "pageBreakMarkers",
            "pageNavigation"} <= set(_meta(opf, "schema:accessibilityFeature"))
    assert _meta(opf, "schema:accessibilityHazard") == ["none"]
    assert len(_meta(opf, "schema:accessibilitySummary")[0]) > 100
    assert _meta(opf, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert _meta(opf, "a11y:certifiedBy")
    # The mini book's reader's PDF has no ISBN: the page source is that edition's fixed uuid.
    assert _meta(opf, "pageBreakSource")[0].startswith("urn:uuid:")


def test_landmarks_cover_and_title_page(package: dict):
    opf = package["xml"][package["opf"]]
    nav = package["xml"]["EPUB/nav.xhtml"]
    landmarks = {a.get(EPUB_TYPE): a.get("href") for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a",
                                                                     namespaces=NS)}
    assert landmarks == {"cover": "text/cover.xhtml", "titlepage": "text/title_page.xhtml", "toc": "nav.xhtml#toc",
                         "bodymatter": "text/ch001.xhtml#chapter-one"}
    [cover_item] = opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
    assert cover_item.get("href") == "images/cover.png"
    # The cover image in an SVG box scaled to the page (no blank page after it), its alt text the SVG's title.
    svg = "{http://www.w3.org/2000/svg}"
    [image] = package["xml"]["EPUB/text/cover.xhtml"].iter(f"{svg}image")
    assert image.get("{http://www.w3.org/1999/xlink}href") == "../images/cover.png"
    [box] = package["xml"]["EPUB/text/cover.xhtml"].iter(f"{svg}svg")
    assert box.get("viewBox") == "0 0 1600 2400" and box.get("role") == "img"
    assert box.findtext(f"{svg}title") == "Cover: A Small Book: For Testing, by Ada Writer."
    title = package["xml"]["EPUB/text/title_page.xhtml"]
    assert title.xpath("string(//x:h1)", namespaces=NS) == "A Small Book"
    assert "ISBN 978-0-00-000000-2" in "".join(title.itertext())


def test_the_generated_cover_is_a_store_sized_png(epub: Path):
    from PIL import Image

    with zipfile.ZipFile(epub) as archive:
        image = Image.open(__import__("io").BytesIO(archive.read("EPUB/images/cover.png")))
    assert image.size == (1600, 2400)


def test_a_cover_in_the_manuscript_is_used_as_it_is(tmp_path: Path):
    from PIL import Image

    manuscript = copy_manuscript("mini", tmp_path)
    (manuscript / "images").mkdir()
    Image.new("RGB", (600, 900), (10, 80, 40)).save(manuscript / "images" / "cover.png")
    done = run_cli("build", "epub", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "build" / "small-book.epub") as archive:
        assert archive.read("EPUB/images/cover.png") == (manuscript / "images" / "cover.png").read_bytes()


def test_fonts_are_subsets_holding_every_character_of_the_text(epub: Path):
    from fontTools.ttLib import TTFont
    import io

    with zipfile.ZipFile(epub) as archive:
        text = "".join("".join(etree.fromstring(archive.read(n)).itertext())
                       for n in archive.namelist() if n.endswith(".xhtml"))
        fonts = {n: archive.read(n) for n in archive.namelist() if n.endswith(".otf")}
    # The regular face always; the others only if some text is set in them (test_lean.py).
    assert "EPUB/fonts/LinLibertine_R.otf" in fonts and len(fonts) <= 4
    root = Path(__file__).resolve().parent.parent / "pressroom" / "styles" / "fonts"
    for name, data in fonts.items():
        assert len(data) < (root / PurePosixPath(name).name).stat().st_size / 4, name
        cmap = TTFont(io.BytesIO(data)).getBestCmap()
        missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not missing, f"{name} lacks {sorted(missing)}"


def test_an_image_without_alt_text_is_a_manuscript_error_at_its_place(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    (manuscript / "images").mkdir()
    (manuscript / "images" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n')
    chapter = manuscript / "chapters" / "02-two.md"
    chapter.write_text(chapter.read_text("utf-8").replace("More text.", "More text.\n\nSee  ![](images/map.svg)"),
                       "utf-8")
    out = tmp_path / "build"
    for kind in ("epub", "html"):
        done = run_cli("build", kind, "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
        assert done.returncode == 1
        assert ("manuscript/chapters/02-two.md:10:6: error[H003]: image 'images/map.svg' has no alt text"
                in done.stderr), done.stderr
        assert "Traceback" not in done.stderr
    assert editions_in(out) == []


def test_page_breaks_of_the_reader_pdf_name_its_isbn(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    book_yaml = manuscript / "book.yaml"
    book_yaml.write_text(book_yaml.read_text("utf-8").replace("  - kind: pdf\n",
                                                              "  - kind: pdf\n    isbn: 978-0-00-000001-9\n"), "utf-8")
    out = tmp_path / "build"
    done = run_cli("build", "pdf", "epub", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out / "small-book.epub") as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
        pages = {n: etree.fromstring(archive.read(n)) for n in archive.namelist() if n.startswith("EPUB/text/ch")}
    assert _meta(opf, "pageBreakSource") == ["urn:isbn:9780000000019"]
    assert opf.xpath("//dc:source/text()", namespaces=NS) == ["urn:isbn:9780000000019"]
    links = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [a.text for a in links] == ["1", "2", "3"]  # chapter one, its blank verso, chapter two
    for a in links:
        file, _, anchor = a.get("href").partition("#")
        [marker] = pages[f"EPUB/{file}"].xpath(f"//*[@id='{anchor}']")
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == a.text



def test_the_generated_cover_is_kept_in_the_build_cache(epub: Path):
    """Drawn once, then kept (tests/unit/test_cover_cache.py: by what it shows)."""
    with zipfile.ZipFile(epub) as archive:
        cover = archive.read("EPUB/images/cover.png")
    kept = list((epub.parent / ".cache" / "covers").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes().endswith(cover)
