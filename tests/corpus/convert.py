#!/usr/bin/env python3
"""Mechanical converters: real third-party books → Pressroom manuscripts.

Each sub-command reads a folder holding the original files of one book (a checkout of
its repository at the commit named in tests/corpus/README.md) and writes a manuscript
under tests/corpus/<slug>/ (book.yaml, chapters/NN-name.md, images/, and whatever else
the source needs). The converters change only the *container*: files, front matter,
where images live, links between chapter files. The text and its markup (notes, math,
citations, code cells, template tags, admonitions, …) are kept as the source writes
them, so that a build shows how Pressroom copes with real books. Nothing is edited by
hand after a run.

    python tests/corpus/convert.py standard-ebooks SRC --out DIR --files preface chapter-1 …
    python tests/corpus/convert.py d2l SRC --out DIR --files chapter_x/y.md …
    python tests/corpus/convert.py honkit SRC --out DIR --files basic/x/README.md …

Only stdlib, PyYAML and pypandoc (for Standard Ebooks' XHTML → Markdown).
"""
from __future__ import annotations

import argparse
import configparser
import json
import posixpath
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

# ------------------------------------------------------------------ shared writing


def dump_yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)


def front_matter(fields: dict) -> str:
    return "---\n" + dump_yaml(fields) + "---\n"


class Book:
    """What a converter collects; `write` lays it out in the manuscript format."""

    def __init__(self, out: Path):
        self.out = out
        self.meta: dict = {}
        self.chapters: list[tuple[str, str]] = []  # (file name, whole text)
        self.copies: list[tuple[Path, str]] = []  # (source file, destination relative to out)
        self.files: dict[str, str] = {}  # destination relative to out → text

    def copy(self, src: Path, dest: str) -> None:
        if not src.is_file():
            raise SystemExit(f"convert: {src} is referenced but missing from the source")
        if (src, dest) not in self.copies:
            self.copies.append((src, dest))

    def write(self) -> None:
        if self.out.exists():
            shutil.rmtree(self.out)
        (self.out / "chapters").mkdir(parents=True)
        meta = dict(self.meta)
        meta["chapters"] = [f"chapters/{name}" for name, _ in self.chapters]
        (self.out / "book.yaml").write_text(dump_yaml(meta), encoding="utf-8")
        for name, text in self.chapters:
            (self.out / "chapters" / name).write_text(text, encoding="utf-8")
        for src, dest in self.copies:
            target = self.out / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        for dest, text in self.files.items():
            target = self.out / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def chapter_names(stems: list[str]) -> list[str]:
    return [f"{i:02d}-{re.sub(r'[^a-z0-9]+', '-', s.lower()).strip('-')}.md"
            for i, s in enumerate(stems, 1)]


def split_code_fences(text: str):
    """Yield (is_code, chunk) so that rewrites never touch fenced code."""
    chunk, in_code, fence = [], False, ""
    for line in text.splitlines(keepends=True):
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if m and (not in_code or (m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence)
                                  and line.strip() == m.group(1))):
            if not in_code:
                if chunk:
                    yield False, "".join(chunk)
                chunk, in_code, fence = [line], True, m.group(1)
            else:
                chunk.append(line)
                yield True, "".join(chunk)
                chunk, in_code, fence = [], False, ""
            continue
        chunk.append(line)
    if chunk:
        yield in_code, "".join(chunk)


def map_outside_code(text: str, fn) -> str:
    return "".join(chunk if code else fn(chunk) for code, chunk in split_code_fences(text))


def rewrite_links(text: str, fn) -> str:
    """Apply fn(target) -> target to inline links/images `](t)` and definitions `[x]: t`."""
    def inline(m):
        return m.group(1) + fn(m.group(2)) + m.group(3)

    def definition(m):
        return m.group(1) + fn(m.group(2)) + m.group(3)

    def outside(chunk):
        chunk = re.sub(r"(\]\()([^)\s]+)((?:\s+\"[^\"]*\")?\))", inline, chunk)
        return re.sub(r"(?m)^(\[[^\]]+\]:\s+)(\S+)(.*)$", definition, chunk)

    return map_outside_code(text, outside)


