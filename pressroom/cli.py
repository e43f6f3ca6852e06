"""The command line: verbs, progress lines, messages and exit codes; nothing raises past here."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .editions import KINDS
from .messages import BuildError, Report, error, print_messages, warning

EXIT_MANUSCRIPT = 1  # the manuscript (or an output check) has errors
EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """Run one verb; return the process exit code."""
    from .tools.weasyprint import remove_font_folders

    try:
        return _run(argv)
    finally:
        remove_font_folders()


def _run(argv: list[str] | None) -> int:
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
        # `import --revision` writes the manuscript, not build/, and all of its files or none.
        revision = args.verb == "import" and args.revision
        untouched = "no file of the manuscript was changed" if revision else "nothing under build/ was replaced"
        print(f"{errors} error(s); {untouched}", file=sys.stderr)
        return EXIT_MANUSCRIPT
    except KeyboardInterrupt:
        print("interrupted; nothing under build/ was replaced", file=sys.stderr)
        return 130
    except OSError as exc:
        # The last guard: a disk that fails where no stage expected it (read-only, full, gone) is
        # a message naming the file, never a traceback.
        print_messages([*report.messages, error("O001", str(exc.filename or "build"), 0, 0,
                                                f"cannot read or write it: {exc.strerror or exc}")])
        print("1 error(s); nothing under build/ was replaced", file=sys.stderr)
        return EXIT_MANUSCRIPT
    print_messages(report.messages)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=Path(sys.argv[0]).name or "pressroom",
                                     description="Pressroom: build a book's editions.")
    verbs = parser.add_subparsers(title="verbs", metavar="VERB")

    build = verbs.add_parser("build", help=f"build editions ({', '.join(KINDS)}) into build/")
    build.add_argument("editions", nargs="*", metavar="KIND",
                       help="; ".join(f"{k.name}: {k.summary}" for k in KINDS.values())
                       + " (several may be given; default: every edition book.yaml lists)")
    build.add_argument("--single-flow", action="store_true",
                       help="lay each PDF out as one document, not chapter by chapter in parallel (slower)")
    build.add_argument("--stamp", type=Path, metavar="FILE",
                       help="after a successful build, list the files written in FILE (for make)")
    _common(build)
    build.set_defaults(verb="build", run=_build)

    check = verbs.add_parser("check", help="check the manuscript and the built editions (page-level report, EPUBCheck, Ace)")
    _common(check)
    check.set_defaults(verb="check", run=_check)

    proof = verbs.add_parser("proof", help="write build/proof/index.html: every PDF page in spreads, "
                             "pages that fail `check` marked")
    _common(proof)
    proof.set_defaults(verb="proof", run=_proof)

    importer = verbs.add_parser("import", help="import a Word file (.docx) or a damaged plain-text essay as a manuscript")
    importer.add_argument("source", type=Path, help="the .docx, or the text file as received")
    importer.add_argument("--manuscript", type=Path, default=Path("manuscript"), help="folder to write")
    importer.add_argument("--split-style", default="Heading 1", metavar="STYLE",
                          help="DOCX: the paragraph style that starts a chapter (default: Heading 1)")
    importer.add_argument("--changes", choices=("refuse", "accept", "reject"), default="refuse",
                          help="DOCX: tracked changes still in the file are refused (default), or taken as accepted or rejected")
    importer.add_argument("--revision", action="store_true",
                          help="DOCX: a copyedited docx edition of the book in --manuscript: apply its text back to "
                               "the chapters and notes (a working-tree change; refused with file:line where it cannot be mapped)")
    importer.set_defaults(verb="import", run=_import)

    dist = verbs.add_parser("dist", help="build every edition into dist/<slug>-<version>/ with "
                            "manifest.json, SHA256SUMS and CHANGES.md")
    _release_options(dist)
    dist.add_argument("--cache", type=Path, default=Path("build") / ".cache", metavar="DIR",
                      help="the build cache to reuse (default: build/.cache, where `make` keeps it)")
    dist.set_defaults(verb="dist", run=_dist)

    stamp = verbs.add_parser("stamp", help="per-reader copies of a release: 'Prepared for NAME · order ID'")
    stamp.add_argument("--readers", type=Path, required=True, metavar="CSV",
                       help="one reader a row: name, email, order (a header row names the columns)")
    stamp.add_argument("--edition", default="pdf,epub", metavar="KINDS",
                       help="which release files to stamp: pdf, print, epub, comma-separated (default: pdf,epub)")
    stamp.add_argument("--jobs", type=int, default=0, metavar="N",
                       help="worker processes (default: one per CPU)")
    stamp.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="stamp on this Dask scheduler's workers (the release folder on a filesystem they share)")
    _release_options(stamp)
    stamp.set_defaults(verb="stamp", run=_stamp)

    catalogue = verbs.add_parser("catalogue", help="build every book of a press.yaml on a Dask cluster "
                                 "(a local one unless --scheduler), the build cache shared")
    catalogue.add_argument("press", type=Path, help="press.yaml: the books (folders or git URLs) and editions")
    catalogue.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                           help="a running Dask scheduler (default: start a LocalCluster on this machine)")
    catalogue.add_argument("--out", type=Path, default=Path("build") / "catalogue",
                           help="output folder, a folder per book (default: build/catalogue/)")
    catalogue.add_argument("--cache", type=Path, default=Path("build") / ".cache", metavar="DIR",
                           help="the build cache every worker shares: a folder they all see (default: build/.cache)")
    catalogue.add_argument("--workers", type=int, default=0, metavar="N",
                           help="LocalCluster worker processes (default: one per CPU)")
    catalogue.set_defaults(verb="catalogue", run=_catalogue)

    diff = verbs.add_parser("diff", help="redline of the manuscript between two git revisions into build/diff/")
    diff.add_argument("revisions", nargs="*", metavar="REV", help="FROM [TO]: git revisions (TO: the working tree)")
    diff.add_argument("--pages", action="store_true", help="also build the reader's PDF at both and compare pages")
    diff.add_argument("--no-pdf", dest="pdf", action="store_false", help="skip redline.pdf (index.html only)")
    diff.add_argument("--textconv", type=Path, metavar="FILE",
                      help="print a chapter one sentence a line, for git's textconv (see docs/git-diff.md)")
    _common(diff)
    diff.set_defaults(verb="diff", run=_diff)

    watch = verbs.add_parser("watch", help="serve the web edition on http://127.0.0.1:8000, rebuilt and "
                             "reloaded on every saved change")
    watch.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0: any free one)")
    _common(watch)
    watch.set_defaults(verb="watch", run=_watch)

    new = verbs.add_parser("new", help="start a book: DIR/manuscript with two chapters, notes and a README")
    new.add_argument("folder", type=Path, metavar="DIR", help="a new (or empty) folder")
    new.set_defaults(verb="new", run=_new)

    kinds = verbs.add_parser("kinds", help="list the kinds of edition, one a line (the Makefile's targets)")
    kinds.set_defaults(verb="kinds", run=lambda args, report: print("\n".join(KINDS)))
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manuscript", type=Path, default=Path("manuscript"),
                        help="the manuscript folder (default: manuscript/)")
    parser.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build/)")


def _progress(line: str) -> None:
    print(line, flush=True)


def _build(args: argparse.Namespace, report: Report) -> None:
    from .editions import kind

    kinds = set(args.editions) or set(KINDS)
    for name in sorted(kinds):
        kind(name)  # an unknown kind is an error naming the known ones
    started = time.monotonic()
    if _unchanged(args, kinds, report, started):
        return
    from .limits import cap_process
    from .pipeline import build

    cap_process()  # memory and CPU limits for this build (RELIABILITY.md C, G7)
    built = build(args.manuscript, args.out, kinds, _progress, report, single_flow=args.single_flow)
    import resource

    workers = max([b.written.worker_peak_mb for b in built], default=0.0)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _progress(f"built {len(built)} edition(s) in {time.monotonic() - started:.1f} s; "
              f"peak memory: {own:.0f} MB (build), {workers:.0f} MB (largest worker)")
    if args.stamp:
        from .output import write_bytes

        files = [path for b in built for path in (b.path, b.written.cover) if path is not None]
        write_bytes(args.stamp, "".join(f"{path}\n" for path in files).encode("utf-8"))


def _unchanged(args: argparse.Namespace, kinds: set[str], report: Report, started: float) -> bool:
    """Whether a build with these very inputs wrote every output as it still is (pressroom/kept.py):
    then it says so, replays its warnings and does nothing else."""
    from .cache import Store
    from .kept import run_key, unchanged
    from .tools import git

    key = run_key(args.manuscript, args.out, kinds, args.single_flow, str(git.source_date_epoch(args.manuscript)))
    found = unchanged(Store(args.out / ".cache", report), key)
    if found is None:
        return False
    outputs, messages = found
    for output in outputs:
        _progress(f"{output.name}: unchanged since it was written, kept {output.path} ({output.detail})")
    report.extend(messages)
    _progress(f"built {len(outputs)} edition(s) in {time.monotonic() - started:.1f} s: nothing changed")
    if args.stamp:
        from .output import write_bytes

        files = [path for o in outputs for path in (o.path, o.cover) if path]
        write_bytes(args.stamp, "".join(f"{path}\n" for path in files).encode("utf-8"))
    return True


def _check(args: argparse.Namespace, report: Report) -> None:
    """Lint the manuscript, then read every built edition back and hold it to the rules."""
    from .check import (check_outputs, failure_messages, not_built, outputs, report_lines, shown_path, summary,
                        unchecked_warnings)

    started = time.monotonic()
    book, chapters = _lint(args, report)
    built, missing = outputs(book, args.out, KINDS)
    if not built:  # a fresh clone: the manuscript is all there is to check
        report.add(warning("Q000", shown_path(args.out), 0, 0, f"no edition of “{book.title}” is built here "
                           "yet, so only the manuscript was checked: run `make` first (`make check` does)"))
        return
    if missing:
        raise BuildError([*report.messages, *not_built(missing)])
    results = check_outputs(built, book, chapters)
    for line in report_lines(results):
        print(line)
    _progress(summary(results, time.monotonic() - started))
    for message in unchecked_warnings(results):
        report.add(message)
    failures = failure_messages(results)
    if failures:
        raise BuildError([*report.messages, *failures])


def _lint(args: argparse.Namespace, report: Report):
    """Load the book and prepare every edition's chapters: every manuscript problem, or the chapters."""
    from .context import BuildContext
    from .manuscript.load import load_book

    book = load_book(args.manuscript, report)
    context = BuildContext(book, report)  # editions whose chapters render alike share one parse
    chapters = {edition.name: context.chapters(edition) for edition in book.editions}
    _progress(f"check: {book.title!r}: {len(book.chapters)} chapters, {book.note_count} notes, "
              f"{len(report.messages)} warning(s)")
    return book, chapters


