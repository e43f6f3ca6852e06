"""Images in real books: a book holding every kind of image we take, built for real into all four
editions and read back (pdfplumber for each image's place and size on the page, the EPUB unzipped,
the web edition's files), plus the checks on single files that need no build.
"""

from __future__ import annotations

import io
import shutil
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree

from conftest import copy_manuscript, run_cli
from hardening import built, snapshot, write_chapter

CH1 = "manuscript/chapters/01-one.md"
CH2 = "manuscript/chapters/02-two.md"
XHTML = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf"}
TOLERANCE = 1.0  # points

COLOURS = {"red": (220, 30, 30), "green": (30, 160, 60), "blue": (30, 60, 200), "yellow": (240, 220, 40),
           "purple": (128, 0, 128), "grey": (128, 128, 128), "navy": (0, 0, 128), "pink": (255, 150, 180),
           "olive": (128, 128, 0), "orange": (255, 140, 0)}

CHAPTER_ONE = """A night.[^dark] {% if edition.kind == "pdf" %}In print.{% else %}On screen.{% endif %}

A second paragraph, which indents the one after it.

![A wide blue photograph in running text](images/wide.jpg) opens this indented paragraph, with words after it.

An inline icon ![a yellow icon](images/icon.png) sits in the line.

![A wide blue photograph](images/wide.jpg)

![A tall green photograph](images/tall.png)

![A purple diagram](images/diagram.svg)

> ![A red photograph, quoted](images/photo.png)
"""

CHAPTER_TWO = """A second chapter with an inline note.[^inline] And one from notes.yaml.[^light]

![A grey picture named as a JPEG](images/misnamed.jpg)

![The first frame of an animation](images/anim.gif)

![A navy WebP photograph](images/photo.webp)

![A pink scan](images/scan.tif)

![An olive bitmap](images/old.bmp)

![An orange chart](images/chart.pdf)

A note holds a tall picture.[^tall]

The end of the chapter.

[^inline]: Defined inline, in the chapter itself.

[^tall]: ![A tall green photograph in a note](images/tall.png)
"""

# What each raster is on the page: its pixel size, as pdfplumber reads it back (`srcsize`).
RASTERS = {"photo": (600, 400), "wide": (3000, 1000), "tall": (800, 4000), "icon": (60, 48),
           "misnamed": (300, 150), "anim": (300, 200), "webp": (450, 300), "scan": (200, 100),
           "bmp": (200, 100), "chart": (600, 300)}


class _DTDServer:
    """A local web server standing in for w3.org: it counts every request an SVG's DOCTYPE causes."""

    def __init__(self):
        requests = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'<!ENTITY nbsp "&#160;">')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/Graphics/SVG/1.1/DTD/svg11.dtd"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def make_images(images: Path, dtd_url: str) -> None:
    """Every kind of image file the book uses, made here: real files, small."""
    from PIL import Image

    images.mkdir(exist_ok=True)
    Image.new("RGB", RASTERS["photo"], COLOURS["red"]).save(images / "photo.png")
    Image.new("RGB", RASTERS["wide"], COLOURS["blue"]).save(images / "wide.jpg", quality=85)
    Image.new("RGB", RASTERS["tall"], COLOURS["green"]).save(images / "tall.png")
    Image.new("RGB", RASTERS["icon"], COLOURS["yellow"]).save(images / "icon.png")
    Image.new("RGB", RASTERS["misnamed"], COLOURS["grey"]).save(images / "misnamed.jpg", format="PNG")
    frames = [Image.new("RGB", RASTERS["anim"], COLOURS[c]) for c in ("red", "green", "blue")]
    frames[0].save(images / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    Image.new("RGB", RASTERS["webp"], COLOURS["navy"]).save(images / "photo.webp", lossless=True)
    Image.new("RGB", RASTERS["scan"], COLOURS["pink"]).save(images / "scan.tif")
    Image.new("RGB", RASTERS["bmp"], COLOURS["olive"]).save(images / "old.bmp")
    # A PDF figure 2 in × 1 in: at 300 dpi, 600 × 300 pixels.
    Image.new("RGB", (200, 100), COLOURS["orange"]).save(images / "chart.pdf", resolution=100)
    (images / "diagram.svg").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "{dtd_url}">\n'
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="800" height="300" viewBox="0 0 800 300">'
        '<rect width="800" height="300" fill="#800080"/></svg>\n', encoding="utf-8")


