"""Where each page of the reader's PDF begins in the text, so the EPUB can mark the same page breaks.

The PDF and the EPUB are written from the same HTML fragments, so a place in the text can be
named in terms both share: a chapter, the n-th text block of it (p, li, td, h2, ...), and how
many letters and digits of that block come before it. Letters and digits only: hyphens added
at line ends, spaces and punctuation differ between a laid-out line and the source, letters
never do. Note calls and note bodies (the PDF's page-foot notes) are not counted.

    editions/pdf lays the book out    →  page_starts(document): kept in the build context
    editions/epub                     →  the reader's PDF's starts: from the context, else
                                          from its chapters as the layout cache holds them
    mark_pages(tree, starts)          →  <span epub:type="pagebreak" role="doc-pagebreak"
                                                id="page-14" aria-label="14"/> at each place

The laid-out pages are read through tools/weasyprint.py (root_element, main_flow_text), the one
place that knows WeasyPrint's box tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from .tools import weasyprint

# A figure is a block of its own: a page may begin with its image, before any text of it.
BLOCKS = frozenset({"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre",
                    "blockquote", "figure", "figcaption", "caption"})
# A table's head and foot rows are printed again on each page the table runs onto: not a page's start.
REPEATED = frozenset({"thead", "tfoot"})
# Not counted: notes and their calls (a chapter's endnotes in the PDF too), page markers, and a chapter's opening (number, title,
# subtitle, ornament: each edition sets it its own way; the title is the TITLE place).
SKIPPED = frozenset({"footnote", "endnotes", "call", "call-sep", "note-back", "noteref", "pagebreak",
                     "chapter-opening"})
TITLE = -1  # the block index of the chapter's own title (h1)


@dataclass(frozen=True)
class PageStart:
    """A page of the PDF: its printed number and where its text begins (chapter None: a blank page)."""

    label: str
    chapter: str | None  # the chapter section's id, "chapter-<id>"
    block: int = 0  # TITLE, or the index of the text block within the chapter
    chars: int = 0  # letters and digits of that block before the page begins


# ------------------------------------------------------------------ reading the laid-out PDF


def page_starts(document) -> list[PageStart]:
    """Each body page (folio 1 onwards) and where its text begins; blank pages have no chapter."""
    root = weasyprint.root_element(document)
    if root is None:
        return []
    parents = {child: parent for parent in root.iter() for child in parent}
    places: dict[int, tuple[str, int] | None] = {}
    blocks = _chapter_blocks(root, parents)
    seen: dict[tuple[str, int], int] = {}
    first_page: dict[tuple[str, int], int] = {}  # the page a block's text first shows on
    repeated = _repeated_blocks(root, blocks)
    starts: list[PageStart] = []
    first_body = None
    for number, runs in enumerate(weasyprint.main_flow_text(document)):
        start = None
        for run in runs:
            place = places.get(id(run.element), ...) if run.element is not None else None
            if place is ...:
                place = places[id(run.element)] = _place(run.element, parents, blocks)
            if place is None or "::" in run.tag:
                continue
            if place in repeated and first_page.setdefault(place, number) != number:
                continue  # a table's head row again at the top of its next page
            if run.tag == "img":  # an image before any text: the page starts at its block (a figure's top)
                start = start or (place, seen.get(place, 0))
                continue
            count = sum(ch.isalnum() for ch in run.text)
            if count == 0:
                continue
            if start is None:
                start = (place, seen.get(place, 0))
            seen[place] = seen.get(place, 0) + count
        if first_body is None:
            if start is None or start[0][1] != TITLE:
                continue
            first_body = number
        label = str(number - first_body + 1)
        if start is None:
            starts.append(PageStart(label, None))
        else:
            (chapter, block), chars = start
            starts.append(PageStart(label, chapter, block, chars))
    return starts


def _chapter_blocks(root, parents) -> dict[int, tuple[str, int]]:
    """id(element) → (chapter section id, block index) for every counted block of every chapter."""
    found = {}
    for section in root.iter("section"):
        anchor = section.get("id") or ""
        if not anchor.startswith("chapter-"):
            continue
        index = 0
        for element in section.iter():
            if element.tag == "h1" and "chapter-title" in (element.get("class") or "").split():
                found[id(element)] = (anchor, TITLE)
                continue
            if element.tag not in BLOCKS or _skipped(element, parents, section):
                continue
            found[id(element)] = (anchor, index)
            index += 1
    return found


def _repeated_blocks(root, blocks) -> set[tuple[str, int]]:
    """The blocks (header and footer cells) of table rows that WeasyPrint repeats on every page."""
    return {blocks[id(cell)] for group in root.iter() if group.tag in REPEATED
            for cell in group.iter() if id(cell) in blocks}


def _place(element, parents, blocks) -> tuple[str, int] | None:
    """The counted block a text belongs to: its nearest block ancestor, unless a note or call holds it."""
    node = element
    while node is not None:
        if SKIPPED.intersection((node.get("class") or "").split()):
            return None
        if id(node) in blocks:
            return blocks[id(node)]
        if node.tag in BLOCKS:
            return None
        node = parents.get(node)
    return None


def _skipped(element, parents, stop) -> bool:
    node = element
    while node is not None and node is not stop:
        if SKIPPED.intersection((node.get("class") or "").split()):
            return True
        node = parents.get(node)
    return False


# ------------------------------------------------------------------ marking the EPUB's text


def chapter_blocks(container) -> list:
    """The counted blocks of a chapter's body (an lxml tree of its fragment), in document order."""
    parents = {child: parent for parent in container.iter() for child in parent}
    return [e for e in container.iter() if isinstance(e.tag, str) and _local(e.tag) in BLOCKS
            and "chapter-title" not in (e.get("class") or "").split() and not _skipped(e, parents, container)]


