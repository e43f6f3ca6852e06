"""The reader's PDF: the book laid out by WeasyPrint, every note checked on its call's page."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Iterable

from markupsafe import Markup, escape

from .. import fonts, pagemap, pagerefs
from ..bidi import direction
from ..context import BuildContext
from ..images import PrintBox, print_fragments
from ..messages import BuildError, Message, Report, error, warning
from ..model import BEFORE_CONTENTS, Book, Design, Edition
from ..output import atomic_path
from ..render import book_context, page_environment, render_page
from ..resolve import ResolvedChapter, roman
from ..theme import Theme
from ..tools import weasyprint
from . import KINDS, Written, cover_path
from .fragments import Fragments, fill_note_calls

STYLESHEETS = ("fonts.css", "base.css", "pdf.css")
# Two calls in a row would print as one number ("¹²" for 1 and 2): a raised comma parts them.
# A chapter's first paragraph, when it opens on plain text: quote marks and the first letter,
# then up to four words.
OPENING = re.compile(r"(\s*<p>)([“‘\"'(]*\w)((?:[^<\s]*\s+){0,3}[^<\s]*)(.*)", re.S)
SETTLE_PASSES = 4  # layouts before page references must print the pages their anchors land on
# Layouts that may each set more notes as endnotes: moving one note changes the pages, and so
# may push another off its call's page (each round only adds notes, so it ends).
ENDNOTE_ROUNDS = 3
ADJACENT_CALLS = re.compile(r"(<!--pressroom-note:\d+-->)(?=<!--pressroom-note:)")


def write(context: BuildContext, edition: Edition, target: Path) -> Written:
    """Lay out the book, refuse it if any note left its call's page, then write it atomically.

    Chapters are laid out in parallel and merged (editions/typeset.py) unless the context asks
    for one flow, or the PDF is tagged (a merge would break its structure tree).
    """
    written = _write_interior(context, edition, target)
    if not KINDS[edition.kind].printed:
        return written
    from .cover import write_cover

    cover = cover_path(context.book, edition, target.parent)
    detail = write_cover(context, edition, target, cover)
    return replace(written, detail=f"{written.detail}; {detail}", cover=cover)


def _write_interior(context: BuildContext, edition: Edition, target: Path) -> Written:
    book, chapters = context.book, context.chapters(edition)
    fragments, warnings = sized_fragments(context, edition)
    context.report.extend(warnings)
    context.progress(f"{edition.name}: typesetting with WeasyPrint")
    notes = sum(len(c.notes) for c in chapters)
    profile = output_profile(context, edition)
    pdfx = f", {weasyprint.PDFX_VARIANT.upper()} for {profile.name}" if profile else ""
    if context.store is not None and not context.single_flow and not edition.tagged:
        from .typeset import MergeInWorker, merged, typeset

        done = typeset(book, edition, chapters, fragments, target, context.store, context.progress,
                       check=lambda placements, endnotes: check_notes(placements, chapters, endnotes),
                       report=context.report, output_profile=profile, executor=context.layout)
        context.page_starts[edition.name] = tuple(done.starts)
        context.printed_pages[edition.name] = done.printed
        written = Written(f"{done.pages} pages, {_notes_placed(notes, done.endnotes)}{pdfx}", done.pages,
                          done.worker_peak_mb)
        if KINDS[edition.kind].printed:  # its cover is set around the interior as written
            merged(done.merge, target, context.progress)
            return written
        # Merged in a worker while the editions that need only its pages are written (pipeline.py).
        return replace(written, finishing=MergeInWorker(done.merge, target, context.progress))
    label = f"{edition.name} edition"
    document, starts, printed, endnotes = single_flow(context, edition, fragments, label)
    check_notes(weasyprint.note_placements(document), chapters, endnotes)
    context.page_starts[edition.name] = tuple(starts)
    context.printed_pages[edition.name] = printed
    with atomic_path(target) as temporary:
        weasyprint.write_pdf(document, temporary, identifier=(edition.isbn or book.slug).encode(),
                             tagged=edition.tagged, label=label, output_profile=profile)
    pages = len(document.pages)
    return Written(f"{pages} pages, {_notes_placed(notes, endnotes)}{pdfx}", pages)


def _notes_placed(notes: int, endnotes: frozenset[int]) -> str:
    if not endnotes:
        return f"{notes} notes on their call's page"
    return f"{notes - len(endnotes)} notes on their call's page, {len(endnotes)} too tall for it at their chapter's end"


# A CMYK profile for the output intent when the book brings none: Ghostscript's (Debian's
# libgs-common), a SWOP-like press. The printer's own profile, as styles/output-intent.icc in
# the book's folder, is always the better one.
OUTPUT_INTENT = "output-intent.icc"
SYSTEM_CMYK = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")


def output_profile(context: BuildContext, edition: Edition) -> Path | None:
    """The CMYK profile a print edition's PDF/X names as its output intent; None for other kinds.

    No profile at all: the PDF is written without PDF/X, and a warning says so."""
    if not KINDS[edition.kind].printed:
        return None
    for folder in Theme(context.book.root).style_dirs:
        if (folder / OUTPUT_INTENT).is_file():
            return folder / OUTPUT_INTENT
    if SYSTEM_CMYK.is_file():
        return SYSTEM_CMYK
    context.report.add(warning("W010", edition.name, 0, 0, "no CMYK profile for the output intent, so the "
                               f"printer's PDF is not PDF/X: put the printer's ICC profile at styles/{OUTPUT_INTENT}, "
                               "or `sudo apt-get install -y libgs-common` for Ghostscript's"))
    return None


def page_starts(context: BuildContext, edition: Edition) -> tuple[pagemap.PageStart, ...]:
    """Where each body page of a PDF edition begins: as this run laid it out, else from its
    chapters as laid out before (the cache's), else from a layout made now."""
    if edition.name not in context.page_starts:
        book, chapters = context.book, context.chapters(edition)
        fragments, _warnings = sized_fragments(context, edition)  # told when the edition itself is built
        if context.store is not None and not edition.tagged:
            from .typeset import typeset_pages

            starts, printed = typeset_pages(book, edition, chapters, fragments, context.store,
                                            progress=lambda _: None, report=context.report, executor=context.layout)
        else:
            _document, starts, printed, _endnotes = single_flow(context, edition, fragments,
                                                                f"{edition.name} edition (its pages, for the EPUB)")
        context.page_starts[edition.name] = tuple(starts)
        context.printed_pages[edition.name] = printed
    return context.page_starts[edition.name]


def printed_pages(context: BuildContext, edition: Edition) -> dict[str, str]:
    """Each anchor of a PDF edition and the folio printed on its page (laid out if need be)."""
    page_starts(context, edition)
    return context.printed_pages[edition.name]


def single_flow(context: BuildContext, edition: Edition, fragments: Fragments,
                label: str) -> tuple[object, list[pagemap.PageStart], dict[str, str], frozenset[int]]:
    """The book laid out as one document, again until its page references print the folios
    their anchors land on and every note fits its call's page or is set as an endnote
    (typeset.py does the same part by part); its page starts, folios and endnotes."""
    book, chapters = context.book, context.chapters(edition)
    wanted = pagerefs.wanted([*fragments.chapters.values(), *fragments.notes.values()])
    pages: dict[str, str] = {}
    endnotes: frozenset[int] = frozenset()
    rounds = 0
    for _attempt in range(SETTLE_PASSES + ENDNOTE_ROUNDS):
        warnings: list[Message] = []
        document = weasyprint.layout(book_html(book, edition, chapters, fragments, pages, endnotes), book.root,
                                     resource_roots(book, context.images(edition).folder), label=label,
                                     warnings=warnings, sections=chapter_labels(chapters))
        report_once(context.report, warnings)
        starts = pagemap.page_starts(document)
        first_body = len(document.pages) - len(starts)  # the pages before it are the front matter's
        printed = {name: str(page - first_body) if page > first_body else roman(page).lower()
                   for name, page in weasyprint.anchor_pages(document).items()}
        moved = off_page(weasyprint.note_placements(document), chapters, endnotes)
        if moved and rounds < ENDNOTE_ROUNDS:
            endnotes, rounds = endnotes | moved, rounds + 1
            continue
        if all(printed.get(a) == pages.get(a) for a in wanted):
            report_endnotes(context.report, edition, chapters, endnotes, book.design.notes_title)
            return document, starts, printed, endnotes
        if any(a not in printed for a in wanted):
            break
        pages = {a: printed[a] for a in wanted}
    moving = sorted(a for a in wanted if printed.get(a) != pages.get(a))
    raise BuildError([error("F003", label, 0, 0, "page references and index entries do not settle on a page: "
                            f"{', '.join('#' + a for a in moving[:10])}")])


def pdf_fragments(context: BuildContext, edition: Edition) -> Fragments:
    """The edition's HTML fragments, their TeX math (MathML, which WeasyPrint cannot lay out) drawn as SVG."""
    fragments = context.fragments(edition)
    if context.book.math != "tex":
        return fragments
    from .mathsvg import as_svg

    return as_svg(fragments, context.chapters(edition), context.store)


def book_html(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
              pages: dict[str, str] | None = None, endnotes: frozenset[int] = frozenset()) -> str:
    """The whole book as one HTML document for the print stylesheets (`pages`, `endnotes`: as page_context)."""
    context = page_context(book, edition, chapters, fragments, pages=pages, endnotes=endnotes)
    return render_page(page_environment("pdf", Theme(book.root)), "book.html", context)


def resource_roots(book: Book, images: Path | None = None) -> weasyprint.Resources:
    """The folders a PDF's layout may read files from: the manuscript, the styles it uses (named
    in messages as the book's styles/… or pressroom/styles/…), and the build cache's folder of
    converted images (`images`)."""
    theme = Theme(book.root)
    styles = tuple(theme.style_dirs)
    return weasyprint.Resources((book.root, *styles, *([images] if images else [])), styles, theme.shown,
                                GEOMETRY_STYLE)


# The <style> in templates/pdf/book.html: page_geometry's CSS, the only inline style a PDF has.
GEOMETRY_STYLE = "<style> Pressroom generates (page geometry, editions/pdf.py)"


def report_once(report: Report, warnings: Iterable[Message]) -> None:
    """Add WeasyPrint's warnings to the build's report, each once: every part, and the pdf and
    print editions, read the same stylesheets."""
    report.extend(m for m in dict.fromkeys(warnings) if m not in report.messages)


def chapter_labels(chapters: list[ResolvedChapter]) -> dict[str, str]:
    """Each chapter's <section id> in the laid-out book → the chapter as messages name it."""
    return {f"chapter-{c.id}": c.shown for c in chapters}


def sized_fragments(context: BuildContext, edition: Edition) -> tuple[Fragments, list[Message]]:
    """The edition's HTML with every image sized for its page (images.print_size), and a warning
    for each raster that would print below 150 dpi."""
    fragments = pdf_fragments(context, edition)
    chapters, notes, warnings = print_fragments(context.images(edition), fragments.chapters, fragments.notes,
                                                print_box(edition, context.book.design))
    chapters = {key: list_starts(html) for key, html in chapters.items()}
    notes = {key: list_starts(html) for key, html in notes.items()}
    return Fragments(chapters, notes), warnings


OL_START = re.compile(r'<ol start="(-?\d+)"')


def list_starts(html: str) -> str:
    """An ordered list's `start` as the counter WeasyPrint numbers it by: it reads the attribute
    only among all of HTML's presentational hints, which this book's layout does not ask for
    (a list from 3 printed from 1). Browsers and reading systems read it themselves."""
    return OL_START.sub(lambda m: f'{m.group(0)} style="counter-reset: list-item {int(m.group(1)) - 1}"', html)


def print_box(edition: Edition, design: Design) -> PrintBox:
    """The text block images must fit, in points, as page_geometry sets the page."""
    width, height = (_inches(v) for v in edition.trim)
    gutter, outer = round(width * design.gutter, 3), round(width * design.outer, 3)
    top, bottom = round(height * design.top, 3), round(height * design.bottom, 3)
    leading = round(design.text_size_for(width) * design.leading, 1)
    return PrintBox((width - gutter - outer) * 72, (height - top - bottom) * 72, leading,
                    design.image_resolution, edition.name)


# A run of Hangul syllables: a Korean word, which Korean typesetting keeps whole on its line
# (word-break: keep-all, which WeasyPrint ignores); a tag, whose attributes are left alone.
HANGUL_WORD = re.compile(r"(<[^>]*>)|([\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]{2,})")


def keep_hangul_words(html: str) -> str:
    """Each Korean word of the HTML's text in a span the PDF never breaks inside (styles/pdf.css)."""
    return HANGUL_WORD.sub(lambda m: m.group(1) or f'<span class="hangul-word">{m.group(2)}</span>', html)


def page_context(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
                 folios: bool = True, pages: dict[str, str] | None = None,
                 endnotes: frozenset[int] = frozenset()) -> dict:
    """What templates/pdf/book.html needs to lay out the whole book; parts.py narrows it to a part
    (laid out without body folios: they are drawn on once the page numbers are known). `pages`:
    the folio of each anchor page references and the index name, as far as known (pagerefs.py).
    `endnotes`: the numbers of the notes too tall for their call's page, set at their chapter's end."""
    notes = {n.number: n for c in chapters for n in c.notes}

    linked = edition.kind == "pdf"  # the printer's PDF carries no links

    def numbered(html: str) -> str:
        html = pagerefs.fill(html, pages or {}, lambda anchor, text: _link("page-ref", None, f"#{anchor}", text, linked))
        return keep_hangul_words(html)

    def footnote(number: int) -> str:
        label = notes[number].label
        call = _link("call", f"call-{number}", f"#note-{number}", str(label), linked)
        if number in endnotes:
            return f"\u2060{call}"
        body = inline_note(numbered(fragments.notes[number]))
        back = _link("note-back", None, f"#call-{number}", f"{label}.", linked)
        # A word joiner glues the call to the word before it: WeasyPrint would otherwise break
        # the line between "word." and a call that starts with a digit.
        return (f'\u2060{call}<span class="footnote" id="note-{number}" data-note="{notes[number].note_id}">'
                f'{back} {body}</span>')

    context = book_context(book, edition)
    def endnote(number: int) -> str:
        """A note as a block of the chapter's endnotes: its number (back to the call) opens its first paragraph."""
        label = notes[number].label
        back = _link("note-back", None, f"#call-{number}", f"{label}.", linked)
        body = numbered(fragments.notes[number])
        body = f"<p>{back} {body[3:]}" if body.startswith("<p>") else f"<p>{back}</p>{body}"
        return f'<div class="endnote" id="note-{number}" data-note="{notes[number].note_id}">{body}</div>'

    def chapter_html(chapter: ResolvedChapter) -> Markup:
        html = ADJACENT_CALLS.sub(r'\1<span class="call-sep">,</span>', fragments.chapters[chapter.id])
        html = fill_note_calls(mark_opening(numbered(html), edition.opening), footnote)
        ending = [endnote(n.number) for n in chapter.notes if n.number in endnotes]
        if ending:
            html += (f'<section class="endnotes"><h2 class="endnotes-title">{escape(book.design.notes_title)}</h2>'
                     f'{"".join(ending)}</section>')
        return Markup(html)

    entries = [chapter_entry(c, chapter_html(c)) for c in chapters]
    body = [e for e in entries if e["matter"] != "front"]
    if body:
        body[0]["first_body"] = True
    context["front_before"] = [e for e in entries if e["role"] in BEFORE_CONTENTS]
    context["front_after"] = [e for e in entries if e["matter"] == "front" and e["role"] not in BEFORE_CONTENTS]
    context["chapters"] = body
    context["contents"] = context["front_after"] + body
    context["with_parts"] = any(e["part"] for e in body)
    context.update(front=True, contents_pages=None, part_end=None)
    theme = Theme(book.root)
    context["stylesheets"] = [theme.style(name).as_uri() for name in STYLESHEETS]
    # Only the fallback faces the book sets text in: each one loaded costs every layout time.
    used = fonts.font_face_css(theme, fonts.book_text(book, [*fragments.chapters.values(), *fragments.notes.values(),
                                                              *(c.title for c in chapters)]))
    context["geometry"] = Markup(used + "\n" + page_geometry(edition, book.design, folios))
    context["design"] = book.design
    context["body_classes"] = [edition.kind, *sorted(f"opening-{o}" for o in edition.opening)]
    return context


def chapter_entry(chapter: ResolvedChapter, html: Markup) -> dict:
    """What the page templates show of a chapter: its place in the book, its opening, its HTML."""
    part = chapter.part
    return {"anchor": chapter.anchor, "id": chapter.id, "title": chapter.title, "html": html,
            "role": chapter.role, "matter": chapter.matter, "label": chapter.label, "ordinal": chapter.ordinal,
            "subtitle": chapter.subtitle, "running_head": chapter.running_head, "opens_part": chapter.opens_part,
            "lang": chapter.lang, "dir": direction(chapter.lang),
            "part": {"id": part.id, "number": part.number, "title": part.title} if part else None,
            "first_body": False}


# A page-foot note is an element inside the paragraph that calls it, so everything in it must be
# inline markup: its blocks (paragraphs after the first, lists, code, quotes, tables) become spans
# that styles/pdf.css displays as blocks. The HTML parser would otherwise close the paragraph at
# a <ul> or <pre> and push the rest of the note into the running text.
NOTE_BLOCKS = {"p", "div", "ul", "ol", "li", "pre", "blockquote", "table", "thead", "tbody", "tfoot", "tr",
               "th", "td", "caption", "dl", "dt", "dd", "figure", "figcaption", "h1", "h2", "h3", "h4",
               "h5", "h6", "hr", "section", "aside", "colgroup", "col"}


def inline_note(html: str) -> str:
    """A note's HTML as inline markup: the first paragraph runs on after the note's number."""
    import lxml.html
    from lxml import etree

    container = lxml.html.fragment_fromstring(html or "", create_parent="div")
    blocks = [e for e in container.iter() if e is not container and isinstance(e.tag, str) and e.tag in NOTE_BLOCKS]
    lead = blocks[0] if blocks and blocks[0].tag == "p" and blocks[0].getparent() is container else None
    for element in blocks:
        if element is not lead:
            classes = (element.get("class") or "").split()
            element.set("class", " ".join([f"note-{'para' if element.tag == 'p' else element.tag}", *classes]))
            element.tag = "span"
            for attribute in ("colspan", "rowspan", "start"):
                element.attrib.pop(attribute, None)
    if lead is not None:
        lead.drop_tag()  # the first paragraph runs on after the note's number
    text = container.text or ""
    return text + "".join(etree.tostring(child, method="html", encoding="unicode") for child in container)


def mark_opening(html: str, opening: frozenset[str]) -> str:
    """Wrap the first letter (drop cap) and the first words (small caps) of a chapter's text.

    Done on the HTML, not with ::first-letter / ::first-line: WeasyPrint 70 overprints the
    letter after a floated ::first-letter when ::first-line is styled too.
    """
    match = OPENING.match(html)
    if not opening or not match:
        return html
    lead, letter, words, rest = match.groups()
    if "drop-cap" in opening:
        letter = f'<span class="drop-cap">{letter}</span>'
    if "small-caps" in opening:
        words = f'<span class="opening-words">{words}</span>'
    return f"{lead}{letter}{words}{rest}"


def _link(cls: str, element_id: str | None, href: str, text: str, linked: bool) -> str:
    id_attr = f' id="{element_id}"' if element_id else ""
    if linked:
        return f'<a class="{cls}"{id_attr} href="{href}">{text}</a>'
    return f'<span class="{cls}"{id_attr}>{text}</span>'


def page_geometry(edition: Edition, design: Design, folios: bool = True) -> str:
    """Page size, bleed, marks, margins, type size and folios (`folios` false: none in the body)
    for the edition's trim, as CSS, from the book's design (styles/design.yaml)."""
    width, height = (_inches(v) for v in edition.trim)
    size = design.text_size_for(width)
    leading = round(size * design.leading, 1)
    gutter, outer = round(width * design.gutter, 3), round(width * design.outer, 3)
    top, bottom = round(height * design.top, 3), round(height * design.bottom, 3)
    marks = "marks: crop;" if edition.marks else ""
    return (f"@page {{ size: {edition.trim[0]} {edition.trim[1]}; bleed: {edition.bleed}; {marks}"
            f" margin: {top}in {outer}in {bottom}in {gutter}in; }}\n"
            f"@page :left {{ margin-left: {outer}in; margin-right: {gutter}in; }}\n"
            f"@page :right {{ margin-left: {gutter}in; margin-right: {outer}in; }}\n"
            f"html {{ font-size: {size}pt; line-height: {leading}pt; }}\n"
            f"{design.css_variables()}\n{folio_css(design, folios)}")


# The body's named pages (styles/pdf.css names them): chapters print folios and running heads,
# part-title pages are counted but print neither. The book's first body page (a chapter's or a
# part's) restarts the count at 1.
BODY_PAGES = ("body", "body-start")
BARE_PAGES = ("part-title", "part-start")


def folio_css(design: Design, body: bool = True) -> str:
    """Folios and running heads: roman folios in the front matter, arabic in the body (`body`
    false: none there, as for a chapter laid out alone); none on blank and part-title pages."""
    font = f"font: var(--head-size) {fonts.STACK};"
    rules = [f"@page {name}:nth(1 of {name}) {{ counter-reset: page 1; }}" for name in ("body-start", "part-start")]
    for side, left in ((":left", True), (":right", False)):
        folio = design.folio_box(left)
        rules.append(f"@page front{side} {{ @{folio} {{ content: counter(page, lower-roman); {font} }} }}")
        head_box = "top-center" if folio.startswith("top") else f"top-{'left' if left else 'right'}"
        head = "string(book-title)" if left else "string(chapter-title, first-except)"
        for name in BODY_PAGES:
            rules.append(f"@page {name}{side} {{ @{folio} {{ content: {'counter(page)' if body else 'none'}; {font} }}"
                         f" @{head_box} {{ content: {head}; font-style: italic; {font} }} }}")
    boxes = sorted({"top-left", "top-center", "top-right", design.folio_box(True), design.folio_box(False)})
    bare = " ".join(f"@{box} {{ content: none; }}" for box in boxes)
    rules += [f"@page {name}:blank {{ {bare} }}" for name in ("front", *BODY_PAGES)]
    rules += [f"@page {name} {{ {bare} }}" for name in BARE_PAGES]
    return "\n".join(rules)


def _inches(length: str) -> float:
    unit = length.lstrip("0123456789.")
    return float(length[: -len(unit)]) * {"in": 1, "mm": 1 / 25.4, "cm": 1 / 2.54, "pt": 1 / 72}[unit]


def off_page(placed_notes: list[weasyprint.NotePlacement], chapters: list[ResolvedChapter],
             endnotes: frozenset[int] = frozenset()) -> frozenset[int]:
    """The page-foot notes WeasyPrint could not print on their call's page. It cannot split a
    note across pages, so a note taller than a page's note area goes to the next page, or
    nowhere; the PDFs then set it at its chapter's end (page_context), the call linking to it."""
    placements = {p.note_id: p for p in placed_notes}
    return frozenset(n.number for c in chapters for n in c.notes if n.number not in endnotes
                     and not ((p := placements.get(f"note-{n.number}")) and p.call_page == p.body_page))


def report_endnotes(report: Report, edition: Edition, chapters: list[ResolvedChapter],
                    endnotes: frozenset[int], title: str) -> None:
    """A warning at each call whose note is set as an endnote: nothing is lost, but the design moved."""
    for chapter in chapters:
        for note in chapter.notes:
            if note.number in endnotes:
                line, col = (note.call.line, note.call.col) if note.call else (0, 0)
                told = warning("F005", chapter.shown, line, col,
                               f"note {note.label} ('{note.note_id}') is taller than the note area of a page, "
                               f"so the {edition.name} edition sets it at the end of its chapter, under "
                               f"“{title}”, its call linking to it")
                if told not in report.messages:  # the EPUB's page list lays the same edition out again
                    report.add(told)


def check_notes(placed_notes: list[weasyprint.NotePlacement], chapters: list[ResolvedChapter],
                endnotes: frozenset[int] = frozenset()) -> None:
    """Every note must start on the page that holds its call, or be one of the `endnotes` set at
    its chapter's end: else name each one and stop."""
    notes = {f"note-{n.number}": (c, n) for c in chapters for n in c.notes if n.number not in endnotes}
    placements = {p.note_id: p for p in placed_notes}
    problems = []
    for element_id, (chapter, note) in notes.items():
        placed = placements.get(element_id)
        if placed and placed.call_page == placed.body_page:
            continue
        line, col = (note.call.line, note.call.col) if note.call else (0, 0)
        problems.append(error("F001", chapter.shown, line, col,
                              f"note {note.label} ('{note.note_id}') {_misplaced(placed)}"))
    if problems:
        raise BuildError(problems)


def _misplaced(placed: weasyprint.NotePlacement | None) -> str:
    if placed is None:
        return "was not laid out"
    if placed.body_page:
        return f"is called on PDF page {placed.call_page} but printed on PDF page {placed.body_page}"
    return (f"is called on PDF page {placed.call_page} but printed nowhere: "
            "a note taller than a page's note area cannot be placed; shorten or split it")
