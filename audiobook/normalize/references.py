"""Chapter-and-verse references, read as a narrator reads them rather than as clock times.

"Deut. 33:25" → "Deuteronomy thirty-three, verse twenty-five"; "1 John 2:15" → "First John two,
verse fifteen"; "Gen. xliii. 31" → "Genesis forty-three, verse thirty-one"; "Ecclesiastes 12:1-7"
→ "… twelve, verses one to seven"; "Romans 16:25, 26" → "… verses twenty-five and twenty-six";
and a chain "Revelation 7:17; 4:4" keeps reading chapters and verses. The book names are the table
``data/bible_books_en.tsv``; a reference needs one of them, so "at 10:30" stays a time.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal
from audiobook.normalize.roman import roman_value

__all__ = ["RULES", "Book", "books"]

# The most a chapter and a verse number run to (Psalm 119 has 176 verses).
_MAX_CHAPTER = 150
_MAX_VERSE = 176


@dataclass(frozen=True)
class Book:
    """One line of the book table."""

    written: str
    """As written in a reference, with its period if it is an abbreviation: ``"Deut."``."""
    spoken: str
    """What is said: ``"Deuteronomy"``."""
    numbered: bool
    """Whether it may follow 1, 2 or 3 ("1 Cor." → "First Corinthians")."""


@functools.cache
def books() -> dict[str, Book]:
    """Written form → book, from ``data/bible_books_en.tsv``."""
    path = resources.files("audiobook") / "data" / "bible_books_en.tsv"
    out: dict[str, Book] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split("\t")]
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "numbered"):
            raise ValueError(f"bible_books_en.tsv:{number}: expected written<TAB>spoken[<TAB>numbered]")
        out[parts[0]] = Book(parts[0], parts[1], len(parts) == 3)
    return out


_FIRST = {"1": "First", "2": "Second", "3": "Third", "I": "First", "II": "Second", "III": "Third"}
_VERSES = r"\d{1,3}(?:\s?[-\u2013]\s?\d{1,3})?(?:,\s?\d{1,3}(?:\s?[-\u2013]\s?\d{1,3})?)*"
_CHAPTER_VERSE = rf"\d{{1,3}}:\s?{_VERSES}"
# Old style: a Roman chapter, a period or comma, the verse ("Gen. xliii. 31", "Ps. CXIX. 105").
_ROMAN_VERSE = rf"(?:[ivxlc]+|[IVXLC]{{2,}}|[VXLC])[.,]\s?{_VERSES}"
_PIECE = re.compile(
    r"(?:(?P<ch>\d{1,3}):\s?|(?P<roman>[ivxlcIVXLC]+)[.,]\s?)(?P<verses>" + _VERSES + r")"
)
_VERSE_PART = re.compile(r"(?P<a>\d+)(?:\s?[-\u2013]\s?(?P<b>\d+))?")


def _book_names() -> str:
    names = []
    for written in sorted(books(), key=len, reverse=True):
        names.append(re.escape(written[:-1]) + r"\.?" if written.endswith(".") else re.escape(written))
    return "|".join(names)


@functools.cache
def _pattern() -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\w.])(?:(?P<n>[123]|I{{1,3}})\s)?(?P<book>{_book_names()})\s"
        rf"(?P<ref>(?:{_CHAPTER_VERSE}|{_ROMAN_VERSE})(?:;\s?{_CHAPTER_VERSE})*)"
        r"(?![\d:])(?!\s?[AaPp]\.?[Mm]\b)"
    )


def _lookup(written: str) -> Book | None:
    table = books()
    return table.get(written) or table.get(written + ".")


def _verses(text: str, opts: Options) -> tuple[str, int] | None:
    """The verses of one chapter in words, and how much of ``text`` they take.

    A list of verses is one while its numbers rise ("Romans 16:25, 26"); where they stop rising
    ("2:34, 26") the rest is left to be read as written.
    """
    parts: list[str] = []
    last = 0
    taken = 0
    for match in _VERSE_PART.finditer(text):
        a = int(match.group("a"))
        b = int(match.group("b")) if match.group("b") else None
        if a <= last or a > _MAX_VERSE or (b is not None and not a < b <= _MAX_VERSE):
            break
        last = b or a
        taken = match.end()
        said = cardinal(a, opts.british)
        parts.append(f"{said} to {cardinal(b, opts.british)}" if b else said)
    if not parts:
        return None
    several = len(parts) > 1 or " to " in parts[0]
    spoken = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ("verses " if several else "verse ") + spoken, taken


def _reference(match: re.Match[str], opts: Options) -> str:
    book = _lookup(match.group("book"))
    if book is None:
        return match.group(0)
    ref = match.group("ref")
    pieces: list[str] = []
    done = 0
    for piece in _PIECE.finditer(ref):
        roman = piece.group("roman")
        chapter = roman_value(roman.upper()) if roman else int(piece.group("ch"))
        verses = _verses(piece.group("verses"), opts)
        if chapter is None or not 1 <= chapter <= _MAX_CHAPTER or verses is None:
            break
        said, taken = verses
        pieces.append(f"{cardinal(chapter, opts.british)}, {said}")
        done = piece.start("verses") + taken
        if done < piece.end():
            break
    if not pieces:
        return match.group(0)
    # What the chain holds past its last reference is read as written.
    return _spoken(match, book, pieces) + ref[done:]


def _spoken(match: re.Match[str], book: Book, pieces: list[str]) -> str:
    number = match.group("n")
    head = book.spoken
    if number:
        head = f"{_FIRST[number]} {head}" if book.numbered else f"{number} {head}"
    return f"{head} " + "; ".join(pieces)


RULES = [Rule("reference", _pattern(), _reference)]
"""The reference rule: a book name from the table, then chapter and verse."""
