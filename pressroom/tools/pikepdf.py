"""pikepdf (qpdf), the only place it is used: read page boxes and destinations, overlay stamps, write XMP.

Stamping never re-typesets: the built PDF's pages keep their content streams, sizes and
resources; each page gets its old content wrapped in q/Q and one more stream that draws a
Form XObject (a page of a small stamp PDF) on top. Streams are copied as they are, never
decoded, so images are not recompressed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from ..messages import fail

# Our own XMP namespace for the reader a copy was prepared for.
XMP_NAMESPACE = "https://pressroom.invalid/ns/stamp/1.0/"
XMP_PREFIX = "pressroom"


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points: lower-left and upper-right corners."""

    llx: float
    lly: float
    urx: float
    ury: float

    @property
    def width(self) -> float:
        return self.urx - self.llx

    @property
    def height(self) -> float:
        return self.ury - self.lly


@dataclass(frozen=True)
class Destination:
    """A named destination: the page (0-based) and the point it shows, in PDF points."""

    page: int
    x: float
    y: float


@dataclass(frozen=True)
class Draw:
    """Draw page `form` of the stamp PDF with its lower-left corner at (x, y) of a page."""

    form: int
    x: float
    y: float
    artifact: str = "/Artifact BMC"  # tagged PDFs: the stamp is never part of the structure tree


def _pikepdf():
    try:
        import pikepdf
    except ImportError:
        raise fail("T020", "pikepdf", 0, 0, "pikepdf is not installed: pip install -r requirements.txt") from None
    return pikepdf


def open_pdf(data: bytes, label: str):
    """Open a PDF held in memory; a damaged file is our error naming `label`."""
    pikepdf = _pikepdf()
    try:
        return pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as exc:
        raise fail("T021", label, 0, 0, f"not a readable PDF: {exc}") from None


def page_boxes(pdf) -> list[Box]:
    """Each page's trim box (the finished page), or its media box where it has none."""
    return [_box(page.obj.get("/TrimBox") or page.mediabox) for page in pdf.pages]


def media_boxes(pdf) -> list[Box]:
    """Each page's media box."""
    return [_box(page.mediabox) for page in pdf.pages]


def destination(pdf, name: str) -> Destination | None:
    """The named destination `name` (WeasyPrint writes one per element id), or None."""
    pikepdf = _pikepdf()
    root = pdf.Root
    if "/Names" not in root or "/Dests" not in root.Names:
        return None
    target = pikepdf.NameTree(root.Names.Dests).get(name)
    if target is None:
        return None
    array = target.D if isinstance(target, pikepdf.Dictionary) else target
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    page = pages.get(array[0].objgen)
    if page is None or len(array) < 4:
        return None
    return Destination(page, float(array[2] or 0), float(array[3] or 0))


class Stamper:
    """Stamps copies of one PDF, kept open: only the forms and the XMP change from copy to copy.

    The pages are prepared once (old content wrapped in q/Q, then a stream drawing our named
    forms); each copy binds those names to the reader's forms, sets the XMP and writes the file.
    Forms of earlier copies stay behind as unreachable objects, which qpdf never writes (the
    same reader's copy is byte-identical whatever was stamped before); the file is reopened now
    and then so they cannot pile up.
    """

    REOPEN_EVERY = 100

    def __init__(self, data: bytes, draws: list[tuple[Draw, ...]], *, label: str):
        self.data, self.draws, self.label = data, draws, label
        self.forms = 1 + max((d.form for page in draws for d in page), default=-1)
        self._open()

    def _open(self) -> None:
        self.pdf = open_pdf(self.data, self.label)
        if len(self.draws) != len(self.pdf.pages):
            raise fail("T022", self.label, 0, 0, f"{len(self.draws)} stamp placements for {len(self.pdf.pages)} pages")
        self.names = _form_names(self.pdf, self.forms)
        self.holders = _wrap_pages(self.pdf, self.draws, self.names)
        self.metadata = self.pdf.Root.get("/Metadata")
        self.copies = 0

    def copy(self, stamp_pdf: bytes, xmp: dict[str, str]) -> bytes:
        """The PDF with the pages of `stamp_pdf` drawn as placed, and `xmp` (local name → text) in its XMP."""
        if self.copies >= self.REOPEN_EVERY:
            self._open()
        self.copies += 1
        pdf = self.pdf
        with open_pdf(stamp_pdf, f"{self.label} (stamp)") as source:
            if len(source.pages) != self.forms:  # a stamp that outgrew its page would shift every form
                raise fail("T022", self.label, 0, 0, f"the stamp laid out on {len(source.pages)} pages, "
                           f"not {self.forms}: it is too long to fit")
            forms = [pdf.copy_foreign(page.as_form_xobject()) for page in source.pages]
        for xobjects, used in self.holders:
            for form in used:
                xobjects[self.names[form]] = forms[form]
        _reset_metadata(pdf, self.metadata)
        _write_xmp(pdf, xmp)
        return _save(pdf)


