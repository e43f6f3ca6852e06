"""The PDF rules: each built PDF read page by page (pages.py) and split into its parts by the
book's page design (layout.py), then held to the book's bars: every note printed whole on the
page that calls it, nothing outside the text block, chapters opening on a recto, contents
numbers equal to the printed folios, every chapter's last sentence present, every font
embedded. Pure reading: nothing is typeset or written. Geometry comes from the pages themselves
(the text block is where most body lines start and end).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from ..readback import ChapterExpectation, NoteExpectation, first_difference, holds, shown_from, squeeze
from .rules import Finding, Outcome, Target, rule
from .layout import (CONTENTS_ENTRY, Layout, PageParts, note_label, note_starts, read_layout, same_text)
from .pages import Box, Char, Line, Page, read_pages

# How far past the text block's edge a line may end (justification rounding): the build's own
# W003 tolerance (tools/weasyprint.py, 2 CSS px), so build and check judge a line alike. Japanese
# justified lines mixing Latin words end up to 1.3 pt out (jsprimer): accepted by the one, refused by the other.
EDGE_TOLERANCE = 1.5


def layout_of(target: Target) -> Layout:
    """The PDF's pages and their parts, read once for all the rules."""
    design = target.book.design
    return target.once("layout", lambda: read_layout(read_pages(target.path, design), target.expected, design))


def folios(target: Target) -> tuple[str | None, ...]:
    """The folio printed on each page, if any (for the proof's captions)."""
    return tuple(part.folio for part in layout_of(target).parts)


# ---------------------------------------------------------------------------------------------
# Q001: every note printed whole on its call's page.
# ---------------------------------------------------------------------------------------------

@rule("Q001", "notes", "notes on their call's page", "pdf")
def rule_notes(target: Target) -> Outcome:
    """Each note printed whole on the page that holds its call (paired within its chapter)."""
    layout = layout_of(target)
    findings, total = [], 0
    for index, chapter in enumerate(target.expected):
        pages = layout.chapter_pages(index)
        calls, printed = calls_in(layout, pages), printed_notes(layout, pages)
        endnotes = endnotes_page(layout, pages)
        for note in chapter.notes:
            total += 1
            finding = _note_finding(layout, chapter, note, calls.get(note.label, []), printed.get(note.label, []),
                                    endnotes)
            if finding:
                findings.append(finding)
    return Outcome(total, tuple(findings))


def calls_in(layout: Layout, pages: range) -> dict[int, list[int]]:
    """Note number → the pages its calls are on."""
    calls: dict[int, list[int]] = {}
    for number in pages:
        for line in layout.parts[number - 1].body:
            for call in note_calls(line, layout.call_limit):
                calls.setdefault(call, []).append(number)
    return calls


def printed_notes(layout: Layout, pages: range) -> dict[int, list[tuple[int, tuple[Line, ...]]]]:
    """Note number → (page, the note's lines: from its number to the next note or the page's end)."""
    notes: dict[int, list[tuple[int, tuple[Line, ...]]]] = {}
    for number in pages:
        lines = layout.parts[number - 1].notes
        starts = [lines.index(line) for line in note_starts(lines, layout.design)]
        for start, end in zip(starts, starts[1:] + [len(lines)]):
            notes.setdefault(note_label(lines[start]), []).append((number, lines[start:end]))
    return notes


def notes_in(layout: Layout, pages: range) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Note number → pages of its calls, and → pages of a note starting with that number."""
    printed = printed_notes(layout, pages)
    return calls_in(layout, pages), {label: [page for page, _ in found] for label, found in printed.items()}


def note_calls(line: Line, limit: float) -> list[int]:
    """The call numbers on a line: runs of digits smaller than `limit`, set close together."""
    calls, run, previous = [], "", None
    for char in line.chars + (Char(" ", 1e9, 1e9, 0, 99),):
        is_digit = char.size < limit and char.text.isdigit()
        adjacent = previous is not None and char.x0 - previous.x1 < 1.0
        if run and not (is_digit and adjacent):
            calls.append(int(run))
            run = ""
        if is_digit:
            run += char.text
        previous = char
    return calls


def endnotes_page(layout: Layout, pages: range) -> int | None:
    """The page of a chapter where its endnotes begin: the design's notes title as a line of its
    text. The PDFs set there the notes too tall for any page's note area (editions/pdf.py)."""
    return next((number for number in pages for line in layout.parts[number - 1].body
                 if same_text(line.text, layout.design.notes_title)), None)


