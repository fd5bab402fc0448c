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
def _symbols() -> str:
    return "|".join(re.escape(s) for s in sorted(units(), key=len, reverse=True))


# Units of length that take "square" and "cubic": "km²", "m2" after a number.
_LENGTHS = frozenset(["mm", "cm", "m", "km", "ft", "yd", "mi", "in", "nm", "µm", "μm", "MM", "CM", "KM", "Km"])
_POWERS = {"²": "square", "³": "cubic", "2": "square", "3": "cubic"}
_MAGNITUDE = r"(?:(?P<mag>thousand|million|billion|trillion)\s)?"
_POWER = r"(?P<pow>[²³]|[23](?![\d.,]\d|\d))?"
_PER_UNIT = r"(?:/(?P<per>{symbols})(?P<perpow>[²³])?)?"


@functools.cache
def _unit_pattern() -> re.Pattern[str]:
    symbols = _symbols()
    return re.compile(
        rf"(?<![\w.,]){_NUMBER}\s?{_MAGNITUDE}(?P<unit>{symbols}){_POWER}{_PER_UNIT.format(symbols=symbols)}"
        r"(?![\w/°])(?P<dot>\.(?!\w))?"
    )


def _unit_words(symbol: str, power: str | None, plural: bool, opts: Options) -> str | None:
    """A unit symbol with its optional power in words, or ``None`` where the power does not fit it."""
    one, many = units()[symbol]
    words = many if plural else one
    if power:
        if symbol not in _LENGTHS:
            return None
        words = f"{_POWERS[power]} {words}"
    return _british(words) if opts.british else words


def _unit(match: re.Match[str], opts: Options) -> str:
    value = match.group("num")
    mag = match.group("mag")
    words = _unit_words(match.group("unit"), match.group("pow"), value not in ("1", "-1") or bool(mag), opts)
    if words is None:
        return match.group(0)
    if match.group("per"):
        per = _unit_words(match.group("per"), match.group("perpow"), False, opts)
        if per is None:
            return match.group(0)
        words += " per " + per
    if mag:
        value += " " + mag
    # "1 lb. of beef", "2 ft. 6 in.": the period of a unit written as an abbreviation goes with it
    # where the sentence plainly goes on; before a capital it is kept as the sentence's end.
    if match.group("dot") and not _GOES_ON.match(match.string, match.end()):
        words += "."
    return f"{value} {words}"


_GOES_ON = re.compile(r"\s+[a-z0-9]")


def _per_unit(match: re.Match[str], opts: Options) -> str:
    # "12/kg": a number and then a unit after a slash is a rate, "twelve per kilogram".
    words = _unit_words(match.group("unit"), match.group("pow"), False, opts)
    return match.group(0) if words is None else f" per {words}"


def _unit_ratio(match: re.Match[str], opts: Options) -> str:
    # "kg/m²" on its own, as in "measured in kg/m²".
    top = _unit_words(match.group("unit"), match.group("pow"), True, opts)
    per = _unit_words(match.group("per"), match.group("perpow"), False, opts)
    if top is None or per is None:
        return match.group(0)
    return f"{top} per {per}"


def _dimensions(match: re.Match[str], opts: Options) -> str:
    # "2x8", "2 × 4 m", "3 x 4 x 5": sizes are read with "by"; "3 × 4" alone is arithmetic.
    if "×" in match.group(0) and not match.group("c") and not _unit_after().match(match.string, match.end()):
        return match.group(0)
    sizes = [match.group(k) for k in ("a", "b", "c") if match.group(k)]
    return " by ".join(sizes)


@functools.cache
def _unit_after() -> re.Pattern[str]:
    return re.compile(rf"\s?(?:{_symbols()})(?![\w])")


