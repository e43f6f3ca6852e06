"""The web edition: a title page, one page per chapter, a search page, all usable without a server.

build/html/
  index.html          title page, contents, copyright
  <chapter-id>.html   the chapter, a contents sidebar, prev/next, its notes listed at its end
  search.html         full-text search over the pagefind/ index built here (pressroom/tools/pagefind.py)
  style.css           styles/fonts.css + base.css + html.css; nojs.css for browsers without JavaScript
  book.js, search.js  the only scripts, as files: a strict Content-Security-Policy holds (no inline code)
  fonts/, images/     the bundled book face, the fallback faces the book uses (CJK, Arabic, ...: WOFF2
                      cut to its characters, pressroom/fonts.py) and the book's images: no request
                      leaves the folder

Every page works without JavaScript: note calls link to the list at the chapter's end and back;
with it, a call opens the note in a popover (keyboard and screen-reader friendly, Escape closes).
"""

from __future__ import annotations

import io
import re
import shutil
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
from markupsafe import Markup

from .. import fonts, pagemap, usedfaces
from ..cache import Store, code_digest, digest
from ..bidi import direction
from ..context import BuildContext
from ..cover import Cover, cover_for
from ..images import screen_fragments
from ..model import Book, Edition
from ..output import atomic_path
from ..render import book_context, page_environment, render_page
from ..resolve import ResolvedChapter
from ..theme import STYLES, TEMPLATES, Theme
from ..tools import git, pagefind
from . import Written
from .fragments import Fragments, fill_note_calls

STATIC = TEMPLATES / "html" / "static"
STYLESHEETS = ("fonts.css", "base.css", "html.css")
STATIC_FILES = ("book.js", "prefs.js", "search.js", "nojs.css", "favicon.svg")
FONT_FILES = ("*.otf", "OFL.txt")
MATH_FONT = "latinmodern-math.otf"  # only a `math: tex` book's site carries it (styles/math.css)
LAST_PARAGRAPH_END = re.compile(r"</p>\s*\Z")
PARAGRAPH_OPEN = re.compile(r"<p>")
TABLE = re.compile(r"(<table\b.*?</table>)", re.S)
ELEMENT_ID = re.compile(r'\sid="([^"]+)"')
IN_BOOK_LINK = re.compile(r'href="#([^"]+)"')
HEADING = re.compile(r'<(h[2-4])([^>]*?)\sid="([^"]+)"([^>]*)>(.*?)</\1>', re.S)
TAG = re.compile(r"<[^>]+>")
MATHML_OPEN = re.compile(r"<math\b")
# Pagefind's search runs as WebAssembly: 'wasm-unsafe-eval' lets it compile, and nothing else.
# Images only from the site itself (the icon is favicon.svg). `make watch` sends the same policy as a header.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'")


