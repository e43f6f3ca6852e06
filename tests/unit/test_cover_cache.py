"""The generated EPUB cover, kept in the build cache by what it shows."""

from __future__ import annotations

from dataclasses import replace

from pressroom.cache import Store
from pressroom.cover import KIND, cover_for, generate
from pressroom.manuscript.load import load_book
from pressroom.messages import Report


def test_a_cover_is_drawn_once_and_again_only_when_what_it_shows_changes(book_at, tmp_path):
    book = load_book(book_at({"01.md": "---\ntitle: One\n---\nText.\n"}), Report())
    store = Store(tmp_path / "cache")
    first = cover_for(book, store)
    assert first.data == generate(book) and cover_for(book, store).data == first.data
    assert len(list((tmp_path / "cache" / KIND).iterdir())) == 1  # the second came from the cache
    for changed in (replace(book, title="Another Title"), replace(book, subtitle="A Subtitle"),
                    replace(book, authors=("Ann Author",))):
        assert cover_for(changed, store).data == generate(changed) != first.data
    assert len(list((tmp_path / "cache" / KIND).iterdir())) == 4
