"""A press's whole list: every book of press.yaml built on a Dask cluster (tools/dask.py).

    driver (build.py catalogue)   one task per book, a few books in flight at a time
    a book's task, on a worker    runs one book process (the ordinary pipeline, its own
                                  SOURCE_DATE_EPOCH) and waits for it off the worker's thread count
    the book process              checks out a git book, then builds each edition with its PDF parts
                                  laid out as tasks on the same cluster: a big book's chapters
                                  spread over every worker, not only whole books

The cache (pressroom/cache.py) is one folder every worker reads and writes: parses and laid-out
parts are shared, and each built edition is kept there whole (its files by content hash, checked on
read), so a book already built anywhere is copied, not built again.

press.yaml:

    books:
      - path: books/one                 # a book folder, relative to press.yaml
        editions: [pdf, epub]           # optional: only these kinds
      - git: https://host/two.git       # or a repository (any URL or path git clones) ...
        rev: v1.0                       # ... at a revision (default HEAD)
        path: manuscript                # ... and the book's folder in it (default: its root)
        name: two                       # optional: its folder under the output (default: the last path part)
    editions: [pdf, epub, html]         # optional: kinds for every book
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .messages import BuildError, Message, Report, error, fail

Progress = Callable[[str], None]
BOOK_KEYS = {"path", "git", "rev", "name", "editions"}
RESULT = "pressroom-catalogue-result: "  # the book process's last line on stdout: its result as JSON
# What makes two processes write different bytes from one book: the same for the book process as for
# a local build (the Makefile exports them).
PINNED_ENV = ("SOURCE_DATE_EPOCH", "TZ", "LC_ALL", "PYTHONHASHSEED")


@dataclass(frozen=True)
class BookSpec:
    """One book of the press: where it is, what it is called here, which kinds to build."""

    name: str
    path: str  # a folder, or the book's folder inside `git`
    git: str | None = None
    rev: str = "HEAD"
    kinds: tuple[str, ...] = ()  # empty: every edition its book.yaml lists
    line: int = 0  # its entry in press.yaml, for messages


@dataclass
class BookResult:
    """What building one book came to: per kind (status, seconds, detail), its messages, its time."""

    name: str
    editions: dict[str, dict] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pages: int = 0

    @property
    def failed(self) -> bool:
        return any(e["status"] == "failed" for e in self.editions.values()) or (not self.editions and bool(self.messages))


def read_press(path: Path) -> list[BookSpec]:
    """The books press.yaml lists; every problem in it named at its line."""
    import yaml

    from .editions import KINDS

    shown = str(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise fail("C001", shown, 0, 0, f"cannot read it: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise fail("C001", shown, mark.line + 1 if mark else 0, mark.column + 1 if mark else 0,
                   f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    books_node = _child(node, "books")
    lines = [item.start_mark.line + 1 for item in books_node.value] if books_node is not None else []
    problems: list[Message] = []
    if not isinstance(data, dict) or not isinstance(data.get("books"), list) or not data["books"]:
        raise fail("C002", shown, 1, 1, "press.yaml needs `books:`, a list of book entries")
    unknown = set(data) - {"books", "editions"}
    if unknown:
        problems.append(error("C002", shown, 1, 1, f"unknown key(s) {', '.join(sorted(unknown))}: "
                              "press.yaml has `books` and `editions`"))
    press_kinds = _kinds(data.get("editions", []), shown, 1, problems, KINDS)
    specs, names = [], set()
    for index, entry in enumerate(data["books"]):
        line = lines[index] if index < len(lines) else 0
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict) or not ({"path", "git"} & set(entry)) or set(entry) - BOOK_KEYS:
            problems.append(error("C003", shown, line, 1, "a book is a folder (`path:`) or a repository (`git:`, "
                                  f"optional `rev:`, `path:`), with optional `name:` and `editions:`; got {entry!r}"))
            continue
        git = str(entry["git"]) if "git" in entry else None
        folder = str(entry.get("path", ""))
        if git is None:
            folder = str((path.parent / folder).resolve())
        elif "://" not in git and not git.startswith("git@"):
            git = str((path.parent / git).resolve())  # a local repository, relative to press.yaml
        name = str(entry.get("name") or Path(folder or (git or "").rstrip("/")).name.removesuffix(".git"))
        if name in names or not name or name.startswith("."):
            problems.append(error("C004", shown, line, 1, f"book name {name!r} is empty or used twice: "
                                  "give it a `name:` of its own"))
            continue
        names.add(name)
        kinds = _kinds(entry.get("editions", []), shown, line, problems, KINDS) or press_kinds
        specs.append(BookSpec(name, folder, git, str(entry.get("rev", "HEAD")), kinds, line))
    if problems:
        raise BuildError(problems)
    return specs


def _child(node, key: str):
    if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return None
    for pair in node.value:
        if isinstance(pair, tuple) and getattr(pair[0], "value", None) == key:
            return pair[1] if isinstance(pair[1].value, list) else None
    return None


def _kinds(value, shown: str, line: int, problems: list[Message], known) -> tuple[str, ...]:
    kinds = [value] if isinstance(value, str) else value
    if not isinstance(kinds, list) or any(k not in known for k in kinds):
        problems.append(error("C005", shown, line, 1, f"editions must be a list of kinds from {', '.join(known)}; "
                              f"got {value!r}"))
        return ()
    return tuple(kinds)


# ------------------------------------------------------------------ the driver


def build_catalogue(press: Path, out: Path, cache: Path, scheduler: str | None, progress: Progress,
                    workers: int | None = None) -> list[BookResult]:
    """Build every book of `press` into `out`/<name>/ on the cluster at `scheduler` (or a local one)."""
    from . import workers as local_workers
    from .tools import dask

    specs = read_press(press)
    env = {name: os.environ[name] for name in PINNED_ENV if name in os.environ}
    out, cache = out.resolve(), cache.resolve()
    started = time.monotonic()
    results: list[BookResult] = []
    with dask.cluster(scheduler, workers or local_workers.cores()) as client:
        link = dask.dashboard(client)
        progress(f"catalogue: {len(specs)} books on {dask.worker_count(client)} workers at {dask.address(client)}"
                 + (f"; dashboard {link}" if link else " (no dashboard: bokeh is not installed)"))
        # A few books in flight, not all: each book process holds its parse and its pages in memory.
        window = max(2, dask.worker_count(client))
        queue, running = list(specs), {}
        while queue or running:
            while queue and len(running) < window:
                spec = queue.pop(0)
                future = dask.submit(client, book_task, spec, str(out / spec.name), str(cache),
                                     dask.address(client), env)
                running[future] = spec
            future, value, failure = next(dask.completed(running))
            spec = running.pop(future)
            result = BookResult(**value) if failure is None else BookResult(spec.name, messages=[str(m) for m in failure.messages])
            results.append(result)
            progress(f"catalogue: [{len(results)}/{len(specs)}] {_book_line(result)}")
    progress(f"catalogue: {len(results)} books in {time.monotonic() - started:.1f} s")
    return sorted(results, key=lambda r: [s.name for s in specs].index(r.name))


def _book_line(result: BookResult) -> str:
    if result.failed:
        return f"{result.name}: FAILED ({result.seconds:.1f} s)"
    done = ", ".join(f"{kind} {e['status']}" for kind, e in result.editions.items())
    return f"{result.name}: {done}; {result.pages} pages ({result.seconds:.1f} s)"


def table(results: list[BookResult]) -> str:
    """Books × editions: each cell its status and time."""
    kinds = list(dict.fromkeys(k for r in results for k in r.editions))
    width = max([len("book"), *(len(r.name) for r in results)])
    lines = [" | ".join(["book".ljust(width), *(k.ljust(16) for k in kinds), "total"])]
    for result in results:
        cells = []
        for kind in kinds:
            edition = result.editions.get(kind)
            cells.append((f"{edition['status']} {edition['seconds']:.1f} s" if edition else "-").ljust(16))
        status = "FAILED" if result.failed else "ok"
        lines.append(" | ".join([result.name.ljust(width), *cells, f"{status} {result.seconds:.1f} s"]))
    return "\n".join(lines)


# ------------------------------------------------------------------ a book's task, on a worker


def book_task(spec: BookSpec, out: str, cache: str, scheduler: str, env: dict[str, str]) -> dict:
    """On a worker: build one book in a process of its own and return its BookResult's fields."""
    from .tools import dask

    started = time.monotonic()
    command = [sys.executable, "-c", "import sys; from pressroom.catalogue import book_main; sys.exit(book_main())",
               json.dumps({"spec": spec.__dict__, "out": out, "cache": cache, "scheduler": scheduler})]
    # The book's own process: its SOURCE_DATE_EPOCH and its pandoc runs are its own, whatever else
    # this worker runs meanwhile. It dies with this worker (a worker killed mid-build leaves no orphan).
    done = dask.seceded(functools.partial(subprocess.run, command, capture_output=True,
                                          env={**os.environ, **env}, preexec_fn=_die_with_parent))
    for line in reversed(done.stdout.decode("utf-8", "replace").splitlines()):
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT):])
    last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
    return BookResult(spec.name, messages=[str(error("C010", spec.name, 0, 0, f"the book's build stopped "
                                                     f"(exit {done.returncode}): {last}"))],
                      seconds=time.monotonic() - started).__dict__


