"""The EPUB 3: written here from the shared HTML fragments and templates/epub/, accessible, paged like print.

    mimetype                      stored first, as the OCF spec asks
    META-INF/container.xml
    EPUB/content.opf              metadata with EPUB Accessibility 1.1 (accessMode, features, hazards,
                                  summary, conformsTo) and the print ISBN as pageBreakSource
    EPUB/nav.xhtml                contents, landmarks, and the page-list of the reader's PDF
    EPUB/text/cover.xhtml         the cover (pressroom/cover.py); title_page.xhtml: title page, copyright
    EPUB/text/ch001.xhtml ...     a chapter each: title, text, print page breaks, its notes
    EPUB/styles/book.css          styles/base.css + styles/epub.css
    EPUB/fonts/*.otf, *.ttf       the book face and the fallback faces the book uses (pressroom/fonts.py),
                                  each subset to the characters the book uses
    EPUB/images/                  the cover and the book's images (each with its alt text)

Notes are semantic and linked both ways, numbered as the PDF prints them (ids stay unique
through the book), so reading systems can show them as popups:

    <sup class="noteref"><a id="call-3" href="#note-3" epub:type="noteref" role="doc-noteref">3</a></sup>
    ...
    <section id="notes-<chapter>" class="footnotes" epub:type="footnotes"><h2>Notes</h2>
      <aside id="note-3" class="footnote" epub:type="footnote" role="doc-footnote">
        <p><a class="note-back" href="#call-3" role="doc-backlink">3.</a> The note's text.</p>
      </aside>
    </section>

Each note sits at the end of its own chapter, so every link stays inside one XHTML file.
"""

from __future__ import annotations

import io
import re
import time
import uuid
import zipfile
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path

import lxml.html
from lxml import etree
from markupsafe import Markup

from .. import fonts, pagemap, pagerefs, usedfaces
from ..bidi import direction
from ..cache import Store, code_digest, digest
from ..context import BuildContext
from ..cover import cover_for
from ..messages import fail
from ..model import BEFORE_CONTENTS, Book, Edition
from ..output import atomic_path
from ..render import book_context, page_environment, render_page
from ..resolve import ResolvedChapter
from ..theme import TEMPLATES, Theme
from ..tools import git
from . import Written
from ..images import BookImages, screen_fragments
from .fragments import NOTE_CALL, Fragments

SUBSETS = "font-subsets"  # cache kind: a font cut down to a book's characters
FONT_FILES = ("LinLibertine_R.otf", "LinLibertine_RI.otf", "LinLibertine_RB.otf", "LinLibertine_RBI.otf")
MATH_FONT = "latinmodern-math.otf"  # whole, for pages with MathML (styles/math.css)
XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
ID_HREF = re.compile(r'href="#([^"]+)"')
MATHML = re.compile(r'<math\b[^>]*xmlns="http://www.w3.org/1998/Math/MathML"')  # a page the OPF marks "mathml"


@dataclass(frozen=True)
class Item:
    """One file of the package: its manifest id, path under EPUB/, media type, properties, bytes."""

    id: str
    href: str
    media_type: str
    data: bytes
    properties: str = ""


