"""`make bench`: the real books of tests/corpus/, each edition built alone from a cold cache.

Per book: its size (words, CJK characters, notes, from convert.py's counts), each edition's
build time and exit status, the PDF's pages and every output's size. A book that does not build
is reported with its first error, not skipped: the figures say what builds today.

    python bench/bench_corpus.py [slug ...]     (default: every book in tests/corpus/)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
sys.path.insert(0, str(CORPUS))
from convert import stats  # noqa: E402

KINDS = ("html", "pdf", "print", "epub")
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "TZ": "UTC", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size


def pdf_pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def bench_book(slug: str, scratch: Path) -> None:
    manuscript = CORPUS / slug
    counts = stats(manuscript)
    print(f"{slug}: {counts['chapters']} chapters, {counts['words (space-separated, CJK excluded)']:,} words, "
          f"{counts['CJK characters']:,} CJK characters, {counts['notes defined (notes.yaml + [^id]: in chapters)']} notes")
    for kind in KINDS:
        out = scratch / slug / kind  # each edition from a cold cache: its own figure, not the previous one's
        started = time.monotonic()
        done = subprocess.run([sys.executable, "build.py", "build", kind, "--manuscript", str(manuscript),
                               "--out", str(out)], cwd=ROOT, env=ENV, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            first = next((line for line in done.stderr.splitlines() if "error[" in line), done.stderr.strip()[-200:])
            print(f"  {kind:6} exit {done.returncode} after {seconds:6.1f} s: {first}")
            continue
        built = [p for p in out.iterdir() if p.name != ".cache"]
        size = sum(size_of(p) for p in built)
        pages = "".join(f", {pdf_pages(p)} pages" for p in built if p.suffix == ".pdf")
        print(f"  {kind:6} exit 0 in {seconds:6.1f} s: {size / 1e6:.1f} MB{pages}")


def main(argv: list[str]) -> int:
    slugs = argv or sorted(p.name for p in CORPUS.iterdir() if (p / "book.yaml").is_file())
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as scratch:
        for slug in slugs:
            bench_book(slug, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