def _die_with_parent() -> None:
    import ctypes
    import signal

    from .workers import PR_SET_PDEATHSIG

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


# ------------------------------------------------------------------ the book process


def book_main() -> int:
    """The book process: build one book as book_task asked, print its result as the last line."""
    from .limits import cap_process

    cap_process()
    request = json.loads(sys.argv[1])
    spec = BookSpec(**{**request["spec"], "kinds": tuple(request["spec"]["kinds"])})
    result = build_book(spec, Path(request["out"]), Path(request["cache"]), request["scheduler"])
    print(RESULT + json.dumps(result.__dict__), flush=True)
    return 0


def build_book(spec: BookSpec, out: Path, cache: Path, scheduler: str) -> BookResult:
    """Each edition of one book: copied from the cache when built before anywhere, else built with
    its PDF parts laid out on the cluster; one edition's failure does not stop the others."""
    from .cache import Store
    from .editions import KINDS
    from .manuscript.load import load_book
    from .tools import git

    started = time.monotonic()
    result = BookResult(spec.name)
    store = Store(cache)
    try:
        root = _checkout(spec, store)
        epoch = git.source_date_epoch(root)
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)  # this process builds this book only
        book = load_book(root, Report())
        kinds = [k for k in KINDS if k in {e.kind for e in book.editions} and (not spec.kinds or k in spec.kinds)]
    except BuildError as exc:
        result.messages = [f"{spec.name}: {m}" for m in sorted(set(exc.messages))]
        result.seconds = time.monotonic() - started
        return result
    for kind in kinds:
        result.editions[kind] = _edition(spec, root, kind, out, store, scheduler, str(epoch), result)
    result.pages = sum(e.get("pages") or 0 for e in result.editions.values())
    result.seconds = time.monotonic() - started
    return result


