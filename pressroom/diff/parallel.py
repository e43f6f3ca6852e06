"""Two calls at once in two processes: loading, parsing and typesetting are Python-bound (YAML,
the AST passes, WeasyPrint), so threads would only queue on the GIL."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from ..messages import BuildError


def both(first: tuple, second: tuple) -> tuple:
    """(fn, *args) twice, run side by side; a BuildError in either is raised here."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: one after the other
        return _unwrap(_guarded(*first)), _unwrap(_guarded(*second))
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        a, b = pool.submit(_guarded, *first), pool.submit(_guarded, *second)
        return _unwrap(a.result()), _unwrap(b.result())


def _guarded(fn, *args):
    """Run in a worker: a BuildError comes back as its messages (it does not pickle whole)."""
    try:
        return True, fn(*args)
    except BuildError as exc:
        return False, exc.messages


def _unwrap(result: tuple):
    ok, value = result
    if not ok:
        raise BuildError(value)
    return value
