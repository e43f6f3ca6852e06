"""`build.py proof`: build/proof/index.html shows every page of each PDF in spreads, marks the
pages `check` flags, links each page to a large image, and loads cleanly in Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import html as lxml_html
from PIL import Image
from pypdf import PdfReader

from browser import Watched, serve
from conftest import FIXTURES, run_cli

CHECK = FIXTURES / "check"
EDITIONS = ("limits-of-influence", "limits-of-influence-print")


@pytest.fixture(scope="module")
def sample_proof(sample_build: Path, tmp_path_factory) -> Path:
    """The proof of the sample book, drawn from a copy of `make`'s build (left untouched)."""
    base = tmp_path_factory.mktemp("proof")
    out = base / "build"
    shutil.copytree(sample_build, out)
    done = run_cli("proof", "--manuscript", str(sample_build.parent / "manuscript"), "--out", str(out), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    # Two PDFs of 17 pages: the sample's bibliography is the 17th.
    assert done.stdout.splitlines()[-1] == f"proof: wrote {out / 'proof' / 'index.html'} (34 pages, 0 flagged)"
    return out / "proof"


@pytest.fixture(scope="module")
def flagged_proof(tmp_path_factory) -> Path:
    """The proof of the fixture book whose first note is printed a page after its call."""
    import weasyprint

    base = tmp_path_factory.mktemp("flagged")
    out = base / "build"
    (out / "proof").mkdir(parents=True)
    (out / "proof" / "stale.png").write_bytes(b"from an earlier proof")
    weasyprint.HTML(CHECK / "note-next-page.html").write_pdf(out / "proof-marks.pdf")
    done = run_cli("proof", "--manuscript", str(CHECK / "book"), "--out", str(out), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"proof: wrote {out / 'proof' / 'index.html'} (5 pages, 2 flagged)"
    return out / "proof"


def parse(proof: Path):
    return lxml_html.fromstring((proof / "index.html").read_text("utf-8"))


def spreads_of(section) -> list[tuple[int | None, int | None]]:
    """Each spread's (left, right) page numbers, None for an empty place."""
    def number(slot) -> int | None:
        return None if "empty" in slot.get("class") else int(slot.get("id").rsplit("-p", 1)[1])
    return [tuple(number(slot) for slot in spread) for spread in section.xpath(".//div[@class='spread']")]


def test_every_page_of_each_pdf_is_a_thumbnail_in_book_order_spreads(sample_proof: Path, sample_build: Path):
    doc = parse(sample_proof)
    for edition in EDITIONS:
        pages = len(PdfReader(sample_build / f"{edition}.pdf").pages)
        section = doc.get_element_by_id(edition)
        assert len(section.xpath(".//figure[contains(@class, 'page')]")) == pages == 17
        expected = [(None, 1)] + [(n, n + 1 if n < pages else None) for n in range(2, pages + 1, 2)]
        assert spreads_of(section) == expected
        sides = {int(f.get("id").rsplit("-p", 1)[1]): f.get("class").split()[1]
                 for f in section.xpath(".//figure")}
        assert all(side == ("recto" if n % 2 else "verso") for n, side in sides.items())


def test_every_file_the_proof_references_exists_thumbnails_and_large_pages(sample_proof: Path):
    doc = parse(sample_proof)
    figures = doc.xpath("//figure[contains(@class, 'page')]")
    for figure in figures:
        thumb = sample_proof / figure.xpath(".//img/@src")[0]
        view = sample_proof / figure.xpath(".//a/@href")[0]
        large = view.parent / lxml_html.fromstring(view.read_text("utf-8")).xpath("//img/@src")[0]
        with Image.open(thumb) as small, Image.open(large) as big:
            assert small.format == big.format == "PNG"
            assert small.width == 2 * int(figure.xpath(".//img/@width")[0])
            assert big.width > small.width
    assert len({f.xpath(".//a/@href")[0] for f in figures}) == 34  # two PDFs of 17 pages
    assert not doc.xpath("//figure[contains(@class, 'flagged')]")
    assert not doc.xpath("//*[contains(@class, 'flag')]")


def test_pages_check_flags_are_outlined_labelled_and_listed(flagged_proof: Path):
    doc = parse(flagged_proof)
    flagged = doc.xpath("//figure[contains(@class, 'flagged')]")
    assert [f.get("id") for f in flagged] == ["proof-marks-p3", "proof-marks-p4"]
    for figure in flagged:
        assert figure.xpath(".//span[@class='flag']/text()") == ["note off its page"]
        assert figure.get("title") == "note 1 in “First Chapter”: called on page 3, printed on page 4"
    assert [li.text_content() for li in doc.xpath("//ul[@class='problems']/li")] == [
        "note 1 in “First Chapter”: called on page 3, printed on page 4 p.\xa03 p.\xa04"]
    assert doc.xpath("//ul[@class='problems']//a/@href") == ["#proof-marks-p3", "#proof-marks-p4"]
    assert not (flagged_proof / "stale.png").exists()  # the proof folder is replaced whole
    view = lxml_html.fromstring((flagged_proof / "proof-marks" / "page-0004.html").read_text("utf-8"))
    assert view.xpath("//ul[contains(@class, 'problems')]/li/text()") == [
        "note 1 in “First Chapter”: called on page 3, printed on page 4"]
    assert view.xpath("//nav//a/@href") == ["../index.html#proof-marks-p4", "page-0003.html", "page-0005.html"]


def test_proof_needs_a_built_pdf(tmp_path: Path):
    (tmp_path / "build").mkdir()
    done = run_cli("proof", "--manuscript", str(CHECK / "book"), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 1
    assert "build: error[Q000]: no PDF is built yet: run `make` first (`make proof` does)" in done.stderr.splitlines()
    assert not (tmp_path / "build" / "proof").exists()


@pytest.fixture(scope="module")
def proof_view(browser, sample_proof: Path):
    with serve(sample_proof) as base:
        view = Watched(browser, base, viewport={"width": 1280, "height": 900})
        yield view
        view.close()


def test_the_proof_loads_in_chromium_with_every_image_and_no_error(proof_view):
    page = proof_view.open("index.html")
    images = page.locator("img")
    assert images.count() == 34 + 12  # the PDFs's pages, then the EPUB's 4 and the web edition's 8 screenshots
    # Thumbnails load lazily, as the reader scrolls; here every one is asked for at once.
    page.evaluate("() => Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode(); }))")
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.locator("#limits-of-influence-p7 a").click()
    assert page.url.endswith("limits-of-influence/page-0007.html")
    page.locator("img.large").evaluate("image => image.decode()")
    assert page.locator("img.large").evaluate("image => image.naturalWidth") > 600
    page.locator("a[rel=next]").click()
    assert page.url.endswith("limits-of-influence/page-0008.html")
    page.locator("text=All pages").click()
    assert page.url.endswith("index.html#limits-of-influence-p8")
    assert proof_view.problems == []
