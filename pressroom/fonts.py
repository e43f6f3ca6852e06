"""The faces every edition sets its text in, and the check that they hold every character of the book.

    Libertine                       the book face (styles/fonts/): Latin, Greek, Cyrillic, Hebrew
    Noto Serif CJK, Noto Naskh …    fallbacks, one per script (styles/fonts/fallback/, OFL 1.1,
                                    made by scripts/make-fallback-fonts)

Every edition names them in this order (`STACK`), so each character is set in the first face
that holds it; no font of the host is ever reached. `check_book` runs before anything is laid
out: a character none of them holds is an error at its `file:line:col`, all of them at once.
The EPUB and the web edition embed only the fallbacks the book uses, each cut to its characters
(`edition_faces`).
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import yaml

from .messages import BuildError, Message, error
from .theme import Theme
from .tools.pdffonts import resources_of

if TYPE_CHECKING:
    from .context import BuildContext
    from .model import Book, Chapter, Edition


@dataclass(frozen=True)
class Face:
    """A face of the stack: its CSS family, its file under styles/, what it is for."""

    family: str
    file: str
    serves: str


BOOK_FACE = Face("Libertine", "fonts/LinLibertine_R.otf", "Latin, Greek, Cyrillic, Hebrew")
FALLBACKS = (
    # One face for Hanzi (Simplified and Traditional), kana and Hangul: its `locl` feature gives
    # each language its own forms when the text is tagged (lang=zh-Hant, ja, ko).
    Face("Noto Serif CJK", "fonts/fallback/NotoSerifCJK-Regular.subset.otf", "Chinese, Japanese, Korean"),
    Face("Noto Naskh Arabic", "fonts/fallback/NotoNaskhArabic-Regular.ttf", "Arabic"),
    Face("Noto Serif Hebrew", "fonts/fallback/NotoSerifHebrew-Regular.ttf", "Hebrew cantillation"),
    Face("Noto Serif Devanagari", "fonts/fallback/NotoSerifDevanagari-Regular.ttf", "Devanagari"),
    Face("Noto Serif Bengali", "fonts/fallback/NotoSerifBengali-Regular.ttf", "Bengali"),
    Face("Noto Serif Tamil", "fonts/fallback/NotoSerifTamil-Regular.ttf", "Tamil"),
    Face("Noto Serif Thai", "fonts/fallback/NotoSerifThai-Regular.ttf", "Thai"),
    Face("Noto Serif Armenian", "fonts/fallback/NotoSerifArmenian-Regular.ttf", "Armenian"),
    Face("Noto Serif Georgian", "fonts/fallback/NotoSerifGeorgian-Regular.ttf", "Georgian"),
    Face("Noto Serif Ethiopic", "fonts/fallback/NotoSerifEthiopic-Regular.ttf", "Ethiopic"),
    # The two- and three-em dashes ("Mr. ⸻"), which no face above holds: Libertine's em
    # dash drawn twice and three times over (scripts/make-dash-font).
    Face("Pressroom Dashes", "fonts/fallback/PressroomDashes-Regular.otf", "two- and three-em dashes"),
)
FACES = (BOOK_FACE, *FALLBACKS)
STACK = ", ".join(f'"{face.family}"' for face in FACES) + ", serif"
CODE = "K001"
# Characters drawn with no glyph: controls, format characters (joiners, bidi marks, the word
# joiner before a note call), line and paragraph separators, variation selectors.
NO_GLYPH = ("Cc", "Cf", "Zl", "Zp")
VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
# What a chapter carries that never prints: HTML comments and Jinja statements.
UNPRINTED = re.compile(r"<!--.*?-->|\{%.*?%\}", re.S)
ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
BOOK_KEYS = ("title", "subtitle", "authors", "publisher", "rights")  # printed from book.yaml
FRONT_MATTER_KEYS = ("title", "part", "epigraph")


def needs_glyph(char: str) -> bool:
    """Whether a character is drawn (a control, joiner or variation selector is not)."""
    code = ord(char)
    if unicodedata.category(char) in NO_GLYPH:
        return False
    return not any(code in r for r in VARIATION_SELECTORS)


CMAPS = "cmaps"  # cache kind: the code points a font file maps, as ranges


class _Kept:
    """The build cache a cmap may be kept in, left out of the in-process memo's key: a face read
    once in a run is not read again by a caller that has no cache at hand."""

    def __init__(self, store) -> None:
        self.store = store

    def __eq__(self, other) -> bool:
        return isinstance(other, _Kept)

    def __hash__(self) -> int:
        return 0


@lru_cache(maxsize=64)
def _cmap(path: Path, mtime_ns: int, size: int, kept: _Kept) -> frozenset[int]:
    from .cache import digest

    store = kept.store
    # Decompiling the faces' cmaps took 0.17 s of every build (the CJK face's glyph names): kept
    # in the build cache by the file's place, size and time, as make judges a file changed.
    key = digest(str(path), str(mtime_ns), str(size))
    found = store.read_json(CMAPS, key) if store is not None else None
    if isinstance(found, list):
        return frozenset(code for first, last in found for code in range(first, last + 1))
    from fontTools.ttLib import TTFont

    codes = frozenset(TTFont(str(path), lazy=True)["cmap"].getBestCmap())
    if store is not None:
        ranges: list[list[int]] = []
        for code in sorted(codes):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
        store.write_json(CMAPS, key, ranges)
        store.prune(CMAPS, limit=100)
    return codes


def face_path(theme: Theme, face: Face) -> Path:
    """The face's file: the book's own styles/ first, then ours."""
    return theme.style(face.file)


def cmap(path: Path, store=None) -> frozenset[int]:
    """The code points a font file maps to glyphs (kept in the build cache `store`, if given)."""
    resolved = path.resolve()
    stat = resolved.stat()
    return _cmap(resolved, stat.st_mtime_ns, stat.st_size, _Kept(store))


@dataclass(frozen=True)
class Coverage:
    """Which face of the stack sets each character."""

    faces: tuple[tuple[Face, Path, frozenset[int]], ...]

    @classmethod
    def of(cls, theme: Theme, store=None) -> "Coverage":
        return cls(tuple((face, face_path(theme, face), cmap(face_path(theme, face), store)) for face in FACES))

    def face(self, char: str) -> Face | None:
        """The first face holding `char` (None: none does)."""
        code = ord(char)
        return next((face for face, _, codes in self.faces if code in codes), None)

    def missing(self, text: str) -> list[str]:
        """The characters of `text` no face holds, in order of first appearance."""
        return [c for c in dict.fromkeys(text) if not c.isascii() and needs_glyph(c) and self.face(c) is None]

    def used(self, text: str) -> dict[Face, str]:
        """Each fallback face the text needs, with the characters it sets."""
        found: dict[Face, set[str]] = {}
        for char in set(text):
            face = self.face(char) if not char.isascii() else BOOK_FACE
            if face is not None and face is not BOOK_FACE:
                found.setdefault(face, set()).add(char)
        return {face: "".join(sorted(found[face])) for face in FALLBACKS if face in found}


def describe(char: str) -> str:
    """`U+1F409 DRAGON '🐉'`."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'UNNAMED CHARACTER')} {char!r}"


