"""One font program per face in a PDF merged from parts (pikepdf + fontTools).

Each part laid out alone embeds its own subset of every face it uses, so a 30-chapter book
carries 30 copies of the book face's common glyphs. WeasyPrint subsets with the original
glyph ids kept (and draws with Identity-H, code = CID = glyph id), so the parts' subsets of
one face differ only in which glyphs they hold: after the merge, each face is cut once more
from its original file to every glyph any part uses, and every part's font points at that
one program. Content streams are untouched.

A face's font dictionaries are merged into one where their ToUnicode maps and widths agree on
every glyph they share (text extraction and copy-paste read exactly what they read before);
a part that disagrees keeps its own dictionary, pointing at the shared program.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

# What WeasyPrint drops from the subsets it embeds (pdf/fonts.py): shaping is done, so the
# layout tables are dead weight in a PDF.
DROPPED_TABLES = ("GSUB", "GPOS", "SVG ", "BASE", "JSTF", "DSIG", "LTSH", "PCLT", "EBDT", "EBLC", "EBSC")
HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)

Subsetter = Callable[[Path, tuple[int, ...]], bytes]


@dataclass
class _Font:
    """One Type0 font dictionary of the PDF and what it maps."""

    font: object
    to_unicode: dict[int, str]
    widths: dict[int, float]
    places: list[tuple[object, str]] = field(default_factory=list)  # (resource /Font dict, name)


@dataclass
class _Cluster:
    """Fonts of one face that agree on every glyph they share: one dictionary in the output."""

    to_unicode: dict[int, str]
    widths: dict[int, float]
    members: list[_Font]

    def agrees(self, other: _Font) -> bool:
        return (all(self.to_unicode.get(g, t) == t for g, t in other.to_unicode.items())
                and all(self.widths.get(g, w) == w for g, w in other.widths.items()))

    def add(self, other: _Font) -> None:
        self.to_unicode.update(other.to_unicode)
        self.widths.update(other.widths)
        self.members.append(other)


def merge_faces(pdf, sources: Iterable[Path], subset: Subsetter | None = None) -> int:
    """Give each face of `pdf` one font program cut from its file among `sources`; return how
    many faces were merged. A face whose file is not found keeps its subsets as they are."""
    import pikepdf

    cut = subset or subset_gids
    faces: dict[tuple, dict[tuple[int, int], _Font]] = {}
    for holder, name, font in _font_places(pdf):
        key = _face_key(font)
        if key is None:
            continue
        entry = faces.setdefault(key, {}).get(font.objgen)
        if entry is None:
            descendant = font.DescendantFonts[0]
            entry = _Font(font, _to_unicode(font.ToUnicode.read_bytes()) if "/ToUnicode" in font else {},
                          _widths(descendant.get("/W")))
            faces[key][font.objgen] = entry
        entry.places.append((holder, name))
    index = None
    merged = 0
    for key, members in faces.items():
        fonts = list(members.values())
        programs = {_program(f.font)[1].objgen for f in fonts}
        if len(programs) < 2:
            continue
        if index is None:
            index = _source_index(sources)
        key_name, stream = _program(fonts[0].font)
        source = index.get(_identity(stream.read_bytes()))
        widths = {g: w for f in fonts for g, w in f.widths.items()}
        if source is None or not _widths_match(source, widths):
            continue
        gids = tuple(sorted({0} | set(widths) | {g for f in fonts for g in f.to_unicode}))
        data = cut(source, gids)
        extra = (pikepdf.Dictionary(Subtype=pikepdf.Name.OpenType) if data[:4] == b"OTTO"
                 else pikepdf.Dictionary(Length1=len(data)))
        program = pdf.make_stream(data, extra)
        descriptor = pdf.make_indirect(pikepdf.Dictionary(fonts[0].font.DescendantFonts[0].FontDescriptor))
        for other in ("/FontFile", "/FontFile2", "/FontFile3"):
            if other in descriptor:
                del descriptor[other]
        descriptor[key_name if data[:4] != b"OTTO" else "/FontFile3"] = program
        for cluster in _clusters(fonts):
            replacement = _font_dictionary(pdf, cluster, descriptor)
            for member in cluster.members:
                for holder, name in member.places:
                    holder[name] = replacement
        merged += 1
    return merged


def subset_gids(path: Path, gids: tuple[int, ...]) -> bytes:
    """The font at `path` cut to the glyph ids `gids`, ids kept, as WeasyPrint embeds a face."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                             hinting=False, desubroutinize=True, notdef_outline=True)
    options.drop_tables += list(DROPPED_TABLES)
    options.recalc_timestamp = False  # the same glyphs give the same bytes
    font = TTFont(str(path), recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=gids)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def resources_of(resources, seen: set):
    """A page's resource dictionary, then those of the forms and patterns it draws, each once."""
    if resources is None or (resources.is_indirect and resources.objgen in seen):
        return
    if resources.is_indirect:
        seen.add(resources.objgen)
    yield resources
    for group in ("/XObject", "/Pattern"):
        for item in (resources.get(group) or {}).values():
            if item.is_indirect and item.objgen in seen:
                continue
            if item.is_indirect:
                seen.add(item.objgen)
            if hasattr(item, "get") and "/Resources" in item:
                yield from resources_of(item.get("/Resources"), seen)