def _edition(spec: BookSpec, root: Path, kind: str, out: Path, store, scheduler: str, epoch: str,
             result: BookResult) -> dict:
    from . import workers
    from .pipeline import build
    from .tools import dask

    started = time.monotonic()
    key = _edition_key(root, kind, epoch)
    manifest = store.read_json(EDITIONS, key)
    if manifest is not None and _restore(manifest, out, store):
        return {"status": "cached", "seconds": time.monotonic() - started, "pages": manifest.get("pages")}
    report = Report()
    try:
        with dask.executor(scheduler, workers.enter, epoch) as layout:
            built = build(root, out, {kind}, lambda _line: None, report, cache=store.root, layout=layout)
    except BuildError as exc:
        result.messages += [f"{spec.name}: {m}" for m in sorted(set(exc.messages))]
        return {"status": "failed", "seconds": time.monotonic() - started}
    result.messages += [f"{spec.name}: {m}" for m in sorted(set(report.messages))]
    pages = sum(b.written.pages or 0 for b in built) or None
    _keep(built, out, store, key, pages)
    return {"status": "built", "seconds": time.monotonic() - started, "pages": pages}


def _checkout(spec: BookSpec, store) -> Path:
    """The book's folder: its path, or its files at `rev` exported under the shared cache (the same
    folder on every worker, so their layouts share cache keys)."""
    from .cache import digest
    from .tools import git

    if spec.git is None:
        root = Path(spec.path)
        if not (root / "book.yaml").is_file():
            raise fail("C006", f"{spec.path}/book.yaml", 0, 0, f"book {spec.name!r}: no book.yaml in {spec.path}")
        return root
    repo = git.mirror(spec.git, store.root / "repos" / f"{digest(spec.git)[:24]}.git")
    sha = git.commit_of(repo, spec.rev)
    folder = store.root / "checkouts" / f"{sha}-{digest(spec.path)[:12]}"
    if not folder.is_dir():
        temporary = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        if git.export_tree(repo, sha, spec.path, temporary) == 0:
            raise fail("C006", spec.git, 0, 0, f"book {spec.name!r}: nothing at {spec.path or '/'} in {spec.rev}")
        try:
            os.rename(temporary, folder)
        except OSError:  # another worker exported it first
            import shutil

            shutil.rmtree(temporary, ignore_errors=True)
    root = folder / spec.path if spec.path else folder
    # The export has no .git: the book's time is its commit's, as a local build in a clone would take it.
    if "SOURCE_DATE_EPOCH" not in os.environ:
        os.environ["SOURCE_DATE_EPOCH"] = str(git.commit_time(repo, sha, spec.path))
    return root


