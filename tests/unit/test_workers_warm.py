"""The layout workers' fork server loads the book's hyphenation dictionaries once, for every worker."""

from __future__ import annotations

import subprocess
import sys


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
