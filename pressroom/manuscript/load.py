"""Load and validate a manuscript folder (book.yaml, chapters/*.md, notes.yaml) into a Book."""

from __future__ import annotations

import re
from pathlib import Path

from ..editions import KINDS, default_kinds
from ..limits import check_source_shapes, file_problem
from ..messages import BuildError, Message, Report, error, warning
from ..model import (ROLES, Bibliography, Book, Chapter, CoverData, Edition, Epigraph, Note, NoteRef, Paper, Pos,
                     Price)
from ..onix import SUBJECT_SCHEMES as ONIX_SUBJECT_SCHEMES
from ..tools import codes, isbn
from ..theme import Theme
from .design import load_cover_data, load_design
from .lint import lint_kept
from ..notes import closing_bracket
from .markdown import code_ranges
from .sources import MAX_TEXT_BYTES, Node, load_yaml, place_in, read_text, text_places

BOOK_KEYS = {"title", "subtitle", "authors", "language", "slug", "version", "rights",
             "publisher", "description", "chapters", "editions", "note-numbering", "math", "caption-numbering",
             "subjects", "territories", "bibliography", "csl", "url"}
REQUIRED_BOOK_KEYS = ("title", "language", "slug", "version")
EDITION_KEYS = {"kind", "name", "trim", "isbn", "bleed", "marks", "opening", "tagged", "price", "paper", "cover-bleed"}
PRINT_ONLY_KEYS = ("paper", "cover-bleed")  # they shape the print cover, which only print editions have
PRICE = re.compile(r"(\d{1,7}(?:\.\d{1,4})?) ([A-Z]{3})")
PPI = re.compile(r"(\d{2,4}(?:\.\d+)?) ?ppi")
# Subject schemes book.yaml may name, each written `SCHEME CODE`.
SUBJECT_SCHEMES = tuple(ONIX_SUBJECT_SCHEMES)
OPENINGS = {"small-caps", "drop-cap"}
NAMED_TRIMS = {"A5": "148mm 210mm", "A4": "210mm 297mm", "B5": "176mm 250mm"}
FLAGS = {"true": True, "yes": True, "false": False, "no": False}
NUMBERINGS = ("chapter", "book")
MATH = ("none", "tex")
FRONT_MATTER_KEYS = {"title", "id", "part", "epigraph", "role", "short-title", "subtitle", "lang"}
EPIGRAPH_KEYS = {"text", "source"}
RUNNING_HEAD_MAX = 60  # characters: a longer title needs a short-title for its running heads
NOTE_KEYS = {"text", "cite"}
CITE_KEYS = {"key", "prefix", "locator", "suffix"}  # the structured form of a note's `cite:`
CITE_KEY = re.compile(r"[\w](?:[\w]|[:.#$%&+?<>~/-]+(?=\w))*")  # Pandoc's citation key syntax

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# The web edition's published address (`url:`): absolute, so a sitemap and share cards can name pages from it.
BASE_URL = re.compile(r"https?://[^\s/\"<>]+(/[^\s\"<>]*)?/")
LENGTH = re.compile(r"\d+(\.\d+)?(in|mm|cm|pt)")
# A chapter id names a web page and anchors: a safe file name, and never the title page.
CHAPTER_ID = re.compile(r"[^\W_][\w-]{0,99}")
RESERVED_CHAPTER_IDS = {"index"}
NOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](:?)")
INLINE_NOTE = re.compile(r"(?<!\\)\^\[")  # `^[…]`, an inline note


