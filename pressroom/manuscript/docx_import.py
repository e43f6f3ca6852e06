"""Import a Word file (DOCX) as a manuscript: chapters at Heading 1, notes, images, a report.

Pandoc's docx reader (with --track-changes=all, so nothing is decided behind our back) gives the
AST; this module walks it:

- chapters are cut at each Heading 1 (or at paragraphs of a style the user names), the heading
  becoming the chapter's title; text before the first one is a chapter of its own, with a warning;
- footnotes and endnotes become notes defined in their chapter (`[^id]: …`), their ids made from
  their words as the text importer makes them; Word numbers notes through the document unless it
  restarts them, and book.yaml's `note-numbering` says the same, so the numbers stay as they were;
- images are copied out of the DOCX into images/, each figure's caption its description;
- a table's caption becomes the `Table: …` line after it;
- comments are not text: each is reported (author, words, place) and left out;
- tracked changes still in the file are refused, each named with its place, unless the user
  says to take them as accepted or rejected (`--changes accept|reject`): the manuscript holds
  one text, and guessing which one is not ours to do;
- Word's curly quotes and dashes are kept as characters (the Markdown is written without
  pandoc's `smart` extension, which would turn them back into ASCII).

A place in a DOCX is its paragraph: messages say `file.docx:N` for the Nth top-level block.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from ..messages import BuildError, Message, error, fail, warning
from ..pandoc_ast import stringify, transform
from ..tools import pandoc
from .importer import _write_atomic, note_ids, slugify, yaml_string

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
MARKDOWN = "commonmark_x-smart"  # -smart: ’ “ ” — stay characters, as Word had them
CHANGE_CLASSES = {"insertion": "insertion", "deletion": "deletion", "paragraph-insertion": "inserted paragraph mark",
                  "paragraph-deletion": "deleted paragraph mark"}
# Paragraph styles that mean a quotation: Word's, LibreOffice's ("Quotations"), pandoc's.
QUOTE_STYLES = {"quote", "quotations", "intense quote", "block text", "block quote", "quotation"}
CAPTION_LINE = re.compile(r"^Table\s+[\dA-Z.\-]+\s*[:.]\s*(.+)$", re.S)
NOTE_LABEL = re.compile(r"\[\^(\d+)\]")
JINJA_OPEN = re.compile(r"\{(?=[{%#])")  # chapters are Jinja templates: `{{` in prose must stay text


@dataclass
class _Walk:
    """What the walk over the AST found: messages, images to copy, counts for the report."""

    source: str
    changes: str  # all | accept | reject
    media: dict[str, str]  # pandoc's media name (rId7.png) → the file inside the zip
    messages: list[Message] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)  # images/<name> → zip member
    comments: int = 0
    notes: int = 0


@dataclass(frozen=True)
class DocxImport:
    """What an import did: the files written, the messages (warnings), the counts."""

    source: Path
    written: tuple[Path, ...]
    messages: tuple[Message, ...]
    chapters: int
    notes: int
    images: int
    comments: int
    endnotes: int


def import_docx(source: Path, dest: Path, *, split_style: str = "Heading 1", changes: str = "all") -> DocxImport:
    """Read `source` and write its chapters (and book.yaml if absent) into `dest`; refuse what cannot be carried."""
    shown = source.name
    if not source.is_file():
        raise fail("I101", str(source), 0, 0, "DOCX file not found")
    package = _open(source)
    track = "all" if changes == "all" else changes
    ast = pandoc.read_docx(source, label=shown, track_changes=track, styles=True)
    walk = _Walk(shown, changes, _media(package))
    chapters = _split(ast["blocks"], split_style, walk)
    bodies = [(title, _clean(blocks, walk, start)) for title, start, blocks in chapters]
    walk.messages += _comments(package, shown)
    walk.comments = sum(1 for m in walk.messages if m.code == "I105")
    errors = [m for m in walk.messages if m.severity == "error"]
    if errors:
        raise BuildError(walk.messages)
    files = _files(bodies, ast.get("meta", {}), package, source, dest)
    for target, member in walk.images.items():
        files[dest / target] = package.read(member)
    written = tuple(_write(path, content) for path, content in files.items())
    return DocxImport(source, written, tuple(walk.messages), len(bodies), walk.notes, len(walk.images),
                      walk.comments, _endnotes(package))


def format_docx_report(result: DocxImport) -> str:
    """The report: counts, then every warning with its place, then the files written."""
    lines = [f"{result.source.name}: {result.chapters} chapters, {result.notes} notes "
             f"({result.endnotes} of them endnotes), {result.images} images, {result.comments} comments left out"]
    lines += [str(m) for m in sorted(result.messages)]
    lines += [f"wrote {path}" for path in result.written]
    return "\n".join(lines)


# --- reading the package -------------------------------------------------------------------------


def _open(source: Path) -> zipfile.ZipFile:
    try:
        package = zipfile.ZipFile(source)
        package.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        raise fail("I102", str(source), 0, 0, "not a Word document (no word/document.xml in a zip)") from None
    return package


def _media(package: zipfile.ZipFile) -> dict[str, str]:
    """Pandoc names an image by its relationship id (media/rId7.png): map that to the zip member."""
    try:
        rels = etree.fromstring(package.read("word/_rels/document.xml.rels"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    found = {}
    for rel in rels.iter(f"{RELS}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") != "External" and target.startswith("media/"):
            member = str(PurePosixPath("word") / target)
            # Pandoc keeps the package's own name (media/image1.png), or names it by the id when
            # the package's name is its own (media/rId7.png): both lead to the file.
            found[target] = member
            found[f"media/{rel.get('Id')}{PurePosixPath(target).suffix}"] = member
    return found


def _comments(package: zipfile.ZipFile, shown: str) -> list[Message]:
    """A warning per comment, read from the package: pandoc drops a comment that marks no range
    (LibreOffice writes them so). The place is the body paragraph that holds its mark."""
    try:
        comments = etree.fromstring(package.read("word/comments.xml"))
        body = etree.fromstring(package.read("word/document.xml")).find(f"{W}body")
    except (KeyError, etree.XMLSyntaxError):
        return []
    where = {}
    for number, block in enumerate(body, start=1):
        for mark in block.iter(f"{W}commentReference", f"{W}commentRangeStart"):
            where.setdefault(mark.get(f"{W}id"), (number, " ".join("".join(block.itertext()).split())[:50]))
    messages = []
    for comment in comments.iter(f"{W}comment"):
        text = " ".join("".join(t.text or "" for t in comment.iter(f"{W}t")).split())
        number, context = where.get(comment.get(f"{W}id"), (0, ""))
        near = f" at “{context}”" if context else ""
        messages.append(warning("I105", shown, number, 1, f"comment by {comment.get(f'{W}author', 'someone')}"
                                f"{near} left out: “{text}”"))
    return messages


def _endnotes(package: zipfile.ZipFile) -> int:
    try:
        root = etree.fromstring(package.read("word/endnotes.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return 0
    return sum(1 for note in root.iter(f"{W}endnote") if note.get(f"{W}type") is None)


def _numbering(package: zipfile.ZipFile) -> str:
    """`chapter` when the document restarts its note numbers (per section or page), else `book`."""
    for member in ("word/document.xml", "word/settings.xml"):
        try:
            text = package.read(member).decode("utf-8", "replace")
        except KeyError:
            continue
        if re.search(r'<w:numRestart w:val="each(Sect|Page)"', text):
            return "chapter"
    return "book"


# --- chapters ------------------------------------------------------------------------------------


def _split(blocks: list, style: str, walk: _Walk) -> list[tuple[str, int, list]]:
    """(title, first block number, blocks) per chapter, cut where the split style starts a paragraph."""
    chapters: list[tuple[str, int, list]] = []
    for number, block in enumerate(blocks, start=1):
        title = _chapter_title(block, style)
        if title is not None:
            chapters.append((title or f"Chapter {len(chapters) + 1}", number, []))
        elif not chapters:
            chapters.append(("", number, [block]))
        else:
            chapters[-1][2].append(block)
    if not chapters:
        raise fail("I103", walk.source, 0, 0, "the document holds no text")
    if not any(title for title, _, _ in chapters):
        walk.messages.append(warning("I104", walk.source, 0, 0, f"no paragraph in style {style!r}: the whole "
                                     "document is one chapter (name the chapter style with --split-style)"))
    if chapters[0][0] == "":
        chapters[0] = ("Opening", *chapters[0][1:])
        if len(chapters) > 1:
            walk.messages.append(warning("I104", walk.source, chapters[0][1], 1, f"text before the first "
                                         f"{style!r} paragraph became a chapter titled 'Opening'"))
    return chapters


def _chapter_title(block: dict, style: str) -> str | None:
    """The title if `block` starts a chapter: a level-1 heading, or a paragraph in the named style."""
    if style.lower() in ("heading 1", "heading1") and block["t"] == "Header" and block["c"][0] == 1:
        return " ".join(stringify(block["c"][2]).split())
    if block["t"] == "Div" and dict(block["c"][0][2]).get("custom-style", "").lower() == style.lower():
        return " ".join(stringify(block["c"][1]).split())
    return None


def _clean(blocks: list, walk: _Walk, start: int) -> list:
    """The chapter's blocks in our format, block by block so each message names its paragraph."""
    out = []
    for offset, block in enumerate(blocks, start=1):
        caption = CAPTION_LINE.match(stringify(block)) if _paragraph(block) and out and out[-1]["t"] == "Table" else None
        if caption:
            # Word's own caption, "Table 1: …", after the table: our captions are numbered by the build.
            words = " ".join(caption.group(1).split())
            out.append({"t": "Para", "c": [{"t": "Str", "c": "Table:"}, {"t": "Space"}, {"t": "Str", "c": words}]})
            continue
        out += transform([block], lambda node, n=start + offset: _node(node, walk, n))
    return out


