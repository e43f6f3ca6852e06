"""RELIABILITY.md group G: builds that are interrupted, starved, pointed at their own sources, run twice or hung."""

from __future__ import annotations

import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, copy_manuscript, run_cli
from hardening import PREVIOUS, session_processes, snapshot, wait_for, write_chapter

KINDS = ("pdf", "epub", "html")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000", **extra}


def _build_command(manuscript: Path, out: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "build", *KINDS, "--manuscript", str(manuscript), "--out", str(out)]


def test_G1_a_build_killed_at_a_random_moment_leaves_the_previous_editions_and_no_temporaries(tmp_path: Path,
                                                                                            short_tmpdir: Path):
    """SIGINT and SIGKILL, twice each, at seeded random moments of a real build of every edition.

    The build is reproducible, so a finished edition equals the previous one: after every kill
    the output folder must be exactly as before, with no `.*.tmp` left (the janitor removes a
    SIGKILLed build's temporaries; `communicate` waits for it, as it holds the build's stderr).
    Nor is anything left in TMPDIR by a build that finished or was stopped with Ctrl-C (WeasyPrint
    copied the book's fonts there for each layout, 90 MB a build of the sample).
    """
    manuscript = copy_manuscript("mini", tmp_path)
    out = tmp_path / "build"
    scratch = short_tmpdir
    started = time.monotonic()
    first = subprocess.run(_build_command(manuscript, out), env=_env(TMPDIR=str(scratch)), capture_output=True,
                           text=True, timeout=300)
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert "laid out" in first.stdout and not list(scratch.iterdir())
    previous = snapshot(out)
    moments = random.Random(1)
    for sig in (signal.SIGINT, signal.SIGKILL, signal.SIGINT, signal.SIGKILL):
        build = subprocess.Popen(_build_command(manuscript, out), env=_env(TMPDIR=str(scratch)),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(moments.uniform(0.3, max(0.4, duration)))
        build.send_signal(sig)
        _stdout, stderr = build.communicate(timeout=300)
        assert "Traceback" not in stderr, stderr
        # SIGINT: 130 when caught; -2 when it lands while Python starts or shuts down (default action).
        assert build.returncode in ((0, 1, 130, -signal.SIGINT) if sig == signal.SIGINT else (0, -signal.SIGKILL))
        assert not [p for p in out.rglob(".*") if p.name.endswith(".tmp")]
        assert snapshot(out) == previous, f"after {sig.name}"
        if sig == signal.SIGINT:
            assert not list(scratch.iterdir()), f"after {sig.name}"


def test_G1_a_build_killed_outright_takes_its_worker_processes_with_it(tmp_path: Path):
    """SIGKILL while a long chapter is laid out in the workers (pressroom/workers.py): the fork
    server and every worker must go too, not lay out on for nobody or wait for work forever."""
    manuscript = copy_manuscript("mini", tmp_path)
    write_chapter(manuscript, "\n\n".join(f"Paragraph {n} of a long chapter, " + "with words to fill the pages " * 12
                                          for n in range(150)))
    command = [sys.executable, str(ROOT / "build.py"), "build", "pdf", "--manuscript", str(manuscript),
               "--out", str(tmp_path / "build")]
    build = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             start_new_session=True)
    try:
        for line in build.stdout:
            if "typesetting with WeasyPrint" in line:
                break
        # The workers are the fork server's children: the build's grandchildren, in its session.
        workers = wait_for(lambda: [p for p in session_processes(build.pid) if f" ppid={build.pid} " not in p
                                    and not p.startswith(f"{build.pid} ")], 120)
        assert workers, "no worker process started"
        assert build.poll() is None, "the build finished before it could be killed"
        build.kill()
        build.wait(timeout=60)
        wait_for(lambda: not session_processes(build.pid), 30)
        assert session_processes(build.pid) == []
    finally:
        build.kill()
        build.stdout.close()


def test_G1_make_deletes_a_failed_target_and_runs_in_a_strict_shell():
    makefile = (ROOT / "Makefile").read_text("utf-8").splitlines()
    for line in (".DELETE_ON_ERROR:", "SHELL := bash", ".SHELLFLAGS := -eu -o pipefail -c"):
        assert line in makefile, line


