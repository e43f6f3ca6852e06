"""Load and validate a manuscript folder (book.yaml, chapters/*.md, notes.yaml) into a Book."""

from __future__ import annotations

import re
from pathlib import Path

from ..editions import KINDS, default_kinds
from ..limits import check_source_shapes, file_problem
from ..messages import BuildError, Report, error, warning
from ..model import ROLES, Book, Chapter, Edition, Epigraph, Note, NoteRef, Pos
from ..theme import Theme
from .design import load_design
from .lint import lint_text
from .markdown import code_ranges
from .sources import MAX_TEXT_BYTES, Node, load_yaml, read_text

BOOK_KEYS = {"title", "subtitle", "authors", "language", "slug", "version", "rights",
             "publisher", "description", "chapters", "editions", "note-numbering", "math", "caption-numbering"}
REQUIRED_BOOK_KEYS = ("title", "language", "slug", "version")
EDITION_KEYS = {"kind", "name", "trim", "isbn", "bleed", "marks", "opening", "tagged"}
OPENINGS = {"small-caps", "drop-cap"}
NAMED_TRIMS = {"A5": "148mm 210mm", "A4": "210mm 297mm", "B5": "176mm 250mm"}
FLAGS = {"true": True, "yes": True, "false": False, "no": False}
NUMBERINGS = ("chapter", "book")
MATH = ("none", "tex")
FRONT_MATTER_KEYS = {"title", "id", "part", "epigraph", "role", "short-title", "subtitle", "lang"}
EPIGRAPH_KEYS = {"text", "source"}
RUNNING_HEAD_MAX = 60  # characters: a longer title needs a short-title for its running heads
NOTE_KEYS = {"text", "kind", "author", "title", "archive", "date", "translator", "url"}

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
LENGTH = re.compile(r"\d+(\.\d+)?(in|mm|cm|pt)")
# A chapter id names a web page and anchors: a safe file name, and never the title page.
CHAPTER_ID = re.compile(r"[^\W_][\w-]{0,99}")
RESERVED_CHAPTER_IDS = {"index"}
NOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](:?)")


def load_book(root: Path, report: Report) -> Book:
    """Read the manuscript at `root`; warnings go to `report`, errors are raised all at once."""
    root = root.resolve()
    book_file = root / "book.yaml"
    if not book_file.is_file():
        raise BuildError([error("B000", _shown(root, book_file), 0, 0, "book.yaml not found")])
    shown = _shown(root, book_file)
    problem = file_problem(book_file, root, MAX_TEXT_BYTES)
    if problem:
        raise BuildError([error("B000", shown, 0, 0, f"book.yaml {problem}")])
    book_text = read_text(book_file, shown)
    report.extend(lint_text(book_text, shown, markdown=False))
    meta = _node(load_yaml(book_text, shown))
    _check_keys(meta, BOOK_KEYS, shown, "book.yaml", report)
    for key in REQUIRED_BOOK_KEYS:
        if key not in meta.value:
            report.add(error("B002", shown, 1, 1, f"missing required key '{key}'"))
    fields = {k: _string(meta, k, shown, report)
              for k in BOOK_KEYS - {"authors", "chapters", "editions", "note-numbering", "math", "caption-numbering"}}
    numbering = _choice(meta, "note-numbering", NUMBERINGS, shown, report)
    math = _choice(meta, "math", MATH, shown, report)
    caption_numbering = _choice(meta, "caption-numbering", NUMBERINGS, shown, report)
    _check_pattern(meta, "slug", SLUG, "lower-case letters, digits and hyphens", shown, report)
    _check_pattern(meta, "language", LANGUAGE, "a BCP 47 tag such as en-US", shown, report)
    chapters = _chapters(root, meta, shown, report)
    read_notes = _notes(root, report)
    notes = read_notes or {}
    editions = _editions(meta, shown, report)
    authors = _string_list(meta, "authors", shown, report)
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
        caption_numbering=caption_numbering,
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


def _editions(meta: Node, shown: str, report: Report) -> tuple[Edition, ...]:
    node = meta.value.get("editions")
    if node is None:
        return tuple(_default_edition(kind) for kind in default_kinds())
    if not isinstance(node.value, list):
        report.add(error("B003", shown, node.line, node.col, "'editions' must be a list"))
        return ()
    editions = [e for e in (_edition(item, shown, report) for item in node.value) if e]
    names: dict[str, Node] = {}
    for item, edition in zip(node.value, editions):
        if edition.name in names:
            report.add(error("B008", shown, item.line, item.col,
                             f"two editions are named '{edition.name}': give one a different `name:`"))
        names.setdefault(edition.name, item)
    return tuple(editions)


