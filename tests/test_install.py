"""`pip install` of this repository gives a `pressroom` command that builds any book folder.

The package is installed into a fresh virtual environment outside the repository, its
dependencies taken from the test run's own environment (a .pth file) so the test needs no
download but the build backend; `pip check` proves pyproject.toml names what the code imports.
"""

from __future__ import annotations

import os
import site
import subprocess
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_pip_install_then_new_then_build_outside_the_repository(tmp_path):
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).stdout.strip()
    (Path(purelib) / "deps-from-tests.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    done = _run([python, "-m", "pip", "install", "--quiet", "--no-deps", ROOT], tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    check = _run([python, "-m", "pip", "check"], tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    command = env / "bin" / "pressroom"
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = _run([command, "new", "my-book"], work)
    assert done.returncode == 0, done.stderr
    book = work / "my-book"
    assert (book / "manuscript" / "book.yaml").is_file() and (book / "README.md").is_file()
    done = _run([command, "build"], book)
    assert done.returncode == 0, done.stdout + done.stderr
    out = book / "build"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["html", "my-book-cover.pdf", "my-book-print.pdf", "my-book.epub", "my-book.pdf"]
    # The package's templates, styles and fonts came with it: the editions hold the chapters.
    with zipfile.ZipFile(out / "my-book.epub") as epub:
        names = epub.namelist()
        text = " ".join(epub.read(n).decode() for n in names if n.endswith(".xhtml"))
    assert any(n.endswith(".otf") for n in names)
    assert "The Beginning" in text and "called, between" in text
    assert "The Middle" in (out / "html" / "middle.html").read_text()
    installed = _run([python, "-c", "import pressroom.theme as t; print(t.PACKAGE)"], work).stdout.strip()
    assert not Path(installed).is_relative_to(ROOT), installed
