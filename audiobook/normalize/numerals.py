"""Numbers in running text: ranges, fractions, ordinals, years, cardinals, decimals, negatives.

These rules run last, after dates, money and units have claimed their numbers. A four-digit
number from 1000 to 2099 is read as a year ("in 1881" → "in eighteen eighty-one") unless it
counts something ("1500 soldiers" → "one thousand five hundred soldiers").
"""

from __future__ import annotations

import re

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.measures import units
from audiobook.normalize.numbers import (
    cardinal,
    digits,
    fraction,
    number,
    ordinal,
    to_int,
    year,
)

__all__ = ["RULES", "is_year"]

_VULGAR = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
    "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8),
    "⅞": (7, 8), "⅐": (1, 7), "⅑": (1, 9), "⅒": (1, 10),
}  # fmt: skip

# Words before a four-digit number that make it a year, and words that make it a count.
_YEAR_BEFORE = frozenset(
    ["in", "since", "of", "from", "by", "until", "till", "before", "after", "around", "circa", "year", "years", "summer", "winter", "spring", "autumn", "fall", "early", "late", "mid", "the", "in,", "and", "to", "between", "during", "c"]
)
_COUNT_BEFORE = frozenset(["page", "pages", "number", "numbers", "no", "about", "nearly", "over", "under", "some", "than"])
_NOT_PLURAL = frozenset(
    ["was", "is", "has", "his", "this", "its", "as", "us", "yes", "less", "unless", "whereas", "always", "perhaps", "afterwards", "towards", "besides", "thus", "plus", "bus", "gas"]
)
_COUNT_NOUNS = frozenset(["people", "men", "women", "children", "feet", "teeth", "mice", "sheep", "fish", "deer", "persons"])
_WORD = re.compile(r"[A-Za-z']+")


def is_year(value: int, before: str | None, after: str | None) -> bool:
    """Whether a bare four-digit ``value`` between two words reads as a year."""
    if not 1000 <= value <= 2099:
        return False
    if before and before.lower() in _COUNT_BEFORE:
        return False
    if before and before.lower().rstrip(",") in _YEAR_BEFORE:
        return True
    if after and after[0].islower():
        counted = after in _COUNT_NOUNS or (
            after.endswith("s") and not after.endswith("ss") and len(after) > 3 and after not in _NOT_PLURAL
        )
        return not counted
    return True


_DETERMINERS = frozenset("the a an this that these those my your his her its our their".split())