def load_book(root: Path, report: Report, store=None) -> Book:
    """Read the manuscript at `root`; warnings go to `report`, errors are raised all at once.
    `store`: a build cache (cache.Store) that keeps each file's lint."""
    root = root.resolve()
    book_file = root / "book.yaml"
    if not book_file.is_file():
        raise BuildError([error("B000", _shown(root, book_file), 0, 0, "book.yaml not found")])
    shown = _shown(root, book_file)
    problem = file_problem(book_file, root, MAX_TEXT_BYTES)
    if problem:
        raise BuildError([error("B000", shown, 0, 0, f"book.yaml {problem}")])
    book_text = read_text(book_file, shown)
    report.extend(lint_kept(book_text, shown, store, markdown=False))
    meta = _node(load_yaml(book_text, shown))
    _check_keys(meta, BOOK_KEYS, shown, "book.yaml", report)
    for key in REQUIRED_BOOK_KEYS:
        if key not in meta.value:
            report.add(error("B002", shown, 1, 1, f"missing required key '{key}'"))
    fields = {k: _string(meta, k, shown, report)
              for k in BOOK_KEYS - {"authors", "chapters", "editions", "note-numbering", "math", "caption-numbering",
                                   "subjects", "territories", "bibliography", "csl"}}
    numbering = _choice(meta, "note-numbering", NUMBERINGS, shown, report)
    math = _choice(meta, "math", MATH, shown, report)
    caption_numbering = _choice(meta, "caption-numbering", NUMBERINGS, shown, report)
    _check_pattern(meta, "slug", SLUG, "lower-case letters, digits and hyphens", shown, report)
    _check_pattern(meta, "language", LANGUAGE, "a BCP 47 tag such as en-US", shown, report)
    _check_pattern(meta, "url", BASE_URL, "an http(s) address ending in / (where the web edition is published)",
                   shown, report)
    chapters = _chapters(root, meta, shown, report, store)
    read_notes = _notes(root, report, store)
    notes = read_notes or {}
    editions = _editions(meta, shown, report, load_cover_data())
    subjects = _subjects(meta, shown, report)
    territories = _territories(meta, shown, report)
    authors = _string_list(meta, "authors", shown, report)
    bibliography = _bibliography(root, meta, shown, report)
    _check_notes(chapters, notes, report, notes_read=read_notes is not None)
    try:
        design = load_design(Theme(root))
    except BuildError as exc:
        report.extend(exc.messages)
    report.raise_if_errors()
    return Book(
        root=root, title=fields["title"], language=fields["language"], slug=fields["slug"],
        version=fields["version"], chapters=tuple(chapters), notes=notes, editions=editions, design=design,
        subtitle=fields["subtitle"], authors=authors, publisher=fields["publisher"],
        rights=fields["rights"], description=fields["description"], note_numbering=numbering, math=math,
        caption_numbering=caption_numbering, subjects=subjects, territories=territories,
        bibliography=bibliography, url=fields["url"],
    )


