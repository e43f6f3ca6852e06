"""build/diff/redline.pdf: the redline typeset with the book's own print styles.

The reader's PDF page geometry, fonts and stylesheets (styles/pdf.css), plus styles/redline.css:
insertions underlined in blue, deletions struck through in red, moves in green, a change bar
(a left border on each changed block, pulled out into the margin), notes at the page foot.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from markupsafe import Markup

from ..editions.pdf import page_geometry
from ..render import book_context, page_environment, render_page
from ..theme import Theme
from ..tools import weasyprint
from .compare import BookDiff
from .markup import CallInfo, Rendered
from .report import phrases, summary_rows
from .revision import Snapshot

PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
SHEETS = ("fonts.css", "fallback-fonts.css", "base.css", "pdf.css", "redline.css")


def write_redline(diff: BookDiff, rendered: Rendered, old: Snapshot, new: Snapshot, target: Path) -> int:
    """Typeset the redline into `target` (inside the diff's temporary folder); return its page count."""
    edition = new.book.edition("pdf")
    theme = Theme(new.book.root)
    context = book_context(new.book, edition)
    context.update({
        "diff": diff, "summary": diff.summary(), "rows": summary_rows(diff, rendered),
        "chapters": [_chapter(c, rendered) for c in rendered.chapters],
        "stylesheets": [theme.style(name).as_uri() for name in SHEETS],
        "geometry": Markup(page_geometry(edition, new.book.design)),
    })
    html = render_page(page_environment("diff", theme), "redline.html", context)
    with tempfile.TemporaryDirectory(prefix="pressroom-redline-") as images:
        base = _images(Path(images), old, new)
        styles = tuple(theme.style_dirs)
        document = weasyprint.layout(html, base, weasyprint.Resources((base, *styles), styles), label="redline")
        weasyprint.write_pdf(document, target, identifier=f"redline-{diff.old_label}-{diff.new_label}".encode())
    return len(document.pages)


def _images(folder: Path, old: Snapshot, new: Snapshot) -> Path:
    """Both revisions' images/ in one folder (the newer copy wins), so deleted pictures still show."""
    for snapshot in (old, new):
        source = snapshot.book.root / "images"
        if source.is_dir():
            shutil.copytree(source, folder / "images", dirs_exist_ok=True)
    return folder


def _chapter(chapter, rendered: Rendered) -> dict:
    fill = lambda html: rendered.fill(html, footnote)
    items = []
    for item in chapter.items:
        if hasattr(item, "items"):
            items.append({"fold": item.label})
        else:
            items.append({"html": fill(item.html)})
    return {"anchor": chapter.anchor, "title": chapter.title, "what": phrases(chapter.change), "items": items,
            "status": chapter.change.status}


def footnote(tag: str, info: CallInfo) -> str:
    """A changed note's call and the note at the page foot, as the reader's PDF sets them (see
    editions/pdf.py); an unchanged note is only its call number, to keep the redline to the changes."""
    if not info.changed:
        return f'<span class="call">{info.label}</span>'
    paragraphs = PARAGRAPH.findall(info.html) or [str(info.html)]
    body = paragraphs[0] + "".join(f'<span class="note-para">{p}</span>' for p in paragraphs[1:])
    marked = " changed-note" if info.changed else ""
    return (f'<span class="call{marked}">{info.label}</span><span class="footnote{marked}" data-note="{info.note_id}">'
            f'<span class="note-back">{info.label}.</span> {body}</span>')