def write(context: BuildContext, edition: Edition, target: Path) -> Written:
    """Write the EPUB 3 to `target` atomically; the same sources give the same bytes."""
    book, chapters, fragments = context.book, context.chapters(edition), context.fragments(edition)
    context.progress(f"{edition.name}: writing EPUB 3")
    images = context.images(edition)  # every image checked, each with alt text, converted where need be
    # Chapters are in text/, images in images/: each <img> points there, with its pixel size.
    fragments = Fragments(*screen_fragments(images, fragments.chapters, fragments.notes, prefix="../"))
    starts = print_pages(context, edition)
    # Before the page breaks are marked: the numbers a page reference prints are letters the
    # PDF's page starts count.
    fragments = with_page_numbers(fragments, reference_pages(context, fragments), {s.label for s in starts})
    env = page_environment("epub", Theme(book.root))
    values = book_context(book, edition)
    css = "../styles/book.css"
    cover = cover_for(book, context.store)

    texts, page_links = [], []
    by_chapter: dict[str, list[pagemap.PageStart]] = {}
    for start in with_blank_pages_placed(starts):
        by_chapter.setdefault(start.chapter, []).append(start)
    id_files: dict[str, str] = {}
    trees = []
    for index, chapter in enumerate(chapters, start=1):
        name = f"ch{index:03d}.xhtml"
        body, title = _chapter_tree(chapter, fragments)
        placed = pagemap.mark_pages(body, title, by_chapter.get(f"chapter-{chapter.id}", []), _page_marker)
        page_links += [{"href": f"text/{name}#page-{s.label}", "label": s.label}
                       for s in by_chapter.get(f"chapter-{chapter.id}", [])[:placed]]
        for element in body.iter():
            if isinstance(element.tag, str) and element.get("id"):
                id_files.setdefault(element.get("id"), name)
        trees.append((chapter, name, body))
    for chapter, name, _ in trees:  # the template's section, notes and calls come later: their file is known now
        id_files.setdefault(f"chapter-{chapter.id}", name)
        for note in chapter.notes:
            id_files.setdefault(f"note-{note.number}", name)
            id_files.setdefault(f"call-{note.number}", name)
    for chapter, name, body in trees:
        html = _fill_calls(_serialise(body), chapter)
        html = _cross_file_links(html, name, id_files)
        # A note links to other chapters too (Varieties: "quoted here" → a paragraph of Lecture VI).
        notes = _cross_file_links("\n".join(_note_xhtml(fragments.notes[n.number], n.number, n.label)
                                            for n in chapter.notes), name, id_files)
        epub_type, aria_role = SEMANTICS.get(chapter.role, ("", ""))
        page = {**values, "css": css, "chapter": {
            "id": chapter.id, "title": chapter.title, "anchor": f"chapter-{chapter.id}", "role": chapter.role,
            "matter": chapter.matter, "epub_type": epub_type, "aria_role": aria_role,
            "lang": chapter.lang or book.language, "dir": direction(chapter.lang),
            "html": Markup(html), "notes": Markup(notes)}}
        texts.append((name, render_page(env, "chapter.xhtml", page)))
    parts = {c.part.id: c.part for c in chapters if c.opens_part}
    texts += [(_part_file(part), render_page(env, "part.xhtml", {**values, "css": css, "part": part}))
              for part in parts.values()]
    page_links.sort(key=lambda link: int(link["label"]))

    contents, spine, body_start = _reading_order(trees)
    epoch = git.source_date_epoch(book.root)
    book_id = identifier(book, edition)
    # The book closes on a colophon, as hand-made ebooks do, unless the manuscript has its own.
    colophon = not any(c.role == "colophon" for c in chapters)
    if colophon:
        texts.append(("colophon.xhtml", render_page(env, "colophon.xhtml", {
            **values, "css": css, "identifier": book_id, "date": _iso(epoch)[:10],
            "page_source": page_source(book) if page_links else None, "pages": len(page_links),
            "page_edition": "reader's PDF edition"})))
        spine.append("colophon")
    pages = {
        "text/cover.xhtml": render_page(env, "cover.xhtml", {**values, "css": css, "cover": _cover_view(cover)}),
        "text/title_page.xhtml": render_page(env, "title.xhtml", {**values, "css": css}),
        "nav.xhtml": render_page(env, "nav.xhtml", {**values, "css": "styles/book.css", "contents": contents,
                                                    "body_start": body_start, "pages": page_links}),
        **{f"text/{name}": text for name, text in texts},
    }
    for name, text in pages.items():
        _check_well_formed(name, text)
    items = _items(book, pages, images, cover, [name for name, _ in texts], context.store)
    opf = render_page(env, "content.opf", {
        **values, "identifier": book_id, "modified": _iso(epoch), "date": _iso(epoch)[:10],
        "a11y": accessibility(book, images, bool(page_links), any(MATHML.search(text) for _, text in texts)),
        "page_source": page_source(book) if page_links else None,
        "manifest": items, "spine": spine,
    })
    _check_well_formed("content.opf", opf)
    with atomic_path(target) as temporary:
        temporary.write_bytes(_zip(items, opf, epoch))
    notes = sum(len(c.notes) for c in chapters)
    return Written(f"{len(chapters)} chapters, {notes} notes, {len(page_links)} print pages marked")