def take_title(body: str) -> tuple[str, str | None, str]:
    """The first ATX `# ` heading outside code: (title, {#id} or None, body without it)."""
    out, title, ident = [], None, None
    for code, chunk in split_code_fences(body):
        if title is None and not code:
            m = re.search(r"(?m)^# +(.+?)\s*(?:\{#([^}\s]+)\})?\s*$\n?", chunk)
            if m:
                title, ident = m.group(1).strip(), m.group(2)
                chunk = chunk[:m.start()] + chunk[m.end():]
        out.append(chunk)
    if title is None:
        raise SystemExit("convert: a chapter file has no '# ' heading to take its title from")
    return title, ident, "".join(out)


def split_front_matter(text: str) -> tuple[dict, str]:
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if not m:
        return {}, text
    return yaml.safe_load(m.group(1)) or {}, text[m.end():]


# ------------------------------------------------------------------ Standard Ebooks

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{EPUB}}}type"
NOTE_TOKEN = "PRESSROOMNOTEREF{}X"  # survives pandoc untouched, then becomes [^note-N]
ET.register_namespace("", XHTML)
ET.register_namespace("epub", EPUB)


def text_of(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def se_prepare(el, chapter_of: dict[str, str], web: str = "") -> None:
    """Rewrite SE markup that pandoc would drop into markup it keeps (in place)."""
    parents = {c: p for p in el.iter() for c in p}
    for a in list(el.iter(f"{{{XHTML}}}a")):
        kind = a.get(EPUB_TYPE, "")
        if kind == "noteref":  # <a href="endnotes.xhtml#note-3" epub:type="noteref">3</a>
            ident = a.get("href").split("#", 1)[1]
            token = NOTE_TOKEN.format(ident.removeprefix("note-"))
            parent = parents[a]
            index = list(parent).index(a)
            tail = token + (a.tail or "")
            parent.remove(a)
            if index == 0:
                parent.text = (parent.text or "") + tail
            else:
                prev = parent[index - 1]
                prev.tail = (prev.tail or "") + tail
        elif kind == "backlink":  # the ↩ at a note's end: our build makes its own
            parent = parents[a]
            index = list(parent).index(a)
            tail = (a.tail or "")
            parent.remove(a)
            if index == 0:
                parent.text = ((parent.text or "") + tail).rstrip() or None
            else:
                prev = parent[index - 1]
                prev.tail = ((prev.tail or "") + tail).rstrip() or None
        elif a.get("href"):
            target, _, frag = a.get("href").partition("#")
            if target in chapter_of:  # a link to another chapter of this book
                a.set("href", chapter_of[target] + ("#" + frag if frag else ""))
            elif target.endswith(".xhtml") and web:  # a chapter not taken: SE's web edition
                a.set("href", f"{web}/text/{target.removesuffix('.xhtml')}" + ("#" + frag if frag else ""))
    # pandoc drops the id of a <p> or <blockquote> that a link may target: keep it as an
    # empty anchor span at its start, [ ]{#id}
    for node in el.iter():
        if node.tag.split("}")[-1] in {"p", "blockquote", "li", "td", "th"} and node.get("id") \
                and node is not el:
            anchor = ET.Element(f"{{{XHTML}}}span", {"id": node.attrib.pop("id")})
            anchor.tail, node.text = node.text, None
            node.insert(0, anchor)
    # pandoc turns epub:type="a:b" into a class .a:b that its own Markdown reader cannot
    # read back (a ':' in a class name), and Pressroom takes no epub:type attribute: carry
    # SE's semantics as classes, each value with ':' and '.' made '-' (z3998:roman →
    # .z3998-roman), beside the element's own classes
    for node in el.iter():
        if node.get(EPUB_TYPE):
            kinds = [re.sub(r"[:.]", "-", k) for k in node.attrib.pop(EPUB_TYPE).split()]
            node.set("class", " ".join(filter(None, [node.get("class", "")] + kinds)))
    # pandoc drops lang/epub:type on <i>, <em>, <b>, <abbr>…: carry them on a wrapping span
    for parent in list(el.iter()):
        for i, child in enumerate(list(parent)):
            tag = child.tag.split("}")[-1]
            if child.get(XML_LANG):
                child.set("lang", child.attrib.pop(XML_LANG))
            if tag in {"i", "em", "b", "strong", "cite", "abbr", "q"} and (
                    child.get("lang") or child.get("class")):
                span = ET.Element(f"{{{XHTML}}}span")
                for key in ("lang", "class"):
                    if child.get(key):
                        span.set(key, child.attrib.pop(key))
                span.tail, child.tail = child.tail, None
                parent.remove(child)
                span.append(child)
                parent.insert(i, span)


def html_to_markdown(html: str, shift: int) -> str:
    import pypandoc

    html = re.sub(r' xmlns(?::\w+)?="[^"]*"', "", html)  # ElementTree's declarations, not SE's text
    md = pypandoc.convert_text(
        html, "commonmark_x-smart", format="html",  # -smart: keep “ ” ’ — as characters
        extra_args=["--wrap=none", f"--shift-heading-level-by={shift}"])
    return re.sub(NOTE_TOKEN.format(r"(\d+)"), r"[^note-\1]", md).strip() + "\n"


def html_to_plain(html: str) -> str:
    import pypandoc

    return pypandoc.convert_text(html, "plain", format="html", extra_args=["--wrap=none"]).strip()


def standard_ebooks(args) -> Book:
    src, book = Path(args.src), Book(Path(args.out))
    text_dir = src / "src/epub/text"
    opf = ET.parse(src / "src/epub/content.opf").getroot()
    dc = "{http://purl.org/dc/elements/1.1/}"
    first = lambda tag: text_of(opf.find(f".//{dc}{tag}"))  # noqa: E731
    toc = ET.parse(src / "src/epub/toc.xhtml").getroot()
    titles = {}
    for a in toc.iter(f"{{{XHTML}}}a"):
        href = a.get("href", "")
        if href.startswith("text/") and "#" not in href:
            # the first nav is the contents; the landmarks nav after it repeats hrefs
            titles.setdefault(href.removeprefix("text/").removesuffix(".xhtml"), text_of(a))
    names = chapter_names(args.files)
    # the book's page on standardebooks.org (dc:identifier "url:https://…"), where the
    # chapters not taken are read
    web = first("identifier").removeprefix("url:") if first("identifier").startswith(("url:https://", "https://")) else ""
    chapter_of = {f"{stem}.xhtml": name for stem, name in zip(args.files, names)}
    called = []
    for stem, name in zip(args.files, names):
        root = ET.parse(text_dir / f"{stem}.xhtml").getroot()
        body = root.find(f"{{{XHTML}}}body")
        section = body.find(f"{{{XHTML}}}section")
        # the chapter's own heading (hgroup or h2) becomes the front matter's title
        for child in list(section)[:1]:
            if child.tag.split("}")[-1] in {"hgroup", "h2", "header"}:
                section.remove(child)
        se_prepare(section, chapter_of, web)
        html = "".join(ET.tostring(c, encoding="unicode") for c in section)
        if section.text and section.text.strip():
            html = section.text + html
        md = html_to_markdown(html, shift=-2)  # h3 (a section of a chapter) → '#'
        called += re.findall(r"\[\^note-(\d+)\]", md)
        book.chapters.append((name, front_matter({"title": titles[stem]}) + md))
    # the endnotes the chosen chapters call, in notes.yaml under their SE ids
    endnotes = ET.parse(text_dir / "endnotes.xhtml").getroot()
    notes = {}
    for li in endnotes.iter(f"{{{XHTML}}}li"):
        ident = li.get("id", "")
        if ident.removeprefix("note-") not in called:
            continue
        se_prepare(li, chapter_of, web)
        html = "".join(ET.tostring(c, encoding="unicode") for c in li)
        notes[ident] = {"text": html_to_markdown(html, shift=0).rstrip("\n")}
    book.files["notes.yaml"] = (
        "# The Standard Ebooks endnotes that the chosen chapters call, by their SE ids,\n"
        "# converted from src/epub/text/endnotes.xhtml by tests/corpus/convert.py.\n\n"
        + dump_yaml(notes))
    book.meta = {
        "title": text_of(opf.find(f".//{dc}title[@id='title']")),
        "subtitle": text_of(opf.find(f".//{dc}title[@id='subtitle']")),
        "authors": [text_of(c) for c in opf.iter(f"{dc}creator")],
        "language": first("language"),
        "slug": args.slug,
        "version": "1.0",
        "publisher": "Pressroom test corpus (from a Standard Ebooks edition)",
        "rights": args.rights or first("rights"),
        "description": html_to_plain(first("description")),
        "note-numbering": "book",  # SE numbers its endnotes through the whole book
    }
    book.meta = {k: v for k, v in book.meta.items() if v}
    book.copy(src / "LICENSE.md", "LICENSE.md")
    return book


# ------------------------------------------------------------------ d2l (d2lbook Markdown)


def bib_entries(path: Path) -> dict[str, str]:
    entries, key, lines = {}, None, []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        m = re.match(r"@\w+\s*\{\s*([^,\s]+)\s*,", line)
        if m:
            if key:
                entries[key] = "".join(lines).rstrip() + "\n"
            key, lines = m.group(1), []
        if key:
            lines.append(line)
    if key:
        entries[key] = "".join(lines).rstrip() + "\n"
    return entries


ROLE_LINE = re.compile(r"^[ \t]*:(label|eqlabel|width):`([^`]*)`[ \t]*$")


def d2l_labels(body: str) -> tuple[str, list[str]]:
    """d2lbook's `:label:`/`:eqlabel:`/`:width:` lines → Pressroom ids; returns (body, labels).

    A `:label:` names what stands just above it: a heading or a figure gets `{#x}`, a
    table's `:caption` line becomes `Table: caption {#x}`; `:eqlabel:` after display math
    becomes an empty anchor `[]{#x}` at the formula's end (Pressroom numbers no equations);
    `:width:` is dropped (Pressroom sizes images to the page).
    """
    out: list[str] = []
    labels: list[str] = []
    for code, chunk in split_code_fences(body):
        if code:
            out.append(chunk)
            continue
        lines: list[str] = []
        for line in chunk.splitlines(keepends=True):
            m = ROLE_LINE.match(line)
            if not m:
                lines.append(line)
                continue
            role, value = m.groups()
            if role == "width":
                continue
            labels.append(value)
            # the line the role belongs to: the last non-blank one above (in this chunk or,
            # for a label right under a code cell, none: then it is left as an anchor)
            at = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
            above = lines[at].rstrip("\n") if at is not None else ""
            if role == "label" and re.match(r"#+ ", above):
                lines[at] = above + f" {{#{value}}}\n"
            elif role == "label" and re.match(r"!\[.*\]\([^)]*\)$", above.strip()):
                lines[at] = above + f"{{#{value}}}\n"
            elif role == "label" and re.match(r":[^:`]", above):  # d2l's table caption line
                lines[at] = f"Table: {above[1:].strip()} {{#{value}}}\n"
            elif above:
                lines[at] = above + f"[]{{#{value}}}\n"
            else:
                lines.append(f"[]{{#{value}}}\n")
        out.append("".join(lines))
    return "".join(out), labels


def d2l_roles(body: str, known: set[str]) -> str:
    """`:numref:`/`:eqref:` → `[](#x)`, `:cite:`a,b`` → `[@a; @b]`, `:citet:`a`` → `@a`.

    A reference to a label no chosen chapter defines cannot be a link (it would point at
    nothing): it is kept as the label's name in a span, `[sec_x]{.unresolved-ref}`.
    """
    def ref(m):
        target = m.group(2).split("<")[-1].rstrip(">").strip()
        return f"[](#{target})" if target in known else f"[{target}]{{.unresolved-ref}}"

    def cite(m):
        keys = [k.strip() for k in m.group(2).split(",") if k.strip()]
        if m.group(1) == "citet":
            return "; ".join(f"@{k}" for k in keys)
        return "[" + "; ".join(f"@{k}" for k in keys) + "]"

    def outside(chunk):
        chunk = re.sub(r":(numref|eqref):`([^`]+)`", ref, chunk)
        chunk = re.sub(r":(cite|citet|citep):`([^`]+)`", cite, chunk)
        # :begin_tab:`x` … :end_tab: shows one framework's text in d2lbook's tabs: a div
        # of class tab-x keeps every framework's text, marked
        chunk = re.sub(r"(?m)^:begin_tab:`([^`]+)`[ \t]*$", lambda t: f"::: {{.tab-{t.group(1).replace(',', '-')}}}", chunk)
        return re.sub(r"(?m)^:end_tab:[ \t]*$", ":::", chunk)

    return map_outside_code(body, outside)


def d2l(args) -> Book:
    src, book = Path(args.src), Book(Path(args.out))
    config = configparser.ConfigParser()
    config.read(src / "config.ini", encoding="utf-8")
    project = config["project"]
    stems = [f.removeprefix("chapter_").replace("/index.md", "").removesuffix(".md")
             .replace("/", "-") for f in args.files]
    names = chapter_names(stems)
    chapter_of = dict(zip(args.files, names))
    cited: list[str] = []
    labelled: dict[str, tuple[str, str]] = {}
    known: set[str] = set()
    for rel in args.files:  # every label the chosen chapters define, for :numref: first
        text, labels = d2l_labels((src / rel).read_text(encoding="utf-8"))
        labelled[rel] = (text, labels)
        known.update(labels)
    for rel, name in zip(args.files, names):
        text = labelled[rel][0]
        # a chapter's label sits under its '# ' heading, which becomes the front matter
        title, ident, body = take_title(text)

        def target(t, rel=rel):
            path, _, frag = t.partition("#")
            if re.match(r"[a-z]+:", path) or not path:
                return t
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
            if resolved.startswith("img/"):
                book.copy(src / resolved, "images/" + resolved.removeprefix("img/"))
                return "images/" + resolved.removeprefix("img/") + ("#" + frag if frag else "")
            if resolved in chapter_of:
                return chapter_of[resolved] + ("#" + frag if frag else "")
            return t

        body = rewrite_links(body, target)
        for group in re.findall(r":cite[tp]?:`([^`]+)`", body):
            cited += [k.strip() for k in group.split(",")]
        body = d2l_roles(body, known)
        # a notebook cell's execution count (```{.python .input n=4}) is Jupyter's, no reader's
        body = re.sub(r"(?m)^(```\{[^}\n]*?)\s+n=\d+([^}\n]*\})", r"\1\2", body)
        front = {"title": title} | ({"id": ident} if ident else {})
        book.chapters.append((name, front_matter(front) + body.lstrip("\n")))
    bib = bib_entries(src / "d2l.bib")
    keys = list(dict.fromkeys(cited))
    missing = [k for k in keys if k not in bib]
    book.files["references.bib"] = (
        "% The entries of the source's d2l.bib that the chosen chapters cite (:cite:`key`, :citet:`key`).\n"
        + "".join(f"% not in the source's d2l.bib: {k}\n" for k in missing)
        + "\n".join(bib[k] for k in keys if k in bib))
    authors = re.split(r",\s*(?:and\s+)?|\s+and\s+", project["author"])
    book.meta = {
        "title": project["title"],
        "authors": [a for a in authors if a],
        "language": args.language,
        "slug": args.slug,
        "version": project.get("release", "1.0"),
        "publisher": "Pressroom test corpus (from the d2l.ai sources)",
        "rights": args.rights,
        "math": "tex",  # d2l writes TeX between dollars
        "bibliography": "references.bib",  # the entries its :cite: keys name
    }
    for name in ("LICENSE", "LICENSE-SAMPLECODE", "LICENSE-SUMMARY"):
        if (src / name).is_file():
            book.copy(src / name, name)
    return book


# ------------------------------------------------------------------ HonKit / GitBook Markdown


FRONT_MATTER_KEYS = {"title", "id", "part", "epigraph", "role", "short-title", "subtitle"}
IMPORT = re.compile(r"^\[import\b[^\]\n]*\]\(([^)\s]+)\)[ \t]*$", re.M)
FENCE_LANG = {".js": "js", ".mjs": "js", ".cjs": "js", ".ts": "ts", ".json": "json", ".html": "html",
              ".css": "css", ".sh": "sh", ".txt": "text"}


def honkit_imports(body: str, base: Path, here: str) -> str:
    """include-codeblock's `[import, title:"x.js"](src/x.js)` → the file as a fenced code block.

    That is what HonKit prints in its place; the title or name in the brackets is dropped.
    """
    def block(m):
        path = posixpath.normpath(posixpath.join(here, m.group(1)))
        file = base / path
        if not file.is_file():
            raise SystemExit(f"convert: {path} is imported but missing from the source")
        code = file.read_text(encoding="utf-8").rstrip("\n")
        fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", code)), default=0))
        return f"{fence}{FENCE_LANG.get(file.suffix, '')}\n{code}\n{fence}"

    return map_outside_code(body, lambda chunk: IMPORT.sub(block, chunk))


def honkit(args) -> Book:
    src, book = Path(args.src), Book(Path(args.out))
    config = json.loads((src / "book.json").read_text(encoding="utf-8"))
    root = config.get("root", "./").strip("./") or "."
    base = src / root
    stems = [posixpath.dirname(f).split("/")[-1] or f.removesuffix(".md") for f in args.files]
    names = chapter_names(stems)
    chapter_of = dict(zip(args.files, names))
    variables = config.get("variables", {})
    dropped: dict[str, int] = {}
    # where links to what was not taken go: the book's site and its repository at this commit
    site, repo, commit = args.site.rstrip("/"), args.repo.rstrip("/"), args.commit
    for rel, name in zip(args.files, names):
        source_front, text = split_front_matter((base / rel).read_text(encoding="utf-8"))
        # HonKit expands {{book.x}} from book.json's variables everywhere, code included
        text = re.sub(r"\{\{\s*book\.(\w+)\s*\}\}",
                      lambda m: variables[m.group(1)] if m.group(1) in variables else m.group(0), text)
        title, ident, body = take_title(text)
        here = posixpath.dirname(rel)

        def target(t, rel=rel, here=here, name=name):
            path, _, frag = t.partition("#")
            if re.match(r"[a-z]+:", path) or not path:
                return t
            resolved = posixpath.normpath(posixpath.join(here, path))
            if resolved in chapter_of:
                return chapter_of[resolved] + ("#" + frag if frag else "")
            if re.search(r"\.(png|jpe?g|gif|svg)$", resolved, re.I):
                book.copy(base / resolved, "images/" + resolved)
                return "images/" + resolved + ("#" + frag if frag else "")
            if (base / resolved).is_file() and not resolved.endswith(".md"):
                # a source file the chapter links to (imports are inlined before): a link to
                # it in the source repository at the converted commit
                return f"{repo}/blob/{commit}/{root}/{resolved}" + ("#" + frag if frag else "")
            if resolved.endswith(("README.md", "/")) or (base / resolved).is_dir():
                # a chapter not taken: its page on the book's site (HonKit: dir/README.md → dir/)
                page = re.sub(r"(^|/)README\.md$", r"\1", resolved).rstrip("/")
                return f"{site}/{page}/" + ("#" + frag if frag else "")
            return t

        body = honkit_imports(body, base, here)  # before links: it reads the source's paths
        body = rewrite_links(body, target)
        # front matter keys Pressroom has no place for (author, description, sponsors)
        for key in source_front:
            if key not in FRONT_MATTER_KEYS:
                dropped[key] = dropped.get(key, 0) + 1
        kept = {k: v for k, v in source_front.items() if k in FRONT_MATTER_KEYS}
        front = {"title": title} | ({"id": ident} if ident else {}) | kept
        book.chapters.append((name, front_matter(front) + body.lstrip("\n")))
    book.meta = {
        "title": args.title or config.get("title"),
        "authors": args.author,
        "language": args.language,
        "slug": args.slug,
        "version": "1.0",
        "publisher": "Pressroom test corpus (from the jsprimer.net sources)",
        "rights": args.rights,
        "description": config.get("description"),
    }
    book.meta = {k: v for k, v in book.meta.items() if v}
    for key, count in dropped.items():
        print(f"convert: front matter key '{key}' dropped from {count} chapters", file=sys.stderr)
    for name in args.licence_files:
        book.copy(src / name, name)
    return book


# ------------------------------------------------------------------ statistics for the README

CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"


def stats(folder: Path) -> dict:
    """Counts over a converted manuscript (text outside fenced code unless said)."""
    meta = yaml.safe_load((folder / "book.yaml").read_text(encoding="utf-8"))
    texts = [(folder / c).read_text(encoding="utf-8") for c in meta["chapters"]]
    notes_file = folder / "notes.yaml"
    notes = yaml.safe_load(notes_file.read_text(encoding="utf-8")) if notes_file.is_file() else {}
    prose = []
    code_blocks = 0
    for text in texts:
        _, body = split_front_matter(text)
        for code, chunk in split_code_fences(body):
            if code:
                code_blocks += 1
            else:
                prose.append(chunk)
    prose_text = "\n".join(prose)
    note_text = "\n".join(n["text"] for n in (notes or {}).values())
    everything = prose_text + "\n" + note_text
    without_cjk = re.sub(CJK, " ", everything)
    display = re.findall(r"\$\$.+?\$\$", everything, re.S)
    inline = re.findall(r"(?<![\\$])\$[^$\n]+?\$(?!\$)", re.sub(r"\$\$.+?\$\$", " ", everything, flags=re.S))
    cite_keys = [k for g in re.findall(r":cite[tp]?:`([^`]+)`", everything) for k in g.split(",")]
    return {
        "chapters": len(texts),
        "words (space-separated, CJK excluded)": len(without_cjk.split()),
        "CJK characters": len(re.findall(CJK, everything)),
        "notes defined (notes.yaml + [^id]: in chapters)":
            len(notes or {}) + len(re.findall(r"(?m)^\[\^[^\]]+\]:", prose_text)),
        "note calls": len(re.findall(r"\[\^[^\]]+\](?!:)", prose_text)),
        "figures (![…](…))": len(re.findall(r"!\[[^\]]*\]\(", prose_text)),
        "fenced code blocks": code_blocks,
        "display math ($$…$$)": len(display),
        "inline math ($…$)": len(inline),
        "citations (:cite:/:citet: keys)": len(cite_keys),
        "links to another chapter file": len(re.findall(r"(?:\]\(|\]:\s+)\d\d-[a-z0-9-]+\.md", everything)),
        "template-like tags ({{ {% {#)": len(re.findall(r"\{\{|\{%|\{#", prose_text)),
        "images/ bytes": sum(f.stat().st_size for f in (folder / "images").rglob("*") if f.is_file())
        if (folder / "images").is_dir() else 0,
    }


# ------------------------------------------------------------------ command line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="kind", required=True)
    for kind in ("standard-ebooks", "d2l", "honkit"):
        p = sub.add_parser(kind)
        p.add_argument("src", help="folder holding the source repository's files")
        p.add_argument("--out", required=True, help="manuscript folder to (re)write")
        p.add_argument("--slug", required=True)
        p.add_argument("--rights", help="rights statement for book.yaml (SE: its dc:rights)")
        p.add_argument("--files", nargs="+", required=True, help="chapter files, in order")
        p.add_argument("--language", default=None)
        p.add_argument("--title", default=None)
        p.add_argument("--subtitle", default=None)
        p.add_argument("--author", action="append", default=[])
        p.add_argument("--licence-files", nargs="*", default=[])
        p.add_argument("--site", default="", help="honkit: the book's web site (links to chapters not taken)")
        p.add_argument("--repo", default="", help="honkit: the source repository's web address (links to files)")
        p.add_argument("--commit", default="main", help="honkit: the source's commit (links to files)")
    p = sub.add_parser("stats", help="print the README's counts for converted manuscripts")
    p.add_argument("folders", nargs="+")
    args = parser.parse_args(argv)
    if args.kind == "stats":
        for folder in args.folders:
            print(folder)
            for key, value in stats(Path(folder)).items():
                print(f"  {key}: {value}")
        return 0
    convert = {"standard-ebooks": standard_ebooks, "d2l": d2l, "honkit": honkit}[args.kind]
    book = convert(args)
    book.write()
    print(f"{args.out}: {len(book.chapters)} chapters, {len(book.copies)} files copied")
    return 0


if __name__ == "__main__":
    sys.exit(main())
