"""The English normalizer: one ordered table of rules, from the most specific to the most general.

Addresses and telephone numbers go first (they hold dots and digits every later rule would
claim), then numeric dates, chapter-and-verse references, pounds, shillings and pence (whose "s."
and "d." no other rule may take), abbreviations, codes, tags and file names, Roman numerals, dates
with month names, times, money, units and symbols, and last the plain numbers. Each rule is an entry of ``RULES``; adding one is a line here and a line in
``tests/fixtures/normalize/en.tsv``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from importlib import resources

from audiobook.normalize import (
    abbreviations,
    dates,
    measures,
    money,
    numerals,
    references,
    roman,
    web,
)
from audiobook.normalize.base import DIGITS, Options, Rule, apply_rules
from audiobook.normalize.numbers import decimal, spell_long_numbers

__all__ = ["RULES", "expand", "prepare_for_espeak", "rule_names"]


@functools.cache
def _acronyms() -> dict[str, str]:
    path = resources.files("audiobook") / "data" / "acronyms_en.tsv"
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line and line[0] != "#")
    return {written.strip(): spoken.strip() for written, spoken in rows}


def _acronym(match: re.Match[str], opts: Options) -> str:
    return _acronyms()[match.group(0)]


def _by_name(rules: list[Rule], *names: str) -> list[Rule]:
    table = {rule.name: rule for rule in rules}
    return [table[name] for name in names]


_VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞⅐⅑⅒"
# What a text must hold for each rule to match at all (see ``Rule.needs``): most rules read numbers.
_NEEDS = {
    **dict.fromkeys(
        [
            "ip-address", "digit-code", "phone", "isbn", "date-iso", "date-numeric", "date-ymd", "date-dotted",
            "decade-range", "date-month-first", "date-day-first", "date-month-year", "era", "quarter",
            "time-range", "time", "time-dotted", "time-hour", "utc-offset", "decade", "plan-code", "flight",
            "letters-digits", "money-range", "money-symbol", "money-code", "money-code-first", "money-cents",
            "scientific", "arithmetic", "percent", "dimensions", "unit", "per-unit", "minus", "year-range-short",
            "range", "fraction", "ordinal", "version", "version-named", "number",
        ],
        DIGITS,
    ),
    "hashtag": "#@", "file-name": ".", "unit-ratio": "/", "comparison-sign": "≈≤≥≠<>", "fraction-sign": _VULGAR,
    "ampersand": "&", "section": "§", "paragraph-sign": "¶", "number-sign": "#", "about": "~",
    "plus-minus": "±", "times": "×", "divided": "÷", "equals": "=", "plus": "+", "copyright": "©",
    "trademark": "™®", "and-or": "/",
}  # fmt: skip

RULES: list[Rule] = [
    *web.RULES,
    *_by_name(dates.RULES, "date-iso", "date-numeric", "date-ymd", "date-dotted", "decade-range"),
    # Before abbreviations ("Gen.", "Rev.", "Col." are books there) and before times ("3:16").
    *references.RULES,
    *money.STERLING_RULES,
    *abbreviations.RULES,
    *web.CODE_RULES,
    *roman.RULES,
    *_by_name(dates.RULES, "date-month-first", "date-day-first", "date-month-year", "era", "quarter", "time-range", "time", "time-dotted", "time-hour", "utc-offset", "decade"),
    *money.RULES,
    *measures.RULES,
    *numerals.RULES,
    Rule("acronym", re.compile(r"\b(?:" + "|".join(map(re.escape, _acronyms())) + r")\b"), _acronym),
]
RULES = [dataclasses.replace(rule, needs=_NEEDS.get(rule.name, rule.needs)) for rule in RULES]
"""Every English rule, in the order it applies."""

_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +(?=[,.;:!?](?:\s|$))")


def rule_names() -> list[str]:
    """The names of the rules, in order."""
    return [rule.name for rule in RULES]


def expand(text: str, options: Options | None = None, *, heading: bool = False) -> str:
    """English ``text`` with numbers, dates, money, units, abbreviations and symbols written as words."""
    opts = options or Options()
    if heading:
        # A heading that is only a Roman numeral ("XIV.") is a chapter number.
        numeral = roman.heading_numeral(text, opts.british)
        if numeral is not None:
            return numeral
    out = apply_rules(spell_long_numbers(text), RULES, opts)
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    out = _SPACE_BEFORE_PUNCT.sub("", _SPACES.sub(" ", out)).strip()
    return lead + out + trail if out else text


_DECIMAL = re.compile(r"(?<![\w.])\d[\d,]*\.\d+(?![\w.]|\.\d)")
_TOKEN = re.compile(r"\S+")
_INITIAL = re.compile(r"^[A-Z]\.$")


def prepare_for_espeak(text: str, abbrevs: frozenset[str]) -> str:
    """Last protections before espeak-ng, for English text that did not go through ``expand``.

    A decimal point is spelled out (phonemizer's punctuation restore can lose words around it),
    and the period of an abbreviation in ``abbrevs`` (lower case, no final period) or of an
    initial is dropped unless it ends the text: espeak would otherwise make it a sentence end.
    """
    text = _DECIMAL.sub(lambda m: decimal(m.group(0)), spell_long_numbers(text))
    tokens = list(_TOKEN.finditer(text))
    out = []
    last = 0
    for i, m in enumerate(tokens):
        word = m.group().lstrip("(“\"'")
        if i + 1 < len(tokens) and word.endswith(".") and (word[:-1].lower() in abbrevs or _INITIAL.match(word)):
            out.append(text[last : m.end() - 1])
            last = m.end()
    out.append(text[last:])
    return "".join(out)