def _wrap_pages(pdf, draws: list[tuple[Draw, ...]], names: list[str]) -> list[tuple[object, tuple[int, ...]]]:
    """Wrap each page's content in q/Q and append the stream drawing its forms; return the
    XObject dictionaries to bind the forms in (each once, however many pages share it)."""
    pikepdf = _pikepdf()
    opening = pdf.make_stream(b"q\n")
    closings: dict[tuple[Draw, ...], object] = {}
    holders: dict[tuple, tuple[object, set]] = {}
    for page, page_draws in zip(pdf.pages, draws):
        if not page_draws:
            continue
        if page_draws not in closings:  # pages placed alike share one stream
            closings[page_draws] = pdf.make_stream(_closing(page_draws, names))
        xobjects = _xobjects(page)
        holder = xobjects if xobjects.is_indirect else page.obj.Resources
        key = holder.objgen if holder.is_indirect else ("page", page.objgen)
        holders.setdefault(key, (xobjects, set()))[1].update(d.form for d in page_draws)
        page.obj.Contents = pikepdf.Array([opening, *_contents(page), closings[page_draws]])
    return [(xobjects, tuple(sorted(used))) for xobjects, used in holders.values()]


def _xobjects(page):
    pikepdf = _pikepdf()
    if "/Resources" not in page.obj:
        page.obj.Resources = pikepdf.Dictionary()
    if "/XObject" not in page.obj.Resources:
        page.obj.Resources.XObject = pikepdf.Dictionary()
    return page.obj.Resources.XObject


def _reset_metadata(pdf, original) -> None:
    """Back to the PDF's own XMP (or none), so nothing of the previous copy's reader remains."""
    if original is None:
        if "/Metadata" in pdf.Root:
            del pdf.Root.Metadata
    else:
        pdf.Root.Metadata = original


def _form_names(pdf, count: int) -> list[str]:
    """Resource names no page already uses, so our forms never shadow the book's own."""
    used, seen = set(), set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        if resources is None or "/XObject" not in resources:
            continue
        holder = resources.XObject if resources.XObject.is_indirect else resources
        key = holder.objgen if holder.is_indirect else None
        if key is None or key not in seen:  # WeasyPrint shares one dictionary among all pages
            seen.add(key)
            used.update(str(k) for k in resources.XObject.keys())
    names, n = [], 0
    while len(names) < count:
        name = f"/PressroomStamp{n}"
        if name not in used:
            names.append(name)
        n += 1
    return names


def _closing(page_draws: tuple[Draw, ...], names: list[str]) -> bytes:
    """Restore the page's state, then draw each form at its place, marked as an artifact."""
    lines = ["Q"]
    for d in page_draws:
        lines.append(f"q {d.artifact} 1 0 0 1 {_num(d.x)} {_num(d.y)} cm {names[d.form]} Do EMC Q")
    return ("\n".join(lines) + "\n").encode("ascii")


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _contents(page) -> list:
    pikepdf = _pikepdf()
    contents = page.obj.get("/Contents")
    if contents is None:
        return []
    if isinstance(contents, pikepdf.Array):
        return list(contents)
    return [contents]


def _write_xmp(pdf, values: dict[str, str]) -> None:
    """Our properties in the XMP packet (created from the document info if there is none).

    pikepdf is not named as editor: that would stamp the clock into xmp:MetadataDate.
    """
    pikepdf = _pikepdf()
    pikepdf.models.PdfMetadata.register_xml_namespace(XMP_NAMESPACE, XMP_PREFIX)
    had_xmp = "/Metadata" in pdf.Root
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        if not had_xmp:
            meta.load_from_docinfo(pdf.docinfo)
        for key, value in values.items():
            meta[f"{{{XMP_NAMESPACE}}}{key}"] = value


def read_xmp(data: bytes, label: str) -> dict[str, str]:
    """Our XMP properties of a stamped PDF (local name → text)."""
    pikepdf = _pikepdf()
    pikepdf.models.PdfMetadata.register_xml_namespace(XMP_NAMESPACE, XMP_PREFIX)
    with open_pdf(data, label) as pdf:
        meta = pdf.open_metadata()
        prefix = f"{{{XMP_NAMESPACE}}}"
        return {k[len(prefix):]: str(v) for k, v in meta.items() if k.startswith(prefix)}


def _save(pdf) -> bytes:
    """Write without decoding any stream (images keep their bytes) and with an /ID from the content."""
    pikepdf = _pikepdf()
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def _box(array) -> Box:
    values = [float(Decimal(str(v))) for v in array]
    llx, lly, urx, ury = values
    return Box(min(llx, urx), min(lly, ury), max(llx, urx), max(lly, ury))
