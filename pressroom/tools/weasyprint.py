"""WeasyPrint, the only place it is run: lay out HTML into pages, read notes off them, write PDF."""

from __future__ import annotations

import inspect
import logging
import re
import shutil
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, NamedTuple
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .. import limits
from . import weasyprint_cjk
from ..messages import BuildError, Message, fail, warning

MIME = {".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2", ".css": "text/css",
        ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def _fetcher_class():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class BookFetcher(URLFetcher):
        """Serves only regular files under the given folders; anything else stops the build.

        A file missing from one of the `layered` folders (a book's styles/, then ours) is
        looked for at the same place in the folders after it: a book's own pdf.css can name
        url("note-rule.svg") and get ours.
        """

        def __init__(self, roots: list[Path], layered: list[Path] = ()):
            super().__init__(timeout=5, allowed_protocols={"file"}, allow_redirects=False)
            self.roots = [r.resolve() for r in roots]
            self.layered = [r.resolve() for r in layered]

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise FatalURLFetchingError(f"blocked: {url}")
            try:
                path = self._find(Path(url2pathname(parts.path)))
            except OSError as exc:
                raise FatalURLFetchingError(f"missing: {url}") from exc
            inside = any(path.is_relative_to(root) for root in self.roots)
            if not (inside and path.is_file() and path.suffix.lower() in MIME):
                raise FatalURLFetchingError(f"blocked: {url}")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": MIME[path.suffix.lower()]})

        def _find(self, path: Path) -> Path:
            try:
                return path.resolve(strict=True)
            except OSError:
                for index, folder in enumerate(self.layered):
                    if path.resolve().is_relative_to(folder):
                        relative = path.resolve().relative_to(folder)
                        for later in self.layered[index + 1:]:
                            if (later / relative).is_file():
                                return (later / relative).resolve(strict=True)
                raise

    return BookFetcher, FatalURLFetchingError


class _Collect(logging.Handler):
    """WeasyPrint reports a dropped image or font, or a CSS rule it ignores, only as a log line:
    we keep each, with the stylesheet being read when it was logged, to fail or warn on."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[tuple[logging.LogRecord, tuple[str, int, int] | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        sheet = _SHEET.get()
        self.records.append((record, tuple(sheet) if sheet is not None else None))

    def errors(self) -> list[str]:
        return [record.getMessage() for record, _ in self.records if record.levelno >= logging.ERROR]

    def warnings(self, resources: "Resources", label: str) -> list[Message]:
        """The warnings as ours, each once: at the stylesheet's `line:col` where WeasyPrint was reading one."""
        found = []
        for record, sheet in self.records:
            if record.levelno >= logging.ERROR:
                continue
            text = record.getMessage()
            path, line, col = label, 0, 0
            if sheet is not None:
                base, line, col = sheet
                path = _sheet_name(base, resources)
                at = _AT.search(text)
                if at:  # the declaration's own place, inside the rule being read
                    line, col = int(at.group(1)), int(at.group(2))
            text = _CLOSING_SPACE.sub(r"\1", _AT.sub("", text)).strip()
            message = warning("W007", path, line, col, f"WeasyPrint: {text}")
            if message not in found:
                found.append(message)
        return found


_AT = re.compile(r" at (\d+):(\d+)")  # WeasyPrint's CSS warnings say where, in the stylesheet: "… at 12:3, …"
_CLOSING_SPACE = re.compile(r"\s+([`'])(?=[,.;]|\s|$)")  # "`font-wieght: bold `" as it was written


def _sheet_name(base_url: str, resources: "Resources") -> str:
    """A stylesheet as messages name it: a file by `resources.shown`, else the document's own <style>."""
    parts = urlsplit(base_url or "")
    if parts.scheme == "file" and not parts.path.endswith("/"):
        return resources.shown(Path(url2pathname(parts.path)))
    return resources.inline


@dataclass(frozen=True)
class Resources:
    """The folders a layout may read files from; a file missing from one of the `layered` ones
    (a book's styles/, then ours) is looked for in those after it. `shown` names a stylesheet
    file in messages, `inline` the document's own <style>."""

    folders: tuple[Path, ...]
    layered: tuple[Path, ...] = ()
    shown: Callable[[Path], str] = str
    inline: str = "<style>"


@dataclass(frozen=True)
class NotePlacement:
    """Where a note's call and its body were laid out (1-based pages; 0 = printed nowhere)."""

    note_id: str
    call_page: int
    body_page: int


# WeasyPrint 70.0, layout/block.py, _linebox_layout: when a line overflows the page and
# widows/orphans forbid breaking before it, WeasyPrint pushes notes already placed on this
# page to the next one to make room, leaving their calls behind; in the same pass notes can
# be lost altogether (Kozea/WeasyPrint#2432, notes vs widows; also #1564). We switch that
# path off, so the paragraph breaks where widows and orphans allow instead, and the notes
# of any line that moves go with it. Regression test: tests/test_note_placement.py runs
# tests/fixtures/weasyprint-footnote-loss.html, where unpatched 70.0 loses note 19.
_FOOTNOTE_REPORT = "report = not context.in_column and can_break_now and not could_break_before"


@lru_cache(maxsize=1)
def _patch_footnote_reporting() -> None:
    import weasyprint
    import weasyprint.layout.block as block

    source = inspect.getsource(block._linebox_layout)
    if weasyprint.__version__ != "70.0" or source.count(_FOOTNOTE_REPORT) != 1:
        raise fail("T010", "requirements.txt", 0, 0,
                   f"WeasyPrint {weasyprint.__version__} is not the pinned 70.0 our note patch is for; "
                   "run `make` to reinstall the pinned version")
    patched = source.replace(_FOOTNOTE_REPORT, "report = False")
    exec(compile(patched, block.__file__, "exec"), block.__dict__)


# The stylesheet WeasyPrint is reading, as [base URL, line, column of the rule being read]:
# its CSS warnings name a line (or nothing, for a bad selector) but never the file.
_SHEET: ContextVar[list | None] = ContextVar("pressroom_stylesheet", default=None)


@lru_cache(maxsize=1)
def _track_stylesheets() -> None:
    """Wrap WeasyPrint's preprocess_stylesheet (called once per stylesheet, and again for the
    rules inside @media and @layer) so a warning logged while it runs knows the file and rule."""
    import weasyprint
    import weasyprint.css as css

    original = css.preprocess_stylesheet

    def preprocess_stylesheet(device_media_type, base_url, stylesheet_rules, *args, **kwargs):
        where = [base_url, 0, 0]

        def rules():
            for rule in stylesheet_rules:
                where[1], where[2] = getattr(rule, "source_line", 0), getattr(rule, "source_column", 0)
                yield rule

        token = _SHEET.set(where)
        try:
            return original(device_media_type, base_url, rules(), *args, **kwargs)
        finally:
            _SHEET.reset(token)

    # weasyprint.CSS calls the name it imported; @media and @layer call the module's own.
    css.preprocess_stylesheet = weasyprint.preprocess_stylesheet = preprocess_stylesheet


def layout(html: str, base: Path, resources: Resources, *, label: str, warnings: list[Message] | None = None,
           sections: Mapping[str, str] | None = None):
    """Lay out `html` into pages; any WeasyPrint error or blocked resource fails the build.

    WeasyPrint's warnings (a CSS rule it ignores, say) are added to `warnings`, at the stylesheet's
    line; a failed layout carries them with its error. An exception from inside WeasyPrint is an
    error at `label`, or at `sections[id]` of the <section id> whose content it was laying out.
    """
    prepare()
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        document = _render(html, base, resources, label, sections or {})
        errors = collect.errors()
        if errors:
            raise fail("W002", label, 0, 0, "WeasyPrint: " + "; ".join(errors))
    except BuildError as exc:
        raise BuildError([*exc.messages, *collect.warnings(resources, label)]) from None
    finally:
        logger.removeHandler(collect)
    if warnings is not None:
        warnings.extend(m for m in collect.warnings(resources, label) if m not in warnings)
    overflows = text_outside_block(document)
    if overflows:
        more = f" (and {len(overflows) - 3} more)" if len(overflows) > 3 else ""
        raise fail("W003", label, 0, 0, "text runs outside the text block: " + "; ".join(overflows[:3]) + more)
    return document


def _render(html: str, base: Path, resources: Resources, label: str, sections: Mapping[str, str]):
    import weasyprint

    fetcher_class, fatal = _fetcher_class()
    source = None
    try:
        with limits.deadline(limits.LAYOUT_SECONDS, label, "WeasyPrint's layout"), \
                limits.stage(label, "laying out pages with WeasyPrint"):
            source = weasyprint.HTML(string=html, base_url=base.resolve().as_uri() + "/",
                                     url_fetcher=fetcher_class(resources.folders, resources.layered))
            return source.render()
    except fatal as exc:
        raise fail("W001", label, 0, 0, f"WeasyPrint refused a resource: {exc}") from None
    except RecursionError:
        raise fail("W004", label, 0, 0, "WeasyPrint ran out of stack: something is nested too deeply") from None
    except OSError as exc:  # its font files go to a temporary folder: a full disk stops it there
        raise fail("W005", label, 0, 0, f"WeasyPrint could not write its temporary files: {exc.strerror or exc}") from None
    except BuildError:
        raise
    except Exception as exc:  # a bug of WeasyPrint's that this input reaches: ours to name, not a traceback
        where = _section_at_fault(exc, source, sections) or label
        raise fail("W008", where, 0, 0, f"WeasyPrint failed while laying this out ({type(exc).__name__}: {exc}): "
                   "a WeasyPrint bug that this text or a stylesheet rule applied to it reaches") from None


def _section_at_fault(exc: BaseException, source, sections: Mapping[str, str]) -> str | None:
    """The label of the <section id> holding the box WeasyPrint was laying out when it failed:
    read from the innermost frame of its traceback that has a `box` with an element."""
    if not sections or source is None:
        return None
    frames, tb = [], exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    element = next((box.element for box in (f.f_locals.get("box") for f in reversed(frames))
                    if getattr(box, "element", None) is not None), None)
    root = getattr(source, "etree_element", None)
    if element is None or root is None:
        return None
    parents = {child: parent for parent in root.iter() for child in parent}
    while element is not None:
        if element.get("id") in sections:
            return sections[element.get("id")]
        element = parents.get(element)
    return None


OVERFLOW_TOLERANCE = 2.0  # CSS px (about 0.5 mm): justification and superscripts round a little


def text_outside_block(document) -> list[str]:
    """Every line of text or image that sticks out of its page's text block, as 'page N (where): text'
    (a book image: its file, where the manuscript uses it, and what to do).

    A word with no break opportunity (a long URL, a 3000-letter word) or a table too wide for the
    page would print past the margin, or off the paper, with no error from WeasyPrint.
    """
    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        left = page_box.content_box_x()
        right = left + page_box.width
        stack = [(child, "") for child in page_box.children if type(child).__name__ != "MarginBox"]
        while stack:
            box, where = stack.pop()
            element = getattr(box, "element", None)
            element_id = element.get("id") if element is not None else None
            if element_id and element_id.startswith("chapter-"):
                where = element_id
            kind = type(box).__name__
            if kind in ("TextBox", "InlineReplacedBox", "BlockReplacedBox"):
                start = box.position_x
                end = start + (_visible_width(box) if kind == "TextBox" else box.margin_width())
                if end > right + OVERFLOW_TOLERANCE or start < left - OVERFLOW_TOLERANCE:
                    image = element.get("data-image") if element is not None and kind != "TextBox" else None
                    if image:  # our own <img> (pressroom/images.py): the file and where the text uses it
                        past = max(end - right, left - start) / 96
                        used = f" (used at {element.get('data-at')})" if element.get("data-at") else ""
                        found.append(f"page {number}: image {image!r}{used} runs {past:.2f} in past the "
                                     "margin: give it a paragraph of its own, or look for a rule in the "
                                     "book's styles/pdf.css that sizes images")
                    else:
                        text = getattr(box, "text", "") or f"<{getattr(box, 'element_tag', 'image')}>"
                        shown = text[:30] + ("…" if len(text) > 30 else "")
                        found.append(f"page {number}{f' ({where})' if where else ''}: {shown!r}")
            stack.extend((child, where) for child in reversed(getattr(box, "children", ())))
    return found


def _visible_width(box) -> float:
    """A text box's width without the spaces that end a line of preserved white space (`pre-wrap`,
    code): CSS lets them hang past the line's end, WeasyPrint counts them in the box, and they
    print nothing (d2l's 79-column code lines broke at a space that then stuck out by a space)."""
    text = box.text or ""
    stripped = text.rstrip(" \t")
    if stripped == text or box.style["white_space"] not in ("pre-wrap", "break-spaces"):
        return box.margin_width()
    from weasyprint.text.line_break import create_layout, line_size

    line, _ = create_layout(stripped, box.style, None, None, 0).get_first_line()
    return box.margin_width() - box.width + line_size(line, box.style)[0]


def note_placements(document) -> list[NotePlacement]:
    """Map each note to the page of its call and the page printing it, in call order.

    Reads the laid-out box tree: the private `_page_box` is why WeasyPrint is pinned. A call
    and its note share one HTML element, so elements pair them; notes are named by their id
    attribute, or `footnote-K` (K-th call) where they have none.
    """
    calls: dict[int, tuple[object, int]] = {}
    bodies: dict[int, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is not None and (getattr(box, "element_tag", "") or "").endswith("::footnote-call"):
                calls.setdefault(id(element), (element, number))
        for area in (c for c in page._page_box.children if type(c).__name__ == "FootnoteAreaBox"):
            for child in area.children:
                element = getattr(child, "element", None)
                if element is not None:
                    bodies.setdefault(id(element), number)
    return [NotePlacement(element.get("id") or f"footnote-{k}", page, bodies.get(key, 0))
            for k, (key, (element, page)) in enumerate(calls.items(), start=1)]


def anchor_pages(document) -> dict[str, int]:
    """Each anchor (element id) of the laid-out document and the page it lands on (1-based)."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            found.setdefault(name, number)
    return found


class TextRun(NamedTuple):
    """A text box of a laid-out page as plain data: its HTML element, its text, and its
    element_tag (`p`, or `a::footnote-call` for text a pseudo-element generates)."""

    element: object
    text: str
    tag: str


def root_element(document):
    """The laid-out document's root HTML element (None for a document with no pages)."""
    if not document.pages:
        return None
    for box in document.pages[0]._page_box.children:
        element = getattr(box, "element", None)
        if element is not None and type(box).__name__ not in ("MarginBox", "FootnoteAreaBox"):
            return element
    return None


REPLACED = ("BlockReplacedBox", "InlineReplacedBox")  # an <img>'s box, laid out whole on one page


def main_flow_text(document) -> list[list[TextRun]]:
    """Per page, the text boxes of its main flow in order: not its margins, not its page-foot notes.

    An image is a run with no text (tag "img"): a page may begin with a figure (pagemap marks it there).
    """
    pages = []
    for page in document.pages:
        runs = []
        for child in page._page_box.children:
            if type(child).__name__ in ("MarginBox", "FootnoteAreaBox"):
                continue
            runs += [TextRun(box.element, box.text or "", box.element_tag or "") if type(box).__name__ == "TextBox"
                     else TextRun(box.element, "", "img")
                     for box in child.descendants() if type(box).__name__ in ("TextBox", *REPLACED)]
        pages.append(runs)
    return pages


def blank_pages(document) -> list[bool]:
    """For each page, whether it is a blank one WeasyPrint added for a forced break (a verso before a recto)."""
    return [bool(page._page_box.page_type.blank) for page in document.pages]


def prepare() -> None:
    """Import WeasyPrint and patch it now: worker processes forked after this start ready."""
    import weasyprint  # noqa: F401

    _patch_footnote_reporting()
    _track_stylesheets()
    weasyprint_cjk.patch()


# A printer's PDF is PDF/X-4: the current PDF/X, which keeps transparency and ICC-based colour
# as they are (X-1a would need every colour converted to CMYK, which WeasyPrint does not do).
PDFX_VARIANT = "pdf/x-4"


def write_pdf(document, target: Path, *, identifier: bytes | None = None, tagged: bool = False,
              label: str = "PDF", output_profile: Path | None = None) -> None:
    """Write the laid-out document as a PDF at `target` (a temporary path owned by the caller);
    with `output_profile` (a CMYK ICC profile) as PDF/X-4 with that profile as its output intent."""
    options = {"pdf_variant": "pdf/ua-1"} if tagged else {}
    if output_profile is None:
        _write(document, target, label, pdf_identifier=identifier, **options)
        return
    import uuid

    import weasyprint.pdf.metadata as metadata

    _add_output_intent(document, output_profile)
    # WeasyPrint 70 gives a PDF/X-4's XMP a random DocumentID (uuid4): one named by the document's
    # identifier instead, so the same sources give the same bytes (and the same document the same id).
    random_id = metadata.uuid4
    metadata.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, f"pressroom:{(identifier or b'').decode()}")
    try:
        _write(document, target, label, pdf_identifier=identifier, pdf_variant=PDFX_VARIANT)
    finally:
        metadata.uuid4 = random_id


def _add_output_intent(document, profile: Path) -> None:
    """The profile as the document's device-cmyk colour profile: WeasyPrint 70 makes the profile
    named so the OutputIntent of a PDF/X. Its dates come from SOURCE_DATE_EPOCH: PDF/X needs dates,
    and WeasyPrint would otherwise take the clock's, so the same sources would not give the same bytes."""
    import os
    import time

    from weasyprint.css import ColorProfile

    with open(profile, "rb") as handle:
        document.color_profiles["device-cmyk"] = ColorProfile(handle, profile.as_uri(), "relative-colorimetric",
                                                              (["c"], ["m"], ["y"], ["k"]))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(int(epoch)))
        document.metadata.created = document.metadata.created or stamp
        document.metadata.modified = document.metadata.modified or stamp


