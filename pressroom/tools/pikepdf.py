"""pikepdf (qpdf), the only place it is used: read page boxes and destinations, overlay stamps, write XMP.

Stamping never re-typesets: the built PDF's pages keep their content streams, sizes and
resources; each page gets its old content wrapped in q/Q and one more stream that draws a
Form XObject (a page of a small stamp PDF) on top. Streams are copied as they are, never
decoded, so images are not recompressed.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from ..messages import fail

# Our own XMP namespace for the reader a copy was prepared for.
XMP_NAMESPACE = "https://pressroom.invalid/ns/stamp/1.0/"
XMP_PREFIX = "pressroom"
FOLIO = "/PressroomFolio"  # the resource name of a merged page's folio form (stamps avoid it: _form_names)


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


def _save(pdf, object_streams=None) -> bytes:
    """Write without decoding any stream (images keep their bytes) and with an /ID from the content;
    object streams as the file had them unless `object_streams` says otherwise."""
    pikepdf = _pikepdf()
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=object_streams or pikepdf.ObjectStreamMode.preserve)
    return out.getvalue()


def _packed(pdf) -> bytes:
    """The PDF with its dictionaries, annotations and forms in compressed object streams, as
    WeasyPrint packs a book laid out whole (a third of a merged file otherwise).

    qpdf fills object streams in the order of the objects' numbers, and a part's numbers follow
    the order WeasyPrint made its objects in, which varies with Python's hash seed: a plain
    write first numbers them in the order they are reached, so the same pages give the same bytes.
    """
    pikepdf = _pikepdf()
    with pikepdf.open(io.BytesIO(_save(pdf, pikepdf.ObjectStreamMode.disable))) as plain:
        return _save(plain, pikepdf.ObjectStreamMode.generate)


def _box(array) -> Box:
    values = [float(Decimal(str(v))) for v in array]
    llx, lly, urx, ury = values
    return Box(min(llx, urx), min(lly, ury), max(llx, urx), max(lly, ury))


@dataclass(frozen=True)
class PartFile:
    """A PDF laid out alone: the first `pages` of it go into the book (the rest is its part-end page)."""

    path: str
    pages: int


def merge_parts(front: PartFile, chapters: list[PartFile], folios: str, blank: list[bool], target,
                *, label: str, fonts: Callable[[object], object] | None = None) -> None:
    """One PDF from the front matter and the chapters, with the folio sheet drawn on the body's pages.

    The front matter's document (its metadata, language, viewer settings) is kept; the chapters'
    pages follow it. Named destinations and the outline are rebuilt for the merged pages: a
    link in any part then reaches its anchor in whichever part holds it. `blank[i]` says the
    i-th body page is a blank verso, which bears no folio. `fonts(pdf)`, when given, rewrites
    the merged document's fonts before it is written (tools/pdffonts.py: one subset per face).
    """
    pikepdf = _pikepdf()
    opened = []
    try:
        book = _open_file(front.path, label)
        opened.append(book)
        names: dict[str, tuple[int, list]] = {}
        outline: list = []
        _collect(book, 0, front.pages, names, outline)
        del book.pages[front.pages:]
        for part in chapters:
            source = _open_file(part.path, label)
            opened.append(source)
            _collect(source, len(book.pages), part.pages, names, outline)
            with warnings.catch_warnings():  # about named destinations: rebuilt below
                warnings.simplefilter("ignore")
                book.pages.extend(source.pages[:part.pages])
        sheet = _open_file(folios, label)
        opened.append(sheet)
        body = len(book.pages) - front.pages
        if len(sheet.pages) != body or len(blank) != body:
            raise fail("T023", label, 0, 0, f"the page numbers were laid out for {len(sheet.pages)} pages, "
                       f"the chapters have {body}")
        # One pair of streams for every page; each page's own resources name its folio's form.
        opening = book.make_stream(b"q\n")
        closing = book.make_stream(f"Q\nq {FOLIO} Do Q\n".encode("ascii"))
        shared: dict[bytes, object] = {}
        for index, page in enumerate(sheet.pages):
            if not blank[index]:
                _draw_folio(book, book.pages[front.pages + index], page, opening, closing, shared)
        _drop_dangling_links(book, names)
        tree = pikepdf.NameTree.new(book)
        for name in sorted(names):
            index, rest = names[name]
            tree[name] = pikepdf.Array([book.pages[index].obj, *rest])
        if "/Names" not in book.Root:
            book.Root.Names = pikepdf.Dictionary()
        book.Root.Names.Dests = tree.obj
        with book.open_outline() as merged_outline:
            merged_outline.root[:] = [_outline_item(item) for item in outline]
        if fonts is not None:
            fonts(book)
        with open(target, "wb") as handle:
            handle.write(_packed(book))
    finally:
        for pdf in opened:
            pdf.close()


def _drop_dangling_links(book, names: dict) -> None:
    """Remove links to an anchor no part holds, as WeasyPrint does in a book laid out whole."""
    pikepdf = _pikepdf()
    for page in book.pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = [a for a in annots if "/Dest" not in a or not isinstance(a.Dest, pikepdf.String)
                or str(a.Dest) in names]
        if len(kept) != len(annots):
            page.obj.Annots = pikepdf.Array(kept)


def _draw_folio(book, page, other, opening, closing, shared: dict) -> None:
    """Draw the page `other` (the folio sheet's) over `page` as the form FOLIO of the page's own
    resources; the shared `closing` stream draws it.

    A stream per page naming its own form cost 35 KB in a 300-page book; a resources dictionary
    per page goes into the compressed object streams.
    """
    pikepdf = _pikepdf()
    form = book.copy_foreign(other.as_form_xobject())
    resources = form.stream_dict.get("/Resources")
    if resources is not None and not resources.is_indirect:  # alike on every folio: one indirect copy
        form.stream_dict.Resources = shared.setdefault(resources.unparse(), book.make_indirect(resources))
    own = pikepdf.Dictionary({key: value for key, value in (page.obj.get("/Resources") or {}).items()})
    xobjects = pikepdf.Dictionary({key: value for key, value in (own.get("/XObject") or {}).items()})
    xobjects[FOLIO] = form
    own.XObject = xobjects
    page.obj.Resources = own
    page.obj.Contents = pikepdf.Array([opening, *_contents(page), closing])


def _open_file(path: str, label: str):
    """Open a PDF file; a damaged one is our error naming `label`."""
    pikepdf = _pikepdf()
    try:
        return pikepdf.open(path)
    except pikepdf.PdfError as exc:
        raise fail("T021", label, 0, 0, f"not a readable PDF: {path}: {exc}") from None


def _collect(pdf, offset: int, keep: int, names: dict, outline: list) -> None:
    """The part's named destinations and outline, pages renumbered for the merged book (first name wins)."""
    pikepdf = _pikepdf()
    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        for name, value in pikepdf.NameTree(pdf.Root.Names.Dests).items():
            array = value.D if isinstance(value, pikepdf.Dictionary) else value
            page = index.get(array[0].objgen)
            if page is not None and page < keep and name not in names:
                # The rest are direct values (a name, numbers): they travel as they are.
                names[name] = (offset + page, list(array[1:]))
    with pdf.open_outline() as part_outline:
        outline.extend(_outline_entry(item, index, offset, keep) for item in part_outline.root)


def _outline_entry(item, index: dict, offset: int, keep: int) -> tuple:
    """(title, merged page, location values, closed, children) of an outline item."""
    destination = item.destination
    page, rest = None, []
    if destination is not None and len(destination) > 0:
        page = index.get(destination[0].objgen)
        rest = list(destination[1:])
    merged = offset + page if page is not None and page < keep else None
    return (str(item.title), merged, rest, item.is_closed,
            [_outline_entry(child, index, offset, keep) for child in item.children])


def _outline_item(entry: tuple):
    """An outline item for the merged book from `_outline_entry`'s tuple."""
    pikepdf = _pikepdf()
    title, page, rest, closed, children = entry
    item = pikepdf.OutlineItem(title)
    if page is not None:
        item = pikepdf.OutlineItem(title, page, "XYZ", left=rest[1] if len(rest) > 1 else None,
                                   top=rest[2] if len(rest) > 2 else None)
    item.is_closed = closed
    item.children.extend(_outline_item(child) for child in children)
    return item
