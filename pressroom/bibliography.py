"""Citations resolved for the whole book: the reference files and the CSL style read and checked,
pandoc's citeproc run once over every citation in reading order, each result put back in its
chapter, and the bibliography placed in back matter.

Citeproc sees one document holding only the citations, in the book's reading order: each note
(with the citations it holds, or none: note numbers must stay the book's) and each citation in
the running text. So first, subsequent and ibid. positions run across chapters as a reader meets
them. The chapters themselves never go through citeproc: their nodes carry our marks (a note's
id and place) that a round trip through pandoc would drop.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from . import citations, sanitize
from .cache import Store, digest
from .messages import BuildError, Message, Report, error, warning
from .model import BACK_ROLES, Book, Chapter, Pos
from .pandoc_ast import is_node
from .parse import ParsedChapter, check_policy
from .manuscript.sources import Node, load_yaml, read_text
from .tools import pandoc

STYLES = Path(__file__).resolve().parent / "styles" / "csl"
DEFAULT_STYLE = STYLES / "chicago-notes-bibliography.csl"
CSL = "{http://purl.org/net/xbiblio/csl}"
CITEPROC = "citeproc"  # cache kind: the citations document → citeproc's answer
BIBTEX = "bibtex-csl"  # cache kind: a BibTeX file's text → its CSL-JSON
BIBTEX_ENTRY = re.compile(r"^[ \t]*@(\w+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)
NOT_ENTRIES = {"string", "preamble", "comment"}
PANDOC_PLACE = re.compile(r"\(line (\d+), column (\d+)\)")
PUNCTUATION = re.compile(r"^[.,;:!?]+")
ENTRY_NAMED = re.compile(r"Citeproc: [^\n]*: (\S+)$", re.M)
CITE_NOTE = "cite"  # the note id of a note a citation makes (resolve.py numbers it with the rest)


@dataclass(frozen=True)
class Style:
    """A CSL style file, and whether it puts citations in notes (class="note")."""

    path: Path
    shown: str
    notes: bool


def cite_book(book: Book, parsed: list[ParsedChapter], report: Report,
              store: Store | None = None) -> list[ParsedChapter]:
    """Every citation of the book rendered in place (in a note style, as a note of its own) and the
    bibliography added; unknown keys, bad reference files and a bad style are errors at their place."""
    cites = [c for p in parsed for c in citations.cites_in(p.blocks)]
    if not cites:
        return parsed
    keys = read_references(book, report)
    style = read_style(book, report)
    report.raise_if_errors()
    unknown = _unknown_keys(cites, keys, book, report)
    report.raise_if_errors()
    blocks = [_uncited(p.blocks, unknown) for p in parsed]
    order: list[dict] = []
    document = pandoc.document(_skeleton(blocks, order) + [_refs_div([])], pandoc.metadata({"lang": book.language}))
    answer = _citeproc(document, book, style, store, keys)
    rendered = [c["c"][1] for c in citations.cites_in(answer["blocks"][:-1])]
    if len(rendered) != len(order):  # pandoc answered another shape than the one asked: say so
        raise BuildError([error("A006", style.shown, 0, 0, "citeproc returned "
                                f"{len(rendered)} citations for {len(order)}")])
    problems: list[Message] = []
    results = iter(zip(order, rendered))
    out = [replace(p, blocks=_substituted(b, results, style, book.root, problems)) for p, b in zip(parsed, blocks)]
    entries = _entries(answer["blocks"][-1])
    report.extend(problems)
    report.raise_if_errors()
    return _with_bibliography(book, out, entries, style)


# --- reading the references and the style ---------------------------------------------------

def read_references(book: Book, report: Report) -> dict[str, Pos]:
    """Every reference key of book.yaml's bibliography files, with where it is defined."""
    keys: dict[str, Pos] = {}
    for path, _named in book.bibliography.files:
        shown = _shown(book, path)
        try:
            text = read_text(path, shown)
            found = _keys(path, text, shown, report)
        except BuildError as exc:
            report.extend(_as_code(m, "A002") for m in exc.messages)
            continue
        for key, pos in found:
            if key in keys:
                first = keys[key]
                report.add(error("A002", pos.path, pos.line, pos.col, f"reference '{key}' is defined twice "
                                 f"(first at {first.path}:{first.line})"))
            keys.setdefault(key, pos)
    return keys


def _keys(path: Path, text: str, shown: str, report: Report) -> list[tuple[str, Pos]]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_keys(text, shown)
    if suffix in (".yaml", ".yml"):
        return _yaml_keys(text, shown)
    return _bibtex_keys(text, shown, "bibtex" if suffix == ".bibtex" else "biblatex", report)