def _message(shown: str, line: int, col: int, char: str) -> Message:
    return error(CODE, shown, line, col, f"{describe(char)} is in no font the editions embed "
                 "(the book face or a bundled fallback: see pressroom/styles/fonts/fallback/README.md); "
                 "it would print as an empty box")


# ------------------------------------------------------------------ where the characters are


def _scan(text: str, coverage: Coverage, place) -> list[Message]:
    """Every uncovered character of `text` (entities decoded), at `place(offset)` → (path, line, col)."""
    if text.isascii() and "&" not in text:
        return []
    messages = []
    for offset, char in enumerate(text):
        if not char.isascii() and needs_glyph(char) and coverage.face(char) is None:
            messages.append(_message(*place(offset), char))
    for match in ENTITY.finditer(text):
        for char in coverage.missing(html.unescape(match.group(0))):
            messages.append(_message(*place(match.start()), char))
    return messages


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


def _locator(text: str, shown: str, line_of=lambda n: n):
    """offset → (shown, line, col), lines mapped through `line_of` (1-based in, 1-based out)."""
    import bisect

    starts = _line_starts(text)

    def place(offset: int) -> tuple[str, int, int]:
        index = bisect.bisect_right(starts, offset) - 1
        return shown, line_of(index + 1), offset - starts[index] + 1

    return place