def _shown(root: Path, path: Path) -> str:
    """Paths in messages read as the user typed them: relative to the manuscript's parent."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _node(node: Node) -> Node:
    if not isinstance(node.value, dict):
        return Node({}, node.line, node.col)
    return node


def _check_keys(node: Node, allowed: set[str], shown: str, what: str, report: Report) -> None:
    for key, value in node.value.items():
        if key not in allowed:
            report.add(error("B001", shown, value.line, value.col,
                             f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})"))


def _string(node: Node, key: str, shown: str, report: Report) -> str | None:
    value = node.value.get(key)
    if value is None or value.value is None:
        return None
    if not isinstance(value.value, str):
        report.add(error("B003", shown, value.line, value.col, f"'{key}' must be a single value"))
        return None
    return value.value


def _string_list(node: Node, key: str, shown: str, report: Report) -> tuple[str, ...]:
    value = node.value.get(key)
    if value is None or value.value is None:
        return ()
    if isinstance(value.value, str):
        return (value.value,)
    if not isinstance(value.value, list) or any(not isinstance(v.value, str) for v in value.value):
        report.add(error("B003", shown, value.line, value.col, f"'{key}' must be a list of strings"))
        return ()
    return tuple(v.value for v in value.value)


def _check_pattern(node: Node, key: str, pattern: re.Pattern, what: str, shown: str, report: Report) -> None:
    value = node.value.get(key)
    if value is not None and isinstance(value.value, str) and not pattern.fullmatch(value.value):
        report.add(error("B004", shown, value.line, value.col, f"'{key}' must be {what}, not {value.value!r}"))


def _editions(meta: Node, shown: str, report: Report, cover: CoverData) -> tuple[Edition, ...]:
    node = meta.value.get("editions")
    if node is None:
        return tuple(_default_edition(kind, cover) for kind in default_kinds())
    if not isinstance(node.value, list):
        report.add(error("B003", shown, node.line, node.col, "'editions' must be a list"))
        return ()
    editions = [e for e in (_edition(item, shown, report, cover) for item in node.value) if e]
    names: dict[str, Node] = {}
    for item, edition in zip(node.value, editions):
        if edition.name in names:
            report.add(error("B008", shown, item.line, item.col,
                             f"two editions are named '{edition.name}': give one a different `name:`"))
        names.setdefault(edition.name, item)
    isbns: dict[str, str] = {}
    for item, edition in zip(node.value, editions):
        # Each product gets its own ISBN: a shared one would make two products one to every catalogue.
        if edition.isbn and edition.isbn in isbns:
            where = item.value["isbn"]
            report.add(error("B016", shown, where.line, where.col, f"ISBN {edition.isbn} is already the "
                             f"{isbns[edition.isbn]} edition's: each edition needs its own"))
        elif edition.isbn:
            isbns[edition.isbn] = edition.name
    return tuple(editions)


def _default_edition(kind: str, cover: CoverData) -> Edition:
    printed = {"paper": Paper(cover.default_paper, cover.papers[cover.default_paper]),
               "cover_bleed": cover.bleed} if kind == "print" else {}
    return Edition(name=kind, kind=kind, **KINDS[kind].defaults, **printed)


def _edition(item: Node, shown: str, report: Report, cover: CoverData) -> Edition | None:
    if not isinstance(item.value, dict):
        report.add(error("B003", shown, item.line, item.col, "an edition must be a mapping"))
        return None
    _check_keys(item, EDITION_KEYS, shown, "an edition", report)
    kind = _string(item, "kind", shown, report)
    if kind not in KINDS:
        report.add(error("B005", shown, item.line, item.col,
                         f"edition kind must be one of {', '.join(KINDS)}, not {kind!r}"))
        return None
    trim = _string(item, "trim", shown, report) or "6in 9in"
    parts = NAMED_TRIMS.get(trim.upper(), trim).split()
    if len(parts) != 2 or not all(LENGTH.fullmatch(p) for p in parts):
        where = item.value["trim"]
        report.add(error("B004", shown, where.line, where.col, f"trim must be 'WIDTH HEIGHT' such as '6in 9in', or A5, not {trim!r}"))
        parts = ["6in", "9in"]
    name = _string(item, "name", shown, report) or kind
    if not SLUG.fullmatch(name):
        report.add(error("B004", shown, item.line, item.col, f"edition name must be lower-case letters, digits "
                         f"and hyphens, not {name!r}"))
    defaults = _default_edition(kind, cover)
    bleed = _string(item, "bleed", shown, report) or defaults.bleed
    if not LENGTH.fullmatch(bleed):
        where = item.value["bleed"]
        report.add(error("B004", shown, where.line, where.col, f"bleed must be a length such as 0.125in, not {bleed!r}"))
    opening = set((_string(item, "opening", shown, report) or "").split())
    if opening - OPENINGS:
        where = item.value["opening"]
        report.add(error("B004", shown, where.line, where.col,
                         f"opening may hold {', '.join(sorted(OPENINGS))}, not {' '.join(sorted(opening - OPENINGS))!r}"))
    for key in PRINT_ONLY_KEYS:
        if key in item.value and kind != "print":
            where = item.value[key]
            report.add(error("B004", shown, where.line, where.col, f"'{key}' shapes the print cover: only "
                             f"print editions have one, not a {kind} edition"))
    cover_bleed = _string(item, "cover-bleed", shown, report) or defaults.cover_bleed
    if not LENGTH.fullmatch(cover_bleed):
        where = item.value["cover-bleed"]
        report.add(error("B004", shown, where.line, where.col, f"cover-bleed must be a length such as 3mm, not {cover_bleed!r}"))
    return Edition(name=name, kind=kind, trim=(parts[0], parts[1]), isbn=_isbn(item, shown, report),
                   price=_prices(item, shown, report), paper=_paper(item, shown, report, cover) or defaults.paper,
                   cover_bleed=cover_bleed, bleed=bleed, marks=_flag(item, "marks", defaults.marks, shown, report),
                   opening=frozenset(opening & OPENINGS), tagged=_flag(item, "tagged", False, shown, report))


def _isbn(item: Node, shown: str, report: Report) -> str | None:
    """The edition's ISBN-13, hyphenated by the ISBN ranges; a wrong one is an error at its place."""
    text = _string(item, "isbn", shown, report)
    if text is None:
        return None
    where = item.value["isbn"]
    checked = isbn.check(text)
    if checked.problem:
        report.add(error("B010", shown, where.line, where.col, checked.problem))
        return None
    if "-" in text and text.strip() != checked.hyphenated:
        report.add(warning("B011", shown, where.line, where.col, f"ISBN {text!r} is hyphenated "
                           f"{checked.hyphenated} by the ISBN ranges: printed and sent that way"))
    return checked.hyphenated


def _prices(item: Node, shown: str, report: Report) -> tuple[Price, ...]:
    """`price: 24.95 USD`, or a list of them, one per currency."""
    prices = []
    for text in _string_list(item, "price", shown, report):
        match = PRICE.fullmatch(text.strip())
        where = item.value["price"]
        if not match or not codes.is_currency(match.group(2)):
            report.add(error("B012", shown, where.line, where.col, f"a price is an amount and an ISO 4217 "
                             f"currency such as '24.95 USD', not {text!r}"))
        elif any(p.currency == match.group(2) for p in prices):
            report.add(error("B012", shown, where.line, where.col, f"two prices in {match.group(2)}"))
        else:
            prices.append(Price(match.group(1), match.group(2)))
    return tuple(prices)


