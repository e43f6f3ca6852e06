"""python-barcode, the only place it is used: the ISBN's EAN-13 and its EAN-5 price add-on, as SVG.

python-barcode encodes the EAN-13 (its guard bars marked); it has no add-on, so the EAN-5 is
composed here from its own L and G code tables and the add-on's parity rule (ISO/IEC 15420).
The SVG is drawn in modules (one module = one narrow bar) and sized in millimetres: bars are
rectangles, digits are text, so the printer gets vector art at any magnification.
"""

from __future__ import annotations

from dataclasses import dataclass

MODULE_MM = 0.33  # the nominal module: 100 % magnification
QUIET_LEFT, QUIET_RIGHT = 11, 7  # light margins of the EAN-13, in modules
BAR_HEIGHT = 69  # the EAN-13's bars (22.85 mm at 100 %), in modules
GUARD_EXTRA = 5  # guard bars run this much below the others, between the digits
DIGIT_SIZE = 8.5  # the human-readable digits' height, in modules
ADDON_GAP = 9  # between the EAN-13 and the add-on: 7 to 12 modules (ISO/IEC 15420)
ADDON_QUIET = 5
# The add-on's parity pattern by its checksum: L (set A) or G (set B) for each of its 5 digits.
ADDON_PARITY = ("BBAAA", "BABAA", "BAABA", "BAAAB", "ABBAA", "AABBA", "AAABB", "ABABA", "ABAAB", "AABAB")


@dataclass(frozen=True)
class Barcode:
    """The barcode as SVG text and its size in millimetres."""

    svg: str
    width_mm: float
    height_mm: float


def ean13(digits: str, addon: str | None = None, *, font: str = "sans-serif") -> Barcode:
    """The EAN-13 of `digits` (13, check digit included), with a 5-digit add-on when given."""
    import barcode

    modules = barcode.EAN13(digits, guardbar=True).build()[0]  # "G" marks a guard bar
    rects = _bars(modules, QUIET_LEFT, 0, BAR_HEIGHT, GUARD_EXTRA)
    text_y = BAR_HEIGHT + 1  # between the guard bars' longer ends
    texts = [_text(digits[0], QUIET_LEFT - 4, text_y, font)]
    texts += [_text(d, QUIET_LEFT + 3 + 7 * i + 3.5, text_y, font) for i, d in enumerate(digits[1:7])]
    texts += [_text(d, QUIET_LEFT + 50 + 7 * i + 3.5, text_y, font) for i, d in enumerate(digits[7:])]
    width = QUIET_LEFT + len(modules) + QUIET_RIGHT
    if addon:
        # The add-on's digits stand above its bars, which end level with the guard bars.
        left, top = QUIET_LEFT + len(modules) + ADDON_GAP, DIGIT_SIZE + 2
        add_modules = addon_modules(addon)
        rects += _bars(add_modules, left, top, BAR_HEIGHT + GUARD_EXTRA - top, 0)
        texts += [_text(d, left + 4 + 9 * i + 3.5, 0, font) for i, d in enumerate(addon)]
        width = left + len(add_modules) + ADDON_QUIET
    height = BAR_HEIGHT + DIGIT_SIZE + 3
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_mm(width)}mm" height="{_mm(height)}mm" '
           f'viewBox="0 0 {width} {height}"><rect width="{width}" height="{height}" fill="#fff"/>'
           f'<g fill="#000">{"".join(rects)}</g><g fill="#000" font-family="{font}" font-size="{DIGIT_SIZE * 1.3:g}"'
           f' text-anchor="middle">{"".join(texts)}</g></svg>')
    return Barcode(svg, _mm(width), _mm(height))


def addon_modules(addon: str) -> str:
    """The EAN-5 add-on's modules: start 1011, each digit in set A or B by the checksum's parity,
    digits parted by 01."""
    from barcode.charsets import ean

    if len(addon) != 5 or not addon.isdigit():
        raise ValueError(f"an EAN-5 add-on has five digits, not {addon!r}")
    values = [int(d) for d in addon]
    checksum = (3 * (values[0] + values[2] + values[4]) + 9 * (values[1] + values[3])) % 10
    codes = [ean.CODES[parity][value] for parity, value in zip(ADDON_PARITY[checksum], values)]
    return "1011" + "01".join(codes)


def _bars(modules: str, left: float, top: float, height: float, guard_extra: float) -> list[str]:
    """A rectangle per run of dark modules ("1", or "G" for a guard bar, which runs longer)."""
    from itertools import groupby

    rects, x = [], left
    for module, run in groupby(modules):
        count = len(list(run))
        if module != "0":
            extra = guard_extra if module == "G" else 0
            rects.append(f'<rect x="{x:g}" y="{top:g}" width="{count}" height="{height + extra:g}"/>')
        x += count
    return rects


def _text(digit: str, x: float, y: float, font: str) -> str:
    return f'<text x="{x:g}" y="{y + DIGIT_SIZE:g}">{digit}</text>'


def _mm(modules: float) -> float:
    return round(modules * MODULE_MM, 3)
