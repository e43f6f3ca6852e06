"""Right-to-left text isolated in every edition, so what follows it keeps its place.

In an English sentence, `… שלום.¹` puts the full stop and the note call on the wrong side of
the Hebrew word: by the Unicode bidi algorithm a number after right-to-left text joins it, and
the stop between them follows. Isolating the word (`<bdi>`, or `dir="rtl"`, which browsers
isolate) makes it one neutral unit in the line. Done once on the shared HTML fragments, so the
PDF, the EPUB and the web edition agree:

    <span lang="he">…</span>   gains dir="rtl" (any span or div tagged with a right-to-left language)
    untagged Hebrew or Arabic  a run from its first to its last right-to-left letter, in one text
                               node, is wrapped in <bdi>
"""

from __future__ import annotations

import re
import unicodedata

RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku-arab", "ps", "sd", "syr", "ug", "ur", "yi"}
# Scripts written right to left, by block: a quick test before any parsing.
RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]")
INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd", "mark",
          "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "br", "wbr", "img"}


def is_rtl_language(lang: str) -> bool:
    """Whether a BCP 47 tag names a language written right to left (`he`, `ar-EG`, `fa`, …)."""
    tag = lang.lower()
    return tag.split("-")[0] in RTL_LANGUAGES or tag.endswith("-arab") or "-arab-" in tag or "-hebr" in tag


def direction(lang: str | None) -> str | None:
    """"rtl" for a passage in a right-to-left language (a chapter's `lang:`), else None."""
    return "rtl" if lang and is_rtl_language(lang) else None


def _strong(char: str) -> str:
    kind = unicodedata.bidirectional(char)
    return "R" if kind in ("R", "AL") else "L" if kind == "L" else ""


def rtl_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each right-to-left run: from a right-to-left letter to the last one before
    a left-to-right letter, spaces, numbers and marks between them included."""
    runs: list[tuple[int, int]] = []
    start = last = None
    for index, char in enumerate(text):
        kind = _strong(char)
        if kind == "R":
            if start is None:
                start = index
            last = index
        elif kind == "L" and start is not None:
            runs.append((start, last + 1))
            start = last = None
    if start is not None:
        runs.append((start, last + 1))
    # A combining mark after the last letter belongs to it.
    return [(a, _marks_end(text, b)) for a, b in runs]


def _marks_end(text: str, end: int) -> int:
    while end < len(text) and unicodedata.category(text[end]) in ("Mn", "Me"):
        end += 1
    return end


def isolate(html: str) -> str:
    """The fragment with its right-to-left text isolated (unchanged when it has none)."""
    if not RTL_CHARS.search(html) and "lang=" not in html:
        return html
    import lxml.html
    from lxml import etree

    container = lxml.html.fragment_fromstring(html, create_parent="div")
    changed = False
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        lang = element.get("lang")
        if lang and element.get("dir") is None and is_rtl_language(lang):
            element.set("dir", "rtl")
            changed = True
    if RTL_CHARS.search(html):
        for block in [e for e in container.iter() if isinstance(e.tag, str) and e.tag not in INLINE]:
            changed |= _wrap_runs(block)
    if not changed:
        return html
    text = container.text or ""
    return text + "".join(etree.tostring(child, method="html", encoding="unicode") for child in container)


def _segments(block) -> list[tuple[object, str, str]]:
    """The block's text in reading order as (node, 'text' | 'tail', string), not entering nested
    blocks, nor elements already isolated (dir set, bdi, bdo)."""
    found = [(block, "text", block.text or "")]

    def inside(element) -> None:
        isolated = element.tag in ("bdi", "bdo") or element.get("dir") is not None
        if isinstance(element.tag, str) and element.tag in INLINE and not isolated:
            found.append((element, "text", element.text or ""))
            for child in element:
                inside(child)
        else:
            found.append((None, "", "\ufffc"))  # an object: a strong boundary for no one
        found.append((element, "tail", element.tail or ""))

    for child in block:
        inside(child)
    return found


def _wrap_runs(block) -> bool:
    segments = _segments(block)
    joined = "".join(s for _, _, s in segments)
    if not RTL_CHARS.search(joined):
        return False
    bounds, offset = [], 0
    for node, where, string in segments:
        bounds.append((offset, offset + len(string), node, where))
        offset += len(string)
    wraps: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for start, end in rtl_runs(joined):
        for low, high, node, where in bounds:
            if node is not None and low <= start and end <= high:
                wraps.setdefault((id(node), where), []).append((start - low, end - low))
                break
    if not wraps:
        return False
    for low, high, node, where in bounds:
        runs = wraps.get((id(node), where)) if node is not None else None
        if runs:
            _wrap(node, where, runs)
    return True


def _wrap(node, where: str, runs: list[tuple[int, int]]) -> None:
    """Cut the node's text (or tail) at `runs` and put each run in a <bdi>."""
    from lxml import etree

    string = node.text if where == "text" else node.tail
    pieces, position = [], 0
    for start, end in runs:
        pieces.append((string[position:start], string[start:end]))
        position = end
    rest = string[position:]
    made = []
    for before, run in pieces:
        bdi = etree.Element("bdi")
        bdi.text = run
        made.append((before, bdi))
    if where == "text":
        node.text = made[0][0]
        for index, (_before, bdi) in enumerate(made):
            bdi.tail = made[index + 1][0] if index + 1 < len(made) else rest
            node.insert(index, bdi)
    else:
        parent = node.getparent()
        node.tail = made[0][0]
        at = parent.index(node)
        for index, (_before, bdi) in enumerate(made):
            bdi.tail = made[index + 1][0] if index + 1 < len(made) else rest
            parent.insert(at + 1 + index, bdi)
