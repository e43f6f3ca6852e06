"""Git, the only place it is run: when the manuscript last changed, for reproducible timestamps."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..messages import fail

TIMEOUT = 30


def last_commit_time(folder: Path) -> int | None:
    """Unix time of the last commit touching `folder`; None outside a git work tree or without git."""
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    try:
        done = subprocess.run(
            [git, "-C", str(folder), "log", "-1", "--format=%ct", "--", "."],
            capture_output=True, timeout=TIMEOUT,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.decode("ascii", "replace").strip()
    return int(text) if done.returncode == 0 and text.isdigit() else None


def source_date_epoch(folder: Path) -> int:
    """SOURCE_DATE_EPOCH if set, else the manuscript's last commit time, else 0: never the clock."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        if not value.isdigit():
            raise fail("T010", "SOURCE_DATE_EPOCH", 0, 0,
                       f"must be a whole number of seconds since 1970, not {value!r}")
        return int(value)
    committed = last_commit_time(folder)
    return committed if committed is not None else 0
