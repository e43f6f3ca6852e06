"""User-facing problems: collected with their location, sorted, printed; never tracebacks."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Iterable, TextIO

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Message:
    """One problem, printed as `path:line:col: severity[CODE]: text`."""

    path: str
    line: int
    col: int
    severity: str
    code: str
    text: str

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.severity}[{self.code}]: {self.text}"


def error(code: str, path: str, line: int, col: int, text: str) -> Message:
    """An error: the build stops after collecting every problem."""
    return Message(str(path), line, col, ERROR, code, text)


def warning(code: str, path: str, line: int, col: int, text: str) -> Message:
    """A warning: reported, the build goes on."""
    return Message(str(path), line, col, WARNING, code, text)


@dataclass
class Report:
    """The messages a stage collected; errors stop the run once the stage is done."""

    messages: list[Message] = field(default_factory=list)

    def add(self, message: Message) -> None:
        self.messages.append(message)

    def extend(self, messages: Iterable[Message]) -> None:
        self.messages.extend(messages)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == ERROR]

    def raise_if_errors(self) -> None:
        """Stop the run with every error collected so far."""
        if self.errors:
            raise BuildError(self.messages)


class BuildError(Exception):
    """Raised with every collected message; cli.py prints them and exits non-zero."""

    def __init__(self, messages: Iterable[Message]):
        self.messages = sorted(set(messages))
        super().__init__("\n".join(map(str, self.messages)))


def fail(code: str, path: str, line: int, col: int, text: str) -> BuildError:
    """A single fatal error, ready to raise."""
    return BuildError([error(code, path, line, col, text)])


def print_messages(messages: Iterable[Message], stream: TextIO = sys.stderr) -> None:
    for message in sorted(set(messages)):
        print(message, file=stream)