def write(context: BuildContext, edition: Edition, target: Path) -> Written:
    """Render every page and the search index, then swap the whole folder in at once."""
    book, chapters, fragments = context.book, context.chapters(edition), context.fragments(edition)
    context.progress(f"{edition.name}: writing the web edition")
    images = context.images(edition)  # every image checked, each with alt text, converted where need be
    fragments = Fragments(*screen_fragments(images, fragments.chapters, fragments.notes))
    fragments, starts = with_print_pages(context, edition, fragments)
    # Share cards show the cover; they need absolute addresses, so only a book with `url:` gets them.
    cover = cover_for(book, context.store) if book.url else None
    pages = render_pages(book, edition, chapters, fragments, starts, cover)
    theme = Theme(book.root)
    with atomic_path(target) as temporary:
        temporary.mkdir()
        for name, text in pages.items():
            (temporary / name).write_text(text, encoding="utf-8", newline="\n")
        # The fallback faces (CJK, Arabic, ...) the book sets text in, cut to its characters, as WOFF2.
        fallbacks = fonts.edition_faces(theme, "".join(pages.values()), "fonts/", "woff2",
                                        lambda path, chars, flavor: fonts.cached_subset(context.store, path, chars, flavor),
                                        context.store)
        css = stylesheet(theme, book.math == "tex")
        faces = book_faces(theme, pages, css, context.store)
        css = "\n".join([css, *(f.css for f in fallbacks)]) + "\n"
        if faces is not None:
            css = web_font_css(css, faces, theme)
        (temporary / "style.css").write_text(css, encoding="utf-8", newline="\n")
        for name in STATIC_FILES:
            shutil.copyfile(STATIC / name, temporary / name)
        (temporary / "fonts").mkdir()
        for pattern in FONT_FILES:
            for font in theme.fonts(pattern):
                if (font.name != MATH_FONT or book.math == "tex") and (faces is None or font.suffix != ".otf"
                                                                          or font.name == MATH_FONT):
                    shutil.copyfile(font, temporary / "fonts" / font.name)
        for face in faces or ():
            (temporary / "fonts" / face.name).write_bytes(face.data)
        if book.math == "tex":
            shutil.copyfile(theme.style("fonts/GUST-FONT-LICENSE.txt"), temporary / "fonts" / "GUST-FONT-LICENSE.txt")
        for face in fallbacks:
            (temporary / "fonts" / face.name).write_bytes(face.data)
        if fallbacks:
            shutil.copyfile(theme.style("fonts/fallback/OFL.txt"), temporary / "fonts" / "OFL-fallback.txt")
        for image in images:
            destination = temporary / image.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image.file, destination)
        if cover is not None:
            (temporary / cover.name).write_bytes(cover.data)
        if book.url:  # a sitemap needs absolute addresses: without `url:` there is none (README)
            (temporary / "sitemap.xml").write_text(sitemap(book, chapters, git.source_date_epoch(book.root)),
                                                   encoding="utf-8", newline="\n")
            (temporary / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {book.url}sitemap.xml\n",
                                                  encoding="utf-8", newline="\n")
        words = pagefind.index_site(temporary, label=f"{edition.name} edition")
    notes = sum(len(c.notes) for c in chapters)
    return Written(f"{len(chapters)} chapter pages, {notes} notes, {len(images)} images, {words} words indexed")


def render_pages(book: Book, edition: Edition, chapters: list[ResolvedChapter], fragments: Fragments,
                 starts: list[pagemap.PageStart] = (), cover: Cover | None = None) -> dict:
    """File name → HTML for the title page, each chapter page, the search page and the 404 page."""
    env = page_environment("html", Theme(book.root))
    contents = [{"href": page_name(c), "title": c.title, "number": c.number, "label": c.label,
                 "matter": c.matter, "part": _part(c.part) if c.opens_part else None} for c in chapters]
    home = {"href": "index.html", "title": "Title page and contents"}
    shared = {"contents": contents, "stylesheet": "style.css", "csp": CSP, "home": home, "root": "",
              "cover": {"name": cover.name, "alt": cover.alt} if cover else None,
              # The regular face is fetched at once, beside the stylesheet, not after it is parsed.
              "preload": [f"fonts/{_woff2(usedfaces.BOOK_FACE_FILES[(False, False)])}"]
              if _our_font_css(Theme(book.root)) else []}
    by_chapter: dict[str, list[pagemap.PageStart]] = {}
    for start in starts:
        by_chapter.setdefault(start.chapter, []).append(start)
    pages = {}
    # Served for any missing address, at any depth: its links start from the site's root path.
    pages["404.html"] = render_page(env, "404.html", {**book_context(book, edition), **shared, "current": "404.html",
                                                      "root": urlsplit(book.url).path if book.url else ""})
    pages["index.html"] = render_page(env, "index.html", {**book_context(book, edition), **shared,
                                                          "current": "index.html"})
    pages["search.html"] = render_page(env, "search.html", {**book_context(book, edition), **shared,
                                                            "current": "search.html"})
    labels = {n.number: n.label for c in chapters for n in c.notes}
    homes = {anchor: page_name(c) for c in reversed(chapters)
             for anchor in ELEMENT_ID.findall(fragments.chapters[c.id])}
    # Notes and their calls are filled in later; a reference to a note (xref.py) finds its page.
    homes.update((f"{kind}-{n.number}", page_name(c)) for c in chapters for n in c.notes for kind in ("note", "call"))
    # The print pages' markers are added below, page by page: a "p. 42" links to the page holding its marker.
    homes.update((f"page-{s.label}", page_name(c)) for c in chapters for s in by_chapter.get(c.anchor, []))
    for index, chapter in enumerate(chapters):
        page = {**book_context(book, edition), **shared, "current": page_name(chapter)}
        html = mark_print_pages(fragments.chapters[chapter.id], by_chapter.get(f"chapter-{chapter.id}", []))
        html = fill_note_calls(html, lambda number: note_call(number, labels[number]))
        html = cross_page_links(html, page_name(chapter), homes)
        page.update(
            chapter={"id": chapter.id, "title": chapter.title, "number": chapter.number, "label": chapter.label,
                     "subtitle": chapter.subtitle, "role": chapter.role, "matter": chapter.matter,
                     "lang": chapter.lang, "dir": direction(chapter.lang),
                     "part": _part(chapter.part) if chapter.opens_part else None,
                     "anchor": f"chapter-{chapter.id}",
                     "html": Markup(heading_anchors(scrolling_tables(passage_ids(html))))},
            notes=[{"number": n.number, "label": n.label, "note_id": n.note_id,
                    "html": Markup(with_backlink(fragments.notes[n.number], n.number, n.label))}
                   for n in chapter.notes],
            prev=contents[index - 1] if index > 0 else home,
            next=contents[index + 1] if index + 1 < len(chapters) else None,
        )
        pages[page_name(chapter)] = render_page(env, "chapter.html", page)
    return pages


