"""Bad manuscripts: the exact message and location, exit 1, no traceback, build/ untouched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import copy_manuscript, run_cli

CASES = {
    "note-undefined": "manuscript/chapters/01-one.md:4:64: error[N001]: note 'missing' is referenced but defined "
                      "neither in this chapter nor in notes.yaml",
    "note-twice": "manuscript/chapters/02-two.md:10:1: error[N002]: note 'inline' is defined twice "
                  "(first at manuscript/notes.yaml:6): rename one",
    "broken-yaml": "manuscript/book.yaml:3:7: error[Y001]: broken YAML: mapping values are not allowed in this context",
    "duplicate-key": "manuscript/book.yaml:3:1: error[Y005]: duplicate key 'title' (first at line 1)",
    "missing-chapter": "manuscript/book.yaml:8:5: error[B007]: chapters[2] not found: manuscript/chapters/03-three.md",
    # The allowed keys grow with the format: the message must name the key, its place and the list.
    "unknown-key": "manuscript/book.yaml:5:9: error[B001]: unknown key 'colour' in book.yaml (allowed: authors, …)",
    "undefined-variable": "manuscript/chapters/01-one.md:6:1: error[J002]: undefined variable: 'dict object' has no attribute 'author'",
    "bad-utf8": "manuscript/chapters/01-one.md:6:3: error[E001]: not valid UTF-8 (byte 0xef)",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_manuscript_is_refused_with_its_location(case: str, tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path, overlay=case)
    out = tmp_path / "build"
    out.mkdir()
    previous = out / "small-book.pdf"
    previous.write_bytes(b"the previous edition")
    sources = {p: p.read_bytes() for p in manuscript.rglob("*") if p.is_file()}

    done = run_cli("build", "--manuscript", str(manuscript), "--out", str(out), cwd=tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    lines = [re.sub(r"\(allowed: authors, .*\)$", "(allowed: authors, …)", line) for line in done.stderr.splitlines()]
    assert CASES[case] in lines
    assert "Traceback" not in done.stderr + done.stdout
    assert sorted(p.name for p in out.iterdir() if p.name != ".lock") == ["small-book.pdf"]
    assert previous.read_bytes() == b"the previous edition"
    assert {p: p.read_bytes() for p in manuscript.rglob("*") if p.is_file()} == sources


def test_unused_note_is_a_warning_and_the_build_goes_on(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path, overlay="note-unused")
    done = run_cli("check", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "manuscript/notes.yaml:6:3: warning[N003]: note 'spare' is defined but never referenced" \
        in done.stderr.splitlines()


def test_undefined_variable_in_a_page_template_names_the_template_line(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.render import page_environment, render_page
    from pressroom.theme import Theme

    (tmp_path / "templates" / "pdf").mkdir(parents=True)  # the book's own templates
    (tmp_path / "templates" / "pdf" / "page.html").write_text("<p>{{ book.title }}</p>\n<p>{{ book.nothing }}</p>\n")
    with pytest.raises(BuildError) as caught:
        render_page(page_environment("pdf", Theme(tmp_path)), "page.html", {"book": {"title": "T"}})
    message = caught.value.messages[0]
    assert (message.code, message.line) == ("J002", 2)
    assert message.path.endswith("pdf/page.html")


def test_raw_html_in_a_chapter_is_refused_with_its_position(tmp_path: Path):
    manuscript = copy_manuscript("mini", tmp_path)
    (manuscript / "chapters" / "01-one.md").write_text(
        "---\ntitle: One\n---\nA call.[^dark]\n\nText <script>alert(1)</script> here.\n")
    done = run_cli("check", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert done.returncode == 1
    assert any(line.startswith("manuscript/chapters/01-one.md:6:") and "[P001]" in line
               for line in done.stderr.splitlines()), done.stderr
