"""The rules `check` holds built editions to: each has a fixed code, a label, the format of the
files it reads (a `Kind.format` of pressroom/editions) and the function that judges one file.

| code | format          | label (as the report prints it)            | what holds when it passes |
|------|-----------------|--------------------------------------------|---------------------------|
| Q000 | any             | (no rule)                                  | every edition built, readable, of a format some rule reads |
| Q001 | pdf             | notes on their call's page                 | each note printed whole on the page that calls it |
| Q002 | pdf             | pages with nothing outside the text block  | no character or image past the text block |
| Q003 | pdf             | chapters opening on a recto                | every chapter opens on an odd page |
| Q004 | pdf             | contents numbers matching the pages        | the contents gives each chapter its opening folio |
| Q005 | pdf             | chapters ending with their last sentence   | no chapter cut short |
| Q006 | pdf             | fonts embedded                             | every font travels with the file |
| Q007 | epub            | EPUBCheck                                  | no error and no warning |
| Q008 | epub            | Ace by DAISY                               | no accessibility violation |
| Q009 | pdf, epub, html, docx | safety scan                          | nothing that runs, launches, carries a file or loads from outside |
| Q010 | epub            | chapters ending with their last sentence   | no chapter cut short |
| Q011 | html            | chapters ending with their last sentence   | no chapter cut short |

A code, once given, is never reused for another rule: the codes are how a build log, a CI
annotation or an editor's note names a failure. A new rule takes the next free code and a row here
(and in the README's table); tests/unit/test_check_rules.py holds the registry to this table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from ..editions import KINDS
from ..model import Book, Edition
from ..readback import ChapterExpectation, expectations
from ..resolve import ResolvedChapter


@dataclass(frozen=True)
class Finding:
    """One failure: the pages it concerns (physical, 1-based; none outside PDFs) and what is wrong."""

    pages: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Outcome:
    """What a rule's function says of one file: how many items it judged, and what fails.

    `failed` counts failing items when several findings share one (a page with two long lines);
    `figure` replaces "passed/total" in the report when a count says less ("0 errors, 0 warnings")."""

    total: int
    findings: tuple[Finding, ...] = ()
    failed: int | None = None
    figure: str | None = None


@dataclass
class Target:
    """One built file and what the manuscript says it must show; format modules keep what they
    read of it here (`once`), so the rules on one file read it once."""

    edition: Edition
    path: Path
    book: Book
    chapters: list[ResolvedChapter]
    _read: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def format(self) -> str:
        """pdf, epub, html…: how the file is read back (the edition registry's `Kind.format`)."""
        return KINDS[self.edition.kind].format

    @cached_property
    def expected(self) -> list[ChapterExpectation]:
        """Each chapter's title, last sentence and notes, as this edition prints them."""
        return expectations(self.chapters)

    def once(self, name: str, read: Callable[[], object]):
        """What `read()` returns, read the first time a rule asks for `name`."""
        with self._lock:
            if name not in self._read:
                self._read[name] = read()
            return self._read[name]


@dataclass(frozen=True)
class Rule:
    """A rule: its fixed code, a short key (the proof's labels), the label the report prints, the
    formats it reads and its function. `section`: reported in a block of its own, a row per file.
    `external`: runs a program of its own (EPUBCheck's JVM, Ace), started while the rest run."""

    code: str
    key: str
    label: str
    formats: tuple[str, ...]
    judge: Callable[[Target], Outcome]
    section: str | None = None
    external: bool = False

    def run(self, target: Target) -> "RuleResult":
        """The rule on one file."""
        outcome = self.judge(target)
        failed = len(outcome.findings) if outcome.failed is None else outcome.failed
        return RuleResult(self, outcome.total - failed, outcome.total, outcome.findings, outcome.figure)


@dataclass(frozen=True)
class RuleResult:
    """One rule on one file: how many items hold out of how many, and what does not."""

    rule: Rule
    passed: int
    total: int
    findings: tuple[Finding, ...]
    figure: str | None = None

    @property
    def ok(self) -> bool:
        """Every item holds."""
        return self.passed == self.total and not self.findings

    @property
    def key(self) -> str:
        """The rule's short key (the proof labels flagged pages by it)."""
        return self.rule.key

    @property
    def label(self) -> str:
        """The rule's label, as the report prints it."""
        return self.rule.label

    @property
    def code(self) -> str:
        """The rule's fixed code."""
        return self.rule.code


RULES: dict[str, Rule] = {}  # code → rule, in the order the report lists them


def rule(code: str, key: str, label: str, formats: str | tuple[str, ...], **options) -> Callable:
    """Register the decorated function as the rule `code` (a code or key taken twice is a bug)."""
    formats = (formats,) if isinstance(formats, str) else formats

    def register(judge: Callable[[Target], Outcome]) -> Callable[[Target], Outcome]:
        taken = [r for r in RULES.values() if r.code == code or (r.key == key and set(r.formats) & set(formats))]
        if taken:
            raise ValueError(f"check rule {code} ({key}) clashes with {taken[0].code} ({taken[0].key})")
        RULES[code] = Rule(code, key, label, formats, judge, **options)
        return judge

    return register


def rules_for(form: str) -> list[Rule]:
    """The rules that read files of this format, in code order."""
    return sorted((r for r in all_rules() if form in r.formats), key=lambda r: r.code)


def all_rules() -> list[Rule]:
    """Every rule (the package's __init__ imports the modules that register them)."""
    return sorted(RULES.values(), key=lambda r: r.code)


def plural(count: int, noun: str) -> str:
    """"1 error", "2 errors"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