def place(manuscript: Path, chapter: str, target: str) -> str:
    """`manuscript/chapters/<chapter>:line:col` of the `![` that uses `target` in the chapter file."""
    text = (manuscript / "chapters" / chapter).read_text("utf-8")
    start = text.rfind("![", 0, text.index(f"]({target})"))
    line = text.count("\n", 0, start) + 1
    return f"manuscript/chapters/{chapter}:{line}:{start - text.rfind(chr(10), 0, start)}"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The book built into every edition; the DTD server's requests; the manuscript."""
    server = _DTDServer()
    base = tmp_path_factory.mktemp("images")
    manuscript_path = base / "manuscript"

    def prepare(manuscript: Path) -> None:
        make_images(manuscript / "images", server.url)
        write_chapter(manuscript, CHAPTER_ONE)
        write_chapter(manuscript, CHAPTER_TWO, "02-two.md", "The Second Chapter")
        yaml = manuscript / "book.yaml"
        yaml.write_text(yaml.read_text("utf-8") + "  - kind: print\n    trim: 5.5in 8.5in\n", encoding="utf-8")

    # Where the warnings are expected: worked out from the files once they are written.
    copy_manuscript("mini", base / "probe")
    prepare(base / "probe" / "manuscript")
    probe = base / "probe" / "manuscript"

    def at(target: str) -> str:
        return place(probe, "02-two.md", target)

    warnings = [
        f"{at('images/misnamed.jpg')}: warning[K001]: image 'images/misnamed.jpg' is a PNG file, but its name "
        "says JPEG: it is used as the PNG it is (rename it misnamed.png)",
        f"{at('images/anim.gif')}: warning[K002]: image 'images/anim.gif' is a GIF: converted to PNG for every "
        "edition; only its first frame is kept (it has 3)",
        f"{at('images/photo.webp')}: warning[K002]: image 'images/photo.webp' is a WebP image: converted to PNG "
        "for every edition",
        f"{at('images/scan.tif')}: warning[K002]: image 'images/scan.tif' is a TIFF image: converted to PNG for "
        "every edition",
        f"{at('images/old.bmp')}: warning[K002]: image 'images/old.bmp' is a BMP image: converted to PNG for "
        "every edition",
        f"{at('images/chart.pdf')}: warning[K002]: PDF figure 'images/chart.pdf' is converted to a 300 dpi PNG "
        "of its first page for every edition (a PNG or SVG of your own prints exactly as you made it)",
    ]
    try:
        out = built(base, None, warnings=warnings, prepare=prepare, kinds=("pdf", "print", "epub", "html"))
    finally:
        server.close()
    return {"out": out, "manuscript": manuscript_path, "requests": server.requests}


def pdf_images(path: Path) -> list[dict]:
    """Every raster on every page: its pixel size and its box, in points from the trimmed page's
    top-left corner (the printer's PDF has a bleed around it)."""
    found = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            left, bottom, right, top = (float(v) for v in page.page_obj.attrs.get("TrimBox", page.mediabox))
            for image in page.images:  # x0, x1, y0, y1: PDF user space
                found.append({"page": number, "srcsize": tuple(int(v) for v in image["srcsize"]),
                              "x0": image["x0"] - left, "x1": image["x1"] - left, "top": top - image["y1"],
                              "bottom": top - image["y0"], "page_width": right - left, "page_height": top - bottom})
    return found


