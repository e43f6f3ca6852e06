"""Releases (`build.py dist`): byte-identical from the same commit, checksummed, with changes since the last tag."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest

from conftest import FIXTURES, ROOT

from pressroom.dist import make_release
from pressroom.messages import BuildError, Report
from pressroom.tools import git

FIRST, SECOND = "2024-03-01T12:00:00+00:00", "2024-03-02T09:30:00+00:00"
SECOND_EPOCH = 1709371800
RELEASE = "small-book-1.0"


def run_git(repo: Path, *args: str, date: str = FIRST) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def book_repo(base: Path) -> Path:
    """A book repository: the mini book tagged v0.9, then a second draft committed a day later."""
    repo = base / "origin"
    shutil.copytree(FIXTURES / "mini", repo / "book")
    run_git(repo, "init", "-q")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "First draft")
    run_git(repo, "tag", "v0.9")
    chapter = repo / "book" / "chapters" / "02-two.md"
    chapter.write_text(chapter.read_text("utf-8") + "\nA paragraph added in the second draft.\n", "utf-8")
    run_git(repo, "commit", "-qam", "Second draft: a paragraph more", date=SECOND)
    return repo


def dist_in_fresh_process(code: Path, repo: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`build.py dist` as a user runs it: no SOURCE_DATE_EPOCH, so the commit's date is used."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SOURCE_DATE_EPOCH", "TZ", "LANG", "LC_ALL", "PYTHONHASHSEED")}
    return subprocess.run([sys.executable, str(code / "build.py"), "dist", "--manuscript", str(repo / "book"),
                           "--dist", str(repo / "dist")], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**clean, "PYTHONPATH": str(code), **env})


def copy_of_the_code(dest: Path) -> Path:
    """Pressroom itself in another folder: where the code lives must not reach the bytes either."""
    for name in ("pressroom", "build.py"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory) -> tuple[Path, Path]:
    """The same commit released twice: other folders, other code folder, zone, locale, hash seed, time."""
    base = tmp_path_factory.mktemp("dist")
    first = book_repo(base)
    second = base / "elsewhere" / "clone"
    subprocess.run(["git", "clone", "-q", str(first), str(second)], check=True, capture_output=True)
    (base / "cwd-a").mkdir()
    (base / "cwd-b").mkdir()
    a = dist_in_fresh_process(ROOT, first, base / "cwd-a",
                              {"TZ": "UTC", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "0"})
    assert a.returncode == 0, a.stdout + a.stderr
    time.sleep(1.1)  # a later second: any clock time that leaked in would differ
    b = dist_in_fresh_process(copy_of_the_code(base / "code-copy"), second, base / "cwd-b",
                              {"TZ": "Asia/Kolkata", "LANG": "fr_FR.UTF-8", "LC_ALL": "fr_FR.UTF-8",
                               "PYTHONHASHSEED": "4242"})
    assert b.returncode == 0, b.stdout + b.stderr
    return first / "dist" / RELEASE, second / "dist" / RELEASE


def test_two_builds_of_one_commit_are_byte_identical(two_releases):
    a, b = two_releases
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert names == ["CHANGES.md", "SHA256SUMS", "manifest.json", "onix.xml", f"{RELEASE}-html.zip",
                     f"{RELEASE}.epub", f"{RELEASE}.pdf"]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_manifest_describes_every_file_and_its_checksums_hold(two_releases):
    release = two_releases[0]
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    repo = release.parent.parent
    assert manifest["source"] == {"commit": git.head_commit(repo), "uncommitted_changes": False}
    assert manifest["build_date"] == "2024-03-02T09:30:00Z" and manifest["source_date_epoch"] == SECOND_EPOCH
    kinds = {e["kind"]: e for e in manifest["editions"]}
    assert set(kinds) == {"pdf", "epub", "html"}
    assert kinds["epub"]["isbn"] == "978-0-00-000000-2" and kinds["pdf"]["isbn"] is None
    for entry in manifest["editions"]:
        data = (release / entry["file"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    with pikepdf.open(release / kinds["pdf"]["file"]) as pdf:
        assert kinds["pdf"]["pages"] == len(pdf.pages) == 9
    sums = dict(reversed(line.split("  ", 1)) for line in (release / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"CHANGES.md", "manifest.json", "onix.xml", *(e["file"] for e in manifest["editions"])}
    for name, digest in sums.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest, name
    if shutil.which("sha256sum"):
        done = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=release,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_zip_and_epub_carry_the_commit_time_and_fixed_entries(two_releases):
    release = two_releases[0]
    commit_time = time.gmtime(SECOND_EPOCH)[:6]
    with zipfile.ZipFile(release / f"{RELEASE}-html.zip") as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and all(n.startswith(f"{RELEASE}-html/") for n in names)
    assert f"{RELEASE}-html/index.html" in names
    assert {i.date_time for i in infos} == {commit_time}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    with zipfile.ZipFile(release / f"{RELEASE}.epub") as epub:
        assert epub.infolist()[0].filename == "mimetype"
        assert epub.infolist()[0].compress_type == zipfile.ZIP_STORED
        package = re.search(r'full-path="([^"]+)"', epub.read("META-INF/container.xml").decode()).group(1)
        opf = epub.read(package).decode("utf-8")
    assert re.search(r'<meta property="dcterms:modified">\s*2024-03-02T09:30:00Z\s*</meta>', opf)
    assert "urn:isbn:9780000000002" in opf


def test_changes_since_the_previous_tag(two_releases):
    changes = (two_releases[0] / "CHANGES.md").read_text("utf-8")
    assert changes.startswith("# Changes since v0.9\n")
    assert "- changed: `chapters/02-two.md`" in changes
    assert "Second draft: a paragraph more" in changes and "First draft" not in changes
    if importlib.util.find_spec("pressroom.diff.cli"):  # the diff stage's own summary of the text
        text = changes.split("## The text\n", 1)[1].split("## ", 1)[0]
        assert "1 chapter changed: +7 -0 words" in text and "02-two.md: +7 -0 words" in text


def test_previous_release_tag_skips_the_tag_on_head(tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q")
    assert git.previous_release_tag(repo) is None  # no commit at all
    for n, tag in enumerate(("v1.0", None, "v1.1")):
        (repo / "f.txt").write_text(str(n))
        run_git(repo, "add", "f.txt")
        run_git(repo, "commit", "-qm", f"commit {n}")
        if tag:
            run_git(repo, "tag", tag)
    assert git.previous_release_tag(repo) == "v1.0"  # v1.1 is on HEAD: the release being made
    (repo / "f.txt").write_text("after")
    run_git(repo, "commit", "-qam", "after v1.1")
    assert git.previous_release_tag(repo) == "v1.1"
    assert git.previous_release_tag(tmp_path) is None  # not a repository


def test_no_tag_no_changes_file_and_no_git_no_commit(mini: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    release = make_release(mini, tmp_path / "dist", lambda line: None, Report())
    manifest = json.loads((release / "manifest.json").read_text("utf-8"))
    assert manifest["source"] == {"commit": None, "uncommitted_changes": False}
    assert manifest["changes"] is None and not (release / "CHANGES.md").exists()
    assert manifest["build_date"] == "2023-11-14T22:13:20Z"
    assert not list((tmp_path / "dist").glob(".build-*"))  # the staging folder is gone


def test_a_version_that_cannot_name_a_release_is_an_error(mini: Path, tmp_path: Path):
    book = mini / "book.yaml"
    book.write_text(book.read_text("utf-8").replace('version: "1.0"', 'version: "../1.0"'), "utf-8")
    with pytest.raises(BuildError) as caught:
        make_release(mini, tmp_path / "dist", lambda line: None, Report())
    assert [m.code for m in caught.value.messages] == ["D001"]
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
