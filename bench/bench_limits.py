"""`make bench`: how fast a build deals with the chapters that once hung layout (issue 17).

Three books, each the small test book with its first chapter replaced by one pathological
chapter (tests/test_reliability2.py writes the same ones): 5,000 notes, a one-megabyte
paragraph, a 100,000-character word. Each ran past 180 s of PDF layout with no message; now
each must be refused, naming the chapter, well within the bar of 60 s. Then the same shapes
just under the limits of pressroom/limits.py are built for real, to show what they cost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_reliability2 import WORDS, pathological  # noqa: E402

BAR = 60.0


def build(folder: Path, body: str) -> tuple[float, subprocess.CompletedProcess]:
    """The time `build.py build pdf` takes over the small book with `body` as its first chapter."""
    manuscript = folder / "manuscript"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", manuscript)
    (manuscript / "chapters" / "01-one.md").write_text(f"---\ntitle: The First Chapter\n---\n{body}", "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "pdf", "--manuscript", "manuscript",
                           "--out", "build"], cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    return time.monotonic() - started, done


def near_limit(kind: str) -> str:
    """The shape just under its limit: what a book may hold, and what it costs to lay out."""
    from pressroom import limits

    if kind == "notes":
        count = limits.MAX_NOTES_PER_CHAPTER - 1
        calls = "\n\n".join(f"Sentence {i} with a note.[^n{i}]" for i in range(count))
        return f"Start.[^dark]\n\n{calls}\n\n" + "\n".join(f"[^n{i}]: Note {i}." for i in range(count)) + "\n"
    if kind == "paragraph":
        words, size = [], 0
        while size < limits.MAX_PARAGRAPH_CHARS - 100:
            words.append(WORDS[len(words) % len(WORDS)])
            size += len(words[-1]) + 1
        return " ".join(words) + ".[^dark]\n"
    return "A long word: " + "acgt" * (limits.MAX_WORD_CHARS // 4) + " ends here.[^dark]\n"


def main() -> None:
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="pressroom-bench-limits-") as scratch:
        for kind in ("notes", "paragraph", "word"):
            seconds, done = build(Path(scratch) / kind, pathological(kind))
            errors = [line for line in done.stderr.splitlines() if "error[" in line]
            if done.returncode != 1 or not errors or "Traceback" in done.stderr:
                sys.exit(f"bench_limits: the {kind} chapter was not refused with a message:\n{done.stderr}")
            worst = max(worst, seconds)
            print(f"limits: pathological {kind:9} refused in {seconds:5.1f} s: {errors[0][:110]}")
        for kind in ("notes", "paragraph", "word"):
            seconds, done = build(Path(scratch) / f"{kind}-near", near_limit(kind))
            state = "built" if done.returncode == 0 else "FAILED"
            print(f"limits: {kind:9} just under its limit {state} in {seconds:5.1f} s")
    print(f"limits: slowest refusal {worst:.1f} s (bar {BAR:.0f} s; ratio {worst / BAR:.2f})")


if __name__ == "__main__":
    main()
