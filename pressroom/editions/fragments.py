"""Chapters and notes as HTML fragments, from pandoc (one run per core), shared by the PDF and web editions."""

from __future__ import annotations

import html as html_module
import itertools
import json
import re
from dataclasses import dataclass

from .. import bidi
from ..cache import Store, code_digest, digest
from ..images import for_pandoc
from ..pandoc_ast import transform, with_attr
from ..resolve import ResolvedChapter
from ..sanitize import second_layer
from ..tools import pandoc
from ..workers import cores

SPLIT = re.compile(r"<!--pressroom:(chapter|note):([^>]+)-->\n?")
# Pandoc gives each line of a highlighted code block an empty link to itself, hidden from
# screen readers yet focusable (Ace: aria-hidden-focus); the line's own id stays.
CODE_LINE_LINK = re.compile(r'<a href="#[^"<>]+-\d+" aria-hidden="true" tabindex="-1"></a>')
NOTE_CALL = re.compile(r"<!--pressroom-note:(\d+)-->")
# A table's empty corner cell (a header row over a column of row labels) is a header of nothing:
# as <th> it has no text for a screen reader (Ace, axe: empty-table-header), as <td> it is a gap.
EMPTY_HEADER = re.compile(r"<th((?:\s[^>]*)?)>\s*</th>")
# A header cell holding only formulas ("H=1" over a column): axe counts no text in a <math>, an
# embedded element, but takes its aria-label, so such a cell is named by its formulas' TeX.
HEADER_CELL = re.compile(r"(<th(?:\s[^>]*)?>)((?:(?!</th>).)*)</th>", re.S)
MATH_ELEMENT = re.compile(r"<math\b(?:(?!</math>).)*</math>", re.S)
# A formula as pandoc writes it with --mathml (texmath), its TeX kept in the annotation.
MATH = re.compile(r'<math display="(inline|block)" xmlns="http://www.w3.org/1998/Math/MathML">'
                  r'(?:(?!</math>).)*?<annotation encoding="application/x-tex">([^<]*)</annotation>', re.S)
# texmath aligns the cells of `align`-like environments with inline styles, which no edition
# carries (the web edition's CSP refuses them): the same as classes (styles/base.css).
MATH_CELL_STYLE = re.compile(r'<mtd columnalign="(left|right|center)" style="text-align: \1[^"]*"')
KIND = "html-fragments"  # cache kind: a chapter's AST → its HTML and its notes'


@dataclass(frozen=True)
class Fragments:
    """HTML per chapter id (note calls still as markers) and per note number."""

    chapters: dict[str, str]
    notes: dict[int, str]


def render_fragments(chapters: list[ResolvedChapter], store: Store | None = None) -> Fragments:
    """A pandoc run per core for the whole book, split back into chapters and notes at marker comments.

    Chapters found in the cache `store` (by the hash of their AST and notes) are not sent.
    Each piece then goes through the sanitiser (nh3) as a second layer behind the AST policy.
    """
    dumped = {c.id: json.dumps([c.blocks, [[n.number, n.blocks] for n in c.notes]]) for c in chapters}
    keys = {c.id: digest(code_digest(), pandoc.version(), c.id, dumped[c.id]) for c in chapters}
    known = {c.id: store.read_json(KIND, keys[c.id]) for c in chapters} if store is not None else {}
    missing = [c for c in chapters if known.get(c.id) is None]
    # Pandoc writes on one core: the chapters go to one process per core, in groups of about equal size.
    documents = []
    for group in pandoc.batches([len(dumped[c.id]) for c in missing], cores()):
        blocks: list = []
        for chapter in (missing[i] for i in group):
            blocks.append(_marker("chapter", chapter.id))
            blocks.extend(for_pandoc(_code_ids(chapter.blocks, f"cb-{chapter.id}")))
            for note in chapter.notes:
                blocks.append(_marker("note", str(note.number)))
                blocks.extend(for_pandoc(_code_ids(note.blocks, f"cb-{chapter.id}-n{note.number}")))
        documents.append(pandoc.document(blocks))
    result: dict[str, dict] = {"chapter": {}, "note": {}}
    for written in pandoc.write_html_many(documents, label="book"):
        html = with_math_alttext(CODE_LINE_LINK.sub("", written))
        html = named_math_headers(EMPTY_HEADER.sub(r"<td\1></td>", html))
        pieces = SPLIT.split(html)
        for kind, key, body in zip(pieces[1::3], pieces[2::3], pieces[3::3]):
            # Right-to-left runs isolated once here: the PDF, EPUB and web edition share these fragments.
            result[kind][key] = bidi.isolate(second_layer(body.strip()))
    for chapter in chapters:
        entry = known.get(chapter.id)
        if entry is None:
            entry = {"html": result["chapter"][chapter.id],
                     "notes": {str(n.number): result["note"][str(n.number)] for n in chapter.notes}}
            if store is not None:
                store.write_json(KIND, keys[chapter.id], entry)
        result["chapter"][chapter.id] = entry["html"]
        result["note"].update(entry["notes"])
    if store is not None and missing:
        store.prune(KIND)
    return Fragments(result["chapter"], {int(k): v for k, v in result["note"].items()})


def _code_ids(blocks: list, prefix: str) -> list:
    """Each code block with a language and no id gets one of its own: pandoc numbers them through
    the document it is given (cb1, cb2 …), so a chapter's ids depended on which chapters were
    written with it (a rebuild from the cache differed from a clean build)."""
    count = itertools.count(1)

    def name(node: dict) -> dict | None:
        if node["t"] == "CodeBlock" and not node["c"][0][0] and node["c"][0][1]:
            return with_attr(node, [f"{prefix}-{next(count)}", node["c"][0][1], node["c"][0][2]])
        return None

    return transform(blocks, name)


def with_math_alttext(html: str) -> str:
    """Each formula's TeX as its MathML `alttext` (what assistive technology reads out when it
    cannot read MathML); aligned cells as classes."""
    def alttext(match: re.Match) -> str:
        tex = html_module.escape(html_module.unescape(match.group(2)), quote=True)
        opening = f'<math display="{match.group(1)}"'
        return opening + f' alttext="{tex}"' + match.group(0)[len(opening):]

    html = MATH_CELL_STYLE.sub(r'<mtd columnalign="\1" class="align-\1"', html)
    return MATH.sub(alttext, html)


def named_math_headers(html: str) -> str:
    """Each formula alone in a table's header cell labelled with its `alttext`, so the header has
    a name for a screen reader (Ace: empty-table-header); a cell with any text is left as it is."""
    def cell(match: re.Match) -> str:
        opening, content = match.groups()
        if not MATH_ELEMENT.search(content) or MATH_ELEMENT.sub("", content).strip():
            return match.group(0)
        return opening + re.sub(r'<math\b([^>]*?) alttext="([^"]*)"', r'<math\1 alttext="\2" aria-label="\2"',
                                       content) + "</th>"

    return HEADER_CELL.sub(cell, html)


def fill_note_calls(html: str, render_call) -> str:
    """Swap each note-call marker for the edition's own markup, `render_call(number)`."""
    return NOTE_CALL.sub(lambda m: render_call(int(m.group(1))), html)


def _marker(kind: str, key: str) -> dict:
    return {"t": "RawBlock", "c": ["html", f"<!--pressroom:{kind}:{key}-->"]}
