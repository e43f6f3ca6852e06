"""Worker processes for the CPU-bound stages (checking chapters, laying them out): one per core.

Workers are forked from a fork server that has loaded WeasyPrint (patched) and our code and
nothing of the book, so each starts small and ready whatever the build process holds by then.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

PRELOAD = ["weasyprint", "pressroom.parse", "pressroom.editions.typeset"]
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def cores() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) or 1


def pool(jobs: int | None = None) -> ProcessPoolExecutor:
    """A pool of `jobs` workers (default: one per core); the caller shuts it down."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=jobs or cores(), mp_context=context, initializer=_start)


def _start() -> None:
    from .tools import weasyprint

    weasyprint.prepare()  # the note patch (tools/weasyprint.py), in every worker
    # Ctrl-C reaches the whole process group: the build itself stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A build killed outright (SIGKILL, the OOM killer) takes its workers with it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
