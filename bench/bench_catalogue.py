"""`make bench`: a catalogue of generated books on a LocalCluster against the local single-book path.

Ten books of bench/generate.py (14 chapters each, about 1,500 pages in all) are built with
`build.py catalogue` on a LocalCluster of one worker per CPU, from an empty cache; one of them is
built alone with `build.py build`, also from an empty cache. Both print pages per second (every
edition of the book: PDF, EPUB, web) and core-seconds per page (wall × CPUs), the figure the
README's estimate for a whole list on N machines is made from.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def run(*args: str) -> tuple[float, str]:
    """Wall seconds and stdout of `build.py ARGS`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"bench_catalogue: build.py {args[0]} failed:\n{done.stdout}{done.stderr}")
    return wall, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=10)
    parser.add_argument("--chapters", type=int, default=14)
    parser.add_argument("--notes-per-chapter", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-catalogue-") as scratch:
        work = Path(scratch)
        for number in range(args.books):
            generate(work / "books" / f"book-{number:02d}", args.chapters, args.notes_per_chapter, seed=number + 1)
        press = work / "press.yaml"
        press.write_text("books:\n" + "".join(f"  - path: books/book-{n:02d}\n" for n in range(args.books)))

        wall, output = run("build", "--manuscript", str(work / "books" / "book-00"), "--out", str(work / "single"))
        single = int(re.search(r"(\d+) pages, \d+ notes", output).group(1))
        wall_c, output_c = run("catalogue", str(press), "--out", str(work / "out"), "--cache", str(work / "cache"))
        pages = sum(int(p) for p in re.findall(r"; (\d+) pages \(", output_c))
    cores = len(os.sched_getaffinity(0))
    print(f"catalogue bench: {args.books} books, {pages} pages, {cores} CPUs")
    # Core-seconds (wall × CPUs), not the children's CPU time: a build's layout workers are started
    # by a forkserver the build never waits for, so getrusage left them out of the single book.
    print(f"  local single book     {single:5d} pages  {wall:7.1f} s  {single / wall:5.2f} pages/s  "
          f"{wall * cores / single:5.2f} core-s/page")
    print(f"  catalogue, LocalCluster {pages:5d} pages  {wall_c:7.1f} s  {pages / wall_c:5.2f} pages/s  "
          f"{wall_c * cores / pages:5.2f} core-s/page  ({pages / wall_c / (single / wall):.2f}× the single-book rate)")
    print(f"  200 books of 250 pages on N machines of {cores} CPUs ≈ "
          f"{200 * 250 * wall_c / pages / 3600:.1f} h / N (from the catalogue's core-s/page)")


if __name__ == "__main__":
    main()