def _paper(item: Node, shown: str, report: Report, cover: CoverData) -> Paper | None:
    """A stock of styles/cover.yaml by name, or a printer's own figure such as '432ppi'."""
    name = _string(item, "paper", shown, report)
    if name is None:
        return None
    if name in cover.papers:
        return Paper(name, cover.papers[name])
    match = PPI.fullmatch(name.strip())
    if match and float(match.group(1)) >= 10:  # board books run to some 30 PPI
        return Paper(name, float(match.group(1)))
    where = item.value["paper"]
    report.add(error("B013", shown, where.line, where.col, f"paper must be one of {', '.join(sorted(cover.papers))}, "
                     f"or pages per inch such as '432ppi', not {name!r}"))
    return None


def _subjects(meta: Node, shown: str, report: Report) -> tuple[tuple[str, str], ...]:
    """`subjects: [bisac POL011000, thema JPSF]`: each a scheme and its code."""
    found = []
    for text in _string_list(meta, "subjects", shown, report):
        scheme, _, code = text.strip().partition(" ")
        if scheme.lower() not in SUBJECT_SCHEMES or not code.strip():
            where = meta.value["subjects"]
            report.add(error("B014", shown, where.line, where.col, f"a subject is 'SCHEME CODE' with a scheme of "
                             f"{', '.join(SUBJECT_SCHEMES)} (e.g. 'bisac POL011000'), not {text!r}"))
        else:
            found.append((scheme.lower(), code.strip()))
    return tuple(found)


def _territories(meta: Node, shown: str, report: Report) -> tuple[str, ...]:
    """Where the editions may be sold: WORLD, or ISO 3166-1 country codes."""
    found = _string_list(meta, "territories", shown, report)
    bad = [t for t in found if t != "WORLD" and not codes.is_country(t)]
    if bad or ("WORLD" in found and len(found) > 1):
        where = meta.value["territories"]
        report.add(error("B015", shown, where.line, where.col, "territories are WORLD alone, or ISO 3166-1 "
                         f"country codes such as GB, US; not {', '.join(map(repr, bad or found))}"))
        return ()
    return found


def _flag(node: Node, key: str, default: bool, shown: str, report: Report) -> bool:
    value = _string(node, key, shown, report)
    if value is None:
        return default
    if value.lower() not in FLAGS:
        where = node.value[key]
        report.add(error("B004", shown, where.line, where.col, f"'{key}' must be true or false, not {value!r}"))
        return default
    return FLAGS[value.lower()]


def _choice(node: Node, key: str, choices: tuple[str, ...], shown: str, report: Report) -> str:
    value = _string(node, key, shown, report)
    if value is None:
        return choices[0]
    if value not in choices:
        where = node.value[key]
        report.add(error("B004", shown, where.line, where.col, f"'{key}' must be one of {', '.join(choices)}, not {value!r}"))
        return choices[0]
    return value


# --- citations: book.yaml's `bibliography:` and `csl:` (the files are read by bibliography.py) ---
BIBLIOGRAPHY_SUFFIXES = (".bib", ".bibtex", ".json", ".yaml", ".yml")
BUNDLED_STYLES = Path(__file__).resolve().parent.parent / "styles" / "csl"


def _bibliography(root: Path, meta: Node, shown: str, report: Report) -> Bibliography:
    """The reference files (one or a list, each in the manuscript) and the CSL style: a bundled name
    (`chicago-author-date`, `apa`) or a `.csl` file in the manuscript."""
    files = []
    for value, node in _listed(meta, "bibliography", shown, report):
        path = _manuscript_file(root, value, node, shown, "bibliography file", report)
        if path is not None and path.suffix.lower() not in BIBLIOGRAPHY_SUFFIXES:
            report.add(error("A010", shown, node.line, node.col, f"bibliography file {value!r} must be BibTeX/BibLaTeX "
                             "(.bib, .bibtex), CSL-JSON (.json) or CSL-YAML (.yaml, .yml)"))
        elif path is not None:
            files.append((path, Pos(shown, node.line, node.col)))
    node = meta.value.get("csl")
    style = _string(meta, "csl", shown, report)
    if node is None or style is None:
        return Bibliography(tuple(files))
    pos = Pos(shown, node.line, node.col)
    if "/" not in style and "\\" not in style and not style.endswith(".csl"):
        bundled = BUNDLED_STYLES / f"{style}.csl"
        if bundled.is_file():
            return Bibliography(tuple(files), bundled, pos)
        names = ", ".join(sorted(p.stem for p in BUNDLED_STYLES.glob("*.csl")))
        report.add(error("A010", shown, node.line, node.col, f"no bundled citation style {style!r} "
                         f"(bundled: {names}); or name a .csl file in the manuscript"))
        return Bibliography(tuple(files))
    path = _manuscript_file(root, style, node, shown, "citation style", report)
    return Bibliography(tuple(files), path, pos if path else None)


