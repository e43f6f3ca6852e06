"""Generate a synthetic book manuscript for benchmarks and long-book tests.

`python bench/generate.py OUT --chapters 30 --notes-per-chapter 25` writes a manuscript folder
(book.yaml, chapters/, notes.yaml) of about 11 pages per chapter at 6 x 9 in: prose with
emphasis, block quotes, the odd table, and notes of mixed length. The same arguments always
give the same book.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = (
    "archive delegation ministry embassy conversation memorandum alliance border sovereignty "
    "leadership party congress railway armistice treaty volunteers commander relationship "
    "influence leverage sanctions reunification autonomy patron protégé suspicion mistrust "
    "reconstruction interpretation historians records declassified translated collection "
    "plenary economic cultural political military diplomatic ambassador secretary chairman "
    "purge officials delegation incident revolution modernization succession legitimacy "
    "the of and to in that was with for as by on from at which their its were had this"
).split()


def sentence(rng: random.Random, low: int = 8, high: int = 24) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 8)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def note_text(rng: random.Random) -> str:
    """Mostly one or two lines, some long: the mix that trips page-foot layout."""
    length = rng.choices([1, 2, 4, 7], weights=[45, 35, 15, 5])[0]
    return " ".join(sentence(rng, 6, 14) for _ in range(length))


def chapter(rng: random.Random, number: int, notes: list[str]) -> str:
    blocks, pending = [], list(notes)
    paragraphs = 26
    for index in range(paragraphs):
        text = paragraph(rng)
        # Calls spread through the chapter, each at the end of its own sentence: about the
        # share left per paragraph, give or take one, never more than the sentences allow.
        ends = [i + 1 for i in range(len(text)) if text.startswith(". ", i)] + [len(text)]
        share = len(pending) / (paragraphs - index)
        count = len(pending) if index == paragraphs - 1 else \
            min(len(ends), len(pending), max(0, int(share + rng.random() * 2 - 0.5)))
        cuts = sorted(rng.sample(ends, min(count, len(ends))))
        calls = [pending.pop(0) for _ in cuts]
        for cut, note in reversed(list(zip(cuts, calls))):  # from the end: earlier cuts keep their place
            text = f"{text[:cut]}[^{note}]{text[cut:]}"
        blocks.append(text)
        if index == 8:
            blocks.append("> " + paragraph(rng, (2, 3)))
        if index == 15 and number % 3 == 0:
            blocks.append("| Year | Event | Source |\n|---|---|---|\n" + "\n".join(
                f"| {1950 + i} | {rng.choice(WORDS)} {rng.choice(WORDS)} | {rng.choice(WORDS)} |"
                for i in range(5)))
        if index == 12:
            blocks.append(f"# Section {number}.1")
    assert not pending
    return f'---\ntitle: "Chapter {number}: {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}"\n---\n' \
        + "\n\n".join(blocks) + "\n"


def generate(out: Path, chapters: int, notes_per_chapter: int, seed: int = 1) -> Path:
    """Write the synthetic manuscript into `out` and return it."""
    rng = random.Random(seed)
    (out / "chapters").mkdir(parents=True, exist_ok=True)
    notes_yaml, names = [], []
    for number in range(1, chapters + 1):
        ids = [f"c{number:02d}n{k:02d}" for k in range(1, notes_per_chapter + 1)]
        notes_yaml += [f'{i}:\n  text: "{note_text(rng)}"\n' for i in ids]
        name = f"chapters/{number:02d}-chapter-{number}.md"
        (out / name).write_text(chapter(rng, number, ids), encoding="utf-8")
        names.append(name)
    (out / "notes.yaml").write_text("\n".join(notes_yaml), encoding="utf-8")
    (out / "book.yaml").write_text(
        "title: A Synthetic Book\nlanguage: en-US\nslug: synthetic\nversion: \"1\"\n"
        "chapters:\n" + "".join(f"  - {n}\n" for n in names)
        + "editions:\n  - kind: pdf\n  - kind: epub\n  - kind: html\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chapters", type=int, default=30)
    parser.add_argument("--notes-per-chapter", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.chapters, args.notes_per_chapter, args.seed)
    print(f"wrote {args.out}: {args.chapters} chapters, {args.chapters * args.notes_per_chapter} notes")


if __name__ == "__main__":
    main()
