"""Units, percentages, scientific notation and symbols.

"72°F" → "seventy-two degrees Fahrenheit", "5 km" → "five kilometers" (British: "kilometres"),
"50%" → "fifty percent", "6.02e23" → "six point zero two times ten to the twenty-third",
"&" → "and", "§ 4" → "section 4", "#1" → "number 1". The number itself is read by the number rules
that run afterwards, so "5.5 km" and "-3 °C" need nothing special here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from importlib import resources

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import number, ordinal

__all__ = ["RULES", "units"]


@functools.cache
def units() -> dict[str, tuple[str, str]]:
    """Unit symbol → (singular, plural), from ``data/units_en.tsv``."""
    path = resources.files("audiobook") / "data" / "units_en.tsv"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            symbol, one, many = line.split("\t")
            out[symbol] = (one, many)
    return out


def _british(words: str) -> str:
    return words.replace("meter", "metre").replace("liter", "litre")


_NUMBER = r"(?P<num>[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"


@functools.cache
def _unit_pattern() -> re.Pattern[str]:
    symbols = "|".join(re.escape(s) for s in sorted(units(), key=len, reverse=True))
    return re.compile(rf"(?<![\w.,]){_NUMBER}\s?(?P<unit>{symbols})(?![\w/°])(?P<dot>\.(?!\w))?")


def _unit(match: re.Match[str], opts: Options) -> str:
    one, many = units()[match.group("unit")]
    value = match.group("num")
    words = one if value in ("1", "-1") else many
    if opts.british:
        words = _british(words)
    # "1 lb. of beef", "2 ft. 6 in.": the period of a unit written as an abbreviation goes with it
    # where the sentence plainly goes on; before a capital it is kept as the sentence's end.
    if match.group("dot") and not _GOES_ON.match(match.string, match.end()):
        words += "."
    return f"{value} {words}"


_GOES_ON = re.compile(r"\s+[a-z0-9]")


def _percent(match: re.Match[str], opts: Options) -> str:
    return f"{match.group('num')} {'per mille' if match.group('sign') == '‰' else 'percent'}"


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def _scientific(match: re.Match[str], opts: Options) -> str:
    written = match.group("e1") or match.group("e2") or match.group("e3")
    exponent = int(written.translate(_SUPERSCRIPT).replace("\u2212", "-"))
    power = ("minus " if exponent < 0 else "") + ordinal(abs(exponent), opts.british)
    return f"{number(match.group('m'), opts.british)} times ten to the {power}"


def _fixed(text: str) -> Callable[[re.Match[str], Options], str]:
    return lambda match, opts: text


RULES = [
    Rule(
        "scientific",
        re.compile(
            r"(?<![\w.])(?P<m>\d+(?:\.\d+)?)(?:[eE](?P<e1>[-+]?\d+)\b|\s?[×x*]\s?10"
            r"(?:(?:\^|\*\*)(?P<e2>[-\u2212]?\d+)|(?P<e3>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))"
        ),
        _scientific,
    ),
    Rule("percent", re.compile(rf"(?<![\w.,]){_NUMBER}\s?(?P<sign>%|‰)"), _percent),
    Rule("unit", _unit_pattern(), _unit),
    Rule("ampersand", re.compile(r"\s*&\s*"), _fixed(" and ")),
    Rule("section", re.compile(r"§§\s*|§\s*"), lambda m, o: "sections " if m.group(0).startswith("§§") else "section "),
    Rule("paragraph-sign", re.compile(r"¶\s*"), _fixed("paragraph ")),
    Rule("number-sign", re.compile(r"(?<![\w&])#\s?(?=\d)"), _fixed("number ")),
    Rule("about", re.compile(r"(?<![\w])~\s?(?=\d)"), _fixed("about ")),
    Rule("plus-minus", re.compile(r"\s*±\s*"), _fixed(" plus or minus ")),
    Rule("times", re.compile(r"(?<=\d)\s*[×\u00d7]\s*(?=\d)"), _fixed(" times ")),
    Rule("divided", re.compile(r"(?<=\d)\s*÷\s*(?=\d)"), _fixed(" divided by ")),
    Rule("equals", re.compile(r"(?<=[\w)])\s+=\s+(?=[\w(-])"), _fixed(" equals ")),
    Rule("plus", re.compile(r"(?<=\d)\s+\+\s+(?=\d)"), _fixed(" plus ")),
    Rule("minus", re.compile(r"(?<=\d)\s+[-\u2212]\s+(?=\d)"), _fixed(" minus ")),
    Rule("copyright", re.compile(r"©\s*"), _fixed("copyright ")),
    Rule("trademark", re.compile(r"[™®]"), _fixed("")),
    Rule("and-or", re.compile(r"\b(and|or)/(or|and)\b"), lambda m, o: f"{m.group(1)} or" if m.group(1) == "and" else "or"),
]
"""Unit and symbol rules in the order they apply."""
