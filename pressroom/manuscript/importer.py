"""Import a plain-text essay as received (damaged encoding, `[n]` notes after `-` lines) as a manuscript.

The received layout: an untitled introduction, short unpunctuated heading lines, one paragraph per
line with note markers ` [n]`, then the notes, each after a line holding only `-`.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..messages import BuildError, error, fail
from .repair import Repair, repair_gbk_mojibake
from .sources import read_text

NOTE_SEPARATOR = "-"
MARKER = re.compile(r"\s*\[(\d+)\]")
HEADING_MAX = 100  # characters: longer unpunctuated lines are paragraphs missing a full stop
SENTENCE_END = ".!?:;,…\"”’')]"
LOST_LINK_COMMENT = "# editor: the link of this note was lost in the received text"
# A URL dropped from "…, URL." or "…. URL." leaves " ." behind; ". . ." (a spaced ellipsis) is not one.
LOST_LINK = re.compile(r"(?<!\. )([.,])([”’\"')]*) \.(?! \.)(?=\s|$)")
SEE_ALSO = re.compile(r"\.\s+See also,?\s+")
YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?![\dA-Za-z])")
MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "winter", "spring", "summer", "fall", "autumn"}
STOPWORDS = {"a", "an", "and", "the", "of", "on", "in", "to", "for", "from", "with", "by", "at", "its",
             "during", "between", "as", "via", "see", "also", "or"}
# Words naming the kind of document rather than its subject: they would make every id alike.
GENERIC = {"record", "records", "conversation", "memorandum", "notes", "note", "information", "comrade",
           "secretary", "embassy", "ambassador", "collection", "series", "report", "reports"}
KEYWORDS_KEPT = 4


@dataclass(frozen=True)
class FlaggedNote:
    """A note an editor must look at, and why."""

    id: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the repairs made, the notes flagged, the files written."""

    source: Path
    repairs: tuple[Repair, ...]
    flagged: tuple[FlaggedNote, ...]
    written: tuple[Path, ...]


@dataclass(frozen=True)
class _Paragraph:
    text: str
    line: int


@dataclass(frozen=True)
class _Section:
    title: str
    slug: str
    paragraphs: tuple[_Paragraph, ...]


@dataclass(frozen=True)
class _Note:
    id: str
    text: str
    lost_links: tuple[str, ...]  # descriptions of the orphans removed


def import_essay(source: Path, dest: Path) -> ImportResult:
    """Repair and split the essay at `source`; write chapters, notes.yaml (and book.yaml if absent) into `dest`."""
    shown = source.name
    if not source.is_file():
        raise fail("I001", str(source), 0, 0, "essay not found")
    original = read_text(source, shown)
    text, repairs = repair_gbk_mojibake(original)
    _check_repaired(original, repairs, shown)
    body, note_lines = _split_notes(text, shown)
    notes = _notes(note_lines, shown)
    sections = _sections(body, shown)
    _check_markers(sections, len(notes), shown)
    files = _files(sections, notes, dest, source)
    written = tuple(_write_atomic(path, content) for path, content in files.items())
    flagged = tuple(FlaggedNote(n.id, "link lost in the received text (" + "; ".join(n.lost_links) + ")")
                    for n in notes if n.lost_links)
    return ImportResult(source=source, repairs=tuple(repairs), flagged=flagged, written=written)


def format_report(result: ImportResult) -> str:
    """A human-readable repair report: counts, each inferred character, each flagged note, the files."""
    name = result.source.name
    exact = sum(1 for r in result.repairs if not r.inferred)
    inferred = [r for r in result.repairs if r.inferred]
    lines = [f"{name}: {exact} exact repairs, {len(inferred)} inferred characters, "
             f"{len(result.flagged)} flagged notes"]
    lines += [f'{name}:{r.line}:{r.col}: inferred {r.replacement} in "{r.context}"' for r in inferred]
    lines += [f"note '{f.id}': {f.reason}" for f in result.flagged]
    lines += [f"wrote {path}" for path in result.written]
    return "\n".join(lines)


# --- reading the received layout ---------------------------------------------------------------


