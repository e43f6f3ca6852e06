"""The `diff` verb: arguments in, progress and the summary out (cli.py stays thin)."""

from __future__ import annotations

import argparse
import sys

from ..messages import fail
from .compare import UNCHANGED, BookDiff
from .report import note_status, phrases


def run(args: argparse.Namespace, progress) -> None:
    """`build.py diff FROM [TO] [--pages]` or `build.py diff --textconv FILE`."""
    if args.textconv:
        from .textconv import textconv

        sys.stdout.write(textconv(args.textconv))
        return
    if not 1 <= len(args.revisions) <= 2:
        raise fail("U002", "build.py diff", 0, 0, "give one or two revisions: diff FROM [TO] (TO: the working tree)")
    from .run import run_diff

    old_rev, new_rev = args.revisions[0], (args.revisions[1:] or [None])[0]
    result = run_diff(args.manuscript, old_rev, new_rev, args.out, pages=args.pages, pdf=args.pdf,
                      progress=progress)
    for line in summary_lines(result.diff):
        print(line)
    if result.pages is not None:
        for line in result.pages.lines():
            print(line)
    written = "index.html" + (", redline.pdf" if args.pdf else "")
    print(f"diff: wrote {result.folder}/ ({written}; {result.seconds:.1f} s)")


def summary_lines(diff: BookDiff) -> list[str]:
    """The summary line, then one line per changed chapter and note."""
    lines = [diff.summary()]
    for chapter in diff.chapters:
        if chapter.status == UNCHANGED:
            continue
        added, removed = chapter.words
        what = "; ".join([f"+{added} -{removed} words", *phrases(chapter)])
        lines.append(f"  {chapter.new_path or chapter.old_path}: {what}")
        lines.extend(f"    note {n.id}: {note_status(n)}" for n in chapter.notes)
    lines.extend(f"  book.yaml: {m.key}: {m.old if m.old is not None else '(absent)'} → "
                 f"{m.new if m.new is not None else '(absent)'}" for m in diff.meta)
    return lines
