"""Links inside the book, settled before any edition is written.

- A link to another chapter's file (`02-history.md#peng`, `../ch02/index.md#irq`, as books kept
  one file a chapter write them) becomes a link to that place in the book (`#peng`, or the
  chapter's own anchor when no place is named); a file that is no chapter is an error.
- An element id used by an earlier chapter gets a suffix in a later one (`#method-2`), so every
  id names one place in the PDF; the chapter's own links follow it.
- A link to a chapter's `id:` (`#history`) goes to the chapter's opening, as its file's does.
- A link to a note's id (`[note 94](#note-94)`, a notes.yaml key or a chapter's `[^label]`)
  goes to that note as every edition prints it (its first call's number); an element id wins.
- A link to an anchor that exists nowhere in the book is an error at the link's place.

Each Link node comes from parse.py marked `"at": [line, col]` in its chapter's source file (or
`[line, col, path]`: a notes.yaml note's place).
"""

from __future__ import annotations

import posixpath
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from .messages import Message, error
from .model import Chapter
from .notes import INLINE_NOTE_ID
from .pandoc_ast import ATTR_FIRST, Kinds, attr_of, line_col, pruned, transform, walk, with_attr

CHAPTER_FILES = ("index.md", "README.md", "readme.md")


def mark_links(blocks: list, lines, place: list | None = None) -> list:
    """Every Link node marked `"at": [line, col]` in the source file, from its source position
    through `lines` (notes.SourceLines); or, with `place`, marked `place` (a notes.yaml note's)."""

    def mark(node: dict):
        if node["t"] == "Link":
            if place is not None:
                return {**node, "at": place}
            line, col = line_col(dict(node["c"][0][2]).get("data-pos", ""))
            return {**node, "at": [lines.line(line) + lines.offset if line else 0, col]}
        return None

    return transform(blocks, mark)


def is_file_link(target: str) -> bool:
    """A relative link to a file (not a web link, not an #anchor): a chapter file, perhaps."""
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and bool(parts.path)


def resolve_links(chapters: list[Chapter], blocks: list[list],
                  kinds: Kinds | None = None) -> tuple[list[list], list[Message]]:
    """Each chapter's blocks with its ids made unique in the book and its links settled; and
    the problems found (links to no chapter, to no anchor); `kinds` lets passes skip blocks."""
    renamed, owners = _unique_ids(chapters, blocks, kinds)
    anchors = set(owners) | {f"chapter-{c.id}" for c in chapters}
    notes = _note_anchors(blocks, kinds)
    with_attrs = pruned(kinds, *ATTR_FIRST)  # ids, links and references (Spans) are all in nodes with an Attr
    files = {c.path.resolve(): c for c in chapters}
    problems: list[Message] = []
    settled = []
    for chapter, chapter_blocks, chapter_notes in zip(chapters, blocks, notes):
        own = renamed[chapter.id] | {n: a for n, a in (notes[-1] | chapter_notes).items() if n not in owners}
        # a chapter's `id:` names the chapter: `#history` goes to its opening (an element id wins)
        own = {c.id: f"chapter-{c.id}" for c in chapters if c.id not in owners} | own
        known = anchors | set(own.values())

        def settle(node: dict, chapter=chapter, own=own, known=known):
            given = node
            attr = attr_of(node)
            if attr and attr[0] in own:
                node = _with_id(node, own[attr[0]])
            if "xref" in node and node["xref"]["id"] in own:  # a reference (xref.py) follows its id too
                node = {**node, "xref": {**node["xref"], "id": own[node["xref"]["id"]]}}
            if node["t"] != "Link":
                # None for a node left as it was: transform then keeps the original, which later
                # passes can skip (pandoc_ast.Kinds knows nodes by identity).
                return None if node is given else node
            line, col, *path = node.pop("at", [0, 0])
            target = node["c"][2][0]
            fixed, problem = _settle(target, chapter, own, renamed, files, known)
            if problem:
                problems.append(error("P008", path[0] if path else chapter.shown, line, col, problem))
            elif fixed != target:
                node["c"] = [node["c"][0], node["c"][1], [fixed, node["c"][2][1]]]
            return node

        settled.append(transform(chapter_blocks, settle, with_attrs))
    return settled, problems