def _note_finding(layout: Layout, chapter: ChapterExpectation, note: NoteExpectation, calls: list[int],
                  printed: list[tuple[int, tuple[Line, ...]]], endnotes: int | None = None) -> Finding | None:
    where = f"note {note.label} in “{chapter.title}”"
    pages = [page for page, _ in printed]
    on_call_page = next(((page, lines) for page, lines in printed if page in calls), None)
    ending = next(((page, lines) for page, lines in printed if endnotes is not None and page >= endnotes
                   and calls and page >= calls[0]), None)
    if on_call_page:  # a stray small digit elsewhere in the chapter is not its call
        finding = _whole_note(layout, where, note, *on_call_page)
        if finding is None or ending is None:
            return finding
    if ending:  # set among the chapter's endnotes, after its call: whole, however many pages it takes
        return _whole_endnote(layout, where, note, *ending)
    if calls and pages:
        return Finding((calls[0], pages[0]), f"{where}: called on page {calls[0]}, printed on page {pages[0]}")
    if calls:
        return Finding((calls[0],), f"{where}: called on page {calls[0]}, printed nowhere")
    if pages:
        return Finding((pages[0],), f"{where}: printed on page {pages[0]}, its call is nowhere")
    return Finding((), f"{where}: neither its call nor the note is printed")


def _whole_note(layout: Layout, where: str, note: NoteExpectation, page: int,
                lines: tuple[Line, ...]) -> Finding | None:
    """The note's printed text against the manuscript's, whole; a note that runs on to the next
    page is named as such (the design prints every note whole on its call's page)."""
    text = _note_text(lines, note.label)
    if first_difference(text, note.pieces) is None:
        return None
    overleaf = _continued(layout, page + 1)
    if overleaf and first_difference(text + _note_text(overleaf), note.pieces) is None:
        return Finding((page, page + 1), f"{where}: called on page {page}, runs on to page {page + 1}")
    piece, offset = first_difference(text, note.pieces)
    missing = shown_from(note.pieces[piece], offset) if piece < len(note.pieces) else ""
    if not missing:
        return Finding((page,), f"{where}: page {page} prints more than the note: “{_clip(note.text)}”")
    return Finding((page,), f"{where}: page {page} prints it only in part: from “{_clip(missing)}” "
                   "on, it is missing or differs")


def _whole_endnote(layout: Layout, where: str, note: NoteExpectation, page: int,
                   lines: tuple[Line, ...]) -> Finding | None:
    """An endnote's printed text, from its number on over the pages it runs on to, against the manuscript's."""
    text, last = _note_text(lines, note.label), page
    while first_difference(text, note.pieces) is not None and (overleaf := _continued(layout, last + 1)):
        text, last = text + _note_text(overleaf), last + 1
    found = first_difference(text, note.pieces)
    if found is None:
        return None
    piece, offset = found
    missing = shown_from(note.pieces[piece], offset) if piece < len(note.pieces) else ""
    return Finding(tuple(range(page, last + 1)), f"{where}: set among the chapter's endnotes on page {page}, "
                   f"printed only in part: from “{_clip(missing)}” on, it is missing or differs")


def _note_text(lines: Iterable[Line], label: int | None = None) -> str:
    """A note's printed lines as one squeezed text, its number left out."""
    text = squeeze(" ".join(line.text for line in lines))
    prefix = f"{label}."
    return text[len(prefix):] if label is not None and text.startswith(prefix) else text


