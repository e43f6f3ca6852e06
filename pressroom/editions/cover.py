"""A print edition's cover: back, spine and front on one sheet with bleed, from the interior just written.

    ┌──────── back ────────┬ spine ┬──────── front ───────┐   the spine is pages ÷ PPI inches wide:
    │ description          │ T     │ images/cover-front.* │   the interior PDF's page count and the
    │ publisher   ISBN ||| │ i  A  │ or a typeset front   │   paper's pages per inch (styles/cover.yaml)
    └──────────────────────┴───────┴──────────────────────┘

Laid out by WeasyPrint from templates/pdf/cover.html and styles/cover.css: TrimBox is the
finished cover, BleedBox (and MediaBox) the trim plus the cover's bleed on every side.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from markupsafe import Markup

from ..context import BuildContext
from ..manuscript.design import load_cover_data
from ..messages import warning
from ..model import Book, Edition
from ..output import atomic_path
from ..render import book_context, page_environment, render_page
from ..theme import Theme
from ..tools import barcode, isbn, pikepdf, weasyprint
from .pdf import _inches, output_profile, resource_roots

FRONT_IMAGES = ("images/cover-front.svg", "images/cover-front.png", "images/cover-front.jpg",
                "images/cover-front.jpeg")
SPINE_MARGIN_IN = 0.0625  # printers keep spine text this far from each fold
SPINE_TEXT_MAX_PT = 11
SPINE_TEXT_MIN_PT = 6  # below this a spine's lettering cannot be read: none is set
# The EAN-5 add-on's first digit names the price's currency (the book trade's convention);
# 90000 says "no suggested retail price".
ADDON_CURRENCY = {"GBP": "0", "AUD": "3", "NZD": "4", "USD": "5", "CAD": "6"}
NO_PRICE = "90000"


@dataclass(frozen=True)
class Geometry:
    """The cover's sizes in inches: one panel's trim, the spine, the bleed."""

    width: float
    height: float
    spine: float
    bleed: float

    @property
    def sheet(self) -> tuple[float, float]:
        """The trimmed cover: back, spine and front side by side."""
        return 2 * self.width + self.spine, self.height


def spine_width(pages: int, ppi: float) -> float:
    """The spine in inches: pages ÷ pages per inch, to a thousandth (as printers' calculators give it)."""
    return float((Decimal(pages) / Decimal(str(ppi))).quantize(Decimal("0.001"), ROUND_HALF_UP))


def write_cover(context: BuildContext, edition: Edition, interior: Path, target: Path) -> str:
    """Lay out the cover of `edition` around the `interior` just written; a line for the progress log."""
    book = context.book
    with open(interior, "rb") as handle:
        with pikepdf.open_pdf(handle.read(), str(interior)) as pdf:
            pages = len(pdf.pages)
    width, height = (_inches(v) for v in edition.trim)
    geometry = Geometry(width, height, spine_width(pages, edition.paper.ppi), _inches(edition.cover_bleed))
    spine_size = _spine_text_size(geometry.spine)
    code = _barcode(context, edition, target)
    html = render_page(page_environment("pdf", Theme(book.root)), "cover.html",
                       _context(book, edition, geometry, spine_size, code))
    document = weasyprint.layout(html, book.root, resource_roots(book), label=f"{edition.name} cover")
    profile = output_profile(context, edition)
    with atomic_path(target) as temporary:
        weasyprint.write_pdf(document, temporary, identifier=f"{edition.isbn or book.slug} cover".encode(),
                             output_profile=profile)
    context.progress(f"{edition.name}: cover: spine {geometry.spine:.3f} in ({geometry.spine * 25.4:.2f} mm) = "
                     f"{pages} pages ÷ {edition.paper.ppi:g} PPI ({edition.paper.name})"
                     # A pamphlet's spine is too thin for any lettering: said here, not warned on
                     # every build of a short book, where no printer could letter it either.
                     + ("; too narrow for lettering, left blank" if spine_size is None else ""))
    return (f"cover {target.name}: {geometry.sheet[0]:.3f} × {geometry.sheet[1]:.3f} in, "
            f"spine {geometry.spine:.3f} in, bleed {edition.cover_bleed}")


def addon_for(edition: Edition) -> str:
    """The EAN-5 of the edition's first price in a currency the convention covers, else 90000."""
    for price in edition.price:
        prefix = ADDON_CURRENCY.get(price.currency)
        if prefix is not None:
            cents = int((Decimal(price.amount) * 100).quantize(Decimal(1), ROUND_HALF_UP))
            return prefix + (f"{cents:04d}" if cents <= 9999 else "9999")
    return NO_PRICE


def _barcode(context: BuildContext, edition: Edition, target: Path) -> barcode.Barcode | None:
    if not edition.isbn:
        return None
    addon = addon_for(edition) if edition.price else None
    if edition.price and addon == NO_PRICE:
        context.report.add(warning("V002", str(target), 0, 0, "no price of the edition is in a currency the "
                                   f"barcode's add-on can carry ({', '.join(ADDON_CURRENCY)}): it reads 90000, "
                                   "no suggested price"))
    return barcode.ean13(isbn.check(edition.isbn).digits, addon, font="Libertine")


def _spine_text_size(spine: float) -> float | None:
    """The lettering's size in points: as large as fits between the folds, at most 11 pt."""
    room = (spine - 2 * SPINE_MARGIN_IN) * 72 * 0.8
    size = min(SPINE_TEXT_MAX_PT, room)
    return round(size, 2) if size >= SPINE_TEXT_MIN_PT else None


def _context(book: Book, edition: Edition, g: Geometry, spine_size: float | None,
             code: barcode.Barcode | None) -> dict:
    theme = Theme(book.root)
    front = next((book.root / name for name in FRONT_IMAGES if (book.root / name).is_file()), None)
    upwards = book.language.split("-")[0].lower() in load_cover_data().spine_upwards
    context = book_context(book, edition)
    context.update(
        stylesheets=[theme.style(name).as_uri() for name in ("fonts.css", "cover.css")],
        geometry=Markup(_geometry_css(edition, g, spine_size)),
        front_image=front.as_uri() if front else None,
        spine_text=spine_size is not None,
        spine_class="upwards" if upwards else "downwards",
        barcode=Markup(code.svg) if code else None,
        description_paragraphs=(book.description or "").split("\n\n") if book.description else [],
    )
    return context


def _geometry_css(edition: Edition, g: Geometry, spine_size: float | None) -> str:
    """The sheet, its panels and the spine's lettering placed in inches, as CSS for styles/cover.css."""
    width, height = g.sheet
    marks = "marks: crop;" if edition.marks else ""
    front_left = g.width + g.spine
    lettering = g.height - 1.0  # half an inch clear of the head and the foot
    return (f"@page {{ size: {width:.4f}in {height:.4f}in; bleed: {edition.cover_bleed}; {marks} margin: 0; }}\n"
            f":root {{ --panel: {g.width:.4f}in; --height: {g.height:.4f}in; --spine: {g.spine:.4f}in; "
            f"--spine-size: {spine_size or 0}pt; }}\n"
            f".spine {{ left: {g.width:.4f}in; }}\n.front {{ left: {front_left:.4f}in; }}\n"
            # The front's picture runs into the bleed at the head, the foot and the fore-edge.
            f".front-image {{ left: 0; top: -{g.bleed:.4f}in; width: {g.width + g.bleed:.4f}in; "
            f"height: {g.height + 2 * g.bleed:.4f}in; }}\n"
            f".spine-text {{ width: {lettering:.4f}in; height: {g.spine:.4f}in; line-height: {g.spine:.4f}in; "
            f"left: {g.spine / 2 - lettering / 2:.4f}in; top: {g.height / 2 - g.spine / 2:.4f}in; }}")