def _paragraph(block: dict) -> bool:
    """A paragraph, or a paragraph in a named style (Divs with +styles)."""
    if block["t"] == "Div" and len(block["c"][1]) == 1:
        block = block["c"][1][0]
    return block["t"] in ("Para", "Plain")


def _node(node: dict, walk: _Walk, number: int):
    """One node in our format; what has no place there is reported."""
    t = node["t"]
    if t == "Span":
        return _span(node, walk, number)
    if t == "Note":
        walk.notes += 1
        return None
    if t == "Image":
        return _image(node, walk, number)
    if t == "Figure":
        return _figure(node, walk, number)
    if t == "Table":
        return _table(node)
    if t == "Header":
        return {"t": "Header", "c": [node["c"][0], ["", [], []], node["c"][2]]}
    if t == "Div":
        style = dict(node["c"][0][2]).get("custom-style", "")
        if style.lower() in QUOTE_STYLES:
            return {"t": "BlockQuote", "c": node["c"][1]}
        return node["c"][1]  # a paragraph style with no Markdown form: its text stays
    if t in ("RawInline", "RawBlock"):
        walk.messages.append(warning("I107", walk.source, number, 1, f"raw {node['c'][0]} left out: "
                                     f"{node['c'][1][:60]!r}"))
        return []
    return None


