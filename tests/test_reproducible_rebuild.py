"""A rebuild after an edit is byte for byte the clean build of the edited book, whatever came from
the cache: a chapter's HTML must not depend on which other chapters pandoc wrote beside it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import copy_manuscript, run_cli


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(folder).parts and p.name != ".lock"}


def test_a_rebuild_after_an_edit_equals_a_clean_build(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    chapters = sorted((manuscript / "chapters").glob("*.md"))
    for chapter in chapters:  # highlighted code in each chapter: pandoc numbered its ids through the book
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\n```python\nprint('x')\nprint('y')\n```\n",
                           encoding="utf-8")

    def build(out: Path) -> None:
        done = run_cli("build", "html", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr

    build(tmp_path / "rebuilt")
    chapters[-1].write_text(chapters[-1].read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    build(tmp_path / "rebuilt")  # the last chapter written alone, the first from the cache
    build(tmp_path / "clean")
    rebuilt, clean = tree(tmp_path / "rebuilt"), tree(tmp_path / "clean")
    assert rebuilt == clean, sorted(k for k in rebuilt if rebuilt[k] != clean.get(k))
    page = next(p for p in (tmp_path / "clean" / "html").glob("*.html") if "One more sentence" in p.read_text())
    assert 'aria-hidden="true" tabindex="-1"' not in page.read_text()  # the code lines' anchors, dropped