def with_print_pages(context: BuildContext, edition: Edition,
                     fragments: Fragments) -> tuple[Fragments, list[pagemap.PageStart]]:
    """The fragments with their page references' numbers filled in, and where the reader's PDF's
    pages start (render_pages marks them)."""
    from . import epub

    printed = epub.reference_pages(context, fragments)
    if not printed:
        return fragments, print_page_starts(context, edition)
    starts = epub.print_pages(context, edition)
    fragments = epub.with_page_numbers(fragments, printed, {s.label for s in starts})
    return fragments, epub.with_blank_pages_placed(starts)


def print_page_starts(context: BuildContext, edition: Edition) -> list[pagemap.PageStart]:
    """The reader's PDF's page starts, as the EPUB's page list has them: from this run's layout or
    the layout cache, else laid out now. Always, so `build html` alone makes the same pages as
    `make` (a first web-only build of a book pays for its PDF's layout once)."""
    from .epub import print_pages, with_blank_pages_placed

    return with_blank_pages_placed(print_pages(context, edition))


def mark_print_pages(html: str, starts: list[pagemap.PageStart]) -> str:
    """The chapter's HTML with a `p. N` marker where each print page begins (as the EPUB's page list).

    A chapter with MathML is left as it is: the HTML parser would not keep its namespaced markup whole.
    """
    if not starts or MATHML_OPEN.search(html):
        return html
    body = lxml.html.fragment_fromstring(html or "", create_parent="div")
    top = body.makeelement("span", {})  # the chapter's opening: its first page's marker goes before the text
    top.tail, body.text = body.text, None
    body.insert(0, top)
    # No role: axe refuses doc-pagebreak (deprecated in DPUB-ARIA 1.1) on a span; the "p. N" that
    # CSS draws is read out by screen readers as it is shown.
    pagemap.mark_pages(body, top, starts, lambda label: body.makeelement("span", {
        "class": "page-break", "id": f"page-{label}", "data-page": label, "data-pagefind-ignore": ""}))
    top.drop_tag()
    return (body.text or "") + "".join(lxml.html.tostring(child, encoding="unicode", with_tail=True)
                                       for child in body)


def heading_anchors(html: str) -> str:
    """Each section heading ends with a link to itself (book.js copies its address when clicked)."""
    def anchor(match: re.Match) -> str:
        tag, before, ident, after, inner = match.groups()
        label = "Link to this section: " + TAG.sub("", inner).strip().replace('"', "&quot;")
        return (f'<{tag}{before} id="{ident}"{after}>{inner}<a class="heading-anchor" href="#{ident}"'
                f' aria-label="{label}" data-label="{label}" data-pagefind-ignore></a></{tag}>')

    return HEADING.sub(anchor, html)