def _check_repaired(original: str, repairs: list[Repair], shown: str) -> None:
    """Damage the repair could not undo is an error at its place in the received file."""
    repaired = {(r.line, r.col + i) for r in repairs for i in range(len(r.original))}
    problems = []
    for number, line in enumerate(original.split("\n"), start=1):
        for col, ch in enumerate(line, start=1):
            if (number, col) not in repaired and _damaged(ch):
                problems.append(error("I002", shown, number, col, f"damaged text left unrepaired: {ch!r}"))
                break
    if problems:
        raise BuildError(problems)


def _damaged(ch: str) -> bool:
    """U+FFFD, or an ideograph: this importer reads English prose, so any left is mojibake."""
    return ch == "\ufffd" or (ord(ch) >= 0x2E80 and unicodedata.category(ch) == "Lo")


def _split_notes(text: str, shown: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The numbered body lines before the first `-` line, and the lines after it."""
    lines = [(n, line.strip()) for n, line in enumerate(text.split("\n"), start=1)]
    for index, (_, line) in enumerate(lines):
        if line == NOTE_SEPARATOR:
            return lines[:index], lines[index:]
    raise fail("I003", shown, len(lines), 1, "no notes found: expected lines holding only '-' before each note")


def _notes(lines: list[tuple[int, str]], shown: str) -> list[_Note]:
    """Each `-` line starts a note; the note's lines are joined; ids come from the text."""
    groups: list[tuple[int, list[str]]] = []
    for number, line in lines:
        if line == NOTE_SEPARATOR:
            groups.append((number, []))
        elif line:
            groups[-1][1].append(line)
    texts = []
    for number, parts in groups:
        if not parts:
            raise fail("I004", shown, number, 1, "a '-' line is followed by no note text")
        texts.append(" ".join(parts))
    cleaned = [_drop_lost_links(t) for t in texts]
    ids = note_ids([t for t, _ in cleaned])
    return [_Note(i, t, lost) for i, (t, lost) in zip(ids, cleaned)]


def _drop_lost_links(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove the " ." left where a URL was lost; describe each removal for the report."""
    found = []
    for match in LOST_LINK.finditer(text):
        following = " ".join(text[match.end():].split()[:2])
        found.append(f'"{match.group(0)}" before "{following}"' if following else f'ends in "{match.group(0)}"')
    cleaned = LOST_LINK.sub(lambda m: "." + m.group(2), text)
    return cleaned, tuple(found)


def _sections(lines: list[tuple[int, str]], shown: str) -> list[_Section]:
    """An untitled introduction, then one section per heading line."""
    sections: list[tuple[str, int, list[_Paragraph]]] = [("Introduction", 1, [])]
    for number, line in lines:
        if not line:
            continue
        if _is_heading(line):
            sections.append((line, number, []))
        else:
            sections[-1][2].append(_Paragraph(line, number))
    if not sections[0][2]:
        sections.pop(0)
    if not sections:
        raise fail("I003", shown, 1, 1, "no text before the notes")
    for title, number, paragraphs in sections:
        if not paragraphs:
            # Two short lines in a row: the heading guess is wrong somewhere; an editor must decide.
            raise fail("I003", shown, number, 1, f"heading {title!r} has no paragraph under it")
    return [_Section(title, "introduction" if title == "Introduction" and i == 0 else slugify(title), tuple(paras))
            for i, (title, _, paras) in enumerate(sections)]


def _is_heading(line: str) -> bool:
    """A short line without closing punctuation or note markers: how the received text marks headings."""
    return (len(line) <= HEADING_MAX and not line.endswith(tuple(SENTENCE_END))
            and not MARKER.search(line) and any(ch.isalpha() for ch in line))


def _check_markers(sections: list[_Section], count: int, shown: str) -> None:
    """Markers must call notes 1..count, each once, in order: that is how the ids are attached."""
    expected = 1
    for section in sections:
        for paragraph in section.paragraphs:
            for match in MARKER.finditer(paragraph.text):
                number = int(match.group(1))
                if number != expected:
                    raise fail("I005", shown, paragraph.line, match.start(1),
                               f"note marker [{number}] where [{expected}] was expected ({count} notes)")
                expected += 1
    if expected - 1 != count:
        raise fail("I005", shown, 0, 0, f"{count} notes but {expected - 1} note markers")


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: `PRC-DPRK Relationship` → `prc-dprk-relationship`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- note ids ----------------------------------------------------------------------------------


def note_ids(texts: list[str]) -> list[str]:
    """Stable, meaningful kebab-case ids from the notes' own words, unique across the list."""
    sources = [SEE_ALSO.split(text, maxsplit=1) for text in texts]
    ids = [_source_id(parts[0]) for parts in sources]
    for base in {i for i in ids if ids.count(i) > 1}:
        clashing = [n for n, i in enumerate(ids) if i == base]
        # The note citing a further source is told apart by it; the plain one keeps the short id.
        for n in clashing:
            if len(sources[n]) > 1:
                extra = [w for w in _keywords(_key_phrase(sources[n][1])[0]) if w not in base.split("-")]
                ids[n] = f"{base}-{extra[0]}" if extra else base
    return _numbered_duplicates(ids)


def _numbered_duplicates(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for note_id in ids:
        seen[note_id] = seen.get(note_id, 0) + 1
        result.append(note_id if seen[note_id] == 1 else f"{note_id}-{seen[note_id]}")
    return result


def _source_id(source: str) -> str:
    """Keywords of the source's subject or title, then its first year: `situation-dprk-1955`."""
    phrase, dated = _key_phrase(source)
    words = _keywords(phrase)
    if len(words) > KEYWORDS_KEPT:
        # Titles name their subject at both ends ("Conversation between Kim … and Todor Zhivkov").
        words = words[:1] + words[-2:]
    year = YEAR.search(source) if dated else None
    return "-".join(words + ([year.group(1)] if year else [])) or "note"


def _key_phrase(source: str) -> tuple[str, bool]:
    """What the source is about, and whether its year belongs in the id."""
    topic = re.match(r"For (?:a|an|the)\b[^,]*? of (?:the )?(?:so-called )?([^,]+), see\b", source)
    if topic:
        return topic.group(1), False  # "For an account of the X incident, see …": the id is the topic
    quoted = re.search(r"“([^”]+)”", source)
    if quoted:
        return quoted.group(1), True
    # An untitled source: its first sentence, up to a subtitle or a publisher's parenthesis …
    first = re.split(r"\.\s|[(:]", re.sub(r"^See,?\s+", "", source), maxsplit=1)[0]
    # … narrowed to what a collection is "on" ("records … on the events of 1956").
    return first.rsplit(" on ", 1)[-1], True


def _keywords(phrase: str) -> list[str]:
    """The phrase's content words, lower-case: no function words, dates or document kinds."""
    words = re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", phrase)
    return [w.lower() for w in words
            if w.lower() not in STOPWORDS | GENERIC | MONTHS and len(w) > 1 and not w[0].isdigit()]


# --- writing the manuscript --------------------------------------------------------------------


def _files(sections: list[_Section], notes: list[_Note], dest: Path, source: Path) -> dict[Path, str]:
    """Every file to write, by path; book.yaml only when the editors have none yet."""
    ids = iter(n.id for n in notes)
    files: dict[Path, str] = {}
    chapters = []
    for number, section in enumerate(sections, start=1):
        path = dest / "chapters" / f"{number:02d}-{section.slug}.md"
        files[path] = _chapter(section, ids)
        chapters.append(path.relative_to(dest).as_posix())
    files[dest / "notes.yaml"] = _notes_yaml(notes, source)
    if not (dest / "book.yaml").exists():
        files[dest / "book.yaml"] = _book_yaml(source, chapters)
    return files


def _chapter(section: _Section, ids) -> str:
    """Front matter with the title, then the paragraphs with `[^id]` note calls."""
    paragraphs = [_paragraph_markdown(p.text, ids) for p in section.paragraphs]
    return f"---\ntitle: {yaml_string(section.title)}\n---\n" + "\n\n".join(paragraphs) + "\n"


def _paragraph_markdown(text: str, ids) -> str:
    """Escape the prose; turn each ` [n]` into a `[^id]` glued to the word before it."""
    pieces = MARKER.split(text)  # prose, number, prose, number, …, prose
    out = [escape_markdown(pieces[0])]
    for number, prose in zip(pieces[1::2], pieces[2::2]):
        out.append(f"[^{next(ids)}]")
        out.append(escape_markdown(prose, line_start=False))
    return "".join(out)


INLINE_SPECIAL = re.compile(
    r"[\\`*\[<$~^]"            # emphasis, code, links/notes, HTML, math, sub/superscript
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # an underscore inside a word is never emphasis
    r"|&(?=#?\w+;)"            # an entity reference
    r"|\{(?=[{%#])"            # Jinja: chapters are templates
    r"|:(?=[\w+-]+:)"          # :emoji: shortcodes
)
BLOCK_START = re.compile(
    r"^(?:(?P<mark>[#>]|[+:|-](?=\s|$))"                    # heading, quote, list, definition, table
    r"|(?P<num>\d{1,9}|[A-Za-z]|[ivxlcdmIVXLCDM]+)(?P<delim>[.)])(?=\s|$)"  # ordered and fancy lists
    r"|(?P<paren>\()(?=\w+\)\s))"                           # (a) lists
)


def escape_markdown(text: str, *, line_start: bool = True) -> str:
    """Backslash-escape only what commonmark_x (or Jinja) would read as markup in this prose."""
    escaped = INLINE_SPECIAL.sub(lambda m: ("{\\" if m.group(0) == "{" else "\\" + m.group(0)), text)
    if not line_start:
        return escaped
    if re.fullmatch(r"[-\s]+", escaped):
        return escaped.replace("-", "\\-")  # a line of dashes is a rule; smart typography would join a pair
    return BLOCK_START.sub(_escape_block_start, escaped, count=1)


def _escape_block_start(match: re.Match) -> str:
    if match.group("num"):
        return match.group("num") + "\\" + match.group("delim")
    return "\\" + match.group(0)


def yaml_string(value: str) -> str:
    """A YAML scalar that reads back as exactly `value`: plain when unambiguous, else double-quoted."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ]*[A-Za-z0-9]", value) and value.lower() not in {
            "yes", "no", "on", "off", "true", "false", "null", "y", "n"}:
        return value
    return '"' + "".join(_yaml_char(ch) for ch in value) + '"'


def _yaml_char(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    code = ord(ch)
    printable = (code in (0x09,) or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
                 or 0xE000 <= code <= 0xFFFD and code != 0xFEFF or code >= 0x10000)
    # Line breaks (also U+2028/U+2029/NEL) would be folded into spaces inside quotes: escape them.
    if printable and code not in (0x2028, 0x2029):
        return ch
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _notes_yaml(notes: list[_Note], source: Path) -> str:
    """notes.yaml: one mapping per note, in order, with an editor's comment where a link was lost."""
    out = [f"# The essay's notes, imported from {source.name}; ids are derived from each note's text.\n"]
    for note in notes:
        out.append("\n")
        if note.lost_links:
            out.append(LOST_LINK_COMMENT + "\n")
        out.append(f"{note.id}:\n  text: {yaml_string(escape_markdown(note.text))}\n")
    return "".join(out)


def _book_yaml(source: Path, chapters: list[str]) -> str:
    """A minimal book.yaml for a fresh folder; its title is the file's name until an editor sets one."""
    title = source.stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Untitled"
    listed = "".join(f"  - {c}\n" for c in chapters)
    return (f"# Written by the importer because none existed; editors own this file.\n"
            f"title: {yaml_string(title)}\nlanguage: en-US\nslug: {slugify(title)[:64].strip('-') or 'book'}\n"
            f'version: "0.1"\nchapters:\n{listed}')


def _write_atomic(path: Path, content: str) -> Path:
    """Write to a temporary file beside `path`, then rename it over: readers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise fail("I006", str(path), 0, 0, f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(path))
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise fail("I006", str(path), 0, 0, f"cannot write: {exc.strerror or exc}") from None
    return path


def _mode_for(path: Path) -> int:
    """The replaced file's permissions, or the umask's default: mkstemp's private 0600 is not wanted."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
