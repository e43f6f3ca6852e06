"""Two calls at once in two processes: loading, parsing and typesetting are Python-bound (YAML,
the AST passes, WeasyPrint), so threads would only queue on the GIL. The processes are
pressroom/workers.py's, under the same policy as the layout and stamp workers."""

from __future__ import annotations

from .. import workers
from ..messages import BuildError

PRELOAD = ("weasyprint", "pressroom.diff.revision", "pressroom.diff.pages")


def both(first: tuple, second: tuple) -> tuple:
    """(fn, *args) twice, run side by side; a BuildError in either is raised here."""
    with workers.pool(2, preload=PRELOAD) as pool:
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
