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
# Blocks whose words need not print as running text: a figure's alt text, code (set in its own
# face, its lines cut where the page says), a table (cells read across columns).
NOT_RUNNING_TEXT = {"Figure", "CodeBlock", "Table", "RawBlock", "HorizontalRule"}


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
        text = " ".join(stringify(_without_math(block)).split())
        if text:
            sentences = SENTENCE_END.split(text)
            ending = sentences.pop()
            while len(ending) < MIN_ENDING and sentences:
                ending = f"{sentences.pop()} {ending}"
            return ending
    return ""


def _without_math(block: dict) -> dict:
    """The block without its formulas: the PDF draws them (SVG), so their TeX is never text there."""
    return transform(block, lambda node: [] if node["t"] == "Math" else None)


def running_text(block: dict) -> bool:
    """Whether a block prints its words as running text (not a figure, code, a table or images)."""
    if block["t"] in NOT_RUNNING_TEXT:
        return False
    if block["t"] in ("Para", "Plain"):
        return not all(i["t"] in ("Image", "Space", "SoftBreak") for i in block["c"])
    return True


def squeeze(text: str) -> str:
    """Text reduced for comparing: NFKC (ligatures apart), no spaces, hyphens or joiners, case folded."""
    return HYPHENS_AND_SPACES.sub("", unicodedata.normalize("NFKC", text)).casefold()