def _settle(target: str, chapter: Chapter, own: dict, renamed: dict, files: dict,
            anchors: set) -> tuple[str, str | None]:
    """The link's target inside the book, or why it cannot be one."""
    if target.startswith("#"):
        anchor = unquote(target[1:])
        anchor = own.get(anchor, anchor)
        if anchor not in anchors:
            return target, f"link to '#{anchor}': no heading, figure, table or other element has that id"
        return f"#{anchor}", None
    if not is_file_link(target):
        return target, None
    parts = urlsplit(target)
    other = _chapter_file(chapter, unquote(parts.path), files)
    if other is None:
        return target, (f"link to {target!r}: {parts.path!r} is not a chapter of this book "
                        "(links may go to the web, to #anchors, or to another chapter's file)")
    if not parts.fragment:
        return f"#chapter-{other.id}", None
    anchor = renamed[other.id].get(unquote(parts.fragment), unquote(parts.fragment))
    if anchor not in anchors:
        return target, f"link to {target!r}: {other.shown} has no element with the id '{parts.fragment}'"
    return f"#{anchor}", None


def _note_anchors(blocks: list[list], kinds: Kinds | None) -> list[dict[str, str]]:
    """Per chapter, each note id it calls → `note-N`, the id every edition gives the note (N
    counts calls through the book, as resolve.py numbers them); last, the book's first calls."""
    per_chapter: list[dict[str, str]] = []
    calls = pruned(kinds, "Note")
    book: dict[str, str] = {}
    count = 0
    for chapter_blocks in blocks:
        found: dict[str, str] = {}

        def collect(node: dict, _pos: str) -> None:
            nonlocal count
            if node["t"] == "Note":
                count += 1
                note_id = (node.get("note") or [""])[0]
                if note_id and note_id != INLINE_NOTE_ID:  # an inline note has no id of its own
                    found.setdefault(note_id, f"note-{count}")
                    book.setdefault(note_id, f"note-{count}")

        walk(chapter_blocks, collect, prune=calls)
        per_chapter.append(found)
    return per_chapter + [book]


def _chapter_file(chapter: Chapter, path: str, files: dict) -> Chapter | None:
    """The chapter a relative path from `chapter`'s file names (a folder names its index.md)."""
    if path.startswith("/") or "\\" in path:
        return None
    base = chapter.path.resolve().parent
    joined = Path(posixpath.normpath((PurePosixPath(base.as_posix()) / path).as_posix()))
    candidates = [joined] + [joined / name for name in CHAPTER_FILES]
    return next((files[c] for c in candidates if c in files), None)


def _with_id(node: dict, element_id: str) -> dict:
    """The node with another id (its Attr rebuilt, never changed in place)."""
    attr = attr_of(node)
    return with_attr(node, [element_id, attr[1], attr[2]])


def _unique_ids(chapters: list[Chapter], blocks: list[list],
                kinds: Kinds | None) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Per chapter, its ids that an earlier chapter used and their new names; and every id's chapter."""
    owners: dict[str, str] = {}
    renamed: dict[str, dict[str, str]] = {}
    with_attrs = pruned(kinds, *ATTR_FIRST)
    for chapter, chapter_blocks in zip(chapters, blocks):
        found: list[str] = []

        def collect(node: dict, _pos: str) -> None:
            attr = attr_of(node)
            if attr and attr[0]:
                found.append(attr[0])

        walk(chapter_blocks, collect, prune=with_attrs)
        own: dict[str, str] = {}
        for element_id in dict.fromkeys(found):
            name, count = element_id, 1
            while name in owners:
                count += 1
                name = f"{element_id}-{count}"
            if name != element_id:
                own[element_id] = name
            owners[name] = chapter.id
        renamed[chapter.id] = own
    return renamed, owners
