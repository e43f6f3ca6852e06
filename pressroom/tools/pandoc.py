"""Pandoc, the only place it is run: parse Markdown to JSON, write HTML and EPUB from JSON."""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

from ..messages import fail

# commonmark_x, not pandoc's `markdown`, which takes minutes on some tiny inputs;
# raw attributes and front matter are ours to handle, never pandoc's.
READER = "commonmark_x-raw_attribute-yaml_metadata_block+sourcepos"
TIMEOUT = 120
MIN_VERSION = (3, 1, 6)  # older releases can write files through --extract-media


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
    cmd = [pandoc_path(), "+RTS", "-M1g", "-RTS", "--fail-if-warnings", *args]
    try:
        done = subprocess.run(
            cmd, input=stdin.encode("utf-8"), capture_output=True, timeout=TIMEOUT,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise fail("T002", label, 0, 0, f"pandoc ran longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        raise fail("T003", label, 0, 0, f"pandoc failed: {detail}")
    return done.stdout.decode("utf-8")


def parse_markdown(text: str, *, label: str) -> dict:
    """Markdown → Pandoc JSON AST, with source positions on every element."""
    return json.loads(run(["-f", READER, "-t", "json"], text, label=label))


def write_html(ast: dict, *, label: str) -> str:
    """Pandoc JSON AST → an HTML5 fragment."""
    return run(["--sandbox", "-f", "json", "-t", "html5", "--wrap=none"], json.dumps(ast), label=label)


def write_epub(ast: dict, target: Path, args: list[str], *, label: str, env: dict[str, str]) -> None:
    """Pandoc JSON AST → an EPUB 3 file at `target` (resources resolved from the given paths)."""
    run(["-f", "json", "-t", "epub3", "-o", str(target), *args], json.dumps(ast), label=label, env=env)


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
