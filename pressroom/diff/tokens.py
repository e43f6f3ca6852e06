"""Inlines as a flat run of tokens (a word and the formatting around it), and back again.

Words are compared as text; their formatting (emphasis, links, quotes) travels beside them, so
a word that only gained italics is a formatting change, not a deletion plus an insertion.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

WORD, CALL, OTHER, PARA = "word", "call", "other", "para"
# Inline wrappers kept as a style: (node type,) or (type, detail that must match too).
PLAIN_WRAPPERS = ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
NOTE_MARKER = re.compile(r"<!--pressroom-note:(\d+)-->")
# Words keep inner apostrophes, hyphens and dots (Carter’s, 1956-57, U.S); other marks stand alone.
WORDS = re.compile(r"\w+(?:[’'.\-]\w+)*|\S")
PILCROW = {"t": "RawInline", "c": ["html", "¶"]}


@dataclass(frozen=True)
class Token:
    """One word (or note call, or code span, ...) with the formatting it sits in."""

    text: str  # what is compared: the word, `[^note-id]` for a call, the node's JSON otherwise
    style: tuple = ()  # enclosing wrappers, outermost first, e.g. (("Emph",), ("Link", "..."))
    space: bool = False  # whitespace before it
    kind: str = WORD
    node: dict | None = field(default=None, compare=False, hash=False)  # what to emit, if not a Str

    @property
    def is_word(self) -> bool:
        """A word a reader would count (not punctuation alone, a call, or a paragraph mark)."""
        return self.kind == WORD and any(ch.isalnum() for ch in self.text)

    @property
    def ends_sentence(self) -> bool:
        return self.kind == WORD and bool(SENTENCE_END.search(self.text))


def pilcrow() -> Token:
    """A paragraph boundary inside a split or merged paragraph: never matches a word."""
    return Token("\0¶", (), True, PARA, PILCROW)


class _Flattener:
    def __init__(self, call_key):
        self.call_key = call_key  # marker number → (key text, node to emit)
        self.tokens: list[Token] = []
        self.space = False
        self.text: list = []  # text run being gathered: [string, style, space before]

    def run(self, inlines: list, style: tuple) -> None:
        for node in inlines:
            self.node(node, style)

    def node(self, node: dict, style: tuple) -> None:
        t, c = node["t"], node.get("c")
        if t == "Str":
            self.gather(c, style)
        elif t in ("Space", "SoftBreak"):
            self.space = True
        elif t in PLAIN_WRAPPERS:
            self.run(c, style + ((t,),))
        elif t == "Quoted":
            self.run(c[1], style + (("Quoted", c[0]["t"]),))
        elif t == "Link":
            self.run(c[1], style + (("Link", json.dumps([c[0], c[2]])),))
        elif t == "Span":
            self.run(c[1], style + (("Span", json.dumps(c[0])),))
        elif t == "Cite":
            self.run(c[1], style)
        elif t == "RawInline" and NOTE_MARKER.fullmatch(c[1]):
            text, emit = self.call_key(int(NOTE_MARKER.fullmatch(c[1]).group(1)))
            self.add(Token(text, style, self.space, CALL, emit))
        else:  # code, maths, images, line breaks: compared whole
            self.add(Token(json.dumps(node, sort_keys=True), style, self.space, OTHER, node))

    def gather(self, text: str, style: tuple) -> None:
        """Pandoc splits words at punctuation; rejoin touching text of one style, then re-split."""
        if self.text and not self.space and self.text[1] == style:
            self.text[0] += text
        else:
            self.flush()
            self.text = [text, style, self.space]
            self.space = False

    def flush(self) -> None:
        if self.text:
            text, style, space = self.text
            self.text = []
            for index, word in enumerate(WORDS.findall(text)):
                self.tokens.append(Token(word, style, space and index == 0))

    def add(self, token: Token) -> None:
        self.flush()
        self.tokens.append(token)
        self.space = False


def flatten(inlines: list, call_key=None) -> list[Token]:
    """The tokens of a list of inlines; `call_key(number)` names the note call markers."""
    flattener = _Flattener(call_key or (lambda n: (f"[^{n}]", None)))
    flattener.run(inlines, ())
    flattener.flush()
    return flattener.tokens


def plain(tokens: list[Token]) -> str:
    """The tokens as plain text (note calls as `[^id]`), for summaries and messages."""
    out = []
    for token in tokens:
        if token.kind == PARA:
            out.append(" ¶ ")
            continue
        text = token.text if token.kind in (WORD, CALL) else "…"
        out.append((" " if token.space and out else "") + text)
    return "".join(out).strip()


# ------------------------------------------------------------------------------ rebuilding

def nest(items: list[tuple[tuple, Token]], wrap) -> list:
    """Inlines from (wrappers, token) pairs: runs sharing an outer wrapper become one element.

    `wrap(wrapper, inlines)` builds one element (Emph, Link, an <ins> ...) around inlines.
    A run's leading space goes before the element, so marks never start with a space.
    """
    out: list = []
    i = 0
    while i < len(items):
        path, token = items[i]
        if not path:
            out.extend(_leaf(token))
            i += 1
            continue
        j = i
        while j < len(items) and items[j][0][:1] == path[:1]:
            j += 1
        if token.space and token.kind != PARA:
            out.append({"t": "Space"})
        inner = [(p[1:], t) for p, t in items[i:j]]
        inner[0] = (inner[0][0], _unspaced(inner[0][1]))
        out.extend(wrap(path[0], nest(inner, wrap)))
        i = j
    return out


def _unspaced(token: Token) -> Token:
    if not token.space:
        return token
    return Token(token.text, token.style, False, token.kind, token.node)


def _leaf(token: Token) -> list:
    space = [{"t": "Space"}] if token.space and token.kind != PARA else []
    if token.node is not None:
        return space + [token.node]
    return space + [{"t": "Str", "c": token.text}]


def style_wrap(wrapper: tuple, inlines: list) -> list:
    """The Pandoc element for one formatting wrapper."""
    kind = wrapper[0]
    if kind in PLAIN_WRAPPERS:
        return [{"t": kind, "c": inlines}]
    if kind == "Quoted":
        return [{"t": "Quoted", "c": [{"t": wrapper[1]}, inlines]}]
    if kind == "Link":
        attr, target = json.loads(wrapper[1])
        return [{"t": "Link", "c": [attr, inlines, target]}]
    if kind == "Span":
        return [{"t": "Span", "c": [json.loads(wrapper[1]), inlines]}]
    return inlines


def describe_style(style: tuple) -> str:
    """'italic, bold' for a style: how a formatting change is explained to the reader."""
    names = {"Emph": "italic", "Strong": "bold", "Underline": "underlined", "Strikeout": "struck out",
             "Superscript": "superscript", "Subscript": "subscript", "SmallCaps": "small caps",
             "Quoted": "quoted", "Link": "a link", "Span": "a span"}
    return ", ".join(names.get(w[0], w[0]) for w in style) or "plain"