def _proof(args: argparse.Namespace, report: Report) -> None:
    """Check the built PDFs, then draw every page of each in spreads, the flagged pages marked."""
    from .check import check_outputs, kinds_of, not_built, outputs, shown_path
    from .proof import write_proof

    book, chapters = _lint(args, report)
    built, missing = outputs(book, args.out, kinds_of("pdf"))
    if not built:
        raise BuildError([*report.messages, error("Q000", shown_path(args.out), 0, 0,
                                                   "no PDF is built yet: run `make` first (`make proof` does)")])
    if missing:
        raise BuildError([*report.messages, *not_built(missing)])
    target = args.out / "proof"
    from .editions import output_path

    # The EPUB and the web edition, if built, drawn as readers see them beside the PDFs' pages.
    epub, site = (next((output_path(book, e, args.out) for e in book.editions if e.kind == kind), None)
                  for kind in ("epub", "html"))
    pages, flagged = write_proof(book, check_outputs(built, book, chapters), target, _progress,
                                 epub=epub if epub and epub.is_file() else None,
                                 site=site if site and site.is_dir() else None)
    _progress(f"proof: wrote {target / 'index.html'} ({pages} pages, {flagged} flagged)")


def _new(args: argparse.Namespace, report: Report) -> None:
    from .scaffold import new_book

    written = new_book(args.folder)
    _progress(f"new: wrote {len(written)} files into {args.folder}; build the book with "
              f"`cd {args.folder} && pressroom build`")