# What each role of chapter is, to reading systems (EPUB 3 structural semantics) and to assistive
# technology (DPUB-ARIA).
SEMANTICS = {"chapter": ("chapter", "doc-chapter"), "appendix": ("appendix", "doc-appendix"),
             "preface": ("preface", "doc-preface"), "foreword": ("foreword", "doc-foreword"),
             "acknowledgments": ("acknowledgments", "doc-acknowledgments"),
             "dedication": ("dedication", "doc-dedication"), "epigraph": ("epigraph", "doc-epigraph"),
             "glossary": ("glossary", "doc-glossary"), "bibliography": ("bibliography", "doc-bibliography"),
             "index": ("index", "doc-index"), "colophon": ("colophon", "doc-colophon"),
             "figures": ("loi", ""), "tables": ("lot", "")}


def _cover_view(cover) -> dict:
    """The cover's name, alt text and pixel size: the SVG box that scales it takes its shape."""
    from PIL import Image

    with Image.open(io.BytesIO(cover.data)) as image:
        width, height = image.size
    return {"name": cover.name, "alt": cover.alt, "width": width, "height": height}


def _part_file(part) -> str:
    return f"{part.id.replace('-', '')}.xhtml"


def _reading_order(trees: list) -> tuple[list[dict], list[str], dict | None]:
    """The contents (parts holding their chapters), the spine (a dedication before the contents,
    the rest of the front matter after it) and where the body begins."""
    contents: list[dict] = []
    spine = ["cover", "title"]
    after_nav: list[str] = []
    body_start = None
    for chapter, name, _ in trees:
        entry = {"href": f"text/{name}#chapter-{chapter.id}", "title": chapter.title, "children": []}
        if chapter.opens_part:
            part_name = _part_file(chapter.part)
            part = {"href": f"text/{part_name}", "title": f"Part {chapter.part.number}: {chapter.part.title}",
                    "children": []}
            contents.append(part)
            after_nav.append(part_name[:-6])
            body_start = body_start or part
        if chapter.matter == "body":
            body_start = body_start or entry
        if chapter.part is not None:
            contents[-1]["children"].append(entry)
        else:
            contents.append(entry)
        (spine if chapter.role in BEFORE_CONTENTS else after_nav).append(name[:-6])
    return contents, [*spine, "nav", *after_nav], body_start


# ------------------------------------------------------------------ the print edition's pages


def print_pages(context: BuildContext, edition: Edition) -> list[pagemap.PageStart]:
    """Where each page of the reader's PDF begins, for the chapters whose text it shares with the EPUB.

    The PDF's pages as this run laid them out, else as the layout cache holds them, else laid
    out now (editions/pdf.page_starts).
    """
    from . import pdf

    reader = next((e for e in context.book.editions if e.kind == "pdf"), None)
    if reader is None:
        return []
    starts = pdf.page_starts(context, reader)
    fragments, pdf_fragments = context.fragments(edition), context.fragments(reader)
    same = {f"chapter-{c.id}" for c in context.chapters(edition)
            if fragments.chapters.get(c.id) == pdf_fragments.chapters.get(c.id)}
    # A chapter whose text differs in print ({% if edition.kind %}) cannot be matched word for word:
    # only its opening page, at its title, is marked.
    return [s for s in starts if s.chapter is None or s.chapter in same or s.block == pagemap.TITLE]


