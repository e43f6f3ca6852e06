"""`build.py diff`: real git repositories with scripted commits; the exact changes found."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import copy_manuscript, run_cli

from pressroom.diff.compare import BookDiff
from pressroom.diff.run import compare_sides, load_sides
from pressroom.diff.tokens import plain

PARAGRAPH = ("Alpha beta gamma delta. The second sentence is right here now. "
             "A third sentence follows the second one. The fourth sentence closes the paragraph.\n")
ALONE = "Another paragraph stands alone here with words.\n"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The mini book, with a longer second chapter, committed in a fresh repository."""
    manuscript = copy_manuscript("mini", tmp_path)
    two = manuscript / "chapters" / "02-two.md"
    two.write_text(two.read_text(encoding="utf-8") + "\n" + PARAGRAPH + "\n" + ALONE, encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "editor@example.org")
    git(tmp_path, "config", "user.name", "Editor")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first draft")
    return tmp_path


def edit(repo: Path, name: str, old: str, new: str) -> None:
    path = repo / "manuscript" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit(repo: Path, message: str = "second draft") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def diff(repo: Path, old: str = "HEAD~1", new: str | None = "HEAD") -> BookDiff:
    before, after = load_sides(repo / "manuscript", old, new, repo / ".work")
    return compare_sides(before, after)[2]


def runs(book: BookDiff, chapter: str) -> list[tuple[str, str]]:
    """The chapter's marks in reading order: (what, text) for each run of changed words."""
    found: list[tuple[str, list]] = []
    change = next(c for c in book.chapters if c.id == chapter)
    for block in _walk(change.blocks):
        for line in block.lines:
            for piece in line:
                inner = piece.op in ("ins", "del") and piece.role != "from"  # an edit inside a move
                what = f"moved-{piece.role}" if piece.move and not inner else piece.op
                if what == "eq":
                    found.append(("", []))
                    continue
                if found and found[-1][0] == what:
                    found[-1][1].append(piece.token)
                else:
                    found.append((what, [piece.token]))
    return [(what, plain(tokens)) for what, tokens in found if what]


def _walk(blocks):
    for block in blocks:
        yield block
        yield from _walk(block.children)


def test_a_word_changed(repo: Path):
    edit(repo, "chapters/01-one.md", "the first of many", "the first of several")
    commit(repo)
    book = diff(repo)
    assert book.summary() == "1 chapter changed: +1 -1 words"
    assert runs(book, "one") == [("del", "many"), ("ins", "several")]
    assert [c.status for c in book.chapters] == ["changed", "unchanged"]


def test_a_moved_sentence_is_a_move_not_a_deletion_and_an_insertion(repo: Path):
    edit(repo, "chapters/02-two.md", "The second sentence is right here now. A third sentence follows the second one.",
         "A third sentence follows the second one. The second sentence is right here now.")
    commit(repo)
    book = diff(repo)
    assert book.summary() == "1 chapter changed: +0 -0 words, 1 passage moved"
    moved = runs(book, "two")
    assert sorted(moved) == [("moved-from", "A third sentence follows the second one."),
                             ("moved-to", "A third sentence follows the second one.")]
    assert book.chapters[1].moves == 1


def test_a_sentence_moved_to_another_paragraph_and_edited_on_the_way(repo: Path):
    edit(repo, "chapters/02-two.md", "The second sentence is right here now. ", "")
    edit(repo, "chapters/02-two.md", "with words.", "with words. The second sentence is right over here now.")
    commit(repo)
    book = diff(repo)
    assert book.chapters[1].moves == 1
    assert runs(book, "two") == [("moved-from", "The second sentence is right here now."),
                                 ("moved-to", "The second sentence is right"), ("ins", "over"),
                                 ("moved-to", "here now.")]
    assert book.chapters[1].words == (1, 0)


def test_a_paragraph_split(repo: Path):
    edit(repo, "chapters/02-two.md", "right here now. A third", "right here now.\n\nA third")
    commit(repo)
    book = diff(repo)
    chapter = book.chapters[1]
    assert [b.kind for b in chapter.blocks if b.kind != "equal"] == ["split"]
    assert (chapter.splits, chapter.words) == (1, (0, 0))
    assert runs(book, "two") == [("ins", "¶")]