def _blank(text: str, pattern: re.Pattern) -> str:
    """`text` with every match of `pattern` turned into spaces (line ends kept): offsets stay."""
    return pattern.sub(lambda m: re.sub(r"[^\r\n]", " ", m.group(0)), text)


def scan_yaml(text: str, shown: str, coverage: Coverage, keys: Iterable[str] | None,
              first_line: int = 1) -> list[Message]:
    """Uncovered characters in the YAML's values (under top-level `keys`; None: every value)."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []  # the loader has already reported it
    place = _locator(text, shown, lambda n: n + first_line - 1)
    messages: list[Message] = []

    def values(node) -> Iterable:
        if isinstance(node, yaml.ScalarNode):
            yield node
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                yield from values(item)
        elif isinstance(node, yaml.MappingNode):
            for _key, value in node.value:
                yield from values(value)

    if not isinstance(root, yaml.MappingNode):
        return []
    wanted = set(keys) if keys is not None else None
    for key, value in root.value:
        if wanted is not None and getattr(key, "value", None) not in wanted:
            continue
        for scalar in values(value):
            start, end = scalar.start_mark.index, scalar.end_mark.index
            raw = text[start:end]
            found = _scan(raw, coverage, lambda o, s=start: place(s + o))
            seen = {m.text for m in found}
            # An escape ("\U0001F409") is only in the decoded value: named at the value's start.
            for char in coverage.missing(scalar.value):
                message = _message(*place(start), char)
                if char not in raw and message.text not in seen:
                    found.append(message)
            messages += found
    return messages


def scan_chapter(chapter: "Chapter", rendered: str, coverage: Coverage) -> list[Message]:
    """Uncovered characters in the chapter's front matter and in its text as an edition renders it."""
    from .notes import SourceLines

    messages = []
    if chapter.body_line > 1:
        source = chapter.path.read_text(encoding="utf-8").removeprefix("\ufeff")
        front = "".join(source.splitlines(keepends=True)[1: chapter.body_line - 2])
        messages += scan_yaml(front, chapter.shown, coverage, FRONT_MATTER_KEYS, first_line=2)
    lines = SourceLines(chapter, rendered)
    offset = chapter.body_line - 1
    place = _locator(rendered, chapter.shown, lambda n: lines.line(n) + offset)
    messages += _scan(_blank(rendered, UNPRINTED), coverage, place)
    return messages


def check_book(context: "BuildContext", editions: Iterable["Edition"]) -> None:
    """Every character the editions print is held by a face of the stack; else all of them, at their places."""
    book = context.book
    coverage = Coverage.of(Theme(book.root), context.store)
    messages: list[Message] = []
    book_file = book.root / "book.yaml"
    messages += scan_yaml(book_file.read_text(encoding="utf-8").removeprefix("\ufeff"),
                          _shown(book, book_file), coverage, BOOK_KEYS)
    notes_file = book.root / "notes.yaml"
    if book.notes and notes_file.is_file():
        messages += scan_yaml(notes_file.read_text(encoding="utf-8").removeprefix("\ufeff"),
                              _shown(book, notes_file), coverage, None)
    # The reference files: citeproc prints their titles and names in notes and the bibliography.
    for path, _named in book.bibliography.files:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
        shown = _shown(book, path)
        messages += _scan(text, coverage, _locator(text, shown))
    seen_texts = set()
    for edition in editions:
        texts = context.texts(edition)
        for chapter in book.chapters:
            key = (chapter.id, texts[chapter.id])
            if key not in seen_texts:
                seen_texts.add(key)
                messages += scan_chapter(chapter, texts[chapter.id], coverage)
    unique = list(dict.fromkeys(messages))
    if unique:
        raise BuildError(unique)


def _shown(book: "Book", path: Path) -> str:
    """A manuscript file as messages name it (as load.py does: relative to the manuscript's parent)."""
    try:
        return str(path.relative_to(book.root.parent))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ the faces an edition embeds


@dataclass(frozen=True)
class Embedded:
    """A fallback face cut to the characters a book sets in it: file name, bytes, CSS."""

    face: Face
    name: str
    data: bytes
    css: str


