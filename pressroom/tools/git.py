"""Git, the only place it is run: when the manuscript last changed (reproducible timestamps) and
the manuscript as it was at a revision (`build.py diff`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


# ---------------------------------------------------------------------------------------------
# Reading a manuscript at a revision, for `build.py diff`: nothing here writes to the work tree.
# ---------------------------------------------------------------------------------------------

WORK_TREE = "working tree"


def _git(repo: Path, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run git in `repo`; a missing git or a hung one is our error, not a traceback."""
    git = shutil.which("git")
    if git is None:
        raise fail("G000", "git", 0, 0, "git is not installed: sudo apt-get install -y git")
    try:
        return subprocess.run(
            [git, "-C", str(repo), *args], input=stdin, capture_output=True, timeout=TIMEOUT, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        raise fail("G000", str(repo), 0, 0, f"git {args[0]} ran longer than {TIMEOUT} s") from None


def repo_root(folder: Path) -> Path:
    """The top of the git work tree holding `folder` (or its nearest existing parent)."""
    probe = folder.resolve()
    while not probe.is_dir() and probe != probe.parent:
        probe = probe.parent
    done = _git(probe, ["rev-parse", "--show-toplevel"])
    if done.returncode != 0:
        raise fail("G002", str(folder), 0, 0, "not inside a git repository: `diff` compares git revisions")
    return Path(done.stdout.decode("utf-8").strip()).resolve()


def commit_of(repo: Path, revision: str) -> str:
    """The full commit id `revision` names; an unknown revision is an error naming it."""
    if revision.startswith("-"):
        raise fail("G001", revision, 0, 0, "a revision cannot start with '-'")
    done = _git(repo, ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"])
    sha = done.stdout.decode("ascii", "replace").strip()
    if done.returncode != 0 or not sha:
        raise fail("G001", revision, 0, 0, f"unknown revision {revision!r}: no commit of that name in {repo}")
    return sha


def describe(repo: Path, sha: str) -> tuple[str, str]:
    """A commit's short id and subject line, for headings and messages."""
    done = _git(repo, ["log", "-1", "--format=%h%x00%s", sha])
    short, _, subject = done.stdout.decode("utf-8", "replace").strip().partition("\0")
    return (short or sha[:7]), subject


def authorship(manuscript: Path, revision: str | None) -> tuple[str, str]:
    """Who made a revision and when (ISO 8601, UTC), for tracked changes: the commit's author; for
    the working tree, git's user.name and SOURCE_DATE_EPOCH (else now)."""
    import datetime

    repo = repo_root(manuscript)
    if revision is None:
        done = _git(repo, ["config", "user.name"])
        name = done.stdout.decode("utf-8", "replace").strip() or "working tree"
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or datetime.datetime.now(datetime.timezone.utc).timestamp())
    else:
        done = _git(repo, ["log", "-1", "--format=%an%x00%at", commit_of(repo, revision)])
        name, _, stamp = done.stdout.decode("utf-8", "replace").strip().partition("\0")
        epoch = int(stamp or 0)
    when = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return name, when.strftime("%Y-%m-%dT%H:%M:%SZ")


def export_tree(repo: Path, sha: str, folder: str, dest: Path) -> int:
    """Write the files under `folder` (repo-relative) at commit `sha` into `dest`; return how many.

    ls-tree then one `cat-file --batch`: two processes whatever the size, and only regular
    files are written (symlinks and submodules are left out, as a manuscript never needs them).
    """
    listed = _git(repo, ["ls-tree", "-r", "-z", "--full-tree", sha, "--", folder or "."])
    if listed.returncode != 0:
        raise fail("G003", folder, 0, 0, f"git ls-tree failed at {sha[:7]}: {_stderr(listed)}")
    blobs = []
    for entry in listed.stdout.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob" and parts[0] in (b"100644", b"100755"):
            blobs.append((parts[2].decode("ascii"), path.decode("utf-8", "surrogateescape")))
    if not blobs:
        return 0
    batch = _git(repo, ["cat-file", "--batch"], stdin="".join(f"{oid}\n" for oid, _ in blobs).encode())
    data, offset, root = batch.stdout, 0, dest.resolve()
    for oid, path in blobs:
        header_end = data.index(b"\n", offset)
        size = int(data[offset:header_end].split()[2])
        target = (root / path).resolve()
        if not target.is_relative_to(root):  # git never stores `..`, but a hostile tree might try
            raise fail("G003", path, 0, 0, f"path escapes the manuscript at {sha[:7]}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[header_end + 1: header_end + 1 + size])
        offset = header_end + 1 + size + 1
    return len(blobs)


def _stderr(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


# ---------------------------------------------------------------------------------------------
# Releases (`build.py dist`): which commit a release is built from, and what changed since the
# previous release tag. Outside a git work tree these answer None / nothing, never an error.
# ---------------------------------------------------------------------------------------------


@contextmanager
def pinned_source_date_epoch(folder: Path) -> Iterator[int]:
    """Set SOURCE_DATE_EPOCH (as source_date_epoch() finds it) for this process, then restore it.

    Every tool that reads the clock for a timestamp (fontTools when WeasyPrint subsets fonts
    without HarfBuzz, pandoc) then writes the commit's time instead.
    """
    epoch = source_date_epoch(folder)
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield epoch
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def _output(folder: Path, args: list[str]) -> str | None:
    """git's stdout for `args` run in `folder`, or None when git, the folder or the answer is missing."""
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    try:
        done = subprocess.run(
            [git, "-C", str(folder), *args], capture_output=True, timeout=TIMEOUT,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None


def head_commit(folder: Path) -> str | None:
    """The full id of the commit checked out in the work tree holding `folder`."""
    text = (_output(folder, ["rev-parse", "--verify", "--quiet", "HEAD"]) or "").strip()
    return text or None


def has_uncommitted_changes(folder: Path) -> bool:
    """Whether tracked files of the work tree differ from HEAD (then a build is not the commit's)."""
    text = _output(folder, ["status", "--porcelain", "--untracked-files=no"])
    return bool(text and text.strip())


def previous_release_tag(folder: Path) -> str | None:
    """The nearest `v*` tag behind HEAD, not counting tags on HEAD itself (the release being made)."""
    on_head = (_output(folder, ["tag", "--points-at", "HEAD", "--list", "v*"]) or "").split()
    start = "HEAD"
    if on_head:
        if _output(folder, ["rev-parse", "--verify", "--quiet", "HEAD^"]) is None:
            return None
        start = "HEAD^"
    text = (_output(folder, ["describe", "--tags", "--abbrev=0", "--match", "v*", start]) or "").strip()
    return text or None


def changed_files(folder: Path, since: str) -> list[tuple[str, str]]:
    """(status letter, path relative to `folder`) for files under `folder` changed from `since` to HEAD."""
    text = _output(folder, ["diff", "--name-status", "--no-renames", "--relative", "-z",
                            "--end-of-options", since, "HEAD", "--", "."]) or ""
    fields = text.split("\0")
    return [(fields[i], fields[i + 1]) for i in range(0, len(fields) - 1, 2)]


def commits_since(folder: Path, since: str) -> list[str]:
    """`YYYY-MM-DD shortid subject` for each commit after `since` touching `folder`, newest first."""
    text = _output(folder, ["log", "--no-merges", "--format=%cs %h %s", "--end-of-options",
                            f"{since}..HEAD", "--", "."]) or ""
    return [line for line in text.splitlines() if line.strip()]


def mirror(url: str, dest: Path) -> Path:
    """A bare clone of `url` at `dest`, made once (under a temporary name, then renamed: several
    builds may ask at once) and fetched again when it is already there."""
    if dest.is_dir():
        done = _git(dest, ["fetch", "--quiet", "--tags", "--force", "origin", "+refs/heads/*:refs/heads/*"])
    else:
        temporary = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        temporary.parent.mkdir(parents=True, exist_ok=True)
        done = _git(temporary.parent, ["clone", "--quiet", "--bare", "--end-of-options", url, str(temporary)])
        if done.returncode == 0:
            try:
                os.rename(temporary, dest)
            except OSError:  # another build's clone got there first: use it
                shutil.rmtree(temporary, ignore_errors=True)
    if done.returncode != 0:
        raise fail("G004", url, 0, 0, f"git could not fetch it: {_stderr(done)}")
    return dest


def commit_time(repo: Path, sha: str, folder: str = "") -> int:
    """Unix time of the last commit up to `sha` touching `folder` (0 when none does)."""
    done = _git(repo, ["log", "-1", "--format=%ct", sha, "--", folder or "."])
    text = done.stdout.decode("ascii", "replace").strip()
    return int(text) if done.returncode == 0 and text.isdigit() else 0
