"""The UTF-8-read-as-GBK repair: exact repairs, inferred lost bytes, and genuine CJK left alone."""

from __future__ import annotations

import pytest

from pressroom.manuscript.repair import Repair, repair_gbk_mojibake


def damage(text: str, errors: str = "ignore") -> str:
    """What the sender's software did: UTF-8 bytes decoded as GBK, unpairable bytes dropped."""
    return text.encode("utf-8").decode("gbk", errors=errors)


def repaired(text: str) -> str:
    return repair_gbk_mojibake(text)[0]


@pytest.mark.parametrize("damaged, expected", [
    ("President Carter鈥檚 team", "President Carter’s team"),
    ("over its prot茅g茅 to influence", "over its protégé to influence"),
    ("鈥淧eople", "“People"),
    ("believed鈥攊ncorrectly鈥攖o be", "believed—incorrectly—to be"),
    ("Cr猫me br没l茅e in Z眉rich", "Crème brûlée in Zürich"),
])
def test_exact_repairs(damaged: str, expected: str) -> None:
    text, repairs = repair_gbk_mojibake(damaged)
    assert text == expected
    assert repairs and not any(r.inferred for r in repairs)


def test_exact_repair_records_original_and_replacement() -> None:
    _, repairs = repair_gbk_mojibake("Carter鈥檚")
    assert repairs == [Repair(line=1, col=7, original="鈥檚", replacement="’s", inferred=False,
                              context="Carter’s")]


def test_open_quote_is_closed_where_the_last_byte_was_lost() -> None:
    text, repairs = repair_gbk_mojibake("called the 鈥淧eople鈥檚 Livelihood Corp鈥 or Minsaengdan.")
    assert text == "called the “People’s Livelihood Corp” or Minsaengdan."
    [inferred] = [r for r in repairs if r.inferred]
    assert (inferred.original, inferred.replacement) == ("鈥", "”")
    assert inferred.col == len("called the 鈥淧eople鈥檚 Livelihood Corp") + 1
    assert "Corp” or" in inferred.context


@pytest.mark.parametrize("damaged, expected", [
    ("the Korean Workers鈥 Party (KWP)", "the Korean Workers’ Party (KWP)"),
    ("get Beijing to do the US鈥 bidding.", "get Beijing to do the US’ bidding."),
    ("the concept 鈥淛uche,鈥 a term", "the concept “Juche,” a term"),
    ("the 1950鈥1953 Korean War", "the 1950–1953 Korean War"),
    ("a pause 鈥 then more", "a pause — then more"),
    ("鈥1950鈥 was the year", "“1950” was the year"),
    ("she said, 鈥榥o鈥 and left", "she said, ‘no’ and left"),
    ("He said 鈥渘o.鈥 Then", "He said “no.” Then"),
])
def test_lost_final_byte_is_inferred_from_context(damaged: str, expected: str) -> None:
    text, repairs = repair_gbk_mojibake(damaged)
    assert text == expected
    assert any(r.inferred for r in repairs)


def test_possessive_inside_a_quote_that_closes_later_is_an_apostrophe() -> None:
    assert repaired(damage("the “Korean Workers’ Party” congress")) == "the “Korean Workers’ Party” congress"


def test_quote_state_is_per_paragraph() -> None:
    # The quote opened on line 1 is never closed there; it must not turn line 2's apostrophe into ”.
    text = "He cited 鈥淎 Study and more\nthe Workers鈥 Party met"
    assert repaired(text).splitlines()[1] == "the Workers’ Party met"


@pytest.mark.parametrize("sentence", [
    "“People’s Livelihood Corp” or Minsaengdan",
    "others—all former allies of North Korea—provide",
    "Protégé allies, a naïve café, résumé",
    "the PRC—just one year after coming to power—fought",
    "“Information on the Situation in the DPRK,” April, 1955",
    "titled, “The North Korea Instability Project.” .",
    "你好，世界！",
])
def test_damage_then_repair_gives_the_original(sentence: str) -> None:
    assert repaired(damage(sentence)) == sentence


def test_replacement_character_left_for_the_lost_byte_is_consumed() -> None:
    damaged = damage("the “traitor,” and", errors="replace")
    assert "\ufffd" in damaged
    assert repaired(damaged) == "the “traitor,” and"


@pytest.mark.parametrize("genuine", [
    "中文测试",
    "白茅根是一种中药。",
    "the character 茅 means thatch",
    "中文 鈥 中文",
    "我爱北京天安门",
    "白茅Imperata cylindrica",  # 茅 is é in UTF-8 and touches a Latin letter, but sits in Chinese
])
def test_genuine_cjk_is_left_alone(genuine: str) -> None:
    assert repair_gbk_mojibake(genuine) == (genuine, [])


def test_cjk_next_to_repaired_text_is_kept() -> None:
    assert repaired("中文测试 and President Carter鈥檚 team") == "中文测试 and President Carter’s team"


def test_genuine_typography_beside_damage_is_kept() -> None:
    assert repaired("Protégé鈥檚 “view”") == "Protégé’s “view”"


def test_unrepairable_damage_is_left_untouched() -> None:
    # Bytes lost in the middle of Chinese words: nothing valid to decode, so nothing is guessed.
    damaged = damage("中文（测试）。")
    assert repair_gbk_mojibake(damaged) == (damaged, [])


def test_lone_lead_before_a_letter_is_not_a_lost_byte() -> None:
    # A letter is a valid GBK trail byte: the decoder would have paired it, so 鈥 here is no loss.
    assert repaired("Carter鈥檚 鈥A") == "Carter’s 鈥A"


def test_positions_are_one_based_in_the_damaged_text() -> None:
    text = "Line one.\nIts prot茅g茅 and the Workers鈥 Party.\n鈥淨uote鈥 end"
    _, repairs = repair_gbk_mojibake(text)
    found = [(r.line, r.col, r.original, r.replacement, r.inferred) for r in repairs]
    assert found == [
        (2, 9, "茅", "é", False),
        (2, 11, "茅", "é", False),
        (2, 28, "鈥", "’", True),
        (3, 1, "鈥淨", "“Q", False),
        (3, 7, "鈥", "”", True),
    ]
    lines = text.split("\n")
    assert all(lines[line - 1][col - 1:].startswith(original) for line, col, original, _, _ in found)


def test_context_is_repaired_and_about_thirty_characters() -> None:
    text = "x" * 40 + " the Korean Workers鈥 Party met in 1980 " + "y" * 40
    [repair] = repair_gbk_mojibake("Carter鈥檚 " + text)[1][1:]
    assert "Workers’ Party" in repair.context
    assert "鈥" not in repair.context
    assert 25 <= len(repair.context.strip("…")) <= 35