def text_block(manuscript: Path, kind: str) -> tuple[float, float, float, float, float]:
    """(side margin at its narrowest, top margin, bottom margin, block width, block height) in
    points, for the edition of `kind`: from the book's design."""
    from pressroom.editions.pdf import _inches, print_box
    from pressroom.manuscript.load import load_book
    from pressroom.messages import Report

    book = load_book(manuscript, Report())
    edition = book.edition(kind)
    box = print_box(edition, book.design)
    width, height = (_inches(v) * 72 for v in edition.trim)
    return width * book.design.outer, height * book.design.top, height * book.design.bottom, box.width, box.height


@pytest.mark.parametrize("kind, name", [("pdf", "small-book.pdf"), ("print", "small-book-print.pdf")])
def test_every_image_fits_the_text_block_keeps_its_shape_and_is_never_past_300_dpi(book, kind, name):
    placed = pdf_images(book["out"] / name)
    assert sorted(p["srcsize"] for p in placed) == sorted(
        [RASTERS[n] for n in RASTERS] + [RASTERS["wide"], RASTERS["tall"]])  # two used twice
    outer, top, bottom, block_width, block_height = text_block(book["manuscript"], kind)
    for image in placed:
        width, height = image["x1"] - image["x0"], image["bottom"] - image["top"]
        pixels_wide, pixels_high = image["srcsize"]
        assert image["x0"] >= outer - TOLERANCE and image["x1"] <= image["page_width"] - outer + TOLERANCE, image
        assert width <= block_width + TOLERANCE, image
        assert image["top"] >= top - TOLERANCE and image["bottom"] <= image["page_height"] - bottom + TOLERANCE, image
        assert width <= pixels_wide / 300 * 72 + TOLERANCE, image  # never larger than 1:1 at 300 dpi
        assert width / height == pytest.approx(pixels_wide / pixels_high, rel=0.02), image
    by_size = {p["srcsize"]: p for p in placed}
    photo = by_size[RASTERS["photo"]]
    assert photo["x1"] - photo["x0"] == pytest.approx(144, abs=0.5)  # 600 px at 300 dpi: 2 in
    wide = by_size[RASTERS["wide"]]
    assert wide["x1"] - wide["x0"] == pytest.approx(block_width, abs=0.5)  # shrunk to the measure
    chart = by_size[RASTERS["chart"]]
    assert (chart["x1"] - chart["x0"], chart["bottom"] - chart["top"]) == (pytest.approx(144, abs=0.5),
                                                                           pytest.approx(72, abs=0.5))


def test_a_tall_image_is_scaled_to_the_page_and_smaller_still_in_a_note(book):
    _, _, _, _, block_height = text_block(book["manuscript"], "pdf")
    talls = sorted((p for p in pdf_images(book["out"] / "small-book.pdf") if p["srcsize"] == RASTERS["tall"]),
                   key=lambda p: p["page"])
    heights = [p["bottom"] - p["top"] for p in talls]
    assert len(heights) == 2
    assert max(heights) <= block_height and max(heights) > block_height * 0.8  # in the text: nearly the page
    assert min(heights) <= block_height * 0.3 + TOLERANCE  # in a page-foot note: a share of it


def test_the_web_edition_and_the_epub_show_every_image_with_its_alt_text(book):
    from PIL import Image

    out = book["out"]
    alts = {line.split("](")[0].split("![")[-1] for line in (CHAPTER_ONE + CHAPTER_TWO).splitlines() if "![" in line}
    shown = {img.get("alt"): img for name in ("one.html", "two.html")
             for img in etree.HTML((out / "html" / name).read_text("utf-8")).iter("img")}
    assert alts <= set(shown), alts - set(shown)
    for alt in alts:
        img = shown[alt]
        file = out / "html" / img.get("src")
        assert file.is_file(), img.get("src")
        if not img.get("src").endswith(".svg"):
            with Image.open(file) as picture:
                assert (int(img.get("width")), int(img.get("height"))) == picture.size
    with zipfile.ZipFile(out / "small-book.epub") as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        manifest = {i.get("href"): i.get("media-type") for i in opf.iterfind(".//opf:item", XHTML)}
        epub_alts = set()
        for name in archive.namelist():
            if name.startswith("EPUB/text/ch"):
                for img in etree.fromstring(archive.read(name)).iterfind(".//x:img", XHTML):
                    href = img.get("src").removeprefix("../")
                    assert href in manifest and f"EPUB/{href}" in archive.namelist(), href
                    epub_alts.add(img.get("alt"))
    assert alts <= epub_alts


