"""`make bench`: how long `build.py diff` takes on two revisions of a 300-page manuscript.

The synthetic book of bench/generate.py (30 chapters, 750 notes, about 300 pages) is committed
to a scratch git repository, edited the way an editor's pass does (words changed in five
chapters, a sentence moved, a paragraph split, a note edited and one added, a chapter renamed),
committed again, and the two revisions diffed as a user would: `python build.py diff A B`,
index.html and redline.pdf written. The bar is 5 s (issue 4), without --pages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate

BAR = 5.0


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def edit(manuscript: Path) -> None:
    """An editorial pass over the synthetic book."""
    chapters = sorted((manuscript / "chapters").glob("*.md"))
    for path in chapters[2:27:5]:  # a word changed in five chapters
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(" the ", " a ", 1), encoding="utf-8")
    path = chapters[7]  # a sentence moved to the paragraph's end, a paragraph split
    body = path.read_text(encoding="utf-8").split("\n\n")
    first, _, rest = body[3].partition(". ")
    body[3] = f"{rest} {first}."
    cut = body[6].find(". ") + 1
    body[6] = body[6][:cut] + "\n\n" + body[6][cut + 1:]
    path.write_text("\n\n".join(body), encoding="utf-8")
    notes = manuscript / "notes.yaml"
    text = notes.read_text(encoding="utf-8")
    text = re.sub(r'(c12n03:\n  text: ")', r"\1Revised: ", text)
    notes.write_text(text + '\nc12new:\n  text: "A note added in review."\n', encoding="utf-8")
    path = chapters[11]
    path.write_text(path.read_text(encoding="utf-8").replace("[^c12n03]", "[^c12n03][^c12new]", 1), encoding="utf-8")
    renamed = chapters[20].with_name("21-renamed-chapter.md")
    chapters[20].rename(renamed)
    book = manuscript / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace(chapters[20].name, renamed.name), encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-") as scratch:
        repo = Path(scratch)
        manuscript = generate(repo / "manuscript", chapters=30, notes_per_chapter=25)
        git(repo, "init", "-q")
        git(repo, "config", "user.email", "bench@example.org")
        git(repo, "config", "user.name", "Bench")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", "draft 1")
        edit(manuscript)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "draft 2")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, str(ROOT / "build.py"), "diff", "HEAD~1", "HEAD",
                   "--manuscript", str(manuscript), "--out", str(repo / "build")]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=repo, check=False)
        seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"bench_diff: diff failed:\n{done.stdout}{done.stderr}")
    summary = next(line for line in done.stdout.splitlines() if "changed" in line and not line.startswith(" "))
    print(f"diff: 300-page book (30 chapters, 750 notes), two revisions: {seconds:.2f} s "
          f"(bar {BAR:.0f} s: {seconds / BAR:.2f} of it) — {summary}")


if __name__ == "__main__":
    main()