def edition_faces(theme: Theme, text: str, url_prefix: str, flavor: str | None = None,
                  subset=None, store=None) -> list[Embedded]:
    """The fallbacks `text` needs, each subset to the characters it sets there, with its @font-face.

    `subset(path, chars, flavor)` does the cutting (the EPUB's cached subsetter); `flavor`
    "woff2" for the web; `store` the build cache.
    """
    coverage = Coverage.of(theme, store)
    embedded = []
    cut = subset or subset_face
    for face, chars in coverage.used(text).items():
        path = face_path(theme, face)
        suffix = ".woff2" if flavor == "woff2" else path.suffix
        name = Path(face.file).stem.replace(".subset", "") + suffix
        data = cut(path, chars, flavor)
        kind = {"woff2": "woff2", ".otf": "opentype", ".ttf": "truetype"}[flavor or path.suffix]
        css = (f'@font-face {{ font-family: "{face.family}"; src: url("{url_prefix}{name}") format("{kind}"); '
               f"font-weight: normal; font-style: normal; {'font-display: swap; ' if flavor == 'woff2' else ''}"
               f"unicode-range: {unicode_range(chars)}; }}")
        embedded.append(Embedded(face, name, data, css))
    return embedded


SUBSETS = "fallback-subsets"  # cache kind: a fallback face cut to a book's characters


def cached_subset(store, path: Path, chars: str, flavor: str | None = None) -> bytes:
    """`subset_face`, kept in the build cache `store` (None: none) by the font's bytes and the characters."""
    if store is None:
        return subset_face(path, chars, flavor)
    from importlib import metadata

    from .cache import code_digest, digest

    key = digest(code_digest(), metadata.version("fonttools"), flavor or "", path.read_bytes(),
                 "".join(sorted(set(chars))))
    found = store.read_bytes(SUBSETS, key, ".font")
    if found is not None:
        return found
    data = subset_face(path, chars, flavor)
    store.write_bytes(SUBSETS, key, ".font", data)
    store.prune(SUBSETS, limit=100)
    return data


def subset_face(path: Path, chars: str, flavor: str | None = None) -> bytes:
    """A fallback face cut to `chars`, keeping the features their setting needs (locl, vert,
    kerning, marks, joining and conjuncts)."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["*"]  # the fallbacks carry only what their scripts need
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.hinting = False
    if flavor:
        options.flavor = flavor
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    # Joiners and the dotted circle take part in Arabic and Indic shaping; a space between two
    # words of the script is set in its face.
    subsetter.populate(text=chars + " \u00a0\u200c\u200d\u25cc")
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def unicode_range(chars: str) -> str:
    """The code points of `chars` as a CSS unicode-range (consecutive ones as ranges)."""
    codes = sorted({ord(c) for c in chars})
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in ranges)


def font_face_css(theme: Theme, text: str | None = None, store=None) -> str:
    """@font-face rules for the fallbacks `text` needs (None: every one), at their files: the PDFs
    lay out with these."""
    faces = FALLBACKS if text is None else tuple(Coverage.of(theme, store).used(text))
    rules = []
    for face in faces:
        path = face_path(theme, face)
        rules.append(f'@font-face {{ font-family: "{face.family}"; src: url("{path.as_uri()}"); '
                     "font-weight: normal; font-style: normal; }")
    return "\n".join(rules)


def book_text(book: "Book", texts: Iterable[str]) -> str:
    """`texts` (the chapters' and notes' HTML, their titles) with what the book's pages print from book.yaml."""
    fields = [book.title, book.subtitle or "", *book.authors, book.publisher or "", book.rights or ""]
    return "".join([*fields, *texts])


# ------------------------------------------------------------------ reading a PDF back

HEX = r"<([0-9A-Fa-f]+)>"
BFCHAR = re.compile(r"beginbfchar(.*?)endbfchar", re.S)
BFRANGE = re.compile(r"beginbfrange(.*?)endbfrange", re.S)
CIDCHAR = re.compile(r"begincidchar(.*?)endcidchar", re.S)
CIDRANGE = re.compile(r"begincidrange(.*?)endcidrange", re.S)


