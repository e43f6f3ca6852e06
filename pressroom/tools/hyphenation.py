"""Hyphenation dictionaries loaded once in the layout workers' fork server, not once per layout.

WeasyPrint hyphenates with Pyphen, which keeps each dictionary it reads in a cache of its own; a
layout worker is a fresh fork, so each one read the book's dictionary again (0.05 s a part, 1.5 s
of CPU over a 30-chapter book). `workers.warm` names the book's languages in WARM before it starts
the fork server, whose preload imports this module: the dictionaries read here are in every
worker forked after.
"""

from __future__ import annotations

import os

WARM = "PRESSROOM_HYPHENATION"  # the languages to load, space-separated BCP 47 tags


def load(languages: str) -> list[str]:
    """Read the dictionary of each language Pyphen knows into its cache; the ones loaded."""
    import pyphen

    loaded = []
    for language in languages.split():
        if pyphen.language_fallback(language.replace("-", "_")) is not None:
            pyphen.Pyphen(lang=language.replace("-", "_"))
            loaded.append(language)
    return loaded


load(os.environ.get(WARM, ""))