def _write(document, target: Path, label: str, **options) -> None:
    try:
        document.write_pdf(target, **options)
    except (OSError, BuildError, MemoryError):
        raise
    except Exception as exc:  # as in layout: WeasyPrint's bug, named, not a traceback
        raise fail("W008", label, 0, 0, f"WeasyPrint failed while writing its PDF "
                   f"({type(exc).__name__}: {exc})") from None


def removed_if_killed(documents: "SmallDocuments") -> None:
    """Its font folder in TMPDIR, removed by the janitor (output.py) should this process be
    killed: a stamp run stopped with SIGKILL left 11 MB in /tmp (its renderer lives as long as
    the run; a layout worker's TMPDIR is its pool's own, removed with the pool)."""
    from ..output import JANITOR

    if documents._fonts._folder:
        JANITOR.track(Path(documents._fonts._folder))


def remove_font_folders() -> None:
    """Remove the temporary font folders of this process's layouts (a cover, a single flow, a
    redline, stamps) now. WeasyPrint copies each @font-face file into a folder of TMPDIR that only
    FontConfiguration.__del__ removes; at interpreter exit that often finds `rmtree` already
    gone, and 11 MB stayed in /tmp (seen after a build of a printer's edition, whose cover is laid
    out in the build process). Layout workers have a TMPDIR of their own (workers.py)."""
    import gc

    fonts = sys.modules.get("weasyprint.text.fonts")
    if fonts is None:  # no layout in this process
        return
    for item in gc.get_objects():
        if isinstance(item, fonts.FontConfiguration) and item._folder:
            shutil.rmtree(item._folder, ignore_errors=True)
            item._folder = None


