"""The book cut into parts that lay out independently: each chapter, the front matter, the folios.

Every chapter opens on a recto, so a chapter's layout never depends on where it falls in the
book: its running heads, page sides and page-foot notes come out the same alone as in the
whole book. Only what names a final page number does not: the folios and the contents. So a
chapter is laid out without folios; the folios of all body pages are laid out afterwards as a
sheet of their own (empty pages bearing only their numbers, a few milliseconds a page) and
drawn onto the merged pages; the front matter, last, gets the contents' numbers as plain text.

Each part ends on a page of its own (`part_end`) that the merge drops: it holds an empty
element for every anchor the part links to in another part, so WeasyPrint keeps those links
(it removes links whose anchor it cannot find), and the merge points them at the real place.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from markupsafe import Markup

from ..model import Book, Edition
from ..render import page_environment, render_page
from ..resolve import ResolvedChapter
from ..theme import Theme
from .fragments import Fragments
from .pdf import page_context, page_geometry

HREF = re.compile(r'href="#([^"]+)"')
ID = re.compile(r'\sid="([^"]+)"')


@dataclass(frozen=True)
class Part:
    """One part's HTML, to lay out alone: a chapter (its id) or the front matter (`chapter` None)."""

    name: str
    label: str
    html: str
    chapter: str | None


class BookParts:
    """The parts of one edition's PDF, rendered from the same context as the whole book."""

    def __init__(self, book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
                 pages: dict[str, str] | None = None, endnotes: frozenset[int] = frozenset()):
        self.book, self.edition = book, edition
        self.env = page_environment("pdf", Theme(book.root))
        # A chapter alone draws no folios: the folio sheet does, once the page numbers are known.
        # Page references print `pages` (anchor → folio), as far as an earlier pass knows them;
        # the `endnotes` (too tall for a page) are set at their chapter's end.
        self.context = page_context(book, edition, chapters, fragments, folios=False, pages=pages, endnotes=endnotes)
        self.shown = {f"chapter-{c.id}": c.shown for c in chapters}

    def chapters(self) -> list[Part]:
        """Each chapter alone, ending on its part-end page."""
        parts = []
        for entry in self.context["chapters"]:
            html = str(entry["html"])
            wanted = sorted(set(HREF.findall(html)) - set(ID.findall(html)) - {entry["anchor"]})
            text = render_page(self.env, "book.html", {**self.context, "front": False, "chapters": [entry],
                                                       "part_end": wanted})
            parts.append(Part(entry["anchor"], self.shown[entry["anchor"]], text, entry["anchor"]))
        return parts

    def front(self, folios: dict[str, int]) -> Part:
        """The half-title to the contents and the front matter, the contents' numbers given (anchor →
        folio) for the chapters and parts laid out apart; the front matter numbers its own pages."""
        body = self.context["chapters"]
        anchors = [c["anchor"] for c in body] + [c["part"]["id"] for c in body if c["opens_part"]]
        text = render_page(self.env, "book.html", {**self.context, "chapters": [], "part_end": anchors,
                                                   "contents_pages": {a: str(folios[a]) for a in anchors}})
        return Part("front", f"{self.edition.name} edition, front matter", text, None)

    def folio_sheet(self, sections: list[tuple[str, int]]) -> Part:
        """Empty body pages bearing only their folios: a section per chapter or part title (its
        kind, its pages), blank versos left out, as the chapters were laid out."""
        plain = dataclasses.replace(self.edition, marks=False)  # the book's own pages draw the crop marks
        context = {**self.context, "parts": sections, "geometry": Markup(page_geometry(plain, self.book.design))}
        text = render_page(self.env, "folios.html", context)
        return Part("folios", f"{self.edition.name} edition, page numbers", text, None)
