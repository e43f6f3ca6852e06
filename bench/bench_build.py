"""`make bench`: how fast Pressroom builds a long book, against the raw tools doing the same work.

Every figure is measured in this run, on this machine:

- the raw tools: one pandoc call turning the whole book's Markdown into HTML, one into EPUB,
  and one WeasyPrint flow laying out the book's HTML (the very HTML of our reader's PDF, in
  one document, unpatched WeasyPrint) into a PDF, each in a fresh process as a script would;
- our full build of every edition (`make`, cold cache) of the 300-page book of generate.py;
- after one word is edited in one chapter: `make` again, and each edition's own time;
- a `make` with nothing changed;
- peak memory of the build process and of its largest worker (the build reports both);
- the 1,000-page book built in full, against the 300-page one.

Each line ends with its target and the ratio to it; a missed target says by how much.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from generate import generate  # noqa: E402

PYTHON = sys.executable
WROTE = re.compile(r"^(\w[\w-]*): wrote .*; ([\d.]+) s\)$", re.M)
PEAK = re.compile(r"peak memory: ([\d.]+) MB \(build\), ([\d.]+) MB \(largest worker\)")


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"bench_build: {' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds, done


def make(manuscript: Path, out: Path, target: str = "all") -> tuple[float, str]:
    seconds, done = timed(["make", "--no-print-directory", f"MANUSCRIPT={manuscript}", f"OUT={out}", target],
                          cwd=ROOT)
    return seconds, done.stdout + done.stderr


def raw_tools(manuscript: Path, scratch: Path) -> dict[str, float]:
    """The same work done by the tools alone: pandoc to HTML, pandoc to EPUB, one WeasyPrint flow."""
    import pypandoc

    from pressroom.context import BuildContext
    from pressroom.editions import pdf
    from pressroom.editions.fragments import render_fragments
    from pressroom.manuscript.load import load_book
    from pressroom.messages import Report

    pandoc = pypandoc.get_pandoc_path()
    book = load_book(manuscript, Report())
    markdown = "\n\n".join(f"# {c.title}\n\n{c.body}" for c in book.chapters)
    markdown += "\n\n" + "\n\n".join(f"[^{n.id}]: {n.text}" for n in book.notes.values())
    source = scratch / "book.md"
    source.write_text(markdown, encoding="utf-8")
    figures = {}
    figures["pandoc → HTML"], _ = timed([pandoc, "-f", "commonmark_x", "-t", "html5", str(source),
                                         "-o", str(scratch / "book.html")])
    figures["pandoc → EPUB"], _ = timed([pandoc, "-f", "commonmark_x", "-t", "epub3", str(source),
                                         "-o", str(scratch / "book.epub")])
    reader = book.edition("pdf")
    chapters = BuildContext(book, Report()).chapters(reader)  # (pipeline.prepare is gone: the context prepares)
    html = pdf.book_html(book, reader, chapters, render_fragments(chapters))
    page = scratch / "flow.html"
    page.write_text(html, encoding="utf-8")
    script = ("import sys, weasyprint; weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2])"
              ".write_pdf(sys.argv[3])")
    figures["WeasyPrint, one flow"], _ = timed([PYTHON, "-c", script, str(page), manuscript.as_uri() + "/",
                                                str(scratch / "flow.pdf")])
    return figures


def edit_one_word(manuscript: Path, old: str, new: str) -> None:
    path = sorted((manuscript / "chapters").glob("*.md"))[11]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f" {old} ", f" {new} ", 1), encoding="utf-8")


def editions(output: str) -> dict[str, float]:
    return {name: float(seconds) for name, seconds in WROTE.findall(output)}


def peaks(output: str) -> tuple[float, float]:
    found = PEAK.findall(output)
    return (max(float(a) for a, _ in found), max(float(b) for _, b in found)) if found else (0.0, 0.0)


def row(what: str, figure: str, target: str, ratio: float | None, better_below: bool = True) -> str:
    if ratio is None:
        verdict = ""
    elif ratio <= 1.0:
        verdict = f"{ratio:.2f} of the target: met"
    else:
        verdict = f"{ratio:.2f} of the target: MISSED by {(ratio - 1) * 100:.0f} %"
    return f"| {what} | {figure} | {target} | {verdict} |"


def main() -> None:
    rows = ["| measure | figure | target | ratio |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-") as scratch_name:
        scratch = Path(scratch_name)
        book = generate(scratch / "book300", chapters=30, notes_per_chapter=25)
        print("bench_build: raw tools on the 300-page book …", flush=True)
        raw = raw_tools(book, scratch)
        raw_total = sum(raw.values())
        print("bench_build: our full build (cold cache) …", flush=True)
        out = scratch / "out300"
        full, output = make(book, out)
        pages = re.search(r"pdf: wrote .*?\((\d+) pages", output)
        peak_build, peak_worker = peaks(output)
        edit_one_word(book, "which", "whom")
        again, output_edit = make(book, out)
        per_edition = editions(output_edit)
        # The same edit made again, each edition asked for alone, as an author would: `make pdf`
        # (a whole command: start-up, reading the book, checking the changed chapter, layout).
        edit_one_word(book, "whom", "which")
        alone = {kind: make(book, out, kind)[0] for kind in ("pdf", "html", "epub")}
        noop, _ = make(book, out)
        noop2, _ = make(book, out)
        print("bench_build: the 1,000-page book …", flush=True)
        big = generate(scratch / "book1000", chapters=100, notes_per_chapter=25)
        big_full, big_output = make(big, scratch / "out1000")
        big_pages = re.search(r"pdf: wrote .*?\((\d+) pages", big_output)
        big_build, big_worker = peaks(big_output)
    size = f"{pages.group(1) if pages else '?'}-page book"
    for name, seconds in raw.items():
        rows.append(row(f"raw tools, {size}: {name}", f"{seconds:.1f} s", "", None))
    rows.append(row(f"raw tools, {size}: total", f"{raw_total:.1f} s", "", None))
    rows.append(row(f"our full build, {size}, all editions (cold cache)", f"{full:.1f} s",
                    f"≤ 0.5 × raw = {0.5 * raw_total:.1f} s", full / (0.5 * raw_total)))
    rows.append(row("after a one-word edit: `make`, all editions (whole command)", f"{again:.1f} s", "", None))
    for name, target in (("pdf", 3.0), ("html", 1.0), ("epub", 1.0)):
        if name in per_edition:
            rows.append(row(f"after a one-word edit: the {name} edition's own time within that `make`",
                            f"{per_edition[name]:.2f} s", f"≤ {target:.0f} s", per_edition[name] / target))
    for name, target in (("pdf", 3.0), ("html", 1.0), ("epub", 1.0)):
        rows.append(row(f"after a one-word edit: `make {name}` alone (whole command, in this order)",
                        f"{alone[name]:.2f} s", f"≤ {target:.0f} s", alone[name] / target))
    rows.append(row("no-op `make`", f"{min(noop, noop2):.2f} s", "≤ 0.5 s", min(noop, noop2) / 0.5))
    rows.append(row(f"peak memory, build process ({size})", f"{peak_build:.0f} MB", "", None))
    rows.append(row(f"peak memory, largest worker ({size})", f"{peak_worker:.0f} MB", "≤ 300 MB",
                    peak_worker / 300))
    rows.append(row(f"peak memory, largest worker ({big_pages.group(1) if big_pages else '?'}-page book)",
                    f"{big_worker:.0f} MB (build process {big_build:.0f} MB)", "≤ 300 MB", big_worker / 300))
    rows.append(row(f"full build, {big_pages.group(1) if big_pages else '?'}-page book, all editions",
                    f"{big_full:.1f} s", f"≤ 3.5 × {full:.1f} s = {3.5 * full:.1f} s", big_full / (3.5 * full)))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