# ------------------------------------------------------------------ whole editions in the cache

EDITIONS, BLOBS = "edition", "blob"


def _edition_key(root: Path, kind: str, epoch: str) -> str:
    """Everything an edition's bytes depend on: the book's files, where it is, the code and tools, the clock."""
    from importlib import metadata

    from .cache import code_digest, digest, tree_digest
    from .editions.pdf import SYSTEM_CMYK
    from .editions.typeset import _tool_versions

    return digest(code_digest(), _tool_versions(), metadata.version("pypandoc-binary"), tree_digest(root),
                  str(root.resolve()), kind, epoch, os.environ.get("TZ", ""), os.environ.get("LC_ALL", ""),
                  os.environ.get("PYTHONHASHSEED", ""), str(SYSTEM_CMYK.is_file()))


def _keep(built, out: Path, store, key: str, pages: int | None) -> None:
    """Keep each written file by its content hash, and the edition's list of them under `key`."""
    import hashlib

    files = []
    for done in built:
        for path in (done.path, done.written.cover):
            if path is None:
                continue
            for file in sorted(p for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()):
                data = file.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                store.write_bytes(BLOBS, sha, ".bin", data)
                files.append([str(file.relative_to(out)), sha, str(path.relative_to(out))])
    store.write_json(EDITIONS, key, {"files": files, "pages": pages})


def _restore(manifest: dict, out: Path, store) -> bool:
    """Write the edition's files from the cache, each checked against its hash; False (nothing
    written) when any is missing or damaged, so the edition is built instead."""
    import hashlib

    from .output import atomic_path, write_bytes

    contents: dict[str, list[tuple[str, bytes]]] = {}
    try:
        for relative, sha, top in manifest["files"]:
            data = store.read_bytes(BLOBS, sha, ".bin")  # sealed entries: checked as they are read
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                return False
            contents.setdefault(top, []).append((relative, data))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    for top, files in contents.items():
        if files == [(top, files[0][1])]:
            write_bytes(out / top, files[0][1])
            continue
        with atomic_path(out / top) as temporary:  # a folder edition (the web site) swapped in whole
            for relative, data in files:
                target = temporary / Path(relative).relative_to(top)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    return True


def messages_text(results: list[BookResult]) -> str:
    """Every book's messages, book by book."""
    stream = io.StringIO()
    for result in results:
        for message in result.messages:
            print(message, file=stream)
    return stream.getvalue()
