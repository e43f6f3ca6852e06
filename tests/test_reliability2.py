"""RELIABILITY.md group I (issue 17): a cache that cannot be poisoned, layout that cannot hang,
one build per folder, and a message, never a traceback, for every case that once gave one.

Every build here is real (tests/fixtures/mini, or a book the test writes); the cache is
damaged by hand between builds, never mocked.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, copy_manuscript, run_cli
from hardening import MESSAGE, refused, write_chapter

CH1 = "manuscript/chapters/01-one.md"
KINDS = ("pdf", "epub")
EDITIONS = ("small-book.pdf", "small-book.epub")


def _build(manuscript: Path, out: Path, *kinds: str) -> subprocess.CompletedProcess:
    """`build` run beside the manuscript, as `make` runs it: messages name build/… and manuscript/…."""
    return run_cli("build", *(kinds or KINDS), "--manuscript", manuscript.name,
                   "--out", os.path.relpath(out, manuscript.parent), cwd=manuscript.parent)


def _editions(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in EDITIONS}


def _entries(out: Path) -> list[Path]:
    return sorted(p for p in (out / ".cache").rglob("*") if p.is_file() and not p.name.endswith(".tmp"))


def _no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert all(MESSAGE.match(line) for line in done.stderr.splitlines() if "error[" in line or "warning[" in line)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """The mini book built once from nothing: the bytes every later build must equal."""
    base = tmp_path_factory.mktemp("clean")
    manuscript = copy_manuscript("mini", base)
    done = _build(manuscript, base / "build")
    assert done.returncode == 0, done.stderr
    return base / "build", _editions(base / "build")


def _warm(clean: tuple[Path, dict[str, bytes]], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the clean build, cache included, beside its own copy of the manuscript."""
    manuscript = copy_manuscript("mini", tmp_path)
    out = tmp_path / "build"
    shutil.copytree(clean[0], out)
    return manuscript, out


# --- I1. the cache is checked on every read ------------------------------------------------------


def test_I1_words_forged_in_the_cache_are_never_published(clean, tmp_path: Path):
    """Edit the words of every cache entry that holds them: the rebuild names each entry it
    discards and publishes the manuscript's words, byte for byte the clean build."""
    manuscript, out = _warm(clean, tmp_path)
    forged = []
    for entry in _entries(out):
        data = entry.read_bytes()
        if b"dark" in data:
            entry.write_bytes(data.replace(b"dark", b"DRAGON"))
            forged.append(entry)
    assert forged
    done = _build(manuscript, out)
    assert done.returncode == 0, done.stderr
    _no_traceback(done)
    discarded = {line.split(": warning")[0] for line in done.stderr.splitlines() if "warning[O010]" in line}
    assert discarded == {str(p.relative_to(manuscript.parent)) for p in forged}
    assert _editions(out) == clean[1]
    assert b"DRAGON" not in b"".join(p.read_bytes() for p in _entries(out))


