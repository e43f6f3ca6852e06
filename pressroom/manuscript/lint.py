"""Text lint: what the characters of a manuscript file may not hide. It reports; it never rewrites.

Errors: control characters (NUL, C0 other than tab and line ends, DEL, C1, line and paragraph
separators) and Unicode noncharacters; bidirectional controls outside a span marked right-to-left (`[…]{dir=rtl}`, a
`::: {dir=rtl}` div, or raw `<span dir="rtl">`), which can make text read differently from how
it is stored (Trojan Source, CVE-2021-42574); invisible characters (zero-width space, word
joiner between letters or digits, invisible operators, tag characters, and zero-width joiners
between Latin letters). A word joiner beside punctuation or a space is typography (no line
break here, as Standard Ebooks set it before a dash) and passes.

Warnings: a byte-order mark inside the text (files were concatenated), text not in Unicode NFC
(headings then get ids that cross-references miss), mojibake (UTF-8 read as Latin-1 or
cp1252, found by ftfy's badness heuristic; or as GBK: runs of 鈥, 锛, 銆), U+FFFD.

Nothing here runs ftfy's fixers on a manuscript: `fix_text` uncurls quotes, splits ligatures
and narrows full-width forms (RELIABILITY.md F9). A suggested repair is only shown.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import lru_cache

from ..messages import Message, error, warning

CONTROL_NAMES = {0: "NULL", 0x7F: "DELETE", 0x85: "NEXT LINE", 0x2028: "LINE SEPARATOR",
                 0x2029: "PARAGRAPH SEPARATOR", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED",
                 0x1B: "ESCAPE", 0x08: "BACKSPACE", 0x07: "BELL"}
BIDI_CONTROLS = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}
JOINERS = {0x200C, 0x200D}
INVISIBLE = {0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x180E, 0x3164, 0xFFA0, 0x115F, 0x1160}
TAGS = range(0xE0000, 0xE0080)
BLACK_FLAG = 0x1F3F4  # emoji subdivision flags are U+1F3F4 followed by tag characters

SUSPICIOUS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        "\u200b-\u200f\u061c\u2060-\u2064\ufeff\ufffd\u180e\u3164\uffa0\u115f\u1160"
                        "\U000e0000-\U000e007f\ufdd0-\ufdef\ufffe\uffff]")
LINE_END = re.compile(r"\r\n|\r|\n")
# Right-to-left spans, as Markdown bracketed spans, fenced divs or raw HTML.
RTL_SPAN = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\{[^{}\n]*\bdir=[\"']?rtl\b[^{}\n]*\}")
RTL_DIV = re.compile(r"^(:{3,})[ \t]*\{[^{}\n]*\bdir=[\"']?rtl\b[^{}\n]*\}[ \t]*$(.*?)^\1[ \t]*$", re.M | re.S)
RTL_HTML = re.compile(r"<(span|bdi|bdo|div|p|q|blockquote)\b[^>]*\bdir\s*=\s*[\"']?rtl\b[^>]*>(.*?)</\1\s*>",
                      re.I | re.S)
GBK_MARKERS = re.compile("[鈥锛銆]")
LINTS = "lint"  # cache kind: a file's lint messages, by its text


@lru_cache(maxsize=1)
def _lint_version() -> str:
    """Our code and ftfy's version, asked once a run: importlib.metadata takes a millisecond a file."""
    from importlib import metadata

    from ..cache import code_digest, digest

    return digest(code_digest(), metadata.version("ftfy"))


def lint_kept(text: str, shown: str, store, **options) -> list[Message]:
    """`lint_text`, kept in the build cache `store` (None: none) by the text and its name: ftfy's
    mojibake search alone took a quarter of a second over a 300-page book on every build."""
    if store is None:
        return lint_text(text, shown, **options)
    from dataclasses import astuple

    from ..cache import digest

    key = digest(_lint_version(), shown, repr(sorted(options.items())), text)
    found = store.read_json(LINTS, key)
    if isinstance(found, list):
        return [Message(*message) for message in found]
    messages = lint_text(text, shown, **options)
    store.write_json(LINTS, key, [list(astuple(m)) for m in messages])
    store.prune(LINTS)
    return messages


def lint_text(text: str, shown: str, *, first_line: int = 1, markdown: bool = True) -> list[Message]:
    """Every character-level problem of `text` (a whole file, or part of one starting at `first_line`)."""
    starts = [0] + [m.end() for m in LINE_END.finditer(text)]
    rtl = _rtl_ranges(text) if markdown else []
    messages: list[Message] = []

    def where(offset: int) -> tuple[str, int, int]:
        index = bisect.bisect_right(starts, offset) - 1
        return shown, first_line + index, offset - starts[index] + 1

    for match in SUSPICIOUS.finditer(text):
        offset = match.start()
        problem = _char_problem(text, offset, rtl)
        if problem:
            severity, code, message = problem
            messages.append((error if severity == "error" else warning)(code, *where(offset), message))
    if not _may_have_line_problems(text):
        return messages
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        line = LINE_END.sub("", text[start:end])
        messages.extend(_line_problems(line, shown, first_line + index))
    return messages


def _may_have_line_problems(text: str) -> bool:
    """Whether any line could give a warning of `_line_problems`: one pass over the whole text
    instead of one per line, which cost a quarter of a second per build of a long book."""
    if text.isascii():
        return False
    from ftfy.badness import BADNESS_RE

    # Line by line, ftfy's `^` matches at each line start: in the whole text only with MULTILINE.
    any_line = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.M)
    return (not unicodedata.is_normalized("NFC", text) or GBK_MARKERS.search(text) is not None
            or any_line.search(LINE_END.sub("\n", text)) is not None)


