"""`import --revision`: a copyeditor's DOCX of the docx edition, applied back to the Markdown.

How a Word paragraph finds its Markdown:

1. The docx edition opens every paragraph (and note paragraph) with an empty bookmark
   `pr<chapter>_<n>` and names its source files, each with a digest, in custom properties
   (editions/docx.py). Word and LibreOffice keep both. A file whose digest differs from the
   manuscript's is refused (I111): the copyeditor's "before" must be the manuscript's "now".
2. The edition is built again from the manuscript (the baseline: what the copyeditor was given),
   and once more with a marker written at the start of each Markdown paragraph of the chapters
   and of each notes.yaml text (in memory, never on disk): the paragraph of bookmark n in that
   build carries the marker of its source block, so bookmark n ↔ chapter file line:col, or
   ↔ the note's `text:` in notes.yaml. Headings (a marker would change their ids) are matched by
   their text within their chapter. Chapter titles and other front matter, the title page,
   tables, captions and inline notes `^[…]` have no marker: a change there is refused.
3. Each DOCX is read by pandoc with its bookmarks turned into text tokens first, so every
   paragraph of the copyedited file is known by its bookmark. A paragraph without one (added, or
   split off), with two (merged), or missing (deleted) is refused (I113).
4. A changed paragraph is diffed word by word against the baseline. Its printed characters are
   aligned with the Markdown source span (smart quotes and dashes, escapes and soft line breaks
   folded; link targets, attributes, Jinja and HTML are markup, a note call `[^x]` is the note's
   mark). An edit is placed only where that is unambiguous: the words it replaces are written in
   the Markdown as printed with no markup among them, an insertion goes beside the neighbour
   whose formatting it has. Otherwise it is refused (I114) with the Markdown file:line and the
   Word paragraph's text: a change across emphasis or a link's edge, a deleted or added note
   call, a change of formatting, text made by Jinja or a citation, a paragraph holding Jinja
   statements, a note's text written over several lines of notes.yaml.
5. The manuscript with every edit is built once more (in a temporary copy) and each paragraph
   compared with the copyedited one: any difference refuses the lot (I115). Only then are the
   files written, each beside itself first and then renamed over: all edits or none, and git
   shows them as an ordinary diff.

Tracked changes: "the accepted text" is the document with every change the copyeditor or the
editor already accepted, i.e. the text as it stands. Changes still tracked in the file are
refused, each at its Markdown file:line (I106, as the importer does), unless `--changes accept`
(apply them as if accepted) or `--changes reject` (apply only what was already resolved).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import yaml
from lxml import etree

from .context import BuildContext
from .editions.docx import SOURCE_PROPERTY, document_bytes, source_digest, source_files
from .manuscript.docx_import import _comments, _open
from .manuscript.load import load_book
from .messages import BuildError, Message, Report, error, fail
from .model import Book, Chapter
from .tools import pandoc

CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# LibreOffice renames a note's bookmarks as it copies notes in (pr2_9 → pr2_9_Copy_1): the suffix is its.
BOOKMARK_NAME = re.compile(r"(pr\d+_\d+)(?:_[A-Za-z]\w*)?")
# Run-level wrappers a bookmark may sit in: a token inside a deletion would go with it.
WRAPPERS = {f"{W}{t}" for t in ("ins", "del", "moveFrom", "moveTo", "smartTag", "customXml")}
TOKEN = re.compile(r"QQPRPARA(pr(\d+)_\d+)QQ")  # where a paragraph's bookmark stood
MARKER = "QQPRSRC{}QQ "  # a source block's marker in the marked build, with the space after it
MARKER_RE = re.compile(r"QQPRSRC(\d+)QQ ?")
NOTE, IMAGE, GAP = "\ue000", "\ue001", "\x00"  # a note call, an image; markup (never matches)
FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " ", "\n": " "})
MARKS = {"Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"}
WORDS = re.compile(r"\w+|\s+|.", re.S)
# Markdown that prints no text of its own (or prints what is not written here): its source
# characters are never aligned with printed ones. Order matters: escapes first.
SOURCE_MARKUP = re.compile(r"""
    (?P<escape>\\[!-/:-@\[-`{-~])
  | (?P<note>\[\^[^\]\s]+\]|\^\[[^\]]*\])
  | (?P<image>!\[[^\]]*\]\([^)]*\))
  | (?P<jinja>\{\{.*?\}\}|\{%.*?%\})
  | (?P<markup>\]\([^)]*\)|\{[^}\n]*\}|<[^>\n]*>)
  | (?P<dashes>---|--|\.\.\.)
""", re.X | re.S)
DASHES = {"---": "—", "--": "–", "...": "…"}
# Inserted text is escaped where Markdown would read it as markup.
ESCAPE = re.compile(r"([\\`*_\[\]<>{}~^@])")


@dataclass
class Para:
    """One paragraph of a DOCX as printed: its characters (note calls as NOTE) and each one's formatting."""

    chapter: int  # from its bookmark; 0: the title page, -1: no bookmark
    ids: list[str] = field(default_factory=list)
    chars: str = ""
    marks: list[tuple] = field(default_factory=list)
    sources: list[int] = field(default_factory=list)  # markers found (the marked build)
    changes: list[str] = field(default_factory=list)  # unresolved tracked changes (read with `all`)
    header: bool = False

    def key(self) -> tuple:
        return self.chars.translate(FOLD), tuple(self.marks)


@dataclass
class Unit:
    """Where a paragraph's text is written: a span of a chapter file, or a note's text in notes.yaml."""

    path: Path
    shown: str
    line: int
    col: int
    text: str  # the Markdown of the span (for notes.yaml: the note's text, decoded)
    start: int = 0  # chapter: the span's offset in the file
    yaml_note: str | None = None  # notes.yaml: the note's id


@dataclass(frozen=True)
class Revision:
    """What `import --revision` did."""

    source: Path
    changes: int
    paragraphs: int
    written: tuple[Path, ...]
    messages: tuple[Message, ...]


def import_revision(source: Path, manuscript: Path, *, changes: str = "refuse") -> Revision:
    """Apply the copyedited DOCX `source` to the manuscript at `manuscript`: every edit, or none."""
    shown = source.name
    if not source.is_file():
        raise fail("I101", str(source), 0, 0, "DOCX file not found")
    package = _open(source)
    report = Report()
    book = load_book(manuscript, report)
    _check_provenance(package, book, shown)
    edition = book.edition("docx")
    with tempfile.TemporaryDirectory(prefix="pressroom-revision-") as temp:
        work = Path(temp)
        context = BuildContext(book, Report())
        baseline = _paragraphs(document_bytes(context, edition), "accept", work, "baseline")
        # Bookmarks number chapters as the edition orders them (front matter first, a generated
        # bibliography too, which has no file): number n is order[n - 1].
        files_of = {chapter.shown: chapter for chapter in book.chapters}
        order = [files_of.get(c.shown) for c in context.chapters(edition)]
        units, marked_book = _marked(book)
        marked = _paragraphs(document_bytes(BuildContext(marked_book, Report()), edition), "accept", work, "marked")
        mapping = _mapping(baseline, marked, units, order)
        data = source.read_bytes()
        if changes == "refuse":
            pending = _paragraphs(data, "all", work, "copyedit")
            _refuse_pending(pending, mapping, book, order, shown)
        revised = _paragraphs(data, "reject" if changes == "reject" else "accept", work, "copyedit")
        edits, count, messages = _plan(baseline, revised, mapping, book, order, shown)
        if messages:
            raise BuildError(messages)
        files = _apply(edits, book)
        _verify(files, revised, mapping, book, order, work)
    written = _write_all(files)
    return Revision(source, count, len(edits), written, tuple(_comments(package, shown)))


def format_revision_report(result: Revision) -> str:
    lines = [f"{result.source.name}: {result.paragraphs} paragraph(s) changed ({result.changes} word-level "
             f"edit(s)), written to {len(result.written)} file(s)"]
    lines += [str(m) for m in sorted(result.messages)]
    lines += [f"wrote {path}" for path in result.written]
    return "\n".join(lines)


# --- provenance ----------------------------------------------------------------------------------


def _check_provenance(package: zipfile.ZipFile, book: Book, shown: str) -> None:
    """The DOCX names the sources it was made from; each must be the manuscript's file as it is now."""
    try:
        root = etree.fromstring(package.read("docProps/custom.xml"))
    except (KeyError, etree.XMLSyntaxError):
        root = None
    listed = {}
    for prop in root.iter(f"{CUSTOM}property") if root is not None else ():
        if re.fullmatch(SOURCE_PROPERTY.format(r"\d+"), prop.get("name", "")):
            digest, _, path = "".join(prop.itertext()).strip().partition(" ")
            listed[path] = digest
    if not listed:
        raise fail("I110", shown, 0, 0, "not a docx edition of a Pressroom book (it names no source files): only "
                   "the DOCX that `build docx` wrote, as copyedited, can be applied back")
    now = {path.relative_to(book.root).as_posix(): path for path in source_files(book)}
    problems = []
    for path in sorted(set(listed) | set(now)):
        where = str(Path(book.root.name) / path)
        if path not in now:
            problems.append(error("I111", where, 0, 0, f"{shown} was made from this file, which the manuscript no "
                                  "longer has"))
        elif path not in listed:
            problems.append(error("I111", where, 0, 0, f"{shown} was made before this file was in the book"))
        elif source_digest(now[path]) != listed[path]:
            problems.append(error("I111", where, 0, 0, f"changed since {shown} was made: apply the copyedit to the "
                                  "version it was made from (a branch at that commit, or `git stash`), then merge"))
    if problems:
        raise BuildError(problems)


# --- reading a DOCX paragraph by paragraph ------------------------------------------------------


def _paragraphs(data: bytes, track: str, work: Path, label: str) -> list[Para]:
    """Every paragraph (note paragraphs after the one calling them), each bookmark a token in its text."""
    tokened = work / f"{label}-{track}.docx"
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(tokened, "w") as out:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
                content = _tokened(content)
            out.writestr(info, content)
    ast = pandoc.read_docx(tokened, label=label, track_changes=track)
    found: list[Para] = []
    # Pandoc reads the Title, Subtitle and Author paragraphs into the metadata: they are the title
    # page's, made from book.yaml, and a change there must be seen (and refused) like any other.
    for key in ("title", "subtitle", "author"):
        value = ast.get("meta", {}).get(key)
        if value is not None:
            para = Para(0, ids=[f"meta_{key}"])
            _flatten(_meta_inlines(value), (), para, [])
            found.append(para)
    _collect(ast["blocks"], found)
    return found


def _meta_inlines(value: dict) -> list:
    if value["t"] == "MetaList":
        out: list = []
        for item in value["c"]:
            out += ([{"t": "Str", "c": ";"}, {"t": "Space"}] if out else []) + _meta_inlines(item)
        return out
    if value["t"] == "MetaInlines":
        return value["c"]
    if value["t"] == "MetaString":
        return [{"t": "Str", "c": value["c"]}]
    if value["t"] == "MetaBlocks":
        return [i for block in value["c"] for i in (block["c"] if block["t"] in ("Para", "Plain") else [])]
    return []


def _tokened(xml: bytes) -> bytes:
    """Each of our bookmarks replaced by a run of text naming it, at the paragraph's level: Word and
    LibreOffice put a bookmark inside the deletion that replaced its paragraph's first words."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError:
        return xml  # pandoc reports the broken part
    for mark in list(root.iter(f"{W}bookmarkStart")):
        name = BOOKMARK_NAME.fullmatch(mark.get(f"{W}name", ""))
        if not name:
            continue
        anchor = mark
        while anchor.getparent() is not None and anchor.getparent().tag in WRAPPERS:
            anchor = anchor.getparent()
        parent = anchor.getparent()
        run = etree.Element(f"{W}r")
        etree.SubElement(run, f"{W}t").text = f"QQPRPARA{name.group(1)}QQ"
        if parent is None:
            continue
        if parent.tag == f"{W}p" or parent.tag == f"{W}hyperlink":
            parent.insert(parent.index(anchor), run)
        else:  # between paragraphs: the next paragraph is the one it opens
            following = anchor.getnext()
            while following is not None and following.tag != f"{W}p":
                following = following.getnext()
            if following is not None:
                properties = following.find(f"{W}pPr")
                following.insert(0 if properties is None else following.index(properties) + 1, run)
        parent.remove(mark) if mark.getparent() is parent else mark.getparent().remove(mark)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _collect(value, found: list[Para]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, found)
    elif isinstance(value, dict) and "t" in value:
        if value["t"] in ("Para", "Plain", "Header"):
            para, notes = Para(-1, header=value["t"] == "Header"), []
            _flatten(value["c"][2] if para.header else value["c"], (), para, notes)
            _tokens(para)
            found.append(para)
            for note in notes:
                _collect(note, found)
        else:
            _collect(value.get("c"), found)


def _flatten(inlines: list, marks: tuple, para: Para, notes: list) -> None:
    def add(text: str, with_marks: tuple = marks) -> None:
        para.chars += text
        para.marks += [with_marks] * len(text)

    for node in inlines:
        t, c = node["t"], node.get("c")
        if t == "Str":
            add(c)
        elif t in ("Space", "SoftBreak"):
            add(" ")
        elif t == "LineBreak":
            add("\n")
        elif t in MARKS:
            _flatten(c, marks + (t,), para, notes)
        elif t == "Quoted":
            quotes = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
            add(quotes[0])
            _flatten(c[1], marks, para, notes)
            add(quotes[1])
        elif t == "Cite":
            _flatten(c[1], marks, para, notes)
        elif t in ("Code", "Math"):
            add(c[1], marks + (t,))
        elif t == "Link":
            _flatten(c[1], marks + (("Link", c[2][0]),), para, notes)
        elif t == "Image":
            add(IMAGE)
        elif t == "Note":
            add(NOTE)
            notes.append(c)
        elif t == "Span":
            classes, keys = c[0][1], dict(c[0][2])
            kind = next((k for k in classes if k in ("insertion", "deletion", "paragraph-insertion",
                                                       "paragraph-deletion")), None)
            if kind:
                words = " ".join(_plain(c[1]).split())
                para.changes.append(f"{kind.replace('-', ' ')} by {keys.get('author', 'someone')}"
                                    + (f": “{words}”" if words else ""))
            _flatten(c[1], marks + (("SmallCaps",) if "smallcaps" in classes else ()), para, notes)
        # RawInline and the rest print nothing a copyeditor edits


def _plain(inlines: list) -> str:
    para = Para(-1)
    _flatten(inlines, (), para, [])
    return TOKEN.sub("", para.chars)


def _tokens(para: Para) -> None:
    """Bookmark tokens (and, in the marked build, source markers) out of the text, into ids."""
    for pattern, into in ((TOKEN, para.ids), (MARKER_RE, para.sources)):
        while True:
            match = pattern.search(para.chars)
            if not match:
                break
            into.append(match.group(1) if pattern is TOKEN else int(match.group(1)))
            if pattern is TOKEN:
                para.chapter = int(match.group(2))
            para.chars = para.chars[:match.start()] + para.chars[match.end():]
            del para.marks[match.start():match.end()]


def _by_id(paras: list[Para]) -> dict[str, Para]:
    return {p.ids[0]: p for p in paras if len(p.ids) == 1}


# --- where each paragraph's Markdown is ----------------------------------------------------------


def _marked(book: Book) -> tuple[dict[int, Unit], Book]:
    """The book with a marker opening each Markdown paragraph (in memory), and the units they mark."""
    units: dict[int, Unit] = {}
    bodies = [chapter.body for chapter in book.chapters]
    parsed = pandoc.read_markdown_many([b + "\n" for b in bodies], [c.shown for c in book.chapters],
                                       math=book.math == "tex")
    chapters = []
    for chapter, raw in zip(book.chapters, parsed):
        text = chapter.path.read_text(encoding="utf-8")
        lines = text.split("\n")
        start = len("\n".join(lines[: chapter.body_line - 1])) + (1 if chapter.body_line > 1 else 0)
        if text[start:] != chapter.body:  # a BOM or CRLF file: its offsets are not the body's
            chapters.append(chapter)
            continue
        offsets = _line_offsets(chapter.body)
        spans = []
        _leaves(json.loads(raw)["blocks"], spans)
        body = chapter.body
        for (l1, c1), (l2, c2) in sorted(spans, reverse=True):
            a, b = offsets[l1 - 1] + c1 - 1, offsets[l2 - 1] + c2 - 1
            number = len(units) + 1
            units[number] = Unit(chapter.path, chapter.shown, chapter.body_line + l1 - 1, c1, chapter.body[a:b],
                                 start + a)
            body = body[:a] + MARKER.format(number) + body[a:]
        chapters.append(dataclasses.replace(chapter, body=body))
    notes = {}
    for note_id, note in book.notes.items():
        if note.text:
            number = len(units) + 1
            units[number] = Unit(book.root / "notes.yaml", note.pos.path, note.pos.line, note.pos.col, note.text,
                                 yaml_note=note_id)
            note = dataclasses.replace(note, text=MARKER.format(number) + note.text)
        notes[note_id] = note
    return units, dataclasses.replace(book, chapters=tuple(chapters), notes=notes)


def _line_offsets(text: str) -> list[int]:
    offsets, at = [], 0
    for line in text.split("\n"):
        offsets.append(at)
        at += len(line) + 1
    return offsets


def _leaves(value, spans: list) -> None:
    """(start, end) of each paragraph's inline content in the source, notes' paragraphs included;
    headings, tables and figures are left out (see the module's notes)."""
    if isinstance(value, list):
        for item in value:
            _leaves(item, spans)
    elif isinstance(value, dict) and "t" in value:
        if value["t"] in ("Table", "Figure", "Header", "CodeBlock", "RawBlock"):
            _notes_in(value, spans)
            return
        if value["t"] in ("Para", "Plain"):
            places = []
            _positions(value["c"], places)
            if places:
                spans.append((places[0][0], places[-1][1]))
            _notes_in(value["c"], spans)
            return
        _leaves(value.get("c"), spans)


def _notes_in(value, spans: list) -> None:
    if isinstance(value, list):
        for item in value:
            _notes_in(item, spans)
    elif isinstance(value, dict) and "t" in value:
        if value["t"] == "Note":
            _leaves(value["c"], spans)
        else:
            _notes_in(value.get("c"), spans)


def _positions(value, places: list) -> None:
    """The data-pos of each top-level wrapper Span in a paragraph's inlines (a note's content has its own)."""
    for node in value:
        if node.get("t") == "Span" and dict(node["c"][0][2]).get("data-pos"):
            # An inline over several lines of a block quote or list item has a range per line.
            ranges = re.findall(r"(\d+):(\d+)-(\d+):(\d+)", dict(node["c"][0][2])["data-pos"])
            if ranges:
                places.append(((int(ranges[0][0]), int(ranges[0][1])), (int(ranges[-1][2]), int(ranges[-1][3]))))


def _mapping(baseline: list[Para], marked: list[Para], units: dict[int, Unit],
             order: list[Chapter | None]) -> dict[str, Unit]:
    """Bookmark → the unit it prints, where the marked build says so and prints the same text."""
    base, mapping = _by_id(baseline), {}
    for para in marked:
        if len(para.ids) == 1 and len(para.sources) == 1 and para.ids[0] in base:
            if base[para.ids[0]].key() == para.key():
                mapping[para.ids[0]] = units[para.sources[0]]
    # Headings by their text, in order, within their chapter.
    for number, chapter in enumerate(order, start=1):
        if chapter is None:
            continue
        heads = [p for p in baseline if p.header and p.chapter == number and len(p.ids) == 1][1:]  # [0]: the title
        text = chapter.path.read_text(encoding="utf-8")
        offsets = _line_offsets(text)
        found = [m for m in re.finditer(r"^(#{1,6}[ \t]+)(.*?)[ \t]*(\{[^}]*\})?[ \t]*$", text, re.M)
                 if m.start() >= offsets[chapter.body_line - 1]]
        if len(found) == len(heads):
            for para, match in zip(heads, found):
                if match.group(2).translate(FOLD) == para.chars.translate(FOLD):
                    line = text.count("\n", 0, match.start()) + 1
                    mapping[para.ids[0]] = Unit(chapter.path, chapter.shown, line, len(match.group(1)) + 1,
                                                match.group(2), match.start(2))
    return mapping


def _place_of(para_id: str, mapping: dict[str, Unit], book: Book, order: list[Chapter | None],
              text: str = "") -> tuple[str, int]:
    """Where a message about a paragraph points: its unit; else the line of its chapter file (or
    of book.yaml, for the title page) that holds its text, such as a front matter `title:`."""
    if para_id in mapping:
        return mapping[para_id].shown, mapping[para_id].line
    found = re.fullmatch(r"pr(\d+)_\d+", para_id)
    chapter = int(found.group(1)) if found else 0
    if 1 <= chapter <= len(order) and order[chapter - 1] is not None:
        path, shown = order[chapter - 1].path, order[chapter - 1].shown
    else:
        path, shown = book.root / "book.yaml", str(Path(book.root.name) / "book.yaml")
    wanted = " ".join(text.replace(NOTE, "").split()).translate(FOLD)
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next((n for n, content in enumerate(lines, start=1) if wanted and wanted in content.translate(FOLD)), 1)
    return shown, line


# --- what changed, and where it goes -------------------------------------------------------------


def _refuse_pending(pending: list[Para], mapping: dict[str, Unit], book: Book, order: list[Chapter | None],
                    shown: str) -> None:
    messages = []
    last = ""
    for para in pending:
        last = para.ids[0] if para.ids else last
        for change in para.changes:
            path, line = _place_of(last, mapping, book, order)
            messages.append(error("I106", path, line, 1, f"unresolved tracked change in {shown} ({change}): accept "
                                  "or reject it in Word, or apply with --changes accept (or reject)"))
    if messages:
        raise BuildError(messages)


@dataclass
class Edit:
    start: int  # offset in the unit's text
    end: int
    text: str


def _plan(baseline: list[Para], revised: list[Para], mapping: dict[str, Unit], book: Book,
          order: list[Chapter | None], shown: str) -> tuple[dict[int, tuple[Unit, list[Edit]]], int, list[Message]]:
    """Each changed paragraph's edits, placed in its unit; every refusal with its place."""
    base = _by_id(baseline)
    messages: list[Message] = []
    planned: dict[int, tuple[Unit, list[Edit]]] = {}
    seen: set[str] = set()
    last = ""
    count = 0
    for para in revised:
        words = " ".join(para.chars.replace(NOTE, "").split())
        if not para.ids:
            if words:
                path, line = _place_of(last, mapping, book, order)
                messages.append(error("I113", path, line, 1, f"a paragraph was added or split off after this one "
                                      f"in {shown}: “{_cut(words)}”; only changes within paragraphs are applied"))
            continue
        if len(para.ids) > 1:
            path, line = _place_of(para.ids[0], mapping, book, order, words)
            messages.append(error("I113", path, line, 1, f"paragraphs were merged in {shown}: “{_cut(words)}”; "
                                  "only changes within paragraphs are applied"))
            seen.update(para.ids)
            continue
        last = para.ids[0]
        seen.add(last)
        old = base.get(last)
        if old is None or old.key() == para.key():
            continue
        path, line = _place_of(last, mapping, book, order, old.chars)
        unit = mapping.get(last)
        if unit is None:
            messages.append(error("I114", path, line, 1, "a change in text the manuscript does not hold as a Markdown "
                                  f"paragraph (a title, front matter, a table, an inline note ^[…], the title page): “{_cut(words)}”"))
            continue
        if "{%" in unit.text:
            messages.append(error("I114", path, line, unit.col, f"a change in a paragraph holding Jinja statements "
                                  f"({{% … %}}): make it by hand: “{_cut(words)}”"))
            continue
        edits, reason = _edits(old, para, unit)
        if reason:
            messages.append(error("I114", path, line, unit.col, f"{reason}: “{_cut(words)}”"))
            continue
        key = id(unit)
        if key in planned:
            messages.append(error("I114", path, line, unit.col, f"this text is printed in more than one place and "
                                  f"was changed in one: “{_cut(words)}”"))
            continue
        planned[key] = (unit, edits)
        count += len(edits)
    for para_id, para in base.items():
        if para_id not in seen and para.chars.strip():
            path, line = _place_of(para_id, mapping, book, order, para.chars)
            messages.append(error("I113", path, line, 1, f"a paragraph was deleted (or merged) in {shown}: "
                                  f"“{_cut(' '.join(para.chars.replace(NOTE, '').split()))}”; only changes "
                                  "within paragraphs are applied"))
    return planned, count, messages


def _cut(text: str, size: int = 80) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _edits(old: Para, new: Para, unit: Unit) -> tuple[list[Edit], str]:
    """The word-level edits from `old` to `new`, placed in the unit's Markdown; or why they cannot be."""
    old_tokens = [m.span() for m in WORDS.finditer(old.chars)]
    new_tokens = [m.span() for m in WORDS.finditer(new.chars)]
    matcher = SequenceMatcher(None, [old.chars[a:b].translate(FOLD) for a, b in old_tokens],
                              [new.chars[a:b].translate(FOLD) for a, b in new_tokens], autojunk=False)
    where = _align(old.chars, unit.text)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        o1 = old_tokens[i1][0] if i1 < len(old_tokens) else len(old.chars)
        o2 = old_tokens[i2 - 1][1] if i2 > i1 else o1
        n1 = new_tokens[j1][0] if j1 < len(new_tokens) else len(new.chars)
        n2 = new_tokens[j2 - 1][1] if j2 > j1 else n1
        if tag == "equal":
            if old.marks[o1:o2] != new.marks[n1:n2]:
                at = o1 + next(k for k in range(o2 - o1) if old.marks[o1 + k] != new.marks[n1 + k])
                word = next((old.chars[a:b] for a, b in old_tokens if a <= at < b), "")
                return [], f"a change of formatting (at “{word}”) is not applied: make it by hand"
            continue
        placed, reason = _place(old, o1, o2, new.chars[n1:n2], new.marks[n1:n2], where, unit.text)
        if reason:
            return [], reason
        edits.append(placed)
    return edits, ""


def _align(printed: str, source: str) -> list[tuple[int, int] | None]:
    """For each printed character, the source characters that print it (None: made by markup)."""
    units: list[tuple[str, int, int]] = []
    at = 0
    for match in SOURCE_MARKUP.finditer(source):
        units += [(ch, i, i + 1) for i, ch in enumerate(source[at:match.start()], start=at)]
        kind, text = match.lastgroup, match.group()
        if kind == "escape":
            units.append((text[1], match.start(), match.end()))
        elif kind == "dashes":
            units.append((DASHES[text], match.start(), match.end()))
        else:
            units.append(({"note": NOTE, "image": IMAGE}.get(kind, GAP), match.start(), match.end()))
        at = match.end()
    units += [(ch, i, i + 1) for i, ch in enumerate(source[at:], start=at)]
    folded = "".join(u[0] for u in units).translate(FOLD)
    where: list[tuple[int, int] | None] = [None] * len(printed)
    matcher = SequenceMatcher(None, printed.translate(FOLD), folded, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            if folded[b + k] != GAP:
                where[a + k] = units[b + k][1:]
    return where


def _place(old: Para, o1: int, o2: int, text: str, marks: list, where: list, source: str) -> tuple[Edit | None, str]:
    if NOTE in old.chars[o1:o2] or NOTE in text:
        return None, "a note call was deleted, added or moved: notes are not added or removed from a DOCX"
    if IMAGE in old.chars[o1:o2] or IMAGE in text or "\n" in text:
        return None, "a change that adds or removes an image or a line break is not applied"
    if len(set(marks)) > 1:
        return None, "the new words are in more than one formatting: make this change by hand"
    if o1 < o2:
        spots = where[o1:o2]
        if any(s is None for s in spots):
            return None, "the change touches words the Markdown does not hold as printed (made by Jinja, a citation, " \
                         "a cross-reference or markup)"
        if len(set(old.marks[o1:o2])) > 1 or (marks and marks[0] != old.marks[o1]):
            return None, "the change spans formatting (emphasis, a link…) it cannot place: make it by hand"
        start, end = spots[0][0], spots[-1][1]
        covered = {i for s in spots for i in range(*s)}
        stray = [source[i] for i in range(start, end) if i not in covered]
        if any(not ch.isspace() for ch in stray):
            return None, f"the change spans Markdown markup ({''.join(stray).strip()!r}) it cannot place"
        return Edit(start, end, _escape(text, start == 0 or source[start - 1] == "\n")), ""
    left = where[o1 - 1] if o1 > 0 else None
    right = where[o1] if o1 < len(old.chars) else None
    want = marks[0] if marks else None
    if left is not None and right is not None and left[1] == right[0]:
        if want not in (old.marks[o1 - 1], old.marks[o1]):
            return None, "the new words are in a formatting of their own: make this change by hand"
        at = left[1]
    elif left is not None and want == old.marks[o1 - 1]:
        at = left[1]
    elif right is not None and want == old.marks[o1]:
        at = right[0]
    else:
        return None, "an insertion beside markup or generated text it cannot place: make it by hand"
    return Edit(at, at, _escape(text, at == 0 or source[at - 1] == "\n")), ""


def _escape(text: str, line_start: bool) -> str:
    """Copyedited words as Markdown that prints them: markup characters escaped, a line's start too."""
    text = ESCAPE.sub(r"\\\1", text)
    text = re.sub(r"&(?=#?\w+;)", r"\\&", text)
    if line_start:  # a heading, quotation or list item: its mark escaped (a digit cannot be, so the dot)
        text = re.sub(r"^([#>+\-=])", r"\\\1", text)
        text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return text


# --- writing -------------------------------------------------------------------------------------


def _apply(planned: dict[int, tuple[Unit, list[Edit]]], book: Book) -> dict[Path, str]:
    """The new text of every file touched."""
    files: dict[Path, str] = {}
    yaml_edits: dict[str, str] = {}
    spans = []
    for unit, edits in planned.values():
        text = unit.text
        for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end:]
        if unit.yaml_note is not None:
            yaml_edits[unit.yaml_note] = text
        else:
            spans.append((unit, text))
    # A file's spans replaced from its last to its first: the offsets before each stay valid.
    for unit, text in sorted(spans, key=lambda s: (str(s[0].path), s[0].start), reverse=True):
        current = files[unit.path] if unit.path in files else unit.path.read_text(encoding="utf-8")
        files[unit.path] = current[: unit.start] + text + current[unit.start + len(unit.text):]
    if yaml_edits:
        files[book.root / "notes.yaml"] = _notes_yaml(book, yaml_edits)
    return files


def _notes_yaml(book: Book, edits: dict[str, str]) -> str:
    """notes.yaml with each edited note's text scalar written again in its own style, the rest untouched."""
    path = book.root / "notes.yaml"
    text = path.read_text(encoding="utf-8")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    scalars = []
    for key, value in root.value:
        if key.value not in edits:
            continue
        if isinstance(value, yaml.MappingNode):
            value = next((v for k, v in value.value if k.value == "text"), None)
        shown = str(Path(book.root.name) / "notes.yaml")
        if not isinstance(value, yaml.ScalarNode) or value.start_mark.line != value.end_mark.line \
                or value.style in ("|", ">"):
            line = key.start_mark.line + 1
            raise fail("I114", shown, line, 1, f"note '{key.value}': its text is written over several lines of "
                       "notes.yaml: make this change by hand")
        scalars.append((value.start_mark.index, value.end_mark.index, _scalar(edits[key.value], value.style)))
    for start, end, scalar in sorted(scalars, reverse=True):
        text = text[:start] + scalar + text[end:]
    return text


def _scalar(value: str, style: str | None) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style is None and value == value.strip():
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)  # JSON's strings are YAML's double-quoted ones


def _verify(files: dict[Path, str], revised: list[Para], mapping: dict[str, Unit], book: Book,
            order: list[Chapter | None], work: Path) -> None:
    """Build the edited manuscript (a copy of it) and hold every paragraph to the copyedited one."""
    copy = work / "verify" / book.root.name
    shutil.copytree(book.root, copy, ignore=shutil.ignore_patterns(".git"))
    for path, text in files.items():
        (copy / path.relative_to(book.root)).write_text(text, encoding="utf-8")
    try:
        edited = load_book(copy, Report())
        data = document_bytes(BuildContext(edited, Report()), edited.edition("docx"))
    except BuildError as exc:
        raise BuildError([error("I115", m.path, m.line, m.col, f"the edited manuscript does not build: {m.text}")
                          for m in exc.messages if m.severity == "error"]) from None
    again = _by_id(_paragraphs(data, "accept", work, "verify"))
    messages = []
    for para_id, para in _by_id(revised).items():
        built = again.get(para_id)
        if built is None or built.key() != para.key():
            path, line = _place_of(para_id, mapping, book, order, para.chars)
            printed = " ".join((built.chars if built else "").replace(NOTE, "").split())
            wanted = " ".join(para.chars.replace(NOTE, "").split())
            messages.append(error("I115", path, line, 1, f"after the edit the book would print “{_cut(printed)}” "
                                  f"where the copyedited DOCX has “{_cut(wanted)}”: make this change by hand"))
    if messages:
        raise BuildError(messages)


def _write_all(files: dict[Path, str]) -> tuple[Path, ...]:
    """Every file written beside itself first, then each renamed over: a failure leaves none changed."""
    temporaries: list[tuple[Path, Path]] = []
    try:
        for path, text in sorted(files.items()):
            handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="\n", dir=path.parent,
                                                 prefix=f".{path.name}.", suffix=".tmp", delete=False)
            temporaries.append((Path(handle.name), path))
            with handle:
                handle.write(text)
            shutil.copymode(path, handle.name)
    except OSError as exc:
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)
        raise fail("I006", str(exc.filename or "manuscript"), 0, 0, f"cannot write: {exc.strerror or exc}") from None
    for temporary, path in temporaries:
        temporary.replace(path)
    return tuple(path for _, path in temporaries)
