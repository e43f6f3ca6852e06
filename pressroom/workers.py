"""Worker processes for the CPU-bound stages (checking chapters, laying them out, stamping copies,
building both sides of a diff), all under one policy:

- one per CPU this process may run on (its affinity: `taskset`, a container's cpuset), not per
  CPU of the machine;
- forked from a fork server that has loaded `preload` (WeasyPrint, patched, and our code) and
  nothing of the book, so each starts small and ready whatever the build process holds by then;
- a worker dies with the process that started its pool, however that ends (SIGKILL, the OOM
  killer), and ignores Ctrl-C: the terminal sends it to the whole process group, and the parent
  alone decides (`Pool`);
- a worker sees the SOURCE_DATE_EPOCH of the process that starts the pool, not the one the
  long-lived fork server happened to start with;
- a worker's temporary files (WeasyPrint copies every @font-face file into a folder of its own
  per layout, removed only when that FontConfiguration is garbage-collected, which a worker's
  exit never waits for) go into a folder the pool owns and removes when it shuts down.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import select
import shutil
import signal
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

from .messages import fail
from .output import JANITOR

PRELOAD = ("weasyprint", "pressroom.parse", "pressroom.editions.typeset", "pressroom.tools.hyphenation")
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def cores() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) or 1


class Pool(ProcessPoolExecutor):
    """A process pool whose `with` block, left by Ctrl-C, ends its workers at once; left any other
    way it waits for the running calls and drops the queued ones."""

    def __init__(self, *args, scratch: Path, **kwargs):
        super().__init__(*args, **kwargs)
        self.scratch = scratch

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:  # the workers are gone: nothing writes into their temporary folder any more
            _remove_scratch(self.scratch)

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.stop()
        else:
            self.shutdown(wait=True, cancel_futures=True)
        return False

    def stop(self) -> None:
        """Drop the queued calls and end the running ones: after Ctrl-C their results are not wanted."""
        processes = list((self._processes or {}).values())  # private; Python 3.14 has terminate_workers()
        self.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()
        _remove_scratch(self.scratch)


# multiprocessing talks to its fork server through a socket at TMPDIR/pymp-XXXXXXXX/listener-XXXXXXXX,
# and a socket's path holds at most 107 bytes (108 with its NUL).
SOCKET_PATH_MAX = 107
SOCKET_NAMES = len("/pymp-XXXXXXXX/listener-XXXXXXXX")


def check_temporary_folder() -> None:
    """Refuse a TMPDIR too long for the workers' socket, saying so: multiprocessing's own error
    ("AF_UNIX path too long") names neither the folder nor what to do."""
    folder = tempfile.gettempdir()
    length = len(os.fsencode(folder)) + SOCKET_NAMES
    if length > SOCKET_PATH_MAX:
        raise fail("O004", folder, 0, 0, f"the temporary folder's path is too long for the socket the worker "
                   f"processes talk through ({length} bytes with its file names; at most {SOCKET_PATH_MAX}): "
                   "set a shorter TMPDIR, e.g. TMPDIR=/tmp")


def pool(jobs: int | None = None, *, preload: Iterable[str] = PRELOAD, initializer: Callable | None = None,
         initargs: tuple = ()) -> Pool:
    """A pool of `jobs` workers (default: one per core), each started by `initializer(*initargs)`;
    the caller shuts it down (`with` does)."""
    check_temporary_folder()
    context = multiprocessing.get_context("forkserver")
    # Only the first pool of a process starts the fork server: later preloads are imported per worker.
    context.set_forkserver_preload(list(preload))
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    # Named as output.py's janitor expects: should this process be killed, the janitor removes it.
    scratch = Path(tempfile.mkdtemp(prefix=".pressroom-workers-", suffix=".tmp"))
    JANITOR.track(scratch)
    return Pool(max_workers=jobs or cores(), mp_context=context, initializer=_start,
                initargs=(os.getpid(), epoch, str(scratch), initializer, initargs), scratch=scratch)


def warm(preload: Iterable[str] = PRELOAD, languages: Iterable[str] = ()) -> None:
    """Start the fork server now, so it imports `preload` while this process works on: the first
    pool's workers then start without waiting for WeasyPrint's import (0.8 s), nor each for the
    hyphenation dictionaries of `languages` (tools/hyphenation.py)."""
    from multiprocessing import forkserver

    from .tools import hyphenation

    check_temporary_folder()
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
    before = os.environ.get(hyphenation.WARM)
    os.environ[hyphenation.WARM] = " ".join(sorted(set(languages)))  # the server starts with it, now
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ[hyphenation.WARM]
        else:
            os.environ[hyphenation.WARM] = before


def _remove_scratch(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    JANITOR.untrack(folder)


def _start(starter: int, epoch: str | None, scratch: str, initializer: Callable | None, initargs: tuple) -> None:
    # Ctrl-C reaches the whole process group: the parent stops the workers (Pool.stop).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(starter)
    # Should the fork server, our parent, be killed itself, its workers go with it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    # The fork server keeps the environment it started with, which may be from before the build
    # pinned SOURCE_DATE_EPOCH (tools/git.pinned_source_date_epoch), or from another build.
    enter(epoch)
    tempfile.tempdir = scratch  # read by every mkdtemp of this process, WeasyPrint's included
    os.environ["TMPDIR"] = scratch  # and by the tools it runs
    if initializer is not None:
        initializer(*initargs)


def enter(epoch: str | None) -> None:
    """Make this process a worker of a build whose SOURCE_DATE_EPOCH is `epoch`: a local pool's, or a
    Dask worker's before each task (tools/dask.py), as that process may serve several builds."""
    if epoch is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = epoch
    from .tools import weasyprint

    weasyprint.prepare()  # the note patch and the stylesheet tracking (tools/weasyprint.py), in every worker


def _die_with(starter: int) -> None:
    """End this worker when the process that started its pool ends, however it ends.

    Our parent is the fork server, not the starter, and the fork server outlives a killed starter
    for as long as any worker lives: each worker inherits the write end of the pipe whose closing
    tells the server its client is gone. So each worker watches the starter itself (a pidfd turns
    readable when the process exits).
    """
    try:
        watched = os.pidfd_open(starter)
    except ProcessLookupError:  # gone already
        os.kill(os.getpid(), signal.SIGKILL)
    except (AttributeError, OSError):  # no pidfd (Linux before 5.3): the fork server's exit, via PDEATHSIG
        return

    def watch() -> None:
        select.select([watched], [], [])
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="pressroom-starter-watch", daemon=True).start()
