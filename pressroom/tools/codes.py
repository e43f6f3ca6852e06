"""pycountry, the only place it is used: ISO country, currency and language codes as data.

ONIX names languages by ISO 639-2/B ("ger", not "deu"), countries by ISO 3166-1 and prices by
ISO 4217; pycountry carries those standards' tables (Debian's iso-codes), so none is typed here.
"""

from __future__ import annotations


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code (upper case)."""
    import pycountry

    return code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def is_currency(code: str) -> bool:
    """Whether `code` is an ISO 4217 currency code (upper case)."""
    import pycountry

    return code.isupper() and pycountry.currencies.get(alpha_3=code) is not None


def onix_language(tag: str) -> str | None:
    """The ISO 639-2/B code ONIX wants for a BCP 47 tag's language ("en-US" → "eng"), or None."""
    import pycountry

    primary = tag.split("-")[0].lower()
    found = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else pycountry.languages.get(alpha_3=primary)
    if found is None or not hasattr(found, "alpha_3"):
        return None
    return getattr(found, "bibliographic", found.alpha_3)