def _default_edition(kind: str) -> Edition:
    return Edition(name=kind, kind=kind, **KINDS[kind].defaults)


def _edition(item: Node, shown: str, report: Report) -> Edition | None:
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
    defaults = _default_edition(kind)
    bleed = _string(item, "bleed", shown, report) or defaults.bleed
    if not LENGTH.fullmatch(bleed):
        where = item.value["bleed"]
        report.add(error("B004", shown, where.line, where.col, f"bleed must be a length such as 0.125in, not {bleed!r}"))
    opening = set((_string(item, "opening", shown, report) or "").split())
    if opening - OPENINGS:
        where = item.value["opening"]
        report.add(error("B004", shown, where.line, where.col,
                         f"opening may hold {', '.join(sorted(OPENINGS))}, not {' '.join(sorted(opening - OPENINGS))!r}"))
    return Edition(name=name, kind=kind, trim=(parts[0], parts[1]), isbn=_string(item, "isbn", shown, report),
                   bleed=bleed, marks=_flag(item, "marks", defaults.marks, shown, report),
                   opening=frozenset(opening & OPENINGS), tagged=_flag(item, "tagged", False, shown, report))


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


def _chapters(root: Path, meta: Node, shown: str, report: Report) -> list[Chapter]:
    listed = meta.value.get("chapters")
    if listed is None:
        paths = [(p, Pos(shown), i) for i, p in enumerate(sorted((root / "chapters").glob("*.md"), key=_natural))]
    elif not isinstance(listed.value, list) or any(not isinstance(v.value, str) for v in listed.value):
        report.add(error("B003", shown, listed.line, listed.col, "'chapters' must be a list of file names"))
        return []
    else:
        paths = _listed_once([(root / v.value, Pos(shown, v.line, v.col)) for v in listed.value], root, report)
    chapters = [c for c in (_chapter(root, p, pos, i, report) for p, pos, i in paths) if c]
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


def _chapter(root: Path, path: Path, listed_at: Pos, index: int, report: Report) -> Chapter | None:
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
    report.extend(lint_text(text, shown))
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
    for number, line in enumerate("".join(visible).split("\n"), start=first_line):
        for match in NOTE_CALL.finditer(line):
            is_definition = match.group(2) and not line[: match.start()].strip(" >")
            place = NoteRef(match.group(1), Pos(shown, number, match.start() + 1))
            (inline if is_definition else refs).append(place)
    return tuple(refs), tuple(inline)


def _notes(root: Path, report: Report) -> dict[str, Note] | None:
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
        report.extend(lint_text(text, shown))
        node = load_yaml(text, shown)
    except BuildError as exc:
        report.extend(exc.messages)
        return None
    if not isinstance(node.value, dict):
        report.add(error("N010", shown, node.line, node.col, "notes.yaml must map note ids to notes"))
        return {}
    return {k: n for k, n in ((k, _note(k, v, shown, report)) for k, v in node.value.items()) if n}


def _note(note_id: str, node: Node, shown: str, report: Report) -> Note | None:
    if not NOTE_ID.fullmatch(note_id):
        report.add(error("N011", shown, node.line, node.col, f"note id {note_id!r} has characters other than letters, digits, '-', '_', '.', ':'"))
    if isinstance(node.value, str):
        return Note(note_id, node.value, Pos(shown, node.line, node.col))
    if not isinstance(node.value, dict):
        report.add(error("N012", shown, node.line, node.col, f"note '{note_id}' must be a text or a mapping with 'text'"))
        return None
    _check_keys(node, NOTE_KEYS, shown, f"note '{note_id}'", report)
    text = _string(node, "text", shown, report)
    if not text:
        report.add(error("N012", shown, node.line, node.col, f"note '{note_id}' has no 'text'"))
        return None
    fields = tuple((k, v) for k in sorted(NOTE_KEYS - {"text"}) if (v := _string(node, k, shown, report)))
    return Note(note_id, text, Pos(shown, node.line, node.col), fields)


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
            own.setdefault(definition.id, pos)
        used: set[str] = set()
        for ref in chapter.refs:
            if ref.id in own:
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
    # A chapter that failed to load calls nothing: its notes would all look unused.
    for note_id, note in notes.items() if not report.errors else ():
        if note_id not in called:
            report.add(warning("N003", note.pos.path, note.pos.line, note.pos.col,
                               f"note '{note_id}' is defined but never referenced"))