def test_G2_a_pandoc_warning_fails_the_edition_and_writes_nothing(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.tools import pandoc

    image = {"t": "Image", "c": [["", [], []], [{"t": "Str", "c": "x"}], ["images/missing.png", ""]]}
    target = tmp_path / "book.epub"
    with pytest.raises(BuildError) as caught:
        pandoc.write_epub(pandoc.document([{"t": "Para", "c": [image]}]), target, [f"--resource-path={tmp_path}"],
                          label="epub edition", env={})
    message = caught.value.messages[0]
    assert (message.path, message.code) == ("epub edition", "T003")
    assert "[WARNING] Could not fetch resource images/missing.png" in message.text
    assert not target.exists()


def test_G3_a_full_disk_is_an_error_and_the_previous_edition_stays(tmp_path: Path):
    """ENOSPC stood in for by RLIMIT_FSIZE (EFBIG): the same failed write(), without mounting a tiny tmpfs.

    The PDF fails when WeasyPrint writes its temporary font files; the web edition, once its page
    layout is cached, fails as its own files are written (the fonts are larger than the limit).
    """
    manuscript = copy_manuscript("mini", tmp_path)
    out = tmp_path / "build"
    (out / "html").mkdir(parents=True)
    (out / "html" / "index.html").write_bytes(PREVIOUS)
    (out / "small-book.pdf").write_bytes(PREVIOUS)
    previous = snapshot(out)

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))

    def build(kind: str, limit: bool) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "build.py"), "build", kind, "--manuscript", str(manuscript),
                               "--out", str(out)], env=_env(), capture_output=True, text=True, timeout=300,
                              preexec_fn=small_files if limit else None)

    done = build("pdf", limit=True)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert ("manuscript/chapters/01-one.md: error[W005]: WeasyPrint could not write its temporary files: "
            "File too large") in done.stderr.splitlines(), done.stderr
    assert snapshot(out) == previous

    # The web edition lays the pages out too (to mark them); with that layout cached, it gets as
    # far as writing its own files, whose fonts are larger than the limit.
    assert build("html", limit=False).returncode == 0
    shutil.rmtree(out / "html")
    (out / "html").mkdir()
    (out / "html" / "index.html").write_bytes(PREVIOUS)
    assert snapshot(out) == previous
    done = build("html", limit=True)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert f"{out}/html: error[O001]: could not write the edition: File too large" in done.stderr.splitlines(), \
        done.stderr
    assert snapshot(out) == previous


def test_G4_read_only_sources_build_and_stay_byte_identical(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    before = snapshot(manuscript)
    paths = sorted(manuscript.rglob("*"), reverse=True) + [manuscript]
    for path in paths:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        done = run_cli("build", *KINDS, "--manuscript", str(manuscript), "--out", str(tmp_path / "build"))
        assert done.returncode == 0, done.stderr
        assert snapshot(manuscript) == before
        assert [oct(p.stat().st_mode & 0o222) for p in paths] == ["0o0"] * len(paths)
    finally:
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)


def test_G5_an_output_in_place_of_an_input_is_refused(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    inside = manuscript / "build"
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(inside))
    assert done.returncode == 1
    assert f"{inside}: error[O002]: the output folder is inside the manuscript folder {manuscript}: choose " \
           "another --out" in done.stderr.splitlines()
    assert not inside.exists()

    named_html = tmp_path / "html"  # a manuscript folder named like the web edition's
    manuscript.rename(named_html)
    before = snapshot(named_html)
    done = run_cli("build", "html", "--manuscript", str(named_html), "--out", str(tmp_path))
    assert done.returncode == 1
    assert f"{named_html}: error[O002]: the html edition would replace the manuscript folder {named_html}: " \
           "choose another --out" in done.stderr.splitlines()
    assert snapshot(named_html) == before


