"""ICU (PyICU, from the pyicu-wheels package): collation and index letter groups by the book's language."""

from __future__ import annotations

from typing import Callable


def _icu():
    import icu

    return icu


def sort_key(language: str) -> Callable[[str], bytes]:
    """The collation key of a text by the rules of `language` (BCP 47): CLDR's, not ours."""
    icu = _icu()
    collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(language))
    return collator.getSortKey


def group_labels(language: str, terms: list[str]) -> dict[str, str]:
    """Each term's letter group ("A", "É" under "E", "ㄱ" for Hangul in ICU's data), or "" for
    symbols and numbers. The language's alphabet, plus the alphabets of the scripts the terms use."""
    icu = _icu()
    index = icu.AlphabeticIndex(icu.Locale.forLanguageTag(language))
    scripts = {icu.Script.getScript(term[0]).getShortName() for term in terms if term}
    for script in sorted(scripts - {"Zyyy", "Zinh", "Zzzz", "Latn"}):
        # The usual language of that script (und-Hang → ko), from CLDR's likely subtags.
        likely = icu.Locale.forLanguageTag(f"und-{script}").addLikelySubtags()
        index.addLabels(icu.Locale(likely.getLanguage()))
    built = index.buildImmutableIndex()
    labels = {}
    for term in terms:
        label, kind = built.getBucket(built.getBucketIndex(term))
        labels[term] = label if kind == 0 else ""  # 0: a letter; else under-, in- or overflow
    return labels
