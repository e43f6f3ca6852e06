"""One test per case of RELIABILITY.md, groups A–F: the manuscript as untrusted input.

Each test builds a fixture for real (tests/fixtures/bad/<ID-name>/ laid over tests/fixtures/mini,
or files made by the test where they are binary, huge or special) and asserts either the exact
errors (exit 1, nothing replaced, sources untouched) or a safe edition (exit 0, exact warnings,
clean scans). Groups G and H: test_build_safety.py and test_scan.py.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from conftest import ROOT, copy_manuscript
from hardening import built, epub_text, png, refused, write_chapter

CH1 = "manuscript/chapters/01-one.md"
CH2 = "manuscript/chapters/02-two.md"
BOOK = "manuscript/book.yaml"
NOTES = "manuscript/notes.yaml"

# --- A. Resource access -------------------------------------------------------------------------


def test_A1_image_outside_images_is_refused(tmp_path: Path):
    refused(tmp_path, "A1-image-outside", [
        f"{CH1}:6:1: error[P003]: image '/srv/secret.txt' must be a file under images/",
        f"{CH1}:8:1: error[P003]: image '../../../home/u/.ssh/id.pub' must be a file under images/",
    ])


def test_A2_image_symlinks_devices_and_fifos_are_refused(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        images = manuscript / "images"
        images.mkdir()
        (images / "passwd.png").symlink_to("/etc/passwd")
        (images / "random.png").symlink_to("/dev/urandom")
        os.mkfifo(images / "fifo.png")  # never opened: a read would block the build for ever

    refused(tmp_path, "A2-image-links", [
        f"{CH1}:6:1: error[P003]: image 'images/passwd.png' resolves to '/etc/passwd', outside images/",
        f"{CH1}:8:1: error[P003]: image 'images/random.png' resolves to '/dev/urandom', outside images/",
        f"{CH1}:10:1: error[P003]: image 'images/fifo.png' is not a regular file",
    ], prepare=prepare)


def test_A2_oversized_files_are_refused_before_they_are_read(tmp_path: Path):
    def big_image(manuscript: Path) -> None:
        (manuscript / "images").mkdir()
        with open(manuscript / "images" / "huge.png", "wb") as image:  # sparse: no disk used
            image.write(b"\x89PNG\r\n\x1a\n")
            image.truncate(21 << 20)
        write_chapter(manuscript, "A night.[^dark]\n\n![big](images/huge.png)\n")

    (tmp_path / "image").mkdir()
    refused(tmp_path / "image", None, [f"{CH1}:6:1: error[R003]: image 'images/huge.png' is 21 MiB (limit 20 MiB)"],
            prepare=big_image)
    (tmp_path / "notes").mkdir()
    refused(tmp_path / "notes", None, [f"{NOTES}: error[N010]: notes.yaml is 11 MB, larger than the limit of 10 MB"],
            prepare=lambda manuscript: os.truncate(manuscript / "notes.yaml", 11_000_000))


def test_A3_remote_image_is_refused_and_never_fetched(tmp_path: Path):
    refused(tmp_path, "A3-remote-image", [
        f"{CH1}:4:17: error[P003]: image 'https://tracker.example/p.png' is on the web: images must be files "
        "under images/ (download it into images/ and refer to it there); a build fetches nothing",
    ])


def test_A3_A5_the_pdf_fetcher_serves_only_files_inside_its_folders(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.tools import weasyprint

    for html in ('<img src="https://tracker.example/p.png">', '<img src="file:///etc/passwd">',
                 '<object data="file:///etc/hostname"></object>',
                 '<style>p { background: url("file:///etc/passwd") }</style><p>x</p>'):
        with pytest.raises(BuildError) as caught:
            weasyprint.layout(html, tmp_path, weasyprint.Resources((tmp_path,)), label="pdf edition")
        message = caught.value.messages[0]
        assert (message.path, message.code) == ("pdf edition", "W001"), message
        assert "blocked: " in message.text and ("file:///etc/" in message.text or "https://" in message.text)


def test_A4_attachment_links_are_refused(tmp_path: Path):
    refused(tmp_path, "A4-attachment", [
        f"{CH1}:6:1: error[P002]: link scheme 'file:' is not allowed (use https, http, mailto or #id)",
        f"{CH1}:6:1: error[P004]: attribute 'rel' is not allowed (use #id, .class, dir= or lang=)",
        f"{CH1}:8:1: error[P004]: attribute 'rel' is not allowed (use #id, .class, dir= or lang=)",
    ])


def test_A5_object_with_a_file_url_is_refused(tmp_path: Path):
    refused(tmp_path, "A5-object", [f"{CH1}:6:1: error[P001]: raw HTML <object> is not allowed in a manuscript"])


def test_A6_any_weasyprint_error_fails_the_build(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.tools import weasyprint

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10)
    with pytest.raises(BuildError) as caught:
        weasyprint.layout('<p>x <img src="images/broken.png" alt="b"></p>', tmp_path, weasyprint.Resources((tmp_path,)), label="pdf edition")
    message = caught.value.messages[0]
    assert (message.path, message.code) == ("pdf edition", "W002")
    assert "images/broken.png" in message.text


def test_A7_pandoc_is_recent_and_never_given_file_writing_options(tmp_path: Path, monkeypatch):
    import pypandoc

    from pressroom.messages import BuildError
    from pressroom.tools import pandoc

    for option in ("--extract-media=media", "--pdf-engine=xelatex", "--filter=evil", "--embed-resources"):
        with pytest.raises(BuildError) as caught:
            pandoc.run([option, "-f", "commonmark", "-t", "html"], "x", label="ch.md")
        assert str(caught.value) == f"ch.md: error[T004]: pandoc option {option} is never used on a manuscript"
    pandoc.pandoc_path.cache_clear()
    monkeypatch.setattr(pypandoc, "get_pandoc_version", lambda: "3.1.5")
    try:
        with pytest.raises(BuildError) as caught:
            pandoc.pandoc_path()
        assert caught.value.messages[0].code == "T001"
    finally:
        pandoc.pandoc_path.cache_clear()


def test_A7_percent_encoded_image_path_is_refused(tmp_path: Path):
    refused(tmp_path, "A7-encoded-path", [
        f"{CH1}:6:1: error[P003]: image 'images/%2e%2e/%2e%2e/etc/passwd' must be a file under images/",
    ])


def test_A8_svg_with_an_external_entity_is_refused(tmp_path: Path):
    refused(tmp_path, "A8-svg-entity", [
        f"{CH1}:6:1: error[R005]: SVG 'images/map.svg' has a DOCTYPE with an internal subset (where entities "
        "are declared), which images may not carry: remove it",
    ])


def test_A9_image_type_is_judged_by_its_bytes(tmp_path: Path):
    from PIL import Image

    def prepare(manuscript: Path) -> None:
        Image.new("RGB", (4, 4), "white").save(manuscript / "images" / "photo.jpg", format="PNG")

    # The bytes decide: EPS (PostScript, which Pillow would hand to Ghostscript) is refused; a PNG
    # named .jpg is used as the PNG it is, with a warning (tests/test_images.py builds one).
    stderr = refused(tmp_path, "A9-image-type", [
        f"{CH1}:6:1: error[R004]: image 'images/figure.eps' is a PostScript file: use PNG, JPEG or SVG "
        "(GIF, WebP, TIFF, BMP and PDF figures are converted)",
    ], prepare=prepare)
    assert (f"{CH1}:8:1: warning[K001]: image 'images/photo.jpg' is a PNG file, but its name says JPEG: "
            "it is used as the PNG it is (rename it photo.png)") in stderr.splitlines()


# --- B. Raw markup, attributes, links -----------------------------------------------------------


def test_B1_script_and_event_attributes_are_refused(tmp_path: Path):
    refused(tmp_path, "B1-script", [
        f"{CH1}:4:22: error[P001]: raw HTML <script> is not allowed in a manuscript",
        f"{CH1}:6:1: error[P001]: raw HTML <img> is not allowed in a manuscript",
        f"{CH1}:8:3: error[P001]: raw HTML attribute 'onclick' on <span> is not allowed in a manuscript",
    ])


def test_B1_harmless_raw_html_is_sanitised_to_the_allowlist_with_a_warning(tmp_path: Path):
    out = built(tmp_path, "B1-harmless-html", warnings=[
        f"{CH1}:4:34: warning[P005]: raw HTML attribute 'align' on <sup> is not on the allowlist: dropped",
        f"{CH1}:5:26: warning[P005]: raw HTML <font> is not on the allowlist: the tag is dropped, its text kept",
    ])
    for text in (epub_text(out / "small-book.epub"), (out / "html" / "one.html").read_text("utf-8")):
        assert 'H<sub>2</sub>O, x<sup class="power">2</sup>' in text
        assert "<small>small</small> and red." in text
        assert "<font" not in text and "align=" not in text and "color=" not in text
        assert '<td colspan="2">1950 &amp; after</td>' in text


def test_B2_link_schemes_outside_the_allowlist_are_refused(tmp_path: Path):
    rule = "is not allowed (use https, http, mailto or #id)"
    refused(tmp_path, "B2-link-schemes", [
        f"{CH1}:4:17: error[P002]: link scheme 'javascript:' {rule}",
        f"{CH1}:4:42: error[P002]: link scheme 'smb:' {rule}",
        f"{CH1}:4:64: error[P002]: link scheme 'file:' {rule}",
        f"{CH1}:5:1: error[P002]: link scheme 'data:' {rule}",
    ])


def test_B3_raw_attribute_blocks_render_as_code(tmp_path: Path):
    """Safe rendering: with -raw_attribute, ```{=html} is a code block and `x`{=latex} code, shown as text."""
    out = built(tmp_path, "B3-raw-attribute")
    for text in (epub_text(out / "small-book.epub"), (out / "html" / "one.html").read_text("utf-8")):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<code>\\textbf{x}</code>{=latex}" in text
        assert "<script>alert" not in text


def test_B4_html_comments_are_dropped_from_every_edition(tmp_path: Path):
    """An editor's remark in an HTML comment reaches no edition, nor the EPUB's or web edition's source."""
    out = built(tmp_path, "B4-comment")
    for text in (epub_text(out / "small-book.epub"), (out / "html" / "one.html").read_text("utf-8")):
        assert "don't publish" not in text and "<!--" not in text.split("<body", 1)[1]
        assert "More." in text


def test_B5_style_and_size_attributes_are_refused(tmp_path: Path):
    refused(tmp_path, "B5-attributes", [
        f"{CH1}:4:17: error[P004]: attribute 'style' is not allowed (use #id, .class, dir= or lang=)",
        f"{CH1}:6:1: error[P004]: attribute 'width' is not allowed (use #id, .class, dir= or lang=)",
    ])


def test_B6_chapter_front_matter_alias_bomb_is_refused(tmp_path: Path):
    # Only the alias: a front matter refused is not also "missing" its title (issue 17).
    refused(tmp_path, "B6-front-matter-bomb", [
        f"{CH1}:2:8: error[Y002]: YAML anchors and aliases are not allowed",
    ])


def test_B6_a_yaml_block_inside_a_chapter_is_text_not_metadata(tmp_path: Path):
    """Safe rendering: pandoc reads chapters with -yaml_metadata_block; only book.yaml sets metadata."""
    import zipfile

    out = built(tmp_path, None, kinds=("epub",), prepare=lambda m: write_chapter(
        m, "A night.[^dark]\n\n---\ntitle: Evil\nlang: xx\n\n---\n\nMore.\n"))
    with zipfile.ZipFile(out / "small-book.epub") as archive:
        package = archive.read("EPUB/content.opf").decode("utf-8")
    assert ">A Small Book</dc:title>" in package and "<dc:language>en-GB</dc:language>" in package
    assert "Evil" not in package and ">xx<" not in package
    assert "title: Evil" in epub_text(out / "small-book.epub")


# --- C. Pathological inputs ---------------------------------------------------------------------
# Each finishes in seconds: pandoc reads commonmark_x under its 60 s timeout and 1 GiB heap, the
# depth and size caps refuse the rest before WeasyPrint sees it. No test here measures time.


def test_C1_pathological_brackets_are_read_quickly_and_rendered(tmp_path: Path):
    out = built(tmp_path, "C1-brackets", kinds=("pdf", "epub"))
    text = epub_text(out / "small-book.epub")
    assert "[a.<strong>b</strong>]" in text and "[-option [&lt;type&gt;]]" in text


def test_C2_deep_nesting_is_refused_with_its_position(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        write_chapter(manuscript, "A night.[^dark]\n\n" + "".join("  " * i + "- a\n" for i in range(1000)))
        write_chapter(manuscript, "A note.[^inline] And one.[^light]\n\n" + "> " * 5000 + "x\n\n[^inline]: Inline.\n",
                      name="02-two.md", title="The Second Chapter")

    stderr = refused(tmp_path, None, [
        f"{CH1}:18:25: error[R001]: nested more than 12 levels deep: flatten the lists, quotations or emphasis",
        f"{CH2}:6:25: error[R001]: nested more than 12 levels deep: flatten the lists, quotations or emphasis",
    ], prepare=prepare)
    assert "RecursionError" not in stderr


def test_C2_thirteen_levels_are_one_too_many(tmp_path: Path):
    refused(tmp_path, "C2-thirteen-levels", [
        f"{CH1}:18:25: error[R001]: blocks nested 13 levels deep (limit 12): flatten the lists, quotations or emphasis",
    ])


def test_C3_deep_emphasis_is_refused(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        write_chapter(manuscript, "A night.[^dark]\n\n" + "*a **a " * 20 + "b" + " a** a*" * 20 + "\n")

    refused(tmp_path, None, [
        f"{CH1}:6:43: error[R001]: inline formatting nested 13 levels deep (limit 12): flatten the lists, "
        "quotations or emphasis",
    ], prepare=prepare)


def test_C4_huge_tables_and_spans_are_refused(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        write_chapter(manuscript, "A night.[^dark]\n\n| a | b |\n|---|---|\n" + "| x | y |\n" * 3000
                      + "\n<table><tr><td colspan=\"65534\">x</td></tr></table>\n")

    refused(tmp_path, None, [
        f"{CH1}:6:1: error[R002]: table has 3001 rows (limit 1000): split it or move it to an appendix file",
        f"{CH1}:3009:12: error[R002]: raw HTML colspan=65534 on <td> (limit 50)",
    ], prepare=prepare)


def test_C5_a_word_longer_than_the_line_breaks_inside_the_text_block(tmp_path: Path):
    import pdfplumber

    out = built(tmp_path, "C5-long-word", kinds=("pdf",))
    with pdfplumber.open(out / "small-book.pdf") as pdf:
        for page in pdf.pages:
            assert all(0 <= c["x0"] and c["x1"] <= page.width for c in page.chars), page.page_number


def test_C5_text_outside_the_text_block_fails_the_pdf(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.tools import weasyprint

    html = ("<style>@page { size: 4in 6in; margin: 0.5in }</style>"
            f"<section id='chapter-one'><pre style='white-space: pre'>{'x' * 400}</pre></section>")
    with pytest.raises(BuildError) as caught:
        weasyprint.layout(html, tmp_path, weasyprint.Resources((tmp_path,)), label="pdf edition")
    assert str(caught.value).startswith("pdf edition: error[W003]: text runs outside the text block: "
                                        "page 1 (chapter-one): 'xxxxxxxxxx")


def test_C6_svg_entity_bomb_is_refused_before_any_parser_expands_it(tmp_path: Path):
    refused(tmp_path, "C6-svg-bomb", [
        f"{CH1}:6:1: error[R005]: SVG 'images/lol.svg' has a DOCTYPE with an internal subset (where entities "
        "are declared), which images may not carry: remove it",
    ])


def test_C7_image_pixel_bomb_is_refused_from_its_header(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        (manuscript / "images").mkdir()
        (manuscript / "images" / "huge.png").write_bytes(png(10_000, 10_000))  # ~12 KB, 100 MP

    refused(tmp_path, "C7-pixel-bomb", [
        f"{CH1}:6:1: error[R003]: image 'images/huge.png' is 10000×10000 pixels (100 MP, limit 40 MP): scale it down",
    ], prepare=prepare)


def test_C8_yaml_alias_bomb_in_book_yaml_is_refused(tmp_path: Path):
    refused(tmp_path, "C8-yaml-bomb", [f"{BOOK}:3:4: error[Y002]: YAML anchors and aliases are not allowed"])


# --- D. YAML, metadata, notes -------------------------------------------------------------------


def test_D1_python_tags_are_refused_and_nothing_runs(tmp_path: Path):
    marker = Path("/tmp/pressroom-pwned")
    marker.unlink(missing_ok=True)
    refused(tmp_path, "D1-python-tag", [
        f"{BOOK}:2:11: error[Y003]: YAML tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
    ])
    assert not marker.exists()


def test_D1_no_unsafe_yaml_loader_anywhere_in_the_package():
    """What bandit's B506 looks for: yaml.load / full_load / unsafe_load, or an unsafe Loader named."""
    unsafe = {"load", "load_all", "full_load", "full_load_all", "unsafe_load", "unsafe_load_all"}
    loaders = {"Loader", "FullLoader", "UnsafeLoader", "UnsafeConstructor", "FullConstructor"}
    found = []
    for path in sorted((ROOT / "pressroom").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yaml" \
                    and (node.attr in unsafe or node.attr in loaders):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: yaml.{node.attr}")
    assert found == []


def test_D2_duplicate_key_is_refused_naming_both_lines(tmp_path: Path):
    refused(tmp_path, "duplicate-key", [f"{BOOK}:3:1: error[Y005]: duplicate key 'title' (first at line 1)"])


def test_D3_scalars_stay_the_strings_that_were_written(tmp_path: Path):
    """Safe rendering: `no` stays the language code, `1.10` the version, dates and `012` text."""
    from pressroom.manuscript.load import load_book
    from pressroom.messages import BuildError, Report

    book = load_book(copy_manuscript("mini", tmp_path, "D3-yaml-typing"), Report())
    assert (book.language, book.version) == ("no", "1.10")
    assert book.notes["dark"].cite == "no @dark-2024, 012"
    manuscript = tmp_path / "manuscript"
    (manuscript / "book.yaml").write_text((manuscript / "book.yaml").read_text().replace(
        "authors: [Ada Writer]", "authors: {first: Ada}"))
    with pytest.raises(BuildError) as caught:
        load_book(manuscript, Report())
    assert str(caught.value) == f"{BOOK}:3:10: error[B003]: 'authors' must be a list of strings"


def test_D4_invalid_utf8_in_notes_yaml_names_line_and_character_column(tmp_path: Path):
    refused(tmp_path, "D4-notes-utf8", [f"{NOTES}:4:40: error[E001]: not valid UTF-8 (byte 0x93)"])


@pytest.mark.parametrize("overlay, expected", [
    ("note-undefined", f"{CH1}:4:64: error[N001]: note 'missing' is referenced but defined neither in this "
                       "chapter nor in notes.yaml"),
    ("note-twice", f"{CH2}:10:1: error[N002]: note 'inline' is defined twice (first at {NOTES}:6): rename one"),
])
def test_D5_every_note_call_has_exactly_one_definition(tmp_path: Path, overlay: str, expected: str):
    refused(tmp_path, overlay, [expected])


def test_D5_a_note_never_called_is_a_warning(tmp_path: Path):
    built(tmp_path, "note-unused", kinds=("epub",),
          warnings=[f"{NOTES}:6:3: warning[N003]: note 'spare' is defined but never referenced"])


def test_D6_the_chapter_list_stays_inside_the_manuscript(tmp_path: Path):
    refused(tmp_path, "D6-chapter-escape", [
        f"{BOOK}:11:5: error[B006]: chapter 'passwd' lies outside the manuscript folder",
        f"{BOOK}:12:5: error[B007]: chapters[3] not found: manuscript/chapters/04-four.md",
    ])


def test_D6_without_a_list_chapters_come_in_natural_order(tmp_path: Path):
    from pressroom.manuscript.load import load_book
    from pressroom.messages import Report

    manuscript = copy_manuscript("mini", tmp_path)
    book_yaml = manuscript / "book.yaml"
    book_yaml.write_text(book_yaml.read_text().replace("chapters:\n  - chapters/01-one.md\n  - chapters/02-two.md\n", ""))
    (manuscript / "chapters" / "01-one.md").rename(manuscript / "chapters" / "ch2.md")
    (manuscript / "chapters" / "02-two.md").rename(manuscript / "chapters" / "ch10.md")
    book = load_book(manuscript, Report())
    assert [c.path.name for c in book.chapters] == ["ch2.md", "ch10.md"]


def test_D7_slug_cannot_name_a_path(tmp_path: Path):
    refused(tmp_path, "D7-slug-escape", [
        f"{BOOK}:5:7: error[B004]: 'slug' must be lower-case letters, digits and hyphens, not '../../index'",
    ])


# --- E. Jinja -----------------------------------------------------------------------------------


def test_E1_markup_in_titles_is_escaped_in_every_edition(tmp_path: Path):
    from pypdf import PdfReader

    out = built(tmp_path, "E1-script-title")
    pages = [p.read_text("utf-8") for p in sorted((out / "html").glob("*.html"))]
    for text in [*pages, epub_text(out / "small-book.epub")]:
        assert "<script>alert" not in text and "<img src=x" not in text and "<b onmouseover" not in text
    assert any("&lt;script&gt;alert(1)&lt;/script&gt; Book" in text for text in pages)
    assert PdfReader(out / "small-book.pdf").metadata.title.startswith("<script>alert(1)</script> Book")


def test_E2_templates_are_strict_and_their_errors_name_the_line(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.render import page_environment, render_page
    from pressroom.theme import Theme

    (tmp_path / "templates" / "pdf").mkdir(parents=True)  # the book's own templates
    (tmp_path / "templates" / "pdf" / "x.html").write_text("<p>\n{{ book.title }}\n{% if %}\n</p>\n")
    (tmp_path / "templates" / "pdf" / "y.html").write_text("<p>{{ subtitle }}</p>\n")
    env = page_environment("pdf", Theme(tmp_path))
    with pytest.raises(BuildError) as caught:
        render_page(env, "x.html", {"book": {"title": "T"}})
    message = caught.value.messages[0]
    assert (message.code, message.line, message.path.endswith("pdf/x.html")) == ("J001", 3, True)
    with pytest.raises(BuildError) as caught:
        render_page(env, "y.html", {"book": {}})
    assert caught.value.messages[0].text == "undefined variable: 'subtitle' is undefined"
    assert env.autoescape("x.html") and env.autoescape(None)


@pytest.mark.parametrize("overlay, expected", [
    ("E3-sandbox-escape", f"{CH1}:6:1: error[J002]: undefined variable: 'cycler' is undefined"),
    ("E3-unsafe-attribute", f"{CH1}:6:1: error[J004]: not allowed in a chapter's template: access to attribute "
                            "'__class__' of 'dict' object is unsafe."),
])
def test_E3_known_sandbox_escapes_end_in_an_error_naming_the_chapter_and_line(tmp_path: Path, overlay, expected):
    refused(tmp_path, overlay, [expected])


def test_E3_chapter_templates_cannot_compute_bombs_or_include(tmp_path: Path):
    from pressroom.messages import BuildError
    from pressroom.model import Chapter
    from pressroom.render import render_chapter

    context = {"book": {"title": "T"}, "edition": {"kind": "pdf"}}
    cases = {
        "{{ 9**9**9 }}": "J004", "{{ 'x' * 100000 }}": "J004", "{% include 'ch.md' %}": "J004",
        "{{ book.title.center(10**9) }}": "J004", "{{ range(10) }}": "J002", "{{ lipsum() }}": "J002",
        "{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}": "J004",
    }
    for body, code in cases.items():
        chapter = Chapter(id="c", title="t", path=tmp_path / "ch.md", shown="ch.md", body=body, body_line=4)
        with pytest.raises(BuildError) as caught:
            render_chapter(chapter, context)
        assert (caught.value.messages[0].code, caught.value.messages[0].line) == (code, 4), body


def test_E3_titles_notes_and_metadata_are_data_never_templates(tmp_path: Path):
    out = built(tmp_path, "E3-data-not-template", kinds=("epub",))
    text = epub_text(out / "small-book.epub")
    assert "{{ 7*7 }} and {% if true %}x{% endif %}" in text
    assert "A note of {{ 7*7 }}." in text
    assert "49" not in text


# --- F. Text encoding ---------------------------------------------------------------------------


def test_F1_cp1252_chapter_is_refused_at_its_first_bad_byte(tmp_path: Path):
    refused(tmp_path, "F1-cp1252", [f"{CH1}:6:26: error[E001]: not valid UTF-8 (byte 0x93)"])


def test_F2_mojibake_is_a_warning_with_the_likely_text(tmp_path: Path):
    built(tmp_path, "F2-mojibake", kinds=("epub",), warnings=[
        f"{CH1}:6:7: warning[L006]: 'The cafÃ© was open; itâ€™s' looks like mojibake: text decoded with the wrong "
        "encoding (perhaps 'The café was open; it’s')",
    ])


def test_F3_utf8_read_as_gbk_is_refused_where_no_face_holds_it(tmp_path: Path):
    # The lint's L007 warning says what happened; the GBK-only ideographs it left (鈥, 滳) are in no bundled
    # face (the CJK one holds GB 2312, not GBK), so the build also stops on them: they would print
    # as empty boxes.
    box = ("is in no font the editions embed (the book face or a bundled fallback: "
           "see pressroom/styles/fonts/fallback/README.md); it would print as an empty box")
    refused(tmp_path, "F3-gbk-mojibake", [
        f"{CH1}:6:1: error[K001]: U+9225 CJK UNIFIED IDEOGRAPH-9225 '鈥' {box}",
        f"{CH1}:6:2: error[K001]: U+6EF3 CJK UNIFIED IDEOGRAPH-6EF3 '滳' {box}",
        f"{CH1}:6:6: error[K001]: U+9225 CJK UNIFIED IDEOGRAPH-9225 '鈥' {box}",
    ], kinds=("epub",))


def test_F4_byte_order_mark_inside_the_text_is_a_warning(tmp_path: Path):
    built(tmp_path, "F4-interior-bom", kinds=("epub",), warnings=[
        f"{CH1}:7:1: warning[L004]: U+FEFF ZERO WIDTH NO-BREAK SPACE (byte-order mark) inside the text: "
        "were two files joined?",
    ])


def test_F5_crlf_line_ends_count_once(tmp_path: Path):
    refused(tmp_path, "F5-crlf", [
        f"{CH1}:7:1: error[P002]: link scheme 'javascript:' is not allowed (use https, http, mailto or #id)",
    ])


def test_F6_text_not_in_nfc_is_a_warning_naming_what_would_change(tmp_path: Path):
    """Pandoc 3.9 itself reads text as NFC, so the warning is the author's only notice that NFD
    accents are composed, and that a CJK compatibility ideograph (U+F900) becomes another one."""
    advice = "headings and cross-references may not match; save the file as NFC"
    nfd = f"text is not in Unicode NFC ('e' + U+0301 COMBINING ACUTE ACCENT would become 'é'): {advice}"
    out = built(tmp_path, "F6-nfd", kinds=("epub",), warnings=[
        f"{CH1}:6:7: warning[L005]: {nfd}", f"{CH1}:8:21: warning[L005]: {nfd}",
        f"{CH1}:10:28: warning[L005]: text is not in Unicode NFC (U+F900 CJK COMPATIBILITY IDEOGRAPH-F900 would "
        f"become '\u8c48'): {advice}",
    ])
    assert 'id="caf\u00e9-society"' in epub_text(out / "small-book.epub")


def test_F7_bidi_controls_outside_rtl_spans_are_errors(tmp_path: Path):
    bidi = "outside a right-to-left span: it can make text read differently from how it is stored; " \
           "mark the passage [like this]{dir=rtl}"
    refused(tmp_path, "F7-bidi", [
        f"{CH1}:6:15: error[L002]: U+202E RIGHT-TO-LEFT OVERRIDE {bidi}",
        f"{CH1}:6:20: error[L002]: U+202C POP DIRECTIONAL FORMATTING {bidi}",
        f"{CH1}:8:4: error[L002]: U+2066 LEFT-TO-RIGHT ISOLATE {bidi}",
        f"{CH1}:8:12: error[L002]: U+2069 POP DIRECTIONAL ISOLATE {bidi}",
        f"{CH1}:8:22: error[L003]: invisible U+200B ZERO WIDTH SPACE: write it as &#x200B; if it is meant",
    ])  # line 10's isolates sit inside [...]{dir=rtl}: allowed


def test_F8_nul_and_control_characters_are_errors(tmp_path: Path):
    refused(tmp_path, "F8-controls", [
        f"{CH1}:6:6: error[L001]: control character U+0000 NULL",
        f"{CH1}:6:18: error[L001]: control character U+0007 BELL",
    ])


def test_F9_typography_is_never_rewritten(tmp_path: Path):
    out = built(tmp_path, "F9-never-rewritten", kinds=("epub",))
    assert "It’s “quoted”, a ﬁne ligature, ＦＵＬＬ width, and ½." in epub_text(out / "small-book.epub")


def test_F9_no_ftfy_fixer_runs_on_a_manuscript():
    """ftfy's fixers change text (quotes, ligatures, widths); the build only uses its badness check
    (and fix_encoding on a snippet, to suggest a repair in a warning)."""
    fixers = {"fix_text", "fix_and_explain", "fix_file", "fix_text_segment", "fix_character_width",
              "uncurl_quotes", "fix_latin_ligatures"}
    for path in sorted((ROOT / "pressroom").rglob("*.py")):
        if path.parent.name == "manuscript" and path.name in ("importer.py", "repair.py"):
            continue  # the importer repairs a damaged essay on request, with a report
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else \
                node.name if isinstance(node, ast.alias) else None
            assert name not in fixers, f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')} uses {name}"
