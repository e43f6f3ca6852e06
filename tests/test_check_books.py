"""`check` on books that are not the sample, built for real: a book with its own page design
(styles/design.yaml) holds every rule, and a misplaced note or a wrong contents number in that
design is still caught; books whose last chapter ends in a code block or a table, with a note
holding blocks, build and pass; `make check` and `make proof` read the book MANUSCRIPT names."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
import yaml

from conftest import FIXTURES, ROOT, run_cli

CHECK = FIXTURES / "check"
PDF = "proof-marks.pdf"
ALL_HOLD = re.compile(r"check: every rule holds for 1 PDF \(9 pages\) \(\d+\.\d s\)")
# The hand-written pages (tests/fixtures/check/*.html) set in the design of design.yaml.
IN_DESIGN = (('href="book.css"', 'href="designed.css"'), ("<h1>Contents</h1>", "<h1>Table of Contents</h1>"))


def designed_manuscript(base: Path) -> Path:
    """The fixture book with tests/fixtures/check/design.yaml as its own styles/design.yaml."""
    root = base / "manuscript"
    shutil.copytree(CHECK / "book", root)
    shutil.copy(CHECK / "design.yaml", root / "styles" / "design.yaml")
    return root


@pytest.fixture(scope="module")
def designed(tmp_path_factory) -> Path:
    """The designed book built (its reader's PDF) under base/build; returns base."""
    base = tmp_path_factory.mktemp("designed")
    root = designed_manuscript(base)
    done = run_cli("build", "--manuscript", str(root), "--out", str(base / "build"), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    return base


def check(base: Path, manuscript: Path, out: Path) -> subprocess.CompletedProcess:
    return run_cli("check", "--manuscript", str(manuscript), "--out", str(out), cwd=base)


def rows(stdout: str) -> dict[str, str]:
    """Rule label → its row's verdict (the last word), for every rule row of the report."""
    found = re.findall(r"^  (\S.*?)\s{2,}.*\s(ok|FAILED)$", stdout, re.M)
    return {label: verdict for label, verdict in found}


def test_the_built_pdf_is_set_in_the_books_own_design(designed: Path):
    with pdfplumber.open(designed / "build" / PDF) as pdf:
        pages = [page.extract_text_lines() for page in pdf.pages]
    contents = next(lines for lines in pages if any(line["text"] == "Table of Contents" for line in lines))
    assert re.fullmatch(r"[ivx]+", contents[0]["text"])  # the folio above the title, at the top
    opening = next(lines for lines in pages if any(line["text"] == "First Chapter" for line in lines))
    title = next(line for line in opening if line["text"] == "First Chapter")
    note = next(line for line in opening if line["text"].startswith("1. Proofreaders’"))
    assert (round(title["chars"][0]["size"], 1), round(note["chars"][0]["size"], 1)) == (22, 10)
    assert opening[0]["text"] == "1" and opening[0]["x0"] > 250  # top outside corner of a recto


def test_check_reads_the_pdf_by_the_books_design_and_every_rule_holds(designed: Path):
    done = check(designed, designed / "manuscript", designed / "build")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert rows(done.stdout) == dict.fromkeys(
        ["notes on their call's page", "pages with nothing outside the text block", "chapters opening on a recto",
         "contents numbers matching the pages", "chapters ending with their last sentence", "fonts embedded",
         PDF], "ok")
    assert ALL_HOLD.fullmatch(lines[-1]), lines[-1]


def typeset_in_design(html: str, out: Path) -> None:
    """A hand-written fixture page laid out in design.yaml's design (designed.css)."""
    import weasyprint

    text = (CHECK / html).read_text("utf-8")
    for old, new in IN_DESIGN:
        assert old in text, (html, old)
        text = text.replace(old, new)
    out.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(string=text, base_url=f"{CHECK}/").write_pdf(out / PDF)


@pytest.mark.parametrize("html, failing, detail", [
    ("good.html", None, None),
    ("note-next-page.html", "notes on their call's page",
     "note 1 in “First Chapter”: called on page 3, printed on page 4"),
    ("wrong-contents.html", "contents numbers matching the pages",
     "“Second Chapter”: the contents says 7, but it opens on page 5 (folio 5)"),
])
def test_in_the_books_design_a_misplaced_note_or_a_wrong_contents_number_is_caught(tmp_path, html, failing, detail):
    typeset_in_design(html, tmp_path / "build")
    done = check(tmp_path, designed_manuscript(tmp_path), tmp_path / "build")
    verdicts = rows(done.stdout)
    assert [label for label, verdict in verdicts.items() if verdict == "FAILED"] == ([failing] if failing else [])
    assert done.returncode == (1 if failing else 0), done.stdout + done.stderr
    if detail:
        assert f"      {detail}" in done.stdout.splitlines()


def test_pages_set_in_another_design_than_the_books_fail_where_they_differ(tmp_path):
    """The default-design pages (8.5 pt notes, 18 pt titles, "Contents") checked against design.yaml's
    book: its notes, chapter titles and contents page are not found where that design puts them."""
    import weasyprint

    (tmp_path / "build").mkdir()
    weasyprint.HTML(CHECK / "good.html").write_pdf(tmp_path / "build" / PDF)
    done = check(tmp_path, designed_manuscript(tmp_path), tmp_path / "build")
    assert done.returncode == 1
    failed = [label for label, verdict in rows(done.stdout).items() if verdict == "FAILED"]
    assert failed == ["notes on their call's page", "chapters opening on a recto", "contents numbers matching the pages"]
    assert "      no contents page (a page starting “Table of Contents”)" in done.stdout.splitlines()


NOTE_WITH_BLOCKS = """---
title: Evidence
---
A claim that needs its evidence laid out.[^evidence] Then more text follows here, enough of it to
make a paragraph of ordinary running text.

[^evidence]: Three sources, in order of "weight":

    - the ledger of Alphacorp
    - the diary of Bravo Smith

    ```
    code_in_a_note = "charlie"
    ```

    > A quoted line from Delta Jones.

    | Year | Echo count |
    |------|-----------:|
    | 1956 | 4711       |

    A last paragraph naming Foxtrot.
"""
ENDINGS = {
    "code": """---
title: Ending in Code
---
The program that printed the ledger is short, and this is the last sentence before it.

```
for row in ledger:
    print(row.year, row.count)
```
""",
    "table": """---
title: Ending in a Table
---
The counts by year are these, and this is the last sentence before them.

| What was counted, and by whom, in the first survey | What the second survey found, years later |
|---|---|
| Forty-seven ledgers kept by the trading houses of Dandong and Sinuiju | Twelve of them, the rest burnt |
""",
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_book_whose_last_chapter_ends_in_code_or_a_table_builds_and_passes(tmp_path, ending):
    root = tmp_path / "manuscript"
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / "01-evidence.md").write_text(NOTE_WITH_BLOCKS, "utf-8")
    (root / "chapters" / "02-end.md").write_text(ENDINGS[ending], "utf-8")
    (root / "book.yaml").write_text(yaml.safe_dump({
        "title": "Endings", "language": "en-GB", "slug": "endings", "version": "1",
        "editions": [{"kind": "pdf"}, {"kind": "html"}]}), "utf-8")
    built = run_cli("build", "--manuscript", str(root), "--out", str(tmp_path / "build"), cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    done = check(tmp_path, root, tmp_path / "build")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "  notes on their call's page                           1/1  100 %  ok" in done.stdout.splitlines()
    endings = [line for line in done.stdout.splitlines() if line.startswith("  chapters ending with")]
    assert endings == ["  chapters ending with their last sentence             2/2  100 %  ok"] * 2  # PDF, web


def test_make_check_and_make_proof_read_the_book_manuscript_names(tmp_path):
    root = designed_manuscript(tmp_path)
    out = tmp_path / "out"
    made = make("check", root, out)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "check: 'Proof Marks': 2 chapters, 2 notes, 0 warning(s)" in made.stdout.splitlines()
    assert ALL_HOLD.search(made.stdout) and "Limits of Influence" not in made.stdout
    made = make("proof", root, out)
    assert made.returncode == 0, made.stdout + made.stderr
    index = out / "proof" / "index.html"
    assert f"proof: wrote {index} (9 pages, 0 flagged)" in made.stdout.splitlines()
    assert "<cite>Proof Marks</cite>" in index.read_text("utf-8")


def make(target: str, manuscript: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", target, f"MANUSCRIPT={manuscript}", f"OUT={out}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