def reference_pages(context: BuildContext, fragments: Fragments) -> dict[str, str]:
    """The folio the reader's PDF prints each anchor on that the page references and index of
    `fragments` name ({} when they name none); an anchor the PDF does not print is an error."""
    from . import pdf

    wanted = pagerefs.wanted([*fragments.chapters.values(), *fragments.notes.values()])
    if not wanted:
        return {}
    editions = context.book.editions
    reader = next((e for e in editions if e.kind == "pdf"), None) or \
        next((e for e in editions if e.kind == "print"), None) or context.book.edition("pdf")
    printed = pdf.printed_pages(context, reader)
    missing = sorted(wanted - printed.keys())
    if missing:
        raise fail("F004", f"{reader.name} edition", 0, 0, "page references and index entries name places the "
                   f"PDF does not print (its text differs by edition?): {', '.join('#' + a for a in missing[:10])}")
    return printed


def with_page_numbers(fragments: Fragments, printed: dict[str, str], marked: set[str]) -> Fragments:
    """Page references as the PDF's numbers linking to the page-list marker of that page (to the
    place itself when no marker has that number: a roman front-matter page); index locators as
    the same numbers linking to the place they index."""
    def page(anchor: str, text: str) -> str:
        target = f"page-{text}" if text in marked else anchor
        return f'<a class="page-ref" href="#{target}">{text}</a>'

    def locator(anchor: str, text: str) -> str:
        return f'<a class="page-ref" href="#{anchor}">{text}</a>'

    def fill(html: str) -> str:
        return pagerefs.fill(html, printed, page, locator)

    return Fragments({k: fill(v) for k, v in fragments.chapters.items()},
                     {k: fill(v) for k, v in fragments.notes.items()})


def with_blank_pages_placed(starts: list[pagemap.PageStart]) -> list[pagemap.PageStart]:
    """A blank page (a verso before a chapter) is marked where the next page begins."""
    placed, waiting = [], []
    for start in starts:
        if start.chapter is None:
            waiting.append(start)
            continue
        placed += [pagemap.PageStart(w.label, start.chapter, start.block, start.chars) for w in waiting]
        waiting = []
        placed.append(start)
    return placed


def _page_marker(label: str):
    marker = etree.Element("span")
    marker.set("id", f"page-{label}")
    marker.set("class", "pagebreak")
    marker.set("role", "doc-pagebreak")
    marker.set("aria-label", label)
    marker.set("data-epub-type", "pagebreak")  # becomes epub:type on serialising
    return marker


def page_source(book: Book) -> str:
    """What the page breaks come from: the reader's PDF's ISBN (the printer's if it alone has one)."""
    for kind in ("pdf", "print"):
        for edition in book.editions:
            if edition.kind == kind and edition.isbn:
                return "urn:isbn:" + re.sub(r"[\s-]", "", edition.isbn)
    reader = book.edition("pdf")
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:pressroom:{book.slug}:{reader.name}')}"


# ------------------------------------------------------------------ chapters as XHTML


def _chapter_tree(chapter: ResolvedChapter, fragments: Fragments):
    """The chapter's opening and text as one lxml tree (HTML parsed, so any HTML becomes XML);
    and the opening, before which the page marker of its first page goes."""
    body = lxml.html.fragment_fromstring(fragments.chapters[chapter.id] or "", create_parent="div")
    opening = etree.Element("header")
    opening.set("class", "chapter-opening")
    if chapter.label:
        label = etree.SubElement(opening, "p")
        label.set("class", "chapter-number")
        label.text = chapter.label
    title = etree.SubElement(opening, "h1")
    title.set("id", f"chapter-{chapter.id}-title")
    title.set("class", "chapter-title")
    title.text = chapter.title
    if chapter.subtitle:
        subtitle = etree.SubElement(opening, "p")
        subtitle.set("class", "chapter-subtitle")
        subtitle.text = chapter.subtitle
    body.insert(0, opening)
    opening.tail = "\n" + (body.text or "")
    body.text = "\n"
    for epigraph in body.iter("div"):
        if "epigraph" in (epigraph.get("class") or "").split():
            epigraph.set("role", "doc-epigraph")
            epigraph.set("data-epub-type", "epigraph")
    for image in body.iter("img"):
        if (image.get("src") or "").startswith("images/"):
            image.set("src", "../" + image.get("src"))
    return body, opening


