"""What a built edition must show of each chapter, judged the same way by the build and by `check`.

The build refuses a merged PDF whose chapter lost its ending; `check` reads the same ending back
from the finished file, and each note's whole text from the page that calls it. Both take the
texts here, as pandoc prints them, and compare them here, so they cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from .pandoc_ast import is_node, transform
from .resolve import ResolvedChapter, ResolvedNote

MIN_ENDING = 40  # a last sentence shorter than this is searched with the one before it
SENTENCE_END = re.compile(r"(?<=[.!?…])[”’\")\]]*\s+")
# Set aside when comparing text: spaces, hyphens (soft, hard, at line ends) and invisible joiners.
HYPHENS_AND_SPACES = re.compile(r"[\s\u00ad\u2010\u2011\u200b-\u200d\u2060\ufeff-]+")
# Blocks whose words need not print as running text: code (set in its own face, its lines cut
# where the page says), a table (cells read across columns). Of a figure only its caption prints
# (an image's alt text never does).
NOT_RUNNING_TEXT = {"CodeBlock", "Table", "RawBlock", "HorizontalRule"}
# The marks pandoc's writers print around a Quoted node (its smart quotes).
QUOTES = {"DoubleQuote": ("“", "”"), "SingleQuote": ("‘", "’")}
# What a list item's marker prints as, squeezed: a bullet, or a number or letter with its stop.
LIST_MARKER = re.compile(r"[•◦▪▫‣⁃∙·■□–]|\(?(?:\d+|[a-z]|[ivxlcdm]+)[.)]")


@dataclass(frozen=True)
class Piece:
    """A run of a note's expected text, squeezed, and how it may print.

    text: the words, in order; marker: a list item starts (its bullet or number may print here);
    loose: a table (its cells read across columns: the same characters, in any order); unknown:
    math (printed as drawn, not as its source: anything up to the next run of words)."""

    kind: str
    text: str = ""
    shown: str = ""  # the text before squeezing, for messages


@dataclass(frozen=True)
class NoteExpectation:
    """A note as the manuscript says it must print: its number and its whole text."""

    label: int
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        """The note's text as words, for messages."""
        return " ".join(" ".join(p.shown for p in self.pieces).split())


@dataclass(frozen=True)
class ChapterExpectation:
    """What the manuscript says a chapter must show: its title, last sentence and notes."""

    title: str
    last_sentence: str
    notes: tuple[NoteExpectation, ...]


def expectations(chapters: list[ResolvedChapter]) -> list[ChapterExpectation]:
    """Each chapter's title, last sentence (Markdown gone) and notes with their printed text."""
    return [ChapterExpectation(c.title, last_sentence(c.blocks), tuple(note_expectation(n) for n in c.notes))
            for c in chapters]


def note_expectation(note: ResolvedNote) -> NoteExpectation:
    """A note's printed number and the pieces of its text."""
    return NoteExpectation(note.label, tuple(note_pieces(note.blocks)))


# ------------------------------------------------------------------ text as printed


def printed_text(value) -> str:
    """The words of blocks or inlines as pandoc's writers print them: smart quotes included,
    images' alt text left out (the picture prints, not its description)."""
    parts: list[str] = []
    _collect(value, parts)
    return " ".join("".join(parts).split())


def _collect(value, parts: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, parts)
        return
    if not is_node(value):
        return
    kind, content = value["t"], value.get("c")
    if kind == "Str":
        parts.append(content)
    elif kind in ("Space", "SoftBreak", "LineBreak"):
        parts.append(" ")
    elif kind in ("Code", "Math", "CodeBlock"):
        parts.append(f" {content[1]} " if kind == "CodeBlock" else content[1])
    elif kind == "Quoted":
        opening, closing = QUOTES[content[0]["t"]]
        parts.append(opening)
        _collect(content[1], parts)
        parts.append(closing)
    elif kind not in ("Image", "RawInline", "RawBlock"):
        _collect(content, parts)
        if kind in BLOCKS:
            parts.append(" ")


