"""Justified lines holding Chinese or Japanese spread their slack between the ideographs too.

WeasyPrint 70.0 justifies only at spaces and no-break spaces (layout/inline.py,
count_expandable_spaces). A line of Chinese has few or none: a mixed line stretches its two or
three spaces very wide, and a line of Chinese alone is left short. CSS Text 3's `text-justify:
auto` also justifies between CJK characters; this patch does that: each Han, kana or CJK
punctuation character counts as one more opportunity, and when the line is drawn it gets the
same extra room as a space, as letter-spacing (Pango adds half before and half after the
character, only half at the two ends of a text, as WeasyPrint's own word spacing assumes).
Hangul is left out: Korean is justified at its spaces, as Latin is.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Han (with extensions and compatibility ideographs), kana, CJK symbols and punctuation, Bopomofo,
# full-width forms.
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf"
                 "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\U00020000-\U0003134f]")


def opportunities(text: str) -> int:
    """How many CJK characters of `text` take part of a justified line's slack."""
    return len(CJK.findall(text))


@lru_cache(maxsize=1)
def patch() -> None:
    """Count CJK characters as justification opportunities and space them when drawn."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    def count_expandable_spaces(box):
        if isinstance(box, boxes.TextBox):
            return box.text.count(" ") + box.text.count("\u00a0") + opportunities(box.text)
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            return sum(count_expandable_spaces(child) for child in box.children)
        return 0

    original = line_break.Layout.set_text

    def set_text(self, text, justify=False):
        original(self, text, justify)
        spacing = self.justification_spacing if justify else 0
        if not spacing or not CJK.search(self.text):
            return
        attrs = pango.pango_layout_get_attributes(self.layout)
        if attrs == ffi.NULL:
            attrs = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        data = self.text.encode()
        last = len(data)
        for match in CJK.finditer(self.text):
            start = len(self.text[:match.start()].encode())
            end = start + len(match.group().encode())
            factor = 1 + (start == 0 or end == last)
            # Letter-spacing here adds to (not replaces) the style's own.
            own = self.style["letter_spacing"]
            own = 0 if own == "normal" else own
            attr = pango.pango_attr_letter_spacing_new(int((own + factor * spacing) * TO_UNITS))
            attr.start_index, attr.end_index = start, end
            pango.pango_attr_list_change(attrs, attr)
        pango.pango_layout_set_attributes(self.layout, attrs)
        del data

    inline.count_expandable_spaces = count_expandable_spaces
    line_break.Layout.set_text = set_text
