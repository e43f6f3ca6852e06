"""`check`: the built editions read back as a reader's software sees them, rule by rule.

rules.py    the registry: every rule with its fixed code (Q001…), label and format, and the
            table of codes
pages.py    a PDF read page by page (PDFium): characters, lines, images, fonts
layout.py   those pages split by the book's page design: heads, body, notes, folios, contents
pdf.py      the PDF rules (notes whole on their call's page, measure, openings, contents, endings, fonts)
epub.py     EPUBCheck, Ace by DAISY, the EPUB's chapter endings
html.py     the web edition's chapter endings
scan.py     the safety scan, a rule of every format
report.py   the table, the closing line, the errors under each rule's code

Pure reading: nothing is typeset or written. This package reads the edition registry, the
model and readback; it imports no writer and nothing of the build, so it cannot form a cycle
with them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from ..editions import KINDS, output_path
from ..messages import Message, error
from ..model import Book, Edition
from ..resolve import ResolvedChapter
from . import epub, html, pdf, scan  # noqa: F401  (importing them registers their rules)
from .report import (FIGURE_WIDTH, CheckResults, FileReport, failure_messages, report_lines, shown_path,
                     summary, unchecked_warnings)
from .rules import RULES, Finding, Rule, RuleResult, Target, rules_for

Output = tuple[Edition, Path]

__all__ = ["FIGURE_WIDTH", "RULES", "CheckResults", "FileReport", "Finding", "Rule", "RuleResult",
           "check_outputs", "failure_messages", "kinds_of", "not_built", "outputs", "report_lines",
           "shown_path", "summary", "unchecked_warnings"]


def kinds_of(form: str) -> tuple[str, ...]:
    """The edition kinds whose files are of this format (pdf: the reader's and the printer's)."""
    return tuple(k.name for k in KINDS.values() if k.format == form)


def outputs(book: Book, out: Path, kinds: Iterable[str]) -> tuple[list[Output], list[Output]]:
    """The files book.yaml's editions of these kinds are built into: (built, not built yet)."""
    expected = [(e, output_path(book, e, out)) for e in book.editions if e.kind in kinds]
    return [item for item in expected if item[1].exists()], [item for item in expected if not item[1].exists()]


def not_built(missing: list[Output]) -> list[Message]:
    """An error per edition a build left out."""
    return [error("Q000", shown_path(path), 0, 0, f"the {edition.name} edition is not built: run `make` "
                  "(or `python build.py build`) first") for edition, path in missing]


def check_outputs(files: list[Output], book: Book, chapters: dict[str, list[ResolvedChapter]]) -> CheckResults:
    """Every rule on every built file whose format a rule reads; the others are listed unchecked.
    Rules that run programs of their own (EPUBCheck, Ace) start first and run while the rest read."""
    targets = [Target(e, path, book, chapters[e.name]) for e, path in files]
    checked = [t for t in targets if rules_for(t.format)]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = {(id(t), r.code): pool.submit(r.run, t) for t in checked for r in rules_for(t.format) if r.external}
        done = {(id(t), r.code): r.run(t) for t in checked for r in rules_for(t.format) if not r.external}
        done.update({key: job.result() for key, job in pending.items()})
    reports = tuple(_file_report(t, [done[(id(t), r.code)] for r in rules_for(t.format)]) for t in checked)
    unchecked = tuple((t.edition, t.path) for t in targets if not rules_for(t.format))
    return CheckResults(reports, unchecked)


def _file_report(target: Target, results: list[RuleResult]) -> FileReport:
    if target.format != "pdf":
        return FileReport(target.edition, target.path, target.format, tuple(results))
    layout = pdf.layout_of(target)
    return FileReport(target.edition, target.path, target.format, tuple(results), len(layout.pages),
                      pdf.folios(target))
