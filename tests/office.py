"""LibreOffice for the DOCX tests, the only place it runs: headless conversions and UNO scripts.

Each call gets its own LibreOffice profile folder, so tests (and other users of the machine)
never share the profile's lock. Missing LibreOffice fails the test with the command that installs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

UNO_SCRIPT = Path(__file__).with_name("office_uno.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which python3-uno extends
TIMEOUT = 300  # seconds: a cold start on a busy machine is slow
INSTALL = "sudo apt-get install -y libreoffice-writer-nogui python3-uno"


def _require() -> None:
    if shutil.which("soffice") is None:
        pytest.fail(f"LibreOffice is not installed: {INSTALL}")


def convert(source: Path, to: str, outdir: Path, profile: Path) -> Path:
    """`soffice --headless --convert-to TO`: the converted file's path (it fails if none was written)."""
    _require()
    outdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           "--convert-to", to, "--outdir", str(outdir), str(source)],
                          capture_output=True, text=True, timeout=TIMEOUT)
    target = outdir / f"{source.stem}.{to.split(':')[0]}"
    assert target.is_file(), f"LibreOffice wrote no {target.name}: {done.stdout}{done.stderr}"
    return target


def _uno(profile: Path, *args: str) -> list[dict]:
    _require()
    done = subprocess.run([SYSTEM_PYTHON, str(UNO_SCRIPT), profile.as_uri(), *args],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"LibreOffice (UNO) failed: {done.stdout}{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def accept_all(source: Path, target: Path, profile: Path) -> list[dict]:
    """Open `source`, accept every tracked change, save `target` as DOCX; the changes LibreOffice saw."""
    return _uno(profile, "accept", str(source), str(target))


def edit_tracked(source: Path, target: Path, edits: list[tuple[str, str, str]], profile: Path) -> None:
    """As a copyeditor would: with changes recorded, replace each (old, new, "body"|"note") once; save."""
    _uno(profile, "edit", str(source), str(target), json.dumps(edits))
