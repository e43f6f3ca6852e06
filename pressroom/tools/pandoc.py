"""Pandoc, the only place it is run: parse Markdown to JSON, write HTML, EPUB and DOCX from JSON, read DOCX."""

from __future__ import annotations

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from ..messages import fail
from ..workers import cores

# commonmark_x, not pandoc's `markdown`, which takes minutes on some tiny inputs;
# raw attributes and front matter are ours to handle, never pandoc's. TeX math between dollars
# only when the book asks for it (`math: tex`): prose about prices ("$15,000 … $250,000") is
# not math. Emoji shortcodes (`:smile:`) stay as written: no face of ours has the pictures.
# An image alone in its paragraph is a figure, its alt text the caption.
READER = "commonmark_x-raw_attribute-yaml_metadata_block-tex_math_dollars-emoji+implicit_figures+sourcepos"
MATH_READER = "commonmark_x-raw_attribute-yaml_metadata_block-emoji+implicit_figures+sourcepos"


def reader(math: bool) -> str:
    """The Markdown reader for a book, with TeX math or without."""
    return MATH_READER if math else READER


TIMEOUT = 60  # seconds, per pandoc run: the message names the chapter
MEMORY = "1g"  # pandoc's heap, enforced by its own runtime (+RTS -M)
READ_MANY = Path(__file__).with_name("read_many.lua")
MIN_VERSION = (3, 1, 6)  # older releases can write files through --extract-media
# Options that write files, run programs or inline whatever a path names (RELIABILITY.md A7):
# never given to pandoc on a manuscript.
FORBIDDEN = ("--extract-media", "--pdf-engine", "--filter", "--lua-filter", "--embed-resources",
             "--self-contained")


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The pandoc binary shipped by pypandoc-binary, checked to be recent enough."""
    import pypandoc

    path = pypandoc.get_pandoc_path()
    version = tuple(int(p) for p in pypandoc.get_pandoc_version().split(".")[:3])
    if version < MIN_VERSION:
        raise fail("T001", path, 0, 0, f"pandoc {version} is older than 3.1.6; run `make` to reinstall")
    return path


def version() -> str:
    """Pandoc's version string, part of every cache key."""
    import pypandoc

    return pypandoc.get_pandoc_version()


def run(args: list[str], stdin: str, *, label: str, env: dict[str, str] | None = None) -> str:
    """Run pandoc with a memory cap and a timeout; its failures become our errors naming `label`."""
    return run_bytes(args, stdin, label=label, env=env).decode("utf-8")