def test_paragraphs_merged(repo: Path):
    edit(repo, "chapters/02-two.md", "the paragraph.\n\nAnother", "the paragraph. Another")
    commit(repo)
    book = diff(repo)
    chapter = book.chapters[1]
    assert [b.kind for b in chapter.blocks if b.kind != "equal"] == ["merged"]
    assert (chapter.merges, chapter.words) == (1, (0, 0))
    assert runs(book, "two") == [("del", "¶")]


def test_emphasis_alone_is_a_formatting_change(repo: Path):
    edit(repo, "chapters/02-two.md", "Alpha beta gamma", "Alpha *beta* gamma")
    commit(repo)
    book = diff(repo)
    assert runs(book, "two") == [("fmt", "beta")]
    assert book.chapters[1].words == (0, 0) and book.chapters[1].formatting == 1


def test_a_heading_changed(repo: Path):
    # A chapter's first heading prints one level under its title however many #s it has:
    # only its words changed.
    edit(repo, "chapters/02-two.md", "# A Section", "## The Section")
    commit(repo)
    book = diff(repo)
    changed = [b for b in book.chapters[1].blocks if b.kind != "equal"]
    assert [(b.kind, b.note) for b in changed] == [("changed", "")]
    assert runs(book, "two") == [("del", "A"), ("ins", "The")]


def test_a_heading_moved_a_level_down(repo: Path):
    edit(repo, "chapters/02-two.md", "More text.", "More text.\n\n# B Section\n\nEven more.")
    commit(repo)
    edit(repo, "chapters/02-two.md", "# B Section", "## B Section")
    commit(repo, "third draft")
    book = diff(repo)
    changed = [b for b in book.chapters[1].blocks if b.kind != "equal"]
    assert [(b.kind, b.note) for b in changed] == [("changed", "heading level 2 → 3")]


def test_a_note_edited(repo: Path):
    edit(repo, "notes.yaml", "about the light", "about the bright light")
    commit(repo)
    book = diff(repo)
    assert book.summary() == "1 chapter changed: +1 -0 words; 1 note changed"
    (note,) = book.notes
    assert (note.id, note.status, note.chapter, note.new_label) == ("light", "changed", "two", 2)
    assert [(p.op, p.token.text) for p in note.pieces if p.op != "eq"] == [("ins", "bright")]


def test_a_note_added_and_the_renumbering_it_causes_is_no_change(repo: Path):
    edit(repo, "chapters/02-two.md", "A second chapter with", "A second chapter[^new] with")
    edit(repo, "notes.yaml", "light:", 'new:\n  text: "A new note."\nlight:')
    commit(repo)
    book = diff(repo)
    assert book.summary() == "1 chapter changed: +0 -0 words; 1 note added"
    (note,) = book.notes  # 'inline' and 'light' are now notes 2 and 3, and not reported
    assert (note.id, note.status, note.new_label) == ("new", "added", 1)
    assert runs(book, "two") == [("ins", "[^new]")]


def test_a_note_called_from_another_place_is_re_referenced(repo: Path):
    edit(repo, "chapters/02-two.md", " And one from notes.yaml.[^light]", " And one from notes.yaml.")
    edit(repo, "chapters/02-two.md", "More text.", "More text.[^light]")
    commit(repo)
    (note,) = diff(repo).notes
    assert (note.id, note.status) == ("light", "re-referenced")


def test_a_chapter_renamed(repo: Path):
    chapters = repo / "manuscript" / "chapters"
    (chapters / "02-two.md").rename(chapters / "02-second.md")
    edit(repo, "book.yaml", "chapters/02-two.md", "chapters/02-second.md")
    commit(repo)
    book = diff(repo)
    second = book.chapters[1]
    assert (second.old_id, second.new_id, second.renamed, second.status) == ("two", "second", True, "changed")
    assert (second.old_path, second.new_path) == ("manuscript/chapters/02-two.md", "manuscript/chapters/02-second.md")
    assert second.words == (0, 0) and not book.notes
    assert book.summary() == "1 chapter changed: +0 -0 words; book.yaml: chapters changed"


