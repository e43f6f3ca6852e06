"""The worker processes: their fork server loads the book's hyphenation dictionaries once, for
every worker; a TMPDIR too long for their socket is refused, saying what to do."""

from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest


from pressroom import workers
from pressroom.messages import BuildError
from pressroom.tools import hyphenation

PROBE = """
from pressroom import workers
workers.warm(languages=["de-DE", "xx-unknown"])
with workers.pool(1) as pool:
    print(pool.submit(eval, "sorted(p.name for p in __import__('pyphen').hdcache)").result())
"""


def test_a_worker_forked_after_warm_holds_the_books_dictionaries_already():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "hyph_de_DE.dic" in done.stdout  # read in the fork server, not by the worker


def test_only_languages_pyphen_knows_are_loaded():
    assert hyphenation.load("en-US xx-unknown fr") == ["en-US", "fr"]


def test_a_temporary_folder_too_long_for_the_workers_socket_is_an_error_saying_what_to_do(monkeypatch):
    # 75 characters: the socket's path is 107 bytes, the most it may be (one more failed
    # multiprocessing with "AF_UNIX path too long", checked by hand at both lengths).
    monkeypatch.setattr(tempfile, "tempdir", "/tmp/" + "w" * 70)
    workers.check_temporary_folder()
    monkeypatch.setattr(tempfile, "tempdir", "/tmp/" + "w" * 71)
    with pytest.raises(BuildError) as raised:
        workers.pool(1)
    message = raised.value.messages[0]
    assert (message.code, message.path) == ("O004", "/tmp/" + "w" * 71)
    assert "set a shorter TMPDIR" in message.text
