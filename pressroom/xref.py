"""Cross-references: `@fig:map` prints "Figure 3.2", `[p. @sec:origins]` prints "p. 42".

    @fig:map  [@fig:map]      Figure 3.2   (tbl: Table 3.1, ch: Chapter 4, sec: section 2.1, note: note 12,
                                            eq: equation (3.1))
    @Sec:x                    Section 2.1  (a capital prefix capitalises the word)
    [-@fig:map]               3.2          (the number alone)
    [see @fig:map]            see Figure 3.2
    [p. @sec:x] [page @sec:x] p. 42        (the page its target is printed on in the reader's PDF)
    [](#fig:map)              Figure 3.2   (an empty link to a numbered element)

commonmark_x has no citations, so a reference reaches the AST as text: `mark_references` finds
it there while the source positions are still on (parse.py), as a Span carrying `"xref"`;
`resolve_references` settles it with the whole book (resolve.py). Only keys with one of the
PREFIXES are ours; `[@key]` without one is left to citations. A page reference becomes a
marker (pagerefs.py) that each edition fills once the PDF's pages are known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .messages import Message, error, warning
from .pandoc_ast import Kinds, line_col, pruned, transform, walk

PREFIXES = {"fig": "figure", "tbl": "table", "sec": "section", "ch": "chapter", "eq": "equation", "note": "note"}
WORDS = {"figure": "Figure", "table": "Table", "section": "section", "chapter": "Chapter", "equation": "equation",
         "note": "note"}
PAGE_WORDS = ("p.", "page")
KEY = r"@(?P<prefix>(?i:fig|tbl|sec|ch|eq|note)):(?P<name>[\w-]+(?:[.:][\w-]+)*)"
# A reference in brackets (with an optional prefix text, `-` for the number alone) or bare. The
# NUL stands for anything that is not plain text (emphasis, code, a link): no reference crosses it.
BRACKETED = re.compile(r"\[(?P<before>[^\[\]@\0]*?)(?P<bare>-)?" + KEY + r"\]")
BARE = re.compile(r"(?<![\w@\\\[\-])" + KEY)
SEVERAL = re.compile(r"\[[^\[\]\0]*" + KEY + r"\s*[;,][^\[\]\0]*@[^\[\]\0]*\]")
INLINE_HOLDERS = {"Para", "Plain", "Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
                  "SmallCaps", "Span"}
TEXT_NODES = {"Str", "Space", "SoftBreak"}
CLASS = "xref"


# ------------------------------------------------------------------ finding references (parse.py)


def mark_references(blocks: list, lines, place: list | None = None) -> tuple[list, list[Message]]:
    """Every `@prefix:id` reference as a Span carrying `"xref"` and `"at"` (its place in the
    source file, through `lines`, or `place` for a notes.yaml note); and the problems found."""
    problems: list[Message] = []

    def mark(node: dict):
        if node["t"] == "Link" and not node["c"][1] and node["c"][2][0].startswith("#"):
            return _empty_link(node, lines, place)
        if node["t"] not in INLINE_HOLDERS or (node["t"] == "Span" and _is_wrapper(node)):
            return None
        index = 2 if node["t"] == "Header" else 1 if node["t"] == "Span" else None
        inlines = node["c"] if index is None else node["c"][index]
        found = _marked(inlines, lines, place, problems)
        if found is inlines:
            return None
        if index is None:
            return {**node, "c": found}
        content = list(node["c"])
        content[index] = found
        return {**node, "c": content}

    return transform(blocks, mark), problems


def _empty_link(node: dict, lines, place: list | None) -> dict:
    """`[](#fig:map)`: a reference to whatever is numbered there (it must be numbered)."""
    element_id = node["c"][2][0][1:]
    if place is not None:
        where = place
    else:
        line, col = line_col(dict(node["c"][0][2]).get("data-pos", ""))
        where = [lines.line(line) + lines.offset if line else 0, col, lines.shown]
    xref = {"key": f"(#{element_id})", "kind": None, "id": element_id, "page": "", "bare": False,
            "capital": False, "at": where}
    return {"t": "Span", "c": [["", [CLASS], []], []], "xref": xref}


def _is_wrapper(node: dict) -> bool:
    return dict(node["c"][0][2]).get("wrapper") == "1"


def _tokens(inlines: list) -> list[tuple[str, str]]:
    """(text, data-pos) of each inline: its text if it is plain text (wrapped or not), else NUL."""
    out = []
    for node in inlines:
        pos = ""
        inner = node
        if node["t"] == "Span" and _is_wrapper(node) and len(node["c"][1]) == 1:
            pos = dict(node["c"][0][2]).get("data-pos", "")
            inner = node["c"][1][0]
        if inner["t"] == "Str":
            out.append((inner["c"], pos))
        elif inner["t"] in ("Space", "SoftBreak"):
            out.append((" ", pos))
        else:
            out.append(("\0", pos))
    return out


def _marked(inlines: list, lines, place: list | None, problems: list[Message]) -> list:
    """The inlines with each reference replaced by its Span (the same list when there is none)."""
    tokens = _tokens(inlines)
    text = "".join(t for t, _ in tokens)
    if "@" not in text:
        return inlines
    starts, offset = [], 0
    for token, _ in tokens:
        starts.append(offset)
        offset += len(token)
    matches = []
    for match in SEVERAL.finditer(text):
        problems.append(error("X003", *_where(tokens, starts, match.start(), lines, place),
                              f"{match.group(0)!r}: one reference per bracket (write [@fig:a] and [@fig:b])"))
    taken = [m.span() for m in SEVERAL.finditer(text)]
    for pattern in (BRACKETED, BARE):
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            if _escaped(tokens, starts, match.start("prefix") - 1):
                continue
            taken.append(match.span())
            matches.append(match)
    if not matches:
        return inlines
    out, position = [], 0
    for match in sorted(matches, key=lambda m: m.start()):
        first = _token_at(starts, match.start())
        last = _token_at(starts, match.end() - 1)
        out.extend(inlines[position:first])
        head = text[starts[first]:match.start()]
        if head:
            out.append({"t": "Str", "c": head})
        out.extend(_reference(match, _where(tokens, starts, match.start(), lines, place, source=True)))
        tail = text[match.end():starts[last] + len(tokens[last][0])]
        if tail:
            out.append({"t": "Str", "c": tail})
        position = last + 1
    out.extend(inlines[position:])
    return out


def _token_at(starts: list[int], offset: int) -> int:
    index = 0
    while index + 1 < len(starts) and starts[index + 1] <= offset:
        index += 1
    return index


def _escaped(tokens: list, starts: list[int], at: int) -> bool:
    """`\\@fig:x` is text: pandoc keeps the `@` and drops the backslash, whose column the
    source position still counts."""
    token = _token_at(starts, at)
    text, pos = tokens[token]
    if text != "@" or not pos:
        return False
    try:
        start, end = pos.split(";")[0].split("-")
        return int(end.split(":")[1]) - int(start.split(":")[1]) > 1
    except (ValueError, IndexError):
        return False


def _where(tokens: list, starts: list[int], offset: int, lines, place: list | None,
           source: bool = False) -> tuple[str, int, int]:
    """(path, line, col) of the text at `offset`: in the text pandoc read, as parse.py's messages
    give it (SourceLines.placed moves them), or with `source` in the chapter's source file."""
    if place is not None:
        return place[2], place[0], place[1]
    token = _token_at(starts, offset)
    line, col = line_col(tokens[token][1])
    if not line:
        return lines.shown, 0, 0
    return lines.shown, (lines.line(line) if source else line) + lines.offset, col + offset - starts[token]


