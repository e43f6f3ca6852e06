"""Raw HTML in a manuscript: refused when hostile, cut down to an allowlist otherwise, never passed through.

Manuscripts do carry raw HTML (`<sup>`, `<small>`, `<span lang=…>`, tables). Pandoc keeps it as
RawInline (one node per tag) and RawBlock nodes whatever the reader's extensions say, so the
decision is made here, on the AST, with positions:

- hostile markup is an error (P001): script, style, iframe, object, embed, forms, images and
  media (a Markdown image is checked; an <img> is not), event attributes, inline styles and
  every attribute that loads something (src, data, …);
- a link `<a href>` is held to the rules of a Markdown link (parse.py's link policy): web,
  mail and in-book links only;
- comments are dropped, as every Markdown renderer drops them: editorial remarks never reach
  an edition (nor its source);
- a harmless element or attribute off the allowlist (<font>, <center>, align=…) is dropped with
  a warning (P005) naming its place; its text stays;
- what is left is rebuilt from the parsed tokens (`clean_raw`): allowlisted names, allowlisted
  attributes with escaped values, nothing else, as well-formed XHTML for the EPUB;
- the HTML pandoc writes for the PDF and web editions then goes through nh3 (`second_layer`), a
  maintained sanitiser, so nothing outside the same allowlist reaches a page even if a check
  above were wrong.

Pandoc writes a table's column alignment as `style="text-align: …"`; `clean_blocks` turns it
into an `align-*` class (styles/base.css), so no edition carries an inline style.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from .messages import Message, error, warning
from .pandoc_ast import attr_of, line_col, transform

INLINE_TAGS = {"a", "span", "sup", "sub", "small", "abbr", "cite", "dfn", "em", "strong", "i", "b", "s",
               "u", "mark", "q", "kbd", "code", "samp", "var", "bdi", "bdo", "br", "wbr", "del", "ins",
               "ruby", "rt", "rp"}
BLOCK_TAGS = {"div", "p", "blockquote", "hr", "table", "caption", "thead", "tbody", "tfoot", "tr",
              "th", "td", "dl", "dt", "dd", "ul", "ol", "li", "figure", "figcaption", "pre"}
RAW_TAGS = INLINE_TAGS | BLOCK_TAGS
VOID_TAGS = {"br", "wbr", "hr"}
GLOBAL_ATTRIBUTES = {"id", "class", "lang", "dir", "title"}
TAG_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}, "ol": {"start"}}
NUMERIC_ATTRIBUTES = {"colspan", "rowspan", "start"}
DIRECTIONS = {"ltr", "rtl", "auto"}
HOSTILE_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "link",
                "meta", "base", "form", "input", "button", "textarea", "select", "option", "img", "image",
                "svg", "math", "video", "audio", "source", "track", "picture", "canvas", "template",
                "noscript", "param", "portal", "xml", "area", "map", "title", "head", "body", "html"}
# Attributes that run, style, load or link something: never from a manuscript.
HOSTILE_ATTRIBUTES = {"style", "href", "src", "srcset", "data", "action", "formaction", "background",
                      "poster", "codebase", "ping", "manifest", "lowsrc", "dynsrc", "xlink:href", "xmlns",
                      "http-equiv", "content", "srcdoc", "integrity", "itemtype", "cite",
                      "longdesc", "usemap", "profile", "classid", "archive"}

# The second layer: what pandoc's HTML and our own rebuilt raw HTML may hold.
SECOND_LAYER_TAGS = RAW_TAGS | {"a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "section", "aside",
                                "header", "footer", "nav", "colgroup", "col"}
SECOND_LAYER_ATTRIBUTES = {
    "*": GLOBAL_ATTRIBUTES | {"role", "aria-label", "aria-hidden", "aria-describedby"},
    "a": {"href"}, "img": {"src", "alt"}, "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"}, "ol": {"start", "type", "reversed"}, "li": {"value"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# TeX math as pandoc writes it (texmath's MathML, `math: tex` books): presentation MathML only.
# Nothing that loads or acts: no mglyph (src), no maction, no annotation-xml (it may hold HTML),
# no href; `style` stays out too (the web edition's CSP would refuse it anyway).
MATHML_TAGS = {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
               "msup", "msub", "msubsup", "munder", "mover", "munderover", "mfrac", "msqrt", "mroot",
               "mstyle", "mtable", "mtr", "mtd", "mlabeledtr", "mpadded", "mphantom", "menclose",
               "merror", "mmultiscripts", "mprescripts", "none"}
_TOKEN = {"mathvariant", "mathsize", "dir"}
_OPERATOR = {"form", "fence", "separator", "stretchy", "symmetric", "largeop", "movablelimits", "accent",
             "lspace", "rspace", "minsize", "maxsize"}
_TABLE = {"columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
          "displaystyle", "columnspan", "rowspan"}
MATHML_ATTRIBUTES = {
    "math": {"display", "alttext", "xmlns"}, "annotation": {"encoding"},
    "mi": _TOKEN, "mn": _TOKEN, "mtext": _TOKEN, "ms": _TOKEN, "mo": _TOKEN | _OPERATOR,
    "mspace": {"width", "height", "depth"}, "mfrac": {"linethickness", "bevelled"},
    "mover": {"accent"}, "munder": {"accentunder"}, "munderover": {"accent", "accentunder"},
    "mstyle": {"displaystyle", "scriptlevel", "mathvariant"}, "menclose": {"notation"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "mtable": _TABLE, "mtr": _TABLE, "mtd": _TABLE, "mlabeledtr": _TABLE,
}
SECOND_LAYER_TAGS = SECOND_LAYER_TAGS | MATHML_TAGS
SECOND_LAYER_ATTRIBUTES = {**SECOND_LAYER_ATTRIBUTES, **MATHML_ATTRIBUTES}


@dataclass(frozen=True)
class Token:
    """One piece of raw HTML: a tag (with attributes), a comment, a declaration, or text."""

    kind: str  # start | end | startend | comment | decl | data
    name: str
    attrs: tuple[tuple[str, str | None], ...]
    line: int  # 1-based, within the raw text
    col: int  # 0-based offset in that line
    text: str = ""


class _Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []

    def _add(self, kind: str, name: str = "", attrs=(), text: str = "") -> None:
        line, col = self.getpos()
        self.tokens.append(Token(kind, name.lower(), tuple(attrs), line, col, text))

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._add("startend", tag, attrs)

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("data", text=data)

    def handle_comment(self, data):
        self._add("comment", text=data)

    def handle_decl(self, decl):
        self._add("decl", text=decl)

    def handle_pi(self, data):
        self._add("decl", text=data)

    def unknown_decl(self, data):
        self._add("decl", text=data)


def tokens(raw: str) -> list[Token]:
    """The tokens of a raw HTML fragment; text left unparsed at the end counts as text."""
    parser = _Tokens()
    parser.feed(raw)
    parser.close()
    return parser.tokens


# --- the policy: messages with positions --------------------------------------------------------

def token_problem(token: Token) -> tuple[str, str, str] | None:
    """(severity, code, text) for a raw HTML token that is hostile or off the allowlist."""
    if token.kind == "comment":
        return None  # dropped (clean_raw keeps no comment)
    if token.kind == "decl":
        return ("error", "P001", f"raw HTML declaration {token.text[:30]!r} is not allowed in a manuscript")
    if token.kind not in ("start", "startend", "end"):
        return None
    name = token.name
    if token.kind == "end":
        return None  # the opening tag was judged
    if name in HOSTILE_TAGS:
        return ("error", "P001", f"raw HTML <{name}> is not allowed in a manuscript")
    for key, value in token.attrs:
        if name == "a" and key == "href":
            problem = link_problem((value or "").strip())
            if problem:
                return ("error", "P002", problem)
            continue
        if key.startswith("on") or key in HOSTILE_ATTRIBUTES or key.startswith("xmlns"):
            return ("error", "P001", f"raw HTML attribute '{key}' on <{name}> is not allowed in a manuscript")
        if key in ("colspan", "rowspan") and (value or "").strip().isdigit() and int(value) > _max_span():
            return ("error", "R002", f"raw HTML {key}={int(value)} on <{name}> (limit {_max_span()})")
    if name not in RAW_TAGS:
        return ("warning", "P005", f"raw HTML <{name}> is not on the allowlist: the tag is dropped, its text kept")
    dropped = [key for key, value in token.attrs if not _attribute_allowed(name, key, value)]
    if dropped:
        return ("warning", "P005", f"raw HTML attribute '{dropped[0]}' on <{name}> is not on the allowlist: dropped")
    return None


def link_problem(target: str) -> str | None:
    """Why a link may not be used: only web and mail links and in-book #anchors are."""
    scheme = urlsplit(target).scheme.lower()
    if scheme and scheme not in URL_SCHEMES:
        return f"link scheme '{scheme}:' is not allowed (use https, http, mailto or #id)"
    if not scheme and not target.startswith("#"):
        return f"link to {target!r}: only web links and in-book #anchors are allowed"
    if scheme in ("http", "https") and not urlsplit(target).netloc:
        return f"link to {target!r} names no host"
    return None


