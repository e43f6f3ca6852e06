"""python-stdnum, the only place it is used: ISBN-13 check digits and hyphenation by the ISBN ranges.

python-stdnum carries the ISBN International ranges (RangeMessage.xml, refreshed with each of
its releases), so hyphens come from the agency's data, never from tables of ours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Checked:
    """An ISBN as read: its 13 digits and hyphenated form, or the reason it is refused."""

    digits: str | None = None
    hyphenated: str | None = None
    problem: str | None = None


def check(text: str) -> Checked:
    """Validate an ISBN-13 (hyphens and spaces allowed) and hyphenate it by the ISBN ranges."""
    from stdnum import ean, isbn
    from stdnum.exceptions import InvalidChecksum, ValidationError

    compact = isbn.compact(text)
    if len(compact) == 10:
        return Checked(problem=_isbn10(text, compact))
    try:
        digits = isbn.validate(text)
    except InvalidChecksum:
        right = ean.calc_check_digit(compact[:12])
        return Checked(problem=f"ISBN {text!r} has check digit {compact[-1]}, but its first twelve digits "
                       f"call for {right}: a digit is mistyped")
    except ValidationError as exc:
        return Checked(problem=f"{text!r} is not an ISBN-13: {_reason(exc)}")
    parts = isbn.split(digits)
    if not parts[2]:  # no registrant element: the range holding it is not assigned to anyone
        return Checked(problem=f"ISBN {text!r} falls in no registration range the ISBN agencies have assigned")
    return Checked(digits, isbn.format(digits))


def _isbn10(text: str, compact: str) -> str:
    from stdnum import isbn
    from stdnum.exceptions import ValidationError

    try:
        return (f"{text!r} is an ISBN-10: barcodes and ONIX need its 13-digit form, "
                f"{isbn.format(isbn.to_isbn13(isbn.validate(compact)))}")
    except ValidationError as exc:
        return f"{text!r} is not an ISBN: {_reason(exc)}"


def _reason(exc: Exception) -> str:
    return str(exc).rstrip(".").replace("The number", "it").replace("the number", "it")
