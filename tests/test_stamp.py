"""Per-reader copies (`build.py stamp`): the stamp on every page, nothing else changed, any name as written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pytest
from lxml import etree
from PIL import Image

from conftest import ROOT, copy_manuscript, run_cli
from hardening import session_processes, wait_for

from pressroom.messages import Report
from pressroom.stamp import stamp_release
from pressroom.tools.epubcheck import check_epub
from pressroom.tools.pikepdf import read_xmp

RELEASE = "small-book-1.0"
# (reader id, name, order): quotes, markup characters, an entity, right-to-left, CJK and Indic names.
TRICKY = [
    ("A-1001", "Ada Lovelace", "A-1001"),
    ("A-1002", 'Zoë "Zed" O’Brien <b>&amp;</b>', "A-1002"),
    ("A-1003", "山田 太郎", "A-1003"),
    ("A-1004", "שרה לוי", "A-1004"),
    ("A-1005", "محمد عبد الله", "A-1005"),
    ("ORD-7-X", "Kim & Sons' <Reader>", "ORD/7 X"),
    ("A-1010", "अनीता देसाई", "A-1010"),
]
# PDF text comes back in visual order: right-to-left runs reversed, Indic vowel signs moved.
VISUAL_ORDER = {"A-1004", "A-1005", "A-1010"}
CSV = (
    "name,email,order\n"
    "Ada Lovelace,ada@example.org,A-1001\n"
    '"Zoë ""Zed"" O’Brien <b>&amp;</b>",zoe@example.org,A-1002\n'
    "山田 太郎,taro@example.jp,A-1003\n"
    "שרה לוי,sara@example.il,A-1004\n"
    "محمد عبد الله,m@example.sa,A-1005\n"
    "Bad Email,not-an-address,A-1006\n"
    ",nobody@example.org,A-1007\n"
    "Eve,eve@example.org,a-1001\n"
    "Mallory\u202eevil,m@example.org,A-1008\n"
    "Too,few\n"
    '"Kim & Sons\' <Reader>",kim@example.org,ORD/7 X\n'
    "Flamingo \U0001F9A9,f@example.org,A-1009\n"
    "अनीता देसाई,anita@example.in,A-1010\n"
)
BAD_ROWS = [
    "readers.csv:7:1: error[R003]: email 'not-an-address' is not an address",
    "readers.csv:8:1: error[R003]: name is empty",
    "readers.csv:9:1: error[R004]: reader id 'a-1001' is already used on line 2: every order gets its own copy",
    "readers.csv:10:1: error[R003]: name holds U+202E RIGHT-TO-LEFT OVERRIDE, which can hide or reorder text",
    "readers.csv:11:1: error[R002]: 2 field(s), but the header names 3",
    "readers.csv:13:1: error[R003]: name has characters no stamp font can show: U+1F9A9 FLAMINGO",
]
STAMP = "Prepared for {} · order {}"


def add_image(manuscript: Path) -> None:
    """A photograph-like JPEG and a PNG in chapter one: their bytes must survive stamping."""
    (manuscript / "images").mkdir()
    Image.effect_noise((120, 80), 60).convert("RGB").save(manuscript / "images" / "noise.jpg", quality=70)
    Image.new("RGB", (40, 30), (200, 30, 30)).save(manuscript / "images" / "red.png")
    chapter = manuscript / "chapters" / "01-one.md"
    chapter.write_text(chapter.read_text("utf-8") + "\n![Grey noise](images/noise.jpg)\n\n"
                       "![A red block](images/red.png)\n", "utf-8")


@dataclass(frozen=True)
class Stamped:
    release: Path
    done: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Stamped:
    """A release of the mini book (with images), stamped for the readers above, bad rows and all."""
    base = tmp_path_factory.mktemp("stamp")
    manuscript = copy_manuscript("mini", base)
    add_image(manuscript)
    done = run_cli("dist", "--manuscript", str(manuscript), "--dist", str(base / "dist"), cwd=base)
    assert done.returncode == 0, done.stdout + done.stderr
    (base / "readers.csv").write_text(CSV, "utf-8")
    done = run_cli("stamp", "--readers", "readers.csv", "--manuscript", str(manuscript),
                   "--dist", str(base / "dist"), cwd=base)
    return Stamped(base / "dist" / RELEASE, done)


@pytest.fixture
def stamped(run: Stamped) -> Path:
    return run.release


def test_a_bad_row_is_reported_at_its_line_and_the_others_get_their_copies(run: Stamped):
    done, stamped = run.done, run.release
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if ": error[" in line]
    assert errors == BAD_ROWS, done.stderr
    assert "6 error(s); the other readers' copies were written" in done.stderr
    written = sorted(p.name for p in (stamped / "readers").iterdir() if not p.name.startswith("."))
    assert written == sorted(f"{rid}.{ext}" for rid, _, _ in TRICKY for ext in ("pdf", "epub"))
    assert "14 copies written, 0 up to date, 0 failed" in done.stdout


def test_the_stamp_reads_back_from_every_page(stamped: Path):
    stamp = STAMP.format("Ada Lovelace", "A-1001")
    with pdfplumber.open(stamped / "readers" / "A-1001.pdf") as pdf:
        texts = [page.extract_text() for page in pdf.pages]
    assert len(texts) == 9
    for number, text in enumerate(texts, start=1):
        assert text.splitlines()[-1] == stamp, f"page {number}: {text!r}"
    copyright_page = texts[3]
    assert copyright_page.count(stamp) == 2  # in the footer, and above the copyright lines
    assert copyright_page.splitlines()[:2] == [stamp, "A Small Book: For Testing"]


def test_pages_sizes_text_and_images_are_unchanged(stamped: Path):
    original, copy = stamped / f"{RELEASE}.pdf", stamped / "readers" / "A-1002.pdf"
    with pikepdf.open(original) as before, pikepdf.open(copy) as after:
        assert len(before.pages) == len(after.pages)
        for old, new in zip(before.pages, after.pages):
            for box in ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox"):
                assert str(old.obj.get(box)) == str(new.obj.get(box)), box
            # The page's own content streams are kept byte for byte, only wrapped and followed by ours.
            old_streams = [old.obj.Contents] if isinstance(old.obj.Contents, pikepdf.Stream) else list(old.obj.Contents)
            new_streams = list(new.obj.Contents)
            assert [s.read_raw_bytes() for s in new_streams[1:-1]] == [s.read_raw_bytes() for s in old_streams]
        assert image_bytes(before) == image_bytes(after) and len(image_bytes(before)) == 2
    with pdfplumber.open(original) as before, pdfplumber.open(copy) as after:
        for old, new in zip(before.pages, after.pages):
            missing = Counter(char_key(c) for c in old.chars) - Counter(char_key(c) for c in new.chars)
            assert not missing  # every character of the book, in its font, size and place


def image_bytes(pdf) -> list[tuple[str, bytes]]:
    """Each image in the PDF: its filter and its encoded bytes, as stored."""
    images = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
            images.append((str(obj.get("/Filter")), obj.read_raw_bytes()))
    return sorted(images)


def char_key(char: dict) -> tuple:
    return char["text"], char["fontname"], round(char["size"], 2), round(char["x0"], 2), round(char["top"], 2)


@pytest.mark.parametrize("reader_id, name, order", TRICKY)
def test_tricky_names_appear_as_written(stamped: Path, reader_id: str, name: str, order: str):
    stamp = STAMP.format(name, order)
    pdf = (stamped / "readers" / f"{reader_id}.pdf").read_bytes()
    assert read_xmp(pdf, reader_id) == {"PreparedFor": name, "OrderID": order, "Stamp": stamp}
    footer = pypdf.PdfReader(stamped / "readers" / f"{reader_id}.pdf").pages[0].extract_text()
    if reader_id in VISUAL_ORDER:  # every letter must be there
        assert Counter(c for c in footer if not c.isspace()) >= Counter(c for c in name if not c.isspace())
    else:
        assert footer.strip().splitlines()[-1] == stamp  # as written: "<b>" as text, "&amp;" not unescaped
    with zipfile.ZipFile(stamped / "readers" / f"{reader_id}.epub") as epub:
        pages = [etree.fromstring(epub.read(n)) for n in epub.namelist() if n.endswith(".xhtml")]
        opf = etree.fromstring(epub.read(package_path(epub)))
    lines = [line for page in pages for line in page.iterfind(".//{*}p[@class='prepared-for']")]
    assert len(lines) == 1
    line = lines[0]
    following = line.getnext()
    assert following is None or following.get("id") == "copyright"  # above the copyright page's first line
    assert "".join(line.itertext()) == stamp
    assert [e.tag.split("}")[1] for e in line] == ["bdi", "bdi"]  # the name is text, never markup
    metas = {m.get("property"): m.text for m in opf.iter("{*}meta") if m.get("property", "").startswith("pressroom:")}
    assert metas == {"pressroom:prepared-for": name, "pressroom:order": order, "pressroom:stamp": stamp}


@pytest.mark.parametrize("reader_id", [r[0] for r in TRICKY])
def test_names_are_stamped_in_the_bundled_faces_with_every_glyph(stamped: Path, reader_id: str):
    from pressroom.fonts import missing_glyphs

    copy = stamped / "readers" / f"{reader_id}.pdf"
    assert missing_glyphs(copy) == {}
    with pdfplumber.open(copy) as pdf:
        names = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars}
    # The book face and the Noto fallbacks, never a font of the host (DejaVu, FreeSerif, Droid).
    assert all(n.removeprefix("Stamp-").startswith(("Libertine", "Noto")) for n in names), names


def package_path(epub: zipfile.ZipFile) -> str:
    container = etree.fromstring(epub.read("META-INF/container.xml"))
    return container.find(".//{*}rootfile").get("full-path")


@pytest.mark.parametrize("reader_id", ["A-1002", "A-1003", "A-1005"])
def test_stamped_epubs_pass_epubcheck(stamped: Path, reader_id: str):
    assert [str(m) for m in check_epub(stamped / "readers" / f"{reader_id}.epub")] == []


def test_a_rerun_redoes_only_what_changed(stamped: Path, tmp_path: Path):
    release = tmp_path / "dist" / RELEASE
    shutil.copytree(stamped, release)
    manuscript = copy_manuscript("mini", tmp_path)  # the same slug and version: the same release folder
    readers = tmp_path / "readers.csv"
    readers.write_text("name,email,order\nAda Lovelace,ada@example.org,A-1001\n"
                       "山田 太郎,taro@example.jp,A-1003\n", "utf-8")
    before = {p.name: p.read_bytes() for p in (release / "readers").glob("A-100[13].*")}

    def again() -> tuple[int, int]:
        result = stamp_release(manuscript, tmp_path / "dist", readers, ["pdf", "epub"], 1, lambda line: None,
                               Report())
        return result.written, result.unchanged

    assert again() == (0, 4)
    readers.write_text(readers.read_text("utf-8").replace("山田 太郎", "山田 花子"), "utf-8")
    assert again() == (2, 2)
    after = {p.name: p.read_bytes() for p in (release / "readers").glob("A-100[13].*")}
    assert after["A-1001.pdf"] == before["A-1001.pdf"] and after["A-1003.pdf"] != before["A-1003.pdf"]
    state = json.loads((release / "readers" / ".stamped.json").read_text("utf-8"))
    (release / "readers" / "A-1001.pdf").unlink()  # a copy gone missing is made again, identically
    assert again() == (1, 3)
    assert (release / "readers" / "A-1001.pdf").read_bytes() == before["A-1001.pdf"]
    assert set(state) >= {"A-1001.pdf", "A-1003.epub"}


# ---------------------------------------------------------------------------------------------
# The workers (pressroom/workers.py): as many as the CPUs the run may use; none outlive the run
# ---------------------------------------------------------------------------------------------


def _release_copy(stamped: Path, tmp_path: Path, readers: int) -> list[str]:
    """The release without its copies, `readers` readers for it; the stamp command to run there."""
    shutil.copytree(stamped, tmp_path / "dist" / RELEASE, ignore=shutil.ignore_patterns("readers"))
    manuscript = copy_manuscript("mini", tmp_path)  # the same slug and version: the same release folder
    rows = "".join(f"Reader {n},r{n}@example.org,R-{n:04d}\n" for n in range(readers))
    (tmp_path / "readers.csv").write_text("name,email,order\n" + rows, "utf-8")
    return [sys.executable, str(ROOT / "build.py"), "stamp", "--readers", "readers.csv", "--manuscript",
            str(manuscript), "--dist", str(tmp_path / "dist")]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1700000000"}


def test_stamp_starts_one_worker_per_cpu_the_run_may_use(stamped: Path, tmp_path: Path):
    """Under `taskset -c 0` one CPU is all a run has, whatever the machine holds: no pool at all."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs to tell the affinity from the machine's count")
    command = _release_copy(stamped, tmp_path, 41)
    for allowed, expected in (({cpus[0]}, "stamp: writing 41 copies in this process"),
                              (set(cpus[:2]), "stamp: writing 41 copies in 2 worker processes")):
        shutil.rmtree(tmp_path / "dist" / RELEASE / "readers", ignore_errors=True)
        done = subprocess.run(["taskset", "-c", ",".join(map(str, sorted(allowed))), *command, "--edition", "pdf"],
                              cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout.splitlines(), done.stdout
        assert "41 copies written, 0 up to date, 0 failed" in done.stdout


@pytest.mark.parametrize("how", ["SIGKILL", "Ctrl-C"])
def test_a_stamp_run_stopped_midway_leaves_no_worker_behind(stamped: Path, tmp_path: Path, how: str,
                                                            short_tmpdir: Path):
    """SIGKILL to the run, or SIGINT to its whole process group as a terminal's Ctrl-C sends it:
    no worker stays (the run's session empties), and Ctrl-C is one line, not a traceback per worker.
    Nor do the fonts the run's own renderer copied into TMPDIR (11 MB, left by each SIGKILL until
    the janitor was told of them)."""
    command = _release_copy(stamped, tmp_path, 300)
    # A terminal's program gets Ctrl-C; one started in the background by a non-interactive shell
    # (a CI script's `&`) inherits SIGINT ignored, and Python then never raises KeyboardInterrupt.
    run = subprocess.Popen(command, cwd=tmp_path, env={**_env(), "TMPDIR": str(short_tmpdir)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in run.stdout:
            if line.startswith("stamp: 100/600 copies"):
                break
        assert run.poll() is None, "the run finished before it could be stopped"
        assert [p for p in session_processes(run.pid) if not p.startswith(f"{run.pid} ")], "no worker running"
        if how == "SIGKILL":
            run.kill()
        else:
            os.killpg(run.pid, signal.SIGINT)
        run.wait(timeout=120)
        wait_for(lambda: not session_processes(run.pid), 30)
        assert session_processes(run.pid) == []
        stderr = run.stderr.read()  # at its end now: a worker left behind would hold it open
        if how == "Ctrl-C":
            assert run.returncode == 130, stderr
            assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
        fonts = lambda: list(short_tmpdir.glob("weasyprint-*"))  # noqa: E731
        wait_for(lambda: not fonts(), 30)  # the janitor's work, after a SIGKILL
        assert fonts() == []
    finally:
        run.kill()
        run.wait()
        run.stdout.close()
        run.stderr.close()
