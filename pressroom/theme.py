"""Where a book's templates, stylesheets and fonts come from: its own folder first, then ours.

    <manuscript>/templates/<kind>/book.html   overrides   pressroom/templates/<kind>/book.html
    <manuscript>/templates/copyright.html     overrides   pressroom/templates/copyright.html
    <manuscript>/styles/pdf.css               overrides   pressroom/styles/pdf.css
    <manuscript>/styles/design.yaml           overrides   pressroom/styles/design.yaml, key by key
    <manuscript>/styles/fonts/…               found before pressroom/styles/fonts/…

as MkDocs' `custom_dir` does: a file the book brings wins; anything it does not bring comes from
the package, so a book overrides one template or one stylesheet and keeps the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .cache import digest, tree_digest

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STYLES = PACKAGE / "styles"


@dataclass(frozen=True)
class Theme:
    """The template and style search path of one book (None: the package's alone)."""

    book_root: Path | None = None

    @property
    def style_dirs(self) -> list[Path]:
        """Folders stylesheets and fonts are looked up in, the book's first."""
        own = self.book_root / "styles" if self.book_root else None
        return [d for d in (own, STYLES) if d is not None and d.is_dir()]

    def template_dirs(self, kind: str) -> list[Path]:
        """Folders templates of an edition kind are looked up in: the kind's, then shared; the book's first."""
        own = self.book_root / "templates" if self.book_root else None
        folders = [own / kind, own] if own is not None else []
        return [d for d in (*folders, TEMPLATES / kind, TEMPLATES) if d.is_dir()]

    def style(self, name: str) -> Path:
        """A stylesheet or style asset by its name under styles/ (the book's if it has one)."""
        for folder in self.style_dirs:
            if (folder / name).is_file():
                return folder / name
        return STYLES / name

    def read_style(self, name: str) -> str:
        """A stylesheet's text."""
        return self.style(name).read_text(encoding="utf-8")

    def fonts(self, pattern: str) -> list[Path]:
        """Font files matching `pattern`, one per file name, the book's first."""
        found: dict[str, Path] = {}
        for folder in self.style_dirs:
            for path in sorted((folder / "fonts").glob(pattern)):
                found.setdefault(path.name, path)
        return [found[name] for name in sorted(found)]

    def shown(self, path: Path) -> str:
        """A theme file as messages name it: relative to the book's folder or to the package."""
        path = path.resolve()
        for base, prefix in ((self.book_root, self.book_root.name if self.book_root else ""), (PACKAGE, "pressroom")):
            if base is not None and path.is_relative_to(base.resolve()):
                return f"{prefix}/{path.relative_to(base.resolve()).as_posix()}"
        return str(path)

    @cached_property
    def digest(self) -> str:
        """The hash of every style file a layout can read (the book's and ours)."""
        return digest(*(tree_digest(folder) for folder in self.style_dirs))
