"""The book's images, known in one place after the policy pass, for every edition to use alike.

    policy(root, path)          the policy pass's verdict on one image file: errors, or warnings
                                for a file whose name lies about its type or that will be converted
    mark_images(blocks, lines)  each Image node marked `"at": [line, col]` in its source file
    book_images(book, chapters, store) → BookImages: for each file the book uses, its real type
                                (from its bytes), its pixel size, the file the editions ship and
                                its name there, and every place the book uses it

An image's bytes decide its type. PNG, JPEG and SVG are shipped as they are (an SVG without its
DOCTYPE); GIF, WebP, TIFF and BMP become a PNG of their first frame, a PDF figure a PNG of its
first page at 300 dpi (pdfium renders to bitmaps only, and no library we pin writes SVG from a
PDF). A conversion is done once and kept in the build cache by the source's bytes and the
converter's version; the manuscript is never written to. The PDF writer sizes each image for the
page from its pixel size (`print_size`); the web edition and the EPUB get its pixel size as
width/height attributes and scale it down to the screen.
"""

from __future__ import annotations

import atexit
import html
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator
from urllib.parse import quote, unquote, urlsplit

from . import limits
from .cache import Store, digest, seal
from .messages import BuildError, Message, error, warning
from .model import Book, Pos
from .pandoc_ast import line_col, transform, walk

KIND = "images"  # cache kind: an image's facts, and its converted copy
CONVERTER = "1"  # bumped when a conversion's output changes
SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "SVG": ".svg"}
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "SVG": "image/svg+xml"}
SAFE_NAME = re.compile(r"[^A-Za-z0-9._/-]")  # EPUB file names: no spaces or escapes (EPUBCheck PKG-010)
# An <img> as nh3 writes it: double-quoted attributes, whose values may hold a ">".
IMG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
ATTRIBUTE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:=\"([^\"]*)\")?")
CSS_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px|pt|pc|in|cm|mm)?\s*")
CSS_UNITS = {"px": 1.0, None: 1.0, "pt": 96 / 72, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}
EXIF_ORIENTATION = 0x0112
TURNED = (5, 6, 7, 8)  # EXIF orientations that turn the picture a quarter: width and height swap
MIN_PRINT_DPI = 150  # below this a raster looks soft in print: a warning names it


# ------------------------------------------------------------------ the policy pass


def policy(root: Path, path: str) -> list[tuple[str, str, str]]:
    """(severity, code, text) for the image file `path` (relative to `root`): an error, or the warnings."""
    problem = limits.check_image(root, path)
    if problem:
        return [("error", *problem)]
    real = (root / path).resolve()
    kind = limits.image_type(real)
    named = limits.NAMED_TYPES.get(PurePosixPath(path).suffix.lower())
    found = []
    if named != kind:
        says = f"its name says {named}" if named else "its name does not say so"
        better = PurePosixPath(path).with_suffix(SUFFIXES.get(kind, f".{kind.lower()}")).name
        found.append(("warning", "K001", f"image {path!r} is a {kind} file, but {says}: it is used as the "
                                         f"{kind} it is (rename it {better})"))
    if kind in limits.CONVERTED_TYPES:
        found.append(("warning", "K002", _conversion_note(real, path, kind)))
    return found


def _conversion_note(real: Path, path: str, kind: str) -> str:
    """What a conversion keeps of the image, for the warning at its place."""
    if kind == "PDF":
        pages = _pdf_pages(real)
        rest = f"; it has {pages} pages, the others are left out" if pages > 1 else ""
        return (f"PDF figure {path!r} is converted to a {limits.PDF_FIGURE_DPI} dpi PNG of its first page "
                f"for every edition{rest} (a PNG or SVG of your own prints exactly as you made it)")
    frames = _frames(real, kind)
    if kind == "GIF":
        rest = f"; only its first frame is kept (it has {frames})" if frames > 1 else ""
        return f"image {path!r} is a GIF: converted to PNG for every edition{rest}"
    rest = f"; only its first {'page' if kind == 'TIFF' else 'frame'} is kept (it has {frames})" if frames > 1 else ""
    return f"image {path!r} is a {kind} image: converted to PNG for every edition{rest}"


def _frames(path: Path, kind: str) -> int:
    from PIL import Image

    try:
        with Image.open(path, formats=[limits.PILLOW_FORMATS[kind]]) as image:
            return getattr(image, "n_frames", 1)
    except Exception:  # a damaged later frame: the first is what is used, and it is checked on use
        return 1


