"""`make bench`, lean editions: sizes and whole-command times on the generated 300-page book.

Measured in this run, each against its goal (issue 19):

- the reader's PDF merged from chapters against the same book laid out in one flow (≤ 1.1×);
- the web edition's first visit of a chapter page at 360 px, every byte on the wire (≤ 250 KB),
  and Lighthouse's mobile performance score offline in Chromium (≥ 0.95);
- the EPUB as written against the same EPUB with every style of the book face (what it was);
- the full build of every edition, cold cache, against the raw tools (≤ 0.5×);
- `python build.py build` after a one-word edit (≤ 3 s) and with nothing changed (≤ 1 s).

Times are wall clock, with the CPU of the build process beside them (its layout workers are not
counted): on a shared machine wall time includes waiting for a core.
"""

from __future__ import annotations

import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from bench_build import raw_tools, row  # noqa: E402
from generate import generate  # noqa: E402
from web_first_visit import first_visit_bytes, lighthouse, served  # noqa: E402

PYTHON = sys.executable
EDITS = 5  # one-word edits timed: one alone varied by a second from run to run on this machine


def build(*args: str) -> tuple[float, float, str]:
    """`python build.py build ARGS` as a user runs it: wall seconds, CPU seconds, its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([PYTHON, str(ROOT / "build.py"), "build", *args], capture_output=True, text=True,
                          cwd=ROOT, env=user_environment())
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"bench_lean: build {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout + done.stderr


def user_environment() -> dict[str, str]:
    """The environment a user's `python build.py` runs in. Python keeps compiled modules
    (__pycache__) by default; a CI image that sets PYTHONDONTWRITEBYTECODE (this one does)
    would make every build compile Pressroom's 100 modules again: 0.6 s of CPU no user pays."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def edit_one_word(manuscript: Path, old: str, new: str) -> None:
    """One word changed in the twelfth chapter (bench_build's edit; the last one of a shorter book)."""
    paths = sorted((manuscript / "chapters").glob("*.md"))
    path = paths[min(11, len(paths) - 1)]
    text = path.read_text(encoding="utf-8")
    if f" {old} " not in text:
        sys.exit(f"bench_lean: no ' {old} ' left in {path.name} to edit")  # else a no-op build is timed as an edit
    path.write_text(text.replace(f" {old} ", f" {new} ", 1), encoding="utf-8")


def epub_with_every_face(epub: Path, text_source: Path) -> int:
    """The EPUB's size had it shipped the styles of the book face it leaves out (as it did)."""
    from pressroom.editions.epub import FONT_FILES, subset_font
    from pressroom.theme import Theme

    with zipfile.ZipFile(epub) as archive:
        shipped = {Path(n).name for n in archive.namelist() if n.startswith("EPUB/fonts/")}
        text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    extra = 0
    for name in FONT_FILES:
        if name not in shipped:
            data = subset_font(Theme(text_source).style(f"fonts/{name}"), text)
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as archive:
                archive.writestr(zipfile.ZipInfo(f"EPUB/fonts/{name}"), data, compress_type=zipfile.ZIP_DEFLATED,
                                 compresslevel=9)
            extra += out.tell()
    return epub.stat().st_size + extra


def main() -> None:
    chapters = int(sys.argv[1]) if len(sys.argv) > 1 else 30  # a smaller book: a quick try of the bench
    rows = ["| measure | figure | goal | ratio |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="pressroom-lean-") as scratch_name:
        scratch = Path(scratch_name)
        book = generate(scratch / "book", chapters=chapters, notes_per_chapter=25)
        print("bench_lean: raw tools …", flush=True)
        raw = sum(raw_tools(book, scratch).values())
        out = scratch / "out"
        print("bench_lean: full build, cold cache …", flush=True)
        full, full_cpu, output = build("--manuscript", str(book), "--out", str(out))
        print(output, flush=True)
        print("bench_lean: one flow …", flush=True)
        build("pdf", "--single-flow", "--manuscript", str(book), "--out", str(scratch / "flow"))
        merged, flow = (out / "synthetic.pdf").stat().st_size, (scratch / "flow" / "synthetic.pdf").stat().st_size
        print(f"bench_lean: {EDITS} one-word edits, no-op …", flush=True)
        edits = []
        for _ in range(EDITS):  # each a word changed once more: each lays the chapter out again
            edit_one_word(book, "which", "whom")
            edits.append(build("--manuscript", str(book), "--out", str(out)))
        print(edits[-1][2], flush=True)
        edit, edit_cpu = statistics.median(e[0] for e in edits), statistics.median(e[1] for e in edits)
        spread = f"{min(e[0] for e in edits):.2f}–{max(e[0] for e in edits):.2f} s"
        noops = [build("--manuscript", str(book), "--out", str(out))[:2] for _ in range(3)]
        noop, noop_cpu = statistics.median(n[0] for n in noops), statistics.median(n[1] for n in noops)
        epub = out / "synthetic.epub"
        epub_before, epub_after = epub_with_every_face(epub, book), epub.stat().st_size
        print(f"bench_lean: raw {raw:.1f} s, full {full:.1f} s, edit {edit:.2f} s, no-op {noop:.2f} s, "
              f"PDF {merged} vs {flow} B, EPUB {epub_before} → {epub_after} B", flush=True)
        print("bench_lean: the web edition in Chromium …", flush=True)
        site = out / "html"
        chapter = sorted(p.name for p in site.glob("*.html")
                         if p.name not in ("index.html", "search.html"))[min(11, chapters - 1)]
        with served(site) as base:
            web, _ = first_visit_bytes(base + chapter)
            audit = lighthouse(base + chapter)
    rows.append(row(f"reader PDF merged from {chapters} chapters vs one flow",
                    f"{merged / 1e6:.2f} MB vs {flow / 1e6:.2f} MB = {merged / flow:.2f}×", "≤ 1.1×",
                    merged / flow / 1.1))
    rows.append(row(f"web: first visit of {chapter} at 360 px, all bytes", f"{web / 1024:.0f} KB", "≤ 250 KB",
                    web / 1024 / 250))
    if audit:
        rows.append(row("web: Lighthouse mobile performance (offline, Chromium)",
                        f"{audit['score']:.2f} (LCP {audit['lcp']:.1f} s, CLS {audit['cls']:.3f})", "≥ 0.95",
                        0.95 / audit["score"] if audit["score"] else None))
    else:
        rows.append(row("web: Lighthouse", "not run: node_modules/.bin/lighthouse missing (npm ci)", "≥ 0.95", None))
    rows.append(row("EPUB: with every style of the book face → only those its text uses",
                    f"{epub_before / 1024:.0f} KB → {epub_after / 1024:.0f} KB", "no unused face", None))
    rows.append(row("full build, all editions, cold cache (whole command)",
                    f"{full:.1f} s (build process CPU {full_cpu:.1f} s) vs raw {raw:.1f} s = {full / raw:.2f}×", "≤ 0.5× raw",
                    full / raw / 0.5))
    rows.append(row(f"`python build.py build` after a one-word edit (median of {EDITS}; {spread})",
                    f"{edit:.2f} s (build process CPU {edit_cpu:.2f} s)", "≤ 3 s", edit / 3))
    rows.append(row("`python build.py build` with nothing changed (median of 3)",
                    f"{noop:.2f} s (CPU {noop_cpu:.2f} s)", "≤ 1 s", noop / 1))
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
