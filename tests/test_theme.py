"""A book brings its own design: templates and styles looked up in the manuscript first (theme.py),
and the page design (styles/design.yaml) followed by the PDF, the stamp and the check alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber

from conftest import copy_manuscript, run_cli
from pressroom.theme import STYLES, TEMPLATES


def _sizes(pdf_path: Path, text: str) -> set[float]:
    """The sizes the characters of `text` are printed in, wherever it appears."""
    found = set()
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            # One entry per letter: a ligature's char ("fi") counts for each of its letters.
            letters = [(ch, c) for c in page.chars if not c["text"].isspace() for ch in c["text"]]
            joined, wanted = "".join(ch for ch, _ in letters), "".join(text.split())
            start = joined.find(wanted)
            if start >= 0:
                found |= {round(c["size"], 1) for _, c in letters[start:start + len(wanted)]}
    return found


def test_a_book_overrides_a_stylesheet_a_template_and_the_design(tmp_path):
    book = copy_manuscript("mini", tmp_path)
    (book / "styles").mkdir()
    css = (STYLES / "pdf.css").read_text() + "\n.chapter-title { font-size: 30pt; line-height: 36pt; }\n"
    (book / "styles" / "pdf.css").write_text(css)
    (book / "styles" / "design.yaml").write_text("note-size: 10\nnote-leading: 12\n")
    (book / "templates" / "pdf").mkdir(parents=True)
    template = (TEMPLATES / "pdf" / "book.html").read_text()
    marked = template.replace('<p class="half-title-text">', '<p class="press-mark">Set by the Override Press</p>\n'
                              '  <p class="half-title-text">')
    assert marked != template
    (book / "templates" / "pdf" / "book.html").write_text(marked)
    out = tmp_path / "build"
    done = run_cli("build", "pdf", "--manuscript", str(book), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = out / "small-book.pdf"
    assert 30.0 in _sizes(pdf, "The First Chapter") and 18.0 not in _sizes(pdf, "The First Chapter")
    assert _sizes(pdf, "Set by the Override Press") == {10.5}
    assert _sizes(pdf, "A note about the light.") == {10.0}
    # Ours are untouched: another book gets the package's design.
    plain = copy_manuscript("mini", tmp_path / "plain")
    done = run_cli("build", "pdf", "--manuscript", str(plain), "--out", str(tmp_path / "plain-build"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert 18.0 in _sizes(tmp_path / "plain-build" / "small-book.pdf", "The First Chapter")
    assert _sizes(tmp_path / "plain-build" / "small-book.pdf", "A note about the light.") == {8.5}


def test_a_bad_design_value_and_a_missing_template_are_named(tmp_path):
    book = copy_manuscript("mini", tmp_path)
    (book / "styles").mkdir()
    (book / "styles" / "design.yaml").write_text("# ours\nnote-size: huge\nfolio: middle\n")
    done = run_cli("build", "pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "styles/design.yaml:2:12: error[B004]: 'note-size' must be a number" in done.stderr, done.stderr
    assert "styles/design.yaml:3:8: error[B004]: 'folio' must be one of" in done.stderr
    shutil.rmtree(book / "styles")
    (book / "templates" / "pdf").mkdir(parents=True)
    (book / "templates" / "pdf" / "book.html").write_text('{% include "no-such-part.html" %}')
    done = run_cli("build", "pdf", "--manuscript", str(book), "--out", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "template 'no-such-part.html' not found (looked for" in done.stderr, done.stderr
    assert "templates/pdf/no-such-part.html" in done.stderr