def test_chapters_reordered(repo: Path):
    edit(repo, "book.yaml", "  - chapters/01-one.md\n  - chapters/02-two.md",
         "  - chapters/02-two.md\n  - chapters/01-one.md")
    commit(repo)
    book = diff(repo)
    assert [(c.id, c.old_position, c.new_position, c.moved) for c in book.chapters] == [
        ("two", 2, 1, True), ("one", 1, 2, False)]
    assert not book.notes  # every note renumbered, none changed


def test_metadata_changed_by_key(repo: Path):
    edit(repo, "book.yaml", 'version: "1.0"', 'version: "1.1"')
    edit(repo, "book.yaml", "subtitle: For Testing\n", "")
    commit(repo)
    book = diff(repo)
    assert [(m.key, m.old, m.new) for m in book.meta] == [("subtitle", "For Testing", None), ("version", "1.0", "1.1")]
    assert book.summary() == "no chapters changed; book.yaml: subtitle, version changed"


def test_the_working_tree_is_the_default_other_side_and_is_left_untouched(repo: Path):
    edit(repo, "chapters/01-one.md", "the first of many", "the first of several")
    before = git(repo, "status", "--porcelain")
    done = run_cli("diff", "HEAD", "--no-pdf", "--manuscript", str(repo / "manuscript"), "--out",
                   str(repo / ".git" / "out"), cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "1 chapter changed: +1 -1 words" in done.stdout.splitlines()
    assert git(repo, "status", "--porcelain") == before


# ------------------------------------------------------------------------------ bad input

def test_an_unknown_revision_is_named(repo: Path):
    done = run_cli("diff", "nope", "--manuscript", str(repo / "manuscript"), "--out", str(repo / "build"), cwd=repo)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith("nope: error[G001]: unknown revision 'nope'")
    assert "Traceback" not in done.stderr and not (repo / "build").exists()


def test_a_revision_without_a_manuscript_is_named(repo: Path):
    (repo / "README").write_text("before the book\n", encoding="utf-8")
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "rm", "-rq", "--cached", "manuscript")
    git(repo, "add", "README")
    git(repo, "commit", "-qm", "no book here")
    empty = git(repo, "rev-parse", "--short", "HEAD")
    git(repo, "checkout", "-q", "-f", "master" if "master" in git(repo, "branch") else "main")
    done = run_cli("diff", empty, "--manuscript", str(repo / "manuscript"), "--out", str(repo / "build"), cwd=repo)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        f"manuscript/book.yaml: error[G003]: no manuscript at revision {empty} ({empty}): "
        "manuscript/book.yaml does not exist there")


def test_a_manuscript_broken_at_one_revision_names_the_revision_and_the_line(repo: Path):
    edit(repo, "chapters/01-one.md", "[^dark]", "[^missing]")
    commit(repo, "broken")
    broken = git(repo, "rev-parse", "--short", "HEAD")
    edit(repo, "chapters/01-one.md", "[^missing]", "[^dark]")
    commit(repo, "fixed")
    out = repo / "build"
    (out / "diff").mkdir(parents=True)
    (out / "diff" / "index.html").write_text("previous", encoding="utf-8")
    done = run_cli("diff", "HEAD~2", "HEAD~1", "--manuscript", str(repo / "manuscript"), "--out", str(out), cwd=repo)
    assert done.returncode == 1
    assert (f"manuscript/chapters/01-one.md:4:44: error[N001]: note 'missing' is referenced but defined neither in this "
            "chapter nor in notes.yaml "
            f"(at revision {broken})") in done.stderr.splitlines()
    assert (out / "diff" / "index.html").read_text(encoding="utf-8") == "previous"


def test_one_or_two_revisions_are_needed(repo: Path):
    done = run_cli("diff", "--manuscript", str(repo / "manuscript"), cwd=repo)
    assert done.returncode == 1 and "error[U002]" in done.stderr
