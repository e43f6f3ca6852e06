"""Dask distributed, the only module that imports it: a cluster to connect to (or a local one), tasks
submitted to it, and a concurrent.futures executor over it for code written for a local pool.

Every call into Dask that can fail for reasons of the cluster (no scheduler at the address, a
worker lost too often) comes back as a BuildError naming the address or the task, never a traceback.
"""

from __future__ import annotations

import concurrent.futures
import os
import tempfile
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from ..messages import BuildError, fail

CONNECT_TIMEOUT = "20s"


@contextmanager
def cluster(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A Client on the scheduler at `scheduler`, or on a LocalCluster of `workers` processes; closed after."""
    from distributed import Client, LocalCluster

    local = None
    try:
        if scheduler is None:
            # One thread a process: WeasyPrint and the SOURCE_DATE_EPOCH a task pins are per process.
            local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                 dashboard_address=":0" if _has_dashboard() else None)
            client = Client(local)
        else:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        if local is not None:
            local.close()
        raise fail("D001", scheduler or "LocalCluster", 0, 0, f"cannot reach the Dask scheduler: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if local is not None:
            local.close()


def address(client: Any) -> str:
    """The scheduler's address, for processes that connect on their own."""
    return client.scheduler.address


def dashboard(client: Any) -> str | None:
    """The dashboard's link, when the scheduler serves one (it needs bokeh)."""
    try:
        return client.dashboard_link if _has_dashboard() else None
    except (KeyError, AttributeError):
        return None


def worker_count(client: Any) -> int:
    """How many workers the scheduler has now."""
    return len(client.scheduler_info().get("workers", {}))


def submit(client: Any, function: Callable, *args) -> Any:
    """Run `function(*args)` on the cluster; never merged with an equal call (pure=False)."""
    return client.submit(function, *args, pure=False)


def completed(futures: Iterable[Any]) -> Iterator[tuple[Any, Any, BuildError | None]]:
    """Each future as it finishes: (future, result, None), or (future, None, the error) when its task failed."""
    from distributed import as_completed

    for future in as_completed(list(futures)):
        try:
            yield future, future.result(), None
        except BuildError as exc:
            yield future, None, exc
        except Exception as exc:  # noqa: BLE001 - a worker lost too often, a task that raised: the cluster's word
            yield future, None, fail("D002", future.key if isinstance(future.key, str) else str(future.key), 0, 0,
                                     f"the task failed on the cluster: {type(exc).__name__}: {exc}")


@contextmanager
def executor(scheduler: str, setup: Callable[..., None], *setup_args) -> Iterator[concurrent.futures.Executor]:
    """A concurrent.futures executor on the cluster at `scheduler`: each call runs
    `setup(*setup_args)` in its worker first (the environment a local pool's worker starts with)."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise fail("D001", scheduler, 0, 0, f"cannot reach the Dask scheduler: {exc}") from None
    try:
        yield _Remote(client, setup, setup_args)
    finally:
        client.close()


class _Remote(concurrent.futures.Executor):
    """Submits each call to Dask and hands back a concurrent.futures.Future whose failure is a BuildError."""

    def __init__(self, client: Any, setup: Callable[..., None], setup_args: tuple):
        self.client, self.setup, self.setup_args = client, setup, setup_args

    def submit(self, fn: Callable, /, *args, **kwargs) -> concurrent.futures.Future:
        remote = self.client.submit(_call, self.setup, self.setup_args, fn, args, kwargs, pure=False)
        local: concurrent.futures.Future = concurrent.futures.Future()

        def settle(done: Any) -> None:
            try:
                local.set_result(done.result())
            except BuildError as exc:
                local.set_exception(exc)
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the task lost its worker too often
                local.set_exception(fail("D002", getattr(fn, "__name__", "task"), 0, 0,
                                         f"the task failed on the cluster: {type(exc).__name__}: {exc}"))

        remote.add_done_callback(settle)
        local.remote = remote  # kept alive: Dask forgets a task whose future is collected
        return local

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """The client is closed by `executor`'s block, not here: a build may open several pools over one."""


def _call(setup: Callable[..., None], setup_args: tuple, fn: Callable, args: tuple, kwargs: dict):
    setup(*setup_args)
    _temporaries_in_worker_directory()
    return fn(*args, **kwargs)


def _temporaries_in_worker_directory() -> None:
    """A task's temporary files (WeasyPrint's copies of the fonts, a folder per layout that only
    garbage collection frees) go into the worker's own directory, which Dask removes with it."""
    from distributed import get_worker

    try:
        folder = get_worker().local_directory
    except ValueError:  # not in a worker
        return
    tempfile.tempdir = folder
    os.environ["TMPDIR"] = folder


def seceded(function: Callable, *args):
    """Run a call that only waits (on a subprocess) inside a task, off the worker's thread count, so the
    worker runs other tasks meanwhile; outside a worker it is an ordinary call."""
    from distributed import rejoin, secede

    try:
        secede()
    except ValueError:  # not in a worker's task
        return function(*args)
    try:
        return function(*args)
    finally:
        rejoin()


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True
