"""Importing the damaged seed essay (tests/fixtures/essay-as-received.txt) into a manuscript folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import jinja2
import pypandoc
import pytest
import yaml

from pressroom.manuscript.importer import (
    LOST_LINK_COMMENT, escape_markdown, format_report, import_essay, note_ids, yaml_string,
)
from pressroom.manuscript.load import load_book
from pressroom.messages import BuildError, Report

ESSAY = Path(__file__).resolve().parent / "fixtures" / "essay-as-received.txt"
CHAPTERS = [
    ("01-introduction.md", "Introduction"),
    ("02-the-tortured-prc-dprk-relationship.md", "The Tortured PRC-DPRK Relationship"),
    ("03-political-influence-vs-material-leverage-and-implications-for-us-policy.md",
     "Political Influence vs. Material Leverage and Implications for US Policy"),
]
NOTE_IDS = [
    "minsaengdan-incident", "sino-north-korean-war-2003", "situation-dprk-1955", "events-1956",
    "prl-dprk-pimenov-ussr-1957", "mao-pavel-yudin-1956", "kim-todor-zhivkov-1973-batmunkh",
    "kim-todor-zhivkov-1973", "victor-cha-powerplay-2016", "north-korea-instability-project",
]
FLAGGED = ["situation-dprk-1955", "events-1956", "prl-dprk-pimenov-ussr-1957",
           "kim-todor-zhivkov-1973-batmunkh", "kim-todor-zhivkov-1973", "north-korea-instability-project"]
# (line, col) in the received file, and the character inferred for the lone 鈥 there.
INFERRED = [
    (4, 471, "”"), (7, 59, "”"), (7, 107, "”"), (7, 408, "’"), (8, 467, "”"), (9, 221, "”"),
    (9, 700, "”"), (10, 277, "’"), (10, 520, "”"), (16, 251, "’"), (16, 971, "”"), (16, 1080, "”"),
    (18, 184, "”"), (20, 87, "”"), (22, 47, "”"), (24, 215, "”"), (26, 162, "”"), (30, 75, "”"),
    (30, 329, "”"), (32, 75, "”"), (34, 187, "”"), (36, 199, "”"),
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    dest = tmp_path_factory.mktemp("import") / "manuscript"
    return dest, import_essay(ESSAY, dest)


def chapter_texts(dest: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((dest / "chapters").glob("*.md"))}


def front_matter(text: str) -> tuple[dict, str]:
    match = re.fullmatch(r"---\n(.*?)\n---\n(.*)", text, flags=re.S)
    assert match, "chapter must start with YAML front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


def output_texts(dest: Path) -> dict[str, str]:
    texts = chapter_texts(dest)
    texts.update({f"note {k}": v["text"] for k, v in yaml.safe_load((dest / "notes.yaml").read_text()).items()})
    return texts


def test_fixture_is_the_damaged_seed() -> None:
    text = ESSAY.read_text(encoding="utf-8")
    assert "Carter鈥檚" in text and "Prot茅g茅" in text and "Corp鈥 or" in text


def test_three_chapters_with_their_titles(imported) -> None:
    dest, _ = imported
    texts = chapter_texts(dest)
    assert list(texts) == [name for name, _ in CHAPTERS]
    for name, title in CHAPTERS:
        meta, body = front_matter(texts[name])
        assert meta == {"title": title}
        assert body.strip() and not body.startswith("\n")
    assert texts["01-introduction.md"].startswith("---\ntitle: Introduction\n---\nStarting in the mid-1970s")


def test_paragraphs_are_separated_by_blank_lines(imported) -> None:
    dest, _ = imported
    bodies = [front_matter(t)[1] for t in chapter_texts(dest).values()]
    assert [len(b.strip().split("\n\n")) for b in bodies] == [1, 10, 3]
    assert all("\n" not in p for b in bodies for p in b.strip().split("\n\n"))


def test_ten_notes_in_order_with_stable_ids(imported) -> None:
    dest, _ = imported
    notes = yaml.safe_load((dest / "notes.yaml").read_text(encoding="utf-8"))
    assert list(notes) == NOTE_IDS
    assert all(set(note) == {"text"} and note["text"] for note in notes.values())
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in notes)


def test_each_note_is_referenced_once_in_order_and_glued(imported) -> None:
    dest, _ = imported
    body = "".join(front_matter(t)[1] for t in chapter_texts(dest).values())
    assert re.findall(r"\[\^([^\]]+)\]", body) == NOTE_IDS
    assert not re.search(r"\s\[\^", body), "a note call must follow the text without a space"
    assert not re.search(r"\[\d+\]", body), "no numeric marker may survive"
    assert "executed.[^minsaengdan-incident] One can only imagine" in body
    assert "or worse.[^north-korea-instability-project] The collapse" in body


def test_the_manuscript_loads(imported) -> None:
    dest, _ = imported
    report = Report()
    book = load_book(dest, report)
    # A running head is an editor's call: the long third title is named for a short-title.
    assert [(m.code, m.path.rsplit("/", 1)[-1][:3]) for m in report.messages] == [("C010", "03-")]
    assert [c.title for c in book.chapters] == [t for _, t in CHAPTERS]
    assert [r.id for c in book.chapters for r in c.refs] == NOTE_IDS


def test_no_damage_left_in_any_output(imported) -> None:
    dest, _ = imported
    for name, text in output_texts(dest).items():
        assert "\ufffd" not in text, name
        assert "鈥" not in text, name
        assert not [ch for ch in text if ord(ch) >= 0x2E80], name
        assert set(ch for ch in text if ord(ch) > 0x7F) <= set("’“”—é"), name


def test_quotes_balanced_in_every_paragraph(imported) -> None:
    dest, _ = imported
    for name, text in output_texts(dest).items():
        for paragraph in text.split("\n\n"):
            depth = 0
            for ch in paragraph:
                depth += {"“": 1, "”": -1}.get(ch, 0)
                assert depth in (0, 1), (name, paragraph[:60])
            assert depth == 0, (name, paragraph[:60])


def test_repaired_prose(imported) -> None:
    dest, _ = imported
    body = "".join(chapter_texts(dest).values())
    for expected in ["President Carter’s national", "what it believed—incorrectly—to be China’s influence",
                     "the “People’s Livelihood Corp” or Minsaengdan", "the concept “Juche,” a term",
                     "the Korean Workers’ Party (KWP)", "the Korean Workers’ Party Central Committee",
                     "do the US’ bidding", "over its protégé to influence", "Protégé allies",
                     "the PRC—just one year after coming to power—fought"]:
        assert expected in body
    assert "Kim Il Sung's actions" in body, "the essay's own straight apostrophe stays"


def test_lost_links_removed_and_commented(imported) -> None:
    dest, _ = imported
    source = (dest / "notes.yaml").read_text(encoding="utf-8")
    notes = yaml.safe_load(source)
    commented = [m.group(1) for m in re.finditer(rf"^{re.escape(LOST_LINK_COMMENT)}\n([a-z0-9-]+):$", source, re.M)]
    assert commented == FLAGGED
    assert source.count(LOST_LINK_COMMENT) == len(FLAGGED)
    for note in notes.values():
        assert not re.search(r"[.,][”’]* \.(\s|$)", note["text"]), note["text"]
    assert notes["situation-dprk-1955"]["text"].endswith("translated for NKIDP by Gary Goldberg.")
    assert "on the events of 1956. See also James F. Person" in notes["events-1956"]["text"]
    assert "Donna Kovacheva. See also, “Record" in notes["kim-todor-zhivkov-1973-batmunkh"]["text"]
    assert notes["north-korea-instability-project"]["text"].endswith("“The North Korea Instability Project.”")
    assert notes["mao-pavel-yudin-1956"]["text"] == (
        "Record of Conversation between Mao Zedong and Soviet Ambassador to the PRC, Pavel Yudin, November, 1956.")


def test_result_lists_repairs_flags_and_files(imported) -> None:
    dest, result = imported
    assert [(r.line, r.col, r.replacement) for r in result.repairs if r.inferred] == INFERRED
    assert sum(1 for r in result.repairs if not r.inferred) == 75
    assert [f.id for f in result.flagged] == FLAGGED
    assert {p.relative_to(dest).as_posix() for p in result.written} == (
        {f"chapters/{name}" for name, _ in CHAPTERS} | {"notes.yaml", "book.yaml"})


def test_inferred_positions_point_at_the_lone_lead(imported) -> None:
    _, result = imported
    lines = ESSAY.read_text(encoding="utf-8").split("\n")
    for repair in result.repairs:
        assert lines[repair.line - 1][repair.col - 1:].startswith(repair.original)
        if repair.inferred:
            assert repair.original == "鈥"


def test_report(imported) -> None:
    _, result = imported
    report = format_report(result).splitlines()
    assert report[0] == "essay-as-received.txt: 75 exact repairs, 22 inferred characters, 6 flagged notes"
    assert 'essay-as-received.txt:4:471: inferred ” in "…Livelihood Corp” or Minsaengdan…"' in report
    assert 'essay-as-received.txt:16:251: inferred ’ in "…ng to do the US’ bidding. While…"' in report
    assert sum(": inferred " in line for line in report) == 22
    assert "note 'situation-dprk-1955': link lost in the received text (ends in \". .\")" in report
    assert "note 'events-1956': link lost in the received text (\", .\" before \"See also\")" in report
    assert sum(line.startswith("note '") for line in report) == 6


def test_minimal_book_yaml_when_absent(imported) -> None:
    dest, _ = imported
    book = yaml.safe_load((dest / "book.yaml").read_text(encoding="utf-8"))
    assert book["language"] == "en-US" and book["version"] == "0.1"
    assert book["chapters"] == [f"chapters/{name}" for name, _ in CHAPTERS]
    assert {"title", "slug"} <= set(book) and "authors" not in book


def test_existing_book_yaml_is_kept(tmp_path: Path) -> None:
    dest = tmp_path / "manuscript"
    dest.mkdir()
    editors = "title: The Editors' Title\nlanguage: en-US\nslug: kept\nversion: \"1.0\"\n"
    (dest / "book.yaml").write_text(editors, encoding="utf-8")
    result = import_essay(ESSAY, dest)
    assert (dest / "book.yaml").read_text(encoding="utf-8") == editors
    assert dest / "book.yaml" not in result.written


def test_reimport_replaces_files_atomically_and_identically(tmp_path: Path) -> None:
    dest = tmp_path / "manuscript"
    import_essay(ESSAY, dest)
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    notes = dest / "notes.yaml"
    notes.write_text("old: {text: stale}\n", encoding="utf-8")
    old_link = tmp_path / "old-notes.yaml"
    os.link(notes, old_link)  # a reader holding the old file
    import_essay(ESSAY, dest)
    # A rename puts a new file in place; writing in place would have changed the linked one too.
    assert old_link.read_text(encoding="utf-8") == "old: {text: stale}\n"
    assert notes.stat().st_ino != old_link.stat().st_ino
    assert {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()} == before
    assert not [p for p in dest.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    dest = tmp_path / "manuscript"
    (dest / "notes.yaml").mkdir(parents=True)  # cannot be replaced by a file
    with pytest.raises(BuildError) as caught:
        import_essay(ESSAY, dest)
    assert [m.code for m in caught.value.messages] == ["I006"]
    assert not [p for p in dest.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert (dest / "notes.yaml").is_dir()


def test_missing_and_undecodable_sources_are_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as missing:
        import_essay(tmp_path / "nowhere.txt", tmp_path / "out")
    assert missing.value.messages[0].code == "I001"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Intro text.\n\xff\xfe broken\n-\nA note.\n")
    with pytest.raises(BuildError) as undecodable:
        import_essay(bad, tmp_path / "out")
    assert [(m.code, m.line, m.col) for m in undecodable.value.messages] == [("E001", 2, 1)]
    assert not (tmp_path / "out").exists()


def write_essay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "essay.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_markers_out_of_order_are_an_error(tmp_path: Path) -> None:
    essay = write_essay(tmp_path, "One claim. [2] Another. [1]\n-\nSee A.\n-\nSee B.\n")
    with pytest.raises(BuildError) as caught:
        import_essay(essay, tmp_path / "out")
    assert [(m.code, m.line) for m in caught.value.messages] == [("I005", 1)]


def test_damage_that_cannot_be_repaired_is_an_error(tmp_path: Path) -> None:
    essay = write_essay(tmp_path, "Intro with 中文 in it. [1]\n-\nSee A.\n")
    with pytest.raises(BuildError) as caught:
        import_essay(essay, tmp_path / "out")
    assert [(m.code, m.line, m.col) for m in caught.value.messages] == [("I002", 1, 12)]


def test_prose_that_looks_like_markup_is_escaped(tmp_path: Path) -> None:
    essay = write_essay(tmp_path, "Intro. [1]\nA Heading\n1950. The war began.\n# not a heading, *not* emphasis {{ x }}.\n"
                                  "-\nSee “A Study of Things,” 1999.\n")
    dest = tmp_path / "out"
    import_essay(essay, dest)
    second = (dest / "chapters" / "02-a-heading.md").read_text(encoding="utf-8")
    assert second.endswith("---\n1950\\. The war began.\n\n\\# not a heading, \\*not\\* emphasis {\\{ x }}.\n")
    assert list(yaml.safe_load((dest / "notes.yaml").read_text())) == ["study-things-1999"]


def test_heading_without_text_is_an_error(tmp_path: Path) -> None:
    essay = write_essay(tmp_path, "Intro. [1]\nA Heading\nAnother Heading\nText.\n-\nSee A.\n")
    with pytest.raises(BuildError) as caught:
        import_essay(essay, tmp_path / "out")
    assert [(m.code, m.line) for m in caught.value.messages] == [("I003", 2)]


def test_notes_starting_alike_get_distinct_ids() -> None:
    first = "See “Memorandum on the Conversation between Kim Il Sung and Todor Zhivkov,” October 30, 1973."
    both = first + " See also, “Record of Conversation between Comrade J. Batmunkh and Kim Il Sung,” 1986."
    assert note_ids([both, first]) == ["kim-todor-zhivkov-1973-batmunkh", "kim-todor-zhivkov-1973"]
    assert note_ids([first, first]) == ["kim-todor-zhivkov-1973", "kim-todor-zhivkov-1973-2"]


@pytest.mark.parametrize("value", [
    "plain", "Introduction", "yes", "a: b", "#hash", "quote \" and \\ backslash", " leading space",
    "line\nbreak", "tab\there", "sep\u2028arator", "“curly” ’ — é", "emoji 😀", "- dash", "null", "",
])
def test_yaml_strings_round_trip(value: str) -> None:
    assert yaml.safe_load(f"key: {yaml_string(value)}\n") == {"key": value}


def pandoc_plain(markdown: str) -> str | None:
    """The paragraph's text if commonmark_x reads `markdown` as one plain paragraph, else None."""
    done = subprocess.run([pypandoc.get_pandoc_path(), "-f", "commonmark_x", "-t", "json"],
                          input=markdown.encode("utf-8"), capture_output=True, check=True)
    blocks = json.loads(done.stdout)["blocks"]
    if len(blocks) != 1 or blocks[0]["t"] != "Para":
        return None
    parts = []
    for inline in blocks[0]["c"]:
        if inline["t"] not in ("Str", "Space"):
            return None
        parts.append(inline["c"] if inline["t"] == "Str" else " ")
    return "".join(parts)


