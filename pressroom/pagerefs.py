"""Page numbers in the text: page references and index locators, as markers every edition fills.

    <!--pressroom-page:sec:origins-->            a page reference ("p. 42"): the page its anchor lands on
    <!--pressroom-locators:ix-3,ix-4~ix-9-->     an index entry's places, a range as `start~end`

The markers travel in the HTML fragments all editions share; each edition fills them from the
reader's PDF's pages (anchor → folio as printed, roman in the front matter), so "p. 42" means
the same page in the PDF, the EPUB (a link to its page-list marker) and the web edition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

PAGE = re.compile(r"<!--pressroom-page:([^>]+?)-->")
LOCATORS = re.compile(r"<!--pressroom-locators:([^>]*?)-->")
PLACEHOLDER = "00"  # a page number not yet known: the PDF's first layout pass sets this
RANGE_DASH = "\u2013"
ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def page_marker(anchor: str) -> dict:
    """The AST node standing for the page `anchor` is printed on."""
    return {"t": "RawInline", "c": ["html", f"<!--pressroom-page:{anchor}-->"]}


def locators_marker(places: Iterable[tuple[str, str | None]]) -> dict:
    """The AST node standing for an index entry's page numbers: (start anchor, end anchor or None) each."""
    text = ",".join(start if end is None else f"{start}~{end}" for start, end in places)
    return {"t": "RawInline", "c": ["html", f"<!--pressroom-locators:{text}-->"]}


def wanted(htmls: Iterable[str]) -> set[str]:
    """Every anchor whose page some marker in `htmls` needs."""
    found: set[str] = set()
    for html in htmls:
        found.update(PAGE.findall(html))
        for group in LOCATORS.findall(html):
            found.update(a for item in group.split(",") if item for a in item.split("~"))
    return found


def fill(html: str, pages: dict[str, str], link: Callable[[str, str], str],
         locator: Callable[[str, str], str] | None = None) -> str:
    """Each marker of `html` as page numbers, `link(anchor, text)` making a page reference's
    markup and `locator(anchor, text)` an index locator's (default: `link`)."""
    if "<!--pressroom-" not in html:
        return html
    locator = locator or link
    html = PAGE.sub(lambda m: link(m.group(1), pages.get(m.group(1), PLACEHOLDER)), html)

    def locators(match: re.Match) -> str:
        places = [tuple(item.split("~")) if "~" in item else (item, None)
                  for item in match.group(1).split(",") if item]
        return ", ".join(locator(anchor, text) for anchor, text in merged(places, pages))

    return LOCATORS.sub(locators, html)


@dataclass
class _Span:
    """Pages start..end (as sortable keys) of one or more places, linked to the first place's anchor."""

    start: tuple[int, int]
    end: tuple[int, int]
    labels: tuple[str, str]
    anchor: str
    explicit: bool  # written as a range (index-start … index-end)


def merged(places: list[tuple[str, str | None]], pages: dict[str, str]) -> list[tuple[str, str]]:
    """(anchor, "42" or "42–45") for an entry's places: a page given once, a page inside a range
    dropped, overlapping ranges joined, and three or more pages in a row written as a range."""
    spans = []
    for start, end in places:
        first = pages.get(start, PLACEHOLDER)
        last = pages.get(end, PLACEHOLDER) if end else first
        spans.append(_Span(page_key(first), page_key(last), (first, last), start, end is not None))
    spans.sort(key=lambda s: (s.start, s.end))
    groups: list[_Span] = []
    for span in spans:
        last = groups[-1] if groups else None
        if last is not None and span.start[0] == last.start[0] and span.start <= last.end:
            if span.end > last.end:
                last.end, last.labels = span.end, (last.labels[0], span.labels[1])
            last.explicit = last.explicit or span.explicit
            continue
        groups.append(_Span(span.start, span.end, span.labels, span.anchor, span.explicit))
    runs: list[list[_Span]] = []
    for group in groups:
        if runs and runs[-1][-1].start[0] == group.start[0] and group.start[1] == runs[-1][-1].end[1] + 1:
            runs[-1].append(group)
        else:
            runs.append([group])
    out = []
    for run in runs:
        pages_in_run = run[-1].end[1] - run[0].start[1] + 1
        if len(run) > 1 and not (pages_in_run >= 3 or any(g.explicit for g in run)):
            out += [(g.anchor, _text(g.labels, g.start, g.end)) for g in run]
        else:
            out.append((run[0].anchor, _text((run[0].labels[0], run[-1].labels[1]), run[0].start, run[-1].end)))
    return out


def _text(labels: tuple[str, str], start: tuple[int, int], end: tuple[int, int]) -> str:
    return labels[0] if start == end else f"{labels[0]}{RANGE_DASH}{labels[1]}"


def page_key(label: str) -> tuple[int, int]:
    """A folio as a sortable key: front matter's roman numbers (0, n) before the body's (1, n)."""
    if label.isdigit():
        return 1, int(label)
    total, previous = 0, 0
    for letter in reversed(label.lower()):
        value = ROMAN_VALUES.get(letter, 0)
        total += -value if value < previous else value
        previous = max(previous, value)
    return 0, total
