"""Ready for the printer and the distributor: ISBNs checked, the barcode read back as a scanner
reads it, the cover's spine and page boxes measured, the interior's PDF/X read back, and onix.xml
validated against EDItEUR's ONIX 3.0 schema (tests/onix/), all from a real `build.py dist`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pikepdf
import pypdfium2
import pytest
import zxingcpp
from lxml import etree

from conftest import ROOT, copy_manuscript, run_cli, with_editions

PT_PER_IN = 72
MM = PT_PER_IN / 25.4
PPI = 20  # a thick stock, so the mini book's spine is wide enough to letter
RELEASE = "small-book-1.0"
ONIX_NS = {"o": "http://ns.editeur.org/onix/3.0/reference"}
PRINTER_YAML = """editions:
  - kind: pdf
  - kind: print
    isbn: 978-0-00-000000-2
    price: [24.95 USD, 19.99 GBP]
    paper: 20ppi
  - kind: epub
    isbn: 978-0-306-40615-7
publisher: Pressroom Test Press
description: "A small book for testing the printer's cover: what it holds, and why a reader would want it."
subjects: [bisac POL011000, thema JPSF, keywords China; North Korea]
territories: [GB, US]
"""


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_AUTHOR_DATE": "2024-03-01T12:00:00+00:00", "GIT_COMMITTER_DATE": "2024-03-01T12:00:00+00:00"}
    subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, check=True)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> dict:
    """The mini book with a priced print edition, released for real with `build.py dist`."""
    base = tmp_path_factory.mktemp("printer")
    book = copy_manuscript("mini", base)
    with_editions(book, PRINTER_YAML)
    _git(base, "init", "-q")
    _git(base, "add", "-A")
    _git(base, "commit", "-qm", "the book")
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "dist", "--manuscript", str(book),
                           "--dist", str(base / "dist"), "--cache", str(base / "cache")],
                          cwd=base, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    folder = base / "dist" / RELEASE
    return {"folder": folder, "stdout": done.stdout, "interior": folder / f"{RELEASE}-print.pdf",
            "cover": folder / f"{RELEASE}-cover.pdf", "onix": folder / "onix.xml"}


def _pages(pdf: Path) -> int:
    with pikepdf.open(pdf) as document:
        return len(document.pages)


def _box(page, name: str) -> tuple[float, ...]:
    return tuple(round(float(v), 2) for v in page.obj[name])


def test_a_wrong_check_digit_is_an_error_at_its_line(tmp_path: Path):
    book = copy_manuscript("mini", tmp_path)
    lines = (book / "book.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "isbn:" in text)
    lines[line - 1] = '    isbn: "978-0-000-00000-0"'  # its check digit should be 2
    (book / "book.yaml").write_text("\n".join(lines) + "\n")
    done = run_cli("build", "epub", "--manuscript", str(book), "--out", str(tmp_path / "build"))
    assert done.returncode == 1
    assert f"book.yaml:{line}:11: error[B010]: ISBN '978-0-000-00000-0' has check digit 0, but its first " \
           "twelve digits call for 2" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "build" / "small-book.epub").exists()


def test_the_cover_barcode_reads_back_as_the_isbn_and_its_price(release):
    page = pypdfium2.PdfDocument(str(release["cover"]))[0]
    image = page.render(scale=400 / PT_PER_IN).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.EAN13,
                                   ean_add_on_symbol=zxingcpp.EanAddOnSymbol.Require)
    # The ISBN, then the add-on: 5 for US dollars, then 24.95.
    assert [b.text for b in found] == ["9780000000002" + "52495"]


def test_the_spine_is_pages_over_ppi_and_the_page_boxes_hold_trim_and_bleed(release):
    pages = _pages(release["interior"])
    spine = pages / PPI * PT_PER_IN
    width, height = 6 * PT_PER_IN, 9 * PT_PER_IN
    bleed = 3 * MM
    with pikepdf.open(release["cover"]) as cover:
        [page] = cover.pages
        trim, bleed_box = _box(page, "/TrimBox"), _box(page, "/BleedBox")
        assert trim == (0.0, 0.0, round(2 * width + spine, 2), float(height))
        assert bleed_box == (round(-bleed, 2), round(-bleed, 2), round(2 * width + spine + bleed, 2),
                             round(height + bleed, 2))
        assert _box(page, "/MediaBox") == bleed_box
    assert f"spine {pages / PPI:.3f} in" in release["stdout"] and f"{pages} pages ÷ {PPI} PPI" in release["stdout"]


def test_the_spine_is_lettered_top_to_bottom_for_english(release):
    pages = _pages(release["interior"])
    left, right = 6 * PT_PER_IN, 6 * PT_PER_IN + pages / PPI * PT_PER_IN
    with pdfplumber.open(release["cover"]) as document:
        chars = [c for c in document.pages[0].chars if left < (c["x0"] + c["x1"]) / 2 < right]
    assert chars and not any(c["upright"] for c in chars)
    read = "".join(c["text"] for c in sorted(chars, key=lambda c: c["top"]))  # down the spine
    assert read.replace(" ", "") == "ASmallBook·AdaWriter"


def test_the_printers_pdfs_are_pdf_x4_with_a_cmyk_output_intent(release):
    for pdf in (release["interior"], release["cover"]):
        with pikepdf.open(pdf) as document:
            [intent] = document.Root.OutputIntents
            assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4  # CMYK
            xmp = document.open_metadata()
            assert xmp["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
            assert all("/TrimBox" in page.obj and "/BleedBox" in page.obj for page in document.pages)


def test_onix_validates_against_the_reference_schema_with_the_real_page_count(release):
    schema = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "onix" / "ONIX_BookProduct_3.0_reference.xsd")))
    document = etree.parse(str(release["onix"]))
    assert schema.validate(document), schema.error_log
    products = {p.findtext("o:RecordReference", namespaces=ONIX_NS): p
                for p in document.findall("o:Product", ONIX_NS)}
    assert sorted(products) == ["pressroom.small-book.epub", "pressroom.small-book.pdf", "pressroom.small-book.print"]
    printed = products["pressroom.small-book.print"]
    assert printed.findtext("o:DescriptiveDetail/o:ProductForm", namespaces=ONIX_NS) == "BC"
    assert printed.findtext("o:DescriptiveDetail/o:Extent/o:ExtentValue", namespaces=ONIX_NS) == \
        str(_pages(release["interior"]))
    isbns = [i.findtext("o:IDValue", namespaces=ONIX_NS) for i in printed.findall("o:ProductIdentifier", ONIX_NS)
             if i.findtext("o:ProductIDType", namespaces=ONIX_NS) == "15"]
    assert isbns == ["9780000000002"]
    prices = [(p.findtext("o:PriceAmount", namespaces=ONIX_NS), p.findtext("o:CurrencyCode", namespaces=ONIX_NS))
              for p in printed.iter(f"{{{ONIX_NS['o']}}}Price")]
    assert prices == [("24.95", "USD"), ("19.99", "GBP")]
    reader = products["pressroom.small-book.pdf"]
    assert reader.findtext("o:DescriptiveDetail/o:Extent/o:ExtentValue", namespaces=ONIX_NS) == \
        str(_pages(release["folder"] / f"{RELEASE}.pdf"))
    assert "onix.xml" in (release["folder"] / "SHA256SUMS").read_text()
