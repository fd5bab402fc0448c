"""Web addresses, e-mail addresses, telephone numbers and ISBNs, read the way people say them.

"https://www.example.com/docs" → "w-w-w dot example dot com slash docs" (the scheme is not read),
"ada@example.org" → "ada at example dot org", "555-0142" → "five five five, zero one four two",
"ISBN 978-0-306-40615-7" → "I-S-B-N nine seven eight, zero, three zero six, ...".
"""

from __future__ import annotations

import re

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import digits

__all__ = ["RULES", "say_address", "say_digit_groups"]

_SIGNS = {
    ".": "dot",
    "/": "slash",
    "-": "dash",
    "_": "underscore",
    "@": "at",
    ":": "colon",
    "?": "question mark",
    "=": "equals",
    "&": "and",
    "#": "hash",
    "~": "tilde",
    "+": "plus",
    "%": "percent",
}
_PIECE = re.compile(r"[A-Za-z]+|\d+|.")


def say_address(text: str) -> str:
    """A URL or e-mail address piece by piece: words as words, digits one by one, signs named."""
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE).rstrip("/")
    out = []
    for piece in _PIECE.findall(text):
        if piece.isdigit():
            out.append(digits(piece))
        elif piece.isalpha():
            lower = piece.lower()
            # "www" and other vowel-less runs are spelled; espeak-ng reads hyphenated letters one by one.
            out.append("-".join(lower.upper()) if not re.search(r"[aeiouy]", lower) else lower)
        elif piece in _SIGNS:
            out.append(_SIGNS[piece])
    return " ".join(out)


def say_digit_groups(text: str) -> str:
    """Digits one by one, groups (split at spaces, dots, dashes, parentheses) apart by commas."""
    groups = [g for g in re.split(r"[\s.\-()/]+", text) if g]
    spoken = []
    for group in groups:
        if group.startswith("+"):
            spoken.append("plus " + digits(group))
        else:
            spoken.append(" ".join(digits(ch) if ch.isdigit() else ch for ch in group))
    return ", ".join(spoken)


def _address(match: re.Match[str], opts: Options) -> str:
    return say_address(match.group(0))


def _phone(match: re.Match[str], opts: Options) -> str:
    return say_digit_groups(match.group(0))


def _isbn(match: re.Match[str], opts: Options) -> str:
    return "I-S-B-N " + say_digit_groups(match.group("num"))


_TLD = r"com|org|net|edu|gov|io|co|uk|de|fr|info|biz|us|ca|au|eu|ai|dev|app"

RULES = [
    Rule("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<![.-])"), _address),
    Rule(
        "url",
        re.compile(
            rf"(?<![\w@])(?:[a-z][a-z0-9+.-]*://[^\s<>\"]+|www\.[^\s<>\"]+|[\w-]+(?:\.[\w-]+)*\.(?:{_TLD})\b(?:/[^\s<>\"]*)?)"
            r"(?<![.,;:!?)\]'\"])",
            re.IGNORECASE,
        ),
        _address,
    ),
    Rule("isbn", re.compile(r"\bISBN(?:-1[03])?:?\s*(?P<num>(?:97[89][\s-]?)?\d[\d\s-]{7,14}[\dX])\b"), _isbn),
    Rule(
        "phone",
        re.compile(
            r"(?<![\w+-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])"
            r"|(?<![\w+-])\+\d{1,3}(?:[\s.-]\d{1,4}){2,5}(?![\w-])"
            r"|(?<![\w+.,-])\d{3}-\d{4}(?![\w-])"
        ),
        _phone,
    ),
]
"""Address, ISBN and telephone rules, applied before any other rule touches dots and digits."""