def _pdf_pages(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def mark_images(blocks: list, lines, place: list | None = None) -> list:
    """Every Image node marked `"at": [line, col]` in its source file (through notes.SourceLines
    `lines`), or `place` ([line, col, path]: a notes.yaml note's). Pandoc ignores the key."""

    def mark(node: dict):
        if node["t"] != "Image":
            return None
        if place is not None:
            return {**node, "at": place}
        line, col = line_col(dict(node["c"][0][2]).get("data-pos", ""))
        return {**node, "at": [lines.line(line) + lines.offset if line else 0, col]}

    return transform(blocks, mark)


def unmarked(blocks: list) -> list:
    """The blocks without the images' places: what compares two revisions (diff/), where an image
    a line further down is the same image."""

    def unmark(node: dict):
        if node["t"] == "Image" and "at" in node:
            return {key: value for key, value in node.items() if key != "at"}
        return None

    return transform(blocks, unmark)


# ------------------------------------------------------------------ the book's images


@dataclass(frozen=True)
class BookImage:
    """One image file of the book, as every edition ships it."""

    source: str  # the file in the manuscript ("images/photo.jpg")
    kind: str  # its real type, from its bytes: PNG, JPEG, SVG, GIF, WebP, TIFF, BMP or PDF
    file: Path  # the bytes the editions ship: the manuscript's file, or a copy in the build cache
    name: str  # its path inside an edition: "images/photo.jpg", "images/anim.gif.png"
    media_type: str
    width: float  # pixels (a raster's, upright); an SVG's CSS px; 0: unknown
    height: float
    fixed: bool = True  # False: an SVG with only a viewBox (width and height give its shape, not its size)

    @property
    def raster(self) -> bool:
        return self.media_type != MEDIA_TYPES["SVG"]


@dataclass
class BookImages:
    """The images one edition's chapters use: by source file, and each use in order per fragment
    (("chapter", id) or ("note", number)), with its place in the manuscript."""

    images: dict[str, BookImage]
    uses: dict[tuple[str, str], list[tuple[str, Pos]]]
    folder: Path  # where converted copies live: a folder the PDF's layout may read
    shipped_as_is: frozenset[str] = field(default_factory=frozenset)  # sources shipped as the manuscript's file

    def __iter__(self) -> Iterator[BookImage]:
        return iter(sorted(self.images.values(), key=lambda i: i.name))

    def __len__(self) -> int:
        return len(self.images)

    def as_is(self, image: BookImage) -> bool:
        """Whether the editions ship the manuscript's own file (not a converted or cleaned copy)."""
        return image.source in self.shipped_as_is

    def places(self, source: str) -> list[Pos]:
        return [pos for uses in self.uses.values() for used, pos in uses if used == source]

    def rewrite(self, text: str, fragment: tuple[str, str],
                render: Callable[[BookImage, dict[str, str], Pos], str]) -> str:
        """Each book image's <img> in the HTML `text` of `fragment`, made anew by `render(image,
        its attributes (escaped as they were), the place of this use)`."""
        uses = self.uses.get(fragment, [])
        seen: dict[str, int] = {}

        def one(match: re.Match) -> str:
            attributes = tag_attributes(match.group(0))
            source = source_path(html.unescape(attributes.get("src", "")))
            image = self.images.get(source)
            if image is None:
                return match.group(0)
            mine = [pos for used, pos in uses if used == source]
            index = seen.get(source, 0)
            seen[source] = index + 1
            pos = mine[min(index, len(mine) - 1)] if mine else Pos("")
            return render(image, attributes, pos)

        return IMG.sub(one, text)


def for_pandoc(blocks: list) -> list:
    """The blocks with each image's extension hidden from pandoc, which writes `<embed>` for a
    .pdf (or any name not an image's) and no alt text; `rewrite` finds the file again."""

    def hide(node: dict):
        if node["t"] != "Image":
            return None
        url = node["c"][2][0]
        head, dot, extension = url.rpartition(".")
        if not dot or "/" in extension:
            return None
        return {**node, "c": [node["c"][0], node["c"][1], [f"{head}%2E{extension}", node["c"][2][1]]]}

    return transform(blocks, hide)


def tag_attributes(tag: str) -> dict[str, str]:
    """The attributes of one start tag, their values still escaped."""
    inner = tag[4:].rstrip(">").rstrip("/")
    return {m.group(1).lower(): m.group(2) or "" for m in ATTRIBUTE.finditer(inner)}


def img_tag(attributes: dict[str, str]) -> str:
    """An <img> from attributes whose values are escaped already."""
    return "<img" + "".join(f' {key}="{value}"' for key, value in attributes.items()) + ">"


def source_path(url: str) -> str:
    """The manuscript path an image reference names ("images/my%20map.png" → "images/my map.png")."""
    return unquote(urlsplit(url).path)


def book_images(book: Book, chapters: list, store: Store | None) -> BookImages:
    """The images `chapters` use, each checked again, sniffed, measured and converted if need be.

    An image without alt text is an error at its place (readers who cannot see it get nothing
    else); so is a file that cannot be decoded though its header could be read.
    """
    store = store or _scratch_store()
    uses: dict[tuple[str, str], list[tuple[str, Pos]]] = {}
    problems: list[Message] = []
    for chapter in chapters:
        fragments = [(("chapter", chapter.id), chapter.blocks)]
        fragments += [(("note", str(note.number)), note.blocks) for note in chapter.notes]
        for fragment, blocks in fragments:
            found = uses.setdefault(fragment, [])

            def collect(node: dict, _pos: str, found=found, shown=chapter.shown) -> None:
                if node["t"] != "Image":
                    return
                line, col, *path = node.get("at", [0, 0])
                pos = Pos(path[0] if path else shown, line, col)
                url = node["c"][2][0]
                found.append((source_path(url), pos))
                if not _plain_text(node["c"][1]).strip():
                    problems.append(error("H003", pos.path, pos.line, pos.col, f"image {url!r} has no alt text: "
                                          f"describe it between the brackets, ![A map of …]({url})"))

            walk(blocks, collect)
    images: dict[str, BookImage] = {}
    as_is = set()
    taken: set[str] = set()
    for source in sorted({s for found in uses.values() for s, _ in found}):
        first = next(pos for found in uses.values() for s, pos in found if s == source)
        problem = limits.check_image(book.root, source)  # checked again: the file may have changed since
        if problem:
            problems.append(error(problem[0], first.path, first.line, first.col, problem[1]))
            continue
        try:
            image, shipped = _prepare(book.root, source, store, taken)
        except ImageError as exc:
            problems.append(error("R004", first.path, first.line, first.col, str(exc)))
            continue
        images[source] = image
        taken.add(image.name)
        if shipped:
            as_is.add(source)
    if problems:
        raise BuildError(problems)
    store.prune(KIND)
    return BookImages(images, uses, store.root / KIND, frozenset(as_is))


def _plain_text(inlines: list) -> str:
    text: list[str] = []

    def collect(node: dict, _pos: str) -> None:
        if node["t"] == "Str":
            text.append(node["c"])

    walk(inlines, collect)
    return "".join(text)


class ImageError(Exception):
    """An image whose header was fine but whose picture cannot be decoded or converted."""


def _prepare(root: Path, source: str, store: Store, taken: set[str]) -> tuple[BookImage, bool]:
    """The image as the editions ship it, and whether that is the manuscript's own file."""
    real = (root / source).resolve()
    data = real.read_bytes()
    kind = limits._magic(data[:64])
    key = digest(CONVERTER, _versions(), kind or "", data)
    facts = store.read_json(KIND, key)
    if facts is None or not _have_copy(store, key, facts):
        facts = _convert(data, kind, source, store, key)
        store.write_json(KIND, key, facts)
    shipped = SUFFIXES[facts["type"]]
    as_is = not facts["copy"] and _suffix_type(source) == facts["type"]
    name = _edition_name(source, shipped, as_is, taken)
    if as_is:
        file = real
    elif facts["copy"]:
        file = store.path(KIND, key, shipped)
    else:  # the bytes are fine, the name is not: a copy under the right suffix, checked like any other
        file = store.file(KIND, key, shipped, seal(KIND, key, data))
        if file is None:
            store.write_file(KIND, key, shipped, data)
            file = store.path(KIND, key, shipped)
    image = BookImage(source, kind or "", file, name, MEDIA_TYPES[facts["type"]], facts["width"], facts["height"],
                      facts.get("fixed", True))
    return image, as_is


def _have_copy(store: Store, key: str, facts: dict) -> bool:
    """A converted copy is used only while its bytes hold the seal its facts keep."""
    return not facts["copy"] or store.file(KIND, key, SUFFIXES[facts["type"]], facts.get("sealed")) is not None


def _suffix_type(source: str) -> str | None:
    return limits.NAMED_TYPES.get(PurePosixPath(source).suffix.lower())


def _edition_name(source: str, suffix: str, as_is: bool, taken: set[str]) -> str:
    """The image's path inside an edition: its own, cleaned of characters EPUB names may not hold,
    with the real type's suffix added when the file's own says another."""
    name = SAFE_NAME.sub("-", source)
    if not as_is and _suffix_type(source) != limits.NAMED_TYPES.get(suffix):
        name += suffix
    if name in taken:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}-{digest(source)[:8]}{dot}{ext}"
    return name