def _neighbours(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    before = re.search(r"([A-Za-z',]+)\s+$", text[:start])
    after = re.match(r"\s+([A-Za-z']+)", text[end:])
    return (before.group(1) if before else None), (after.group(1) if after else None)


def _range(match: re.Match[str], opts: Options) -> str:
    # The hyphen of "1643-1715" or "pp. 12-19" is "to" ("between 10 and 12" after "between");
    # the numbers are read by the rules below.
    before, _ = _neighbours(match.string, match.start(), match.end())
    word = "and" if before and before.lower() == "between" else "to"
    a, b = match.group("a"), match.group("b")
    lengths = sorted(len(n) if n.isdigit() else 0 for n in (a, b))
    if lengths[1] == 4 and lengths[0] not in (2, 4):
        # "1234-123 kg": a four-digit end is a year only beside another year or a short one
        # ("1659-60"); beside any other number it is a quantity like that one.
        return f"{number(a, opts.british)} {word} {number(b, opts.british)}"
    return f"{a} {word} {b}"


def _short_year_range(match: re.Match[str], opts: Options) -> str:
    # "1914-18": the second year keeps the first one's century in the reader's head.
    first, second = match.group("a"), match.group("b")
    if not 1000 <= int(first) <= 2099:
        return match.group(0)
    if int(second) <= int(first[2:]):
        # "1898-02" runs into the next century: "eighteen ninety-eight to nineteen oh two".
        end = (int(first) // 100 + 1) * 100 + int(second)
        if end - int(first) > 30:
            return match.group(0)
        return f"{year(int(first), opts.british)} to {year(end, opts.british)}"
    return f"{year(int(first), opts.british)} to {cardinal(int(second), opts.british)}"


def _fraction(match: re.Match[str], opts: Options) -> str:
    top, bottom = int(match.group("n")), int(match.group("d"))
    if bottom < 2 or bottom > 1000 or top > 10**6:
        return match.group(0)
    if (top, bottom) == (24, 7):
        return "twenty-four seven"
    return _mixed(match, top, bottom, opts)


def _vulgar(match: re.Match[str], opts: Options) -> str:
    top, bottom = _VULGAR[match.group("f")]
    return _mixed(match, top, bottom, opts)


def _mixed(match: re.Match[str], top: int, bottom: int, opts: Options) -> str:
    """A fraction with or without a whole number: "2½" → "two and a half"; "½ cup" → "a half cup"."""
    spoken = fraction(top, bottom, opts.british)
    whole = match.group("whole")
    if whole:
        if top == 1:
            spoken = "a " + spoken.split(" ", 1)[1]
        return f"{cardinal(to_int(whole), opts.british)} and {spoken}"
    _, after = _neighbours(match.string, match.start(), match.end())
    if top != 1 or bottom not in (2, 4) or not after or after.lower() == "of":
        return spoken  # "one half of the class"
    if after.lower() in _DETERMINERS:
        return "half" if bottom == 2 else spoken  # "half the sugar"
    return "a " + spoken.split(" ", 1)[1]  # before a noun: "a half cup", "a quarter mile"


def _ordinal(match: re.Match[str], opts: Options) -> str:
    return ordinal(to_int(match.group("n")), opts.british)


def _dotted(written: str, opts: Options) -> str:
    return " point ".join(number(part, opts.british) if len(part) < 4 else digits(part) for part in written.split("."))


def _version(match: re.Match[str], opts: Options) -> str:
    head = "version " if match.group("v") else ""
    return head + _dotted(match.group("num"), opts)


# Words that open a quantity rather than name a product: "About 3.25 million".
_NOT_NAMES = frozenset("About Around Almost Nearly Only Just Over Under Roughly Some Exactly Approximately Up Down At By To From".split())
_NEXT_WORD = re.compile(r"\s*([^\s,;:!?]*)")
_QUANTITY_WORDS = frozenset("million billion thousand trillion percent per dollars euros pounds".split())


def _quantity_after(text: str, end: int) -> bool:
    word = _NEXT_WORD.match(text, end).group(1).rstrip(".")  # type: ignore[union-attr]
    return word[:1] in ("%", "‰") or word in _QUANTITY_WORDS or word in units()


def _named_version(match: re.Match[str], opts: Options) -> str:
    # "Python 3.11", "Table 3.12": a number after a name is a label read in dotted groups ("three
    # point eleven"); a quantity after it ("3.25 kg", "3.25 million") keeps its decimal reading.
    name = match.group("name")
    if name in _NOT_NAMES or _quantity_after(match.string, match.end()):
        return match.group(0)
    return f"{name} {_dotted(match.group('num'), opts)}"


def _number(match: re.Match[str], opts: Options) -> str:
    text, written = match.string, match.group("num")
    sign = "minus " if match.group("sign") else ""
    suffix = match.group("suffix")
    # "221B", "4K": letters after a number are read as letters ("two hundred twenty-one B").
    tail = " " + "-".join(suffix.upper() if len(suffix) > 1 else suffix) if suffix else ""
    if written.isdigit() and len(written) == 4 and not sign:
        before, after = _neighbours(text, match.start(), match.end())
        if not suffix and is_year(int(written), before, after):
            return year(int(written), opts.british)
    if len(written.replace(",", "").split(".")[0]) > 15:
        return sign + digits(written) + tail
    return sign + number(written, opts.british) + tail


_ACRONYM_SPELLED = re.compile(r"\b(?P<caps>[A-Z]{2,5})(?P<s>s|'s|\u2019s)\b")


def _acronym_plural(match: re.Match[str], opts: Options) -> str:
    # espeak-ng drops the ending of "CDs" and "FBI's"; hyphenated letters keep it ("C-D's").
    caps = match.group("caps")
    if len(caps) > 3 and re.search(r"[AEIOU]", caps):
        return match.group(0)  # "NASA's", "UNESCO's": read as words
    return "-".join(caps) + "'s"


RULES = [
    Rule(
        "year-range-short",
        re.compile(r"(?<![\w.,-])(?P<a>\d{4})[-\u2013](?P<b>\d{2})(?![\w.,-]|\d)"),
        _short_year_range,
    ),
    Rule(
        "range",
        re.compile(r"(?<![\w.,-])(?P<a>\d[\d,]*(?:\.\d+)?)[-\u2013](?P<b>\d[\d,]*(?:\.\d+)?)(?![\w-]|[.,]\d)"),
        _range,
    ),
    Rule(
        "fraction",
        re.compile(r"(?<![\w/.,])(?:(?P<whole>\d+)\s+)?(?P<n>\d+)/(?P<d>\d+)(?![\w/]|[.,]\d)"),
        _fraction,
    ),
    Rule("fraction-sign", re.compile(rf"(?<![\w.,])(?P<whole>\d+)?\s?(?P<f>[{''.join(_VULGAR)}])"), _vulgar),
    Rule("ordinal", re.compile(r"(?<![\w.,])(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th|d)\b"), _ordinal),
    Rule(
        "version",
        re.compile(r"(?:(?<![\w.,])|\b(?P<v>v))(?P<num>\d+(?:\.\d+){2,}|(?<=v)\d+\.\d+)(?![\w.]|\.\d)"),
        _version,
    ),
    Rule(
        "version-named",
        re.compile(r"\b(?P<name>[A-Z][A-Za-z]*[a-z][A-Za-z]*) (?P<num>\d+\.\d{2,})(?![\w.]|[.,]\d)"),
        _named_version,
    ),
    Rule("acronym-plural", _ACRONYM_SPELLED, _acronym_plural),
    Rule(
        "number",
        re.compile(
            r"(?<![\w.])(?P<sign>[-\u2212](?=[\d.]))?"
            r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<suffix>[A-Za-z]{0,3})(?!\w)"
        ),
        _number,
    ),
]
"""Number rules in the order they apply."""