def _max_span() -> int:
    from .limits import MAX_SPAN

    return MAX_SPAN


def _attribute_allowed(name: str, key: str, value: str | None) -> bool:
    if name == "a" and key == "href":
        return link_problem((value or "").strip()) is None
    if key not in GLOBAL_ATTRIBUTES and key not in TAG_ATTRIBUTES.get(name, ()):
        return False
    if key == "dir":
        return (value or "").strip().lower() in DIRECTIONS
    if key in NUMERIC_ATTRIBUTES:
        return (value or "").strip().isdigit()
    return True


def raw_messages(blocks: list, shown: str, line_offset: int = 0) -> list[Message]:
    """Every problem of the raw HTML in `blocks` (with sourcepos), and tags left unclosed."""
    messages: list[Message] = []
    _check_blocks(blocks, shown, line_offset, "", messages)
    return messages


def _check_blocks(blocks: list, shown: str, offset: int, pos: str, messages: list[Message]) -> None:
    """One list of sibling blocks: raw blocks must open and close their tags among themselves."""
    stack: list[tuple[str, tuple[str, int, int]]] = []
    for block in blocks:
        block_pos = _pos_of(block, pos)
        inner = _unwrap(block)
        if inner["t"] == "RawBlock" and inner["c"][0] == "html":
            line, col = line_col(block_pos)
            for token in tokens(inner["c"][1]):
                where = (shown, line + offset + token.line - 1 if line else 0,
                         (col + token.col if token.line == 1 else token.col + 1) if line else 0)
                _token_messages(token, where, stack, messages)
        else:
            _check_children(inner, shown, offset, block_pos, messages)
    for name, where in stack:
        messages.append(error("P007", *where, f"raw HTML <{name}> is never closed"))


