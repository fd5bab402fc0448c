"""What a chapter heading looks like in plain text, and how a narrator says it.

Shared by every reader that meets headings as text: ``Chapter 3``, ``CHAPTER III``, ``Chapter
Twelve``, ``Chapter 3: The Storm``, ``PROLOGUE``, ``Part One``, ``BOOK ONE``, ``Letter 1``,
``STAVE I``, a numeral alone (``IV.``) or a numeral and a title in capitals (``I. A SCANDAL IN
BOHEMIA``). A heading's number is spoken as a word ("CHAPTER III" is read "Chapter three").
"""

from __future__ import annotations

import re

from audiobook.normalize.numbers import cardinal
from audiobook.normalize.roman import roman_value

__all__ = [
    "CONTENTS",
    "NUMBER_ONLY",
    "SUBTITLE",
    "bare_numeral",
    "heading_level",
    "is_heading",
    "numbered_title",
    "spoken_heading",
]

_UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_NUMBER = rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[:9])}))?|{'|'.join(_UNITS)}|hundred)"
_ROMAN = r"(?=[mdclxvi])m{0,4}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_NUMBER = rf"(?:\d{{1,4}}|{_ROMAN}|{_WORD_NUMBER})"
_HEADING = re.compile(
    rf"""^(?:
        (?:chapter|part|book|volume|letter|adventure|stave|canto)\s+{_NUMBER}\.?(?:\s*[:.\-\u2013\u2014]\s*\S.*)?
      | (?:prologue|epilogue|preface|foreword|introduction|afterword|interlude)\.?(?:\s*[:.\-\u2013\u2014]\s*\S.*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_HEADING = 80
"""A longer line is prose that happens to start with "Chapter", not a heading."""

_HEADING_WORD = r"(?i:chapter|part|book|section|volume|act|scene|canto|appendix|letter|adventure|stave)"
_NUMERAL = r"\d{1,4}|[IVXLCDM]+"
_NUMBERED = re.compile(
    rf"^(?P<lead>\s*)(?P<word>{_HEADING_WORD})(?P<space>\s+)(?P<num>{_NUMERAL})(?P<rest>(?![\w'\u2019-]).*)$", re.DOTALL
)
# Capitals that make a valid numeral but, standing alone as a heading, are more likely a word.
_NOT_BARE = frozenset(
    {"MIX", "DIX", "DIV", "CIV", "LIV", "CLI", "MI", "DI", "LI", "CI", "XL", "MD", "DC", "CD", "CM", "MC"}
)
_BARE_HEADING = re.compile(r"^(?P<num>\d{1,3}|[IVXLC]{1,7})\.?$")
_NUMBERED_TITLE = re.compile(r"^(?P<num>\d{1,3}|[IVXLC]{1,7})\.\s+(?P<title>[^a-z]*[A-Z][^a-z]*)$")
"""``I. A SCANDAL IN BOHEMIA``: a numeral, a period and a title in capitals."""
NUMBER_ONLY = re.compile(
    rf"^(?:chapter|part|book|volume|letter|adventure|stave|canto)\s+{_NUMBER}\.?$", re.IGNORECASE
)
"""A heading that gives a number and no title (``CHAPTER I.``): its title may be on the next line."""
SUBTITLE = re.compile(r"^[\"'\u201c\u2018(]?[A-Z].{0,58}[^,;:\-\u2013\u2014]$")
_PART_WORDS = frozenset({"part", "book", "volume"})
"""Heading words of the level above chapters."""
CONTENTS = re.compile(r"^(?:table\s+of\s+)?contents?\W*$", re.IGNORECASE)
_BARE = re.compile(rf"^(?P<lead>\s*)(?P<num>{_NUMERAL})(?P<rest>\s*(?:[.:]\s*(?:\S.*)?)?)$", re.DOTALL)


def _numeral(text: str) -> int | None:
    return int(text) if text.isdigit() else roman_value(text)


def spoken_heading(text: str) -> str:
    """A heading as a narrator says it: its chapter number in words, the rest unchanged.

    "Chapter XIV" → "Chapter fourteen", "CHAPTER 3: The Storm" → "Chapter three: The Storm",
    "XII." → "Twelve.". Only a numeral after a heading word, or a heading that is a numeral
    (with an optional title after a period), is changed.
    """
    m = _NUMBERED.match(text)
    if m:
        value = _numeral(m.group("num"))
        if value is None:
            return text
        word = m.group("word")
        word = word.capitalize() if word.isupper() else word
        return f"{m.group('lead')}{word}{m.group('space')}{cardinal(value)}{m.group('rest')}"
    m = _BARE.match(text)
    if m:
        num = m.group("num")
        value = _numeral(num)
        if value is None or num in _NOT_BARE or not (num.isdigit() or set(num) & set("IVX")):
            return text
        return f"{m.group('lead')}{cardinal(value).capitalize()}{m.group('rest')}"
    return text


def is_heading(line: str) -> bool:
    """True when ``line`` on its own is a chapter heading."""
    line = line.strip()
    return 0 < len(line) <= _MAX_HEADING and _HEADING.match(line) is not None


def heading_level(line: str) -> int | None:
    """0 for a part's heading (``BOOK ONE``, ``PART II``), 1 for a chapter's, ``None`` for prose."""
    if not is_heading(line):
        return None
    return 0 if line.split()[0].lower() in _PART_WORDS else 1


def _numeral_value(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    if num in _NOT_BARE:
        return None
    return roman_value(num)


def bare_numeral(line: str) -> int | None:
    """The value of a line that is only a numeral (``IV.``, ``7``, ``XII``), else ``None``."""
    m = _BARE_HEADING.match(" ".join(line.split()))
    return _numeral_value(m.group("num")) if m else None


def numbered_title(line: str) -> int | None:
    """The number of a heading such as ``I. A SCANDAL IN BOHEMIA`` (numeral, title in capitals)."""
    line = " ".join(line.split())
    m = _NUMBERED_TITLE.match(line)
    if m is None or len(line) > _MAX_HEADING:
        return None
    return _numeral_value(m.group("num"))
