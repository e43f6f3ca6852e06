"""The word joiner: typography beside a dash or a space, a hidden word-splitter between letters."""

from pressroom.manuscript.lint import lint_text


def codes(text: str) -> list[tuple[str, int, int]]:
    return [(m.code, m.line, m.col) for m in lint_text(text, "ch.md")]


def test_a_word_joiner_before_a_dash_or_after_a_stop_passes():
    # As Standard Ebooks set them: "word\u2060—", "Mr.\u2060\u200a" (hair space).
    assert codes("It was life\u2060—and more.\nMr.\u2060\u200aJames\n") == []


def test_a_word_joiner_inside_a_word_is_refused_at_its_place():
    assert codes("pass\u2060word\n") == [("L003", 1, 5)]