@pytest.mark.parametrize("damage", ["truncated", "random", "empty"])
def test_I1_a_damaged_cache_entry_is_discarded_and_made_again(clean, tmp_path: Path, damage: str):
    manuscript, out = _warm(clean, tmp_path)
    chance = random.Random(damage)
    for entry in _entries(out):
        size = entry.stat().st_size
        entry.write_bytes({"truncated": entry.read_bytes()[: size // 2], "empty": b"",
                           "random": chance.randbytes(size)}[damage])
    done = _build(manuscript, out)
    assert done.returncode == 0, done.stderr
    _no_traceback(done)
    assert "warning[O010]: build cache entry does not match its seal" in done.stderr
    assert _editions(out) == clean[1]
    again = _build(manuscript, out)  # every entry made again: nothing left to warn about
    assert again.returncode == 0 and "O010" not in again.stderr, again.stderr


def test_I1_the_cache_serves_another_clone_in_another_folder(clean, tmp_path: Path):
    """No key holds where the book lies: a clone elsewhere lays nothing out again, same bytes."""
    manuscript, out = _warm(clean, tmp_path / "elsewhere" / "deeper")
    done = _build(manuscript, out)
    assert done.returncode == 0, done.stderr
    assert "pdf: merged 2 chapters into" in done.stdout and "(0 laid out, 2 from the cache;" in done.stdout, done.stdout
    assert "O010" not in done.stderr
    assert _editions(out) == clean[1]


def test_I1_the_layout_key_names_the_font_subsetter():
    """WeasyPrint cuts fonts with HarfBuzz-Subset or fontTools, which write different bytes."""
    from pressroom.editions.typeset import _tool_versions
    from pressroom.tools.weasyprint import font_subsetter

    assert font_subsetter() in ("harfbuzz-subset", "fonttools")
    assert f"subsetter={font_subsetter()}" in _tool_versions()


def test_I1_fuzz_corrupt_truncate_and_swap_entries_between_builds(clean, tmp_path: Path):
    """Seeded: before each build, damage a few random entries (flip bytes, truncate, swap two of
    a kind). Every build must equal the clean build byte for byte, or fail with messages only."""
    manuscript, out = _warm(clean, tmp_path)
    chance = random.Random(17)
    for round_ in range(5):
        entries = _entries(out)
        for entry in chance.sample(entries, min(4, len(entries))):
            data = bytearray(entry.read_bytes())
            how = chance.choice(["flip", "truncate", "swap"])
            if how == "flip" and data:
                for _ in range(chance.randint(1, 8)):
                    data[chance.randrange(len(data))] ^= 1 << chance.randrange(8)
                entry.write_bytes(bytes(data))
            elif how == "truncate":
                entry.write_bytes(bytes(data[: chance.randrange(len(data) + 1)]))
            else:
                kin = [e for e in entries if e.parent == entry.parent and e.suffix == entry.suffix and e != entry]
                if kin:
                    other = chance.choice(kin)
                    a, b = entry.read_bytes(), other.read_bytes()
                    entry.write_bytes(b)
                    other.write_bytes(a)
        done = _build(manuscript, out)
        _no_traceback(done)
        if done.returncode == 0:
            assert _editions(out) == clean[1], f"round {round_}"
        else:
            assert re.search(r"error\[[A-Z]\d{3}\]", done.stderr), done.stderr


# --- I3. no traceback on a read-only or busy output folder ------------------------------------------


def _read_only(folder: Path, command: list[str]) -> subprocess.CompletedProcess | None:
    """Run `command` with `folder` mounted read-only (a private mount namespace); None where the
    system allows no such namespace."""
    script = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", "true"], capture_output=True)
    if probe.returncode != 0:
        return None
    return subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", *command], capture_output=True,
                          text=True, env=env, cwd=folder.parent, timeout=600)


def test_I3_a_read_only_output_folder_is_a_message_naming_it(clean, tmp_path: Path):
    manuscript, out = _warm(clean, tmp_path)
    before = _editions(out)
    done = _read_only(out, [sys.executable, str(ROOT / "build.py"), "build", *KINDS, "--manuscript",
                            str(manuscript), "--out", "build"])
    if done is None:
        pytest.skip("no user and mount namespaces here (unshare -rm) to mount a folder read-only")
    assert done.returncode == 1
    _no_traceback(done)
    assert "build/.lock: error[O001]: cannot write the output folder: Read-only file system" in done.stderr.splitlines()
    assert _editions(out) == before


def test_I3_a_read_only_cache_only_costs_time(clean, tmp_path: Path):
    """The cache alone read-only (shared, or on a full disk): entries are read, none written."""
    manuscript, out = _warm(clean, tmp_path)
    write_chapter(manuscript, "It was a night -- the first of a few.[^dark]\n")
    done = _read_only(out / ".cache", [sys.executable, str(ROOT / "build.py"), "build", "epub", "--manuscript",
                                       str(manuscript), "--out", "build"])
    if done is None:
        pytest.skip("no user and mount namespaces here (unshare -rm) to mount a folder read-only")
    _no_traceback(done)
    assert done.returncode == 0, done.stderr