def _reference(match: re.Match, where: tuple[str, int, int]) -> list:
    """The Span standing for one reference, after any prefix text written before it."""
    groups = match.groupdict()
    before = (groups.get("before") or "").strip()
    page = before if before in PAGE_WORDS else ""
    prefix = groups["prefix"]
    kind = PREFIXES[prefix.lower()]
    name = groups["name"]
    key = f"{prefix.lower()}:{name}"
    target = f"chapter-{name}" if kind == "chapter" else name if kind == "note" else key
    xref = {"key": key, "kind": kind, "id": target, "page": page, "bare": bool(groups.get("bare")),
            "capital": prefix[0].isupper(), "at": [where[1], where[2], where[0]]}
    out = []
    if before and not page:
        out += [{"t": "Str", "c": before}, {"t": "Space"}]
    out.append({"t": "Span", "c": [["", [CLASS], []], []], "xref": xref})
    return out


# ------------------------------------------------------------------ settling them (resolve.py)


@dataclass(frozen=True)
class Target:
    """What a reference can point to: its anchor in every edition, its kind, word and number."""

    anchor: str  # the element id a link goes to
    kind: str
    word: str  # "Figure", "section", "Appendix"; "" for a chapter known by its title alone
    number: str  # "3.2", "4", "A"; a chapter without a number: its title
    page_anchor: str  # the element whose page a page reference prints