def _json_keys(text: str, shown: str) -> list[tuple[str, Pos]]:
    """CSL-JSON: a list of objects, each with a string `id`."""
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError([error("A002", shown, exc.lineno, exc.colno, f"broken CSL-JSON: {exc.msg}")]) from None
    except RecursionError:
        raise BuildError([error("A002", shown, 0, 0, "CSL-JSON nested too deeply")]) from None
    if not isinstance(items, list):
        raise BuildError([error("A002", shown, 1, 1, "CSL-JSON must be a list of references")])
    found = []
    for index, item in enumerate(items):
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, (str, int)) or str(key) == "":
            raise BuildError([error("A002", shown, 0, 0, f"reference {index + 1} has no 'id'")])
        match = re.search(r'"id"\s*:\s*"?' + re.escape(str(key)), text)
        line, col = _line_col(text, match.start()) if match else (0, 0)
        found.append((str(key), Pos(shown, line, col)))
    return found


def _yaml_keys(text: str, shown: str) -> list[tuple[str, Pos]]:
    """CSL-YAML: `references:`, a list of mappings each with an `id` (read by our strict YAML loader)."""
    root = load_yaml(text, shown)
    items = root.value.get("references") if isinstance(root.value, dict) else None
    if items is None or not isinstance(items.value, list):
        raise BuildError([error("A002", shown, root.line, root.col, "CSL-YAML needs `references:`, a list")])
    found = []
    for item in items.value:
        key = item.value.get("id") if isinstance(item.value, dict) else None
        if not isinstance(key, Node) or not isinstance(key.value, str) or not key.value:
            raise BuildError([error("A002", shown, item.line, item.col, "a reference needs an 'id'")])
        found.append((key.value, Pos(shown, key.line, key.col)))
    return found


def _bibtex_keys(text: str, shown: str, reader_format: str, report: Report) -> list[tuple[str, Pos]]:
    """BibTeX/BibLaTeX, read by pandoc (the reader citeproc uses); an entry it cannot read, or
    leaves out, is named at the line it opens; text it drops is a warning at its place."""
    entries = [(m.group(2), *_line_col(text, m.start(1) - 1)) for m in BIBTEX_ENTRY.finditer(text)
               if m.group(1).lower() not in NOT_ENTRIES]
    try:
        csl = json.loads(pandoc.bibliography_as_csl(text, reader_format, label=shown))
    except BuildError as exc:
        detail = exc.messages[0].text.removeprefix("pandoc failed: ")
        place = PANDOC_PLACE.search(detail)
        line = int(place.group(1)) if place else 0
        opened = [e for e in entries if e[1] <= line] or entries[:1]
        key, entry_line, col = opened[-1] if opened else ("", line, 1)
        reason = PANDOC_PLACE.sub("", detail.split(":", 1)[-1] if place else detail).strip() or detail
        raise BuildError([error("A002", shown, entry_line, col, f"BibTeX entry '{key}' cannot be read: {reason}"
                                f"{f' (at line {line})' if line and line != entry_line else ''}")]) from None
    read = {str(item.get("id")) for item in csl}
    missing = [error("A002", shown, line, col, f"BibTeX entry '{key}' cannot be read (pandoc leaves it out)")
               for key, line, col in entries if key not in read]
    if missing:
        raise BuildError(missing)
    report.extend(dropped_text(text, shown, {str(item.get("id")): item for item in csl}))
    return [(key, Pos(shown, line, col)) for key, line, col in entries]


# Fields whose words a reader sees as written (names, dates, keys and URLs are reshaped by design).
TEXT_FIELDS = {"title", "subtitle", "titleaddon", "booktitle", "booksubtitle", "maintitle", "journal",
               "journaltitle", "journalsubtitle", "series", "publisher", "address", "location", "institution",
               "organization", "school", "howpublished", "note", "addendum", "edition", "chapter", "eventtitle",
               "venue", "origtitle", "shorttitle", "type"}
