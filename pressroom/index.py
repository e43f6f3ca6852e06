"""The book's index: entries marked in the text, collected, sorted by the book's language (ICU),
and set in the back-matter chapter whose role is `index`.

    [Kim Il Sung]{.index}                         the words are the entry
    [the Leader]{index="Kim Il Sung"}             the entry is named; the words are printed
    []{index="Kim Il Sung!purges of 1956"}        a subentry (`!` between levels), nothing printed
    []{index="Great Leader" index-see="Kim Il Sung"}      Great Leader. See Kim Il Sung
    []{index="Kim Il Sung" index-see-also="Kim Jong Il"}  … See also Kim Jong Il
    []{index-start="purges"} … []{index-end="purges"}     a range, across paragraphs: 42–45

Each place an entry points to gets an anchor (`ix-N`, or the span's own id); the entry's page
numbers are a locators marker (pagerefs.py) each edition fills: numbers as printed in the PDF,
linked to the place in every edition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .messages import Message, error
from .pagerefs import locators_marker
from .pandoc_ast import Kinds, attr_of, line_col, pruned, stringify, transform

KEYS = ("index", "index-see", "index-see-also", "index-start", "index-end")
CLASS = "index"
LEVELS = "!"
SEE, SEE_ALSO = "See", "See also"


# ------------------------------------------------------------------ marks in the parsed text (parse.py)


def mark_index(blocks: list, lines, place: list | None = None) -> tuple[list, list[Message]]:
    """Every index mark (a Span of class `index` or with an index-… attribute) given `"ix"`: its
    place in the source file; index attributes anywhere but on a Span are errors."""
    problems: list[Message] = []

    def where(node: dict, source: bool = True) -> list:
        """[line, col, path]: in the source file, or (for parse.py's messages) in the text read."""
        if place is not None:
            return place
        attr = attr_of(node)
        line, col = line_col(dict(attr[2]).get("data-pos", "")) if attr else (0, 0)
        return [(lines.line(line) if source else line) + lines.offset if line else 0, col, lines.shown]

    def mark(node: dict):
        attr = attr_of(node)
        if not attr or not (CLASS in attr[1] or any(k in KEYS for k, _ in attr[2])):
            return None
        if node["t"] != "Span":
            at = where(node, source=False)
            problems.append(error("X011", at[2], at[0], at[1], "index marks go on a bracketed span "
                                  "(`[words]{.index}` or `[]{index=\"entry\"}`), not on a "
                                  f"{node['t'].lower()}"))
            return None
        return {**node, "ix": where(node)}

    return transform(blocks, mark), problems


# ------------------------------------------------------------------ the index (resolve.py)


@dataclass
class Entry:
    """One heading of the index: its places (start anchor, end anchor or None), cross-references, subentries."""

    term: str
    places: list[tuple[str, str | None]] = field(default_factory=list)
    see: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    children: dict[str, "Entry"] = field(default_factory=dict)


@dataclass
class Marks:
    """What the index passes collect in reading order; anchors numbered through the book."""

    root: dict[str, Entry] = field(default_factory=dict)
    open: dict[tuple[str, ...], list[tuple[str, list]]] = field(default_factory=dict)
    references: list[tuple[tuple[str, ...], list]] = field(default_factory=list)  # see targets, their places
    count: int = 0
    first: list | None = None
    problems: list[Message] = field(default_factory=list)


def take_marks(blocks: list, marks: Marks, kinds: Kinds | None = None) -> list:
    """The blocks with each index mark made an anchor (its words kept), its entry added to `marks`."""

    def take(node: dict):
        at = node.get("ix")
        if at is None:
            return None
        element_id, classes, keys = node["c"][0]
        values = dict(keys)
        marks.first = marks.first or at
        term = next((values[k] for k in ("index", "index-start", "index-end") if k in values),
                    stringify(node["c"][1]))
        path = tuple(level.strip() for level in term.split(LEVELS))
        if not all(path):
            marks.problems.append(error("X012", at[2], at[0], at[1], f"index entry {term!r} has an empty level "
                                        "(levels are parted by `!`: `Kim Il Sung!purges`)"))
            return node["c"][1]
        entry = _entry(marks.root, path)
        kept = node["c"][1]
        other = [[k, v] for k, v in keys if k not in KEYS]
        cross = "index-see" in values or "index-see-also" in values
        for key, target in (("index-see", entry.see), ("index-see-also", entry.see_also)):
            if key in values:
                target.append(values[key])
                marks.references.append((tuple(v.strip() for v in values[key].split(LEVELS)), at))
        if cross and not {"index-start", "index-end"} & values.keys():
            return _span(element_id, classes, other, kept)
        marks.count += 1
        anchor = element_id or f"ix-{marks.count}"
        if "index-start" in values:
            marks.open.setdefault(path, []).append((anchor, at))
        elif "index-end" in values:
            started = marks.open.get(path)
            if not started:
                marks.problems.append(error("X013", at[2], at[0], at[1], f"index range {term!r} ends here "
                                            "but was never started (`[]{index-start=\"…\"}` before it)"))
            else:
                entry.places.append((started.pop(0)[0], anchor))
        else:
            entry.places.append((anchor, None))
        return _span(anchor, classes, other, kept)

    return transform(blocks, take, pruned(kinds, "Span"))  # a mark is a Span carrying "ix"


def _span(element_id: str, classes: list, keys: list, content: list) -> list | dict:
    """The mark's words, in a Span only if it carries an id or other attributes (`lang=ko`)."""
    classes = [c for c in classes if c != CLASS]
    if not element_id and not classes and not keys:
        return content
    return {"t": "Span", "c": [[element_id, classes, keys], content]}


def _entry(root: dict[str, Entry], path: tuple[str, ...]) -> Entry:
    entries, entry = root, None
    for level in path:
        entry = entries.setdefault(level, Entry(level))
        entries = entry.children
    return entry


def finish(marks: Marks, has_index: bool) -> list[Message]:
    """What is wrong with the marks once all are read: ranges never closed, cross-references to
    no entry, marks in a book with no index chapter."""
    problems = list(marks.problems)
    for path, opened in marks.open.items():
        for _anchor, at in opened:
            problems.append(error("X013", at[2], at[0], at[1], f"index range {LEVELS.join(path)!r} starts "
                                  "here but never ends (`[]{index-end=\"…\"}` after it)"))
    for path, at in marks.references:
        if _find(marks.root, path) is None:
            problems.append(error("X014", at[2], at[0], at[1], f"index cross-reference to {LEVELS.join(path)!r}: "
                                  "no such entry is marked anywhere"))
    if marks.first is not None and not has_index:
        at = marks.first
        problems.append(error("X010", at[2], at[0], at[1], "index entries are marked but the book has no index: "
                              "add a back-matter chapter with `role: index`"))
    return problems


def _find(root: dict[str, Entry], path: tuple[str, ...]) -> Entry | None:
    entries, entry = root, None
    for level in path:
        entry = entries.get(level)
        if entry is None:
            return None
        entries = entry.children
    return entry


def index_blocks(marks: Marks, sort_key, group_labels) -> list:
    """The index as blocks: letter groups, entries sorted by `sort_key` (ICU), subentries under them."""
    terms = sorted(marks.root, key=lambda t: (sort_key(t), t))
    labels = group_labels(terms)
    groups: list[tuple[str, list[str]]] = []
    for term in terms:
        if not groups or groups[-1][0] != labels[term]:
            groups.append((labels[term], []))
        groups[-1][1].append(term)
    out = []
    for number, (label, members) in enumerate(groups, start=1):
        heading = [{"t": "Header", "c": [2, [f"index-group-{number}", ["index-letter"], []],
                                        [{"t": "Str", "c": label}]]}] if label else []
        entries = [_entry_block(marks.root[t], sort_key) for t in members]
        out.append({"t": "Div", "c": [["", ["index-group"], []], heading + entries]})
    return [{"t": "Div", "c": [["", ["index-entries"], []], out]}]


def _entry_block(entry: Entry, sort_key) -> dict:
    inlines: list = [{"t": "Str", "c": entry.term}]
    if entry.places:
        inlines += [{"t": "Str", "c": ","}, {"t": "Space"}, locators_marker(entry.places)]
    for word, targets in ((SEE, entry.see), (SEE_ALSO, entry.see_also)):
        if targets:
            shown = "; ".join(dict.fromkeys(t.replace(LEVELS, ", ") for t in targets))
            inlines += [{"t": "Str", "c": "."}, {"t": "Space"}, {"t": "Emph", "c": [{"t": "Str", "c": word}]},
                        {"t": "Space"}, {"t": "Str", "c": shown}]
    children = [_entry_block(entry.children[t], sort_key)
                for t in sorted(entry.children, key=lambda t: (sort_key(t), t))]
    return {"t": "Div", "c": [["", ["index-entry"], []], [{"t": "Para", "c": inlines}, *children]]}


def count_entries(marks: Marks) -> int:
    """Headings and subheadings of the index."""
    total = 0

    def visit(entries: dict[str, Entry]) -> None:
        nonlocal total
        for entry in entries.values():
            total += 1
            visit(entry.children)

    visit(marks.root)
    return total

