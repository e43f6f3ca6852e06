"""The command line: verbs, progress lines, messages and exit codes; nothing raises past here."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .messages import BuildError, Report, error, print_messages

ROOT = Path(__file__).resolve().parent.parent
EXIT_MANUSCRIPT = 1  # the manuscript (or an output check) has errors
EXIT_USAGE = 2
KINDS = ("pdf", "print", "epub", "html")


def main(argv: list[str] | None = None) -> int:
    """Run one verb; return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "verb", None):
        parser.print_help()
        return EXIT_USAGE
    report = Report()
    try:
        args.run(args, report)
    except BuildError as exc:
        print_messages(exc.messages)
        errors = sum(1 for m in exc.messages if m.severity == "error")
        print(f"{errors} error(s); nothing under build/ was replaced", file=sys.stderr)
        return EXIT_MANUSCRIPT
    except KeyboardInterrupt:
        print("interrupted; nothing under build/ was replaced", file=sys.stderr)
        return 130
    print_messages(report.messages)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description="Pressroom: build a book's editions.")
    verbs = parser.add_subparsers(title="verbs", metavar="VERB")

    build = verbs.add_parser("build", help="build editions (pdf, print, epub, html) into build/")
    build.add_argument("editions", nargs="*", metavar="KIND",
                       help="pdf, print, epub or html; several may be given (default: all)")
    _common(build)
    build.set_defaults(verb="build", run=_build)

    check = verbs.add_parser("check", help="check the manuscript without writing anything")
    _common(check)
    check.set_defaults(verb="check", run=_check)

    importer = verbs.add_parser("import", help="import a damaged plain-text essay as a manuscript")
    importer.add_argument("source", type=Path, help="the text file as received")
    importer.add_argument("--manuscript", type=Path, default=ROOT / "manuscript", help="folder to write")
    importer.set_defaults(verb="import", run=_import)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manuscript", type=Path, default=ROOT / "manuscript",
                        help="the manuscript folder (default: the sample book)")
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="output folder (default: build/)")


def _progress(line: str) -> None:
    print(line, flush=True)


def _build(args: argparse.Namespace, report: Report) -> None:
    from .pipeline import build

    kinds = set(args.editions) or set(KINDS)
    unknown = kinds - set(KINDS)
    if unknown:
        raise BuildError([error("U001", "build.py", 0, 0, f"unknown edition kind {sorted(unknown)[0]!r}: "
                                f"choose from {', '.join(KINDS)}")])
    build(args.manuscript, args.out, kinds, _progress, report)


def _check(args: argparse.Namespace, report: Report) -> None:
    from .manuscript.load import load_book
    from .pipeline import prepare

    book = load_book(args.manuscript, report)
    for edition in book.editions:
        prepare(book, edition, report)
    _progress(f"check: {book.title!r}: {len(book.chapters)} chapters, {book.note_count} notes, "
              f"{len(report.messages)} warning(s)")


def _import(args: argparse.Namespace, report: Report) -> None:
    from .manuscript.importer import format_report, import_essay

    result = import_essay(args.source, args.manuscript)
    print(format_report(result))