def _serialise(body) -> str:
    """The children of the container, as XHTML (epub:type restored from data-epub-type)."""
    parts = [body.text or ""]
    for child in body:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts).replace('data-epub-type="', 'epub:type="')


def _fill_calls(html: str, chapter: ResolvedChapter) -> str:
    labels = {n.number: n.label for n in chapter.notes}

    def call(match: re.Match) -> str:
        number = int(match.group(1))
        return note_call(number, labels[number])

    return NOTE_CALL.sub(call, html)


def note_call(number: int, label: int) -> str:
    """The call: a superscript number linking to its note."""
    return (f'<sup class="noteref"><a id="call-{number}" href="#note-{number}" epub:type="noteref"'
            f' role="doc-noteref">{label}</a></sup>')


def _note_xhtml(note_html: str, number: int, label: int) -> str:
    """The note in an aside that opens with its number, linked back to the call."""
    body = lxml.html.fragment_fromstring(note_html or "", create_parent="div")
    back = etree.Element("a")
    back.set("class", "note-back")
    back.set("href", f"#call-{number}")
    back.set("role", "doc-backlink")
    back.text = f"{label}."
    first = body[0] if len(body) and not (body.text or "").strip() else None
    if first is not None and first.tag == "p":
        back.tail = " " + (first.text or "")
        first.text = None
        first.insert(0, back)
    else:
        paragraph = etree.Element("p")
        paragraph.append(back)
        body.insert(0, paragraph)
    inner = _serialise(body).strip()
    return (f'<aside id="note-{number}" class="footnote" epub:type="footnote" role="doc-footnote">\n'
            f"{inner}\n</aside>")


def _cross_file_links(html: str, name: str, id_files: dict[str, str]) -> str:
    """`#id` links to another chapter's element point into that chapter's file."""
    def fix(match: re.Match) -> str:
        target = id_files.get(match.group(1))
        if target is None or target == name:
            return match.group(0)
        return f'href="{target}#{match.group(1)}"'

    return ID_HREF.sub(fix, html)


def _check_well_formed(name: str, text: str) -> None:
    try:
        etree.fromstring(text.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise fail("E001", f"EPUB/{name}", exc.lineno or 0, exc.offset or 0,
                   f"the EPUB page is not well-formed XHTML: {exc.msg}") from None


# ------------------------------------------------------------------ the package


def accessibility(book: Book, images: BookImages | list, paged: bool, math: bool = False) -> dict:
    """The EPUB Accessibility 1.1 metadata, from what the book holds."""
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if images:
        features.append("alternativeText")
    if math:
        features.append("MathML")
    if paged:
        features += ["pageBreakMarkers", "pageNavigation"]
    summary = ("This publication meets EPUB Accessibility 1.1 and WCAG 2.2 Level AA. Its text can be read "
               "aloud and restyled; headings, a table of contents and landmarks give its structure; notes "
               "are linked both ways from their calls.")
    if images:
        summary += " Every image has a text description."
    if math:
        summary += " Formulas are MathML, each with its TeX as a text alternative."
    if paged:
        summary += " Page breaks of the print edition are marked, with a page list to go to them."
    return {"access_modes": ["textual", "visual"] if images else ["textual"], "features": features,
            "summary": summary, "certified_by": book.publisher or ", ".join(book.authors) or "Pressroom"}


def identifier(book: Book, edition: Edition) -> str:
    """urn:isbn:<digits> for an edition with an ISBN, else a urn:uuid fixed by the slug."""
    if edition.isbn:
        return "urn:isbn:" + re.sub(r"[\s-]", "", edition.isbn)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'urn:pressroom:{book.slug}:{edition.name}')}"


