#!/usr/bin/env python3
"""Pressroom's command line: `python build.py --help` lists the verbs."""

import sys

from pressroom.cli import main

if __name__ == "__main__":
    sys.exit(main())