def _listed(meta: Node, key: str, shown: str, report: Report) -> list[tuple[str, Node]]:
    """A key's value as (text, node) pairs: one text, or a list of them."""
    node = meta.value.get(key)
    if node is None or node.value is None:
        return []
    if isinstance(node.value, str):
        return [(node.value, node)]
    if not isinstance(node.value, list) or any(not isinstance(v.value, str) for v in node.value):
        report.add(error("B003", shown, node.line, node.col, f"'{key}' must be a file name or a list of them"))
        return []
    return [(v.value, v) for v in node.value]


def _manuscript_file(root: Path, name: str, node: Node, shown: str, what: str, report: Report) -> Path | None:
    """A file book.yaml names, which must be inside the manuscript folder."""
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        report.add(error("B006", shown, node.line, node.col, f"{what} {name!r} lies outside the manuscript folder"))
        return None
    if not path.is_file():
        report.add(error("B007", shown, node.line, node.col, f"{what} not found: {_shown(root, path)}"))
        return None
    return path


def _chapters(root: Path, meta: Node, shown: str, report: Report, store=None) -> list[Chapter]:
    listed = meta.value.get("chapters")
    if listed is None:
        paths = [(p, Pos(shown), i) for i, p in enumerate(sorted((root / "chapters").glob("*.md"), key=_natural))]
    elif not isinstance(listed.value, list) or any(not isinstance(v.value, str) for v in listed.value):
        report.add(error("B003", shown, listed.line, listed.col, "'chapters' must be a list of file names"))
        return []
    else:
        paths = _listed_once([(root / v.value, Pos(shown, v.line, v.col)) for v in listed.value], root, report)
    chapters = [c for c in (_chapter(root, p, pos, i, report, store) for p, pos, i in paths) if c]
    _check_unique_ids(chapters, report)
    _check_order(chapters, report)
    return chapters


def _listed_once(paths: list[tuple[Path, Pos]], root: Path, report: Report) -> list[tuple[Path, Pos, int]]:
    """A file listed twice is an error at both listings (B009), read once: else its id would
    clash with itself, a message that names the same file twice and says nothing of the list."""
    first: dict[Path, Pos] = {}
    kept = []
    for index, (path, pos) in enumerate(paths):
        resolved = path.resolve()
        if resolved in first:
            report.add(error("B009", pos.path, pos.line, pos.col, f"chapter {_shown(root, resolved)} is listed "
                             f"twice in 'chapters' (lines {first[resolved].line} and {pos.line})"))
            continue
        first[resolved] = pos
        kept.append((path, pos, index))
    return kept


def _check_order(chapters: list[Chapter], report: Report) -> None:
    """Front matter before the first chapter, back matter after the last; parts among the chapters."""
    rank = {"front": 0, "body": 1, "back": 2}
    furthest = chapters[0] if chapters else None
    for chapter in chapters:
        if rank[chapter.matter] < rank[furthest.matter]:
            report.add(error("C011", chapter.shown, 1, 1, f"a {chapter.role} ({chapter.matter} matter) cannot come "
                             f"after {furthest.shown} ({furthest.matter} matter): reorder book.yaml's chapters"))
        elif rank[chapter.matter] > rank[furthest.matter]:
            furthest = chapter
        if chapter.part and chapter.matter != "body":
            report.add(error("C011", chapter.shown, 1, 1, f"only chapters open parts, not a {chapter.role}"))