def mark_pages(container, title, starts: list[PageStart], make_marker: Callable) -> int:
    """Insert `make_marker(label)` at each start in `container` (the chapter's text) or before `title`.

    `starts` are this chapter's, in page order. Returns how many were placed.
    """
    blocks = chapter_blocks(container)
    placed = 0
    for start in starts:
        marker = make_marker(start.label)
        if start.block == TITLE or not blocks:
            title.addprevious(marker)  # a later marker at the same place lands between this one and the title
        elif start.block < len(blocks):
            _insert_at(blocks[start.block], start.chars, marker)
        else:
            blocks[-1].append(marker)
        placed += 1
    return placed


def _insert_at(block, chars: int, marker) -> None:
    """Put `marker` before the word holding the block's (chars+1)-th letter or digit (after it, mid-word)."""
    remaining = chars
    for owner, attribute in _text_slots(block):
        text = getattr(owner, attribute) or ""
        letters = sum(ch.isalnum() for ch in text)
        if remaining >= letters and not (remaining == 0 and letters == 0 and chars == 0):
            remaining -= letters
            continue
        index = _index_of(text, remaining)
        if index > 0 and text[index - 1].isalnum():  # the page began inside a word: mark after it
            while index < len(text) and text[index].isalnum():
                index += 1
        _split_insert(owner, attribute, index, marker)
        return
    block.append(marker)


def _text_slots(block) -> Iterator[tuple[object, str]]:
    """(element, "text" | "tail") for each piece of text that belongs to `block`, in reading order.

    A formula's MathML holds no text the PDF prints (it draws the formula): it counts for nothing.
    """
    yield block, "text"
    for child in block:
        if isinstance(child.tag, str) and _local(child.tag) not in BLOCKS | {"math"} \
                and not SKIPPED.intersection((child.get("class") or "").split()):
            yield from _inline_slots(child)
        yield child, "tail"


def _inline_slots(element) -> Iterator[tuple[object, str]]:
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) != "math" \
                and not SKIPPED.intersection((child.get("class") or "").split()):
            yield from _inline_slots(child)
        yield child, "tail"


def _index_of(text: str, letters_before: int) -> int:
    """The index in `text` of the letter or digit that has `letters_before` others before it."""
    count = 0
    for index, ch in enumerate(text):
        if ch.isalnum():
            if count == letters_before:
                return index
            count += 1
    return len(text)


def _split_insert(owner, attribute: str, index: int, marker) -> None:
    text = getattr(owner, attribute) or ""
    head, tail = text[:index], text[index:]
    if attribute == "text":
        owner.text = head
        owner.insert(0, marker)
    else:
        owner.tail = head
        owner.addnext(marker)
    marker.tail = tail or None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
