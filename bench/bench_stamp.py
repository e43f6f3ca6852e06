"""`make bench`: how fast `build.py stamp` writes per-reader copies of a 300-page PDF.

The synthetic book of bench/generate.py (30 chapters, 750 notes, about 300 pages) is released
with `build.py dist` into a scratch folder, then 1,000 readers are stamped as a user would:
`python build.py stamp --readers readers.csv --edition pdf`, one worker per CPU. The bar is
20 copies a second on 2 cores (issue 5). `--work DIR` keeps the release there for the next run.

Wall-clock speed depends on what else the machine runs, so the CPU time the stamping took is
printed too: copies per CPU-second times the CPUs is the rate on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

BAR = 20.0
COPIES = 1000
NAMES = ("Ada Lovelace", "Zoë O’Brien", "山田 太郎", "שרה לוי", "محمد عبد الله", 'Sam "Ace" <Smith> & Co')


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_stamp: build.py {args[0]} failed:\n{done.stdout}{done.stderr}")
    return done


def release(work: Path) -> Path:
    """The synthetic book's release folder, built unless an earlier run left it."""
    manuscript = work / "manuscript"
    if not manuscript.is_dir():
        generate(manuscript, chapters=30, notes_per_chapter=25)
    folders = list((work / "dist").glob("synthetic-*/manifest.json"))
    if not folders:
        print("bench_stamp: releasing the 300-page book (about a minute)", flush=True)
        run("dist", "--manuscript", str(manuscript), "--dist", str(work / "dist"), cwd=work)
        folders = list((work / "dist").glob("synthetic-*/manifest.json"))
    return folders[0].parent


def write_readers(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["name", "email", "order"])
        for n in range(count):
            rows.writerow([f"{NAMES[n % len(NAMES)]} {n}", f"reader{n}@example.org", f"B-{n:05d}"])


def pages_of(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="keep the scratch release here (reused when present)")
    args = parser.parse_args()
    scratch = None if args.work else tempfile.mkdtemp(prefix="pressroom-bench-stamp-")
    work = args.work or Path(scratch)
    work.mkdir(parents=True, exist_ok=True)
    try:
        folder = release(work)
        shutil.rmtree(folder / "readers", ignore_errors=True)
        write_readers(work / "readers.csv", COPIES)
        cpu_before = _children_cpu()
        started = time.monotonic()
        done = run("stamp", "--readers", str(work / "readers.csv"), "--edition", "pdf",
                   "--manuscript", str(work / "manuscript"), "--dist", str(work / "dist"), cwd=work)
        seconds = time.monotonic() - started
        cpu = _children_cpu() - cpu_before
        copies = sorted((folder / "readers").glob("*.pdf"))
        pages = pages_of(next(folder.glob("*.pdf")))
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    if len(copies) != COPIES:
        sys.exit(f"bench_stamp: {len(copies)} copies written, not {COPIES}")
    rate, cpus = COPIES / seconds, os.cpu_count() or 1
    idle_rate = COPIES / cpu * min(cpus, 2)
    summary = done.stdout.strip().splitlines()[-1]
    print(f"stamp: {COPIES} copies of a {pages}-page PDF on {cpus} CPUs: {seconds:.1f} s, {rate:.1f} copies/s "
          f"(bar {BAR:.0f}/s: {rate / BAR:.2f}×); {cpu * 1000 / COPIES:.0f} ms CPU a copy, so "
          f"{idle_rate:.1f} copies/s on 2 idle cores ({idle_rate / BAR:.2f}×) — {summary}")


def _children_cpu() -> float:
    """User and system CPU seconds of finished child processes (the stamp run and its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
