"""Resource limits: what no manuscript may make a build spend, and the checks that keep it so.

Time: each in-process stage (a chapter's Jinja, WeasyPrint's layout) runs under `deadline`, a
SIGALRM timer that stops it with an error naming the chapter or edition; pandoc runs under its
own subprocess timeout (tools/pandoc.py). Memory: `cap_process` lowers the build process's
address-space limit, so an allocation past it is a MemoryError that `stage` reports with the
chapter it happened in; a CPU-time limit a little higher is the kernel's backstop for a loop
in C code that no Python timer can interrupt.

Input shapes: nesting deeper than a book needs (which overflows WeasyPrint's and Python's
stacks), tables larger than a page can hold, and images whose header promises more pixels
than we will decode, or whose bytes are no image we read.
"""

from __future__ import annotations

import bisect
import os
import re
import resource
import signal
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from .manuscript.markdown import code_ranges
from .messages import BuildError, Message, error, fail
from .pandoc_ast import attr_of, line_col

# Time, per stage (seconds): pandoc's own is tools/pandoc.py's TIMEOUT.
JINJA_SECONDS = 10          # one chapter's template
LAYOUT_SECONDS = 300        # WeasyPrint laying out a whole edition (a 300-page book takes ~40 s)
PART_SECONDS = 120          # one chapter's CPU time in a layout worker: past it the worker is killed (a sample chapter takes ~3 s)
# Memory: the build process's address space (a 300-page book peaks near 0.7 GiB of it).
MEMORY_BYTES = 4 << 30
CPU_SECONDS = 1800          # the kernel's backstop: no build of ours uses that much CPU

# Shapes
MAX_BLOCK_DEPTH = 12        # lists, quotations, divs, notes inside one another
MAX_INLINE_DEPTH = 12       # emphasis, links, spans inside one another
MAX_JSON_DEPTH = 400        # pandoc's JSON deeper than this is never read into Python (its stack)
MAX_TABLE_ROWS = 1000
MAX_TABLE_COLUMNS = 50
MAX_SPAN = 50               # colspan / rowspan in raw HTML tables
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_BYTES = 20 << 20
MAX_SVG_ELEMENTS = 20_000
# What WeasyPrint lays out in time (bench/bench_limits.py): its line breaking re-shapes the rest of
# a paragraph for every line, so a paragraph's cost grows with the square of its length (20,000
# characters: ~15 s); a word with no break opportunity is worse (3,000 characters: ~60 s); and
# each page-foot note re-lays its page (300 notes in a chapter: ~45 s). Checked before layout.
MAX_PARAGRAPH_CHARS = 20_000   # the longest paragraphs of real books run to a few thousand
MAX_WORD_CHARS = 1_000         # a long URL or identifier (~7 s); beyond it, break it with spaces
MAX_NOTES_PER_CHAPTER = 200     # ~25 s; the corpus's most is 55

BLOCK_CONTAINERS = {"BlockQuote", "BulletList", "OrderedList", "DefinitionList", "Div", "Note",
                    "Table", "Figure", "LineBlock"}
INLINE_CONTAINERS = {"Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
                     "SmallCaps", "Quoted", "Cite", "Link", "Span", "Image"}
NESTING_ADVICE = "flatten the lists, quotations or emphasis"


class StageTimeout(BaseException):
    """Raised by the alarm inside a stage that ran out of time (BaseException: no library swallows it)."""


class CpuLimit(BaseException):
    """Raised by SIGXCPU when the build process has used its CPU time (see cap_process)."""


_current = threading.local()


def current_stage() -> tuple[str, str]:
    """(path, what) of the innermost stage running now: what an out-of-memory message names."""
    return getattr(_current, "stage", ("build", "building"))


@contextmanager
def stage(path: str, what: str) -> Iterator[None]:
    """Mark what the build is doing; a MemoryError inside becomes an error naming `path`."""
    previous = getattr(_current, "stage", None)
    _current.stage = (path, what)
    try:
        yield
    except MemoryError:
        raise out_of_memory(path, what) from None
    except CpuLimit:
        raise fail("R008", path, 0, 0, f"the build used more than {_cpu_cap[0]} s of CPU while {what}") from None
    finally:
        if previous is None:
            del _current.stage
        else:
            _current.stage = previous


def out_of_memory(path: str, what: str) -> BuildError:
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    shown = f" (limit {limit / (1 << 30):.0f} GiB)" if limit != resource.RLIM_INFINITY else ""
    return fail("R009", path, 0, 0, f"ran out of memory{shown} while {what}")


