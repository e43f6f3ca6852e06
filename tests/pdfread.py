"""Reading a built PDF back the way a reader sees it: pages, note calls, note bodies, contents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

CALL_MAX_SIZE = 8.0       # superscript call numbers are set at 65% of the 10.5 pt text
NOTE_SIZE = (8.0, 9.0)    # note bodies are 8.5 pt


@dataclass(frozen=True)
class NotesOnPages:
    """Calls and note bodies in reading order; the n-th call belongs to the n-th note."""

    calls: list[tuple[int, int]]          # (printed number, page) of each call mark
    bodies: list[tuple[int, int, str]]    # (printed number, page, first line) of each note

    def misplaced(self) -> list[tuple]:
        """Pairs whose number or page differ, and calls or notes left without a partner."""
        pairs = list(zip(self.calls, self.bodies))
        wrong = [(c, b) for c, b in pairs if (c[0], c[1]) != (b[0], b[1])]
        extra = self.calls[len(pairs):] + self.bodies[len(pairs):]
        return wrong + [(x,) for x in extra]


def lines_of(page) -> list[list[dict]]:
    """The page's characters grouped into lines (same baseline), left to right."""
    lines: dict[int, list[dict]] = {}
    for char in page.chars:
        lines.setdefault(round(char["bottom"]), []).append(char)
    return [sorted(chars, key=lambda c: c["x0"]) for _, chars in sorted(lines.items())]


def read_notes(path: Path) -> NotesOnPages:
    calls: list[tuple[int, int]] = []
    bodies: list[tuple[int, int, str]] = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            calls += [(int(run["text"]), number) for run in _call_runs(page.chars)]
            for line in lines_of(page):
                sizes = {round(c["size"], 1) for c in line}
                text = "".join(c["text"] for c in line)
                match = re.match(r"(\d+)\.\s*", text)
                if match and all(NOTE_SIZE[0] <= s <= NOTE_SIZE[1] for s in sizes):
                    bodies.append((int(match.group(1)), number, text[match.end():]))
    return NotesOnPages(calls, bodies)


def page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def headings(path: Path, min_size: float = 16.0) -> dict[int, str]:
    """Page → its large-type text (a chapter title, however many lines it takes)."""
    found: dict[int, str] = {}
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            large = [_spaced(line) for line in lines_of(page)
                     if line and min(c["size"] for c in line) >= min_size]
            if large:
                found[number] = " ".join(large)
    return found


def opening_page(path: Path, title: str) -> int:
    """The first page whose large type reads `title` (a drop cap may follow it)."""
    return next(page for page, text in headings(path).items() if text == title or text.startswith(title + " "))


def _spaced(line: list[dict]) -> str:
    """Join characters, putting back the spaces pdfplumber's chars leave out."""
    out, previous = "", None
    for char in line:
        if previous is not None and char["x0"] - previous["x1"] > char["size"] * 0.15:
            out += " "
        out += char["text"]
        previous = char
    return out.strip()


def loose_calls(path: Path) -> list[tuple[int, str]]:
    """Note calls not glued to the word before them (a line starting with a call): (page, number)."""
    loose = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for call in _call_runs(page.chars):
                before = [c for c in page.chars if c["x1"] <= call["x0"] + 0.1
                          and c["top"] < call["bottom"] and c["bottom"] > call["top"]]
                gap = call["x0"] - max((c["x1"] for c in before), default=-1e9)
                if gap > 0.5:
                    loose.append((number, call["text"]))
    return loose


def _call_runs(chars: list[dict]) -> list[dict]:
    """Each call number as one pseudo-character spanning its digits, in reading order."""
    digits = sorted((c for c in chars if c["size"] < CALL_MAX_SIZE and c["text"].isdigit()),
                    key=lambda c: (round(c["top"]), c["x0"]))
    runs: list[dict] = []
    for char in digits:
        last = runs[-1] if runs else None
        if last and abs(char["top"] - last["top"]) < 1 and char["x0"] - last["x1"] < 1.0:
            last.update(text=last["text"] + char["text"], x1=char["x1"])
        else:
            runs.append({k: char[k] for k in ("text", "x0", "x1", "top", "bottom")})
    return runs


def folio(path: Path, page_number: int) -> str:
    """The page number printed at the foot of a page ('' when there is none)."""
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[page_number - 1]
        trim = page.trimbox if hasattr(page, "trimbox") else page.bbox
        bottom = [c for c in page.chars if c["top"] > trim[1] + (trim[3] - trim[1]) * 0.9]
        return "".join(c["text"] for c in sorted(bottom, key=lambda c: c["x0"])).strip()


def placed_chars(path: Path) -> list[list[tuple[str, float, float, str]]]:
    """Per page, its size, then every character PDFium reads with its place (left, top, in points,
    rounded) and its font's name without the subset tag: what two PDFs must share to look the same. PDFium,
    not pdfplumber: a tenth of the time on a 60-page book (test_parts compares four of them)."""
    import ctypes

    import pypdfium2 as pdfium
    from pypdfium2 import raw

    document = pdfium.PdfDocument(str(path))
    name, flags = ctypes.create_string_buffer(256), ctypes.c_int()
    pages = []
    try:
        for page in document:
            text = page.get_textpage()
            chars = []
            for k in range(text.count_chars()):
                if raw.FPDFText_IsGenerated(text.raw, k):  # a space or line end PDFium adds
                    continue
                left, _bottom, _right, top = text.get_charbox(k)
                raw.FPDFText_GetFontInfo(text.raw, k, name, len(name), ctypes.byref(flags))
                chars.append((chr(raw.FPDFText_GetUnicode(text.raw, k)), round(left, 2), round(top, 2),
                              name.value.decode("latin-1").split("+")[-1]))
            width, height = page.get_size()
            pages.append([("page size", round(width, 2), round(height, 2), ""), *sorted(chars)])
    finally:
        document.close()
    return pages
