"""The EPUB's rules: EPUBCheck and Ace by DAISY (each a program of its own, run while the PDFs
are read), and the chapters' endings read from its XHTML."""

from __future__ import annotations

import zipfile

from ..messages import BuildError
from ..readback import squeeze
from .rules import Finding, Outcome, Target, plural, rule
from .html import endings_in, visible_text


@rule("Q007", "epubcheck", "EPUBCheck", "epub", external=True)
def rule_epubcheck(target: Target) -> Outcome:
    """EPUBCheck on one EPUB: 0 errors and 0 warnings is the bar."""
    from ..tools.epubcheck import check_epub, counts

    try:
        messages = check_epub(target.path)
    except BuildError as exc:  # the other rows still stand; this one says what is missing
        return _did_not_run(exc)
    tally = counts(messages)
    shown = tuple(Finding((), str(m)) for m in messages if m.severity in ("FATAL", "ERROR", "WARNING"))
    figure = f"{plural(tally['FATAL'] + tally['ERROR'], 'error')}, {plural(tally['WARNING'], 'warning')}"
    return Outcome(1, shown, failed=1 if shown else 0, figure=figure)


@rule("Q008", "ace", "Ace by DAISY", "epub", external=True)
def rule_ace(target: Target) -> Outcome:
    """Ace by DAISY on one EPUB: no accessibility violation is the bar."""
    from ..tools.ace import check_epub

    try:
        violations = tuple(Finding((), str(m)) for m in check_epub(target.path))
    except BuildError as exc:
        return _did_not_run(exc)
    return Outcome(1, violations, failed=1 if violations else 0, figure=plural(len(violations), "violation"))


def _did_not_run(exc: BuildError) -> Outcome:
    return Outcome(1, tuple(Finding((), str(m)) for m in exc.messages), failed=1, figure="did not run")


@rule("Q010", "ending", "chapters ending with their last sentence", "epub")
def rule_endings(target: Target) -> Outcome:
    """Each chapter's last sentence is in the EPUB's XHTML."""
    with zipfile.ZipFile(target.path) as epub:
        names = sorted(n for n in epub.namelist() if n.endswith((".xhtml", ".html")))
        text = " ".join(visible_text(epub.read(name)) for name in names)
    return endings_in(target, squeeze(text))
