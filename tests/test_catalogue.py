"""A catalogue built on a real Dask cluster (a `dask scheduler` and two `dask worker` processes), one
worker killed mid-run: every edition still byte-identical to a local build, and a rebuild copies
every edition from the shared cache."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli

BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000", "TZ": "UTC",
       "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}


@pytest.fixture
def cluster(tmp_path: Path, short_tmpdir: Path):
    """A scheduler on a free port and two single-thread workers without nannies (a kill is final)."""
    file = tmp_path / "scheduler.json"
    processes = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--port", "0", "--no-dashboard",
                                   "--scheduler-file", str(file)], env=ENV, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)]
    for _ in range(600):
        if file.is_file() and file.stat().st_size:
            break
        time.sleep(0.1)
    temporary = short_tmpdir  # the workers' TMPDIR: what a task leaves there is seen
    for _ in range(2):
        # A worker's environment carries no SOURCE_DATE_EPOCH: each task brings its book's.
        env = {**{k: v for k, v in ENV.items() if k != "SOURCE_DATE_EPOCH"}, "TMPDIR": str(temporary)}
        processes.append(subprocess.Popen([str(BIN / "dask"), "worker", "--scheduler-file", str(file), "--nthreads",
                                           "1", "--no-nanny", "--no-dashboard"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    address = json.loads(file.read_text())["address"]
    # Both workers registered before the catalogue starts: on a loaded machine the second one
    # can take seconds, and the run would then see (and count) only one.
    from distributed import Client

    with Client(address, timeout=120) as client:
        client.wait_for_workers(2, timeout=300)
    try:
        yield address, processes[1:]
    finally:
        for process in processes:
            process.kill()
            process.wait()


def git_book(tmp_path: Path) -> Path:
    """The mini book as a git repository of its own, one commit."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "mini", repo / "book")
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "book"], check=True, env={**os.environ, "GIT_COMMITTER_DATE": "1700000000 +0000",
                                                                     "GIT_AUTHOR_DATE": "1700000000 +0000"})
    return repo


# The slow tier (`make test-slow`): at 49 s, with a fixed 15 s wait for the books to be mid-layout,
# it was the longest test of `make test`, which had gone past its ten minutes.
@pytest.mark.slow
def test_catalogue_on_a_cluster_survives_a_lost_worker(tmp_path: Path, cluster, short_tmpdir: Path):
    address, workers = cluster
    repo = git_book(tmp_path)
    press = tmp_path / "press.yaml"
    press.write_text(f"books:\n  - path: {FIXTURES / 'mini'}\n  - path: {FIXTURES / 'structure'}\n"
                     f"  - git: {repo}\n    rev: HEAD\n    path: book\n    name: mini-git\n"
                     f"  - path: {tmp_path / 'missing'}\neditions: [pdf, epub, html]\n")
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [sys.executable, str(ROOT / "build.py"), "catalogue", str(press), "--scheduler", address,
               "--out", str(out), "--cache", str(cache)]
    run = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "on 2 workers" in run.stdout.readline()
    # Mid-run: the books' processes have started and their chapters are being laid out.
    time.sleep(15)
    workers[0].send_signal(signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=900)
    # The missing book fails, named; the others are built; the exit status says one failed.
    assert run.returncode == 1, stdout + stderr
    assert "missing: FAILED" in stdout and "missing/book.yaml" in stderr and "Traceback" not in stderr
    assert "1 of 4 book(s) failed: missing" in stderr
    for line in ("mini ", "structure ", "mini-git "):
        row = next(r for r in stdout.splitlines() if r.startswith(line))
        # mini-git is the mini book again: when mini finished first, its editions come whole from
        # the shared cache, which is as good as built (the trees are compared below).
        assert row.count("built") + row.count("cached") == 3 and "ok" in row, stdout

    for name, folder in (("mini", FIXTURES / "mini"), ("structure", FIXTURES / "structure"),
                         ("mini-git", repo / "book")):
        local = tmp_path / f"local-{name}"
        done = run_cli("build", "pdf", "epub", "html", "--manuscript", str(folder), "--out", str(local))
        assert done.returncode == 0, done.stderr
        assert tree(out / name) == tree(local), name

    # Built once anywhere, never again: every edition comes from the shared cache, checked.
    press.write_text(f"books:\n  - path: {FIXTURES / 'mini'}\n  - path: {FIXTURES / 'structure'}\n"
                     f"editions: [pdf, epub, html]\n")
    shutil.rmtree(out)
    again = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "mini: pdf cached, epub cached, html cached" in again.stdout
    assert tree(out / "mini") == tree(tmp_path / "local-mini")
    # WeasyPrint's font folders (one per layout, freed only by garbage collection) went into each
    # worker's own directory, which Dask removes with the worker, not loose into TMPDIR.
    assert not list(short_tmpdir.glob("weasyprint-*"))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the build cache and the lock (it holds a pid), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(folder).parts and p.name != ".lock"}


def test_stamp_on_a_cluster_writes_the_copies_a_local_stamp_writes(tmp_path: Path, cluster):
    """`stamp --scheduler`: 60 readers (120 copies, PDF and EPUB) in three tasks over both workers, one bad row named; every
    copy byte-identical to the one a local stamp writes."""
    address, _workers = cluster
    manuscript = tmp_path / "manuscript"
    shutil.copytree(FIXTURES / "mini", manuscript)
    done = run_cli("dist", "--manuscript", str(manuscript), "--dist", str(tmp_path / "local"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shutil.copytree(tmp_path / "local", tmp_path / "cluster")
    rows = [f"Reader Number {n} 山田,r{n}@example.org,A-{n:04d}" for n in range(60)]
    (tmp_path / "readers.csv").write_text("name,email,order\n" + "\n".join(rows) + "\nBad,not-an-address,B-1\n",
                                          "utf-8")
    runs = {}
    for where, extra in (("local", []), ("cluster", ["--scheduler", address])):
        runs[where] = subprocess.run([sys.executable, str(ROOT / "build.py"), "stamp", "--readers", "readers.csv",
                                      "--manuscript", str(manuscript), "--dist", str(tmp_path / where), *extra],
                                     cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=900)
    cluster_run = runs["cluster"]
    assert cluster_run.returncode == 1, cluster_run.stderr  # the bad row: the others still get their copies
    assert f"stamp: writing 120 copies on the cluster at {address}, 3 tasks" in cluster_run.stdout + cluster_run.stderr
    assert "readers.csv:62:1: error[R003]: email 'not-an-address' is not an address" in cluster_run.stderr
    local = tree(tmp_path / "local" / "small-book-1.0" / "readers")
    assert len([name for name in local if name.endswith(".pdf")]) == 60
    assert tree(tmp_path / "cluster" / "small-book-1.0" / "readers") == local
