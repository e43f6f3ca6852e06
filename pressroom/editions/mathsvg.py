"""TeX math in the PDF editions: each MathML formula of the shared HTML swapped for an SVG MathJax drew.

WeasyPrint lays out no MathML. Each `<math>` of the fragments (its TeX in `alttext`) becomes
an inline `<svg>` sized in ems, so it follows the type size of the text around it (a note's
formula is a note's size):

    inline   <svg class="math-inline" style="width: …em; height: …em; vertical-align: -…em">
             the depth below the baseline, from MathJax's own box: the formula sits on the line
    display  <span class="math-display"><svg class="math-block" …></span>, a centred block (styles/pdf.css)

Each SVG carries its TeX as its <title>: a tagged PDF gives it to the formula's Figure as /Alt.
Drawn formulas are kept in the build cache by TeX, display style, MathJax's version and our code.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from ..cache import Store, code_digest, digest
from ..messages import BuildError, error
from ..resolve import ResolvedChapter
from ..tools import mathjax
from .fragments import Fragments

KIND = "math-svg"  # cache kind: (TeX, display) → the SVG markup for the PDF
MATH = re.compile(r'<math display="(inline|block)" alttext="([^"]*)"[^>]*>.*?</math>', re.S)
SVG_NS = "http://www.w3.org/2000/svg"
UNITS = 1000  # MathJax's SVG units per em
# What a MathJax SVG is drawn with: anything else (a link, a foreign object) is dropped.
ELEMENTS = {"svg", "g", "path", "rect", "line", "polygon", "ellipse", "text", "title"}
ATTRIBUTES = {"d", "transform", "x", "y", "width", "height", "x1", "y1", "x2", "y2", "points", "cx", "cy",
              "rx", "ry", "fill", "stroke", "stroke-width", "stroke-dasharray", "viewBox", "font-family",
              "font-size", "font-style", "font-weight"}


def as_svg(fragments: Fragments, chapters: list[ResolvedChapter], store: Store | None) -> Fragments:
    """The fragments with every formula drawn; a formula MathJax refuses is an error naming it."""
    pieces = [(c.shown, fragments.chapters[c.id]) for c in chapters]
    pieces += [(c.shown, fragments.notes[n.number]) for c in chapters for n in c.notes]
    wanted = list(dict.fromkeys((html.unescape(m.group(2)), m.group(1) == "block", shown)
                                for shown, text in pieces for m in MATH.finditer(text)))
    if not wanted:
        return fragments
    drawn = _drawn(list(dict.fromkeys((tex, display) for tex, display, _ in wanted)), store)
    problems = [error("M003", shown, 0, 0, f"TeX math {_dollars(tex, display)} cannot be drawn by MathJax: "
                      f"{drawn[(tex, display)]['error']}")
                for tex, display, shown in wanted if "error" in drawn[(tex, display)]]
    if problems:
        raise BuildError(problems)

    def swap(match: re.Match) -> str:
        return drawn[(html.unescape(match.group(2)), match.group(1) == "block")]["svg"]

    return Fragments({key: MATH.sub(swap, text) for key, text in fragments.chapters.items()},
                     {key: MATH.sub(swap, text) for key, text in fragments.notes.items()})


def _drawn(formulas: list[tuple[str, bool]], store: Store | None) -> dict[tuple[str, bool], dict]:
    """Each formula's {"svg"} (ready markup) or {"error"}: from the cache, the rest in one MathJax run."""
    # Our own code too: svg_markup shapes what is kept.
    keys = {f: digest(code_digest(), mathjax.version(), str(f[1]), f[0]) for f in formulas}
    found = {f: store.read_json(KIND, keys[f]) for f in formulas} if store is not None else {}
    missing = [f for f in formulas if found.get(f) is None]
    for formula, answer in zip(missing, mathjax.render(missing, label="book")):
        if "svg" in answer:
            answer = {"svg": svg_markup(answer["svg"], *formula)}
            if store is not None:
                store.write_json(KIND, keys[formula], answer)
        found[formula] = answer
    if store is not None and missing:
        store.prune(KIND)
    return found


def svg_markup(svg: str, tex: str, display: bool) -> str:
    """MathJax's SVG cut to what draws, sized in ems on the baseline, titled with its TeX."""
    root = etree.fromstring(svg.encode("utf-8"))
    _keep_drawing(root)
    left, top, width, height = (float(v) for v in root.get("viewBox").split())
    depth = (top + height) / UNITS  # below the baseline
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    style = f"width: {width / UNITS:.3f}em; height: {height / UNITS:.3f}em"
    root.set("class", "math-block" if display else "math-inline")
    root.set("style", style if display else f"{style}; vertical-align: {-depth:.3f}em")
    title = etree.Element(f"{{{SVG_NS}}}title")
    title.text = tex
    root.insert(0, title)
    markup = etree.tostring(root, encoding="unicode")
    return f'<span class="math-display">{markup}</span>' if display else markup


def _keep_drawing(element) -> None:
    for child in list(element):
        if not isinstance(child.tag, str) or etree.QName(child).localname not in ELEMENTS:
            element.remove(child)
        else:
            _keep_drawing(child)
    for name in list(element.attrib):
        if name not in ATTRIBUTES:
            del element.attrib[name]


def _dollars(tex: str, display: bool) -> str:
    tex = " ".join(tex.split())
    dollars = "$$" if display else "$"
    return f"{dollars}{tex if len(tex) <= 60 else tex[:59] + '…'}{dollars}"
