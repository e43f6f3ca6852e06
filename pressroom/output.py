"""Writing outputs so that an interrupted build never leaves a half-written file behind.

Every edition is written to a temporary sibling (`.name.tmp`), flushed to disk, then moved over
the previous one in one rename; a folder edition (the web site) is swapped in with an atomic
exchange, so there is no moment without a complete previous edition. While an edition is being
swapped in, SIGINT and SIGTERM wait. A build killed outright (SIGKILL, the OOM killer) cannot
clean up after itself: a small janitor process, started with the first temporary, removes the
temporaries the build had not finished with as soon as the build is gone. A failed write
(disk full) is an error naming the edition, and the previous edition stays.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .messages import fail


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling of `target`; on success it replaces `target`, on failure it goes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    _remove(temporary)
    JANITOR.track(temporary)
    try:
        yield temporary
        if temporary.is_file():
            with open(temporary, "rb") as handle:
                os.fsync(handle.fileno())
        with signals_held():
            _commit(temporary, target)
            _remove(temporary)  # after an exchange: the previous edition
    except OSError as exc:
        raise fail("O001", str(target), 0, 0, f"could not write the edition: {exc.strerror or exc}") from None
    finally:
        _remove(temporary)
        JANITOR.untrack(temporary)


LOCK_NAME = ".lock"  # in the output folder; kept, so no build can unlink a lock another holds


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder for one build: a second build into it stops at once, naming the first.

    An flock on `folder/.lock`, released by the kernel however the holder ends (even SIGKILL),
    so a killed build never leaves the folder locked. The holder writes its pid into the file
    for the message.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise fail("O001", str(exc.filename or folder), 0, 0,
                   f"cannot write the output folder: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise fail("O003", str(folder), 0, 0, f"another build is writing {folder}/ (pid {holder}); "
                       "wait for it to finish, or build into another --out") from None
        try:
            os.ftruncate(handle, 0)
            os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        except OSError:  # the pid is only for the message: the lock is held all the same
            pass
        yield
    finally:
        os.close(handle)  # releases the lock


def write_bytes(target: Path, data: bytes) -> None:
    """Write a whole file atomically."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def _commit(temporary: Path, target: Path) -> None:
    """Put `temporary` in the place of `target` in one step."""
    if temporary.is_dir() and target.is_dir() and not target.is_symlink():
        if not _exchange(temporary, target):
            aside = target.with_name(f".{target.name}.old.tmp")
            _remove(aside)
            JANITOR.track(aside)
            os.replace(target, aside)
            os.replace(temporary, target)
            _remove(aside)
            JANITOR.untrack(aside)
    else:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(temporary, target)
    _sync_folder(target.parent)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block is done (they are delivered after it)."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# The janitor: reads "+path" / "-path" lines; when its input closes (the build exited or was
# killed), removes every temporary still listed. It ignores SIGINT (Ctrl-C reaches the whole
# process group) and lives in its own session, so it outlives the build it cleans up after.
_JANITOR_CODE = r"""
import json, os, shutil, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
pending = {}
for line in sys.stdin.buffer:
    try:
        op, path = json.loads(line)
    except ValueError:
        continue
    if op == "+":
        pending[path] = True
    else:
        pending.pop(path, None)
for path in pending:
    name = os.path.basename(path)
    # Only our temporaries (.name.tmp), and the font folders WeasyPrint makes in TMPDIR for a
    # long-lived renderer (tools/weasyprint.removed_if_killed): never anything else by mistake.
    if not (name.startswith(".") and name.endswith(".tmp")) and not name.startswith("weasyprint-"):
        continue
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except OSError:
            pass
"""


class _Janitor:
    """Removes the temporaries of a build that died before it could (started on first use)."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def track(self, path: Path) -> None:
        self._send("+", path)

    def untrack(self, path: Path) -> None:
        self._send("-", path)

    def _send(self, op: str, path: Path) -> None:
        line = (json.dumps([op, str(Path(path).absolute())]) + "\n").encode()
        with self._lock:
            try:
                if self._process is None or self._pid != os.getpid():
                    self._start()
                if self._process is not None:
                    os.write(self._process.stdin.fileno(), line)
            except OSError:
                self._process = None  # no janitor: the next build still removes stale temporaries

    def _start(self) -> None:
        self._pid = os.getpid()
        self._process = subprocess.Popen([sys.executable, "-I", "-S", "-c", _JANITOR_CODE], stdin=subprocess.PIPE,
                                         start_new_session=True)


JANITOR = _Janitor()
