"""English number words: cardinals, ordinals, years, decimals, digits, fractions.

Every function returns words a narrator would say; hyphens join tens and units ("forty-two"),
which espeak-ng reads as one number. ``british=True`` puts "and" after the hundreds
("one hundred and five"), as British speakers do.
"""

from __future__ import annotations

import re

__all__ = [
    "cardinal",
    "decimal",
    "digits",
    "fraction",
    "number",
    "ordinal",
    "ordinal_word",
    "plural_fraction",
    "spell_long_numbers",
    "to_int",
    "year",
]

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ["", "thousand", "million", "billion", "trillion", "quadrillion"]
_LIMIT = 10 ** (3 * len(_SCALES))
_LONG_FRACTION = re.compile(r"(?<=\d)\.(\d{19,})")
_LONG_WHOLE = re.compile(r"(?<![\d,])(?:\d{1,3}(?:,\d{3}){6,}|\d{19,})(?!\d)")

_ORDINAL_IRREGULAR = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_LAST_WORD = re.compile(r"([a-z]+)$")


def _below_thousand(n: int, british: bool, tail_and: bool) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest:
        if british and (hundreds or tail_and):
            words.append("and")
        if rest < 20:
            words.append(_ONES[rest])
        else:
            tens, ones = divmod(rest, 10)
            words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    return words


def cardinal(n: int, british: bool = False) -> str:
    """``n`` in words: 1234 → "one thousand two hundred thirty-four"; past 10^18, digit by digit."""
    if n < 0:
        return "minus " + cardinal(-n, british)
    if n < 20:
        return _ONES[n]
    if n >= _LIMIT:
        return digits(str(n))
    groups: list[int] = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words: list[str] = []
    for power in range(len(groups) - 1, -1, -1):
        group = groups[power]
        if not group:
            continue
        # British "one thousand and five": the last group gets its "and" even without hundreds.
        tail_and = power == 0 and len(groups) > 1
        words += _below_thousand(group, british, tail_and)
        if power:
            words.append(_SCALES[power])
    return " ".join(words)


def ordinal_word(words: str) -> str:
    """The ordinal of a cardinal already in words: "twenty-one" → "twenty-first"."""
    match = _LAST_WORD.search(words)
    if not match:
        return words
    last = match.group(1)
    if last in _ORDINAL_IRREGULAR:
        new = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        new = last[:-1] + "ieth"
    else:
        new = last + "th"
    return words[: match.start()] + new


def ordinal(n: int, british: bool = False) -> str:
    """``n`` as an ordinal: 21 → "twenty-first"."""
    return ordinal_word(cardinal(n, british))


def year(n: int, british: bool = False) -> str:
    """``n`` read as a year: 1881 → "eighteen eighty-one", 1905 → "nineteen oh five", 2005 → "two thousand five"."""
    if n < 0:
        return cardinal(-n, british) + " B C"
    if n < 1000 or n > 9999:
        return cardinal(n, british)
    high, low = divmod(n, 100)
    if high % 10 == 0 and low < 10:
        # 1000-1009, 2000-2009: "two thousand five", never "twenty oh five".
        return cardinal(n, british)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {_ONES[low]}"
    return f"{cardinal(high)} {cardinal(low)}"


def digits(text: str) -> str:
    """Each digit as a word: "007" → "zero zero seven"; anything else in ``text`` is dropped."""
    return " ".join(_ONES[int(ch)] for ch in text if ch.isdigit())


def spell_long_numbers(text: str) -> str:
    """Numbers of 19 digits or more (``_LIMIT``'s and above) already said digit by digit.

    They are read that way anyway; spelling them before any rule sees them keeps every rule's
    ``int()`` small, since Python refuses to convert thousands of digits (and a document may hold
    a number of any length).
    """
    if len(text) < 19:
        return text
    text = _LONG_FRACTION.sub(lambda m: " point " + digits(m.group(1)) + " ", text)
    return _LONG_WHOLE.sub(lambda m: " " + digits(m.group(0)) + " ", text)


def to_int(text: str) -> int:
    """An integer written with optional thousands separators ("1,234") or a minus sign."""
    return int(text.replace(",", "").replace("\u2212", "-"))


def decimal(text: str, british: bool = False) -> str:
    """A written decimal: "3.14" → "three point one four", ".5" → "point five", "1,000.5"."""
    sign = ""
    if text[:1] in "-\u2212":
        sign, text = "minus ", text[1:]
    whole, _, frac = text.partition(".")
    spoken = cardinal(to_int(whole), british) if whole else ""
    if frac:
        spoken = (spoken + " point " + digits(frac)).strip()
    return sign + spoken


def number(text: str, british: bool = False) -> str:
    """Any written number (sign, separators, decimals); a leading zero reads digit by digit."""
    body = text.lstrip("-\u2212+")
    if len(body) > 1 and body.startswith("0") and body[1:2].isdigit():
        return ("minus " if body != text and text[0] != "+" else "") + digits(body)
    if "." in body:
        return decimal(text.lstrip("+"), british)
    return cardinal(to_int(text.lstrip("+")), british)


_FRACTION_NAMES = {2: ("half", "halves"), 4: ("quarter", "quarters")}


def fraction(numerator: int, denominator: int, british: bool = False) -> str:
    """A fraction in words: 1/3 → "one third", 3/4 → "three quarters", 5/8 → "five eighths"."""
    if denominator == 1:
        return cardinal(numerator, british)
    top = cardinal(numerator, british)
    if denominator in _FRACTION_NAMES:
        one, many = _FRACTION_NAMES[denominator]
    else:
        one = ordinal(denominator, british)
        many = plural_fraction(one)
    return f"{top} {one if numerator == 1 else many}"


def plural_fraction(word: str) -> str:
    """Plural of an ordinal used as a fraction: "third" → "thirds", "half" → "halves"."""
    return word[:-1] + "ves" if word.endswith("f") else word + "s"