@contextmanager
def deadline(seconds: float, path: str, what: str, code: str = "R008") -> Iterator[None]:
    """Stop the block after `seconds` with `path: error[code]: <what> ran longer than N s`.

    A SIGALRM timer: it interrupts Python code (WeasyPrint, Jinja) between two bytecodes. Off
    the main thread, or inside another deadline, the block runs without one of its own.
    """
    if threading.current_thread() is not threading.main_thread() or getattr(_current, "timed", False):
        yield
        return
    armed = [True]

    def alarm(_signum, _frame):
        if armed[0]:
            raise StageTimeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _current.timed = True
    try:
        yield
    except StageTimeout:
        raise fail(code, path, 0, 0, f"{what} ran longer than {seconds:g} s") from None
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _current.timed = False


def cap_process(memory: int = MEMORY_BYTES, cpu: int = CPU_SECONDS) -> None:
    """Lower this process's address-space and CPU-time limits (soft ones: children may raise them).

    At the CPU limit SIGXCPU raises CpuLimit, which `stage` reports; a loop in C code that never
    returns to Python is killed by the kernel at the hard limit, ten seconds later.
    """
    _lower(resource.RLIMIT_AS, memory)
    _lower(resource.RLIMIT_CPU, cpu, hard_extra=10)
    _cpu_cap[0] = cpu  # the kernel raises the soft limit by a second at each SIGXCPU: remember ours
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGXCPU, _cpu_limit)


_cpu_cap = [CPU_SECONDS]


def _cpu_limit(_signum, _frame):
    raise CpuLimit


def _lower(which: int, value: int, hard_extra: int = 0) -> None:
    soft, hard = resource.getrlimit(which)
    if soft != resource.RLIM_INFINITY and soft <= value:
        return
    if hard_extra and (hard == resource.RLIM_INFINITY or hard > value + hard_extra):
        hard = value + hard_extra  # past the soft limit's SIGXCPU, the kernel kills a stuck process
    try:
        resource.setrlimit(which, (value, hard))
    except (ValueError, OSError):
        pass


# --- nesting ------------------------------------------------------------------------------------

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_POS_STRING = re.compile(r'"(?:[^"@\\]*@)?(\d+):(\d+)-[^"]*"')


def check_json_nesting(raw: str, shown: str, line_offset: int = 0) -> None:
    """Refuse pandoc JSON nested past what Python's parser can read, naming the 13th nested element.

    Scanned as text, without recursion, before `json.loads` ever sees it. The containers
    enclosing the current point are tracked from their `"t"` tokens (sourcepos wrappers left
    out), each with the `data-pos` before or inside it, so the error names the element where
    nesting passed the limit, as `check_shapes` does for shallower documents.
    """
    depth = 0
    open_nodes: list[list] = []  # [depth, kind ("block"/"inline"), (line, col)]
    last_pos, previous = (0, 0), ""
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group(0)
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line, col = _deep_position(open_nodes)
                raise fail("R001", shown, line + line_offset if line else 0, col,
                           f"nested more than {MAX_BLOCK_DEPTH} levels deep: {NESTING_ADVICE}")
        elif token in "]}":
            depth -= 1
            while open_nodes and open_nodes[-1][0] > depth:
                open_nodes.pop()
        else:
            pos = _POS_STRING.fullmatch(token)
            if pos:
                last_pos = line_col(token[1:-1].rsplit("@", 1)[-1])
                if open_nodes and open_nodes[-1][0] == depth - 4:  # the node's own attributes
                    open_nodes[-1][2] = last_pos
            elif previous == '"t"':
                kind = token[1:-1]
                if kind in BLOCK_CONTAINERS or kind in INLINE_CONTAINERS:
                    open_nodes.append([depth, "block" if kind in BLOCK_CONTAINERS else "inline", last_pos])
            elif previous == '"wrapper"' and token == '"1"' and open_nodes and open_nodes[-1][0] == depth - 4:
                open_nodes.pop()  # a sourcepos wrapper, not a level of the author's nesting
            previous = token


def _deep_position(open_nodes: list[list]) -> tuple[int, int]:
    for kind in ("block", "inline"):
        chain = [node[2] for node in open_nodes if node[1] == kind]
        if len(chain) > MAX_BLOCK_DEPTH:
            return chain[MAX_BLOCK_DEPTH]
    return open_nodes[-1][2] if open_nodes else (0, 0)


