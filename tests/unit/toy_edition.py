"""A toy edition kind for tests/unit/test_registry.py: the book as plain text, one file."""

from __future__ import annotations

from pathlib import Path

from pressroom.editions import Written
from pressroom.output import write_bytes
from pressroom.pandoc_ast import stringify


def write(context, edition, target: Path) -> Written:
    """Every chapter's title and text, a blank line between blocks."""
    lines = []
    for chapter in context.chapters(edition):
        lines.append(chapter.title.upper())
        lines += [stringify(block) for block in chapter.blocks]
    write_bytes(target, ("\n\n".join(lines) + "\n").encode("utf-8"))
    return Written(f"{len(lines)} blocks of plain text")