def run_bytes(args: list[str], stdin: str, *, label: str, env: dict[str, str] | None = None,
              stderr: list[str] | None = None) -> bytes:
    """`run`, keeping pandoc's output as bytes. Warnings fail the run, unless a list is given
    for them in `stderr` (to be read by the caller)."""
    refused = [a for a in args if a.split("=", 1)[0] in FORBIDDEN]
    if refused:
        raise fail("T004", label, 0, 0, f"pandoc option {refused[0]} is never used on a manuscript")
    strict = ["--fail-if-warnings"] if stderr is None else []
    cmd = [pandoc_path(), "+RTS", f"-M{MEMORY}", "-RTS", *strict, *args]
    try:
        done = subprocess.run(
            cmd, input=stdin.encode("utf-8"), capture_output=True, timeout=TIMEOUT,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise fail("T002", label, 0, 0, f"pandoc ran longer than {TIMEOUT} s (the limit): "
                   "look for deeply nested or very long constructs") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        if "Heap exhausted" in detail or "heap overflow" in detail:
            raise fail("T002", label, 0, 0, f"pandoc needed more than {MEMORY.upper()}iB of memory (the limit)")
        raise fail("T003", label, 0, 0, f"pandoc failed: {detail}")
    if stderr is not None:
        stderr.append(done.stderr.decode("utf-8", "replace"))
    return done.stdout


def parse_markdown(text: str, *, label: str) -> dict:
    """Markdown → Pandoc JSON AST, with source positions on every element."""
    return json.loads(read_markdown(text, label=label))


def read_markdown(text: str, *, label: str, math: bool = False) -> str:
    """Markdown → Pandoc's JSON text, unparsed (its nesting is checked before Python reads it)."""
    return run(["-f", reader(math), "-t", "json"], text, label=label)


def read_markdown_many(texts: list[str], labels: list[str], math: bool = False,
                       markdown_reader: str | None = None) -> list[str]:
    """`read_markdown` for many documents in one pandoc process per core, each parsed on its own.

    A few pandoc start-ups for the whole book instead of one per chapter (pandoc's own Lua runs
    read_many.lua); no chapter's link or note definitions leak into another, as they would if
    the texts were joined. If the run as a whole fails (a time or memory limit), each text is
    run alone, so the error names its chapter.
    """
    chosen = markdown_reader or reader(math)
    if len(texts) <= 1:
        return [run(["-f", chosen, "-t", "json"], t, label=l) for t, l in zip(texts, labels)]
    # Pandoc reads on one core: the texts go to one process per core, in batches of about equal
    # length (the 300-page book's chapters read in 0.9 s instead of 1.4 s on 2 cores).
    groups = batches([len(t) for t in texts], cores())
    with ThreadPoolExecutor(len(groups)) as pool:
        read = list(pool.map(lambda group: _read_batch(chosen, [texts[i] for i in group]), groups))
    answers: list = [None] * len(texts)
    for batch, found in zip(groups, read):
        # A batch that failed as a whole (a time or memory limit): each of its texts alone, so
        # that the error names its chapter.
        for n, i in enumerate(batch):
            answers[i] = found[n] if found is not None else {"output": run(["-f", chosen, "-t", "json"], texts[i],
                                                                           label=labels[i])}
    results = []
    for answer, label in zip(answers, labels):
        if "error" in answer:
            raise fail("T003", label, 0, 0, f"pandoc failed: {answer['error']}")
        results.append(answer["output"])
    return results


def batches(sizes: list[int], count: int) -> list[list[int]]:
    """The indices of `sizes` in at most `count` batches of about equal total size, each in order."""
    loads = [[0, []] for _ in range(max(1, min(count, len(sizes))))]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = min(loads, key=lambda load: load[0])
        lightest[0] += sizes[i]
        lightest[1].append(i)
    return [sorted(batch) for _, batch in loads if batch]


def _read_batch(chosen: str, texts: list[str]) -> list | None:
    """Pandoc's answers for `texts` from one read_many.lua run, or None if the run failed as a whole."""
    cmd = [pandoc_path(), "+RTS", f"-M{MEMORY}", "-RTS", "lua", str(READ_MANY), chosen]
    try:
        done = subprocess.run(cmd, input=json.dumps(texts).encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT + 2 * len(texts))
        answers = json.loads(done.stdout) if done.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError):
        return None
    return answers if isinstance(answers, list) and len(answers) == len(texts) else None


# --- citations (citations.py finds them, bibliography.py runs citeproc) ---
# Pandoc's `markdown` reader has the `citations` extension commonmark_x lacks; it reads only the
# citation groups cut out of the chapters (short, bracket-bounded texts), never a whole chapter,
# and without raw HTML or TeX: nothing in a citation is markup passed through.
CITATION_READER = "markdown_strict+citations+smart+superscript+subscript+strikeout-raw_html-raw_tex"


def read_citations(texts: list[str], label: str) -> list[str]:
    """Each citation group (`[see @a, p. 3]`, `@a`) → Pandoc JSON, in one pandoc process."""
    return read_markdown_many(texts, [label] * len(texts), markdown_reader=CITATION_READER)


def bibliography_as_csl(text: str, reader_format: str, *, label: str) -> str:
    """A BibTeX or BibLaTeX file's text → CSL-JSON (pandoc's reader: the one citeproc uses)."""
    return run(["--sandbox", "-f", reader_format, "-t", "csljson"], text, label=label)


def citeproc(doc: dict, bibliographies: list[Path], style: Path, *, label: str) -> dict:
    """Pandoc's citeproc over a document of citations: each Cite's content becomes its rendered text
    (a Note in a note style), the `refs` Div the bibliography. Sandboxed: the style and files named
    here are read, nothing else (a dependent style's parent is never fetched)."""
    files = [arg for path in bibliographies for arg in ("--bibliography", str(path))]
    return json.loads(run(["--sandbox", "-f", "json", "-t", "json", "--citeproc", *files, "--csl", str(style)],
                          json.dumps(doc), label=label))


def write_html(ast: dict, *, label: str) -> str:
    """Pandoc JSON AST → an HTML5 fragment; TeX math as MathML (texmath), which the web edition
    and the EPUB show as it is and the PDF draws (editions/mathsvg.py)."""
    return run(["--sandbox", "-f", "json", "-t", "html5", "--wrap=none", "--mathml"], json.dumps(ast), label=label)


def write_html_many(asts: list[dict], *, label: str) -> list[str]:
    """`write_html` for each AST, one pandoc process for each at the same time (pandoc writes on one core)."""
    with ThreadPoolExecutor(max(1, len(asts))) as pool:
        return list(pool.map(lambda ast: write_html(ast, label=label), asts))


