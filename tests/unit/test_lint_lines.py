"""Line warnings (L005 NFC, L006 mojibake, L007 GBK) are found by one pass over the whole text
first: each must still be found on its own line, whatever its neighbours, and clean text gives none."""

from pressroom.manuscript.lint import lint_text


def codes(text: str) -> list[tuple[str, int, int]]:
    return [(m.code, m.line, m.col) for m in lint_text(text, "ch.md")]


def test_clean_text_in_many_scripts_has_no_line_warning():
    assert codes("“Quoted” — café\n北朝鮮と中国\nשלום\n") == []


def test_mojibake_at_the_start_of_a_later_line_is_found():
    # ftfy's `^[ÃÂ][ ]` matches at a line's start, which a search over the whole text misses
    # unless it is told that lines begin after each line end (\r ones too).
    for end in ("\n", "\r\n", "\r"):
        assert ("L006", 2, 1) in codes(f"A clean line.{end}Ã was here{end}")


def test_each_line_warning_is_found_on_its_line():
    found = codes("fine\nCafe\u0301 open\nThe cafÃ© was\n鈥淗ello\n")
    assert ("L005", 2, 5) in found
    assert ("L006", 3, 7) in found
    assert ("L007", 4, 1) in found


def test_lint_kept_in_the_cache_gives_the_same_messages_without_linting_again(tmp_path, monkeypatch):
    from pressroom.cache import Store
    from pressroom.manuscript import lint

    store = Store(tmp_path / "cache")
    text = "fine\nThe cafÃ© was\n"
    first = lint.lint_kept(text, "ch.md", store)
    assert [(m.code, m.line) for m in first] == [("L006", 2)]

    def linted_again(*args, **kwargs):
        raise AssertionError("linted again")

    monkeypatch.setattr(lint, "lint_text", linted_again)
    assert lint.lint_kept(text, "ch.md", store) == first
    monkeypatch.undo()
    # Another text, or the same under another name, is linted afresh.
    assert lint.lint_kept(text + "Cafe\u0301\n", "ch.md", store)[-1].code == "L005"
    assert lint.lint_kept(text, "other.md", store)[0].path == "other.md"
