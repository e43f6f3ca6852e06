"""The git set-up of docs/git-diff.md: `git diff` on chapters compares sentences, marks words."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT
from test_diff import commit, edit, git, repo  # noqa: F401  (the fixture)

WRAPPED = ("Alpha beta gamma delta. The second sentence is\nright here now. A third sentence follows the "
           "second one.\nThe fourth sentence closes the paragraph.\n")


def configure(repo: Path) -> None:  # noqa: F811
    """Exactly what docs/git-diff.md tells a user to do."""
    (repo / ".gitattributes").write_text("manuscript/chapters/*.md diff=pressroom\n", encoding="utf-8")
    git(repo, "config", "diff.pressroom.textconv", f"{sys.executable} {ROOT / 'build.py'} diff --textconv")
    git(repo, "config", "diff.pressroom.wordRegex", r"[^[:space:][:punct:]]+|[[:punct:]]")


def test_textconv_puts_one_sentence_on_a_line(repo: Path):  # noqa: F811
    configure(repo)
    shown = git(repo, "show", "--textconv", "HEAD:manuscript/chapters/02-two.md")
    assert "Alpha beta gamma delta.\nThe second sentence is right here now.\nA third sentence follows the second one." \
        in shown
    assert shown.startswith("---\ntitle: The Second Chapter\n---\n")


def test_git_diff_shows_the_changed_word_and_ignores_rewrapping(repo: Path):  # noqa: F811
    configure(repo)
    edit(repo, "chapters/02-two.md", "Alpha beta gamma delta. The second sentence is right here now. "
         "A third sentence follows the second one. The fourth sentence closes the paragraph.\n",
         WRAPPED.replace("right here now", "right there now"))
    commit(repo)
    words = git(repo, "diff", "--word-diff=plain", "HEAD~1", "HEAD", "--", "manuscript/chapters")
    changed = [line for line in words.splitlines() if "[-" in line or "{+" in line]
    assert changed == ["The second sentence is right [-here-]{+there+} now."]


def test_git_diff_shows_a_moved_sentence_as_a_move(repo: Path):  # noqa: F811
    configure(repo)
    edit(repo, "chapters/02-two.md", "The second sentence is right here now. A third sentence follows the second one.",
         "A third sentence follows the second one. The second sentence is right here now.")
    commit(repo)
    plain = git(repo, "diff", "HEAD~1", "HEAD", "--", "manuscript").splitlines()
    assert [line for line in plain if line[:1] in "+-" and not line.startswith(("+++", "---"))] == [
        "-The second sentence is right here now.", "+The second sentence is right here now."]
    coloured = git(repo, "diff", "--color-moved=plain", "--color=always", "HEAD~1", "HEAD", "--",
                   "manuscript").splitlines()
    moved = [line for line in coloured if "The second sentence" in line]
    # git's colours for a move (bold magenta, bold cyan), not those of a deletion and an insertion
    assert len(moved) == 2 and "\x1b[1;35m" in moved[0] and "\x1b[1;36m" in moved[1], moved
