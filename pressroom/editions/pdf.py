"""The reader's PDF: the book laid out by WeasyPrint, every note checked on its call's page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..messages import BuildError, error
from ..model import Book, Edition
from ..output import atomic_path
from ..render import book_context, page_environment, render_page
from ..resolve import ResolvedChapter
from ..tools import weasyprint
from .fragments import Fragments, fill_note_calls

STYLES = Path(__file__).resolve().parents[2] / "styles"
PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
# Two calls in a row would print as one number ("¹²" for 1 and 2): a raised comma parts them.
ADJACENT_CALLS = re.compile(r"(<!--pressroom-note:\d+-->)(?=<!--pressroom-note:)")


@dataclass(frozen=True)
class PdfResult:
    """What the PDF build measured: pages and notes placed on their call's page."""

    path: Path
    pages: int
    notes: int


def build_pdf(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
              target: Path) -> PdfResult:
    """Lay out the book, refuse it if any note left its call's page, then write it atomically."""
    html = book_html(book, edition, chapters, fragments)
    document = weasyprint.layout(html, book.root, [book.root, STYLES], label=f"{edition.name} edition")
    check_notes(document, chapters)
    with atomic_path(target) as temporary:
        weasyprint.write_pdf(document, temporary, identifier=(edition.isbn or book.slug).encode())
    return PdfResult(target, len(document.pages), sum(len(c.notes) for c in chapters))


def book_html(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments) -> str:
    """The whole book as one HTML document for the print stylesheets."""
    notes = {n.number: n for c in chapters for n in c.notes}

    def footnote(number: int) -> str:
        paragraphs = PARAGRAPH.findall(fragments.notes[number]) or [fragments.notes[number]]
        # The first paragraph runs on after the marker; any further ones start new lines.
        body = paragraphs[0] + "".join(f'<span class="note-para">{p}</span>' for p in paragraphs[1:])
        return (f'<span class="footnote" id="note-{number}" data-number="{number}"'
                f' data-note="{notes[number].note_id}">{body}</span>')

    context = book_context(book, edition)
    context["chapters"] = [
        {"anchor": f"chapter-{c.id}", "title": c.title,
         "html": Markup(fill_note_calls(ADJACENT_CALLS.sub(r'\1<span class="call-sep">,</span>',
                                                           fragments.chapters[c.id]), footnote))}
        for c in chapters
    ]
    context["stylesheets"] = [(STYLES / name).as_uri() for name in ("fonts.css", "base.css", "pdf.css")]
    return render_page(page_environment("pdf"), "book.html", context)


def check_notes(document, chapters: list[ResolvedChapter]) -> None:
    """Every note must start on the page that holds its call: else name each one and stop."""
    notes = {f"note-{n.number}": (c, n) for c in chapters for n in c.notes}
    placements = {p.note_id: p for p in weasyprint.note_placements(document)}
    problems = []
    for element_id, (chapter, note) in notes.items():
        placed = placements.get(element_id)
        if placed and placed.call_page == placed.body_page:
            continue
        line, col = (note.call.line, note.call.col) if note.call else (0, 0)
        problems.append(error("F001", chapter.shown, line, col,
                              f"note {note.number} ('{note.note_id}') {_misplaced(placed)}"))
    if problems:
        raise BuildError(problems)


def _misplaced(placed: weasyprint.NotePlacement | None) -> str:
    if placed is None:
        return "was not laid out"
    if placed.body_page:
        return f"is called on page {placed.call_page} but printed on page {placed.body_page}"
    return (f"is called on page {placed.call_page} but printed nowhere: "
            "a note taller than a page's note area cannot be placed; shorten or split it")
