"""RELIABILITY.md group H: the gates on built editions (EPUBCheck, the PDF scan, the HTML scan)."""

from __future__ import annotations

from pathlib import Path

from hardening import built, edition_scripts, write_chapter

# Everything a real manuscript may carry that the editions must still render cleanly.
ALLOWED = """A night.[^dark] H<sub>2</sub>O, x<sup class="power">2</sup>, <small>small</small>,
<span lang="fr">naïve</span>, [שלום ⁧עולם⁩]{dir=rtl}, a [link](https://example.org/) and a [mail](mailto:a@example.org).

<table class="data">
<tr><th>Year</th><td colspan="2">1950 &amp; after</td></tr>
</table>

| left | right |
|:-----|------:|
| a    |     1 |
"""


def test_H1_epubcheck_reports_nothing_for_sanitised_raw_html(tmp_path: Path):
    from pressroom.tools.epubcheck import check_epub

    out = built(tmp_path, None, kinds=("epub",), prepare=lambda m: write_chapter(m, ALLOWED))
    assert check_epub(out / "small-book.epub") == []


def test_H2_pdf_scan_finds_scripts_launches_attachments_and_foreign_links(tmp_path: Path):
    from pypdf import PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    from pressroom.scan import scan_pdf

    def action(kind: str, **values: str) -> DictionaryObject:
        return DictionaryObject({NameObject("/S"): NameObject(kind),
                                 **{NameObject(f"/{k}"): TextStringObject(v) for k, v in values.items()}})

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), action("/JavaScript", JS="app.alert(1)")])})})
    writer.add_attachment("secret.txt", b"a secret")
    writer.add_annotation(0, Link(rect=(10, 10, 60, 30), url="javascript:alert(1)"))
    writer.add_annotation(0, Link(rect=(10, 40, 60, 60), url="https://example.org/"))
    writer._root_object[NameObject("/OpenAction")] = action("/Launch", F="calc.exe")
    hostile = tmp_path / "hostile.pdf"
    writer.write(hostile)

    problems = " | ".join(scan_pdf(hostile))
    for finding in ("JavaScript (/JavaScript)", "a JavaScript action", "embedded files (/EmbeddedFiles)",
                    "an attached file", "a Launch action", "an action run on opening (/OpenAction)",
                    "a link to 'javascript:alert(1)' (only https, http and mailto)"):
        assert finding in problems, finding
    assert "example.org" not in problems


def test_H2_the_built_pdf_scans_clean(tmp_path: Path):
    built(tmp_path, None, kinds=("pdf",), prepare=lambda m: write_chapter(m, ALLOWED))  # built() scans it


HOSTILE_PAGE = """<!DOCTYPE html><html><head>
<meta http-equiv="refresh" content="0; url=https://evil.example/">
<link rel="stylesheet" href="https://cdn.example/x.css">
<script>alert(1)</script><script src="https://cdn.example/x.js"></script><script src="book.js"></script>
<style>p { background: url(https://tracker.example/p.png) }</style>
</head><body onload="steal()">
<p style="position:fixed">x</p><iframe src="https://evil.example/"></iframe>
<img src="https://tracker.example/p.png" alt=""><img src="../../etc/passwd" alt="">
<a href="javascript:alert(1)">j</a><a href="smb://host/share">s</a><a href="https://example.org/">ok</a>
</body></html>
"""


def test_H3_html_scan_finds_scripts_styles_frames_and_outside_requests(tmp_path: Path):
    from pressroom.scan import scan_html

    (tmp_path / "page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (tmp_path / "style.css").write_text("@import 'https://cdn.example/y.css';\nh1 { color: red }\n")
    problems = scan_html(tmp_path, allowed_scripts={"book.js"})
    text = "\n".join(problems)
    for finding in ("<meta http-equiv=refresh>", "<link rel='stylesheet' href='https://cdn.example/x.css'> loads",
                    "inline <script>", "<script src='https://cdn.example/x.js'> is not one of the edition's own",
                    "<style> stylesheet loads 'https://tracker.example/p.png'", "event attribute 'onload' on <body>",
                    "inline style on <p>", "<iframe> element", "<img src='https://tracker.example/p.png'> loads",
                    "<img src='../../etc/passwd'> loads", "link to 'javascript:alert(1)'", "link to 'smb://host/share'",
                    "style.css: stylesheet loads 'https://cdn.example/y.css'",
                    "no Content-Security-Policy with default-src 'self'"):
        assert finding in text, finding
    assert "book.js" not in text and "example.org" not in text


def test_H3_the_built_web_edition_scans_clean(tmp_path: Path):
    from pressroom.scan import scan_html

    out = built(tmp_path, None, kinds=("html",), prepare=lambda m: write_chapter(m, ALLOWED))
    assert scan_html(out / "html", allowed_scripts=edition_scripts()) == []
