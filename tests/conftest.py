"""Shared fixtures: fixture manuscripts copied to a temporary folder, and the CLI run for real."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

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


def with_editions(manuscript: Path, editions_yaml: str) -> None:
    """Replace the book.yaml's `editions:` (its last key) with `editions_yaml`."""
    text = (manuscript / "book.yaml").read_text()
    (manuscript / "book.yaml").write_text(text[: text.index("editions:")] + editions_yaml)


@pytest.fixture
def short_tmpdir() -> Iterator[Path]:
    """A TMPDIR for the builds a test watches, in the system's temporary folder rather than under
    tmp_path: multiprocessing puts its sockets in it, and a socket's path must fit in 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="pr-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A private copy of the small two-chapter fixture book."""
    return copy_manuscript("mini", tmp_path)


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """The sample book built once, for real, with all editions: `make`'s own command."""
    base = tmp_path_factory.mktemp("sample")
    manuscript = base / "manuscript"
    shutil.copytree(ROOT / "manuscript", manuscript)
    out = base / "build"
    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(out), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


# ---------------------------------------------------------------------------------------------
# Browser: one headless Debian Chromium per test module, driven through Playwright.
# (Used by tests/test_html.py; missing tools fail the test with the command that installs them.)
# ---------------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium shared by the tests of one module."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -r requirements.txt")
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: sudo apt-get install -y chromium")
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()

# ------------------------------------- end of browser block ----------------------------------


# The longest test files, started first: `make test` hands whole files to parallel workers
# (pytest-xdist, --dist loadfile) in collection order, and one of these taken last would run alone
# at the end while the other workers sit idle.
LONGEST_FIRST = ("test_cache.py", "test_parts.py", "test_catalogue.py", "test_xref.py", "test_check_books.py",
                 "test_build_safety.py", "test_stamp.py", "test_fuzz.py", "test_install.py", "test_reliability.py")


def pytest_collection_modifyitems(session, config, items):
    """Tests of the longest files first; the order within a file is kept."""
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_sessionfinish(session, exitstatus):
    """Remove WeasyPrint's font folders while the interpreter is whole. Left to interpreter exit,
    FontConfiguration.__del__ finds `rmtree` already gone and prints a traceback after the summary."""
    import gc

    from weasyprint.text.fonts import FontConfiguration

    for item in gc.get_objects():
        if isinstance(item, FontConfiguration) and getattr(item, "_folder", None):
            shutil.rmtree(item._folder, ignore_errors=True)
            item._folder = None


def editions_in(out: Path) -> list[str]:
    """What a build left in `out`, its cache (`.cache/`, kept even by a failed build) and lock aside."""
    return sorted(p.name for p in out.iterdir() if p.name not in (".cache", ".lock")) if out.exists() else []