def check_shapes(blocks: list, shown: str, line_offset: int = 0) -> list[Message]:
    """Nesting depth (R001), table size (R002), paragraph length (R010), word length (R011) and
    notes per chapter (R012), walked without recursion: what would stack-overflow or stall layout.

    The first problem of each depth kind, every table too large, every paragraph too long.
    """
    messages: dict[str, Message] = {}
    notes = 0
    stack: list[tuple[object, int, int, str]] = [(blocks, 0, 0, "")]
    while stack:
        value, blocks_deep, inlines_deep, pos = stack.pop()
        if isinstance(value, list):
            stack.extend((item, blocks_deep, inlines_deep, pos) for item in reversed(value))
            continue
        if not (isinstance(value, dict) and "t" in value):
            continue
        attr = attr_of(value)
        keys = dict(attr[2]) if attr else {}
        pos = keys.get("data-pos", pos)
        wrapper = keys.get("wrapper") == "1"
        t = value["t"]
        if t in BLOCK_CONTAINERS and not wrapper:
            blocks_deep += 1
        if t in INLINE_CONTAINERS and not wrapper:
            inlines_deep += 1
        if blocks_deep > MAX_BLOCK_DEPTH and "block" not in messages:
            messages["block"] = error("R001", *_where(shown, pos, line_offset), f"blocks nested {blocks_deep} "
                                      f"levels deep (limit {MAX_BLOCK_DEPTH}): {NESTING_ADVICE}")
        if inlines_deep > MAX_INLINE_DEPTH and "inline" not in messages:
            messages["inline"] = error("R001", *_where(shown, pos, line_offset), f"inline formatting nested "
                                       f"{inlines_deep} levels deep (limit {MAX_INLINE_DEPTH}): {NESTING_ADVICE}")
        if t == "Table":
            problem = _table_problem(value)
            if problem:
                messages.setdefault(f"table{len(messages)}", error("R002", *_where(shown, pos, line_offset), problem))
        if t in TEXT_BLOCKS:
            for problem in _text_problems(value, shown, pos, line_offset):
                messages.setdefault(f"text{len(messages)}", problem)
        if t == "Note":
            notes += 1
            if notes == MAX_NOTES_PER_CHAPTER + 1:
                messages["notes"] = error("R012", *_where(shown, pos, line_offset), f"more than {MAX_NOTES_PER_CHAPTER} notes in one "
                                          "chapter (each page-foot note makes WeasyPrint lay its page out "
                                          "again): split the chapter; this is the first call past the limit")
        if "block" in messages and "inline" in messages:
            break
        stack.append((value.get("c"), blocks_deep, inlines_deep, pos))
    return list(messages.values())


TEXT_BLOCKS = {"Para", "Plain", "Header", "LineBlock"}
BREAKS = {"Space", "SoftBreak", "LineBreak"}
# A run of text a line may not break inside: spaces, hyphens and dashes, a zero-width space or a
# soft hyphen end it, and so does every character of a script set without spaces (Han, kana,
# Hangul, Thai, Lao, Myanmar, Khmer), where lines break between characters.
UNBREAKABLE = re.compile("[^\\s|\\-\u2010-\u2014\u200b\u00ad\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
                         "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]+")


# What a reader never sees of a paragraph's source: link and image targets, attribute braces.
NOT_PRINTED = re.compile(r"\]\([^)]*\)|\]?\{[^}\n]*\}")
# A line that opens a block of its own: a note's definition, a table row, a heading, a quotation,
# a definition, a list item (each is laid out as a paragraph of its own).
BLOCK_START = re.compile(r"[ \t]*(?:\[\^[^\]]+\]:|[|#>:]|[-+*][ \t]|\d{1,9}[.)][ \t])")