def sitemap(book: Book, chapters: list[ResolvedChapter], epoch: int) -> str:
    """sitemap.xml: the title page and every chapter at the book's `url:`, dated by the sources' commit."""
    date = time.strftime("%Y-%m-%d", time.gmtime(epoch))
    urls = [book.url, *(book.url + page_name(c) for c in chapters)]
    entries = "".join(f"  <url><loc>{escape(url)}</loc><lastmod>{date}</lastmod></url>\n" for url in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n')


def _part(part) -> dict:
    return {"id": part.id, "number": part.number, "title": part.title}


def page_name(chapter: ResolvedChapter) -> str:
    return f"{chapter.id}.html"


def passage_ids(html: str) -> str:
    """Number the chapter's paragraphs (`p-1`, `p-2`, ...): search results and readers link to a passage."""
    count = iter(range(1, 1 << 30))
    return PARAGRAPH_OPEN.sub(lambda _: f'<p id="p-{next(count)}">', html)


def cross_page_links(html: str, name: str, homes: dict[str, str]) -> str:
    """A `#id` link to an element of another chapter goes to that chapter's page."""
    def fix(match: re.Match) -> str:
        home = homes.get(match.group(1))
        return match.group(0) if home in (None, name) else f'href="{home}#{match.group(1)}"'

    return IN_BOOK_LINK.sub(fix, html)


def scrolling_tables(html: str) -> str:
    """Each table in a box that scrolls sideways on a phone; focusable, so the keyboard can scroll it too."""
    count = iter(range(1, 1 << 30))
    return TABLE.sub(lambda m: f'<div class="table-scroll" tabindex="0" role="region" aria-label="Table {next(count)}">'
                               f"{m.group(1)}</div>", html)


def note_call(number: int, label: int) -> str:
    """A note call: its printed number, superscript, linking to the note at the page's end.

    book.js turns the link into a popover button; data-pagefind-ignore keeps the number out
    of the words the search finds ("executed.1").
    """
    return (f'<sup class="noteref" data-pagefind-ignore><a href="#note-{number}" id="call-{number}"'
            f' role="doc-noteref" aria-label="Note {label}">{label}</a></sup>')


def with_backlink(note_html: str, number: int, label: int) -> str:
    """The note's HTML with a link back to its call, at the end of its last paragraph."""
    link = (f'<a href="#call-{number}" role="doc-backlink" class="backlink" data-pagefind-ignore'
            f' aria-label="Back to the text of note {label}">\u21a9\ufe0e</a>')
    if LAST_PARAGRAPH_END.search(note_html):
        return LAST_PARAGRAPH_END.sub(lambda _: f" {link}</p>", note_html, count=1)
    return f"{note_html}\n<p>{link}</p>"


def stylesheet(theme: Theme, math: bool = False) -> str:
    """The one stylesheet of the site, from the shared font set-up, base and web styles (and the
    math face's, for a book with TeX math)."""
    names = (*STYLESHEETS, "math.css") if math else STYLESHEETS
    parts = [f"/* styles/{name} */\n{theme.read_style(name).strip()}\n" for name in names]
    return "\n".join(parts)


# ------------------------------------------------------------------ web fonts

WEB_SUBSETS = "web-subsets"  # cache kind: a style of the book face as WOFF2, cut to the site's characters
# Characters every style keeps beyond those the pages set in it: what the scripts may add
# (numbers, quotes, dashes, the back arrow); the stylesheet's `content:` strings are added to them.
ALWAYS = "".join(chr(c) for c in range(32, 127)) + "\u00a0‘’“”–—…\u21a9"
# A local face whose letters are about as wide as Libertine's, scaled to match, so the text laid out
# before the web font arrives keeps its lines when it does (no layout shift). Times New Roman and
# its metric twins Liberation Serif and Tinos: average advance 0.4019 em over an English sample
# (FALLBACK_SAMPLE), measured on LiberationSerif-Regular.ttf 2.1.
FALLBACK_LOCAL = ("Times New Roman", "Liberation Serif", "Tinos")
FALLBACK_ADVANCE = 0.4019
FALLBACK_SAMPLE = ("The quick brown fox jumps over the lazy dog, and the delegation of the ministry met in the "
                   "embassy; the records were translated into English. ")


@dataclass(frozen=True)
class WebFace:
    """A style of the book face as the site serves it: file name, bytes, its @font-face."""

    name: str
    data: bytes
    css: str
    chars: str


def _woff2(name: str) -> str:
    return Path(name).stem + ".woff2"


def _our_font_css(theme: Theme) -> bool:
    """Whether the site's fonts.css is ours (a book with its own keeps its faces as it names them)."""
    return theme.style("fonts.css") == STYLES / "fonts.css"


def book_faces(theme: Theme, pages: dict[str, str], css: str, store: Store | None) -> list[WebFace] | None:
    """Each style of the book face the pages set text in, as a WOFF2 subset with its @font-face
    (swap, unicode-range); None when the book brings its own fonts.css."""
    if not _our_font_css(theme):
        return None
    used = usedfaces.faces_used(pages.values(), css, store)
    everything = set("".join(pages.values()))
    always = set(ALWAYS) | set(usedfaces.generated_text(css))
    faces = []
    for key, file in usedfaces.BOOK_FACE_FILES.items():
        chars = used.get(key, "")
        if key != (False, False) and not chars.strip():
            continue  # a style no text is set in: never fetched, so not shipped
        path = theme.style(f"fonts/{file}")
        wanted = (everything if key == (False, False) else set(chars)) | always
        held = "".join(sorted(c for c in wanted if ord(c) in fonts.cmap(path, store)))
        bold, italic = key
        css_rule = (f'@font-face {{ font-family: "{fonts.BOOK_FACE.family}"; '
                    f'src: url("fonts/{_woff2(file)}") format("woff2"); font-weight: {"bold" if bold else "normal"}; '
                    f'font-style: {"italic" if italic else "normal"}; font-display: swap; '
                    f"unicode-range: {fonts.unicode_range(held)}; }}")
        faces.append(WebFace(_woff2(file), _web_subset(store, path, held), css_rule, held))
    return faces


def web_font_css(css: str, faces: list[WebFace], theme: Theme) -> str:
    """The stylesheet with our OTF @font-face rules replaced by the WOFF2 subsets', and the
    metric-matched local fallback put after the book face, for the characters the book face sets
    (a host's Times with Arabic must not take it from Noto Naskh)."""
    css = re.sub(r'@font-face\s*\{[^}]*url\("fonts/LinLibertine_[A-Z]+\.otf"\)[^}]*\}\n?', "", css)
    from fontTools.ttLib import TTFont

    font = TTFont(str(theme.style("fonts/" + usedfaces.BOOK_FACE_FILES[(False, False)])), lazy=True)
    em = font["head"].unitsPerEm
    advance = sum(font["hmtx"].metrics[font.getBestCmap()[ord(c)]][0] for c in FALLBACK_SAMPLE) / len(FALLBACK_SAMPLE) / em
    scale = advance / FALLBACK_ADVANCE
    hhea = font["hhea"]
    family = f"{fonts.BOOK_FACE.family} fallback"
    local = ", ".join(f'local("{name}")' for name in FALLBACK_LOCAL)
    ranges = fonts.unicode_range("".join(sorted(set("".join(f.chars for f in faces)))))
    fallback = (f'@font-face {{ font-family: "{family}"; src: {local}; size-adjust: {scale * 100:.1f}%; '
                f"ascent-override: {hhea.ascent / em / scale * 100:.1f}%; "
                f"descent-override: {-hhea.descent / em / scale * 100:.1f}%; "
                f"line-gap-override: {hhea.lineGap / em / scale * 100:.1f}%; unicode-range: {ranges}; }}")
    stack = fonts.STACK.replace(f'"{fonts.BOOK_FACE.family}"', f'"{fonts.BOOK_FACE.family}", "{family}"', 1)
    return "\n".join(["/* the book face: WOFF2 subsets of the site's characters (pressroom/editions/html.py) */",
                      *(f.css for f in faces), fallback, css,
                      f"/* the book face, then its metric-matched fallback */\nhtml {{ font-family: {stack}; }}"])


def _web_subset(store: Store | None, path: Path, chars: str) -> bytes:
    """The face cut to `chars` as WOFF2 with its ligatures, kerning and figure styles; cached."""
    from importlib import metadata

    key = digest(code_digest(), metadata.version("fonttools"), path.read_bytes(), chars)
    found = store.read_bytes(WEB_SUBSETS, key, ".woff2") if store is not None else None
    if found is not None:
        return found
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = [*subset.Options().layout_features, "onum", "pnum", "tnum", "lnum"]
    options.hinting = False  # screens rasterise CFF without it; a third of the bytes
    options.desubroutinize = True  # smaller once Brotli has compressed it
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["FFTM"]
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    data = out.getvalue()
    if store is not None:
        store.write_bytes(WEB_SUBSETS, key, ".woff2", data)
        store.prune(WEB_SUBSETS, limit=100)
    return data