def targets(chapters: list, kinds: Kinds | None = None) -> dict[str, Target]:
    """Every id a reference may name, from the resolved chapters (resolve.ResolvedChapter)."""
    found: dict[str, Target] = {}
    for chapter in chapters:
        word = chapter.label.split()[0] if chapter.label else ""
        found[chapter.anchor] = Target(chapter.anchor, "chapter", word, chapter.ordinal or chapter.title,
                                       chapter.anchor)
        for caption in chapter.captions:
            found.setdefault(caption.id, Target(caption.id, caption.kind, WORDS[caption.kind], caption.number,
                                                caption.id))
        for element_id, number in section_numbers(chapter.blocks, chapter.ordinal, kinds).items():
            found.setdefault(element_id, Target(element_id, "section", WORDS["section"], number, element_id))
    return found


def section_numbers(blocks: list, ordinal: str | None, kinds: Kinds | None = None) -> dict[str, str]:
    """Each heading's id → its number: "3.2.1" in chapter 3 (headings are h2 and below by now)."""
    counters: list[int] = []
    numbers: dict[str, str] = {}

    def visit(node: dict, _pos: str) -> None:
        if node["t"] != "Header":
            return
        depth = max(node["c"][0] - 1, 1)
        del counters[depth:]
        counters.extend([0] * (depth - len(counters)))
        counters[depth - 1] += 1
        if node["c"][1][0]:
            numbers[node["c"][1][0]] = ".".join([*([ordinal] if ordinal else []), *map(str, counters)])

    walk(blocks, visit, prune=pruned(kinds, "Header"))
    return numbers


def settle_book(chapters: list, language: str, kinds: Kinds | None = None) -> tuple[list, list[Message]]:
    """The resolved chapters (resolve.ResolvedChapter) with their index marks made anchors, the
    index set in the `index` chapter, and every reference written out; the problems found."""
    from . import index
    from .tools import icu

    marks = index.Marks()
    taken = []
    for chapter in chapters:
        blocks = index.take_marks(chapter.blocks, marks, kinds)
        notes = tuple(replace(n, blocks=index.take_marks(n.blocks, marks, kinds)) for n in chapter.notes)
        taken.append(replace(chapter, blocks=blocks, notes=notes))
    has_index = any(c.role == "index" for c in taken)
    problems = index.finish(marks, has_index)
    if marks.root and has_index:
        entries = index.index_blocks(marks, icu.sort_key(language),
                                     lambda terms: icu.group_labels(language, terms))
        taken = [replace(c, blocks=c.blocks + entries) if c.role == "index" else c for c in taken]
    taken, listed = _lists(taken)
    settled, more = resolve_references(taken, kinds)
    problems += listed
    return settled, problems + more