def _utf16(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be", "replace")


def _to_unicode(cmap: str) -> dict[int, str]:
    """A ToUnicode CMap: character code → text."""
    mapping: dict[int, str] = {}
    for block in BFCHAR.findall(cmap):
        for code, text in re.findall(HEX + r"\s*" + HEX, block):
            mapping[int(code, 16)] = _utf16(text)
    for block in BFRANGE.findall(cmap):
        for low, high, rest in re.findall(HEX + r"\s*" + HEX + r"\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            low, high = int(low, 16), int(high, 16)
            if rest.startswith("["):
                for offset, text in enumerate(re.findall(HEX, rest)):
                    mapping[low + offset] = _utf16(text)
            else:
                start = bytes.fromhex(rest[1:-1])
                for offset in range(high - low + 1):
                    value = int.from_bytes(start, "big") + offset
                    mapping[low + offset] = value.to_bytes(len(start), "big").decode("utf-16-be", "replace")
    return mapping


def _code_to_cid(cmap: str) -> dict[int, int]:
    """An embedded encoding CMap: character code → CID (a code it leaves out draws CID 0, .notdef)."""
    mapping: dict[int, int] = {}
    for block in CIDCHAR.findall(cmap):
        for code, cid in re.findall(HEX + r"\s*(\d+)", block):
            mapping[int(code, 16)] = int(cid)
    for block in CIDRANGE.findall(cmap):
        for low, high, cid in re.findall(HEX + r"\s*" + HEX + r"\s*(\d+)", block):
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = int(cid) + offset
    return mapping


def _glyph_count(descriptor) -> int | None:
    """How many glyphs the embedded font program holds (None: none embedded, or unreadable)."""
    from fontTools.ttLib import TTFont

    for key in ("/FontFile2", "/FontFile3"):
        if key in descriptor:
            data = descriptor[key].read_bytes()
            try:
                if data[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
                    return len(TTFont(io.BytesIO(data), lazy=True).getGlyphOrder())
                from fontTools.cffLib import CFFFontSet

                cff = CFFFontSet()
                cff.decompile(io.BytesIO(data), None)
                return len(cff[cff.fontNames[0]].charset)
            except Exception:  # a font program we cannot read is no proof of a missing glyph
                return None
    return None


def _font_missing(font) -> set[str]:
    """The characters a composite font draws as .notdef (its CID 0, or a glyph it does not hold)."""
    if font.get("/Subtype") != "/Type0" or "/ToUnicode" not in font:
        return set()
    to_unicode = _to_unicode(font["/ToUnicode"].read_bytes().decode("latin-1"))
    encoding = font.get("/Encoding")
    import pikepdf

    codes = (_code_to_cid(encoding.read_bytes().decode("latin-1")) if isinstance(encoding, pikepdf.Stream)
             else None)  # None: Identity-H/V, the code is the CID
    descendant = font["/DescendantFonts"][0]
    gid_map = descendant.get("/CIDToGIDMap")
    gids = gid_map.read_bytes() if isinstance(gid_map, pikepdf.Stream) else None
    descriptor = descendant.get("/FontDescriptor") or {}
    count = _glyph_count(descriptor)
    missing = set()
    for code, text in to_unicode.items():
        if not any(needs_glyph(c) for c in text):
            continue
        cid = code if codes is None else codes.get(code, 0)
        gid = int.from_bytes(gids[2 * cid: 2 * cid + 2], "big") if gids is not None else cid
        if gid == 0 or (count is not None and gid >= count):
            missing.update(c for c in text if needs_glyph(c))
    return missing


def missing_glyphs(path: Path) -> dict[str, tuple[int, ...]]:
    """Characters the PDF draws with no glyph (as .notdef: an empty box), each with the pages
    whose fonts carry it."""
    import pikepdf

    found: dict[str, list[int]] = {}
    checked: dict[tuple[int, int], set[str]] = {}
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            fonts = (font for resources in resources_of(page.obj.get("/Resources"), set())
                     for font in (resources.get("/Font") or {}).values())
            for font in fonts:
                key = font.objgen
                if key not in checked:
                    checked[key] = _font_missing(font)
                for char in checked[key]:
                    if number not in found.setdefault(char, []):
                        found[char].append(number)
    return {char: tuple(pages) for char, pages in sorted(found.items())}