def _watch(args: argparse.Namespace, report: Report) -> None:
    from .watch import watch

    watch(args.manuscript, args.out, args.port, _progress)


def _import(args: argparse.Namespace, report: Report) -> None:
    if args.revision:
        from .copyedit import format_revision_report, import_revision

        print(format_revision_report(import_revision(args.source, args.manuscript, changes=args.changes)))
        return
    if args.source.suffix.lower() == ".docx":
        from .manuscript.docx_import import format_docx_report, import_docx

        changes = "all" if args.changes == "refuse" else args.changes
        print(format_docx_report(import_docx(args.source, args.manuscript, split_style=args.split_style,
                                             changes=changes)))
        return
    from .manuscript.importer import format_report, import_essay

    result = import_essay(args.source, args.manuscript)
    print(format_report(result))


def _release_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manuscript", type=Path, default=Path("manuscript"),
                        help="the manuscript folder (default: manuscript/)")
    parser.add_argument("--dist", type=Path, default=Path("dist"), help="releases folder (default: dist/)")


def _dist(args: argparse.Namespace, report: Report) -> None:
    from .dist import make_release

    make_release(args.manuscript, args.dist, _progress, report, cache=args.cache)


def _stamp(args: argparse.Namespace, report: Report) -> None:
    """Stamp a copy per reader; rows in error are reported while every other reader gets a copy."""
    from .stamp import stamp_release

    result = stamp_release(args.manuscript, args.dist, args.readers, args.edition.split(","),
                           args.jobs, _progress, report, scheduler=args.scheduler)
    _progress(result.summary())
    if report.errors:
        # Not a BuildError: the good rows' copies were written, and that must not read as "nothing".
        print_messages(report.messages)
        print(f"{len(report.errors)} error(s); the other readers' copies were written", file=sys.stderr)
        raise SystemExit(EXIT_MANUSCRIPT)


def _catalogue(args: argparse.Namespace, report: Report) -> None:
    """Every book of press.yaml; one book's failure never stops the others, and the exit status says."""
    from .catalogue import build_catalogue, messages_text, table

    results = build_catalogue(args.press, args.out, args.cache, args.scheduler, _progress, args.workers or None)
    print(table(results))
    sys.stderr.write(messages_text(results))
    failed = [r.name for r in results if r.failed]
    if failed:
        print(f"{len(failed)} of {len(results)} book(s) failed: {', '.join(failed)}", file=sys.stderr)
        raise SystemExit(EXIT_MANUSCRIPT)


def _diff(args: argparse.Namespace, report: Report) -> None:
    from .diff.cli import run

    run(args, _progress)
