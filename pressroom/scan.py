"""Built editions read back for active or leaking content, as a last gate before readers (H2, H3).

Pure reading, no typesetting. Each function returns a list of problems as sentences (an empty
list: clean), for `make check` to report:

- `scan_pdf(path)`: JavaScript, launch and other actions that run or fetch, embedded files,
  and link URIs outside https, http and mailto;
- `scan_html(path, allowed_scripts=...)`: a page or a folder of them (and its CSS): scripts
  other than the edition's own files, event attributes, inline styles, frames and objects,
  anything that loads from outside the folder, links with other schemes, a missing
  Content-Security-Policy of `default-src 'self'` (or 'none');
- `scan_epub(path)`: the same for every XHTML file in the EPUB, plus scripts and remote
  resources declared in its package.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

LINK_SCHEMES = {"http", "https", "mailto"}

# --- PDF ----------------------------------------------------------------------------------------

PDF_FORBIDDEN_KEYS = {"/JavaScript": "JavaScript", "/JS": "JavaScript", "/EmbeddedFile": "an embedded file",
                      "/EmbeddedFiles": "embedded files", "/AA": "additional (automatic) actions",
                      "/OpenAction": "an action run on opening", "/RichMedia": "rich media",
                      "/XFA": "an XFA form"}
PDF_FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToR", "/GoToE",
                         "/RichMediaExecute", "/Rendition", "/Sound", "/Movie", "/Hide", "/SetOCGState"}


def scan_pdf(path: Path) -> list[str]:
    """Everything in the PDF at `path` that could run, launch, carry a file or link elsewhere."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = PdfReader(str(path))
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[object, str]] = [(reader.trailer, "trailer")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            where = f"object {value.idnum}"
            value = value.get_object()
        if isinstance(value, DictionaryObject):
            problems.extend(_pdf_dictionary_problems(value, where))
            stack.extend((item, where) for item in value.values())
            if hasattr(value, "get_data"):  # a stream: its dictionary was checked, its bytes are content
                continue
        elif isinstance(value, ArrayObject):
            stack.extend((item, where) for item in value)
        elif isinstance(value, NameObject):
            continue
    return sorted(set(problems))


def _pdf_dictionary_problems(value, where: str) -> list[str]:
    problems = []
    for key, label in PDF_FORBIDDEN_KEYS.items():
        if key in value:
            problems.append(f"{where}: {label} ({key})")
    action = value.get("/S")
    if action in PDF_FORBIDDEN_ACTIONS:
        problems.append(f"{where}: a {action[1:]} action")
    if value.get("/Type") == "/Filespec" or "/EF" in value:
        problems.append(f"{where}: an attached file")
    uri = value.get("/URI")
    if uri is not None:
        text = str(uri.get_object() if hasattr(uri, "get_object") else uri)
        if not _allowed_link(text) or text.startswith("#"):
            problems.append(f"{where}: a link to {text[:80]!r} (only https, http and mailto)")
    return problems


def _allowed_link(target: str) -> bool:
    target = target.strip()
    if target.startswith("#"):
        return True
    parts = urlsplit(target)
    if parts.scheme:
        return parts.scheme.lower() in LINK_SCHEMES
    return not target.startswith("//")


# --- HTML ---------------------------------------------------------------------------------------

FRAME_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "portal", "base"}
# Attributes that make the browser fetch something as it loads the page.
LOADING_ATTRIBUTES = {"src", "srcset", "poster", "data", "background", "lowsrc", "dynsrc", "codebase", "manifest",
                      "action", "formaction", "ping", "xlink:href"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)|@import\s+['\"]([^'\"]+)", re.I)


def scan_html(path: Path, allowed_scripts: Iterable[str] = (), *, require_csp: bool = True) -> list[str]:
    """Every active or outside-loading thing in an HTML page, or in each page and stylesheet of a folder.

    `allowed_scripts` names the edition's own script files (relative to the folder): a script
    is a problem unless it is one of those, loaded by `src`, with no inline code.
    """
    path = Path(path)
    problems: list[str] = []
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    base = path if path.is_dir() else path.parent
    for file in files:
        shown = str(file.relative_to(base)) if file != path else file.name
        if file.suffix.lower() in (".html", ".htm", ".xhtml"):
            problems += [f"{shown}: {p}" for p in page_problems(file.read_bytes(), set(allowed_scripts),
                                                                 require_csp=require_csp, location=shown)]
        elif file.suffix.lower() == ".css":
            problems += [f"{shown}: {p}" for p in css_problems(file.read_text("utf-8", "replace"), shown)]
    return problems


def page_problems(data: bytes, allowed_scripts: set[str] = frozenset(), *, require_csp: bool = True,
                  location: str = "page.html") -> list[str]:
    """The problems of one HTML or XHTML document at `location` (its path inside the edition)."""
    import lxml.html

    document = lxml.html.document_fromstring(data)
    problems: list[str] = []
    csp = False
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        line = f"line {element.sourceline}" if element.sourceline else "?"
        if tag == "script":
            problems += _script_problems(element, allowed_scripts, line, location)
        if tag in FRAME_TAGS:
            problems.append(f"{line}: <{tag}> element")
        if tag == "meta":
            equiv = (element.get("http-equiv") or "").lower()
            if equiv == "refresh":
                problems.append(f"{line}: <meta http-equiv=refresh>")
            if equiv == "content-security-policy" and re.search(r"default-src\s+'(self|none)'",
                                                                element.get("content") or ""):
                csp = True
        if tag == "style" and element.text:
            problems += [f"{line}: <style> {p}" for p in css_problems(element.text, location)]
        problems += _attribute_problems(element, tag, line, location)
    if require_csp and not csp:
        problems.append("no Content-Security-Policy with default-src 'self'")
    return problems


