"""A generated 300-page book with 750 notes: every note printed, on the page of its call."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from pdfread import loose_calls, read_notes

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402  (the project's own generator, under bench/)

# Minutes on two cores (a quarter of the whole suite): `make test-slow`, with the corpus books.
pytestmark = pytest.mark.slow


def test_every_note_of_a_long_book_is_on_its_call_page(tmp_path: Path):
    manuscript = generate(tmp_path / "manuscript", chapters=30, notes_per_chapter=25)
    done = run_cli("build", "pdf", "--manuscript", str(manuscript), "--out", str(tmp_path / "build"))
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = tmp_path / "build" / "synthetic.pdf"
    notes = read_notes(pdf)
    assert len(notes.calls) == len(notes.bodies) == 750
    assert notes.misplaced() == []
    assert notes.calls[-1][1] >= 300  # pages
    assert loose_calls(pdf) == []