def _between_word_characters(text: str, offset: int) -> bool:
    """Whether the character at `offset` sits between two letters or digits, where an invisible
    one splits a word for search and hides it from a reader."""
    before, after = text[offset - 1: offset], text[offset + 1: offset + 2]
    return bool(before and after and before.isalnum() and after.isalnum())


def _char_problem(text: str, offset: int, rtl: list[tuple[int, int]]) -> tuple[str, str, str] | None:
    char = text[offset]
    code = ord(char)
    name = f"U+{code:04X} {_name(char)}"
    if code in BIDI_CONTROLS:
        if any(start <= offset < end for start, end in rtl):
            return None
        return ("error", "L002", f"{name} outside a right-to-left span: it can make text read differently "
                "from how it is stored; mark the passage [like this]{dir=rtl}")
    if code == 0xFEFF:
        return ("warning", "L004", f"{name} (byte-order mark) inside the text: were two files joined?")
    if code == 0xFFFD:
        return ("warning", "L006", f"{name}: something was lost when this text was decoded")
    if code in JOINERS:
        if _joins_script(text, offset):
            return None
        return ("error", "L003", f"invisible {name} between characters that need no joining")
    if code == 0x2060 and not _between_word_characters(text, offset):
        return None  # a word joiner beside a dash or a space keeps the line from breaking there
    if code in INVISIBLE:
        return ("error", "L003", f"invisible {name}: write it as &#x{code:X}; if it is meant")
    if code in TAGS:
        if _in_flag(text, offset):
            return None
        return ("error", "L003", f"invisible {name} (a tag character can smuggle hidden text)")
    if 0xFDD0 <= code <= 0xFDEF or code in (0xFFFE, 0xFFFF):
        return ("error", "L001", f"noncharacter U+{code:04X}: it has no meaning in a text (Pressroom uses "
                "these internally)")
    return ("error", "L001", f"control character {name}")


def _name(char: str) -> str:
    return CONTROL_NAMES.get(ord(char)) or unicodedata.name(char, "CONTROL CHARACTER")


def _joins_script(text: str, offset: int) -> bool:
    """ZWJ/ZWNJ are spelling in Arabic, Persian, Indic scripts and emoji sequences, not in Latin text."""
    neighbours = [text[i] for i in (offset - 1, offset + 1) if 0 <= i < len(text)]
    return any(ord(c) >= 0x0590 and (c.isalpha() or unicodedata.category(c) in ("Mn", "Mc", "So", "Sk"))
               for c in neighbours)


def _in_flag(text: str, offset: int) -> bool:
    index = offset
    while index > 0 and ord(text[index - 1]) in TAGS:
        index -= 1
    return index > 0 and ord(text[index - 1]) == BLACK_FLAG


def _rtl_ranges(text: str) -> list[tuple[int, int]]:
    ranges = [(m.start(1), m.end(1)) for m in RTL_SPAN.finditer(text)]
    ranges += [(m.start(2), m.end(2)) for m in RTL_DIV.finditer(text)]
    ranges += [(m.start(2), m.end(2)) for m in RTL_HTML.finditer(text)]
    return ranges


def _line_problems(line: str, shown: str, number: int) -> list[Message]:
    messages = []
    col, what = _first_non_nfc(line)
    if col:
        messages.append(warning("L005", shown, number, col, f"text is not in Unicode NFC ({what}): "
                                "headings and cross-references may not match; save the file as NFC"))
    gbk = GBK_MARKERS.search(line)
    if gbk:
        messages.append(warning("L007", shown, number, gbk.start() + 1,
                                f"{line[gbk.start():gbk.start() + 8]!r} looks like UTF-8 read as GBK: "
                                "`build.py import` repairs such text"))
    bad = _mojibake(line)
    if bad:
        messages.append(warning("L006", shown, number, bad[0], bad[1]))
    return messages


def _first_non_nfc(line: str) -> tuple[int, str]:
    """1-based column of the first character NFC would change, and what it would become ((0, '') if none)."""
    if line.isascii() or unicodedata.is_normalized("NFC", line):
        return 0, ""
    for index, char in enumerate(line):
        if unicodedata.normalize("NFC", char) != char:
            return index + 1, f"U+{ord(char):04X} {_name(char)} would become {unicodedata.normalize('NFC', char)!r}"
        if unicodedata.combining(char) and index:
            pair = line[index - 1: index + 1]
            if unicodedata.normalize("NFC", pair) != pair:
                return index + 1, (f"{pair[0]!r} + U+{ord(char):04X} {_name(char)} would become "
                                   f"{unicodedata.normalize('NFC', pair)!r}")
    return 1, "the line would change"


def _mojibake(line: str) -> tuple[int, str] | None:
    if line.isascii():
        return None
    from ftfy import fix_encoding
    from ftfy.badness import BADNESS_RE, is_bad

    if not is_bad(line):
        return None
    match = BADNESS_RE.search(line)
    start = match.start() if match else 0
    snippet = line[max(0, start - 10): start + 20]
    fixed = fix_encoding(snippet)
    hint = f" (perhaps {fixed!r})" if fixed != snippet else ""
    return start + 1, f"{snippet!r} looks like mojibake: text decoded with the wrong encoding{hint}"