@pytest.mark.parametrize("prose", [
    "1950. The war", "# not a heading", "> quote", ">quote", "- item", "+ item", "* item",
    "A. Lincoln said", "iv) roman", "(a) first", ": definition", "___", "---", "a *b* c",
    "snake_case and _x_", "[link](x)", "[^note]", "<b>bold</b>", "cost $5 and $6", "H~2~O", "2^10^",
    "a &amp; b", ":smile: face", "`code`", "back\\slash", "~~~", "| a | b |", "![img](x)",
    "Working Paper #52 (August 2006)", "J.J. Suh ed. Origins", "1) list",
])
def test_escaped_prose_reads_back_as_plain_text(prose: str) -> None:
    assert pandoc_plain(escape_markdown(prose)) == prose


@pytest.mark.parametrize("prose", ["{{ book.title }}", "{% if x %}", "{# comment #}", "a { b } c"])
def test_escaped_prose_survives_jinja(prose: str) -> None:
    escaped = escape_markdown(prose)
    assert jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(escaped).render() == escaped
    assert pandoc_plain(escaped) == prose


def test_escaping_is_minimal_for_the_essay(imported) -> None:
    dest, _ = imported
    body = "".join(front_matter(t)[1] for t in chapter_texts(dest).values())
    notes = (dest / "notes.yaml").read_text(encoding="utf-8")
    assert "\\" not in body and "\\" not in notes
    assert unicodedata.is_normalized("NFC", body)