def test_a_png_named_jpg_is_shipped_as_the_png_it_is(book):
    out = book["out"]
    with zipfile.ZipFile(out / "small-book.epub") as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        items = {i.get("href"): i.get("media-type") for i in opf.iterfind(".//opf:item", XHTML)}
        assert items["images/misnamed.jpg.png"] == "image/png"
        assert archive.read("EPUB/images/misnamed.jpg.png").startswith(b"\x89PNG")
        assert not [h for h, t in items.items() if h.endswith(".jpg") and t != "image/jpeg"]
    assert (out / "html" / "images" / "misnamed.jpg.png").read_bytes().startswith(b"\x89PNG")


def test_converted_images_are_the_first_frame_or_page_in_every_edition(book):
    from PIL import Image

    out = book["out"]
    expected = {"anim.gif.png": "red", "photo.webp.png": "navy", "scan.tif.png": "pink", "old.bmp.png": "olive",
                "chart.pdf.png": "orange"}
    with zipfile.ZipFile(out / "small-book.epub") as archive:
        for name, colour in expected.items():
            for data in (archive.read(f"EPUB/images/{name}"), (out / "html" / "images" / name).read_bytes()):
                with Image.open(io.BytesIO(data)) as picture:
                    assert picture.format == "PNG", name
                    centre = picture.convert("RGB").getpixel((picture.width // 2, picture.height // 2))
                    assert centre == pytest.approx(COLOURS[colour], abs=3), name
    with Image.open(out / "html" / "images" / "chart.pdf.png") as chart:
        assert chart.size == RASTERS["chart"]  # 2 in × 1 in at 300 dpi


def test_an_svg_with_an_ordinary_doctype_is_used_never_fetched_and_shipped_without_it(book):
    import pypdfium2

    assert book["requests"] == []
    out = book["out"]
    with zipfile.ZipFile(out / "small-book.epub") as archive:
        epub_svg = archive.read("EPUB/images/diagram.svg")
    for data in (epub_svg, (out / "html" / "images" / "diagram.svg").read_bytes()):
        assert b"<!DOCTYPE" not in data and b'fill="#800080"' in data
    assert b"<!DOCTYPE" in (book["manuscript"] / "images" / "diagram.svg").read_bytes()  # never written to
    # In the PDF it is drawn (as vectors): its purple is on the page that captions it.
    with pdfplumber.open(out / "small-book.pdf") as pdf:
        page = next(i for i, p in enumerate(pdf.pages) if "A purple diagram" in (p.extract_text() or ""))
    document = pypdfium2.PdfDocument(str(out / "small-book.pdf"))
    picture = document[page].render(scale=0.5).to_pil().convert("RGB")
    document.close()
    assert picture.getcolors(1 << 20) and any(colour == (128, 0, 128) for _, colour in picture.getcolors(1 << 20))


def test_epubcheck_finds_nothing_in_the_epub_of_every_image_kind(book):
    from pressroom.tools.epubcheck import check_epub

    serious = [str(m) for m in check_epub(book["out"] / "small-book.epub") if m.severity in ("FATAL", "ERROR", "WARNING")]
    assert serious == []


def test_each_conversion_is_made_once_and_kept_in_the_cache_by_the_source_bytes(book, tmp_path, monkeypatch):
    from PIL import Image

    from pressroom import images
    from pressroom.cache import Store
    from pressroom.context import BuildContext
    from pressroom.manuscript.load import load_book
    from pressroom.messages import Report

    manuscript = tmp_path / "manuscript"
    shutil.copytree(book["manuscript"], manuscript)
    before = snapshot(manuscript)
    calls = []
    convert = images._convert
    monkeypatch.setattr(images, "_convert", lambda data, kind, source, *rest: calls.append(source) or
                        convert(data, kind, source, *rest))
    store = Store(tmp_path / "cache")
    book_ = load_book(manuscript, Report())
    context = BuildContext(book_, Report(), store)
    pdf, epub = book_.edition("pdf"), book_.edition("epub")
    assert not context.same_text(pdf, epub)  # two parses of the chapters: two image sets, one conversion each
    first, second = context.images(pdf), context.images(epub)
    assert sorted(calls) == sorted(set(calls)) and len(calls) == len(first.images) == 11
    assert first.images["images/anim.gif"].file == second.images["images/anim.gif"].file
    calls.clear()
    BuildContext(load_book(manuscript, Report()), Report(), store).images(pdf)
    assert calls == []  # a new build: from the cache
    frames = [Image.new("RGB", RASTERS["anim"], COLOURS[c]) for c in ("green", "red")]
    frames[0].save(manuscript / "images" / "anim.gif", save_all=True, append_images=frames[1:])
    fresh = BuildContext(load_book(manuscript, Report()), Report(), store).images(pdf)
    assert calls == ["images/anim.gif"]  # changed bytes: converted again
    with Image.open(fresh.images["images/anim.gif"].file) as picture:
        assert picture.convert("RGB").getpixel((5, 5)) == pytest.approx(COLOURS["green"], abs=3)
    after = snapshot(manuscript)
    assert {k for k in after if after[k] != before.get(k)} == {"images/anim.gif"}  # only our own edit


def test_a_raster_printed_below_150_dpi_is_named_with_its_place(tmp_path: Path):
    from PIL import Image

    manuscript = copy_manuscript("mini", tmp_path)
    (manuscript / "images").mkdir()
    Image.new("RGB", (300, 200), COLOURS["red"]).save(manuscript / "images" / "small.png")
    Image.new("RGB", (3000, 2000), COLOURS["blue"]).save(manuscript / "images" / "large.png")
    write_chapter(manuscript, "A night.[^dark]\n\n![A small picture](images/small.png)\n\n"
                              "![A large picture](images/large.png)\n")
    (manuscript / "styles").mkdir()
    (manuscript / "styles" / "design.yaml").write_text("image-resolution: 100\n", encoding="utf-8")
    out = tmp_path / "build"
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning[" in line]
    assert warnings == [f"{CH1}:6:1: warning[K003]: image 'images/small.png' (300×200 px) prints 3.00 in wide in "
                        "the pdf edition, at 100 dpi, below 150: it will look soft in print; use one at least 450 px "
                        "wide (or raise image-resolution in styles/design.yaml)"]
    small = next(p for p in pdf_images(out / "small-book.pdf") if p["srcsize"] == (300, 200))
    assert small["x1"] - small["x0"] == pytest.approx(216, abs=0.5)  # 300 px at 100 dpi: 3 in


def test_an_image_past_the_margin_is_named_with_its_file_and_place(tmp_path: Path):
    from PIL import Image

    from pressroom.messages import BuildError
    from pressroom.tools import weasyprint

    (tmp_path / "images").mkdir()
    Image.new("RGB", (40, 20), "white").save(tmp_path / "images" / "map.png")
    html = ("<style>@page { size: 4in 6in; margin: 0.5in }</style><section id='chapter-one'>"
            f"<p><img src='images/map.png' alt='A map' data-image='images/map.png' data-at='{CH1}:6:1' "
            "style='display: block; width: 4in'></p></section>")
    with pytest.raises(BuildError) as caught:
        weasyprint.layout(html, tmp_path, weasyprint.Resources((tmp_path,)), label=CH1)
    assert str(caught.value) == (f"{CH1}: error[W003]: text runs outside the text block: page 1: image "
                                 f"'images/map.png' (used at {CH1}:6:1) runs 1.08 in past the margin: give it a "
                                 "paragraph of its own, or look for a rule in the book's styles/pdf.css that "
                                 "sizes images")


# --- single files: what the policy pass accepts and refuses ----------------------------------------

SVG_BODY = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.mark.parametrize("text, problem", [
    ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
     + SVG_BODY, None),
    ('<!DOCTYPE svg SYSTEM "file:///etc/passwd">' + SVG_BODY, None),  # named, never read
    ('<!DOCTYPE svg [<!ATTLIST svg x CDATA "1">]>' + SVG_BODY,
     "has a DOCTYPE with an internal subset (where entities are declared)"),
    ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
     '<svg xmlns="http://www.w3.org/2000/svg"><text>&nbsp;</text></svg>',
     "has a reference to an entity its DOCTYPE would define (&nbsp;)"),
    ('<?xml-stylesheet href="https://tracker.example/s.css"?>' + SVG_BODY,
     "has an xml-stylesheet instruction (a style sheet from outside the file)"),
])
def test_an_svg_doctype_is_accepted_but_no_internal_subset_or_entity(tmp_path: Path, text: str, problem: str | None):
    from pressroom.limits import check_image

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.svg").write_text(text, encoding="utf-8")
    found = check_image(tmp_path, "images/a.svg")
    if problem is None:
        assert found is None
    else:
        assert found == ("R005", f"SVG 'images/a.svg' {problem}, which images may not carry: remove it")


def test_file_types_are_judged_by_their_bytes_and_converted_ones_keep_the_pixel_limit(tmp_path: Path):
    from PIL import Image

    from pressroom.limits import check_image

    images = tmp_path / "images"
    images.mkdir()
    Image.new("RGB", (4, 4), "white").save(images / "photo", format="GIF")
    (images / "phone.jpg").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40)
    (images / "notes.png").write_text("Not a picture at all.\n", encoding="utf-8")
    data = bytearray((images / "photo").read_bytes())
    data[6:10] = (10_000).to_bytes(2, "little") * 2  # a GIF whose header claims 10000 × 10000
    (images / "bomb.gif").write_bytes(bytes(data))
    assert check_image(tmp_path, "images/photo") is None
    assert check_image(tmp_path, "images/phone.jpg") == (
        "R004", "image 'images/phone.jpg' is a HEIF/AVIF file: use PNG, JPEG or SVG (GIF, WebP, TIFF, BMP and "
                "PDF figures are converted)")
    assert check_image(tmp_path, "images/notes.png") == (
        "R004", "image 'images/notes.png' is not an image file Pressroom reads: use PNG, JPEG or SVG (GIF, WebP, "
                "TIFF, BMP and PDF figures are converted)")
    assert check_image(tmp_path, "images/bomb.gif") == (
        "R003", "image 'images/bomb.gif' is 10000×10000 pixels (100 MP, limit 40 MP): scale it down")


def test_an_image_further_down_the_file_is_no_change_in_a_diff(tmp_path: Path):
    import subprocess

    from PIL import Image

    from pressroom.diff.run import compare_sides, load_sides

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, check=True)

    manuscript = copy_manuscript("mini", tmp_path)
    (manuscript / "images").mkdir()
    Image.new("RGB", (60, 40), COLOURS["red"]).save(manuscript / "images" / "photo.png")
    write_chapter(manuscript, "A night.[^dark]\n\n![A red photograph](images/photo.png)\n")
    git("init", "-q")
    git("-c", "user.email=e@example.org", "-c", "user.name=E", "add", ".")
    git("-c", "user.email=e@example.org", "-c", "user.name=E", "commit", "-qm", "first")
    write_chapter(manuscript, "A night.[^dark]\n\nA new paragraph.\n\n![A red photograph](images/photo.png)\n")
    before, after = load_sides(manuscript, "HEAD", None, tmp_path / ".work")
    assert compare_sides(before, after)[2].summary() == "1 chapter changed: +3 -0 words"
