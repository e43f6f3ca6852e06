"""transform and walk, the two passes every stage makes over pandoc's AST, on a real shape of it."""

from __future__ import annotations

import copy

from pressroom.pandoc_ast import stringify, transform, walk

CITE = {"citationId": "smith", "citationPrefix": [{"t": "Str", "c": "see"}], "citationSuffix": [],
        "citationMode": {"t": "NormalCitation"}, "citationNoteNum": 1, "citationHash": 0}
BLOCKS = [
    {"t": "Header", "c": [2, ["sec", [], [["data-pos", "3:1-3:9"]]], [{"t": "Str", "c": "Method"}]]},
    {"t": "Div", "c": [["", [], [["data-pos", "5:1-7:1"]]], [
        {"t": "Para", "c": [{"t": "Emph", "c": [{"t": "Str", "c": "a"}, {"t": "Space"}, {"t": "Str", "c": "b"}]},
                            {"t": "Quoted", "c": [{"t": "DoubleQuote"}, [{"t": "Str", "c": "q"}]]},
                            {"t": "Cite", "c": [[CITE], [{"t": "Str", "c": "[@smith]"}]]}]}]]},
]


def test_transform_splices_lists_rebuilds_nodes_and_leaves_the_input_alone():
    before = copy.deepcopy(BLOCKS)
    seen = []

    def fn(node):
        seen.append(node["t"])
        if node["t"] == "Emph":
            return node["c"]  # spliced into the paragraph
        if node["t"] == "Str" and node["c"] == "q":
            return {"t": "Str", "c": "Q"}
        return None

    out = transform(BLOCKS, fn)
    assert BLOCKS == before  # a new tree: the old one is not touched
    para = out[1]["c"][1][0]["c"]
    assert [n["t"] for n in para] == ["Str", "Space", "Str", "Quoted", "Cite"]
    assert para[3]["c"] == [{"t": "DoubleQuote"}, [{"t": "Str", "c": "Q"}]]
    # bottom-up, the quote type (a node) visited; a citation's own dict is data, not walked into
    assert seen.index("Str") < seen.index("Emph") and "DoubleQuote" in seen
    assert seen.count("Str") == 5 and para[4]["c"][0][0] is CITE
    assert stringify(out) == "Methoda bQ[@smith]"


def test_walk_is_top_down_with_the_nearest_source_position():
    visited = []
    walk(BLOCKS, lambda node, pos: visited.append((node["t"], pos)))
    assert visited[:3] == [("Header", "3:1-3:9"), ("Str", "3:1-3:9"), ("Div", "5:1-7:1")]
    assert ("Emph", "5:1-7:1") in visited and ("DoubleQuote", "5:1-7:1") in visited
    assert [t for t, _ in visited].count("Str") == 5  # not the citation prefix's "see"


def test_transform_shares_what_it_leaves_and_changes_nothing_it_was_given():
    before = copy.deepcopy(BLOCKS)

    def fn(node):
        if node["t"] == "Header":
            node["seen"] = True  # a node of its own: this must not reach the tree given
        if node["t"] == "Str" and node["c"] == "q":
            return {"t": "Str", "c": "Q"}
        return None

    out = transform(BLOCKS, fn)
    assert BLOCKS == before
    assert out[0] is not BLOCKS[0] and out[0]["seen"]
    assert out[0]["c"][2] is BLOCKS[0]["c"][2] and out[0]["c"][1] is BLOCKS[0]["c"][1]  # no change below: shared
    quoted = out[1]["c"][1][0]["c"][1]
    assert quoted["c"][1] == [{"t": "Str", "c": "Q"}] and quoted["c"][1] is not BLOCKS[1]["c"][1][0]["c"][1]["c"][1]
    assert out[1]["c"][1][0]["c"][0]["c"] is BLOCKS[1]["c"][1][0]["c"][0]["c"]  # the Emph's words, untouched


def test_transform_without_a_change_returns_the_tree_it_was_given():
    assert transform(BLOCKS, lambda node: None) is BLOCKS


def test_kinds_prune_the_blocks_holding_none_of_a_passs_types_and_know_no_node_built_later():
    from pressroom.pandoc_ast import Kinds

    kinds = Kinds(BLOCKS)
    seen = []
    headers = kinds.prune("Header")
    walk(BLOCKS, lambda node, _pos: seen.append(node["t"]), prune=headers)
    assert seen == ["Header", "Str"]  # the Div holds no Header: never entered
    quoted = kinds.prune("Quoted")
    out = transform(BLOCKS, lambda node: {"t": "Str", "c": "Q"} if node["t"] == "Quoted" else None, quoted)
    assert out[0] is BLOCKS[0] and stringify(out[1]) == "a bQ[@smith]"
    # A copy holds what the original does, but Kinds knows nodes by identity: a copy is visited.
    copied = copy.deepcopy(BLOCKS)
    seen.clear()
    walk(copied, lambda node, _pos: seen.append(node["t"]), prune=headers)
    assert "Emph" in seen