def _check_children(node: dict, shown: str, offset: int, pos: str, messages: list[Message]) -> None:
    """Block lists inside `node` are checked as siblings; each inline list as one run."""
    for kind, nodes in _node_lists(node):
        if kind == "blocks":
            _check_blocks(nodes, shown, offset, pos, messages)
        else:
            _check_inlines(nodes, shown, offset, pos, messages)


def _node_lists(node: dict) -> list[tuple[str, list]]:
    """The lists of nodes directly inside `node` (list items, cells, a paragraph's inlines, …)."""
    found: list[tuple[str, list]] = []
    todo = [node.get("c")]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            if item and all(isinstance(x, dict) and "t" in x for x in item):
                found.append(("blocks" if _is_block(item[0]) else "inlines", item))
            else:
                todo.extend(reversed(item))
    return found


BLOCK_TYPES = {"Para", "Plain", "Header", "CodeBlock", "RawBlock", "BlockQuote", "BulletList", "OrderedList",
               "DefinitionList", "Div", "HorizontalRule", "Table", "Figure", "LineBlock"}


def _is_block(node: dict) -> bool:
    return node["t"] in BLOCK_TYPES


def _check_inlines(inlines: list, shown: str, offset: int, pos: str, messages: list[Message]) -> None:
    """The raw tags of one paragraph, in reading order: each allowed, and the run balanced."""
    stack: list[tuple[str, tuple[str, int, int]]] = []

    def visit(value, pos: str) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item, pos)
            return
        if not (isinstance(value, dict) and "t" in value):
            return
        pos = _pos_of(value, pos)
        if value["t"] == "RawInline" and value["c"][0] == "html":
            line, col = line_col(pos)
            where = (shown, line + offset if line else 0, col)
            for token in tokens(value["c"][1]):
                _token_messages(token, where, stack, messages)
        elif value["t"] == "Note":
            _check_children(value, shown, offset, pos, messages)
        else:
            visit(value.get("c"), pos)

    visit(inlines, pos)
    for name, where in stack:
        messages.append(error("P007", *where, f"raw HTML <{name}> is not closed in the same paragraph"))