PAGE_MARKERS = ("<!--pressroom-page:", "<!--pressroom-locators:")  # pagerefs.py
PAGE_NUMBER = "\0"  # where one prints, in the text last_sentence reads
BLOCKS = {"Para", "Plain", "Header", "BlockQuote", "Div", "LineBlock", "BulletList", "OrderedList",
          "DefinitionList", "Table", "Figure"}


# ------------------------------------------------------------------ chapter endings


def last_sentence(blocks: list) -> str:
    """The last sentence of the last block of running text (inside a list, a quote or a div, its
    last one); short ones keep the sentence before."""
    for block in reversed(blocks):
        inner = _inner_blocks(block)
        if inner is not None:
            ending = last_sentence(inner)
            if ending:
                return ending
            continue
        if not running_text(block):
            continue
        text = printed_text(_printed(block))
        if PAGE_NUMBER in text:
            # A page number (pagerefs.py) is known only once laid out: the ending is what follows
            # the last one; a block ending on one (an index entry) ends unknown, and is not judged.
            text = text.rsplit(PAGE_NUMBER, 1)[1].strip()
            if len(text) < MIN_ENDING:
                return " "
        if text:
            sentences = SENTENCE_END.split(text)
            ending = sentences.pop()
            while len(ending) < MIN_ENDING and sentences:
                ending = f"{sentences.pop()} {ending}"
            return ending
    return ""


def _inner_blocks(block: dict) -> list | None:
    """The blocks a container ends with: its own, or its last item's; None for other blocks.

    A list's items are searched one by one: between two items the printed page has a marker
    (a bullet, a number) that the source's text does not."""
    kind, content = block["t"], block.get("c")
    if kind == "BlockQuote":
        return content
    if kind == "Div":
        return content[1]
    if kind in ("BulletList", "OrderedList"):
        items = content if kind == "BulletList" else content[1]
        return [{"t": "Div", "c": [["", [], []], item]} for item in items]
    if kind == "DefinitionList":
        return [{"t": "Div", "c": [["", [], []], blocks]} for _term, definitions in content
                for blocks in definitions]
    return None


def _printed(block: dict) -> list:
    """What of the block prints as text: a figure's caption, not an image's alt text, a formula's
    TeX, nor code or a table inside it (a chapter may end on a figure, or a quotation holding one)."""

    def printed(node: dict):
        if node["t"] == "RawInline" and node["c"][1].startswith(PAGE_MARKERS):
            return {"t": "Str", "c": PAGE_NUMBER}
        # The PDF draws formulas (SVG): their TeX is never text there.
        if node["t"] in ("Image", "Math") or node["t"] in NOT_RUNNING_TEXT:
            return []
        if node["t"] == "Figure":
            return node["c"][1][1]  # its caption's blocks
        return None

    return transform([block], printed)


def running_text(block: dict) -> bool:
    """Whether a block prints its words as running text (not code, a table or images alone)."""
    if block["t"] in NOT_RUNNING_TEXT:
        return False
    if block["t"] in ("Para", "Plain"):
        return not all(i["t"] in ("Image", "Space", "SoftBreak") for i in block["c"])
    return True


# ------------------------------------------------------------------ a note's whole text


def note_pieces(blocks: list) -> list[Piece]:
    """A note's text in the order it prints, cut where a list marker may print, around tables
    (read across columns) and math (drawn, not spelled)."""
    pieces: list[Piece] = []
    _pieces(blocks, pieces)
    return [p for p in pieces if p.kind != "text" or p.text]