def _font_places(pdf):
    """(resource /Font dictionary, name, font) for every font of every page, form and pattern."""
    seen: set = set()
    for page in pdf.pages:
        for resources in resources_of(page.obj.get("/Resources"), seen):
            fonts = resources.get("/Font")
            if fonts is None or (fonts.is_indirect and fonts.objgen in seen):
                continue
            if fonts.is_indirect:
                seen.add(fonts.objgen)
            for name in list(fonts.keys()):
                yield fonts, name, fonts[name]


def _face_key(font) -> tuple | None:
    """What makes two font dictionaries the same face drawn the same way (None: not one we merge).

    WeasyPrint names a face by a hash of its Pango description, the same in every part.
    """
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    descendant = font.DescendantFonts[0]
    if descendant.get("/CIDToGIDMap", "/Identity") != "/Identity" or "/FontDescriptor" not in descendant:
        return None
    found = _program(font)
    if found is None:
        return None
    return (str(font.BaseFont), str(descendant.Subtype), found[0], str(found[1].get("/Subtype", "")))


def _program(font):
    """(key, stream) of the font's embedded program, or None."""
    descriptor = font.DescendantFonts[0].FontDescriptor
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            return key, descriptor[key]
    return None


def _identity(data: bytes | Path) -> tuple[str, str] | None:
    """A font program's PostScript name and version string (subsets keep the name table)."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        names = TTFont(io.BytesIO(data) if isinstance(data, bytes) else str(data), lazy=True)["name"]
    except (TTLibError, KeyError, AssertionError, ValueError, OSError):
        return None
    return names.getDebugName(6), names.getDebugName(5)


def _source_index(sources: Iterable[Path]) -> dict:
    """(PostScript name, version) → the first file among `sources` with it."""
    index: dict = {}
    for path in sources:
        try:
            found = _identity(path)  # the name table alone is read: the CJK fallback is 10 MB
        except OSError:
            continue
        if found is not None:
            index.setdefault(found, path)
    return index


def _widths_match(path: Path, widths: dict[int, float]) -> bool:
    """Whether the file's advance widths are the ones the PDF was drawn with: the right file."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    order, metrics, scale = font.getGlyphOrder(), font["hmtx"].metrics, 1000 / font["head"].unitsPerEm
    for gid, width in widths.items():
        if gid == 0:
            continue  # WeasyPrint gives .notdef the width of a missing character
        if gid >= len(order) or abs(metrics[order[gid]][0] * scale - width) > 1.5:
            return False
    return True


def _clusters(fonts: list[_Font]) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    for font in fonts:
        home = next((c for c in clusters if c.agrees(font)), None)
        if home is None:
            clusters.append(_Cluster(dict(font.to_unicode), dict(font.widths), [font]))
        else:
            home.add(font)
    return clusters


def _font_dictionary(pdf, cluster: _Cluster, descriptor):
    """A Type0 font like the cluster's first, with the shared program and the cluster's maps."""
    import pikepdf

    first = cluster.members[0].font
    descendant = pikepdf.Dictionary(first.DescendantFonts[0])
    descendant.FontDescriptor = descriptor
    descendant.W = _w_array(cluster.widths)
    font = pikepdf.Dictionary(first)
    font.DescendantFonts = pikepdf.Array([pdf.make_indirect(descendant)])
    if cluster.to_unicode:
        font.ToUnicode = pdf.make_stream(_cmap(cluster.to_unicode))
    return pdf.make_indirect(font)


def _to_unicode(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap: glyph id → text."""
    mapping: dict[int, str] = {}
    for block in BFCHAR.findall(data):
        values = HEX.findall(block)
        for code, text in zip(values[::2], values[1::2]):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be", "replace")
    for block in BFRANGE.findall(data):
        for low, high, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            base = int(start, 16)
            for offset in range(int(high, 16) - int(low, 16) + 1):
                mapping[int(low, 16) + offset] = chr(base + offset)
    return mapping


def _cmap(mapping: dict[int, str]) -> bytes:
    """A ToUnicode CMap in WeasyPrint's own form, glyphs in order."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(mapping.items())
    for start in range(0, len(items), 100):  # a bfchar block holds at most 100 entries
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>".encode() for gid, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _widths(array) -> dict[int, float]:
    """A CIDFont's /W array: glyph id → width."""
    widths: dict[int, float] = {}
    if array is None:
        return widths
    import pikepdf

    items, i = list(array), 0
    while i < len(items):
        first = int(items[i])
        following = items[i + 1]
        if isinstance(following, pikepdf.Array):
            for offset, width in enumerate(following):
                widths[first + offset] = float(width)
            i += 2
        else:
            for gid in range(first, int(following) + 1):
                widths[gid] = float(items[i + 2])
            i += 3
    return widths


def _w_array(widths: dict[int, float]):
    """/W from glyph id → width: runs of consecutive ids share one array."""
    import pikepdf

    out: list = []
    run: list = []
    start = previous = None
    for gid in sorted(widths):
        if previous is not None and gid == previous + 1:
            run.append(_number(widths[gid]))
        else:
            if run:
                out += [start, pikepdf.Array(run)]
            start, run = gid, [_number(widths[gid])]
        previous = gid
    if run:
        out += [start, pikepdf.Array(run)]
    return pikepdf.Array(out)


def _number(value: float):
    return int(value) if value == int(value) else value