def _span(node: dict, walk: _Walk, number: int):
    (_, classes, keys), inlines = node["c"]
    keys = dict(keys)
    if "comment-start" in classes or "comment-end" in classes:
        return []  # every comment is reported from comments.xml (_comments), anchored or not
    kind = next((CHANGE_CLASSES[c] for c in classes if c in CHANGE_CLASSES), None)
    if kind:
        words = " ".join(stringify(inlines).split())
        walk.messages.append(error("I106", walk.source, number, 1, f"unresolved tracked change ({kind} by "
                                   f"{keys.get('author', 'someone')}: “{words}”): accept or reject it in Word, or "
                                   "import with --changes accept (or reject)"))
        return []
    if "smallcaps" in classes or "underline" in classes or "mark" in classes:
        return {"t": "Span", "c": [["", [c for c in classes if c in ("smallcaps", "underline", "mark")], []], inlines]}
    return inlines  # bookmarks and character styles: the text is what matters


def _image(node: dict, walk: _Walk, number: int):
    attr, alt, (target, _title) = node["c"]
    member = walk.media.get(target)
    suffix = PurePosixPath(target).suffix.lower()
    if member is None or suffix not in IMAGE_TYPES:
        walk.messages.append(warning("I108", walk.source, number, 1, f"image {target} left out: "
                                     f"{'not in the package' if member is None else suffix + ' is not a web image format'}"))
        return []
    name = f"images/{PurePosixPath(member).name}"
    walk.images[name] = member
    if not stringify(alt).strip():
        alt = [{"t": "Str", "c": f"Image {PurePosixPath(member).stem} (description needed)"}]
        walk.messages.append(warning("I109", walk.source, number, 1, f"image {name} has no description: "
                                     "a placeholder was written, replace it"))
    return {"t": "Image", "c": [["", [], []], alt, [name, ""]]}