def test_G6_builds_in_different_environments_are_byte_identical(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    digests = []
    for number, extra in enumerate(({"TZ": "UTC", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"},
                                    {"TZ": "Asia/Kolkata", "LANG": "fr_FR.UTF-8", "LC_ALL": "",
                                     "PYTHONHASHSEED": "4242"})):
        cwd = tmp_path / f"cwd{number}"
        cwd.mkdir()
        out = tmp_path / f"build{number}"
        done = subprocess.run(_build_command(manuscript, out), env=_env(**extra), cwd=cwd, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        digests.append({str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(out.rglob("*")) if p.is_file() and ".cache" not in p.relative_to(out).parts
                        and p.name != ".lock"})
    assert digests[0] == digests[1]


def test_G6_workers_see_the_pinned_source_date_epoch_though_the_fork_server_predates_it():
    """The fork server lives as long as the process and keeps the environment it started with: a
    pool started after SOURCE_DATE_EPOCH was pinned (or unpinned) must still hand its workers the value."""
    code = ("import os\n"
            "from pressroom import workers\n"
            "def seen():\n"
            "    with workers.pool(1) as pool:\n"
            "        return pool.submit(os.getenv, 'SOURCE_DATE_EPOCH').result()\n"
            "first = seen()\n"  # starts the fork server, with no SOURCE_DATE_EPOCH
            "os.environ['SOURCE_DATE_EPOCH'] = '1234567890'\n"
            "pinned = seen()\n"
            "del os.environ['SOURCE_DATE_EPOCH']\n"
            "print(first, pinned, seen())\n")
    env = {k: v for k, v in _env().items() if k != "SOURCE_DATE_EPOCH"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["None", "1234567890", "None"], done.stderr


def test_G6_without_source_date_epoch_a_build_is_the_one_at_its_last_commits_time(tmp_path: Path):
    """`build` as a user runs it, in a git work tree and no SOURCE_DATE_EPOCH: byte for byte the
    build with SOURCE_DATE_EPOCH set to the last commit's time (pinned before any worker starts)."""
    manuscript = copy_manuscript("mini", tmp_path)
    when = "@1600000000 +0000"  # 2020-09-13T12:26:40Z
    git = {**_env(), "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "manuscript"]):
        subprocess.run(["git", *args], cwd=manuscript, env=git, check=True, capture_output=True)
    digests = []
    for name, env in (("unset", {k: v for k, v in _env().items() if k != "SOURCE_DATE_EPOCH"}),
                      ("pinned", _env(SOURCE_DATE_EPOCH="1600000000"))):
        out = tmp_path / name
        done = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "pdf", "epub", "--manuscript",
                               str(manuscript), "--out", str(out)], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        digests.append({str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(out.rglob("*")) if p.is_file() and ".cache" not in p.relative_to(out).parts
                        and p.name != ".lock"})
    assert digests[0] == digests[1]
    import zipfile

    with zipfile.ZipFile(tmp_path / "unset" / "small-book.epub") as epub:
        opf = next(epub.read(n) for n in epub.namelist() if n.endswith(".opf")).decode("utf-8")
    assert '<meta property="dcterms:modified">2020-09-13T12:26:40Z</meta>' in opf


def test_G7_pandoc_runs_under_a_timeout_naming_the_chapter(monkeypatch):
    from pressroom.messages import BuildError
    from pressroom.tools import pandoc

    monkeypatch.setattr(pandoc, "TIMEOUT", 0.001)
    with pytest.raises(BuildError) as caught:
        pandoc.read_markdown("x\n" * 1000, label="manuscript/chapters/05-five.md")
    assert str(caught.value) == ("manuscript/chapters/05-five.md: error[T002]: pandoc ran longer than 0.001 s "
                                 "(the limit): look for deeply nested or very long constructs")


def test_G7_a_chapter_template_runs_under_a_timeout_naming_the_chapter(monkeypatch, tmp_path: Path):
    from pressroom import limits
    from pressroom.messages import BuildError
    from pressroom.model import Chapter
    from pressroom.render import render_chapter

    monkeypatch.setattr(limits, "JINJA_SECONDS", 0.3)
    loops = "{% for a in 'x' * 9000 %}{% for b in 'x' * 9000 %}{{ a }}{% endfor %}{% endfor %}"
    chapter = Chapter(id="five", title="t", path=tmp_path / "05.md", shown="manuscript/chapters/05-five.md",
                      body=loops, body_line=4)
    with pytest.raises(BuildError) as caught:
        render_chapter(chapter, {"book": {}, "edition": {}})
    assert str(caught.value) == "manuscript/chapters/05-five.md: error[R008]: the chapter's template ran longer than 0.3 s"


def test_G7_weasyprint_runs_under_a_timeout_naming_the_edition(monkeypatch, tmp_path: Path):
    from pressroom import limits
    from pressroom.messages import BuildError
    from pressroom.tools import weasyprint

    monkeypatch.setattr(limits, "LAYOUT_SECONDS", 0.05)
    with pytest.raises(BuildError) as caught:
        weasyprint.layout("<p>A paragraph of text.</p>" * 3000, tmp_path, weasyprint.Resources((tmp_path,)), label="pdf edition")
    assert str(caught.value) == "pdf edition: error[R008]: WeasyPrint's layout ran longer than 0.05 s"


def test_G7_running_out_of_memory_is_an_error_naming_the_chapter():
    """Under the build's address-space cap an allocation fails as MemoryError, reported with its stage."""
    code = ("from pressroom import limits\n"
            "from pressroom.messages import BuildError\n"
            "limits.cap_process(memory=1 << 30)\n"
            "try:\n"
            "    with limits.stage('manuscript/chapters/05-five.md', 'rendering the chapter'):\n"
            "        block = bytearray(2 << 30)\n"
            "except BuildError as exc:\n"
            "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == ("manuscript/chapters/05-five.md: error[R009]: ran out of memory (limit 1 GiB) "
                                   "while rendering the chapter"), done.stderr


def test_G7_a_build_that_spins_past_its_cpu_limit_is_an_error_naming_the_stage():
    code = ("from pressroom import limits\n"
            "from pressroom.messages import BuildError\n"
            "limits.cap_process(cpu=1)\n"
            "try:\n"
            "    with limits.stage('pdf edition', 'laying out pages'):\n"
            "        while True:\n"
            "            pass\n"
            "except BuildError as exc:\n"
            "    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "pdf edition: error[R008]: the build used more than 1 s of CPU while laying " \
                                  "out pages", done.stderr


def test_G7_the_build_verb_caps_its_memory_and_cpu():
    code = ("import resource, sys\n"
            "from pressroom import cli, pipeline\n"
            "pipeline.build = lambda *a, **k: print(resource.getrlimit(resource.RLIMIT_AS)[0] >> 30,\n"
            "                                  resource.getrlimit(resource.RLIMIT_CPU)[0])\n"
            "cli.main(['build', 'pdf'])\n")
    done = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["4", "1800"], done.stderr


@pytest.fixture(scope="module")
def built_mini(tmp_path_factory) -> Path:
    """The mini book built once (pdf, epub, html), its output and cache with it: copied by each G7 test."""
    root = tmp_path_factory.mktemp("built-mini")
    manuscript = copy_manuscript("mini", root)
    done = subprocess.run(_build_command(manuscript, root / "build"), env=_env(), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return root


def _copy_built(built: Path, tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(built / "manuscript", tmp_path / "manuscript")
    shutil.copytree(built / "build", tmp_path / "build", ignore=shutil.ignore_patterns(".lock"))
    return tmp_path / "manuscript", tmp_path / "build"


def test_G7_a_merge_refused_in_its_worker_leaves_the_previous_pdf_and_no_temporary(tmp_path: Path, monkeypatch,
                                                                                   built_mini: Path):
    """The PDF's parts are merged in a worker process while the EPUB and the web edition are
    written: a merge that fails there (here F002, a chapter cut short: its last words asked for
    are not on its last page) is the build's error, and the PDF written before stays whole."""
    from pressroom.editions import typeset
    from pressroom.messages import BuildError, Report
    from pressroom.pipeline import build

    manuscript, out = _copy_built(built_mini, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    previous = snapshot(out)
    (manuscript / "chapters" / "01-one.md").write_text(
        (manuscript / "chapters" / "01-one.md").read_text(encoding="utf-8") + "\nOne more paragraph.\n",
        encoding="utf-8")
    real = typeset._endings

    def never_printed(*args, **kwargs):
        return tuple((shown, "words never printed", pages) for shown, _ending, pages in real(*args, **kwargs))

    monkeypatch.setattr(typeset, "_endings", never_printed)  # computed here, checked in the worker
    with pytest.raises(BuildError) as refused:
        build(manuscript, out, {"pdf", "epub", "html"}, lambda _line: None, Report())
    assert {m.code for m in refused.value.messages} == {"F002"}
    pdf = next(name for name in previous if name.endswith(".pdf"))
    assert snapshot(out)[pdf] == previous[pdf]
    assert not list(out.glob(".*.tmp"))


def test_G7_an_edition_failing_while_the_pdf_is_merged_leaves_the_previous_pdf(tmp_path: Path, monkeypatch,
                                                                               built_mini: Path):
    """An error in an edition written during the PDF's merge stops the merge: the build fails
    with that error, and the PDF is not replaced (nothing under the output folder is)."""
    from pressroom.editions import epub
    from pressroom.messages import BuildError, Report, fail
    from pressroom.pipeline import build

    manuscript, out = _copy_built(built_mini, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    previous = snapshot(out)
    chapter = manuscript / "chapters" / "01-one.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")

    def refused(*args, **kwargs):
        raise fail("E999", "epub", 0, 0, "refused while the PDF was being merged")

    monkeypatch.setattr(epub, "write", refused)
    with pytest.raises(BuildError) as failed:
        build(manuscript, out, {"pdf", "epub", "html"}, lambda _line: None, Report())
    assert [m.code for m in failed.value.messages] == ["E999"]
    # Long enough for a merge left running to have written its temporary (0.3 s for this book).
    time.sleep(1.5)
    assert snapshot(out) == previous
    assert not list(out.glob(".*.tmp"))
