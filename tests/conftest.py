"""Shared fixtures: fixture manuscripts copied to a temporary folder, and the CLI run for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python build.py ARGS` in a fresh process, as a user would."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, env=env, timeout=600)


def copy_manuscript(name: str, dest: Path, overlay: str | None = None) -> Path:
    """Copy tests/fixtures/<name> to dest/manuscript, then lay tests/fixtures/bad/<overlay> over it."""
    target = dest / "manuscript"
    shutil.copytree(FIXTURES / name, target)
    if overlay:
        shutil.copytree(FIXTURES / "bad" / overlay, target, dirs_exist_ok=True)
    return target


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A private copy of the small two-chapter fixture book."""
    return copy_manuscript("mini", tmp_path)