def _items(book: Book, pages: dict[str, str], images: BookImages, cover, chapter_names: list[str],
           store: Store | None = None) -> list[Item]:
    text = "".join(pages.values())
    theme = Theme(book.root)
    # The fallback faces (CJK, Arabic, ...) this book sets text in, each cut to its characters.
    fallbacks = fonts.edition_faces(theme, text, "../fonts/",
                                    subset=lambda path, chars, flavor: fonts.cached_subset(store, path, chars, flavor),
                                    store=store)
    fallbacks = [replace(f, data=renamed(f.data, f.face.family)) for f in fallbacks]
    css = "\n".join([_css(theme, book.math == "tex"), *(f.css for f in fallbacks)])
    # Only the styles of the book face some text is set in: a face no text uses is dead weight
    # (the sample's bold and bold italic were 84 KB of 186 KB), and its @font-face goes with it.
    used = {usedfaces.BOOK_FACE_FILES[key] for key, chars in usedfaces.faces_used(pages.values(), css, store).items()
            if chars.strip()}
    faces = [name for name in FONT_FILES if name in used or name == FONT_FILES[0]]
    css = without_faces(css, [name for name in FONT_FILES if name not in faces])
    # The cover as it is: ours is saved at Pillow's best compression (cover.py), an author's own
    # is kept byte for byte; oxipng (measured) took 93 KB to 75 KB as a PNG but saved about 1 KB
    # of the zipped EPUB, for 10 s of CPU.
    items = [
        Item("nav", "nav.xhtml", "application/xhtml+xml", pages["nav.xhtml"].encode(), "nav"),
        Item("cover", "text/cover.xhtml", "application/xhtml+xml", pages["text/cover.xhtml"].encode(), "svg"),
        Item("title", "text/title_page.xhtml", "application/xhtml+xml", pages["text/title_page.xhtml"].encode()),
        *(Item(name[:-6], f"text/{name}", "application/xhtml+xml", pages[f"text/{name}"].encode(),
               "mathml" if MATHML.search(pages[f"text/{name}"]) else "")
          for name in chapter_names),
        Item("css", "styles/book.css", "text/css", css.encode()),
        Item("cover-image", f"images/{cover.name}", cover.media_type, cover.data, "cover-image"),
    ]
    # The stylesheet's generated text (an epigraph source's dash and thin space) is drawn in these too.
    drawn = text + usedfaces.generated_text(css)
    for index, font in enumerate(FONT_FILES, start=1):
        if font in faces:
            items.append(Item(f"font-{index}", f"fonts/{font}", "font/otf",
                              _subset_cached(theme.style(f"fonts/{font}"), drawn, store)))
    if book.math == "tex":
        items.append(Item("font-math", f"fonts/{MATH_FONT}", "font/otf",
                          theme.style(f"fonts/{MATH_FONT}").read_bytes()))
    for index, face in enumerate(fallbacks, start=1):
        media_type = "font/otf" if face.name.endswith(".otf") else "font/ttf"
        items.append(Item(f"fallback-{index}", f"fonts/{face.name}", media_type, face.data))
    for index, image in enumerate(images, start=1):
        if image.name == f"images/{cover.name}":
            continue  # the cover, used in the text too: one file
        items.append(Item(f"image-{index}", image.name, image.media_type, image.file.read_bytes()))
    return items


