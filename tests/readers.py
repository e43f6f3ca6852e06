"""Every edition's text as a reader gets it: the PDF's pages, the EPUB's XHTML, the web pages.

Texts are compared squeezed (readback.squeeze: no spaces, hyphens or joiners, case folded), so a
word hyphenated at a line end or a line broken inside a phrase still matches.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import lxml.html
import pdfplumber

from pressroom.readback import squeeze

SKIPPED_WEB_PAGES = {"search.html"}


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF, squeezed."""
    with pdfplumber.open(path) as pdf:
        return [squeeze(page.extract_text() or "") for page in pdf.pages]


def epub_text(path: Path) -> str:
    """The text of every XHTML file of an EPUB, squeezed."""
    with zipfile.ZipFile(path) as epub:
        return squeeze(" ".join(_text(epub.read(n)) for n in sorted(epub.namelist()) if n.endswith(".xhtml")))


def web_text(folder: Path) -> str:
    """The text of every page of a web edition, squeezed."""
    pages = sorted(p for p in folder.glob("*.html") if p.name not in SKIPPED_WEB_PAGES)
    return squeeze(" ".join(_text(p.read_bytes()) for p in pages))


def _text(data: bytes) -> str:
    tree = lxml.html.fromstring(data)
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    return tree.text_content()


def editions_text(out: Path, slug: str) -> dict[str, str]:
    """pdf → the PDF's whole text, epub → the EPUB's, html → the web edition's; squeezed."""
    return {"pdf": "".join(pdf_pages(out / f"{slug}.pdf")), "epub": epub_text(out / f"{slug}.epub"),
            "html": web_text(out / "html")}


def missing(texts: dict[str, str], wanted: list[str]) -> dict[str, list[str]]:
    """Per edition, the wanted phrases it does not hold (empty lists: all there)."""
    return {kind: [w for w in wanted if squeeze(w) not in text] for kind, text in texts.items()}
