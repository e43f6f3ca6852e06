"""`proof`: the book at a glance. Every page of each built PDF as a thumbnail, in spreads as
the bound book opens (the first page alone on the right, then each verso beside its recto),
the pages `check` flags outlined and labelled, and a click away from each page drawn large.

One self-contained folder, build/proof/, written atomically: index.html, a small HTML page
per PDF page (the large image, what failed there, the previous and next pages), and PNGs
drawn by PDFium. Styles inline, no scripts, nothing fetched from anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

from .check import CheckResults, FileReport, Finding, RuleResult
from .model import Book
from .output import atomic_path

LARGE_SCALE = 1.5         # pixels per point for the large page: 108 dpi, a 6 x 9 in page at 648 x 972
THUMB_WIDTH = 150         # CSS pixels
THUMB_DENSITY = 2         # thumbnails drawn at twice their CSS size, for sharp high-density screens
# What a flagged page's label says, per rule (the keys of pressroom/check's PDF rules).
LABELS = {"notes": "note off its page", "measure": "past the margin", "opening": "opens on a verso",
          "contents": "contents number", "ending": "text missing", "fonts": "font not embedded"}

Failures = dict[int, list[tuple[RuleResult, Finding]]]


@dataclass(frozen=True)
class DrawnPage:
    """One page of a PDF as drawn for the proof; file names are relative to the PDF's folder."""

    number: int
    folio: str | None
    size: tuple[int, int]        # the large image's pixels
    thumb_size: tuple[int, int]  # the thumbnail's CSS pixels

    @property
    def stem(self) -> str:
        """The name of its large image and view, without the extension: page-0007."""
        return f"page-{self.number:04d}"


def write_proof(book: Book, results: CheckResults, target: Path, progress: Callable[[str], None],
                epub: Path | None = None, site: Path | None = None) -> tuple[int, int]:
    """Draw every page of each checked PDF, and the EPUB and web edition as readers see them
    (pressroom/screens.py), and write target/index.html; (pages, flagged pages)."""
    with atomic_path(target) as folder:
        folder.mkdir()
        sections = []
        for report in results.pdfs:
            progress(f"proof: drawing {report.path.name} ({report.pages} pages)")
            pages = draw_pages(report, folder / report.path.stem)
            write_page_views(book, report, pages, folder / report.path.stem)
            sections.append(pdf_section(report, pages))
        if epub is not None or site is not None:
            from .screens import write_screens

            sections.append(screens_section(write_screens(epub, site, folder / "screens", progress)))
        (folder / "index.html").write_text(index_html(book, results, sections), "utf-8")
    return sum(r.pages for r in results.pdfs), sum(len(r.flagged()) for r in results.pdfs)


def draw_pages(report: FileReport, folder: Path) -> list[DrawnPage]:
    """Each page of the PDF drawn large (page-NNNN.png) and small (thumb-NNNN.png) into `folder`."""
    import pypdfium2 as pdfium
    from PIL import Image

    folder.mkdir()
    document = pdfium.PdfDocument(str(report.path))
    drawn = []
    try:
        for index in range(len(document)):
            page = document[index]
            image = _grey_if_grey(page.render(scale=LARGE_SCALE).to_pil())
            page.close()
            folio = report.folios[index] if index < len(report.folios) else None
            thumb = (THUMB_WIDTH, round(THUMB_WIDTH * image.height / image.width))
            drawn.append(DrawnPage(index + 1, folio, image.size, thumb))
            image.save(folder / f"{drawn[-1].stem}.png")
            image.resize((thumb[0] * THUMB_DENSITY, thumb[1] * THUMB_DENSITY), Image.LANCZOS) \
                .save(folder / f"thumb-{index + 1:04d}.png")
    finally:
        document.close()
    return drawn


def _grey_if_grey(image):
    """A page with no colour on it saved as greyscale: a third of the bytes, the same look."""
    from PIL import ImageChops

    red, green, blue = image.split()
    if ImageChops.difference(red, green).getbbox() or ImageChops.difference(green, blue).getbbox():
        return image
    return image.convert("L")


def spreads(count: int) -> list[tuple[int | None, int | None]]:
    """Pages as the bound book opens: (None, 1), (2, 3), (4, 5), …, the last verso alone if even."""
    pairs: list[tuple[int | None, int | None]] = [(None, 1)] if count else []
    for verso in range(2, count + 1, 2):
        pairs.append((verso, verso + 1 if verso + 1 <= count else None))
    return pairs


# ---------------------------------------------------------------------------------------------
# index.html: per PDF, its rules, what failed (linked to the pages), then the spreads.
# ---------------------------------------------------------------------------------------------