def _pieces(value, pieces: list[Piece]) -> None:
    if isinstance(value, list):
        for item in value:
            _pieces(item, pieces)
        return
    if not is_node(value):
        return
    kind, content = value["t"], value.get("c")
    if kind in ("Space", "SoftBreak", "LineBreak"):
        _text(pieces, " ")
    elif kind == "Table":
        _text(pieces, printed_text(value), "loose")
    elif kind == "Math":
        pieces.append(Piece("unknown", shown=content[1]))
    elif kind == "RawInline" and content[1].startswith(PAGE_MARKERS):
        pieces.append(Piece("unknown", shown="a page number"))  # known once laid out (pagerefs.py)
    elif kind in ("BulletList", "OrderedList"):
        for item in (content if kind == "BulletList" else content[1]):
            pieces.append(Piece("marker"))
            _pieces(item, pieces)
    elif kind == "DefinitionList":
        for term, definitions in content:
            _text(pieces, printed_text(term))
            _pieces(definitions, pieces)
    elif kind in BLOCKS or kind == "Quoted" or kind in CONTAINERS:
        if kind == "Quoted":
            opening, closing = QUOTES[content[0]["t"]]
            _text(pieces, opening)
            _pieces(content[1], pieces)
            _text(pieces, closing)
        else:
            _pieces(content, pieces)
            if kind in BLOCKS:
                _text(pieces, " ")
    else:
        _text(pieces, printed_text(value) if kind != "Str" else content)


# Inline nodes whose content holds other inlines (a Quoted or a Math among them is cut out).
CONTAINERS = {"Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps",
              "Span", "Link", "Cite"}


def _text(pieces: list[Piece], text: str, kind: str = "text") -> None:
    """Add words to the last piece of text, or start a piece."""
    if not text:
        return
    if kind == "text" and pieces and pieces[-1].kind == "text":
        last = pieces[-1]
        pieces[-1] = Piece("text", last.text + squeeze(text), last.shown + text)
    else:
        pieces.append(Piece(kind, squeeze(text), text))


def first_difference(printed: str, pieces: tuple[Piece, ...]) -> tuple[int, int] | None:
    """Where the printed text (squeezed) stops matching the pieces: (piece, offset in its text),
    or (len(pieces), 0) when the print runs on past them; None when the two agree."""
    at = 0
    for index, piece in enumerate(pieces):
        if piece.kind == "marker":
            found = LIST_MARKER.match(printed, at)
            at = found.end() if found else at
        elif piece.kind == "unknown":
            following = next((p.text for p in pieces[index + 1:] if p.kind == "text"), "")
            found = printed.find(following, at) if following else len(printed)
            if found < 0:
                return index, 0
            at = found
        elif piece.kind == "loose":
            if Counter(printed[at:at + len(piece.text)]) != Counter(piece.text):
                return index, 0
            at += len(piece.text)
        else:
            same = _common_prefix(printed, at, piece.text)
            if same < len(piece.text):
                return index, same
            at += same
    return None if at == len(printed) else (len(pieces), 0)


def _common_prefix(text: str, at: int, wanted: str) -> int:
    length = 0
    while length < len(wanted) and at + length < len(text) and text[at + length] == wanted[length]:
        length += 1
    return length


def shown_from(piece: Piece, offset: int) -> str:
    """A piece's own words from a squeezed offset on (for saying where a printed note goes wrong)."""
    count = 0
    for index, char in enumerate(piece.shown):
        if count >= offset:
            return piece.shown[index:].strip()
        count += len(squeeze(char))
    return ""


# Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko; their presentation forms).
RTL_LETTERS = re.compile("[\u0590-\u07ff\u0860-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]+")


def holds(text: str, words: str) -> bool:
    """Whether `text`, read back from a PDF, holds `words`. A PDF reader returns a right-to-left run
    as drawn (its words, or its letters, in visual order), so those are looked for word by word,
    forwards or backwards, and everything else in order."""
    if squeeze(RTL_LETTERS.sub("", words)) not in squeeze(RTL_LETTERS.sub("", text)):
        return False
    return all(run in text or run[::-1] in text for run in RTL_LETTERS.findall(words))


def squeeze(text: str) -> str:
    """Text reduced for comparing: NFKC (ligatures apart), no spaces, hyphens or joiners, case folded."""
    return HYPHENS_AND_SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()