def test_I4_a_second_build_into_a_busy_folder_names_the_first(clean, tmp_path: Path):
    """The lock is real: this test holds it as a running build does, pid and all."""
    manuscript, out = _warm(clean, tmp_path)
    before = _editions(out)
    with open(out / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        done = _build(manuscript, out)
    assert done.returncode == 1
    _no_traceback(done)
    assert (f"build: error[O003]: another build is writing build/ (pid {os.getpid()}); wait for it to finish, "
            "or build into another --out") in done.stderr.splitlines()
    assert _editions(out) == before
    assert _build(manuscript, out).returncode == 0  # released with the holder: the next build goes ahead


# --- I2. layout that cannot hang -------------------------------------------------------------------
# bench/bench_limits.py times these chapters; here only what the build says of them.

WORDS = ("alpha", "beta", "gamma", "delta", "night", "river", "stone", "house")


def pathological(kind: str) -> str:
    """The body of a chapter that once ran past 180 s of layout with no message."""
    chance = random.Random(kind)
    if kind == "notes":  # 5,000 notes in one chapter
        calls = "\n\n".join(f"Sentence {i} with a note.[^n{i}]" for i in range(5000))
        return f"Start.[^dark]\n\n{calls}\n\n" + "\n".join(f"[^n{i}]: Note {i}." for i in range(5000)) + "\n"
    if kind == "paragraph":  # one paragraph of a megabyte
        return " ".join(chance.choice(WORDS) for _ in range(180_000)) + ".[^dark]\n"
    return "A long word: " + "".join(chance.choice("acgt") for _ in range(100_000)) + " ends here.[^dark]\n"


@pytest.mark.parametrize("kind, expected", [
    ("notes", [f"{CH1}:404:26: error[R012]: 5,001 notes in one chapter (limit 200; each page-foot note makes "
               "WeasyPrint lay its page out again): split the chapter; this is the first call past the limit"]),
    ("paragraph", [f"{CH1}:4:1: error[R010]: a paragraph of 1,057,532 characters (limit 20,000: WeasyPrint's "
                   "line breaking slows with the square of a paragraph's length): split it into paragraphs"]),
    ("word", [f"{CH1}:4:1: error[R010]: a paragraph of 100,031 characters (limit 20,000: WeasyPrint's line "
              "breaking slows with the square of a paragraph's length): split it into paragraphs",
              f"{CH1}:4:14: error[R011]: a word of 100,000 characters with no space in it (limit 1,000: WeasyPrint "
              "cannot break it into lines in any useful time): break it with spaces"]),
])
def test_I2_a_chapter_layout_would_stall_on_is_refused_before_layout(tmp_path: Path, kind: str, expected: list[str]):
    """Refused while the manuscript is read (in seconds: `make bench` times it), naming the place."""
    refused(tmp_path, None, expected, prepare=lambda m: write_chapter(m, pathological(kind)), kinds=KINDS)


def test_I2_the_parsed_text_is_held_to_the_same_limits():
    """What Jinja writes is checked again on pandoc's AST (a word made by a loop has no source)."""
    import json

    from pressroom import limits
    from pressroom.tools import pandoc

    text = "Short.\n\n" + "x" * 1_500 + "\n\n" + "tiny words " * 2_000 + "\n"
    ast = json.loads(pandoc.read_markdown(text, label="ch.md"))
    found = sorted(str(m) for m in limits.check_shapes(ast["blocks"], "ch.md", 3))
    assert found == [
        "ch.md:6:1: error[R011]: a word of 1,500 characters with no space in it (limit 1,000: WeasyPrint cannot "
        "break it into lines in any useful time): break it with spaces",
        "ch.md:8:1: error[R010]: a paragraph of 21,999 characters (limit 20,000: WeasyPrint's line breaking "
        "slows with the square of a paragraph's length): split it into paragraphs",
    ]
    cjk = json.loads(pandoc.read_markdown("中文" * 900 + "\n", label="ch.md"))  # lines break between ideographs
    assert limits.check_shapes(cjk["blocks"], "ch.md") == []


def test_I2_a_chapter_laid_out_past_its_time_is_stopped_naming_it(monkeypatch, tmp_path: Path):
    """The worker pool's own clock: past limits.PART_SECONDS the workers are killed and the
    chapter named (here a 1 s limit on a chapter of 150 notes, which takes several seconds)."""
    from pressroom import limits
    from pressroom.messages import BuildError, Report
    from pressroom.pipeline import build

    manuscript = copy_manuscript("mini", tmp_path)
    write_chapter(manuscript, "Start.[^dark]\n\n" + "\n\n".join(f"Text {i}.[^n{i}]" for i in range(150)) + "\n\n"
                  + "\n".join(f"[^n{i}]: Note {i}." for i in range(150)) + "\n")
    monkeypatch.setattr(limits, "PART_SECONDS", 1)
    with pytest.raises(BuildError) as caught:
        build(manuscript, tmp_path / "build", {"pdf"}, lambda _line: None, Report())
    assert [str(m) for m in caught.value.messages] == [
        f"{CH1}: error[W009]: laying it out took longer than 1 s, so its worker was "
        "stopped (a very long paragraph, word, table or many notes?); nothing was replaced"]


# --- I5. messages that say what is wrong, where -------------------------------------------------------


def test_I5_a_yaml_tag_in_front_matter_is_named_at_its_line_and_nothing_else(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        (manuscript / "chapters" / "01-one.md").write_text(
            "---\ntitle: !!python/object/apply:os.system ['id']\n---\nA night.[^dark]\n", "utf-8")

    refused(tmp_path, None, [f"{CH1}:2:8: error[Y003]: YAML tag tag:yaml.org,2002:python/object/apply:os.system "
                             "is not allowed"], prepare=prepare)


def test_I5_a_chapter_listed_twice_is_named_with_both_lines(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        book = manuscript / "book.yaml"
        book.write_text(book.read_text().replace("  - chapters/02-two.md\n",
                                                 "  - chapters/02-two.md\n  - chapters/01-one.md\n"))

    refused(tmp_path, None, ["manuscript/book.yaml:11:5: error[B009]: chapter manuscript/chapters/01-one.md is "
                             "listed twice in 'chapters' (lines 9 and 11)"], prepare=prepare)


@pytest.mark.parametrize("character, name", [("🐉", "U+1F409 DRAGON"), ("\U00010000", "U+10000 LINEAR B SYLLABLE B008 A")])
def test_I5_a_character_no_font_holds_stops_the_build_at_its_place(tmp_path: Path, character: str, name: str):
    box = ("is in no font the editions embed (the book face or a bundled fallback: "
           "see pressroom/styles/fonts/fallback/README.md); it would print as an empty box")
    refused(tmp_path, None, [f"{CH1}:4:22: error[K001]: {name} '{character}' {box}"],
            prepare=lambda m: write_chapter(m, f"A night.[^dark] Here {character} it is.\n"), kinds=KINDS)


# --- I6. the chapter sandbox bounds what passes the operator ban --------------------------------------

SANDBOX = {
    "{{ range(999999999) | join }}": "ch.md:4:1: error[J002]: undefined variable: 'range' is undefined",
    "{{ lipsum(999999) }}": "ch.md:4:1: error[J002]: undefined variable: 'lipsum' is undefined",
    "{{ 'A' * 999999999 }}": "ch.md:4:1: error[J004]: not allowed in a chapter's template: repeating a text "
                             "more than 10000 characters long is not allowed",
    "{{ ('A' * 9999) * 2 }}": "ch.md:4:1: error[J004]: not allowed in a chapter's template: repeating a text "
                              "more than 10000 characters long is not allowed",
    "x\n{{ ('%999999999s' % 'A') | length }}": "ch.md:5:1: error[J004]: not allowed in a chapter's template: "
                                                "a '%' format wider than 10000 characters is not allowed",
    "{{ ('%.99999999f' % 1) | length }}": "ch.md:4:1: error[J004]: not allowed in a chapter's template: a '%' "
                                          "format wider than 10000 characters is not allowed",
    "{{ '%*s' % (999999999, 'A') }}": "ch.md:4:1: error[J004]: not allowed in a chapter's template: a '%' "
                                      "format wider than 10000 characters is not allowed",
    "{{ 'A' | center(999999999) }}": "ch.md:4:1: error[J001]: template syntax: No filter named 'center'.",
    "{{ ('A' * 9999) | list | join('B' * 9999) }}": "ch.md:4:1: error[J004]: not allowed in a chapter's "
                                                     "template: joining into a text more than 10000 characters "
                                                     "long is not allowed",
    "{{ 1 | length }}": "ch.md:4:1: error[J002]: template error: TypeError: object of type 'int' has no len()",
    "{{ 1 / 0 }}": "ch.md:4:1: error[J002]: template error: ZeroDivisionError: division by zero",
}


@pytest.mark.parametrize("source", sorted(SANDBOX))
def test_I6_the_chapter_sandbox_bounds_ranges_formats_and_joins(tmp_path: Path, source: str):
    from pressroom.messages import BuildError
    from pressroom.model import Chapter
    from pressroom.render import render_chapter

    chapter = Chapter(id="x", title="t", path=tmp_path / "x.md", shown="ch.md", body=source, body_line=4)
    with pytest.raises(BuildError) as caught:
        render_chapter(chapter, {"book": {"title": "T"}, "edition": {}})
    assert str(caught.value) == SANDBOX[source]


def test_I6_small_formats_and_joins_still_work(tmp_path: Path):
    from pressroom.model import Chapter
    from pressroom.render import render_chapter

    body = "{{ '%s and %5s' % ('a', 'b') }} {{ 7 % 3 }} {{ book.authors | join(', ') }}"
    chapter = Chapter(id="x", title="t", path=tmp_path / "x.md", shown="ch.md", body=body, body_line=4)
    assert render_chapter(chapter, {"book": {"authors": ["A", "B"]}, "edition": {}}) == "a and     b 1 A, B"


# --- I7. EPUBCheck under a memory cap ------------------------------------------------------------


def _capped(limit: int):
    """A preexec_fn: the child (and the java it starts) under an address-space limit, as `ulimit -v`."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _check_capped(clean, tmp_path: Path, limit: int) -> subprocess.CompletedProcess:
    manuscript, out = _warm(clean, tmp_path)
    assert _build(manuscript, out, "html").returncode == 0  # check wants every edition the book lists
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000",
           "_JAVA_OPTIONS": "-Xmx8g"}  # a user's own JVM options: they would undo the sizing
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--manuscript", manuscript.name,
                           "--out", "build"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600, preexec_fn=_capped(limit))


def _epubcheck_row(done: subprocess.CompletedProcess) -> list[str]:
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("EPUBCheck"))
    details = []
    for line in lines[start + 1:]:
        if not line.startswith("      "):  # the next row
            break
        details.append(line.strip())
    return [lines[start].split()[-1], *details]


def test_I7_epubcheck_runs_under_a_2_GiB_address_space_cap(clean, tmp_path: Path):
    """Java's default sizing (a quarter of the RAM for the heap, 1 GiB of class space) could not
    start under `ulimit -v 2G`; sized by tools/epubcheck.heap_size it checks the EPUB there."""
    done = _check_capped(clean, tmp_path, 2 << 30)
    _no_traceback(done)
    assert "V004" not in done.stdout + done.stderr and "V005" not in done.stdout + done.stderr, done.stdout
    assert _epubcheck_row(done) == ["ok"], done.stdout
    assert "small-book.epub: error[Q007]" not in done.stderr


def test_I7_a_cap_java_cannot_run_under_is_our_message_and_a_failed_row(clean, tmp_path: Path):
    done = _check_capped(clean, tmp_path, 600 << 20)
    _no_traceback(done)
    assert done.returncode == 1
    assert _epubcheck_row(done) == [
        "FAILED", "build/small-book.epub: error[V005]: EPUBCheck cannot run within an address-space limit of "
                  "600 MiB (ulimit -v): Java needs at least 704 MiB of address space; raise the limit"], done.stdout
    assert "build/small-book.epub: error[Q007]: EPUBCheck: did not run" in done.stderr.splitlines()


def test_I7_epubcheck_of_a_relative_path_checks_the_file(tmp_path: Path):
    """EPUBCheck runs in a folder of its own: given a relative path it printed "File not found"
    and wrote a report of no messages, which read as a valid EPUB."""
    import zipfile

    from pressroom.tools.epubcheck import check_epub

    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        found = check_epub(Path("broken.epub"))
    finally:
        os.chdir(here)
    assert any(m.severity in ("FATAL", "ERROR") for m in found), found


# --- I5. notes inside notes, and notes.yaml places ---------------------------------------------------

NESTED = ("a note cannot hold a note (the editions would lose it or print it as written); write its words "
          "into the note, or call it from the text")
NOTES = "manuscript/notes.yaml"


@pytest.mark.parametrize("body, expected", [
    # pandoc emptied the inner call: the note's words were lost from every edition, exit 0
    ("Text.[^outer]\n\n[^outer]: Outer, calling[^inner] here.\n[^inner]: Inner.\n",
     [f"{CH1}:8:25: error[N004]: note 'inner' is called inside note 'outer': {NESTED}"]),
    ("Text.[^self]\n\n[^self]: It calls\n    itself.[^self]\n",
     [f"{CH1}:9:12: error[N004]: note 'self' calls itself: {NESTED}"]),
    ("Nested: ^[outer words ^[inner words] end].\n",
     [f"{CH1}:6:23: error[N004]: an inline note ^[…] is called inside the inline note at line 6: {NESTED}"]),
    # written by Jinja, where the load scan cannot see it: found on pandoc's AST
    ('Text.[^outer]\n\n[^outer]: Outer {{ "[^" ~ "dark]" }}.\n',
     [f"{CH1}:8:17: error[N004]: note 'dark' is called inside note 'outer': {NESTED}"]),
])
def test_I5_a_note_inside_a_note_is_named_at_the_inner_call(tmp_path: Path, body: str, expected: list[str]):
    refused(tmp_path, None, expected, kinds=KINDS,
            prepare=lambda m: write_chapter(m, "A night.[^dark]\n\n" + body if "[^dark]" not in body else body))


def test_I5_a_call_inside_a_notes_yaml_note_is_named_at_its_place(tmp_path: Path):
    def prepare(manuscript: Path) -> None:
        (manuscript / "notes.yaml").write_text(
            "dark:\n  text: |\n    About the dark,\n    calling [^light] and `[^code]` and ^[inline].\n"
            "light: A note about the light.\n", "utf-8")

    refused(tmp_path, None, [
        f"{NOTES}:4:13: error[N004]: note 'light' is called inside note 'dark': {NESTED}",
        f"{NOTES}:4:40: error[N004]: an inline note ^[…] is called inside note 'dark': {NESTED}"], prepare=prepare)


SCHEME = "link scheme 'javascript:' is not allowed (use https, http, mailto or #id)"


def test_I5_notes_yaml_messages_name_the_words_line_and_column(tmp_path: Path):
    """YAML marks are 0-based and point at a value's start: a block scalar's at its `|` (a line
    above the text), a mapping's at its first key. Every message names the offending text."""
    def prepare(manuscript: Path) -> None:
        (manuscript / "notes.yaml").write_text(
            'dark:\n  text: "A note about the *dark*, from notes.yaml."\n'
            "light: A plain note with a [bad link](javascript:a) inside.\n"
            'quoted: "A quoted \\"note\\",\n  été, with a [bad link](javascript:b) inside."\n'
            "block: |\n  A block note.\n\n  With a [bad link](javascript:c) on its third line.\n"
            "folded:\n  text: >\n    A folded note\n    with a [bad link](javascript:d), see @fig:none.\n", "utf-8")
        write_chapter(manuscript, "A night.[^dark][^quoted][^block][^folded]\n")

    refused(tmp_path, None, [
        f"{NOTES}:3:28: error[P002]: in note 'light': {SCHEME}",
        f"{NOTES}:5:15: error[P002]: in note 'quoted': {SCHEME}",
        f"{NOTES}:9:10: error[P002]: in note 'block': {SCHEME}",
        f"{NOTES}:13:12: error[P002]: in note 'folded': {SCHEME}"], prepare=prepare)


def test_I5_notes_yaml_references_and_anchors_are_named_at_their_words(tmp_path: Path):
    """What is settled with the whole book (links to anchors, references) keeps the place too."""
    def prepare(manuscript: Path) -> None:
        (manuscript / "notes.yaml").write_text(
            "dark: |\n  See [there](#nowhere).\nlight:\n  text: >\n    Folded,\n    see @fig:none.\n", "utf-8")

    refused(tmp_path, None, [
        f"{NOTES}:2:7: error[P008]: link to '#nowhere': no heading, figure, table or other element has that id"],
        prepare=prepare)

    def prepare_ref(manuscript: Path) -> None:
        (manuscript / "notes.yaml").write_text(
            "dark: |\n  Dark.\nlight:\n  text: >\n    Folded,\n    see @fig:none.\n", "utf-8")

    refused(tmp_path / "ref", None, [f"{NOTES}:6:9: error[X001]: @fig:none: no figure has the id 'fig:none'"],
            prepare=prepare_ref)
