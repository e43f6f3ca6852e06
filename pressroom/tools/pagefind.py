"""Pagefind, the only place it is run: the web edition's full-text search index, built from its pages.

The binary ships on PyPI (`pagefind[bin]`, the `pagefind_bin` package) and reads and writes
local files only: no network at build time, and the index it writes under `pagefind/` is
fetched by the reader's browser from the site itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..messages import fail

TIMEOUT = 120
INDEXED = re.compile(r"Indexed (\d+) words?")
UNUSED = ("pagefind-*ui.*", "pagefind-highlight.js")


def executable() -> Path:
    """The pagefind binary of the installed `pagefind_bin` package."""
    try:
        import pagefind_bin
    except ImportError:
        raise fail("T030", "pagefind", 0, 0,
                   "pagefind is not installed: pip install -r requirements.txt (the `pagefind[bin]` package)") from None
    try:
        return Path(pagefind_bin.get_executable())
    except (FileNotFoundError, OSError) as exc:
        raise fail("T030", "pagefind", 0, 0, f"the pagefind_bin package has no binary ({exc}): reinstall it") from None


def index_site(site: Path, *, label: str) -> int:
    """Index the HTML pages of `site` into `site/pagefind/`; return the number of words indexed.

    Only elements marked `data-pagefind-body` are indexed (the chapters and their notes).
    """
    site = Path(site).resolve()  # pagefind runs inside the site: a relative path would point elsewhere
    cmd = [str(executable()), "--site", str(site), "--output-subdir", "pagefind"]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, cwd=site,
                              env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"})
    except subprocess.TimeoutExpired:
        raise fail("T031", label, 0, 0, f"pagefind ran longer than {TIMEOUT} s") from None
    except OSError as exc:
        raise fail("T030", "pagefind", 0, 0, f"pagefind could not be run: {exc}") from None
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    if done.returncode != 0 or not (site / "pagefind" / "pagefind.js").is_file():
        detail = " ".join(output.strip().splitlines()[-3:]) or f"exit code {done.returncode}"
        raise fail("T032", label, 0, 0, f"pagefind failed to index the web edition: {detail}")
    for unused in UNUSED:  # pagefind's own UI bundles: the edition has its own search page (search.js)
        for path in (site / "pagefind").glob(unused):
            path.unlink()
    found = INDEXED.search(output)
    return int(found.group(1)) if found else 0
