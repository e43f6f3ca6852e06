"""The web edition's rules: its pages read as a browser shows their text."""

from __future__ import annotations

from ..readback import squeeze
from .rules import Finding, Outcome, Target, rule

SKIPPED_PAGES = {"search.html"}  # the search page holds no text of the book


@rule("Q011", "ending", "chapters ending with their last sentence", "html")
def rule_endings(target: Target) -> Outcome:
    """Each chapter's last sentence is on the web edition's pages."""
    pages = sorted(p for p in target.path.glob("*.html") if p.name not in SKIPPED_PAGES)
    return endings_in(target, squeeze(" ".join(visible_text(p.read_bytes()) for p in pages)))


def endings_in(target: Target, text: str) -> Outcome:
    """Each chapter's last sentence looked for in an edition's whole text, squeezed."""
    findings = [Finding((), f"“{chapter.title}”: its last sentence is missing: “{clip(chapter.last_sentence)}”")
                for chapter in target.expected
                if chapter.last_sentence and squeeze(chapter.last_sentence) not in text]
    return Outcome(len(target.expected), tuple(findings))


def visible_text(data: bytes) -> str:
    """The text of an HTML or XHTML page as a reader sees it: no scripts, no styles."""
    import lxml.html

    tree = lxml.html.fromstring(data)
    for hidden in tree.xpath("//script|//style|//*[local-name()='script' or local-name()='style']"):
        hidden.drop_tree()
    return tree.text_content()


def clip(text: str, width: int = 60) -> str:
    """A text cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
