"""MathJax, the only place it is run: TeX formulas drawn as SVG for the PDF editions.

WeasyPrint has no MathML, so a `math: tex` book's PDF gets each formula as an SVG drawn by
MathJax 4 (npm `mathjax`, pinned in package-lock.json, installed into node_modules/ by `make`),
run by node in one process for all the formulas a build has not drawn before. Only a math
book's PDF needs node: the web edition and the EPUB carry pandoc's MathML as it is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from ..messages import fail

ROOT = Path(__file__).resolve().parents[2]
MATHJAX = ROOT / "node_modules" / "mathjax"
SCRIPT = Path(__file__).with_name("mathjax.mjs")
TIMEOUT = 300  # seconds for one run, whatever the number of formulas (about 5 ms each)


@lru_cache(maxsize=1)
def version() -> str:
    """MathJax's version and our script's bytes: part of every cached formula's key."""
    try:
        release = json.loads((MATHJAX / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise _missing("MathJax is not installed in node_modules/") from None
    return f"mathjax {release}; {SCRIPT.read_text(encoding='utf-8')}"


def render(formulas: list[tuple[str, bool]], *, label: str) -> list[dict]:
    """(TeX, display?) → {"svg": markup} or {"error": MathJax's message}, one per formula."""
    if not formulas:
        return []
    node = shutil.which("node")
    if node is None:
        raise _missing("node is not installed")
    version()
    try:
        done = subprocess.run([node, str(SCRIPT), str(MATHJAX / "node-main.mjs")],
                              input=json.dumps(formulas).encode("utf-8"), capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise fail("M003", label, 0, 0,
                   f"MathJax ran longer than {TIMEOUT} s drawing {len(formulas)} formulas") from None
    try:
        answers = json.loads(done.stdout) if done.returncode == 0 else None
    except ValueError:
        answers = None
    if not isinstance(answers, list) or len(answers) != len(formulas):
        detail = done.stderr.decode("utf-8", "replace").strip()[-500:] or f"exit code {done.returncode}"
        raise fail("M003", label, 0, 0, f"MathJax failed: {detail}")
    return answers


def _missing(what: str):
    return fail("M004", "book.yaml", 0, 0, f"{what}: a `math: tex` book's PDF has its formulas drawn by MathJax "
                "under node. Run `make` (it runs `npm ci`); scripts/system-check names the system packages")
