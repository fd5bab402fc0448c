"""Choosing chapters: ``--chapters 3-7,9`` and the numbered list ``--list-chapters`` prints.

The selection applies after reading, the same way for every input format; chapters are numbered
from 1 in reading order, as the list shows them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from audiobook.errors import InputError
from audiobook.model import Book, Chapter, Phonemes, Speech

__all__ = ["parse_selection", "select_chapters", "chapter_words", "format_chapter_list"]

_ITEM = re.compile(r"^\s*(\d*)\s*(?:(-)\s*(\d*))?\s*$")


def parse_selection(spec: str, count: int) -> list[int]:
    """Chapter indices (from 0, sorted) that ``spec`` names: ``"3-7,9"``, ``"5-"``, ``"-2"``."""
    chosen: set[int] = set()
    for item in spec.split(","):
        m = _ITEM.match(item)
        if not item.strip() or m is None or not (m.group(1) or m.group(3)):
            raise InputError(f"--chapters {spec!r}: {item.strip()!r} is not a number or range; write e.g. 3-7,9")
        first = int(m.group(1)) if m.group(1) else 1
        last = (int(m.group(3)) if m.group(3) else count) if m.group(2) else first
        if first < 1 or last < first:
            raise InputError(f"--chapters {spec!r}: {item.strip()!r} is not a range from low to high (from 1)")
        if first > count:
            raise InputError(
                f"--chapters {spec!r}: the book has {count} chapter{'s' if count != 1 else ''}; "
                "see them with --list-chapters"
            )
        chosen.update(range(first - 1, min(last, count)))
    return sorted(chosen)


def select_chapters(book: Book, spec: str | None) -> Book:
    """``book`` with only the chapters ``spec`` names (all of them when ``spec`` is empty)."""
    if not spec or not spec.strip():
        return book
    keep = parse_selection(spec, len(book.chapters))
    return replace(book, chapters=tuple(book.chapters[i] for i in keep))


def chapter_words(chapter: Chapter) -> int:
    """Words the chapter will speak."""
    return sum(len(s.text.split()) for b in chapter.blocks for s in b.segments if isinstance(s, (Speech, Phonemes)))


def format_chapter_list(book: Book, spec: str | None = None) -> str:
    """The numbered chapter list with word counts; chapters outside ``spec`` are marked."""
    chosen = set(parse_selection(spec, len(book.chapters))) if spec and spec.strip() else None
    header = book.meta.title + (f" — {', '.join(book.meta.authors)}" if book.meta.authors else "")
    lines = [header]
    for i, chapter in enumerate(book.chapters):
        mark = " " if chosen is None or i in chosen else "-"
        lines.append(f"{mark}{i + 1:3d}. {chapter.title}  ({chapter_words(chapter)} words)")
    total = sum(chapter_words(c) for i, c in enumerate(book.chapters) if chosen is None or i in chosen)
    picked = len(book.chapters) if chosen is None else len(chosen)
    lines.append(f"{picked} of {len(book.chapters)} chapters, {total} words")
    return "\n".join(lines)
