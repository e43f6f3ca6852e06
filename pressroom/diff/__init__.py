"""`build.py diff`: what changed between two revisions of a manuscript, as an editor reads it.

revision.py loads each side from git, compare.py (with blocks, words, moves) finds the changes,
report.py writes build/diff/index.html, redline.py build/diff/redline.pdf, pages.py compares
the reader's PDFs page by page (--pages), textconv.py serves `git diff`.
"""