class SmallDocuments:
    """Lays out many small HTML documents (per-reader stamps) with one stylesheet and font set-up.

    A fresh FontConfiguration per document would cost a fontconfig start-up each time; sharing
    it makes a stamp a few milliseconds of layout.
    """

    def __init__(self, css: str, roots: list[Path], *, label: str):
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        fetcher_class, self._fatal = _fetcher_class()
        self._fetcher = fetcher_class(roots)
        self._fonts = FontConfiguration()
        self._label = label
        try:
            self._css = weasyprint.CSS(string=css, url_fetcher=self._fetcher, font_config=self._fonts)
        except self._fatal as exc:
            raise fail("W001", label, 0, 0, f"WeasyPrint refused a resource: {exc}") from None

    def pdf(self, html: str) -> bytes:
        """The PDF of `html`; any WeasyPrint error or blocked resource is ours to report."""
        import weasyprint

        collect = _Collect()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collect)
        try:
            document = weasyprint.HTML(string=html, url_fetcher=self._fetcher).render(
                stylesheets=[self._css], font_config=self._fonts)
            data = document.write_pdf()
        except self._fatal as exc:
            raise fail("W001", self._label, 0, 0, f"WeasyPrint refused a resource: {exc}") from None
        finally:
            logger.removeHandler(collect)
        errors = collect.errors()
        if errors:
            raise fail("W002", self._label, 0, 0, "WeasyPrint: " + "; ".join(errors))
        return data


@lru_cache(maxsize=1)
def font_subsetter() -> str:
    """Which subsetter WeasyPrint will cut the embedded fonts with, as it chooses (pdf/fonts.py):
    HarfBuzz-Subset 4.1 or later when its library loads, else fontTools. The two write different
    bytes, so a layout cached by one machine must never be merged into another's PDF."""
    import ctypes

    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset-0", "libharfbuzz-subset.0.dylib"):
        try:
            subset = ctypes.CDLL(name)
            harfbuzz = ctypes.CDLL(name.replace("-subset", ""))
        except OSError:
            continue
        harfbuzz.hb_version_atleast.restype = ctypes.c_int
        if getattr(subset, "hb_subset_or_fail", None) and harfbuzz.hb_version_atleast(4, 1, 0):
            return "harfbuzz-subset"
    return "fonttools"
