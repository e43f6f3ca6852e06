"""The faces' code points, kept in the build cache: read back without fontTools, the same set,
and read again from the font when the file changes."""

from __future__ import annotations

import os
import shutil

import pytest

from pressroom import fonts
from pressroom.cache import Store
from pressroom.theme import Theme


@pytest.fixture(autouse=True)
def fresh_memo():
    fonts._cmap.cache_clear()
    yield
    fonts._cmap.cache_clear()


def test_a_cmap_kept_in_the_cache_is_read_back_whole_without_the_font(tmp_path, monkeypatch):
    face = tmp_path / "face.otf"
    shutil.copyfile(Theme().style(fonts.FALLBACKS[0].file), face)  # the CJK face: many ranges
    store = Store(tmp_path / "cache")
    first = fonts.cmap(face, store)
    assert ord("中") in first and len(first) > 20000
    assert len(list((tmp_path / "cache" / fonts.CMAPS).iterdir())) == 1
    fonts._cmap.cache_clear()  # a new run: only the build cache knows the face

    def no_font(*args, **kwargs):
        raise AssertionError("the font was read again")

    monkeypatch.setattr("fontTools.ttLib.TTFont", no_font)
    assert fonts.cmap(face, store) == first
    assert fonts.cmap(face) == first  # a caller without the cache gets the same, from the memo


def test_a_changed_font_file_is_read_again(tmp_path):
    face = tmp_path / "face.otf"
    shutil.copyfile(Theme().style(fonts.BOOK_FACE.file), face)
    store = Store(tmp_path / "cache")
    assert ord("中") not in fonts.cmap(face, store)
    stat = face.stat()
    shutil.copyfile(Theme().style(fonts.FALLBACKS[0].file), face)
    os.utime(face, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    fonts._cmap.cache_clear()
    assert ord("中") in fonts.cmap(face, store)