def pdf_section(report: FileReport, pages: list[DrawnPage]) -> str:
    """One PDF's part of the index page."""
    flagged, stem = report.flagged(), report.path.stem
    by_number = {page.number: page for page in pages}
    spread_html = "".join(
        '<div class="spread">' + _slot(stem, by_number.get(verso), flagged, "verso")
        + _slot(stem, by_number.get(recto), flagged, "recto") + "</div>"
        for verso, recto in spreads(report.pages))
    return (f'<section id="{stem}" aria-labelledby="{stem}-title">'
            f'<h2 id="{stem}-title">{escape(report.path.name)} '
            f'<span class="count">{report.pages} pages, {_flag_count(len(flagged))}</span></h2>'
            f'<table class="rules"><tbody>{"".join(_rule_row(rule) for rule in report.rules)}</tbody></table>'
            f"{_problems(report)}<div class=\"spreads\">{spread_html}</div></section>")


def _problems(report: FileReport) -> str:
    """Each failure, with links to the pages it names."""
    items = "".join(
        f"<li>{escape(finding.text)} "
        + " ".join(f'<a href="#{report.path.stem}-p{n}">p.&nbsp;{n}</a>' for n in dict.fromkeys(finding.pages))
        + "</li>"
        for rule in report.rules for finding in rule.findings)
    return f'<ul class="problems">{items}</ul>' if items else ""


def _flag_count(count: int) -> str:
    return "none flagged" if count == 0 else f"{count} flagged"


def _rule_row(rule: RuleResult) -> str:
    percent = f"{100 * rule.passed // rule.total} %" if rule.total else "–"
    count = f"{rule.passed}/{rule.total}"
    if rule.figure:  # a rule that counts otherwise ("nothing found") says so in its own words
        count, percent = rule.figure, ""
    status = '<td class="ok">ok</td>' if rule.ok else '<td class="failed">failed</td>'
    return (f'<tr><th scope="row">{escape(rule.label)}</th><td>{escape(count)}</td>'
            f"<td>{percent}</td>{status}</tr>")


def _labels(failures: list[tuple[RuleResult, Finding]]) -> list[str]:
    return list(dict.fromkeys(LABELS.get(rule.key, rule.key) for rule, _ in failures))


def _slot(stem: str, page: DrawnPage | None, flagged: Failures, side: str) -> str:
    """A page in its place in the spread, or an empty place (before page 1, after the last)."""
    if page is None:
        return f'<div class="page {side} empty" aria-hidden="true"></div>'
    failures = flagged.get(page.number, [])
    labels = _labels(failures)
    title = escape("\n".join(finding.text for _, finding in failures))
    alt = f"Page {page.number}" + (f": {', '.join(labels)}" if labels else "")
    return (f'<figure class="page {side}{" flagged" if failures else ""}" id="{stem}-p{page.number}"'
            + (f' title="{title}"' if title else "") + ">"
            f'<a href="{stem}/{page.stem}.html"><img src="{stem}/thumb-{page.number:04d}.png" loading="lazy" '
            f'width="{page.thumb_size[0]}" height="{page.thumb_size[1]}" alt="{escape(alt)}"></a>'
            f"<figcaption>{_caption(page)}"
            + "".join(f'<span class="flag">{escape(label)}</span>' for label in labels)
            + "</figcaption></figure>")


def _caption(page: DrawnPage) -> str:
    return f"{page.number}" + (f' <span class="folio">folio {escape(page.folio)}</span>' if page.folio else "")


def screens_section(shots: list) -> str:
    """The EPUB in epub.js at phone size and the web edition at two widths, light and dark."""
    if not shots:
        return ""
    figures = "".join(f'<figure class="screen"><a href="screens/{escape(s.name)}"><img src="screens/{escape(s.name)}"'
                      f' alt="{escape(s.caption)}" loading="lazy"></a><figcaption>{escape(s.caption)}</figcaption></figure>'
                      for s in shots)
    return ('<section id="screens" aria-labelledby="screens-title"><h2 id="screens-title">The EPUB and the web '
            f'edition as readers see them <span class="count">{len(shots)} screenshots</span></h2>'
            f'<div class="screens">{figures}</div></section>')


def index_html(book: Book, results: CheckResults, sections: list[str]) -> str:
    """The whole index page."""
    toc = "".join(
        f'<li><a href="#{r.path.stem}">{escape(r.path.name)}</a> <span class="{"ok" if r.ok else "failed"}">'
        f"{r.pages} pages, {_flag_count(len(r.flagged()))}</span></li>" for r in results.pdfs)
    body = f"""<header>
<h1>Proof: <cite>{escape(book.title)}</cite> <span class="version">version {escape(book.version)}</span></h1>
<p>Every page of each PDF, in spreads as the bound book opens: the first page alone on the right,
then each left-hand page beside its right-hand page. Pages that fail a check are outlined in red
and labelled; click a page to see it large.</p>
<nav aria-label="PDFs"><ul>{toc}</ul></nav>
</header>
<main>
{"".join(sections)}
</main>"""
    return _document(f"Proof: {book.title}", body)


# ---------------------------------------------------------------------------------------------
# One HTML page per PDF page: the page large, what failed on it, the pages either side.
# ---------------------------------------------------------------------------------------------

