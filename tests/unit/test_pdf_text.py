"""editions/pdf.py's text passes that WeasyPrint needs help with."""

from pressroom.editions.pdf import keep_hangul_words


def test_each_korean_word_is_kept_whole_and_attributes_are_left_alone():
    html = '<span lang="ko" title="민생단">민생단</span>, 김 and 金日成'
    assert keep_hangul_words(html) == ('<span lang="ko" title="민생단"><span class="hangul-word">민생단</span></span>, '
                                       "김 and 金日成")