def _lists(chapters: list) -> tuple[list, list[Message]]:
    """A chapter with `role: figures` or `role: tables` gets the list of them; an empty list is
    said, not printed as a bare heading."""
    from .captions import LIST_ROLES, list_blocks

    captions = [c for chapter in chapters for c in chapter.captions]
    out, problems = [], []
    for chapter in chapters:
        kind = LIST_ROLES.get(chapter.role)
        if kind is None:
            out.append(chapter)
            continue
        listed = list_blocks(captions, kind)
        if not listed:
            problems.append(warning("X020", chapter.shown, 1, 1, f"the list of {kind}s is empty: the book has no "
                                    f"captioned {kind}"))
        out.append(replace(chapter, blocks=chapter.blocks + listed))
    return out, problems


def resolve_references(chapters: list, kinds: Kinds | None = None) -> tuple[list, list[Message]]:
    """The chapters with their references written out (links with their labels, page markers),
    in the text and the notes; every reference to nothing is an error at its place."""
    from .pagerefs import page_marker

    known = targets(chapters, kinds)
    spans = pruned(kinds, "Span")  # a reference is a Span carrying "xref"
    notes = {}
    for chapter in chapters:
        for note in chapter.notes:
            notes.setdefault((chapter.id, note.note_id), note)
            notes.setdefault((None, note.note_id), note)
    problems: list[Message] = []
    out = []
    for chapter in chapters:
        def settle(node: dict, chapter=chapter):
            xref = node.get("xref")
            if xref is None:
                return None
            target, problem = _target(xref, chapter, known, notes)
            if problem:
                path = xref["at"][2] if len(xref["at"]) > 2 else chapter.shown
                problems.append(error("X001", path, xref["at"][0], xref["at"][1], problem))
                return []
            if xref["page"]:
                return [{"t": "Str", "c": xref["page"] + "\u00a0"}, page_marker(target.page_anchor)]
            label = _label_str(target, xref["capital"], xref["bare"])
            return {"t": "Link", "c": [["", [CLASS], []], [label], ["#" + target.anchor, ""]]}

        out.append(replace(chapter, blocks=transform(chapter.blocks, settle, spans),
                           notes=tuple(replace(n, blocks=transform(n.blocks, settle, spans)) for n in chapter.notes)))
    return out, problems


def _target(xref: dict, chapter, known: dict[str, Target], notes: dict) -> tuple[Target | None, str | None]:
    kind, element_id, key = xref["kind"], xref["id"], xref["key"]
    if kind is None:  # an empty link: whatever is numbered there
        target = known.get(element_id)
        if target is None:
            return None, f"empty link {key}: no chapter, section, figure, table or numbered equation has that id"
        return target, None
    if kind == "note":
        note = notes.get((chapter.id, element_id)) or notes.get((None, element_id))
        if note is None:
            return None, f"@{key}: no note has the id '{element_id}'"
        return Target(f"note-{note.number}", "note", WORDS["note"], str(note.label), f"call-{note.number}"), None
    target = known.get(element_id)
    if target is None and kind == "section":
        target = known.get(element_id.split(":", 1)[1])  # `@sec:origins` for `## Origins`, id `origins`
    if target is None:
        if kind == "equation":
            return None, f"@{key}: no display formula has the id '{element_id}' (write $$…$$ {{#{element_id}}})"
        return None, f"@{key}: no {kind} has the id '{element_id.removeprefix('chapter-')}'"
    if target.kind != kind and not xref["page"]:
        return None, f"@{key}: '{element_id}' is a {target.kind}, not a {kind}"
    return target, None


def _label_str(target: Target, capital: bool, bare: bool) -> dict:
    """"Figure\u00a03.2" (a no-break space keeps the word with its number); a chapter without
    a number by its title."""
    number = f"({target.number})" if target.kind == "equation" else target.number
    if bare or not target.word:
        return {"t": "Str", "c": number}
    word = target.word[0].upper() + target.word[1:] if capital else target.word
    return {"t": "Str", "c": f"{word}\u00a0{number}"}
