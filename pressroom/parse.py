"""Chapters and notes → Pandoc AST, then the policy pass that checks what the AST may hold."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from . import citations, images, limits, sanitize, workers
from .cache import Store, code_digest, digest, tree_digest
from .formulas import Formula, check_formulas, formulas_in, stray_dollars
from .messages import BuildError, Message, Report, error, warning
from .manuscript.load import nested_note
from .manuscript.sources import place_in
from .model import Book, Chapter, Note
from .index import KEYS as INDEX_KEYS
from .index import mark_index
from .links import is_file_link, mark_links
from .notes import CALL_LABEL, INLINE_NOTE_CLASS, SourceLines, identify_notes, inline_notes_as_spans
from .pandoc_ast import attr_of, line_col, stringify, strip_sourcepos, transform, walk
from .tools import pandoc
from .xref import mark_references

PLACEHOLDER = "PRESSROOMNOTE{}"
PLACEHOLDER_RE = re.compile(r"PRESSROOMNOTE(\d+)")
# Markdown attributes beyond #id and .class: only the text's direction and language.
ATTRIBUTE_VALUES = {"dir": re.compile(r"ltr|rtl|auto"), "lang": re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")}
# Index marks (index.py): an entry's words; they never reach an edition's HTML as attributes.
ATTRIBUTE_VALUES.update((key, re.compile(r"[^\n]{1,500}")) for key in INDEX_KEYS)
SOURCEPOS_KEYS = {"data-pos", "wrapper"}
NOTES_FENCE = ":" * 12
EPIGRAPH_FENCE = ":" * 13
PARSED = "pandoc-json"  # cache kind: Markdown text → pandoc's JSON
PARALLEL_FROM = 6  # fresh chapters: below this, starting workers costs more than it saves
CHECKED = "chapters"  # cache kind: a chapter's text → its checked blocks and the messages found


@dataclass(frozen=True)
class ParsedChapter:
    """A chapter's blocks, checked, with every note call's content filled in.

    Each Note node also carries `"note": [id, line, col]`: the note it calls (the label written
    in the call, read from the text at the call's place) and where the call is in the chapter's
    source file. Ids come from the parsed text, never from a scan of the Jinja source: a call
    inside `{% if %}` cannot shift the notes after it.
    """

    chapter: Chapter
    blocks: list


def parse_book(book: Book, texts: dict[str, str], report: Report, store: Store | None = None) -> list[ParsedChapter]:
    """Parse every chapter (its Jinja already rendered) and the notes; all policy errors at once.

    A pandoc process per core reads every text not found in the cache `store` (by the text's hash).
    """
    notes = list(book.notes.values())
    notes_source, whole, note_starts = _notes_source(notes)
    # Citations: each text's groups found before pandoc reads it (citations.py).
    groups = {chapter.id: citations.find(texts[chapter.id]) for chapter in book.chapters}
    note_groups = citations.find(notes_source)
    sources = [(chapter, _chapter_source(chapter, texts[chapter.id], book.notes, groups[chapter.id]))
               for chapter in book.chapters]
    notes_text, notes_source = notes_source, citations.mask(notes_source, note_groups)
    salt = _salt(book) if store is not None else ""
    # The source body too: messages and note calls are placed through it (Jinja may move lines).
    # The citation groups too: masked texts differing only in a citation look the same.
    keys = [digest(salt, chapter.shown, str(chapter.body_line), text, chapter.body,
                   *(g.text for g in groups[chapter.id])) for chapter, (text, _) in sources]
    # A chapter checked before with the same text (and images, code, pandoc) is not read again.
    done = [_cached_chapter(store, key) for key in keys]
    items = [(text + "\n", chapter.shown) for (chapter, (text, _)), known in zip(sources, done) if known is None]
    notes_key = digest(salt, notes_text, *(f"{n.pos.path}:{n.pos.line}:{n.pos.col}:{n.cite_pos}:{n.text_places}"
                                           for n in notes))
    notes_known = store.read_json(CHECKED, notes_key) if store is not None and notes else None
    if notes and notes_known is None:
        items.append((notes_source + "\n", notes[0].pos.path))
    # Enough fresh chapters to pay for worker processes: they start while pandoc reads.
    pool = workers.pool(min(workers.cores(), len(items))) if len(items) >= PARALLEL_FROM else None
    try:
        if pool is not None:
            pool.submit(int)
        math = book.math == "tex"
        with limits.stage(str(book.root), "parsing the chapters"):
            raws = iter(_read_all(items, store, math))
        fresh = [None if known is not None else next(raws) for known in done]
        jobs = [(i, chapter, raw) for i, ((chapter, _), raw) in enumerate(zip(sources, fresh)) if done[i] is None]
        cites = _read_citations([groups[chapter.id] for _, chapter, _ in jobs]
                                + ([note_groups] if notes and notes_known is None else []), str(book.root))
        notes_job = None
        if notes and notes_known is None:
            notes_job = _submit(pool, _parse_notes, book, notes, next(raws), (note_groups, cites[-1], whole, note_starts))
        checked = {i: _submit(pool, _checked, chapter, sources[i][1][0], raw, book.root, math,
                              (groups[chapter.id], cites[n]))
                   for n, (i, chapter, raw) in enumerate(jobs)}
        checked = {i: job() for i, job in checked.items()}
        notes_done = notes_job() if notes_job is not None else None
        # Every fresh formula of the book through texmath at once; errors join their chapter's.
        formulas = [f for _, _, found in checked.values() for f in found] + (notes_done[2] if notes_done else [])
        bad = check_formulas(formulas, str(book.root)) if formulas else {}
        checked = {i: (blocks, messages + [bad[f] for f in found if f in bad])
                   for i, (blocks, messages, found) in checked.items()}
        if notes_known is not None:
            note_blocks = notes_known["blocks"]
            report.extend(Message(*m) for m in notes_known["messages"])
        elif notes_done is not None:
            note_blocks, messages, found = notes_done
            messages = messages + [bad[f] for f in found if f in bad]
            report.extend(messages)
            if store is not None and not any(m.severity == "error" for m in messages):
                store.write_json(CHECKED, notes_key, {"blocks": note_blocks,
                                                      "messages": [astuple(m) for m in messages]})
        else:
            note_blocks = {}
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    parsed = []
    for i, ((chapter, (_, order)), key) in enumerate(zip(sources, keys)):
        if done[i] is None:
            blocks, messages = checked[i]
            if store is not None and blocks is not None and not any(m.severity == "error" for m in messages):
                store.write_json(CHECKED, key, {"blocks": blocks, "messages": [astuple(m) for m in messages]})
        else:
            blocks, messages = done[i]
        report.extend(messages)
        if blocks is not None:
            parsed.append(ParsedChapter(chapter, _fill_notes(blocks, order, note_blocks)))
    if store is not None:
        store.prune(CHECKED)
    report.raise_if_errors()
    return parsed


def _submit(pool, function, *args) -> Callable[[], object]:
    """`function(*args)` in a worker when there is a pool (and the arguments can travel), else
    here; call the result to wait for it. The AST passes are pure Python: cores, not threads."""
    if pool is None or any(isinstance(a, BuildError) for a in args):
        value = function(*args)
        return lambda: value
    future = pool.submit(function, *args)
    return future.result


def _checked(chapter: Chapter, text: str, raw: str | BuildError, root: Path,
             math: bool = False, cited: tuple = ([], [])) -> tuple[list | None, list[Message], list[Formula]]:
    """The chapter's checked blocks, its messages and its formulas (texmath judges them with the
    book's, in parse_book), every position in the chapter's source file."""
    found = Report()
    lines = SourceLines(chapter, text)
    formulas: list[Formula] = []
    try:
        with limits.stage(chapter.shown, "parsing"):
            blocks = _check_chapter(chapter, text, raw, found, root, lines, formulas if math else None, cited)
            placed = [Formula(f.tex, f.display, lines.placed([f.place])[0]) for f in formulas]
            return blocks, lines.placed(found.messages), placed
    except BuildError as exc:
        return None, lines.placed(found.messages + exc.messages), []


def _salt(book: Book) -> str:
    """What a chapter's checks depend on beyond its text: our code, pandoc, the book's images, and
    whether dollars are math (the same text reads differently)."""
    images = book.root / "images"
    return digest(code_digest(), pandoc.version(), tree_digest(images) if images.is_dir() else "", book.math)


def _cached_chapter(store: Store | None, key: str) -> tuple[list, list[Message]] | None:
    value = store.read_json(CHECKED, key) if store is not None else None
    if value is None:
        return None
    return value["blocks"], [Message(*m) for m in value["messages"]]


def _read_all(items: list[tuple[str, str]], store: Store | None, math: bool) -> list[str | BuildError]:
    """Pandoc's JSON for each (text, label): from the cache, the rest in a pandoc process per core.

    A text pandoc cannot read gets its error in its place (the others are still checked).
    """
    keys = [digest(pandoc.reader(math), pandoc.version(), text) for text, _ in items]
    found: list[str | BuildError | None] = [None] * len(items)
    if store is not None:
        for i, key in enumerate(keys):
            cached = store.read_text(PARSED, key)
            if cached is not None:
                found[i] = cached
    missing = [i for i, raw in enumerate(found) if raw is None]
    try:
        raws = pandoc.read_markdown_many([items[i][0] for i in missing], [items[i][1] for i in missing], math)
    except BuildError:  # name every text pandoc fails on, one run each
        raws = []
        for i in missing:
            try:
                raws.append(pandoc.read_markdown(items[i][0], label=items[i][1], math=math))
            except BuildError as exc:
                raws.append(exc)
    for i, raw in zip(missing, raws):
        found[i] = raw
        if store is not None and isinstance(raw, str):
            store.write_text(PARSED, keys[i], raw)
    if store is not None and missing:
        store.prune(PARSED)
    return found


def _chapter_source(chapter: Chapter, text: str, notes: dict[str, Note],
                    groups: list[citations.Group] = ()) -> tuple[str, list[str]]:
    """What pandoc reads of a chapter: its Markdown with citation groups masked, inline notes `^[…]`
    as marked spans and its notes.yaml notes defined as placeholders; and the order of those placeholders."""
    inline = {d.id for d in chapter.inline_notes}
    called = [ref.id for ref in chapter.refs if ref.id in notes and ref.id not in inline]
    order = list(dict.fromkeys(called))
    # notes.yaml notes enter as placeholders so pandoc pairs calls and notes as it always does.
    definitions = "".join(f"\n\n[^{note_id}]: {PLACEHOLDER.format(i)}" for i, note_id in enumerate(order))
    text = citations.mask(text, list(groups))
    return inline_notes_as_spans(text) + _epigraph_source(chapter) + "\n" + definitions, order


# --- citations: the groups read by pandoc's markdown reader, placed into the parsed AST ---
def _notes_source(notes: list[Note]) -> tuple[str, set[int], list[int]]:
    """All notes.yaml notes in one text, each fenced in a Div carrying its index, a note's `cite:`
    written as a citation group first; where those groups start, and where each note starts."""
    pieces, whole, offset, starts = [], set(), 0, []
    for i, note in enumerate(notes):
        starts.append(offset)
        opening, cite = _note_opening(i), _note_cite(note)
        if cite:
            whole.add(offset + len(opening))
        piece = f"{opening}{cite}{' ' if cite and note.text else ''}{note.text}\n{NOTES_FENCE}"
        pieces.append(piece)
        offset += len(piece) + 2
    return "\n\n".join(pieces), whole, starts


def _note_opening(i: int) -> str:
    return f"{NOTES_FENCE} {{#n{i}}}\n"


def _note_cite(note: Note) -> str:
    return f"[{' '.join(note.cite.split())}]" if note.cite else ""


def _read_citations(texts_groups: list[list[citations.Group]], label: str) -> list[list[dict | None]]:
    """Each text's groups as Cite nodes (None: not a citation), one pandoc run for the whole book."""
    flat = [citations.read_source(g) for groups in texts_groups for g in groups]
    raws = iter(pandoc.read_citations(flat, label) if flat else [])
    return [[citations.cite_of(next(raws)) for _ in groups] for groups in texts_groups]


def _policy_of_affixes(root: Path | None) -> Callable[[list], list[Message]]:
    return lambda blocks: check_policy(blocks, "", root=root)



def _epigraph_source(chapter: Chapter) -> str:
    """The chapter's epigraph as a Div pandoc reads with the text (resolve.py moves it to the opening)."""
    if chapter.epigraph is None:
        return ""
    source = chapter.epigraph.source
    attribution = f"\n\n{EPIGRAPH_FENCE} {{.epigraph-source}}\n{source}\n{EPIGRAPH_FENCE}" if source else ""
    return (f"\n\n{EPIGRAPH_FENCE}: {{.epigraph}}\n{chapter.epigraph.text}{attribution}\n"
            f"{EPIGRAPH_FENCE}:\n")


def _check_chapter(chapter: Chapter, text: str, raw: str | BuildError, report: Report, root: Path | None,
                   lines: "SourceLines", formulas: list[Formula] | None = None, cited: tuple = ([], [])) -> list:
    """The chapter's blocks once checked and cleaned (notes not yet filled in, each call identified);
    in a math book its formulas are added to `formulas`, their places still in the text read."""
    ast = read_checked(raw, chapter.shown, chapter.body_line - 1, report)
    offset = chapter.body_line - 1
    ast["blocks"], problems = citations.place(
        ast["blocks"], *cited, lambda g: (chapter.shown, lines.line(g.line) + offset, g.col),
        check=_policy_of_affixes(root))
    report.extend(problems)
    report.extend(check_policy(ast["blocks"], chapter.shown, line_offset=chapter.body_line - 1, root=root))
    if formulas is not None:
        formulas.extend(formulas_in(ast["blocks"], chapter.shown, chapter.body_line - 1))
        report.extend(stray_dollars(ast["blocks"], text, chapter.shown, chapter.body_line - 1))
    report.extend(_notes_in_notes(ast["blocks"], text, lines))
    blocks = identify_notes(ast["blocks"], text, lines)
    blocks = _marked(blocks, lines, report)
    blocks = images.mark_images(mark_links(blocks, lines), lines)
    return sanitize.clean_blocks(strip_sourcepos(blocks))


def _notes_in_notes(blocks: list, text: str, lines: SourceLines) -> list[Message]:
    """N004 for a call pandoc read inside a note's text (the load scan catches those written in
    the source; this catches what Jinja wrote). Pandoc keeps a nested Note, which the editions
    would drop, and turns a call inside a footnote definition into an empty string: both lost."""
    found: list[Message] = []
    read_lines = text.split("\n")

    def place(keys: dict) -> tuple[int, int, re.Match | None]:
        line, col = line_col(keys.get("data-pos", ""))
        row = read_lines[line - 1] if 0 < line <= len(read_lines) else ""
        return lines.line(line) + lines.offset if line else 0, col, CALL_LABEL.match(row, max(col - 1, 0))

    def visit(value, outer: str | None) -> None:
        """`outer`: the note whose text this is, as a message names it."""
        if isinstance(value, list):
            for item in value:
                visit(item, outer)
            return
        if not isinstance(value, dict):
            return
        if value.get("t") == "Span":
            attr, inlines = value["c"]
            keys = dict(attr[2])
            if INLINE_NOTE_CLASS in attr[1]:  # an inline note ^[…], not yet a Note
                line, col, _ = place(keys)
                if outer is not None:
                    found.append(nested_note(lines.shown, line, col, "an inline note ^[…]", outer))
                visit(inlines, outer or f"the inline note at line {line}")
                return
            if keys.get("wrapper") == "1" and len(inlines) == 1 and inlines[0]["t"] in ("Note", "Str"):
                line, col, call = place(keys)
                label = call.group(1) if call else "?"
                if inlines[0]["t"] == "Note":
                    if outer is not None:
                        found.append(nested_note(lines.shown, line, col, f"note '{label}'", outer))
                    visit(inlines[0]["c"], outer or label)
                    return
                if outer is not None and inlines[0]["c"] == "" and call:  # a call pandoc emptied
                    found.append(nested_note(lines.shown, line, col, f"note '{label}'", outer))
                    return
        visit(value.get("c"), outer)

    visit(blocks, None)
    return found


def _marked(blocks: list, lines, report: Report, place: list | None = None) -> list:
    """Cross-references (xref.py) and index marks (index.py) found while positions are known."""
    blocks, problems = mark_references(blocks, lines, place)
    blocks, more = mark_index(blocks, lines, place)
    report.extend(problems + more)
    return blocks


def read_checked(raw: str | BuildError, shown: str, line_offset: int, report: Report) -> dict:
    """Pandoc's JSON → AST; nesting past our limit stops here (naming the place), a table too large is reported."""
    if isinstance(raw, BuildError):
        raise raw
    try:
        ast = json.loads(raw)
    except RecursionError:
        # Only a pathologically nested text gets here; the slow text scan says where (R001).
        limits.check_json_nesting(raw, shown, line_offset)
        raise
    problems = limits.check_shapes(ast["blocks"], shown, line_offset)
    if any(m.code == "R001" for m in problems):
        raise BuildError(problems)  # too deep for the recursive passes that follow
    report.extend(problems)
    return ast


JOINED = "\0notes"  # the path of a place in the joined notes text, before NotesText moves it


class NotesText:
    """The notes.yaml notes as pandoc read them, joined (`_notes_source`): as `lines` for the
    marking passes (places in the joined text, unmoved), and the way back from such a place to
    the note's own words in notes.yaml."""

    shown, offset, lines = JOINED, 0, None

    def __init__(self, notes: list[Note], source: str, starts: list[int]):
        self.notes, self.starts = notes, starts
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.text_starts = [start + len(_note_opening(i)) + len(_note_cite(note)) + (1 if note.cite and note.text else 0)
                            for i, (note, start) in enumerate(zip(notes, starts))]

    def line(self, line: int) -> int:
        return line

    def at(self, line: int, col: int) -> tuple[str, int, int]:
        """notes.yaml's path, line and col of line:col of the joined text: the very character when
        it is a note's text, else the note's `cite:` or entry."""
        path = self.notes[0].pos.path
        if not 0 < line <= len(self.line_starts):
            return path, 0, 0
        offset = self.line_starts[line - 1] + max(col, 1) - 1
        i = max(bisect_right(self.starts, offset) - 1, 0)
        note, within = self.notes[i], offset - self.text_starts[i]
        found = place_in(note.text_places, within) if 0 <= within <= len(note.text) else None
        if found:
            return note.pos.path, *found
        pos = note.cite_pos if within < 0 and note.cite_pos else note.pos
        return pos.path, pos.line, pos.col

    def moved(self, message: Message) -> Message:
        if message.path != JOINED:
            return message
        return Message(*self.at(message.line, message.col), message.severity, message.code, message.text)


def _moved_marks(blocks: list, joined: NotesText) -> list:
    """Every place a marking pass left on a node (`at`: links, images, references; `ix`: index
    marks) moved from the joined text into notes.yaml, in the [line, col, path] form."""
    def move(mark):
        if isinstance(mark, list) and len(mark) >= 2 and (len(mark) == 2 or mark[2] == JOINED):
            path, line, col = joined.at(mark[0], mark[1])
            return [line, col, path]
        return mark

    def visit(node: dict):
        changed = {key: move(node[key]) for key in ("at", "ix") if key in node}
        if isinstance(node.get("xref"), dict) and "at" in node["xref"]:  # a reference keeps its place inside
            changed["xref"] = {**node["xref"], "at": move(node["xref"]["at"])}
        return {**node, **changed} if changed else None

    return transform(blocks, visit)


def _parse_notes(book: Book, notes: list[Note], raw: str | BuildError,
                 cited: tuple = ([], [], set(), [])) -> tuple[dict[str, list], list[Message], list[Formula]]:
    """All notes.yaml notes, read in one text, each fenced in a Div carrying its index; the
    messages about them, and their formulas, each at its own line:col in notes.yaml."""
    report = Report()
    groups, cites, whole, starts = cited
    joined = NotesText(notes, _notes_source(notes)[0], starts)
    found = Report()
    try:
        with limits.stage(notes[0].pos.path, "parsing the notes"):
            ast = read_checked(raw, JOINED, 0, found)
    except BuildError as exc:
        found.extend(exc.messages)
        ast = None
    report.extend(joined.moved(m) for m in found.messages)
    if ast is None:
        return {}, report.messages, []
    ast["blocks"], problems = citations.place(
        ast["blocks"], groups, cites, lambda g: _note_place(notes, starts, g, g.start in whole, joined),
        forms={i: "note" for i, g in enumerate(groups) if g.start in whole}, check=_policy_of_affixes(book.root))
    report.extend(problems)
    divs = {_div_id(b): b for b in ast["blocks"] if b["t"] == "Div"}
    formulas = []
    for i, note in enumerate(notes):
        raw_div = [divs[f"n{i}"]] if f"n{i}" in divs else []
        if book.math == "tex":
            formulas += [Formula(f.tex, f.display, joined.moved(f.place)) for f in formulas_in(raw_div, JOINED)]
        for message in check_policy(raw_div, JOINED, root=book.root):
            moved = joined.moved(message)
            report.add(replace(moved, text=f"in note '{note.id}': {message.text}"))
    # Marked while pandoc's places are on the nodes, then moved into notes.yaml.
    marks = Report()
    marked = _marked(ast["blocks"], joined, marks)
    marked = images.mark_images(mark_links(marked, joined), joined)
    report.extend(joined.moved(m) for m in marks.messages)
    result: dict[str, list] = {}
    for div in sanitize.clean_blocks(strip_sourcepos(_moved_marks(marked, joined))):
        note = notes[int(div["c"][0][0][1:])]
        result[note.id] = div["c"][1]
    return result, report.messages, formulas


def _note_place(notes: list[Note], starts: list[int], group: citations.Group,
                whole: bool, joined: NotesText | None = None) -> tuple[str, int, int]:
    """Where a citation in notes.yaml is named: its note's `cite:`, else where it is written."""
    note = notes[bisect_right(starts, group.start) - 1]
    if whole and note.cite_pos:
        return note.cite_pos.path, note.cite_pos.line, note.cite_pos.col
    if joined is not None:
        return joined.at(group.line, group.col)
    return note.pos.path, note.pos.line, note.pos.col


def _div_id(block: dict) -> str:
    """The id of a notes Div, looking through a sourcepos wrapper if there is one."""
    if block["c"][0][0]:
        return block["c"][0][0]
    inner = [b for b in block["c"][1] if b["t"] == "Div"]
    return inner[0]["c"][0][0] if inner else ""


def _fill_notes(blocks: list, order: list[str], note_blocks: dict[str, list]) -> list:
    def fill(node: dict):
        if node["t"] != "Note":
            return None
        match = PLACEHOLDER_RE.fullmatch(_only_text(node["c"]))
        if match:
            return {**node, "c": note_blocks[order[int(match.group(1))]]}
        return None

    return transform(blocks, fill)


def _only_text(blocks: list) -> str:
    if len(blocks) == 1 and blocks[0]["t"] == "Para" and len(blocks[0]["c"]) == 1:
        inline = blocks[0]["c"][0]
        if inline["t"] == "Str":
            return inline["c"]
    return ""


def check_policy(blocks: list, shown: str, line_offset: int = 0, root: Path | None = None) -> list[Message]:
    """What a manuscript may not carry into an edition: raw markup, unsafe links, attributes, stray images.

    Raw HTML is judged by sanitize.raw_messages (errors for hostile markup, warnings for what is
    dropped); with `root`, every image file is opened and checked too (images.policy): an error,
    or a warning for an image whose name lies about its type or that will be converted.
    """
    messages: list[Message] = sanitize.raw_messages(blocks, shown, line_offset)

    def check(node: dict, pos: str) -> None:
        problems = _problems(node, root)
        if problems:  # positions are worked out only where there is something to report
            line, col = line_col(pos)
            where = (shown, line + line_offset if line else 0, col)
            messages.extend((warning if severity == "warning" else error)(code, *where, text)
                            for severity, code, text in problems)

    walk(blocks, check)
    return messages


def _problems(node: dict, root: Path | None) -> list[tuple[str, str, str]]:
    """(severity, code, text) for each problem of the node."""
    t = node["t"]
    problems = [("error", code, text) for code, text in _attribute_problems(node)]
    if t in ("RawBlock", "RawInline") and node["c"][0] != "html":
        problems.append(("error", "P001", f"raw {node['c'][0]} is not allowed in a manuscript"))
    if t == "Link":
        target = node["c"][2][0]
        # A link to another chapter's file is settled with the whole book (links.py).
        problem = None if is_file_link(target) else sanitize.link_problem(target)
        if problem:
            problems.append(("error", "P002", problem))
    if t == "Image":
        problems.extend(image_messages(node["c"][2][0], root))
    if t == "Para" and _first_text(node["c"]).startswith("!"):
        admonition = MKDOCS_ADMONITION.match(stringify(node["c"]))
        if admonition:
            kind = admonition.group(1)
            problems.append(("warning", "P009", f"`!!! {kind}` is MkDocs' admonition, which Markdown does not "
                             f"read: it prints as written, its indented lines as code; write `::: {kind}` … `:::` "
                             "for a callout"))
    return problems


MKDOCS_ADMONITION = re.compile(r"!!!\s*([A-Za-z][\w-]*)")


def _first_text(inlines: list) -> str:
    """A paragraph's first Str, through the source-position wrappers around it."""
    while inlines and inlines[0]["t"] == "Span":
        inlines = inlines[0]["c"][1]
    return inlines[0]["c"] if inlines and inlines[0]["t"] == "Str" else ""


def image_problem(target: str, root: Path | None) -> tuple[str, str] | None:
    """Why an image reference may not be used: its path first, then (with `root`) its file."""
    errors = [(code, text) for severity, code, text in image_messages(target, root) if severity == "error"]
    return errors[0] if errors else None


def image_messages(target: str, root: Path | None) -> list[tuple[str, str, str]]:
    """(severity, code, text) for an image reference: its path first, then (with `root`) its file."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if parts.scheme.lower() in ("http", "https", "ftp") or (parts.netloc and not parts.scheme):
        return [("error", "P003", f"image {target!r} is on the web: images must be files under images/ "
                                  "(download it into images/ and refer to it there); a build fetches nothing")]
    if parts.scheme or parts.netloc or parts.query or parts.fragment or path.startswith("/") \
            or "\\" in path or ".." in path.split("/") or not path.startswith("images/") or "\0" in path:
        return [("error", "P003", f"image {target!r} must be a file under images/")]
    if root is None:
        return []
    return images.policy(root, path)


def _attribute_problems(node: dict) -> list[tuple[str, str]]:
    """Attributes beyond #id, .class, dir= and lang= (rel=attachment, style=, width=…) are refused."""
    attr = attr_of(node)
    problems = []
    for key, value in (attr[2] if attr else []):
        if key in SOURCEPOS_KEYS:
            continue
        pattern = ATTRIBUTE_VALUES.get(key)
        if pattern is None:
            problems.append(("P004", f"attribute '{key}' is not allowed (use #id, .class, dir= or lang=)"))
        elif not pattern.fullmatch(value):
            problems.append(("P004", f"attribute {key}={value!r} is not allowed here"))
    return problems
