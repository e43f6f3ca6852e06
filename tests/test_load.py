"""The loader: book.yaml schema, chapters and front matter, notes, all with positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom.manuscript.load import load_book
from pressroom.manuscript.sources import load_yaml
from pressroom.messages import BuildError, Report


def test_loads_the_small_book(mini: Path):
    report = Report()
    book = load_book(mini, report)
    assert book.title == "A Small Book"
    assert book.authors == ("Ada Writer",)
    assert book.language == "en-GB"
    assert [c.title for c in book.chapters] == ["The First Chapter", "The Second Chapter"]
    assert [c.id for c in book.chapters] == ["one", "two"]
    assert sorted(book.notes) == ["dark", "light"]
    assert [r.id for r in book.chapters[1].refs] == ["inline", "light"]
    assert [d.id for d in book.chapters[1].inline_notes] == ["inline"]
    assert book.edition("epub").isbn == "978-0-00-000000-2"
    assert report.messages == []


def test_chapter_body_line_counts_the_front_matter(mini: Path):
    book = load_book(mini, Report())
    assert book.chapters[0].body_line == 4
    ref = book.chapters[0].refs[0]
    assert (ref.id, ref.pos.line, ref.pos.col) == ("dark", 4, 44)


def test_scalars_stay_strings():
    node = load_yaml("lang: no\nedition: 012\nversion: 1.10\ndate: 2024-01-02\n", "x.yaml")
    assert {k: v.value for k, v in node.value.items()} == {
        "lang": "no", "edition": "012", "version": "1.10", "date": "2024-01-02"}


def test_aliases_are_refused():
    with pytest.raises(BuildError) as caught:
        load_yaml("a: &x [1, 2]\nb: *x\n", "x.yaml")
    assert str(caught.value.messages[0]) == "x.yaml:1:4: error[Y002]: YAML anchors and aliases are not allowed"


def test_python_tags_are_refused():
    with pytest.raises(BuildError) as caught:
        load_yaml("a: !!python/object/apply:os.system ['true']\n", "x.yaml")
    assert caught.value.messages[0].code in {"Y001", "Y003"}


def test_chapters_default_to_natural_file_order(mini: Path):
    (mini / "book.yaml").write_text((mini / "book.yaml").read_text().split("chapters:")[0]
                                    + "editions:\n  - kind: pdf\n")
    (mini / "chapters" / "10-ten.md").write_text("---\ntitle: Ten\n---\nText.\n")
    book = load_book(mini, Report())
    assert [c.id for c in book.chapters] == ["one", "two", "ten"]


def test_every_problem_is_reported_in_one_run(mini: Path):
    text = (mini / "book.yaml").read_text().replace("version:", "colour: red\nversion:")
    (mini / "book.yaml").write_text(text + "  - kind: mobi\n")
    (mini / "chapters" / "01-one.md").write_text("---\ntitle: One\n---\nA call.[^nowhere]\n")
    with pytest.raises(BuildError) as caught:
        load_book(mini, Report())
    codes = sorted(m.code for m in caught.value.messages)
    assert codes == ["B001", "B005", "N001"]


def test_slug_cannot_escape_the_build_folder(mini: Path):
    text = (mini / "book.yaml").read_text().replace("slug: small-book", "slug: ../../index")
    (mini / "book.yaml").write_text(text)
    with pytest.raises(BuildError) as caught:
        load_book(mini, Report())
    assert caught.value.messages[0].code == "B004"
    assert "'slug' must be lower-case letters" in caught.value.messages[0].text


def test_chapter_outside_the_manuscript_is_refused(mini: Path):
    text = (mini / "book.yaml").read_text().replace("chapters/02-two.md", "../../etc/passwd")
    (mini / "book.yaml").write_text(text)
    with pytest.raises(BuildError) as caught:
        load_book(mini, Report())
    assert [m.code for m in caught.value.messages] == ["B006"]
