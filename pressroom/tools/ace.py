"""Ace by DAISY, the only place it is run: the EPUB's accessibility report as plain messages.

Ace (`@daisy/ace-cli`, pinned in package-lock.json, installed into node_modules/ by `make`)
checks the package metadata and runs axe-core on every XHTML page in a headless browser:
Debian's chromium, through Puppeteer (.puppeteerrc.cjs: never a browser download). Needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from ..messages import fail

ROOT = Path(__file__).resolve().parents[2]
ACE = ROOT / "node_modules" / "@daisy" / "ace-cli" / "bin" / "ace.js"
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 300


class AceMessage(NamedTuple):
    """One violation Ace found: its impact (critical, serious, moderate, minor), rule, where, what."""

    impact: str
    rule: str
    location: str  # "EPUB/text/ch002.xhtml" or the package file
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.impact}[{self.rule}]: {self.message}"


def check_epub(path: Path) -> list[AceMessage]:
    """Run Ace on the EPUB at `path`; every violation it reports (an empty list: none)."""
    path = Path(path)
    if not path.is_file():
        raise fail("V013", str(path), 0, 0, "no EPUB to check: build it first")
    node = shutil.which("node")
    if node is None:
        raise fail("V011", "node", 0, 0, "node not found: sudo apt-get install -y nodejs npm")
    if not ACE.is_file():
        raise fail("V011", str(ACE), 0, 0, "Ace by DAISY is not installed: run `make` (npm ci from package-lock.json)")
    browser = os.environ.get("PUPPETEER_EXECUTABLE_PATH") or str(CHROMIUM)
    if not Path(browser).is_file():
        raise fail("V012", browser, 0, 0, "chromium not found: sudo apt-get install -y chromium")
    # Chromium under Puppeteer sometimes fails to start on a loaded machine: Ace then writes no
    # report at all. One more try tells that apart from a real failure.
    for _ in range(2):
        report, detail = _run_once(node, browser, path)
        if report is not None:
            break
    else:
        raise fail("V014", str(path), 0, 0, f"Ace wrote no report, twice: {detail}")
    return parse_report(report)


def _run_once(node: str, browser: str, path: Path) -> tuple[dict | None, str]:
    """One Ace run: its JSON report, or None and the last lines it printed."""
    with tempfile.TemporaryDirectory(prefix="pressroom-ace-") as folder:
        out = Path(folder) / "report"
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": browser, "PUPPETEER_SKIP_DOWNLOAD": "1",
               "HOME": folder}
        try:
            done = subprocess.run([node, str(ACE), "--silent", "--force", "--outdir", str(out),
                                   "--tempdir", str(Path(folder) / "tmp"), str(path.resolve())],
                                  capture_output=True, timeout=TIMEOUT, cwd=ROOT, env=env)
        except subprocess.TimeoutExpired:
            raise fail("V014", str(path), 0, 0, f"Ace ran longer than {TIMEOUT} s") from None
        try:
            return json.loads((out / "report.json").read_text("utf-8")), ""
        except (OSError, ValueError):
            lines = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            return None, f"exit code {done.returncode}: {' '.join(lines[-3:]) or 'no output'}"


def parse_report(report: dict) -> list[AceMessage]:
    """Ace's EARL report → one message per failed assertion."""
    messages = []
    for subject in report.get("assertions", []):
        where = str(subject.get("earl:testSubject", {}).get("url", ""))
        for assertion in subject.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            text = " ".join(str(assertion["earl:result"].get("dct:description", "")).split())
            messages.append(AceMessage(str(test.get("earl:impact", "")), str(test.get("dct:title", "")),
                                       f"EPUB/{where}" if where and not where.startswith("EPUB/") else where, text))
    return messages