def _natural(path: Path) -> list:
    """ch2 before ch10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name)]


def _chapter(root: Path, path: Path, listed_at: Pos, index: int, report: Report, store=None) -> Chapter | None:
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        report.add(error("B006", listed_at.path, listed_at.line, listed_at.col,
                         f"chapter {path.name!r} lies outside the manuscript folder"))
        return None
    if not resolved.is_file():
        report.add(error("B007", listed_at.path, listed_at.line, listed_at.col,
                         f"chapters[{index}] not found: {_shown(root, resolved)}"))
        return None
    shown = _shown(root, resolved)
    try:
        text = read_text(resolved, shown)
    except BuildError as exc:
        report.extend(exc.messages)
        return None
    report.extend(lint_kept(text, shown, store))
    front, body, body_line = _front_matter(text, shown, report)
    _check_keys(front, FRONT_MATTER_KEYS, shown, "front matter", report)
    _check_pattern(front, "lang", LANGUAGE, "a BCP 47 tag such as ko or zh-Hant", shown, report)
    title = _string(front, "title", shown, report)
    if not title and front is not UNREAD:  # front matter that could not be read has its own error
        report.add(error("C001", shown, 1, 1, "chapter front matter needs a 'title'"))
    chapter_id = _string(front, "id", shown, report) or re.sub(r"^\d+-", "", resolved.stem)
    _check_chapter_id(chapter_id, front.value.get("id"), shown, report)
    refs, inline = scan_notes(body, body_line, shown)
    # Before pandoc and the AST passes, which would take minutes over a pathological chapter.
    report.extend(check_source_shapes(body, body_line, shown, refs))
    return Chapter(
        id=chapter_id, title=title or "", path=resolved, shown=shown, body=body, body_line=body_line,
        refs=refs, inline_notes=inline, part=_string(front, "part", shown, report),
        epigraph=_epigraph(front, shown, report), role=_role(front, shown, report),
        short_title=_short_title(front, title or "", shown, report), subtitle=_string(front, "subtitle", shown, report),
        lang=_string(front, "lang", shown, report),
    )


def _epigraph(front: Node, shown: str, report: Report) -> Epigraph | None:
    """`epigraph: text`, or `epigraph: {text: …, source: …}`."""
    node = front.value.get("epigraph")
    if node is None or node.value is None:
        return None
    if isinstance(node.value, str):
        return Epigraph(node.value)
    if not isinstance(node.value, dict):
        report.add(error("B003", shown, node.line, node.col, "'epigraph' must be a text, or a mapping with "
                         "'text' and 'source'"))
        return None
    _check_keys(node, EPIGRAPH_KEYS, shown, "an epigraph", report)
    text = _string(node, "text", shown, report)
    if not text:
        report.add(error("B002", shown, node.line, node.col, "an epigraph needs its 'text'"))
        return None
    return Epigraph(text, _string(node, "source", shown, report))


def _role(front: Node, shown: str, report: Report) -> str:
    role = _string(front, "role", shown, report) or "chapter"
    if role not in ROLES:
        where = front.value["role"]
        report.add(error("B004", shown, where.line, where.col, f"'role' must be one of {', '.join(ROLES)}, not {role!r}"))
        return "chapter"
    return role


def _short_title(front: Node, title: str, shown: str, report: Report) -> str | None:
    """The running heads' title: `short-title:`; a long title without one gets a warning."""
    short = _string(front, "short-title", shown, report)
    if short is None and len(title) > RUNNING_HEAD_MAX:
        report.add(warning("C010", shown, 1, 1, f"the title is {len(title)} characters long: its running heads "
                           f"are cut to {RUNNING_HEAD_MAX}; give a `short-title:` for them"))
    return short


UNREAD = Node({}, 1, 1)  # front matter whose YAML was refused (a tag, an alias): nothing else is asked of it


def _front_matter(text: str, shown: str, report: Report) -> tuple[Node, str, int]:
    """Split `---` YAML front matter from the body; pandoc never sees it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return Node({}, 1, 1), text, 1
    for end, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") in ("---", "..."):
            try:
                front = _node(load_yaml("".join(lines[1:end]), shown, first_line=2))
            except BuildError as exc:
                report.extend(exc.messages)
                front = UNREAD
            return front, "".join(lines[end + 1:]), end + 2
    report.add(error("C002", shown, 1, 1, "front matter opened with '---' is never closed"))
    return Node({}, 1, 1), text, 1


def _check_chapter_id(chapter_id: str, node: Node | None, shown: str, report: Report) -> None:
    line, col = (node.line, node.col) if node else (1, 1)
    if not CHAPTER_ID.fullmatch(chapter_id):
        report.add(error("C004", shown, line, col, f"chapter id {chapter_id!r} cannot name a page: "
                         "use letters, digits, '-' and '_' (set `id:` in the front matter)"))
    elif chapter_id.casefold() in RESERVED_CHAPTER_IDS:
        report.add(error("C004", shown, line, col, f"chapter id {chapter_id!r} would overwrite the web "
                         "edition's title page index.html (set another `id:` in the front matter)"))


def _check_unique_ids(chapters: list[Chapter], report: Report) -> None:
    """Ids differing only in case collide too: they name files on case-insensitive disks."""
    seen: dict[str, Chapter] = {}
    for chapter in chapters:
        key = chapter.id.casefold()
        if key in seen:
            report.add(error("C003", chapter.shown, 1, 1,
                             f"chapter id '{chapter.id}' is already used by {seen[key].shown}"))
        seen.setdefault(key, chapter)


def scan_notes(body: str, first_line: int, shown: str) -> tuple[tuple[NoteRef, ...], tuple[NoteRef, ...]]:
    """Note calls and the chapter's own definitions (`[^label]: …`), outside code, with their places."""
    visible = list(body)
    for start, end in code_ranges(body):
        visible[start:end] = [c if c == "\n" else " " for c in body[start:end]]
    refs, inline = [], []
    # The definition whose text a line belongs to: its own line, then lines that continue it
    # (not blank, or after a blank line indented four spaces), as commonmark_x reads them.
    inside, after_blank = None, False
    for number, line in enumerate("".join(visible).split("\n"), start=first_line):
        if not line.strip():
            after_blank = True
            continue
        if inside and after_blank and not line.startswith(("    ", "\t")):
            inside = None
        after_blank = False
        for match in NOTE_CALL.finditer(line):
            is_definition = match.group(2) and not line[: match.start()].strip(" >")
            if is_definition:
                inside = match.group(1)
                inline.append(NoteRef(match.group(1), Pos(shown, number, match.start() + 1)))
            else:
                refs.append(NoteRef(match.group(1), Pos(shown, number, match.start() + 1), inside))
        for match in INLINE_NOTE.finditer(line) if inside else ():
            refs.append(NoteRef("^[…]", Pos(shown, number, match.start() + 1), inside))
    refs += _calls_in_inline_notes("".join(visible), first_line, shown)
    return tuple(refs), tuple(inline)