def write_page_views(book: Book, report: FileReport, pages: list[DrawnPage], folder: Path) -> None:
    """folder/page-NNNN.html for each page."""
    flagged = report.flagged()
    for index, page in enumerate(pages):
        before = pages[index - 1] if index else None
        after = pages[index + 1] if index + 1 < len(pages) else None
        html = page_view(book, report, page, flagged.get(page.number, []), before, after)
        (folder / f"{page.stem}.html").write_text(html, "utf-8")


def page_view(book: Book, report: FileReport, page: DrawnPage, failures: list[tuple[RuleResult, Finding]],
              before: DrawnPage | None, after: DrawnPage | None) -> str:
    """A page drawn large, with its failures above it."""
    stem = report.path.stem
    links = [f'<a href="../index.html#{stem}-p{page.number}">All pages</a>',
             f'<a href="{before.stem}.html" rel="prev">← Page {before.number}</a>' if before else "",
             f'<a href="{after.stem}.html" rel="next">Page {after.number} →</a>' if after else ""]
    problems = "".join(f"<li>{escape(finding.text)}</li>" for _, finding in failures)
    body = (f'<header class="view"><h1>{escape(report.path.name)}, page {_caption(page)}</h1>'
            f'<nav aria-label="Pages">{" ".join(link for link in links if link)}</nav>'
            + (f'<ul class="problems flagged-list">{problems}</ul>' if problems else "")
            + f'</header><main class="view"><img class="large{" flagged" if failures else ""}" '
            f'src="{page.stem}.png" width="{page.size[0]}" height="{page.size[1]}" '
            f'alt="Page {page.number} of {escape(report.path.name)}"></main>')
    return _document(f"{report.path.name}, page {page.number}: {book.title}", body)


def _document(title: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>
{body}
</body>
</html>
"""


STYLE = """
:root { color-scheme: light; --flag: #c4161c; --paper: #fff; --desk: #e4e2dd; --ink: #1d1d1b; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--desk); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header, main > section { padding: 16px 24px; }
header { background: var(--paper); border-bottom: 1px solid #ccc; }
h1 { font-size: 22px; margin: 0 0 6px; font-weight: 600; }
h1 cite { font-style: italic; }
h1 .version { font-size: 15px; font-weight: normal; color: #555; margin-left: 8px; }
header p { margin: 0 0 8px; max-width: 60em; }
header ul { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 24px; }
h2 { font-size: 18px; margin: 8px 0; font-weight: 600; }
h2 .count { font-weight: normal; color: #555; font-size: 15px; margin-left: 8px; }
.rules { border-collapse: collapse; margin: 0 0 8px; background: var(--paper); }
.rules th, .rules td { padding: 2px 10px; text-align: left; border-bottom: 1px solid #e6e6e6; }
.rules th { font-weight: normal; }
.rules td:nth-child(2), .rules td:nth-child(3) { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1e6b2e; }
.failed { color: var(--flag); font-weight: 600; }
.problems { margin: 0 0 12px; padding-left: 20px; max-width: 70em; }
.problems li { margin: 2px 0; }
.problems a { margin-left: 4px; white-space: nowrap; }
.spreads { display: flex; flex-wrap: wrap; gap: 28px 36px; padding: 12px 0 24px; }
.spread { display: flex; gap: 1px; align-items: flex-start; }
.screens { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.screen { margin: 0; width: 200px; }
.screen img { width: 100%; height: auto; border: 1px solid #ccc; }
.screen figcaption { font-size: 0.8em; }
.page { margin: 0; width: 150px; }
.page.empty { visibility: hidden; }
.page a { display: block; line-height: 0; background: var(--paper); box-shadow: 0 1px 3px rgba(0, 0, 0, .25); }
.page a:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
.page img { display: block; width: 100%; height: auto; }
.page figcaption { text-align: center; font-size: 12px; color: #444; margin-top: 4px;
  font-variant-numeric: tabular-nums; }
.folio { color: #777; margin-left: 4px; font-weight: normal; }
.page.flagged a { outline: 3px solid var(--flag); outline-offset: -3px; }
.page .flag { display: table; margin: 4px auto 0; padding: 1px 6px; background: var(--flag); color: #fff;
  font-size: 12px; line-height: 1.35; font-weight: 600; border-radius: 2px; }
:target a { outline: 3px solid #1a5fb4; outline-offset: 4px; }
header.view { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 24px; }
header.view h1 { font-size: 18px; margin: 0; }
header.view nav { display: flex; gap: 16px; }
.flagged-list { flex-basis: 100%; margin: 4px 0 0; color: var(--flag); font-weight: 600; }
main.view { padding: 16px 24px 32px; }
main.view img { display: block; margin: 0 auto; max-width: 100%; height: auto; background: var(--paper);
  box-shadow: 0 1px 4px rgba(0, 0, 0, .3); }
main.view img.flagged { outline: 4px solid var(--flag); }
"""