def _token_messages(token: Token, where: tuple[str, int, int], stack: list, messages: list[Message]) -> None:
    problem = token_problem(token)
    if problem:
        severity, code, text = problem
        messages.append((error if severity == "error" else warning)(code, *where, text))
    if token.name not in RAW_TAGS or token.name in VOID_TAGS or token.kind == "startend":
        return
    if token.kind == "start":
        stack.append((token.name, where))
    elif token.kind == "end":
        if stack and stack[-1][0] == token.name:
            stack.pop()
        else:
            messages.append(error("P007", *where, f"raw HTML </{token.name}> closes no open <{token.name}>"))


def _pos_of(node: dict, pos: str) -> str:
    attr = attr_of(node) if isinstance(node, dict) and "t" in node else None
    return dict(attr[2]).get("data-pos", pos) if attr else pos


def _unwrap(block: dict) -> dict:
    """The block inside a sourcepos wrapper Div."""
    attr = attr_of(block)
    if block["t"] == "Div" and attr and dict(attr[2]).get("wrapper") == "1" and len(block["c"][1]) == 1:
        return block["c"][1][0]
    return block


# --- rebuilding ---------------------------------------------------------------------------------

def clean_raw(raw: str) -> str:
    """Raw HTML rebuilt from its tokens: allowlisted elements and attributes only, as XHTML."""
    out: list[str] = []
    for token in tokens(raw):
        if token.kind == "data":
            out.append(html.escape(token.text, quote=False))
        elif token.kind in ("start", "startend") and token.name in RAW_TAGS and token.name not in HOSTILE_TAGS:
            attrs = "".join(f' {key}="{html.escape((value or "").strip())}"' for key, value in token.attrs
                            if _attribute_allowed(token.name, key, value))
            if token.name in VOID_TAGS:
                out.append(f"<{token.name}{attrs} />")
            else:
                out.append(f"<{token.name}{attrs}>")
                if token.kind == "startend":
                    out.append(f"</{token.name}>")
        elif token.kind == "end" and token.name in RAW_TAGS and token.name not in VOID_TAGS:
            out.append(f"</{token.name}>")
    return "".join(out)


ALIGN_CLASSES = {"AlignLeft": "align-left", "AlignRight": "align-right", "AlignCenter": "align-center"}


def clean_blocks(blocks: list) -> list:
    """Checked blocks made safe to write: raw HTML rebuilt (empty pieces dropped), tables without styles."""

    def clean(node: dict):
        t = node["t"]
        if t in ("RawInline", "RawBlock"):
            if node["c"][0] != "html":
                return []
            rebuilt = clean_raw(node["c"][1])
            return {"t": t, "c": ["html", rebuilt]} if rebuilt.strip() else []
        if t == "Table":
            return _table_without_styles(node)
        return None

    return transform(blocks, clean)


def _table_without_styles(table: dict) -> dict:
    # A copy to change cell by cell: transform shares unchanged subtrees with the tree it was given.
    attr, caption, colspecs, head, bodies, foot = copy.deepcopy(table["c"])
    aligns = [spec[0]["t"] for spec in colspecs]
    rows = list(head[1]) + list(foot[1])
    for body in bodies:
        rows += list(body[2]) + list(body[3])
    for row in rows:
        column = 0
        for cell in row[1]:
            cell_attr, align, _rowspan, colspan, _blocks = cell
            effective = align["t"] if align["t"] != "AlignDefault" else \
                (aligns[column] if column < len(aligns) else "AlignDefault")
            if effective in ALIGN_CLASSES:
                cell_attr[1] = [*cell_attr[1], ALIGN_CLASSES[effective]]
            cell[1] = {"t": "AlignDefault"}
            column += max(1, colspan)
    plain = [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}] for _ in colspecs]
    return {"t": "Table", "c": [attr, caption, plain, head, bodies, foot]}


def second_layer(fragment: str) -> str:
    """HTML written by pandoc, through nh3 with the allowlist above (our marker comments kept)."""
    import nh3

    return nh3.clean(fragment, tags=SECOND_LAYER_TAGS, attributes=SECOND_LAYER_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, strip_comments=False, link_rel=None)