def _source_paragraphs(text: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(line, text) of each run of lines that would be laid out as one paragraph."""
    start, lines = first_line, []
    for number, line in enumerate(text.split("\n"), start=first_line):
        if not line.strip() or BLOCK_START.match(line):
            if lines:
                yield start, "\n".join(lines)
            start, lines = number, ([line] if line.strip() else [])
        else:
            lines.append(line)
    if lines:
        yield start, "\n".join(lines)


def check_source_shapes(body: str, first_line: int, shown: str, calls: Sequence) -> list[Message]:
    """The layout limits, on a chapter's Markdown before any pass reads it: a megabyte paragraph
    takes pandoc and our AST passes minutes, so it is refused here in a second. Paragraphs are
    runs of lines between blank ones, code left out; `calls` are the note calls (their `pos`).
    check_shapes holds the parsed text (Jinja's output) to the same limits."""
    problems = []
    if len(calls) > MAX_NOTES_PER_CHAPTER:
        pos = calls[MAX_NOTES_PER_CHAPTER].pos
        problems.append(error("R012", pos.path, pos.line, pos.col, f"{len(calls):,} notes in one chapter (limit "
                              f"{MAX_NOTES_PER_CHAPTER}; each page-foot note makes WeasyPrint lay its page out "
                              "again): split the chapter; this is the first call past the limit"))
    visible = body
    if "`" in body or "~~~" in body or "    " in body:
        chars = list(body)
        for start, end in code_ranges(body):
            chars[start:end] = [c if c == "\n" else " " for c in body[start:end]]
        visible = "".join(chars)
    for line, text in _source_paragraphs(visible, first_line):
        if len(text) <= MAX_WORD_CHARS:
            continue
        printed = NOT_PRINTED.sub(" ", text)
        if len(printed) > MAX_PARAGRAPH_CHARS:
            problems.append(error("R010", shown, line, 1, f"a paragraph of {len(printed):,} characters (limit "
                                  f"{MAX_PARAGRAPH_CHARS:,}: WeasyPrint's line breaking slows with the square of a "
                                  "paragraph's length): split it into paragraphs"))
        longest = max(UNBREAKABLE.finditer(text), key=lambda m: m.end() - m.start(), default=None)
        size = longest.end() - longest.start() if longest else 0
        if size > MAX_WORD_CHARS and len(max(UNBREAKABLE.findall(printed), key=len)) > MAX_WORD_CHARS:
            before = text[: longest.start()]
            problems.append(error("R011", shown, line + before.count("\n"), longest.start() - before.rfind("\n"),
                                  f"a word of {size:,} characters with no space in it (limit {MAX_WORD_CHARS:,}: "
                                  "WeasyPrint cannot break it into lines in any useful time): break it with spaces"))
    return problems


def _text_problems(block: dict, shown: str, pos: str, line_offset: int) -> list[Message]:
    """A paragraph longer than MAX_PARAGRAPH_CHARS, or a word in it longer than MAX_WORD_CHARS:
    its text read without its notes (each is a paragraph of its own), walked without recursion."""
    pieces: list[str] = []
    starts: list[tuple[int, str]] = []  # (offset in the paragraph's text, the source position there)
    length = 0
    stack: list[tuple[object, str]] = [(block.get("c"), pos)]
    while stack:
        value, here = stack.pop()
        if isinstance(value, list):
            stack.extend((item, here) for item in reversed(value))
            continue
        if not (isinstance(value, dict) and "t" in value) or value["t"] == "Note":
            continue
        t = value["t"]
        attr = attr_of(value) if t not in BREAKS else None
        here = dict(attr[2]).get("data-pos", here) if attr else here
        text = " " if t in BREAKS else value["c"] if t == "Str" else value["c"][-1] if t in ("Code", "Math") else None
        if isinstance(text, str):
            starts.append((length, here))
            pieces.append(text)
            length += len(text)
        elif t not in BREAKS:
            stack.append((value.get("c"), here))
    problems = []
    if length > MAX_PARAGRAPH_CHARS:
        problems.append(error("R010", *_where(shown, pos, line_offset), f"a paragraph of {length:,} characters "
                              f"(limit {MAX_PARAGRAPH_CHARS:,}: WeasyPrint's line breaking slows with the square "
                              "of a paragraph's length): split it into paragraphs"))
    longest = max(UNBREAKABLE.finditer("".join(pieces)), key=lambda m: m.end() - m.start(), default=None)
    if longest and longest.end() - longest.start() > MAX_WORD_CHARS:
        where = starts[bisect.bisect_right([offset for offset, _ in starts], longest.start()) - 1][1]
        problems.append(error("R011", *_where(shown, where, line_offset), f"a word of "
                              f"{longest.end() - longest.start():,} characters with no space in it (limit "
                              f"{MAX_WORD_CHARS:,}: WeasyPrint cannot break it into lines in any useful time): "
                              "break it with spaces"))
    return problems


def _where(shown: str, pos: str, line_offset: int) -> tuple[str, int, int]:
    line, col = line_col(pos)
    return shown, (line + line_offset if line else 0), col


def _table_problem(table: dict) -> str | None:
    _attr, _caption, colspecs, head, bodies, foot = table["c"]
    rows = len(head[1]) + len(foot[1]) + sum(len(body[2]) + len(body[3]) for body in bodies)
    if len(colspecs) > MAX_TABLE_COLUMNS:
        return f"table has {len(colspecs)} columns (limit {MAX_TABLE_COLUMNS}): split it"
    if rows > MAX_TABLE_ROWS:
        return f"table has {rows} rows (limit {MAX_TABLE_ROWS}): split it or move it to an appendix file"
    return None


# --- images -------------------------------------------------------------------------------------

# An image's type is what its first bytes say, whatever its name: PNG, JPEG and SVG go into every
# edition as they are; the others are converted (pressroom/images.py) to PNG.
SHIPPED_TYPES = ("PNG", "JPEG", "SVG")
CONVERTED_TYPES = ("GIF", "WebP", "TIFF", "BMP", "PDF")
NAMED_TYPES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG", ".gif": "GIF", ".webp": "WebP",
               ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP", ".pdf": "PDF"}
# Pillow opens only the decoder the bytes were sniffed as: never EPS (Ghostscript) or another plugin.
PILLOW_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "GIF": "GIF", "WebP": "WEBP", "TIFF": "TIFF", "BMP": "BMP"}
PDF_FIGURE_DPI = 300
TYPES_ADVICE = "use PNG, JPEG or SVG (GIF, WebP, TIFF, BMP and PDF figures are converted)"


def check_image(root: Path, target: str) -> tuple[str, str] | None:
    """(code, why) the image file `target` (relative to the manuscript `root`) may not be used, or None.

    It must resolve, through any symlinks, to a regular file under images/, not too large, whose
    first bytes say it is an image we read (its name may say otherwise: images.py warns), with a
    sane pixel count; an SVG must parse without an internal DTD subset or entities and point at
    nothing outside itself.
    """
    images = root / "images"
    path = root / target
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "P003", f"image {target!r} not found"
    if not real.is_relative_to(images):  # `root` is resolved: a symlinked images/ leads outside it
        return "P003", f"image {target!r} resolves to {str(real)!r}, outside images/"
    info = real.stat()
    if not stat.S_ISREG(info.st_mode):
        return "P003", f"image {target!r} is not a regular file"
    if info.st_size > MAX_IMAGE_BYTES:
        return "R003", f"image {target!r} is {info.st_size >> 20} MiB (limit {MAX_IMAGE_BYTES >> 20} MiB)"
    found = image_type(real)
    if found not in SHIPPED_TYPES + CONVERTED_TYPES:
        what = f"a {found} file" if found else "not an image file Pressroom reads"
        return "R004", f"image {target!r} is {what}: {TYPES_ADVICE}"
    if found == "SVG":
        return _svg_problem(real, target)
    if found == "PDF":
        return _pdf_problem(real, target)
    return _pixel_problem(real, target, found)


def image_type(path: Path) -> str | None:
    """The type the file's first bytes say it is ("PNG", "SVG", "PostScript", …), or None."""
    with open(path, "rb") as handle:
        return _magic(handle.read(64))


def _magic(head: bytes) -> str | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if head.startswith(b"BM") and len(head) >= 26 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return "BMP"  # "BM" and a known header size: two letters alone would take any text for one
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis"):
        return "HEIF/AVIF"
    if head.startswith(b"%!PS") or head.startswith(b"\xc5\xd0\xd3\xc6"):
        return "PostScript"
    if head.startswith(b"%PDF"):
        return "PDF"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")):
        return "SVG"
    return None


def _pixel_problem(path: Path, target: str, found: str = "PNG") -> tuple[str, str] | None:
    from PIL import Image

    try:
        with Image.open(path, formats=[PILLOW_FORMATS[found]]) as image:  # reads the header only
            width, height = image.size
    except Exception as exc:  # Pillow raises many kinds for a damaged header
        return "R004", f"image {target!r} cannot be read: {exc}"
    return _too_many_pixels(target, width, height)


def _too_many_pixels(target: str, width: int, height: int) -> tuple[str, str] | None:
    if width * height > MAX_IMAGE_PIXELS:
        return "R003", (f"image {target!r} is {width}×{height} pixels ({width * height / 1e6:.0f} MP, "
                f"limit {MAX_IMAGE_PIXELS / 1e6:.0f} MP): scale it down")
    return None


def _pdf_problem(path: Path, target: str) -> tuple[str, str] | None:
    """A PDF figure must open (no password) and have a page; its first page is what is used."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(str(path))
    except Exception as exc:  # pdfium: damaged, encrypted
        return "R004", f"PDF figure {target!r} cannot be read: {exc}"
    try:
        if len(document) == 0:
            return "R004", f"PDF figure {target!r} has no page"
        width, height = document[0].get_size()
    finally:
        document.close()
    if width <= 0 or height <= 0:
        return "R004", f"PDF figure {target!r} has an empty first page"
    return None


# An ordinary DOCTYPE (`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://…">`) is accepted and
# never fetched; an internal subset, where entities are declared, is not. The DOCTYPE's grammar
# without an internal subset: images.py drops exactly this from the copy the editions ship.
QUOTED = r"(?:\"[^\"]*\"|'[^']*')"
SVG_DOCTYPE = re.compile(rf"<!DOCTYPE\s+[^\s>\[]+(?:\s+(?:PUBLIC\s+{QUOTED}\s+{QUOTED}|PUBLIC\s+{QUOTED}|SYSTEM\s+{QUOTED}))?\s*>")


class _Refused(Exception):
    pass


def _svg_declarations_problem(data: bytes) -> str | None:
    """What an SVG declares that an image may not: an internal DTD subset, entities, stylesheets.

    Expat reads the declarations with parameter entities off, so an external DTD is never
    fetched; it stops at the first one, before any entity could be expanded.
    """
    from xml.parsers import expat

    def doctype(_name, _system, _public, internal_subset):
        if internal_subset:
            raise _Refused("a DOCTYPE with an internal subset (where entities are declared)")

    def entity(name, *_rest):
        raise _Refused(f"an entity declaration ({name})")

    def reference(name, *_rest):
        raise _Refused(f"a reference to an entity its DOCTYPE would define (&{name};)")

    def instruction(target, _data):
        if target.lower() == "xml-stylesheet":
            raise _Refused("an xml-stylesheet instruction (a style sheet from outside the file)")

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.SkippedEntityHandler = reference
    parser.ExternalEntityRefHandler = reference
    parser.ProcessingInstructionHandler = instruction
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        return str(refused)
    except expat.ExpatError:
        return None  # not well-formed: the parse below says where
    return None


def _svg_problem(path: Path, target: str) -> tuple[str, str] | None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
    from xml.etree.ElementTree import ParseError

    data = path.read_bytes()
    declared = _svg_declarations_problem(data)
    if declared:
        return "R005", f"SVG {target!r} has {declared}, which images may not carry: remove it"
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return "R005", f"SVG {target!r} has a DTD or entities, which images may not carry ({type(exc).__name__})"
    except ParseError as exc:
        return "R005", f"SVG {target!r} is not well-formed XML: {exc}"
    elements = list(root.iter())
    if len(elements) > MAX_SVG_ELEMENTS:
        return "R003", f"SVG {target!r} has {len(elements)} elements (limit {MAX_SVG_ELEMENTS})"
    if _local(elements[0].tag) != "svg":
        return "R005", f"image {target!r} is an XML file whose root is not <svg>"
    for element in elements:
        name = _local(element.tag)
        if name in ("script", "foreignObject", "iframe", "object", "embed"):
            return "R005", f"SVG {target!r} holds a <{name}> element"
        for key, value in element.attrib.items():
            attribute = _local(key)
            if attribute.lower().startswith("on"):
                return "R005", f"SVG {target!r} holds an event attribute {attribute!r}"
            if attribute == "href" and not value.strip().startswith("#"):
                return "R005", f"SVG {target!r} refers to {value.strip()[:60]!r}: an SVG may only refer inside itself"
            if "url(" in value.replace(" ", "") and not re.search(r"url\(\s*['\"]?#", value):
                return "R005", f"SVG {target!r} refers to a resource in a style: {value.strip()[:60]!r}"
        if name == "style" and element.text and re.search(r"url\(\s*['\"]?(?!#)|@import", element.text):
            return "R005", f"SVG {target!r} has a style sheet that refers outside itself"
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def file_problem(path: Path, root: Path, limit: int) -> str | None:
    """Why a manuscript text file (book.yaml, a chapter, notes.yaml) may not be read, or None."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "not found"
    if not real.is_relative_to(root):
        return f"resolves to {str(real)!r}, outside the manuscript folder"
    info = os.stat(real)
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_size > limit:
        return f"is {info.st_size / 1e6:.0f} MB, larger than the limit of {limit / 1e6:.0f} MB"
    return None