def _figure(node: dict, walk: _Walk, number: int):
    """A figure is an image alone in its paragraph, its caption the description (README: Figures)."""
    attr, (_, caption), content = node["c"]
    images = [i for b in content for i in (b["c"] if b["t"] in ("Plain", "Para") else []) if i["t"] == "Image"]
    words = [i for b in caption for i in (b["c"] if b["t"] in ("Plain", "Para") else [])]
    if len(images) != 1 or not words:
        return content
    image = images[0]
    return {"t": "Para", "c": [{"t": "Image", "c": [image["c"][0], words, image["c"][2]]}]}


def _table(node: dict):
    """The caption moves to a `Table: …` paragraph after the table, as the manuscript writes it."""
    caption = node["c"][1][1]
    words = [i for b in caption for i in (b["c"] if b["t"] in ("Plain", "Para") else [])]
    colspecs, head, bodies, foot = node["c"][2:]
    if not head[1] and bodies and bodies[0][3]:
        # A pipe table needs a header row: Word's first row is the table's header.
        head = [head[0], bodies[0][3][:1]]
        bodies = [[bodies[0][0], bodies[0][1], bodies[0][2], bodies[0][3][1:]], *bodies[1:]]
    table = {"t": "Table", "c": [["", [], []], [None, []], colspecs, head, bodies, foot]}
    if not words:
        return table
    return [table, {"t": "Para", "c": [{"t": "Str", "c": "Table:"}, {"t": "Space"}, *words]}]


# --- writing the manuscript ----------------------------------------------------------------------


def _files(bodies: list[tuple[str, list]], meta: dict, package: zipfile.ZipFile, source: Path,
           dest: Path) -> dict[Path, str | bytes]:
    texts = [stringify(n["c"]) for _, blocks in bodies for n in _notes_of(blocks)]
    ids = iter(note_ids(texts)) if texts else iter(())
    files: dict[Path, str | bytes] = {}
    listed = []
    for number, (title, blocks) in enumerate(bodies, start=1):
        path = dest / "chapters" / f"{number:02d}-{slugify(title)[:60].strip('-') or 'chapter'}.md"
        files[path] = _chapter(title, blocks, ids, source.name)
        listed.append(path.relative_to(dest).as_posix())
    if not (dest / "book.yaml").exists():
        title = (" ".join(stringify(meta.get("title", {}).get("c", [])).split()) or _core_title(package)
                 or source.stem.replace("-", " "))
        files[dest / "book.yaml"] = _book_yaml(title, listed, _numbering(package))
    return files


def _core_title(package: zipfile.ZipFile) -> str:
    """The title in the document's properties (File > Properties), which pandoc does not read."""
    try:
        core = etree.fromstring(package.read("docProps/core.xml"))
    except (KeyError, etree.XMLSyntaxError):
        return ""
    found = core.find("{http://purl.org/dc/elements/1.1/}title")
    return " ".join((found.text or "").split()) if found is not None else ""


def _notes_of(blocks: list) -> list[dict]:
    found: list[dict] = []

    def visit(value) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict) and "t" in value:
            if value["t"] == "Note":
                found.append(value)
            visit(value.get("c"))

    visit(blocks)
    return found


def _chapter(title: str, blocks: list, ids, shown: str) -> str:
    """Front matter, then the Markdown pandoc writes, its numbered note labels renamed to our ids."""
    markdown = pandoc.run(["-f", "json", "-t", MARKDOWN, "--wrap=none"], json.dumps(pandoc.document(blocks)),
                          label=shown)
    labels: dict[str, str] = {}

    def rename(match: re.Match) -> str:
        if match.group(1) not in labels:
            labels[match.group(1)] = next(ids)
        return f"[^{labels[match.group(1)]}]"

    markdown = JINJA_OPEN.sub("{\\\\", NOTE_LABEL.sub(rename, markdown))
    return f"---\ntitle: {yaml_string(title)}\n---\n{markdown.strip()}\n"


def _book_yaml(title: str, chapters: list[str], numbering: str) -> str:
    listed = "".join(f"  - {c}\n" for c in chapters)
    return (f"# Written by `import` from a DOCX because none existed; editors own this file.\n"
            f"title: {yaml_string(title)}\nlanguage: en-US\nslug: {slugify(title)[:64].strip('-') or 'book'}\n"
            f'version: "0.1"\nnote-numbering: {numbering}   # as the Word file numbered its notes\n'
            f"chapters:\n{listed}")


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        return _write_atomic(path, content)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)
    return path