def _continued(layout: Layout, number: int) -> tuple[Line, ...]:
    """The lines at the foot of page `number`, above its first note, that are set at the notes'
    size: a note run on from the page before (none when notes and text share a size)."""
    if number > len(layout.parts) or layout.design.is_note_size(layout.body_size):
        return ()
    parts: PageParts = layout.parts[number - 1]
    run: list[Line] = []
    for line in reversed(parts.body):
        if not all(c.size < layout.call_limit or layout.design.is_note_size(c.size) for c in line.chars
                   if c.text != " "):
            break
        run.insert(0, line)
    return tuple(run)


# ---------------------------------------------------------------------------------------------
# Q002-Q006: the text block, openings, contents, endings, fonts.
# ---------------------------------------------------------------------------------------------

@rule("Q002", "measure", "pages with nothing outside the text block", "pdf")
def rule_measure(target: Target) -> Outcome:
    """No character or image past the text block's edges: the page design's margins, mirrored
    from recto to verso."""
    layout, path = layout_of(target), target.path
    edges = {page.number: layout.design.text_block(page.width, page.recto) for page in layout.pages}
    suspects = {page.number: _outside(page, *edges[page.number], EDGE_TOLERANCE) for page in layout.pages}
    suspects = {number: found for number, found in suspects.items() if found}
    exact = confirm_extents(path, layout, suspects)
    findings, bad_pages = [], set()
    for number, found in sorted(suspects.items()):
        for item, over, side in found:
            if isinstance(item, Line):
                over, side = _overhang(exact[number].get(_baselines(item), (item.x0, item.x1)), *edges[number])
            if over > EDGE_TOLERANCE:
                bad_pages.add(number)
                what = f"“{_clip(item.text)}”" if isinstance(item, Line) else "an image"
                findings.append(Finding((number,), f"page {number}: {what} runs {over:.1f} pt past the "
                                        f"{side} edge of the text block"))
    return Outcome(len(layout.pages), tuple(findings), failed=len(bad_pages))


def _overhang(extent: tuple[float, float], left: float, right: float) -> tuple[float, str]:
    """How far past the text block something spanning `extent` runs, and on which side."""
    x0, x1 = extent
    return (x1 - right, "right") if x1 - right >= left - x0 else (left - x0, "left")


def _outside(page: Page, left: float, right: float, limit: float) -> list[tuple[Line | Box, float, str]]:
    found = []
    for item in (*page.lines, *page.images):
        over, side = _overhang((item.x0, item.x1), left, right)
        if over > limit:
            found.append((item, over, side))
    return found


def _baselines(line: Line) -> frozenset[float]:
    return frozenset(round(c.baseline * 2) / 2 for c in line.chars)


def confirm_extents(path: Path, layout: Layout,
                    pages: dict[int, list]) -> dict[int, dict[frozenset[float], tuple[float, float]]]:
    """Lines' extents by advance widths, for the few pages where PDFium sees a line past an edge.

    PDFium's character boxes never fall short of the advance widths the layout used, but some
    run long (a roman f by 0.9 pt, an italic f's ink by 2 pt), which is no overfull line.
    pdfplumber reads the advance widths, as the tests do; it is slow, so it reads only these pages.
    """
    import pdfplumber

    if not pages:
        return {}
    extents: dict[int, dict[frozenset[float], tuple[float, float]]] = {}
    with pdfplumber.open(path, pages=sorted(pages)) as pdf:
        for plumbed in pdf.pages:
            page = layout.pages[plumbed.page_number - 1]
            rows = _advance_rows(plumbed, page)
            extents[page.number] = {
                _baselines(line): _span(rows, _baselines(line)) for line in page.lines}
    return extents