def _calls_in_inline_notes(text: str, first_line: int, shown: str) -> list[NoteRef]:
    """Calls inside an inline note `^[… [^x] … ^[…] …]`: pandoc would print the inner one as written."""
    found = []
    for outer in INLINE_NOTE.finditer(text):
        end = closing_bracket(text, outer.start() + 1, [])
        if end is None:
            continue
        line = first_line + text.count("\n", 0, outer.start())
        name = f"the inline note at line {line}"
        for match in (*NOTE_CALL.finditer(text, outer.end(), end), *INLINE_NOTE.finditer(text, outer.end(), end)):
            start = text.rfind("\n", 0, match.start()) + 1
            where = Pos(shown, first_line + text.count("\n", 0, match.start()), match.start() - start + 1)
            found.append(NoteRef("^[…]" if match.group(0).startswith("^") else match.group(1), where, name))
    return found


def notes_in_notes(notes: dict[str, Note]) -> list[Message]:
    """A call `[^x]` or an inline note `^[…]` in the text of a notes.yaml note, at its line:col:
    notes are read alone, where no call has a note to name, so it would print as written."""
    found = []
    for note in notes.values():
        code = code_ranges(note.text)
        for match in (*NOTE_CALL.finditer(note.text), *INLINE_NOTE.finditer(note.text)):
            if any(start <= match.start() < end for start, end in code):
                continue
            line, col = place_in(note.text_places, match.start()) or (note.pos.line, note.pos.col)
            called = "an inline note ^[…]" if match.group(0).startswith("^") else f"note '{match.group(1)}'"
            found.append(nested_note(note.pos.path, line, col, called, note.id))
    return found


def nested_note(path: str, line: int, col: int, called: str, outer: str) -> Message:
    shown = outer if outer.startswith("the inline note") else f"note '{outer}'"
    what = f"note '{outer}' calls itself" if called == f"note '{outer}'" else f"{called} is called inside {shown}"
    return error("N004", path, line, col, f"{what}: a note cannot hold a note (the editions would lose it or "
                 "print it as written); write its words into the note, or call it from the text")


def _notes(root: Path, report: Report, store=None) -> dict[str, Note] | None:
    """The notes of notes.yaml ({} without one); None when it could not be read."""
    path = root / "notes.yaml"
    if not path.is_file():
        return {}
    shown = _shown(root, path)
    problem = file_problem(path, root, MAX_TEXT_BYTES)
    if problem:
        report.add(error("N010", shown, 0, 0, f"notes.yaml {problem}"))
        return None
    try:
        text = read_text(path, shown)
        report.extend(lint_kept(text, shown, store))
        node = load_yaml(text, shown)
    except BuildError as exc:
        report.extend(exc.messages)
        return None
    if not isinstance(node.value, dict):
        report.add(error("N010", shown, node.line, node.col, "notes.yaml must map note ids to notes"))
        return {}
    return {k: n for k, n in ((k, _note(k, v, shown, report, text)) for k, v in node.value.items()) if n}