def _percent(match: re.Match[str], opts: Options) -> str:
    return f"{match.group('num')} {'per mille' if match.group('sign') == '‰' else 'percent'}"


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def _scientific(match: re.Match[str], opts: Options) -> str:
    written = match.group("e1") or match.group("e2") or match.group("e3")
    exponent = int(written.translate(_SUPERSCRIPT).replace("\u2212", "-"))
    power = ("minus " if exponent < 0 else "") + ordinal(abs(exponent), opts.british)
    return f"{number(match.group('m'), opts.british)} times ten to the {power}"


_OPERATORS = {
    "+": "plus", "-": "minus", "\u2212": "minus", "*": "times", "×": "times", "/": "divided by",
    "÷": "divided by", "=": "equals", "<": "is less than", ">": "is greater than",
    "≤": "is less than or equal to", "≥": "is greater than or equal to", "≠": "does not equal",
    "≈": "is approximately",
}  # fmt: skip
_OPERAND = r"(?:\d+(?:\.\d+)?|(?<![\w'])[a-z](?![\w']))"
_OP = r"[-+*/×÷=<>≤≥≠≈\u2212]"
_ARITHMETIC = re.compile(rf"(?<![\w.,/+\-*=]){_OPERAND}(?:\s*{_OP}\s*{_OPERAND})+(?![\w/+*=]|[.,]\d|-\d)")
_SPLIT = re.compile(rf"\s*({_OP})\s*")


def _arithmetic(match: re.Match[str], opts: Options) -> str:
    # "2+3", "1-2=5", "x + 1 = y": digits and operators together are a sum, read sign by sign.
    # A dash or slash alone between numbers is a range, a fraction or a date, and "×" alone a size
    # or a product: other rules read those.
    written = match.group(0)
    if not any(ch.isdigit() for ch in written) or not re.search(r"[+*÷=<>≤≥≠≈]", written):
        return written
    parts = _SPLIT.split(written)
    return " ".join(_OPERATORS[part] if i % 2 else part for i, part in enumerate(parts))


_SIGN_WORDS = {"≈": "approximately", "≤": "at most", "≥": "at least", "≠": "not equal to", "<": "less than", ">": "more than"}


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
    Rule("arithmetic", _ARITHMETIC, _arithmetic),
    Rule("percent", re.compile(rf"(?<![\w.,]){_NUMBER}\s?(?P<sign>%|‰)"), _percent),
    Rule(
        "dimensions",
        re.compile(
            r"(?<![\w.])(?P<a>\d+(?:\.\d+)?)\s?[x×]\s?(?P<b>\d+(?:\.\d+)?)(?:\s?[x×]\s?(?P<c>\d+(?:\.\d+)?))?(?![\w.]|\.\d)"
        ),
        _dimensions,
    ),
    Rule("unit", _unit_pattern(), _unit),
    Rule(
        "per-unit",
        re.compile(rf"(?<=\d)\s?/\s?(?P<unit>{_symbols()})(?P<pow>[²³])?(?![\w/])"),
        _per_unit,
    ),
    Rule(
        "unit-ratio",
        re.compile(rf"(?<![\w/])(?P<unit>{_symbols()})(?P<pow>[²³])?/(?P<per>{_symbols()})(?P<perpow>[²³])?(?![\w/])"),
        _unit_ratio,
    ),
    Rule("ampersand", re.compile(r"\s*&\s*"), _fixed(" and ")),
    Rule("section", re.compile(r"§§\s*|§\s*"), lambda m, o: "sections " if m.group(0).startswith("§§") else "section "),
    Rule("paragraph-sign", re.compile(r"¶\s*"), _fixed("paragraph ")),
    Rule("number-sign", re.compile(r"(?<![\w&])#\s?(?=\d)"), _fixed("number ")),
    Rule("about", re.compile(r"(?<![\w])~\s?(?=\d)"), _fixed("about ")),
    Rule(
        "comparison-sign",
        re.compile(r"(?:(?<=\s)|^)(?P<s>[≈≤≥≠]|[<>](?=\s?\d))\s?(?=[\d$£€¥.-])"),
        lambda m, o: _SIGN_WORDS[m.group("s")] + " ",
    ),
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