@lru_cache(maxsize=1)
def _versions() -> str:
    return ";".join(f"{n}={metadata.version(n)}" for n in ("pillow", "pypdfium2"))


def _convert(data: bytes, kind: str | None, source: str, store: Store, key: str) -> dict:
    """Decode the image once: its facts (the type shipped, upright pixel size), and the converted
    copy written into the store when it needs one."""
    if kind == "SVG":
        return _svg_facts(data, store, key)
    try:
        if kind == "PDF":
            picture = _pdf_first_page(data)
        else:
            picture = _decode(data, kind)
    except Exception as exc:  # Pillow and pdfium raise many kinds for a damaged file
        raise ImageError(f"image {source!r} cannot be decoded: {exc}") from None
    if picture is None:  # PNG or JPEG: shipped as they are
        return _raster_facts(data, kind, source)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    sealed = store.write_file(KIND, key, ".png", out.getvalue())
    return {"type": "PNG", "width": picture.width, "height": picture.height, "copy": True, "sealed": sealed}


def _decode(data: bytes, kind: str | None):
    """The first frame of a GIF, WebP, TIFF or BMP, upright, in a mode PNG keeps; None for PNG and JPEG."""
    from PIL import Image, ImageOps

    if kind in limits.SHIPPED_TYPES:
        return None
    image = Image.open(io.BytesIO(data), formats=[limits.PILLOW_FORMATS[kind]])
    image.seek(0)
    image.load()
    image = ImageOps.exif_transpose(image)
    alpha = "A" in image.getbands() or "transparency" in image.info
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA"):
        image = image.convert("RGBA" if alpha else "RGB")
    image.info.clear()  # no source metadata in the copy
    return image


