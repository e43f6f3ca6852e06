"""build/diff/index.html: the redline an editor reads like the book, with a summary on top."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from markupsafe import Markup

from ..render import page_environment, render_page
from ..theme import Theme
from .compare import ADDED, REMOVED, UNCHANGED, BookDiff, ChapterChange, NoteChange
from .markup import CallInfo, Rendered

IMAGE = re.compile(r"<img\b[^>]*?\balt=\"([^\"]*)\"[^>]*>")
TAGS = re.compile(r"<[^>]+>")


def write_report(diff: BookDiff, rendered: Rendered, pages, folder: Path) -> Path:
    """Write index.html (and, with --pages, the page images) into `folder`."""
    page_context = pages.write_images(folder) if pages else None
    context = {
        "diff": diff, "summary": diff.summary(), "rows": summary_rows(diff, rendered),
        "chapters": [_chapter_context(c, rendered) for c in rendered.chapters],
        "css": Markup(Theme().read_style("diff.css")),
        "pages": page_context, "language": "en",
    }
    target = folder / "index.html"
    target.write_text(render_page(page_environment("diff", Theme()), "report.html", context), encoding="utf-8")
    return target


def summary_rows(diff: BookDiff, rendered: Rendered) -> list[dict]:
    """One row per chapter: position, title, what happened, words, notes, links to each change."""
    anchors = {c.change.id: c for c in rendered.chapters}
    rows = []
    for chapter in diff.chapters:
        shown = anchors.get(chapter.id)
        added, removed = chapter.words
        rows.append({
            "position": chapter.new_position or "–", "title": chapter.title, "status": chapter.status,
            "what": "; ".join(phrases(chapter)) or ("text edited" if chapter.status != UNCHANGED else "unchanged"), "added": added, "removed": removed,
            "notes": len(chapter.notes), "anchor": shown.anchor if shown else "",
            "changes": list(shown.anchors) if shown else [],
        })
    return rows


def phrases(chapter: ChapterChange) -> list[str]:
    """What happened to a chapter, in words: 'renamed from …', 'moved from 3 to 1', '1 paragraph split'."""
    if chapter.status == ADDED:
        return ["new chapter"]
    if chapter.status == REMOVED:
        return ["removed"]
    out = []
    if chapter.renamed:
        out.append(f"renamed from {chapter.old_path}" + (f" (id {chapter.old_id})" if chapter.old_id != chapter.new_id else ""))
    if chapter.moved:
        out.append(f"moved from position {chapter.old_position} to {chapter.new_position}")
    if chapter.retitled:
        out.append("retitled")
    for count, noun in ((chapter.moves, "passage moved"), (chapter.splits, "paragraph split"),
                        (chapter.merges, "paragraphs merged"), (chapter.formatting, "formatting change")):
        if count:
            out.append(f"{count} {noun}" if count == 1 else f"{count} {_plural(noun)}")
    return out


def _plural(noun: str) -> str:
    first, _, rest = noun.partition(" ")
    if first.endswith("s"):
        return noun
    return f"{first}s {rest}".strip() if first in ("passage", "paragraph") else f"{noun}s"


def note_status(note: NoteChange) -> str:
    """'text changed', 'added', 'renamed from x', 're-referenced: called from a moved passage'."""
    if note.status == "changed":
        fields = f" (and {', '.join(note.fields)})" if note.fields else ""
        return f"text changed{fields}" if note.pieces else f"{', '.join(note.fields)} changed"
    if note.status == "renamed":
        return f"renamed from {note.was}"
    if note.status == "re-referenced":
        return f"re-referenced: {note.detail}"
    return note.status


def _chapter_context(chapter, rendered: Rendered) -> dict:
    fill = lambda html: _no_images(rendered.fill(html, report_call))
    items = []
    for item in chapter.items:
        if hasattr(item, "items"):
            items.append({"fold": item.label, "html": [fill(s.html) for s in item.items], "hidden": item.hidden})
        else:
            items.append({"html": fill(item.html), "anchor": item.anchor})
    notes = [{"anchor": n.anchor, "label": n.change.new_label or n.change.old_label, "id": n.change.id,
              "status": n.change.status, "what": note_status(n.change), "html": fill(n.html),
              "context": fill(n.context)} for n in chapter.notes]
    return {"anchor": chapter.anchor, "title": chapter.title, "what": phrases(chapter.change),
            "status": chapter.change.status, "items": items, "notes": notes,
            "quiet": chapter.change.status not in (ADDED, REMOVED, UNCHANGED) and not chapter.change.blocks}


def report_call(tag: str, info: CallInfo) -> str:
    """A note call in the report: a link to the note's entry when it changed, else a tooltip."""
    if info.changed:
        return f'<sup class="call changed-note"><a href="#{info.anchor}">{info.label}</a></sup>'
    text = escape(" ".join(TAGS.sub("", info.html).split()), quote=True)
    return f'<sup class="call" title="{text}">{info.label}</sup>'


def _no_images(html: str) -> Markup:
    """The report is one self-contained page: pictures appear as their alt text."""
    return Markup(IMAGE.sub(lambda m: f'<span class="image">[image: {m.group(1)}]</span>', html))
