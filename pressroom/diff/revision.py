"""The manuscript as it was at a git revision (or as it is in the working tree), loaded as a Book.

A revision's manuscript folder is copied out of git into a temporary folder (the working tree
is never touched) and loaded as any manuscript is; every message it raises says which
revision it came from. Chapters are parsed only when asked for: a diff parses just the
chapters that changed.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .. import workers
from ..manuscript.load import load_book, scan_notes
from ..messages import BuildError, Message, Report, fail
from ..model import Book, Chapter
from ..context import prepare, render_texts
from ..images import unmarked
from ..resolve import ResolvedChapter
from ..tools import git

GAP = "PRESSROOMGAP{}"
GAP_RE = re.compile(r"PRESSROOMGAP(\d+)")
FENCE = re.compile(r" {0,3}(```|~~~)")
DEFINITION = re.compile(r" {0,3}\[\^[^\]\s]+\]:")


@dataclass(frozen=True)
class Snapshot:
    """One side of a diff: the Book, its chapters' Markdown as the reader's PDF sees it, book.yaml."""

    label: str  # a short commit id, or "working tree"
    subject: str  # the commit's subject line ("" for the working tree)
    book: Book
    texts: dict = field(hash=False)  # chapter id → Markdown after Jinja
    meta: dict = field(hash=False)  # book.yaml as plain values
    parsed: dict = field(default_factory=dict, hash=False)  # chapter id → ResolvedChapter

    @property
    def where(self) -> str:
        return "in the working tree" if self.label == git.WORK_TREE else f"at revision {self.label}"

    def chapter(self, chapter_id: str) -> Chapter:
        return next(c for c in self.book.chapters if c.id == chapter_id)


def load_snapshot(manuscript: Path, revision: str | None, workdir: Path) -> Snapshot:
    """The manuscript at `revision` (None: the working tree), loaded and its Jinja rendered."""
    if revision is None:
        return _load(manuscript, git.WORK_TREE, "")
    repo = git.repo_root(manuscript)
    sha = git.commit_of(repo, revision)
    short, subject = git.describe(repo, sha)
    folder = _relative(manuscript, repo)
    count = git.export_tree(repo, sha, folder, workdir / short)
    root = workdir / short / folder
    if not count or not (root / "book.yaml").is_file():
        raise fail("G003", f"{folder}/book.yaml", 0, 0,
                   f"no manuscript at revision {short} ({revision}): {folder}/book.yaml does not exist there")
    return _load(root, short, subject)


def _relative(manuscript: Path, repo: Path) -> str:
    try:
        return manuscript.resolve().relative_to(repo).as_posix()
    except ValueError:
        raise fail("G002", str(manuscript), 0, 0, f"the manuscript is not inside the git repository {repo}") from None


def _load(root: Path, label: str, subject: str) -> Snapshot:
    where = "in the working tree" if label == git.WORK_TREE else f"at revision {label}"
    try:
        book = load_book(root, Report())  # a diff is not a lint: warnings at either side are dropped
        texts = render_texts(book, book.edition("pdf"), Report())
        meta = yaml.safe_load((book.root / "book.yaml").read_text(encoding="utf-8")) or {}
    except BuildError as exc:
        raise _located(exc, where, root) from None
    return Snapshot(label, subject, book, texts, meta if isinstance(meta, dict) else {})


def parse_chapters(snapshot: Snapshot, selection: dict) -> Snapshot:
    """The snapshot with the chapters selected parsed and resolved (notes labelled as in the book).

    `selection` maps a chapter id to the indices of the blocks (see `chunks`) to parse, or None
    for the whole chapter: parsing is the costly step, so a diff parses only what changed and
    the blocks around it; the rest is replaced by a gap paragraph that stands for it.
    """
    chapters = tuple(_partial(c, snapshot.texts[c.id], selection[c.id]) for c in snapshot.book.chapters
                     if c.id in selection)
    if not chapters:
        return snapshot
    groups = _groups(chapters, max(1, workers.cores() // 2))  # two sides at once: half the cores each
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        results = list(pool.map(lambda group: _parse_group(snapshot, group), groups))
    parsed = {c.id: c for result in results for c in result}
    return replace(snapshot, parsed={**snapshot.parsed, **parsed})


def _groups(chapters: tuple[Chapter, ...], count: int) -> list[tuple[Chapter, ...]]:
    count = min(count, len(chapters))
    return [chapters[i::count] for i in range(count)]


def _parse_group(snapshot: Snapshot, chapters: tuple[Chapter, ...]) -> list[ResolvedChapter]:
    """Parse some chapters (and only the notes they call) as a book of their own."""
    book = snapshot.book
    called = {r.id for c in chapters for r in c.refs}
    part = replace(book, chapters=chapters, notes={k: v for k, v in book.notes.items() if k in called})
    report = Report()
    try:
        prepared = prepare(part, {c.id: c.body for c in chapters}, report)
    except BuildError as exc:
        raise _located(exc, snapshot.where, book.root) from None
    return [_labelled(chapter, snapshot) for chapter in prepared]


def _labelled(chapter: ResolvedChapter, snapshot: Snapshot) -> ResolvedChapter:
    """Note labels as the book prints them, though only part of the chapter was parsed."""
    book = snapshot.book
    full = snapshot.chapter(chapter.id)
    whole, _ = scan_notes(snapshot.texts[chapter.id], full.body_line, full.shown)
    index = {(r.pos.line, r.pos.col): i for i, r in enumerate(whole, start=1)}
    before = 0
    if book.note_numbering == "book":
        before = sum(len(scan_notes(snapshot.texts[c.id], 1, "")[0]) for c in
                     book.chapters[: [c.id for c in book.chapters].index(chapter.id)])
    notes = tuple(replace(n, label=before + index[(n.call.line, n.call.col)]) if n.call and
                  (n.call.line, n.call.col) in index else n for n in chapter.notes)
    # An image's place in the file (images.py marks it) is no part of what the text says.
    notes = tuple(replace(n, blocks=unmarked(n.blocks)) for n in notes)
    return replace(chapter, blocks=unmarked(chapter.blocks), notes=notes)


def chunks(text: str) -> list[tuple[int, int]]:
    """The text's blocks as (first line, end line) pairs: runs of lines between blank lines,
    a fenced code block kept whole."""
    spans, start, fenced = [], None, False
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        if not line.strip() and not fenced:
            if start is not None:
                spans.append((start, number))
                start = None
        elif start is None:
            start = number
    if start is not None:
        spans.append((start, len(lines)))
    return spans


def chunk_texts(text: str) -> list[str]:
    """The text of each block `chunks` finds."""
    lines = text.split("\n")
    return ["\n".join(lines[a:b]).rstrip() for a, b in chunks(text)]


def is_definition(chunk: str) -> bool:
    """An inline note definition (`[^id]: ...`): always parsed, the calls need it."""
    return bool(DEFINITION.match(chunk))


def _partial(chapter: Chapter, text: str, keep: frozenset | None) -> Chapter:
    """The chapter with only the blocks `keep` (None: all); each skipped run becomes one gap
    paragraph, and blank lines keep every line where it was, for messages."""
    if keep is not None:
        lines = text.split("\n")
        spans = chunks(text)
        skipped: list[tuple[int, int]] = []
        for index, span in enumerate(spans + [None]):
            # Headings are always parsed: their printed levels depend on every heading in the
            # chapter (resolve.heading_levels), so a level change must see the ones around it.
            if span is not None and index not in keep and not _is_heading(lines, span):
                skipped.append(span)
                continue
            if skipped:
                for line in range(skipped[0][0], skipped[-1][1]):
                    lines[line] = ""
                lines[skipped[0][0]] = GAP.format(len(skipped))
                skipped = []
        text = "\n".join(lines)
    refs, inline = scan_notes(text, chapter.body_line, chapter.shown)
    return replace(chapter, body=text, refs=refs, inline_notes=inline)


def _is_heading(lines: list[str], span: tuple[int, int]) -> bool:
    """Whether a block is an ATX (`## x`) or setext (`x` over `===`) heading."""
    first = lines[span[0]]
    return bool(re.match(r" {0,3}#{1,6}(\s|$)", first)) or (
        span[1] - span[0] == 2 and bool(re.fullmatch(r" {0,3}(=+|-+)\s*", lines[span[0] + 1])))


def gap_size(block: dict) -> int:
    """How many unparsed blocks a gap paragraph stands for (0: not a gap)."""
    if block.get("t") != "Para" or len(block["c"]) != 1 or block["c"][0].get("t") != "Str":
        return 0
    match = GAP_RE.fullmatch(block["c"][0]["c"])
    return int(match.group(1)) if match else 0


def _located(exc: BuildError, where: str, root: Path) -> BuildError:
    """The same messages, each saying which revision it is about (temporary paths hidden)."""
    hidden = str(root.parent)
    return BuildError([
        Message(m.path.replace(hidden + os.sep, "") if m.path.startswith(hidden) else m.path,
                m.line, m.col, m.severity, m.code, f"{m.text} ({where})")
        for m in exc.messages
    ])