MATH_MARKER = "<!--pressroom-math:{}-->"
MATH_PIECE = re.compile(r"<!--pressroom-math:(\d+)-->")
# What pandoc says of a formula texmath cannot read: the formula, a caret line, then why.
MATH_WARNING = re.compile(r"\[WARNING\] Could not convert TeX math .*?\n(?:  .*\n)*?  +\^\n  (.+)")


def unconvertible(formulas: list[tuple[str, bool]], *, label: str) -> dict[int, str]:
    """The formulas (TeX, display?) texmath cannot turn into MathML, by index, each with pandoc's
    reason ("unexpected control sequence \\foo"); one pandoc run for them all."""
    if not formulas:
        return {}
    blocks: list = []
    for index, (tex, display) in enumerate(formulas):
        blocks.append({"t": "RawBlock", "c": ["html", MATH_MARKER.format(index)]})
        kind = {"t": "DisplayMath" if display else "InlineMath"}
        blocks.append({"t": "Plain", "c": [{"t": "Math", "c": [kind, tex]}]})
    warnings: list[str] = []
    html = run_bytes(["--sandbox", "-f", "json", "-t", "html5", "--wrap=none", "--mathml"],
                     json.dumps(document(blocks)), label=label, stderr=warnings).decode("utf-8")
    pieces = MATH_PIECE.split(html)
    failed = [int(index) for index, piece in zip(pieces[1::2], pieces[2::2]) if "<math" not in piece]
    reasons = MATH_WARNING.findall(warnings[0] if warnings else "")
    # Pandoc warns once per formula it could not convert, in document order.
    if len(reasons) != len(failed):
        reasons = ["texmath cannot read it"] * len(failed)
    return dict(zip(failed, reasons))


def write_epub(ast: dict, target: Path, args: list[str], *, label: str, env: dict[str, str]) -> None:
    """Pandoc JSON AST → an EPUB 3 file at `target` (resources resolved from the given paths).

    Pandoc writes to its standard output and we write the file: a pandoc outliving a killed
    build can then leave nothing behind.
    """
    data = run_bytes(["-f", "json", "-t", "epub3", "-o", "-", *args], json.dumps(ast), label=label, env=env)
    Path(target).write_bytes(data)


def write_docx(ast: dict, *, reference: Path, resources: Path, label: str) -> bytes:
    """Pandoc JSON AST → DOCX bytes, styled by `reference` (a reference.docx), images read under `resources`.

    Pandoc stamps the package with SOURCE_DATE_EPOCH when it is set (the build pins it), so the
    same sources give the same bytes.
    """
    return run_bytes(["-f", "json", "-t", "docx", f"--reference-doc={reference}", f"--resource-path={resources}",
                      "-o", "-"], json.dumps(ast), label=label)


def read_docx(path: Path, *, label: str, track_changes: str = "all", styles: bool = False) -> dict:
    """A DOCX file → Pandoc JSON AST; with `all`, tracked changes and comments are kept as spans;
    with `styles`, each paragraph and run in a named style is wrapped in a Div or Span saying which.

    No --extract-media: pandoc would write files; the importer copies images out of the zip itself.
    """
    reader = "docx+styles" if styles else "docx"
    return json.loads(run(["-f", reader, f"--track-changes={track_changes}", "-t", "json", str(path)], "",
                          label=label))


def default_data_file(name: str) -> bytes:
    """One of pandoc's own data files (its reference.docx), as shipped with this pandoc."""
    return run_bytes(["--print-default-data-file", name], "", label="pandoc")


@lru_cache(maxsize=1)
def api_version() -> list[int]:
    """The AST version this pandoc reads and writes, asked of pandoc itself."""
    return json.loads(run(["-f", "commonmark", "-t", "json"], "", label="pandoc"))["pandoc-api-version"]


def document(blocks: list, meta: dict | None = None) -> dict:
    """A whole Pandoc document around `blocks`."""
    return {"pandoc-api-version": api_version(), "meta": meta or {}, "blocks": blocks}


def meta_value(value) -> dict:
    """A plain Python value as Pandoc metadata: strings stay literal (never parsed as Markdown)."""
    if isinstance(value, bool):
        return {"t": "MetaBool", "c": value}
    if isinstance(value, str):
        return {"t": "MetaString", "c": value}
    if isinstance(value, (list, tuple)):
        return {"t": "MetaList", "c": [meta_value(v) for v in value]}
    if isinstance(value, dict):
        return {"t": "MetaMap", "c": {str(k): meta_value(v) for k, v in value.items()}}
    raise TypeError(f"no Pandoc metadata for {type(value).__name__}")


def metadata(values: dict) -> dict:
    """A document's `meta` from plain values; keys whose value is None or empty are left out."""
    return {key: meta_value(value) for key, value in values.items() if value not in (None, "", [], ())}