def without_faces(css: str, files: list[str]) -> str:
    """`css` without the @font-face rules whose source is one of `files`."""
    for name in files:
        css = re.sub(r"@font-face\s*\{[^}]*/" + re.escape(name) + r"\"\)[^}]*\}\n?", "", css)
    return css


def _css(theme: Theme, math: bool = False) -> str:
    css = "\n".join(f"/* styles/{name} */\n{theme.read_style(name).strip()}\n" for name in ("base.css", "epub.css"))
    if math:  # the stylesheet sits in styles/, the fonts beside it in fonts/
        fonts = theme.read_style("math.css").strip().replace('url("fonts/', 'url("../fonts/')
        css += f"/* styles/math.css */\n{fonts}\n"
    return css


def _subset_cached(path: Path, text: str, store: Store | None) -> bytes:
    """`subset_font`, kept in the build cache by the font's bytes and the characters wanted."""
    if store is None:
        return subset_font(path, text)
    key = digest(code_digest(), metadata.version("fonttools"), path.read_bytes(), _characters(text))
    found = store.read_bytes(SUBSETS, key, ".otf")
    if found is not None:
        return found
    data = subset_font(path, text)
    store.write_bytes(SUBSETS, key, ".otf", data)
    store.prune(SUBSETS, limit=200)
    return data


def subset_font(path: Path, text: str) -> bytes:
    """The font cut down to the glyphs `text` needs, with their ligatures, kerning and figure styles."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = [*subset.Options().layout_features, "onum", "pnum", "tnum", "lnum"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["FFTM"]  # FontForge's own timestamps: nothing a reader needs
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=_characters(text))
    subsetter.subset(font)
    _rename(font, fonts.BOOK_FACE.family)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def renamed(data: bytes, family: str) -> bytes:
    """The font `data` with `family` as its name (`_rename`)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    if font["name"].getDebugName(1) == family:
        return data
    _rename(font, family)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _rename(font, family: str) -> None:
    """Give the subset the family name book.css gives it (checkers such as Calibre's flag a
    "Libertine" @font-face whose file says "Linux Libertine O"); the OFL also asks a modified
    font not to carry its Reserved Font Name, "Linux Libertine"."""
    names = font["name"]
    style = names.getDebugName(2) or "Regular"
    full = family if style == "Regular" else f"{family} {style}"
    postscript = family.replace(" ", "") + ("" if style == "Regular" else "-" + style.replace(" ", ""))
    for record in list(names.names):
        if record.nameID in (16, 17):
            names.removeNames(nameID=record.nameID)
    for name_id, value in ((1, family), (3, postscript), (4, full), (6, postscript)):
        for record in names.names:
            if record.nameID == name_id:
                record.string = value
    if "CFF " in font:
        cff = font["CFF "].cff
        top = cff.topDictIndex[0]
        cff.fontNames = [postscript]
        top.FamilyName, top.FullName = family, full


def _characters(markup: str) -> str:
    """Every character of the pages' text (markup included: a superset is harmless), plus ASCII."""
    return "".join(sorted(set(markup) | {chr(c) for c in range(32, 127)} | set("‘’“”–—…\u00a0")))


def _zip(items: list[Item], opf: str, epoch: int) -> bytes:
    """The OCF container: mimetype first and stored, then every file, all dated `epoch`."""
    stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip cannot date before 1980
    container = (TEMPLATES / "epub" / "container.xml").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        _add(archive, "mimetype", b"application/epub+zip", stamp, zipfile.ZIP_STORED)
        _add(archive, "META-INF/container.xml", container, stamp)
        _add(archive, "EPUB/content.opf", opf.encode("utf-8"), stamp)
        for item in sorted(items, key=lambda i: i.href):
            _add(archive, f"EPUB/{item.href}", item.data, stamp)
    return out.getvalue()


def _add(archive: zipfile.ZipFile, name: str, data: bytes, stamp, method=zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    info.create_system = 3
    archive.writestr(info, data, compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
