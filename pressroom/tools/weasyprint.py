"""WeasyPrint, the only place it is run: lay out HTML into pages, read notes off them, write PDF."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..messages import fail

MIME = {".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2", ".css": "text/css",
        ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def _fetcher_class():
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class BookFetcher(URLFetcher):
        """Serves only regular files under the given folders; anything else stops the build."""

        def __init__(self, roots: list[Path]):
            super().__init__(timeout=5, allowed_protocols={"file"}, allow_redirects=False)
            self.roots = [r.resolve() for r in roots]

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise FatalURLFetchingError(f"blocked: {url}")
            try:
                path = Path(url2pathname(parts.path)).resolve(strict=True)
            except OSError as exc:
                raise FatalURLFetchingError(f"missing: {url}") from exc
            inside = any(path.is_relative_to(root) for root in self.roots)
            if not (inside and path.is_file() and path.suffix.lower() in MIME):
                raise FatalURLFetchingError(f"blocked: {url}")
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": MIME[path.suffix.lower()]})

    return BookFetcher, FatalURLFetchingError


class _Collect(logging.Handler):
    """WeasyPrint reports a dropped image or font only as a log line; we keep them to fail on."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


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


def layout(html: str, base: Path, roots: list[Path], *, label: str):
    """Lay out `html` into pages; any WeasyPrint error or blocked resource fails the build."""
    import weasyprint

    _patch_footnote_reporting()
    fetcher_class, fatal = _fetcher_class()
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        document = weasyprint.HTML(string=html, base_url=base.resolve().as_uri() + "/",
                                   url_fetcher=fetcher_class(roots)).render()
    except fatal as exc:
        raise fail("W001", label, 0, 0, f"WeasyPrint refused a resource: {exc}") from None
    finally:
        logger.removeHandler(collect)
    errors = [r.getMessage() for r in collect.records if r.levelno >= logging.ERROR]
    if errors:
        raise fail("W002", label, 0, 0, "WeasyPrint: " + "; ".join(errors))
    return document


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


def write_pdf(document, target: Path, *, identifier: bytes | None = None, tagged: bool = False) -> None:
    """Write the laid-out document as a PDF at `target` (a temporary path owned by the caller)."""
    variant = {"pdf_variant": "pdf/ua-1"} if tagged else {}
    document.write_pdf(target, pdf_identifier=identifier, **variant)
