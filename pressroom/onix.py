"""ONIX for Books 3.0: one Product per edition of a release, as distributors and retailers read them.

Written with the standard library's ElementTree in the reference tag names, elements in the
schema's order; tests/test_printer.py validates the output against EDItEUR's XSD (tests/onix/).
Code values are ONIX code lists' (the list number beside each).
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .model import Book, Edition
from .tools import codes, isbn

NAMESPACE = "http://ns.editeur.org/onix/3.0/reference"
# List 150 (form) and 175 (form detail): paperback, digital download, digital online.
FORMS = {"print": ("BC", None), "pdf": ("ED", "E107"), "epub": ("ED", "E101"), "html": ("EC", "E105")}
# List 26: the subject schemes book.yaml names.
SUBJECT_SCHEMES = {"bisac": "10", "bic": "12", "thema": "93", "keywords": "20"}
# List 58: US and Canadian prices are quoted before sales tax, others with their tax.
TAX_EXCLUDED = {"USD", "CAD"}


@dataclass(frozen=True)
class Product:
    """One edition as ONIX describes it: the edition and its page count (None: not paged)."""

    edition: Edition
    pages: int | None


def message(book: Book, products: list[Product], epoch: int) -> bytes:
    """The ONIX message: a header from the book's publisher, then a Product per edition."""
    root = ET.Element("ONIXMessage", {"release": "3.0", "xmlns": NAMESPACE})
    header = _sub(root, "Header")
    _sub(_sub(header, "Sender"), "SenderName", book.publisher or _names(book) or "Pressroom")
    _sub(header, "SentDateTime", time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch)))
    counterpart = next((p.pages for kind in ("print", "pdf") for p in products
                        if p.edition.kind == kind and p.pages), None)
    for product in products:
        if product.edition.kind in FORMS:
            _product(root, book, product, counterpart)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def record_reference(book: Book, edition: Edition) -> str:
    """A stable id of the edition's record: the same book and edition name keep it from release to release."""
    return f"pressroom.{book.slug}.{edition.name}"


def _product(root: ET.Element, book: Book, product: Product, counterpart: int | None) -> None:
    edition = product.edition
    element = _sub(root, "Product")
    _sub(element, "RecordReference", record_reference(book, edition))
    _sub(element, "NotificationType", "03")  # list 1: confirmed on publication
    _identifier(element, "01", record_reference(book, edition), name="Pressroom record")
    if edition.isbn:
        _identifier(element, "15", isbn.check(edition.isbn).digits)  # list 5: ISBN-13
    _descriptive(element, book, product, counterpart)
    if book.description:
        text = _sub(_sub(element, "CollateralDetail"), "TextContent")
        _sub(text, "TextType", "03")  # list 153: description
        _sub(text, "ContentAudience", "00")  # list 154: unrestricted
        _sub(text, "Text", book.description)
    _publishing(element, book)
    if edition.price:
        _supply(element, book, edition)


def _identifier(parent: ET.Element, kind: str, value: str, name: str | None = None) -> None:
    element = _sub(parent, "ProductIdentifier")
    _sub(element, "ProductIDType", kind)
    if name:
        _sub(element, "IDTypeName", name)
    _sub(element, "IDValue", value)


def _descriptive(parent: ET.Element, book: Book, product: Product, counterpart: int | None) -> None:
    edition = product.edition
    detail = _sub(parent, "DescriptiveDetail")
    _sub(detail, "ProductComposition", "00")  # list 2: a single-component retail product
    form, form_detail = FORMS[edition.kind]
    _sub(detail, "ProductForm", form)
    if form_detail:
        _sub(detail, "ProductFormDetail", form_detail)
    if edition.kind == "print":
        for kind, length in (("01", edition.trim[1]), ("02", edition.trim[0])):  # list 48: height, width
            _measure(detail, kind, length)
    _title(detail, book)
    _contributors(detail, book)
    language = codes.onix_language(book.language)
    if language:
        element = _sub(detail, "Language")
        _sub(element, "LanguageRole", "01")  # list 22: language of text
        _sub(element, "LanguageCode", language)
    pages, extent = (product.pages, "07") if product.pages else (counterpart, "08")
    if pages:  # list 23: 07 absolute page count; 08 pages of the print counterpart
        element = _sub(detail, "Extent")
        _sub(element, "ExtentType", extent)
        _sub(element, "ExtentValue", str(pages))
        _sub(element, "ExtentUnit", "03")  # list 24: pages
    for index, (scheme, code) in enumerate(book.subjects):
        element = _sub(detail, "Subject")
        if index == 0 and scheme != "keywords":
            _sub(element, "MainSubject")
        _sub(element, "SubjectSchemeIdentifier", SUBJECT_SCHEMES[scheme])
        _sub(element, "SubjectHeadingText" if scheme == "keywords" else "SubjectCode", code)


def _measure(parent: ET.Element, kind: str, length: str) -> None:
    unit = length.lstrip("0123456789.")
    value, code = (float(length[: -len(unit)]), {"in": "in", "mm": "mm", "cm": "cm", "pt": "in"}[unit])
    if unit == "pt":
        value /= 72
    element = _sub(parent, "Measure")
    _sub(element, "MeasureType", kind)
    _sub(element, "Measurement", f"{value:g}")
    _sub(element, "MeasureUnitCode", code)  # list 50


def _title(parent: ET.Element, book: Book) -> None:
    detail = _sub(parent, "TitleDetail")
    _sub(detail, "TitleType", "01")  # list 15: distinctive title
    element = _sub(detail, "TitleElement")
    _sub(element, "TitleElementLevel", "01")  # list 149: the product
    _sub(element, "TitleText", book.title)
    if book.subtitle:
        _sub(element, "Subtitle", book.subtitle)


def _contributors(parent: ET.Element, book: Book) -> None:
    for number, author in enumerate(book.authors, start=1):
        element = _sub(parent, "Contributor")
        _sub(element, "SequenceNumber", str(number))
        _sub(element, "ContributorRole", "A01")  # list 17: by (author)
        _sub(element, "PersonName", author)
    if not book.authors:
        _sub(parent, "NoContributor")


def _publishing(parent: ET.Element, book: Book) -> None:
    if not (book.publisher or book.territories):
        return
    detail = _sub(parent, "PublishingDetail")
    if book.publisher:
        element = _sub(detail, "Publisher")
        _sub(element, "PublishingRole", "01")  # list 45: publisher
        _sub(element, "PublisherName", book.publisher)
    if book.territories:
        rights = _sub(detail, "SalesRights")
        _sub(rights, "SalesRightsType", "01")  # list 46: for sale with exclusive rights
        territory = _sub(rights, "Territory")
        if book.territories == ("WORLD",):
            _sub(territory, "RegionsIncluded", "WORLD")
        else:
            _sub(territory, "CountriesIncluded", " ".join(book.territories))


def _supply(parent: ET.Element, book: Book, edition: Edition) -> None:
    detail = _sub(_sub(parent, "ProductSupply"), "SupplyDetail")
    supplier = _sub(detail, "Supplier")
    _sub(supplier, "SupplierRole", "01")  # list 93: publisher to resellers
    _sub(supplier, "SupplierName", book.publisher or _names(book) or "Pressroom")
    _sub(detail, "ProductAvailability", "20")  # list 65: available
    for price in edition.price:
        element = _sub(detail, "Price")
        _sub(element, "PriceType", "01" if price.currency in TAX_EXCLUDED else "02")
        _sub(element, "PriceAmount", price.amount)
        _sub(element, "CurrencyCode", price.currency)


def _names(book: Book) -> str:
    return ", ".join(book.authors)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element