def _advance_rows(plumbed, page: Page) -> dict[float, list[tuple[float, float]]]:
    """Baseline → the (x0, x1) advance boxes of its characters, in trim coordinates."""
    # pdfminer draws the page moved by the MediaBox's corner; undo that, then go to the trim.
    media_x, media_y = plumbed.page_obj.mediabox[:2]
    left, top = page.trim
    rows: dict[float, list[tuple[float, float]]] = {}
    for char in plumbed.chars:
        if char["text"].isspace():
            continue
        x0 = char["matrix"][4] + media_x - left
        baseline = top - (char["matrix"][5] + media_y)
        rows.setdefault(round(baseline * 2) / 2, []).append((x0, x0 + char["x1"] - char["x0"]))
    return rows


def _span(rows: dict[float, list[tuple[float, float]]], baselines: frozenset[float]) -> tuple[float, float]:
    boxes = [box for baseline in baselines for box in rows.get(baseline, [])]
    return (min(b[0] for b in boxes), max(b[1] for b in boxes)) if boxes else (1e9, -1e9)


@rule("Q003", "opening", "chapters opening on a recto", "pdf")
def rule_openings(target: Target) -> Outcome:
    """Every chapter opens on a recto (an odd page)."""
    findings = []
    for chapter, page in zip(target.expected, layout_of(target).openings):
        if page is None:
            findings.append(Finding((), f"“{chapter.title}”: no page opens with this title"))
        elif page % 2 == 0:
            findings.append(Finding((page,), f"“{chapter.title}” opens on page {page}, a verso"))
    return Outcome(len(target.expected), tuple(findings))


@rule("Q004", "contents", "contents numbers matching the pages", "pdf")
def rule_contents(target: Target) -> Outcome:
    """The contents lists every chapter with the folio printed on its opening page."""
    layout, chapters = layout_of(target), target.expected
    if not layout.contents:
        title = layout.design.contents_title
        return Outcome(len(chapters), (Finding((), f"no contents page (a page starting “{title}”)"),),
                       failed=len(chapters))
    listed = contents_entries(layout)
    findings = []
    for index, chapter in enumerate(chapters):
        finding = _contents_finding(layout, index, chapter, listed)
        if finding:
            findings.append(finding)
    return Outcome(len(chapters), tuple(findings))


def contents_entries(layout: Layout) -> dict[str, tuple[str, int]]:
    """Squeezed title → (the number the contents gives, the contents page it is on)."""
    entries, pending = {}, ""
    for number in layout.contents:
        for line in layout.parts[number - 1].body:
            if not pending and same_text(line.text, layout.design.contents_title):
                continue
            match = CONTENTS_ENTRY.fullmatch(line.text)
            if match:  # a title that wraps ends, on its last line, with the number
                entries[squeeze(f"{pending} {match.group(1)}".rstrip(". "))] = (match.group(2), number)
                pending = ""
            else:
                pending = f"{pending} {line.text}"
    return entries


def _contents_finding(layout: Layout, index: int, chapter: ChapterExpectation,
                      listed: dict[str, tuple[str, int]]) -> Finding | None:
    entry = listed.get(squeeze(chapter.title.rstrip(". ")))
    if entry is None:
        return Finding(layout.contents[:1], f"“{chapter.title}” is not listed in the contents")
    given, contents_page = entry
    opening = layout.openings[index]
    if opening is None:
        return Finding((contents_page,), f"“{chapter.title}”: the contents says {given}, but no page opens "
                       "with this title")
    folio = opening_folio(layout, index)
    if given.casefold() == folio.casefold():
        return None
    return Finding((contents_page, opening), f"“{chapter.title}”: the contents says {given}, but it opens "
                   f"on page {opening} (folio {folio})")


def opening_folio(layout: Layout, index: int) -> str:
    """The folio of a chapter's opening page: printed there, else counted back from the next
    folio printed in the chapter, else the page's position in the file."""
    opening = layout.openings[index]
    printed = layout.parts[opening - 1].folio
    if printed:
        return printed
    for number in layout.chapter_pages(index)[1:]:
        folio = layout.parts[number - 1].folio
        if folio and folio.isdigit():
            return str(int(folio) - (number - opening))
    return str(opening)