def _script_problems(element, allowed: set[str], line: str, location: str) -> list[str]:
    source = element.get("src")
    if source is None or (element.text or "").strip():
        return [f"{line}: inline <script>"]
    if _external(source, location) or _inside(source, location) not in allowed:
        return [f"{line}: <script src={source!r}> is not one of the edition's own scripts"]
    return []


def _attribute_problems(element, tag: str, line: str, location: str) -> list[str]:
    problems = []
    for key, value in element.attrib.items():
        name = key.rsplit("}", 1)[-1].lower()
        value = value or ""
        if name.startswith("on"):
            problems.append(f"{line}: event attribute {name!r} on <{tag}>")
        elif name == "style":
            problems.append(f"{line}: inline style on <{tag}>")
        elif name in LOADING_ATTRIBUTES and tag != "form":
            for url in (part.strip().split(" ")[0] for part in value.split(",")) if name == "srcset" else [value]:
                if _external(url, location):
                    problems.append(f"{line}: <{tag} {name}={url[:80]!r}> loads from outside the edition")
        elif name == "href":
            rel = (element.get("rel") or "").lower()
            if tag == "link" and _external(value, location):
                problems.append(f"{line}: <link rel={rel!r} href={value[:80]!r}> loads from outside the edition")
            elif tag in ("a", "area") and not _allowed_link(value):
                problems.append(f"{line}: link to {value[:80]!r} (only https, http, mailto and in-book links)")
            elif "javascript:" in value.lower().replace(" ", ""):
                problems.append(f"{line}: javascript: URL on <{tag}>")
        if tag == "form" and name == "action" and _external(value, location):
            problems.append(f"{line}: a form sends to {value[:80]!r}")
    return problems


def _external(url: str, location: str) -> bool:
    """Whether loading `url` from the document at `location` would leave the edition (data: stays)."""
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    parts = urlsplit(url)
    if parts.scheme:
        return parts.scheme.lower() != "data"
    return url.startswith("//") or url.startswith("/") or _inside(url, location) is None


def _inside(url: str, location: str) -> str | None:
    """`url`'s path inside the edition, seen from the document at `location`; None when it leaves."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(location), urlsplit(url.strip()).path))
    return None if joined == ".." or joined.startswith("../") else joined


def css_problems(text: str, location: str = "style.css") -> list[str]:
    """url() and @import in a stylesheet that reach outside the edition."""
    problems = []
    for match in CSS_URL.finditer(text):
        url = (match.group(1) or match.group(2) or "").strip()
        if match.group(2) is not None or _external(url, location):
            problems.append(f"stylesheet loads {url[:80]!r}")
    if re.search(r"expression\s*\(|behavior\s*:|-moz-binding", text, re.I):
        problems.append("stylesheet holds script (expression, behavior or -moz-binding)")
    return problems


# --- EPUB ---------------------------------------------------------------------------------------

def scan_epub(path: Path) -> list[str]:
    """Scripts, event attributes, frames and outside loads in an EPUB's documents and package."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            lower = name.lower()
            if lower.endswith((".xhtml", ".html", ".htm")):
                problems += [f"{name}: {p}" for p in page_problems(archive.read(name), require_csp=False,
                                                                   location=name)]
            elif lower.endswith(".css"):
                problems += [f"{name}: {p}" for p in css_problems(archive.read(name).decode("utf-8", "replace"),
                                                                  name)]
            elif lower.endswith((".js", ".mjs")):
                problems.append(f"{name}: a script file")
            elif lower.endswith(".opf"):
                text = archive.read(name).decode("utf-8", "replace")
                for flag in ("scripted", "remote-resources"):
                    if re.search(rf"properties=\"[^\"]*\b{flag}\b", text):
                        problems.append(f"{name}: the package declares {flag} content")
    return problems


# --- DOCX ---------------------------------------------------------------------------------------

RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>")


def scan_docx(path: Path) -> list[str]:
    """Macros, embedded objects and outside targets other than plain links in a Word package."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            lower = name.lower()
            if lower.endswith(("vbaproject.bin", ".bin")) or "/embeddings/" in lower or "activex" in lower:
                problems.append(f"{name}: macros, an ActiveX control or an embedded object")
            elif lower.endswith(".rels"):
                for rel in RELATIONSHIP.findall(archive.read(name).decode("utf-8", "replace")):
                    target = re.search(r'Target="([^"]*)"', rel)
                    outside = 'TargetMode="External"' in rel
                    if outside and not (rel.find("/hyperlink\"") >= 0 and target and _allowed_link(target.group(1))):
                        problems.append(f"{name}: an outside target {target.group(1) if target else ''!r}")
    return problems
