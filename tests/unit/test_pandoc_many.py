"""Many texts read by pandoc in a few processes at once: each answer is its own text's, in order."""

from __future__ import annotations

import json

from pressroom.pandoc_ast import stringify, walk
from pressroom.tools.pandoc import batches, read_markdown_many


def test_batches_are_balanced_ordered_and_cover_every_text():
    groups = batches([5, 1, 1, 1, 9, 3], 2)
    assert sorted(i for b in groups for i in b) == list(range(6)) and all(b == sorted(b) for b in groups)
    assert sorted(sum([5, 1, 1, 1, 9, 3][i] for i in b) for b in groups) == [10, 10]
    assert batches([3], 4) == [[0]]


def test_each_answer_is_its_own_texts_with_its_own_note():
    # Lengths unequal on purpose, so the batches interleave the texts' order.
    texts = [f"# Title {i}\n\n{'word ' * (200 * (7 - i))}call[^a]\n\n[^a]: note {i}\n" for i in range(7)]
    answers = [json.loads(a)["blocks"] for a in read_markdown_many(texts, [f"ch{i}.md" for i in range(7)])]
    for i, blocks in enumerate(answers):
        assert stringify(blocks[0]) == f"Title {i}"
        notes = []
        walk(blocks, lambda node, _pos: notes.append(node) if node["t"] == "Note" else None)
        assert [stringify(n["c"]) for n in notes] == [f"note {i}"]  # its own definition of [^a], no other's
        assert stringify(blocks[1]).count("word") == 200 * (7 - i)