# BibLaTeX list fields: "and" separates their items (pandoc joins them with a semicolon).
LIST_FIELDS = {"publisher", "address", "location", "institution", "organization", "school"}
FIELD = re.compile(r"(\w+)\s*=\s*([{\"])", re.A)
COMMAND = re.compile(r"\\([A-Za-z]+)\*?\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
TEX_CONTROL = re.compile(r"\\(?:[A-Za-z]+\*?|.)")
TAG = re.compile(r"<[^>]*>")


def dropped_text(text: str, shown: str, csl: dict[str, dict]) -> list[Message]:
    """A warning for each braced or quoted text field of a BibTeX entry whose words pandoc left
    out: its reader drops a LaTeX command it does not know with the argument (`\\foo{Strange}`)."""
    warnings: list[Message] = []
    starts = [(m.group(2), m.end()) for m in BIBTEX_ENTRY.finditer(text) if m.group(1).lower() not in NOT_ENTRIES]
    for number, (key, start) in enumerate(starts):
        end = starts[number + 1][1] if number + 1 < len(starts) else len(text)
        item = csl.get(key)
        if item is None:
            continue
        printed = _plain(" ".join(_strings(item)))
        position = start
        while (match := FIELD.search(text, position, end)) is not None:
            value_start = match.end()
            value_end = _value_end(text, value_start, match.group(2), end)
            position = value_end
            if match.group(1).lower() not in TEXT_FIELDS:
                continue
            value = text[value_start:value_end]
            lost = [w for w in re.findall(r"\w+", TEX_CONTROL.sub("", value).replace("{", "").replace("}", ""))
                    if _plain(w) not in printed
                    and not (w.lower() in ("and", "others") and match.group(1).lower() in LIST_FIELDS)]
            if not lost:
                continue
            command = next((c for c in COMMAND.finditer(value) if any(w in c.group(2) for w in lost)), None)
            line, col = _line_col(text, value_start + (command.start() if command else 0))
            what = (f"{command.group(0)} will not be printed: pandoc does not know \\{command.group(1)} and drops "
                    "it with its text; write the text without the command" if command else
                    f"{' '.join(lost[:8])!r} will not be printed: pandoc's BibTeX reader drops it")
            warnings.append(warning("A011", shown, line, col, f"BibTeX entry '{key}', {match.group(1)}: {what}"))
    return warnings


def _value_end(text: str, start: int, opener: str, limit: int) -> int:
    """Where a field value opened by `{` or `"` closes (braces nest; `\\{` is no brace)."""
    depth, index = 1 if opener == "{" else 0, start
    while index < limit:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and opener == "{":
                return index
        elif char == '"' and opener == '"' and depth == 0:
            return index
        index += 1
    return limit


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def _plain(text: str) -> str:
    """Lower case, accents and markup gone: `{\\"u}ber` and "<i>Über</i>" both "uber"."""
    decomposed = unicodedata.normalize("NFKD", TAG.sub(" ", text).replace("{", "").replace("}", ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def read_style(book: Book, report: Report) -> Style:
    """The CSL style book.yaml names (default: Chicago notes and bibliography), checked as CSL XML."""
    path = book.bibliography.style or DEFAULT_STYLE
    shown = _shown(book, path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(path.read_bytes(), parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (exc.lineno or 0, 0)
        report.add(error("A003", shown, line, col, f"not a CSL style: broken XML ({exc.msg})"))
        return Style(path, shown, True)
    if root.tag != f"{CSL}style":
        report.add(error("A003", shown, root.sourceline or 0, 1, "not a CSL style: its root element must be "
                         "<style xmlns=\"http://purl.org/net/xbiblio/csl\">"))
    elif root.find(f"{CSL}citation") is None:
        report.add(error("A003", shown, root.sourceline or 0, 1, "a CSL style without <citation> (a dependent "
                         "style?): use its parent style's file"))
    elif root.get("class") not in ("note", "in-text"):
        report.add(error("A003", shown, root.sourceline or 0, 1, "a CSL style's class must be note or in-text"))
    return Style(path, shown, root.get("class") == "note")


def _unknown_keys(cites: list[dict], keys: dict[str, Pos], book: Book, report: Report) -> set[int]:
    """Citations naming a key no file defines: an error at the citation; an in-text `@word` is
    printed as written with a warning (prose may hold an @handle). Returns those by id()."""
    files = ", ".join(_shown(book, p) for p, _ in book.bibliography.files) or "none: add `bibliography:` to book.yaml"
    unknown = set()
    for cite in cites:
        path, line, col, form, text = cite["cite"]
        missing = [c["citationId"] for c in cite["c"][0] if c["citationId"] not in keys]
        if missing and form == "text":
            unknown.add(id(cite))
            report.add(warning("A005", path, line, col, f"'@{missing[0]}' is no reference key: printed as "
                               "written (write \\@ for a literal @)"))
        elif missing:
            report.add(error("A001", path, line, col, f"citation {text!r}: no reference '{missing[0]}' in "
                             f"the bibliography ({files})"))
    return unknown


# --- the citeproc run --------------------------------------------------------------------------

def _uncited(blocks: list, unknown: set[int]) -> list:
    """Blocks with each unknown in-text citation back to its text."""
    if not unknown:
        return blocks

    def visit(value):
        if isinstance(value, list):
            return [visit(v) for v in value]
        if is_node(value):
            if value["t"] == "Cite" and id(value) in unknown:
                return {"t": "Str", "c": value["cite"][4]}
            return {**value, "c": visit(value["c"])} if "c" in value else value
        return value

    return visit(blocks)


def _skeleton(chapters: list[list], order: list[dict]) -> list:
    """Citeproc's document: a paragraph per citation in the running text (or per notes.yaml
    `cite:`) and per note, in reading order; the citations also listed in `order`."""
    paras: list = []
    notes = [0]  # the note each citation is in, or would make: citeproc reads ibid. from these

    def bare(cite: dict, new_note: bool = False) -> dict:
        notes[0] += new_note
        order.append(cite)
        # Each group was read alone, so the reader numbered every citation note 1: renumbered here.
        numbered = [{**c, "citationNoteNum": notes[0], "citationHash": len(order)} for c in cite["c"][0]]
        return {"t": "Cite", "c": [numbered, []]}

    def visit(value) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif is_node(value):
            if value["t"] == "Cite":
                paras.append({"t": "Para", "c": [bare(value, new_note=True)]})
            elif value["t"] == "Note":
                inner = citations.cites_in(value["c"])
                whole = [c for c in inner if c["cite"][3] == "note"][:1]
                rest = [c for c in inner if not whole or c is not whole[0]]
                if whole:  # a notes.yaml `cite:` is cited as a note of its own: no parentheses
                    paras.append({"t": "Para", "c": [bare(whole[0], new_note=True)]})
                if rest or not whole:
                    notes[0] += 1
                    # Text before the citations: a note that is only a citation would be taken
                    # for a citation's own note (full stop, no parentheses), which this is not.
                    content = [{"t": "Str", "c": "·"}]
                    for cite in rest:
                        content += [{"t": "Space"}, bare(cite)]
                    paras.append({"t": "Para", "c": [{"t": "Note", "c": [{"t": "Para", "c": content}]}]})
            elif "c" in value:
                visit(value["c"])

    visit(chapters)
    return paras


def _refs_div(entries: list) -> dict:
    """The bibliography: pandoc's `refs` Div (where citeproc writes it), with classes only."""
    return {"t": "Div", "c": [["refs", ["references", "csl-bib-body"], []], entries]}


def _citeproc(document: dict, book: Book, style: Style, store: Store | None, keys: dict[str, Pos]) -> dict:
    files = [p for p, _ in book.bibliography.files]
    key = digest(pandoc.version(), json.dumps(document), style.path.read_bytes().hex(),
                 *(p.read_bytes().hex() for p in files))
    known = store.read_json(CITEPROC, key) if store is not None else None
    if known is not None:
        return known
    try:
        answer = pandoc.citeproc(document, files, style.path, label=style.shown)
    except BuildError as exc:
        raise BuildError([_at_entry(_as_code(m, "A006"), keys) for m in exc.messages]) from None
    if store is not None:
        store.write_json(CITEPROC, key, answer)
        store.prune(CITEPROC)
    return answer


# --- the results put back ------------------------------------------------------------------------

def _substituted(blocks: list, results, style: Style, root: Path, problems: list[Message]) -> list:
    """Each Cite swapped for its rendered text, in a Span `citation`; a note it makes carries the
    citation's place; a note's citation loses the parentheses pandoc adds (Chicago sets a
    citation in a note as the note's own text)."""

    def visit(value, in_note: bool):
        if isinstance(value, list):
            items = [visit(v, in_note) for v in value]
            out = []
            for item in items:
                out.extend(item if isinstance(item, tuple) else [item])
            return _punctuation_first(out) if style.notes and not in_note else out
        if not is_node(value):
            return value
        if value["t"] == "Cite":
            cite, inlines = next(results)
            return tuple(_rendered(cite, inlines, style, in_note, root, problems))
        if "c" not in value:
            return value
        return {**value, "c": visit(value["c"], in_note or value["t"] == "Note")}

    return visit(blocks, False)


def _rendered(cite: dict, inlines: list, style: Style, in_note: bool, root: Path,
              problems: list[Message]) -> list:
    path, line, col, form, text = cite["cite"]
    problems += [Message(path, line, col, m.severity, m.code, f"in citation {text!r}: {m.text}")
                 for m in check_policy([{"t": "Para", "c": inlines}], "", root=root)]
    inlines = sanitize.clean_blocks(inlines)
    if form == "note":  # the note's own text: the note citeproc made, unwrapped
        notes = [i for i in inlines if i["t"] == "Note"]
        if notes:
            return [i for block in notes[0]["c"] for i in (block["c"] if block["t"] in ("Para", "Plain") else [])]
        return inlines
    if in_note and style.notes and len(inlines) > 1 and inlines[0] == {"t": "Str", "c": "("} \
            and inlines[-1] == {"t": "Str", "c": ")"}:
        inlines = inlines[1:-1]
    inlines = [{**i, "note": [CITE_NOTE, line, col]} if i["t"] == "Note" else i for i in inlines]
    return [{"t": "Span", "c": [["", ["citation"], []], inlines]}]


def _punctuation_first(inlines: list) -> list:
    """A citation that is a note, followed by punctuation: the punctuation before the call and the
    space before it gone (`text [@a].` → `text.¹`), as pandoc's citeproc does."""
    out: list = []
    index = 0
    while index < len(inlines):
        node = inlines[index]
        following = inlines[index + 1] if index + 1 < len(inlines) else None
        match = PUNCTUATION.match(following["c"]) if _is_note_citation(node) and is_node(following) \
            and following["t"] == "Str" else None
        if match is None:
            out.append(node)
            index += 1
            continue
        if out and is_node(out[-1]) and out[-1]["t"] in ("Space", "SoftBreak"):
            out.pop()
        out += [{"t": "Str", "c": match.group(0)}, node]
        if following["c"][match.end():]:
            out.append({"t": "Str", "c": following["c"][match.end():]})
        index += 2
    return out


def _is_note_citation(node) -> bool:
    """A citation Span that is only a note call (not `Smith¹`, whose call follows a name)."""
    return is_node(node) and node["t"] == "Span" and node["c"][0][1] == ["citation"] \
        and len(node["c"][1]) == 1 and node["c"][1][0]["t"] == "Note"


def _entries(refs: dict) -> list:
    """The bibliography's entries from citeproc's `refs` Div: one Div `csl-entry` each, classes only."""
    found = refs["c"][1] if refs.get("t") == "Div" else []
    return [{"t": "Div", "c": [[e["c"][0][0], ["csl-entry"], []], sanitize.clean_blocks(e["c"][1])]}
            for e in found if e.get("t") == "Div"]


def _with_bibliography(book: Book, parsed: list[ParsedChapter], entries: list, style: Style) -> list[ParsedChapter]:
    """The entries in the book's `role: bibliography` chapter (at its `::: {#refs}` Div, else at its
    end), or in a bibliography page of their own, in back matter before an index and the rest."""
    div = _refs_div(entries)
    for index, item in enumerate(parsed):
        if item.chapter.role == "bibliography":
            blocks, placed = _into_refs(item.blocks, div)
            parsed[index] = replace(item, blocks=blocks if placed else item.blocks + [div])
            return parsed
    ids = {p.chapter.id for p in parsed}
    # Chicago notes calls it a bibliography; author-date styles and APA, references.
    title, names = ("Bibliography", ("bibliography", "references")) if style.notes else \
        ("References", ("references", "bibliography"))
    chapter_id = next((i for i in names if i not in ids), f"{names[0]}-{len(parsed) + 1}")
    chapter = Chapter(id=chapter_id, title=title, path=book.root / f"{chapter_id}.md",
                      shown=_shown(book, book.root / "book.yaml"),
                      body="", body_line=1, role="bibliography")
    later = BACK_ROLES[BACK_ROLES.index("bibliography") + 1:]
    at = next((i for i, p in enumerate(parsed) if p.chapter.role in later), len(parsed))
    return parsed[:at] + [ParsedChapter(chapter, [div])] + parsed[at:]


def _into_refs(blocks: list, div: dict) -> tuple[list, bool]:
    out, placed = [], False
    for block in blocks:
        if block["t"] == "Div" and block["c"][0][0] == "refs" and not placed:
            out.append(div)
            placed = True
        else:
            out.append(block)
    return out, placed


# --- small helpers -------------------------------------------------------------------------------

def _shown(book: Book, path: Path) -> str:
    try:
        return str(path.relative_to(book.root.parent))
    except ValueError:
        return str(path)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _at_entry(message: Message, keys: dict[str, Pos]) -> Message:
    """A citeproc complaint naming a reference (`… no printed form: key`), placed at that entry."""
    named = ENTRY_NAMED.search(message.text)
    pos = keys.get(named.group(1)) if named else None
    if pos is None:
        return message
    return Message(pos.path, pos.line, pos.col, message.severity, message.code,
                   f"reference '{named.group(1)}': {message.text.removeprefix('pandoc failed: ')}")


def _as_code(message: Message, code: str) -> Message:
    return Message(message.path, message.line, message.col, message.severity, code, message.text)