@rule("Q005", "ending", "chapters ending with their last sentence", "pdf")
def rule_endings(target: Target) -> Outcome:
    """Each chapter's last sentence is printed (WeasyPrint can truncate long documents)."""
    layout, chapters = layout_of(target), target.expected
    text = " ".join(body_text(layout))
    findings = []
    for index, chapter in enumerate(chapters):
        if chapter.last_sentence and not holds(text, chapter.last_sentence):
            pages = layout.chapter_pages(index)
            findings.append(Finding(pages[-1:], f"“{chapter.title}”: its last sentence is missing: "
                                    f"“{_clip(chapter.last_sentence)}”"))
    return Outcome(len(chapters), tuple(findings))


def body_text(layout: Layout) -> list[str]:
    """The running text, page after page: no running heads, folios, notes or note calls."""
    return [line.text_at(layout.call_limit) for parts in layout.parts for line in parts.body]


@rule("Q006", "fonts", "fonts embedded", "pdf")
def rule_fonts(target: Target) -> Outcome:
    """Every font in the file is embedded (failures name the pages set in it), and no character
    is drawn without a glyph (.notdef, an empty box)."""
    pages = layout_of(target).pages
    fonts = font_embedding(target.path)
    findings = []
    for name, embedded in sorted(fonts.items()):
        if not embedded:
            used = [page.number for page in pages if name in page.fonts]
            where = f"page{'s' if len(used) > 1 else ''} {_page_list(used)}" if used else "no text set in it"
            findings.append(Finding(tuple(used), f"{name}: not embedded ({where})"))
    glyphs = missing_glyph_findings(target.path, pages)
    return Outcome(len(fonts), (*findings, *glyphs), failed=len(findings) + len(glyphs))


def missing_glyph_findings(path: Path, pages: list[Page]) -> list[Finding]:
    """A character drawn with no glyph (.notdef, an empty box): named, with the pages showing it."""
    from ..fonts import describe, missing_glyphs

    findings = []
    for char, declared in missing_glyphs(path).items():
        shown = [page.number for page in pages if any(char in line.text for line in page.lines)] or list(declared)
        findings.append(Finding(tuple(shown), f"{describe(char)}: no font has a glyph for it; printed as an "
                                f"empty box (page{'s' if len(shown) > 1 else ''} {_page_list(shown)})"))
    return findings


def font_embedding(path: Path) -> dict[str, bool]:
    """Font name → embedded?, for every font the pages' resources (and forms in them) declare."""
    from pypdf import PdfReader

    fonts: dict[str, bool] = {}
    for page in PdfReader(path).pages:
        for font in _fonts(page.get("/Resources"), set()):
            name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
            fonts[name] = fonts.get(name, True) and is_embedded(font)
    return fonts


def _fonts(resources, seen: set) -> Iterable:
    """The font dictionaries of a resource dictionary and of the forms and patterns it uses.

    WeasyPrint draws each page through hundreds of forms sharing one font dictionary, so
    shared objects are visited once per page."""
    resources = _unseen(resources, seen)
    if not resources:
        return
    fonts = _unseen(resources.raw_get("/Font") if "/Font" in resources else None, seen)
    for font in (fonts or {}).values():
        yield font.get_object()
    for group in ("/XObject", "/Pattern"):
        for item in (resources.get(group) or {}).values():
            item = _unseen(item, seen)
            if item is not None and hasattr(item, "get") and "/Resources" in item:
                yield from _fonts(item.raw_get("/Resources"), seen)


def _unseen(value, seen: set):
    """`value` resolved, or None when it is an indirect object already visited."""
    from pypdf.generic import IndirectObject

    if isinstance(value, IndirectObject):
        if value.idnum in seen:
            return None
        seen.add(value.idnum)
    return value.get_object() if value is not None else None


def is_embedded(font) -> bool:
    """Type 3 fonts are drawn in the file; others need a font file in their descriptor."""
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _page_list(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:8]))
    return shown + (f" and {len(pages) - 8} more" if len(pages) > 8 else "")


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# Files: which outputs a book has, checking each, and the report.
# ---------------------------------------------------------------------------------------------

