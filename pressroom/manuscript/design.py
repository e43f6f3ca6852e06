"""The page design of the PDFs in one place: styles/design.yaml, the book's own over ours.

pdf.css reads it as CSS variables, page_geometry as the page's size and margins, `check` to
know a note or a heading when it reads a PDF back, the stamp to fit between the margins, the
parallel layout to know which margin box holds the folio. A designer changes a size here (or
in the book's styles/design.yaml) and every one of them follows.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from ..messages import BuildError, error
from ..model import FOLIO_PLACES, CoverData, Design
from ..theme import STYLES, Theme
from .sources import Node, load_yaml, read_text


def load_design(theme: Theme) -> Design:
    """Our styles/design.yaml, then the book's over it; a bad value is an error at its line."""
    values: dict = {}
    problems: list = []
    for folder in reversed(theme.style_dirs):
        path = folder / "design.yaml"
        if path.is_file():
            values.update(_read(path, theme.shown(path), problems))
    missing = sorted(set(NAMES.values()) - set(values))
    if missing:  # our own file lacks a key: a packaging mistake, named as such
        problems.append(error("B002", theme.shown(STYLES / "design.yaml"), 0, 0,
                              f"missing {', '.join(m.replace('_', '-') for m in missing)}"))
    if problems:
        raise BuildError(problems)
    return Design(**values)


NAMES = {f.name.replace("_", "-"): f.name for f in fields(Design)}


def _read(path: Path, shown: str, problems: list) -> dict:
    root = load_yaml(read_text(path, shown), shown)
    if not isinstance(root.value, dict):
        problems.append(error("B003", shown, root.line, root.col, "design.yaml must map names to values"))
        return {}
    changes = {}
    for key, node in root.value.items():
        name = NAMES.get(key)
        if name is None:
            problems.append(error("B001", shown, node.line, node.col, f"unknown key '{key}' in design.yaml "
                                  f"(allowed: {', '.join(sorted(NAMES))})"))
            continue
        value = _value(name, node, shown, problems)
        if value is not _BAD:
            changes[name] = value
    return changes


_BAD = object()


def _value(name: str, node: Node, shown: str, problems: list):
    text = node.value if isinstance(node.value, str) else None
    if name in ("folio", "contents_title", "notes_title"):
        if text is None or (name == "folio" and text not in FOLIO_PLACES):
            allowed = f"one of {', '.join(FOLIO_PLACES)}" if name == "folio" else "a text"
            problems.append(error("B004", shown, node.line, node.col, f"'{name.replace('_', '-')}' must be {allowed}"))
            return _BAD
        return text
    if name == "text_size" and text == "auto":
        return None
    try:
        number = float(text or "")
    except ValueError:
        number = -1.0
    limit = 1.0 if name in ("gutter", "outer", "top", "bottom", "call_scale") else \
        2400.0 if name == "image_resolution" else 200.0
    if not 0 < number < limit:
        problems.append(error("B004", shown, node.line, node.col,
                              f"'{name.replace('_', '-')}' must be a number between 0 and {limit:g}, not {text!r}"))
        return _BAD
    return number



def load_cover_data() -> CoverData:
    """Our styles/cover.yaml: paper stocks, the cover's bleed, the languages lettering spines upwards."""
    path = STYLES / "cover.yaml"
    shown = str(path)
    root = load_yaml(read_text(path, shown), shown)
    try:
        values = {key: node.value for key, node in root.value.items()}
        papers = {name: float(node.value) for name, node in values["papers"].items()}
        upwards = tuple(node.value for node in values["spine-upwards"])
        data = CoverData(papers, values["default-paper"], values["bleed"], upwards)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a packaging mistake, named as such
        raise BuildError([error("B003", shown, 0, 0, f"cover.yaml is malformed: {exc!r}")]) from None
    if data.default_paper not in papers:
        raise BuildError([error("B003", shown, 0, 0, f"default-paper {data.default_paper!r} is not among the papers")])
    return data