def _raster_facts(data: bytes, kind: str | None, source: str) -> dict:
    """A PNG or JPEG decoded in full (a truncated file fails here, at its place, not in WeasyPrint's log)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=[limits.PILLOW_FORMATS[kind]]) as image:
            image.load()
            width, height = image.size
            turned = image.getexif().get(EXIF_ORIENTATION) in TURNED
    except Exception as exc:
        raise ImageError(f"image {source!r} cannot be decoded: {exc}") from None
    if turned:  # every edition shows it as its EXIF says: upright
        width, height = height, width
    return {"type": kind, "width": width, "height": height, "copy": False}


def _pdf_first_page(data: bytes):
    """The PDF's first page as an RGB picture at 300 dpi, on white, within the pixel limit."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()
        scale = limits.PDF_FIGURE_DPI / 72
        if width * height * scale * scale > limits.MAX_IMAGE_PIXELS:
            scale = (limits.MAX_IMAGE_PIXELS / (width * height)) ** 0.5
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=True)
        picture = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    return picture


def _svg_facts(data: bytes, store: Store, key: str) -> dict:
    """An SVG's size in CSS px (from width and height, or the shape of its viewBox), and a copy
    without its DOCTYPE when it has one: EPUB forbids a DOCTYPE's external identifier (OPF-073)."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    width, height = _css_px(root.get("width")), _css_px(root.get("height"))
    box = [float(v) for v in re.split(r"[\s,]+", (root.get("viewBox") or "").strip()) if _number(v)]
    fixed = bool(width and height)
    if not fixed and len(box) == 4 and box[2] > 0 and box[3] > 0:
        if width:
            width, height = width, width * box[3] / box[2]
            fixed = True
        elif height:
            width, height = height * box[2] / box[3], height
            fixed = True
        else:
            width, height = box[2], box[3]
    cleaned, count = limits.SVG_DOCTYPE.subn("", data.decode("utf-8", "replace") if _utf8(data) else "", count=1)
    facts = {"type": "SVG", "width": width or 0, "height": height or 0, "fixed": fixed, "copy": bool(count)}
    if count:
        facts["sealed"] = store.write_file(KIND, key, ".svg", cleaned.encode("utf-8"))
    return facts


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _css_px(value: str | None) -> float:
    """An SVG width or height in CSS px; 0 for a percentage, `auto` or nothing."""
    match = CSS_LENGTH.fullmatch(value or "")
    return float(match.group(1)) * CSS_UNITS[match.group(2)] if match else 0.0


@lru_cache(maxsize=1)
def _scratch_store() -> Store:
    """A build without a cache (`check`, the diff's pages) keeps its converted images here for the run."""
    folder = Path(tempfile.mkdtemp(prefix="pressroom-images-"))
    atexit.register(shutil.rmtree, folder, True)
    return Store(folder)


# ------------------------------------------------------------------ sizes on the printed page


@dataclass(frozen=True)
class PrintBox:
    """Where a PDF edition's images must fit: the text block (points), its leading, the resolution
    a raster prints at when it has room (its 1:1 size: never larger)."""

    width: float
    height: float
    leading: float
    resolution: float
    edition: str


CAPTION_LINES = 3  # room a figure keeps under its image for the caption, in lines
NOTE_SHARE = 0.3  # an image in a page-foot note: at most this share of the text block's height


def print_size(image: BookImage, box: PrintBox, in_note: bool = False) -> tuple[float, float] | None:
    """(width, height) in points the image prints at: its 1:1 size (a raster at `box.resolution`,
    an SVG at its own size), shrunk to the text block's width and the page's height, aspect kept;
    None when an SVG says nothing of its size or shape."""
    if not image.width or not image.height:
        return None
    if image.raster:
        width, height = image.width / box.resolution * 72, image.height / box.resolution * 72
    elif image.fixed:
        width, height = image.width * 0.75, image.height * 0.75  # CSS px → pt
    else:  # only a shape: as wide as the text block
        width, height = box.width, box.width * image.height / image.width
    tallest = box.height * NOTE_SHARE if in_note else box.height - CAPTION_LINES * box.leading
    scale = min(1.0, box.width / width, tallest / height)
    return width * scale, height * scale


def print_fragments(images: BookImages, chapters: dict[str, str], notes: dict[int, str],
                    box: PrintBox) -> tuple[dict[str, str], dict[int, str], list[Message]]:
    """The chapters' and notes' HTML with every image sized for the page, and a warning for each
    raster that prints below 150 dpi (at its place in the manuscript)."""
    softest: dict[str, tuple[float, float, Pos]] = {}

    def render(image: BookImage, attributes: dict[str, str], pos: Pos, in_note: bool) -> str:
        size = print_size(image, box, in_note)
        attributes = dict(attributes)
        classes = [*attributes.get("class", "").split(), "book-image"]
        if size is None or size[0] > box.width / 2 or size[1] > 2 * box.leading:
            classes.append("block-image")  # a line of its own: a text indent cannot push it past the margin
        attributes["class"] = " ".join(classes)
        attributes["src"] = html.escape(quote(image.source) if images.as_is(image) else image.file.resolve().as_uri())
        if size is not None:
            attributes["style"] = f"width: {size[0]:.2f}pt"
            if image.raster:
                dpi = image.width / (size[0] / 72)
                if dpi < softest.get(image.source, (MIN_PRINT_DPI, 0, pos))[0]:
                    softest[image.source] = (dpi, size[0], pos)
        attributes["data-image"] = html.escape(image.source)
        if pos.path:
            attributes["data-at"] = html.escape(f"{pos.path}:{pos.line}:{pos.col}")
        return img_tag(attributes)

    sized_chapters = {cid: images.rewrite(text, ("chapter", cid), lambda i, a, p: render(i, a, p, False))
                      for cid, text in chapters.items()}
    sized_notes = {number: images.rewrite(text, ("note", str(number)), lambda i, a, p: render(i, a, p, True))
                   for number, text in notes.items()}
    messages = []
    for source, (dpi, width, pos) in sorted(softest.items()):
        image = images.images[source]
        wanted = int(width / 72 * MIN_PRINT_DPI + 0.999)
        messages.append(warning("K003", pos.path, pos.line, pos.col,
                                f"image {source!r} ({image.width:.0f}×{image.height:.0f} px) prints "
                                f"{width / 72:.2f} in wide in the {box.edition} edition, at {dpi:.0f} dpi, "
                                f"below {MIN_PRINT_DPI}: it will look soft in print; use one at least "
                                f"{wanted} px wide (or raise image-resolution in styles/design.yaml)"))
    return sized_chapters, sized_notes, messages


def screen_fragments(images: BookImages, chapters: dict[str, str], notes: dict[int, str],
                     prefix: str = "") -> tuple[dict[str, str], dict[int, str]]:
    """The HTML with each image pointing at its file in the edition (`prefix` + its name) and
    carrying its pixel size, so a reader's layout does not jump as pictures load."""

    def render(image: BookImage, attributes: dict[str, str], _pos: Pos) -> str:
        attributes = dict(attributes)
        attributes["src"] = html.escape(prefix + image.name)
        if image.width and image.height and image.fixed:
            attributes["width"] = str(round(image.width))
            attributes["height"] = str(round(image.height))
        return img_tag(attributes)

    return ({cid: images.rewrite(text, ("chapter", cid), render) for cid, text in chapters.items()},
            {number: images.rewrite(text, ("note", str(number)), render) for number, text in notes.items()})
