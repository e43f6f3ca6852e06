"""Which styles of the book face (regular, italic, bold, bold italic) a set of pages sets text in.

The EPUB and the web edition embed only those: the pages' elements are matched against their
own stylesheet (cssselect2, as WeasyPrint matches), font-weight and font-style cascaded and
inherited, with the user-agent defaults for b, strong, th, h1–h6, i, em, cite, var, dfn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

BOLD_TAGS = frozenset({"b", "strong", "th", "h1", "h2", "h3", "h4", "h5", "h6"})
ITALIC_TAGS = frozenset({"i", "em", "cite", "var", "dfn", "address"})
BOOK_FACE_FILES = {(False, False): "LinLibertine_R.otf", (False, True): "LinLibertine_RI.otf",
                   (True, False): "LinLibertine_RB.otf", (True, True): "LinLibertine_RBI.otf"}
SKIPPED = frozenset({"head", "script", "style", "title", "template"})


@dataclass(frozen=True)
class Style:
    bold: bool = False
    italic: bool = False


KIND = "faces-used"  # cache kind: one page's characters by style, under one stylesheet


def faces_used(pages: Iterable[str], css: str, store=None) -> dict[tuple[bool, bool], str]:
    """(bold, italic) → the characters the XHTML/HTML `pages` set in that style under `css`.

    Each page's answer is kept in the build cache `store` (None: none): after an edit only the
    edited chapter's page is matched again (a 300-page book's are 0.7 s of CPU).
    """
    from .cache import digest

    matcher = None
    found: dict[tuple[bool, bool], set[str]] = {}
    sheet = digest(css)
    for page in pages:
        key = digest(sheet, page)
        value = store.read_json(KIND, key) if store is not None else None
        if not isinstance(value, list):
            matcher = matcher or _matcher(css)
            value = [[bold, italic, chars] for (bold, italic), chars in _page(page, matcher).items()]
            if store is not None:
                store.write_json(KIND, key, value)
        for bold, italic, chars in value:
            found.setdefault((bool(bold), bool(italic)), set()).update(chars)
    if store is not None:
        store.prune(KIND)
    return {key: "".join(sorted(chars)) for key, chars in sorted(found.items())}


def generated_text(css: str) -> str:
    """The characters the stylesheet's `content:` strings draw (a heading link's "#", an epigraph
    source's dash and thin space): in no page's text, yet set in the book face, so every subset
    must hold them. Which style draws them is the element's: all of them keep these."""
    import tinycss2

    found: set[str] = set()

    def walk(rules) -> None:
        for rule in rules:
            if rule.type == "at-rule" and rule.content:
                walk(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
            if rule.type != "qualified-rule":
                continue
            for item in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True):
                if item.type == "declaration" and item.lower_name == "content":
                    found.update(c for token in item.value if token.type == "string" for c in token.value)

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return "".join(sorted(found))


def _page(page: str, matcher) -> dict[tuple[bool, bool], str]:
    import cssselect2
    import lxml.html
    from lxml import etree

    try:
        root = etree.fromstring(page.encode("utf-8"))
    except etree.XMLSyntaxError:  # the web edition's pages are HTML, not XML
        root = lxml.html.document_fromstring(page)
    found: dict[tuple[bool, bool], set[str]] = {}
    _walk(cssselect2.ElementWrapper.from_xml_root(root), Style(), matcher, found)
    return {key: "".join(sorted(chars)) for key, chars in found.items()}


def _walk(wrapper, parent: Style, matcher, found: dict) -> None:
    element = wrapper.etree_element
    tag = wrapper.local_name
    if tag in SKIPPED or not isinstance(element.tag, str):
        return
    bold, italic = parent.bold, parent.italic
    if tag in BOLD_TAGS:
        bold = True
    if tag in ITALIC_TAGS:
        italic = True
    matches = sorted((specificity, order, declarations)
                     for specificity, order, pseudo, declarations in matcher.match(wrapper) if pseudo is None)
    inline = [_declarations(element.get("style"))] if element.get("style") else []
    for declarations in [m[2] for m in matches] + inline:
        for name, value in declarations:
            bold, italic = _apply(name, value, bold, italic, parent)
    style = Style(bold, italic)
    if element.text:
        found.setdefault((bold, italic), set()).update(element.text)
    for child in wrapper.iter_children():
        _walk(child, style, matcher, found)
        if child.etree_element.tail:
            found.setdefault((bold, italic), set()).update(child.etree_element.tail)


def _apply(name: str, value: str, bold: bool, italic: bool, parent: Style) -> tuple[bool, bool]:
    words = value.lower().replace("!important", "").split()
    if name == "font-weight" and words:
        return _weight(words[0], parent.bold), italic
    if name == "font-style" and words:
        return bold, parent.italic if words[0] == "inherit" else words[0] in ("italic", "oblique")
    if name == "font":  # the shorthand resets what it does not name
        weight = next((w for w in words if w in ("bold", "bolder", "lighter") or re.fullmatch(r"[1-9]00", w)),
                      "normal")
        return _weight(weight, parent.bold), any(w in ("italic", "oblique") for w in words)
    return bold, italic


def _weight(word: str, inherited: bool) -> bool:
    if word == "inherit":
        return inherited
    if word == "bolder":
        return True
    if word == "lighter":
        return False
    if word.isdigit():
        return int(word) >= 600
    return word == "bold"


def _declarations(text: str) -> list[tuple[str, str]]:
    import tinycss2

    out = []
    for item in tinycss2.parse_declaration_list(text, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration" and item.lower_name in ("font", "font-weight", "font-style"):
            out.append((item.lower_name, tinycss2.serialize(item.value)))
    return out


def _matcher(css: str):
    """Every style rule that sets the weight or style, in order; @media blocks counted in (a
    superset: a face a medium might use is kept)."""
    import cssselect2
    import tinycss2

    matcher = cssselect2.Matcher()

    def add(rules) -> None:
        for rule in rules:
            if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
                add(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True))
            if rule.type != "qualified-rule":
                continue
            declarations = _declarations(tinycss2.serialize(rule.content))
            if not declarations:
                continue
            try:
                selectors = cssselect2.compile_selector_list(rule.prelude)
            except cssselect2.SelectorError:
                continue
            for selector in selectors:
                matcher.add_selector(selector, declarations)

    add(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return matcher
