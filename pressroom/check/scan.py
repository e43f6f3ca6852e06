"""The safety scan as a rule of every format: what could run, launch, carry a file or reach
outside in a built edition (pressroom/scan.py does the reading)."""

from __future__ import annotations

from ..theme import TEMPLATES
from .rules import Finding, Outcome, Target, plural, rule

SECTION = "safety scan (scripts, actions, attachments, outside links)"


@rule("Q009", "scan", "safety scan", ("pdf", "epub", "html", "docx"), section=SECTION)
def rule_scan(target: Target) -> Outcome:
    """Nothing active, attached or loading from outside in the file (or the web edition's folder)."""
    from ..scan import scan_docx, scan_epub, scan_html, scan_pdf

    if target.format == "pdf":
        problems = scan_pdf(target.path)
    elif target.format == "epub":
        problems = scan_epub(target.path)
    elif target.format == "docx":
        problems = scan_docx(target.path)
    else:
        problems = scan_html(target.path, allowed_scripts=own_scripts())
    figure = plural(len(problems), "problem") if problems else "nothing found"
    return Outcome(1, tuple(Finding((), p) for p in problems), failed=1 if problems else 0, figure=figure)


def own_scripts() -> set[str]:
    """The scripts the web edition ships (templates/html/static): the only ones its pages may load."""
    return {path.name for path in (TEMPLATES / "html" / "static").glob("*.js")}
