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
    calls: dict[int, list[int]]   # note number → pages where its call mark is printed
    bodies: dict[int, list[int]]  # note number → pages where a note starting "N." is printed
    body_text: dict[int, str]     # note number → the text of its first line


def lines_of(page) -> list[list[dict]]:
    """The page's characters grouped into lines (same baseline), left to right."""
    lines: dict[int, list[dict]] = {}
    for char in page.chars:
        lines.setdefault(round(char["bottom"]), []).append(char)
    return [sorted(chars, key=lambda c: c["x0"]) for _, chars in sorted(lines.items())]


def read_notes(path: Path) -> NotesOnPages:
    calls: dict[int, list[int]] = {}
    bodies: dict[int, list[int]] = {}
    text: dict[int, str] = {}
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for line in lines_of(page):
                _calls_in(line, number, calls)
                sizes = {round(c["size"], 1) for c in line}
                line_text = "".join(c["text"] for c in line)
                match = re.match(r"(\d+)\.\s*", line_text)
                if match and all(NOTE_SIZE[0] <= s <= NOTE_SIZE[1] for s in sizes):
                    bodies.setdefault(int(match.group(1)), []).append(number)
                    text[int(match.group(1))] = line_text[match.end():]
    return NotesOnPages(calls, bodies, text)


def _calls_in(line: list[dict], page: int, calls: dict[int, list[int]]) -> None:
    """Small digits set close together make one call number; raised calls share a 'line'."""
    run, previous = "", None
    for char in line + [{"text": " ", "size": 99, "x0": 1e9, "x1": 1e9}]:
        is_call_digit = char["size"] < CALL_MAX_SIZE and char["text"].isdigit()
        adjacent = previous is not None and char["x0"] - previous["x1"] < 1.0
        if run and not (is_call_digit and adjacent):
            calls.setdefault(int(run), []).append(page)
            run = ""
        if is_call_digit:
            run += char["text"]
        previous = char


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
    """The first page whose large type reads `title`."""
    return next(page for page, text in headings(path).items() if text == title)


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
            text = [c for c in page.chars if c["size"] >= CALL_MAX_SIZE]
            for call in _call_runs(page.chars):
                before = [c for c in text if c["x1"] <= call["x0"] + 0.1
                          and c["top"] < call["bottom"] and c["bottom"] > call["top"]]
                gap = call["x0"] - max((c["x1"] for c in before), default=-1e9)
                if gap > 0.5:
                    loose.append((number, call["text"]))
    return loose


def _call_runs(chars: list[dict]) -> list[dict]:
    """Each call number as one pseudo-character spanning its digits."""
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
