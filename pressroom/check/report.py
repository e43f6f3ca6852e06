"""What `check` prints: a heading per file with a row per rule and its figure, failures under
their row; rules reported apart (the safety scan) in a block of their own, a row per file; one
closing line; one error per failing rule, under the rule's fixed code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..editions import KINDS
from ..messages import Message, error, warning
from ..model import Edition
from .rules import Finding, RuleResult, all_rules, plural

MAX_DETAILS = 20            # failures listed per rule; the rest are counted
FIGURE_WIDTH = 20           # the report's figure column ("10/10  100 %", "0 errors, 0 warnings")
FORMAT_NOUNS = {"pdf": "PDF", "epub": "EPUB", "html": "web edition"}


@dataclass(frozen=True)
class FileReport:
    """The rules on one built file."""

    edition: Edition
    path: Path
    format: str
    rules: tuple[RuleResult, ...]
    pages: int | None = None             # PDFs: how many
    folios: tuple[str | None, ...] = ()  # PDFs: the folio printed on each page, if any

    @property
    def ok(self) -> bool:
        """Every rule holds on this file."""
        return all(rule.ok for rule in self.rules)

    def flagged(self) -> dict[int, list[tuple[RuleResult, Finding]]]:
        """Page → the failures that name it (for the proof)."""
        pages: dict[int, list[tuple[RuleResult, Finding]]] = {}
        for rule in self.rules:
            for finding in rule.findings:
                for number in dict.fromkeys(finding.pages):
                    pages.setdefault(number, []).append((rule, finding))
        return pages


@dataclass(frozen=True)
class CheckResults:
    """Everything `check` found, file by file in the book's order of editions, and the editions
    it could not check (a format no rule reads)."""

    files: tuple[FileReport, ...]
    unchecked: tuple[tuple[Edition, Path], ...] = ()

    @property
    def ok(self) -> bool:
        """Every rule holds on every file."""
        return all(f.ok for f in self.files)

    @property
    def pdfs(self) -> tuple[FileReport, ...]:
        """The PDFs' reports (for the proof)."""
        return tuple(f for f in self.files if f.format == "pdf")


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def report_lines(results: CheckResults) -> list[str]:
    """The table: per file its rules, then each section's block, then what was not checked."""
    rows = [r for f in results.files for r in f.rules if r.rule.section is None]
    width = max([len(r.label) for r in rows] + [len("EPUBCheck")]) + 2
    lines = []
    for report in results.files:
        own = [r for r in report.rules if r.rule.section is None]
        if own:
            lines.append(f"{report.path.name}:" + (f" {report.pages} pages" if report.pages is not None else ""))
        for result in own:
            lines.append(f"  {result.label:<{width}}{_figure(result)}")
            lines.extend(_details([f.text for f in result.findings]))
    for rule in all_rules():
        found = [(f, r) for f in results.files for r in f.rules if r.rule is rule and rule.section]
        if found:
            lines.append(f"{rule.section}:")
        for report, result in found:
            lines.append(f"  {report.path.name:<{width}}{_figure(result)}")
            lines.extend(_details([f.text for f in result.findings]))
    lines.extend(f"{path.name}: not checked (no rule of `check` reads {_format(e)} files)"
                 for e, path in results.unchecked)
    return lines


def _figure(result: RuleResult) -> str:
    if result.figure is None:
        count = f"{result.passed}/{result.total}"
        # Rounded down: 999 of 1000 is 99 %, never a 100 % that fails.
        percent = f"{100 * result.passed // result.total} %" if result.total else "–"
        figure = f"{count}  {percent:>5}"
    else:
        figure = result.figure
    return f"{figure:>{FIGURE_WIDTH}}  {'ok' if result.ok else 'FAILED'}"


def _details(texts: list[str]) -> list[str]:
    shown = [f"      {text}" for text in texts[:MAX_DETAILS]]
    if len(texts) > MAX_DETAILS:
        shown.append(f"      … and {len(texts) - MAX_DETAILS} more")
    return shown


def _format(edition: Edition) -> str:
    return KINDS[edition.kind].format


def summary(results: CheckResults, seconds: float) -> str:
    """One closing line: every rule holds, or how many fail."""
    if not results.files:
        return "check: nothing was checked (no rule reads these editions' formats)"
    rules = [r.ok for f in results.files for r in f.rules]
    verdict = "every rule holds" if all(rules) else f"{rules.count(False)} of {len(rules)} rules fail"
    return f"check: {verdict} for {_files(results)} ({seconds:.1f} s)"


def _files(results: CheckResults) -> str:
    """"2 PDFs (32 pages), 1 EPUB and 1 web edition"."""
    parts = []
    for form, noun in FORMAT_NOUNS.items():
        files = [f for f in results.files if f.format == form]
        if files:
            pages = sum(f.pages or 0 for f in files)
            parts.append(plural(len(files), noun) + (f" ({pages} pages)" if form == "pdf" else ""))
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def failure_messages(results: CheckResults) -> list[Message]:
    """One error per failing rule, under its code, for the exit status and the summary on stderr."""
    return [error(result.code, shown_path(report.path), 0, 0,
                  f"{result.label}: {result.figure or f'{result.passed}/{result.total}'}")
            for report in results.files for result in report.rules if not result.ok]


def unchecked_warnings(results: CheckResults) -> list[Message]:
    """A warning per edition whose format no rule reads: it was built, and nothing looked at it."""
    return [warning("Q000", shown_path(path), 0, 0, f"the {edition.name} edition was not checked: no rule "
                    f"of `check` reads {_format(edition)} files (pressroom/check/rules.py lists them)")
            for edition, path in results.unchecked]
