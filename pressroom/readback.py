"""What a built edition must show of each chapter, judged the same way by the build and by `check`.

The build refuses a merged PDF whose chapter lost its ending; `check` reads the same ending back
from the finished file. Both take the ending and compare texts here, so they cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .pandoc_ast import stringify, transform
from .resolve import ResolvedChapter

MIN_ENDING = 40  # a last sentence shorter than this is searched with the one before it
SENTENCE_END = re.compile(r"(?<=[.!?…])[”’\")\]]*\s+")
# Set aside when comparing text: spaces, hyphens (soft, hard, at line ends) and invisible joiners.
HYPHENS_AND_SPACES = re.compile(r"[\s\u00ad\u2010\u2011\u200b-\u200d\u2060\ufeff-]+")
# Blocks whose words need not print as running text: code (set in its own face, its lines cut
# where the page says), a table (cells read across columns). Of a figure only its caption prints
# (an image's alt text never does).
NOT_RUNNING_TEXT = {"CodeBlock", "Table", "RawBlock", "HorizontalRule"}


@dataclass(frozen=True)
class ChapterExpectation:
    """What the manuscript says a chapter must show: its title, last sentence and note numbers."""

    title: str
    last_sentence: str
    notes: tuple[int, ...]


def expectations(chapters: list[ResolvedChapter]) -> list[ChapterExpectation]:
    """Each chapter's title, last sentence (Markdown gone) and printed note numbers."""
    return [ChapterExpectation(c.title, last_sentence(c.blocks), tuple(n.label for n in c.notes))
            for c in chapters]


def last_sentence(blocks: list) -> str:
    """The last sentence of the last block of running text; short ones keep the sentence before."""
    for block in reversed(blocks):
        if not running_text(block):
            continue
        text = " ".join(stringify(_printed(block)).split())
        if text:
            sentences = SENTENCE_END.split(text)
            ending = sentences.pop()
            while len(ending) < MIN_ENDING and sentences:
                ending = f"{sentences.pop()} {ending}"
            return ending
    return ""


def _printed(block: dict) -> list:
    """What of the block prints as text: a figure's caption, not an image's alt text, nor code or
    a table inside it (a chapter may end on a figure, or a quotation holding one)."""

    def printed(node: dict):
        if node["t"] == "Image" or node["t"] in NOT_RUNNING_TEXT:
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


def squeeze(text: str) -> str:
    """Text reduced for comparing: NFKC (ligatures apart), no spaces, hyphens or joiners, case folded."""
    return HYPHENS_AND_SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()
