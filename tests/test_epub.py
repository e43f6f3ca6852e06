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

from conftest import copy_manuscript, run_cli
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
        [heading] = target.xpath(f"//*[@id='{anchor}']/x:h1", namespaces=NS)
        assert heading.text == a.text
    spine = opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)
    assert len(spine) == 3  # the title page, then the two chapters in order


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