def _note(note_id: str, node: Node, shown: str, report: Report, source: str = "") -> Note | None:
    if not NOTE_ID.fullmatch(note_id):
        report.add(error("N011", shown, node.line, node.col, f"note id {note_id!r} has characters other than letters, digits, '-', '_', '.', ':'"))
    if isinstance(node.value, str):
        return Note(note_id, node.value, Pos(shown, node.line, node.col), text_places=text_places(source, node))
    if not isinstance(node.value, dict):
        report.add(error("N012", shown, node.line, node.col, f"note '{note_id}' must be a text or a mapping with 'text'"))
        return None
    _check_keys(node, NOTE_KEYS, shown, f"note '{note_id}'", report)
    text = _string(node, "text", shown, report)
    cite = _cite(node.value.get("cite"), note_id, shown, report)
    if not text and cite is None:
        report.add(error("N012", shown, node.line, node.col, f"note '{note_id}' has neither 'text' nor 'cite'"))
        return None
    where = node.value.get("cite")
    return Note(note_id, text or "", Pos(shown, node.line, node.col), cite,
                Pos(shown, where.line, where.col) if cite is not None else None,
                text_places(source, node.value["text"]) if text else ())


def _cite(node: Node | None, note_id: str, shown: str, report: Report) -> str | None:
    """A note's `cite:` as Pandoc's citation syntax (bracket content): written so ("see @key, p. 12"),
    or structured ({key, prefix, locator, suffix})."""
    if node is None or node.value is None:
        return None
    if isinstance(node.value, str):
        if "@" not in node.value:
            report.add(error("N013", shown, node.line, node.col, f"note '{note_id}': 'cite' must name a "
                             "source as @key (\"see @smith2016, p. 12\")"))
            return None
        return node.value
    if not isinstance(node.value, dict):
        report.add(error("N013", shown, node.line, node.col, f"note '{note_id}': 'cite' must be a citation "
                         "(\"@key, p. 12\") or a mapping with key, prefix, locator, suffix"))
        return None
    _check_keys(node, CITE_KEYS, shown, f"note '{note_id}' cite", report)
    parts = {k: _string(node, k, shown, report) for k in CITE_KEYS}
    if not parts["key"] or not CITE_KEY.fullmatch(parts["key"]):
        report.add(error("N013", shown, node.line, node.col, f"note '{note_id}': 'cite' needs a 'key' made of "
                         f"letters, digits and inner punctuation, not {parts['key']!r}"))
        return None
    locator = f", {parts['locator']}" if parts["locator"] else ""
    suffix = f" {parts['suffix']}" if parts["suffix"] else ""
    prefix = f"{parts['prefix']} " if parts["prefix"] else ""
    return f"{prefix}@{parts['key']}{locator}{suffix}"


def _check_notes(chapters: list[Chapter], notes: dict[str, Note], report: Report, notes_read: bool = True) -> None:
    """Every call has one definition; every definition is called (else a warning).

    A chapter's own definitions (`[^1]: …`) belong to its file, as in every Markdown editor:
    each file may number its notes from 1. A call names the chapter's own definition first,
    then a notes.yaml note, whose ids are book-wide. When notes.yaml could not be read, its
    error is the message: calls are not checked against it.
    """
    called: set[str] = set()
    for chapter in chapters:
        own: dict[str, Pos] = {}
        for definition in chapter.inline_notes:
            pos = definition.pos
            if definition.id in own:
                first = own[definition.id]
                report.add(error("N002", pos.path, pos.line, pos.col, f"note '{definition.id}' is defined twice "
                                 f"in this chapter (first at line {first.line})"))
            elif definition.id in notes:
                # Which one a call means would be a guess: the chapter's would hide the book's.
                first = notes[definition.id].pos
                report.add(error("N002", pos.path, pos.line, pos.col, f"note '{definition.id}' is defined twice "
                                 f"(first at {first.path}:{first.line}): rename one"))
            own.setdefault(definition.id, pos)
        used: set[str] = set()
        for ref in chapter.refs:
            if ref.inside is not None:  # never a use: the note would still be lost
                report.add(nested_note(ref.pos.path, ref.pos.line, ref.pos.col,
                                   "an inline note ^[…]" if ref.id == "^[…]" else f"note '{ref.id}'", ref.inside))
            elif ref.id in own:
                used.add(ref.id)
            elif ref.id in notes:
                called.add(ref.id)
            elif notes_read:
                report.add(error("N001", ref.pos.path, ref.pos.line, ref.pos.col,
                                 f"note '{ref.id}' is referenced but defined neither in this chapter "
                                 "nor in notes.yaml"))
        for note_id, pos in own.items() if not report.errors else ():
            if note_id not in used:
                report.add(warning("N003", pos.path, pos.line, pos.col,
                                   f"note '{note_id}' is defined but never referenced in this chapter"))
    report.extend(notes_in_notes(notes))
    # A chapter that failed to load calls nothing: its notes would all look unused.
    for note_id, note in notes.items() if not report.errors else ():
        if note_id not in called:
            report.add(warning("N003", note.pos.path, note.pos.line, note.pos.col,
                               f"note '{note_id}' is defined but never referenced"))
