"""Pressroom: a book in git (Markdown chapters + YAML) typeset into PDF, EPUB and HTML."""

__version__ = "0.1.0"
