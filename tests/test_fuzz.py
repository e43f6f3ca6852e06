"""Fuzz: manuscripts put together from Markdown, Jinja and YAML fragments, the catalogue's shapes among them.

Whatever the mix, a build ends in one of two ways, within our limits: a BuildError whose every
line reads `path[:line:col]: severity[CODE]: text` (and nothing under build/ replaced), or
editions that pass the scans (no script, event attribute, inline style, frame or outside
request). Any other exception (a traceback) fails the test. The sources are never modified.

The examples are derandomized (the same ones every run, so CI is reproducible); set
PRESSROOM_FUZZ_EXAMPLES to run more, with a fresh random seed, when hunting.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from hardening import MESSAGE, PREVIOUS, edition_scripts, snapshot

EXAMPLES = int(os.environ.get("PRESSROOM_FUZZ_EXAMPLES", "40"))

# What a real manuscript carries: builds.
GOOD = [
    "Plain words, *emphasis*, **strong**, `code` and a dash -- here.",
    "# A heading", "## A section {#a-section .special}", "- one\n- two\n  - three", "> a quotation\n> > nested",
    "1. first\n2. second", "Term\n: definition", "::: {.aside}\nA fenced div.\n:::", "---", "A call.[^dark]",
    "[web](https://example.org/) [mail](mailto:a@example.org) [anchor](#one) <https://example.org/auto>",
    "![a map](images/map.svg)", "![a photo](images/photo.png)", "H<sub>2</sub>O, x<sup>2</sup>, <small>s</small>",
    "<font color=\"red\">red</font> <center>c</center>", "<table><tr><th>a</th><td colspan=\"2\">b</td></tr></table>",
    "```{=html}\n<script>alert(1)</script>\n```", "`\\textbf{x}`{=latex}", "[שלום ⁧עולם⁩]{dir=rtl}", "[x]{lang=de}",
    "| a | b |\n|:--|--:|\n| 1 | 2 |", "{{ book.title }}", "{% if edition.kind == 'pdf' %}print{% else %}screen{% endif %}",
    "the caf\u00c3\u00a9 it\u00e2\u20ac\u2122s", "Cafe\u0301 au lait", "a BOM\ufeff inside", "a" * 3000,
    "[" * 20 + "]" * 20, "[a.__b__]\n" * 6, "\\[-option \\[\\<type\\>\\]\\]\n" * 6, "*a **a " * 5 + "b" + " a** a*" * 5,
    "It\u2019s \u201cquoted\u201d, \ufb01ne, \uff26\uff35\uff2c\uff2c.",
]
# Everything else in the catalogue, hostile or broken.
MARKDOWN = GOOD + [
    "Plain words, *emphasis*, **strong**, `code` and a dash -- here.",
    "# A heading", "## A section {#a-section .special}", "- one\n- two\n  - three", "> a quotation\n> > nested",
    "1. first\n2. second", "Term\n: definition", "::: {.aside}\nA fenced div.\n:::", "---",
    "A call.[^dark]", "A call to nothing.[^missing]", "An inline note.[^mine]\n\n[^mine]: Defined here.",
    "[web](https://example.org/) [mail](mailto:a@example.org) [anchor](#one) <https://example.org/auto>",
    "[bad](javascript:alert(1))", "[smb](smb://host/share)", "[file](file:///etc/passwd){rel=attachment}",
    "[rel](https://example.org/){rel=attachment}", "[data](data:text/html,<b>x</b>)", "[host-less](http:foo)",
    "![a map](images/map.svg)", "![a photo](images/photo.png)", "![no alt](images/map.svg){width=50%}",
    "![x](/etc/passwd)", "![x](../outside.png)", "![x](https://tracker.example/p.png)", "![x](images/%2e%2e/x.png)",
    "![x](images/missing.png)", "![x](images/bomb.svg)", "![x](images/fake.jpg)",
    "H<sub>2</sub>O, x<sup>2</sup>, <small>small</small>, <span lang=\"fr\">mot</span>, <br>",
    "<font color=\"red\">red</font> <center>c</center>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "<!-- editor: don't publish -->", "<b onclick=\"steal()\">b</b>", "<sup>never closed", "closes nothing</sup>",
    "<iframe src=\"https://evil.example/\"></iframe>", "<a href=\"javascript:x\">a</a>", "<div style=\"x\">d</div>",
    "<table><tr><th>a</th><td colspan=\"2\">b</td></tr></table>", "<table><tr><td colspan=\"65534\">x</td></tr></table>",
    "```{=html}\n<script>alert(1)</script>\n```", "`\\textbf{x}`{=latex}", "[span]{style=\"position:fixed\"}",
    "[שלום ⁧עולם⁩]{dir=rtl}", "[x]{lang=de}", "| a | b |\n|:--|--:|\n| 1 | 2 |",
    "{{ book.title }}", "{% if edition.kind == 'pdf' %}print{% else %}screen{% endif %}", "{{ edition.name|upper }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}", "{{ book.__class__.__mro__ }}", "{{ 9**9**9 }}",
    "{{ 'x' * 100000 }}", "{{ nothing_defined }}", "{% if %}", "{% include 'other.md' %}", "{{ lipsum() }}",
    "Trojan \u202euser\u202c text", "zero\u200bwidth", "a NUL\x00 here", "a bell\x07", "Cafe\u0301 au lait",
    "the caf\u00c3\u00a9 it\u00e2\u20ac\u2122s", "\u9225\u6ed3af\u8305\u9225", "a BOM\ufeff inside", "a line\u2028separator",
    "\ufffd replacement", "zw\u200djoiner", "tag\U000e0041chars", "\uf900 compatibility",
    "a" * 3000, "[" * 20 + "]" * 20, "[a.__b__]\n" * 6, "\\[-option \\[\\<type\\>\\]\\]\n" * 6,
    "*a **a " * 60 + "b" + " a** a*" * 60, "> " * 300 + "deep",
]
TITLES = ["A Small Book", "A Small Book", "<script>alert(1)</script>", "{{ 7*7 }}", "Café", "Cafe\u0301",
          "\"quoted\"", "a\u202eb"]
BOOK_EXTRAS = ["", "", "", "version: 1.10\n", "version: \"1.0\"\nversion: \"2.0\"\n", "description: &a x\npublisher: *a\n",
               "publisher: !!python/object/apply:os.system [\"id\"]\n", "note-numbering: book\n",
               "description: \"<b onmouseover=x>d</b>\"\n", "colour: red\n", "rights: [a, b]\n"]
SLUGS = ["small-book", "small-book", "small-book", "../../index", "Small Book"]
NOTES = ["A note about the *dark*.", "A note with [a link](https://example.org/).", "A note <script>x</script>.",
         "A note [bad](javascript:x).", "A note {{ 7*7 }}.", "A note with ![img](/etc/passwd).", "Caf\u00c3\u00a9 note."]


def nested(kind: str, depth: int) -> str:
    if kind == "list":
        return "".join("  " * i + "- item\n" for i in range(depth))
    if kind == "quote":
        return "> " * depth + "deep"
    return "*a **b " * depth + "c" + " b** a*" * depth


FRAGMENT = st.one_of(st.sampled_from(MARKDOWN),
                     st.builds(nested, st.sampled_from(["list", "quote", "emphasis"]), st.integers(1, 40)),
                     st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
# Half the manuscripts are made of good fragments only, so that editions get built and scanned.
CASE = st.one_of(
    st.fixed_dictionaries({"body": st.lists(st.sampled_from(GOOD), min_size=1, max_size=6),
                           "title": st.sampled_from(TITLES[:6]), "extra": st.sampled_from(BOOK_EXTRAS[:4]),
                           "slug": st.just("small-book"), "note": st.sampled_from(NOTES[:2] + NOTES[4:5])}),
    st.fixed_dictionaries({"body": st.lists(FRAGMENT, min_size=1, max_size=6), "title": st.sampled_from(TITLES),
                           "extra": st.sampled_from(BOOK_EXTRAS), "slug": st.sampled_from(SLUGS),
                           "note": st.sampled_from(NOTES)}))


@settings(max_examples=EXAMPLES, deadline=timedelta(seconds=90), derandomize="PRESSROOM_FUZZ_EXAMPLES" not in os.environ,
          database=None, suppress_health_check=list(HealthCheck))
@given(case=CASE, separator=st.sampled_from(["\n\n", "\n", "\r\n\r\n", " "]),
       kinds=st.sampled_from([("pdf", "epub", "html"), ("epub",), ("html",), ("pdf",)]))
def test_fuzz_a_manuscript_builds_or_fails_clearly(case, separator, kinds):
    from pressroom.messages import BuildError, Report
    from pressroom.pipeline import build
    from pressroom.scan import scan_epub, scan_html, scan_pdf

    with tempfile.TemporaryDirectory(prefix="pressroom-fuzz-") as folder:
        base = Path(folder)
        manuscript = _manuscript(base, separator.join(case["body"]), case["title"], case["extra"], case["slug"],
                                 case["note"])
        sources = snapshot(manuscript)
        out = base / "build"
        out.mkdir()
        (out / "small-book.pdf").write_bytes(PREVIOUS)
        try:
            build(manuscript, out, set(kinds), lambda _line: None, Report())
            event("built")
        except BuildError as exc:
            event("refused")
            assert any(m.severity == "error" for m in exc.messages)
            assert all(MESSAGE.match(str(m)) for m in exc.messages), [str(m) for m in exc.messages]
            assert snapshot(out) == {"small-book.pdf": PREVIOUS}
        else:
            for path in out.iterdir():
                if path.suffix == ".pdf" and path.read_bytes() != PREVIOUS:
                    assert scan_pdf(path) == []
                elif path.suffix == ".epub":
                    assert scan_epub(path) == []
                elif path.is_dir():
                    assert scan_html(path, allowed_scripts=edition_scripts()) == []
        assert not [p for p in out.rglob(".*") if p.name.endswith(".tmp")]
        assert snapshot(manuscript) == sources


def _manuscript(base: Path, body: str, title: str, extra: str, slug: str, note: str) -> Path:
    from PIL import Image

    manuscript = base / "manuscript"
    shutil.copytree(FIXTURES / "mini", manuscript)
    chapter = manuscript / "chapters" / "01-one.md"
    chapter.write_bytes(f"---\ntitle: The First Chapter\n---\nIt was a night.[^dark]\n\n{body}\n".encode("utf-8"))
    book = (manuscript / "book.yaml").read_text("utf-8")
    book = book.replace("title: A Small Book", f"title: {_yaml_string(title)}").replace("slug: small-book", f"slug: {slug}")
    (manuscript / "book.yaml").write_text(book + extra, encoding="utf-8")
    (manuscript / "notes.yaml").write_text(f"dark:\n  text: {_yaml_string(note)}\nlight:\n  text: \"The light.\"\n",
                                           encoding="utf-8")
    images = manuscript / "images"
    images.mkdir()
    (images / "map.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
                                    '<rect width="40" height="20" fill="#888"/></svg>\n', encoding="utf-8")
    (images / "bomb.svg").write_text('<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                                     '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', encoding="utf-8")
    Image.new("RGB", (8, 8), "gray").save(images / "photo.png")
    Image.new("RGB", (8, 8), "gray").save(images / "fake.jpg", format="PNG")
    (base / "outside.png").write_bytes((images / "photo.png").read_bytes())
    return manuscript


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
