"""The text lint, the raw-HTML sanitiser and the limits as plain functions: what they let through."""

from __future__ import annotations

from pressroom.limits import check_json_nesting
from pressroom.manuscript.lint import lint_text
from pressroom.sanitize import clean_raw, second_layer, tokens, token_problem


def codes(text: str, markdown: bool = True) -> list[tuple[str, int, int]]:
    return [(m.code, m.line, m.col) for m in lint_text(text, "ch.md", markdown=markdown)]


def test_joiners_are_spelling_in_the_scripts_that_use_them():
    assert codes("می\u200cخواهم") == []                # Persian: ZWNJ inside a word
    assert codes("क्\u200dष") == []                    # Devanagari: ZWJ
    assert codes("👩\u200d💻") == []                    # an emoji sequence
    assert codes("a\u200db") == [("L003", 1, 2)]        # between Latin letters: hidden


def test_bidi_controls_are_allowed_in_every_kind_of_rtl_span():
    rtl = "\u2067\u05e9\u2069"
    assert codes(f"[{rtl}]{{dir=rtl}}") == []
    assert codes(f"::: {{dir=rtl}}\n{rtl}\n:::\n") == []
    assert codes(f'<span dir="rtl">{rtl}</span>') == []
    assert codes(f"[{rtl}]{{dir=ltr}}") == [("L002", 1, 2), ("L002", 1, 4)]
    assert codes(f"title: {rtl}", markdown=False) == [("L002", 1, 8), ("L002", 1, 10)]


def test_tag_characters_only_inside_a_flag():
    assert codes("\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F") == []  # Scotland
    assert codes("ok\U000E0041") == [("L003", 1, 3)]


def test_lines_are_counted_the_way_pandoc_counts_them():
    assert codes("a\r\nb\r\n\x00") == [("L001", 3, 1)]
    assert codes("a\rb\r\x00") == [("L001", 3, 1)]
    assert codes("x\u2028y") == [("L001", 1, 2)]


def test_clean_prose_in_many_scripts_is_quiet():
    text = ("It’s “quoted” — naïve café, ½, ﬁne.\nΕλληνικά, Русский, العربية, עברית, 日本語の文章, 한국어, हिन्दी.\n"
            "Ｆｕｌｌ width, ™, €, …")
    assert codes(text) == []


def test_raw_html_is_rebuilt_from_its_tokens():
    assert clean_raw('<sup class="a" onclick="x" align=right>2</sup>') == '<sup class="a">2</sup>'
    assert clean_raw("<br><hr/>") == "<br /><hr />"
    assert clean_raw('<td colspan=2 title="a&quot;b">x &amp; &lt;y</td>') == '<td colspan="2" title="a&quot;b">x &amp; &lt;y</td>'
    assert clean_raw("<font color=red>red</font><script>alert(1)</script>") == "redalert(1)"
    assert clean_raw('<span dir="sideways">x</span>') == "<span>x</span>"


def test_hostile_tokens_are_errors_and_harmless_ones_warnings():
    def judge(html: str):
        problem = token_problem(tokens(html)[0])
        return problem[:2] if problem else None

    assert judge("<script>") == ("error", "P001")
    assert judge('<span style="x">') == ("error", "P001")
    assert judge('<em onmouseover="x">') == ("error", "P001")
    assert judge('<b xmlns="http://www.w3.org/1999/xhtml">') == ("error", "P001")
    assert judge("<!-- note -->") is None  # dropped, as every Markdown renderer drops them
    assert judge("<?php x ?>") == ("error", "P001")
    assert judge('<td rowspan="999">') == ("error", "R002")
    assert judge("<font>") == ("warning", "P005")
    assert judge('<sup lang="fr" class="x">') is None


def test_the_second_layer_keeps_book_markup_and_drops_the_rest():
    html = ('<p id="a" class="b">x<sup>1</sup><!--pressroom-note:3--><a href="#n">n</a><a href="https://e.org/">e</a>'
            '<a href="javascript:x">j</a><img src="images/a.png" alt="a" onerror="x"><span style="x">s</span></p>')
    assert second_layer(html) == ('<p id="a" class="b">x<sup>1</sup><!--pressroom-note:3--><a href="#n">n</a>'
                                  '<a href="https://e.org/">e</a><a>j</a><img src="images/a.png" alt="a">'
                                  '<span>s</span></p>')


def test_json_nesting_is_measured_without_recursion():
    import pytest

    from pressroom.messages import BuildError

    check_json_nesting("[" * 300 + "]" * 300, "ch.md")
    with pytest.raises(BuildError):
        check_json_nesting("[" * 100_000 + "]" * 100_000, "ch.md")
