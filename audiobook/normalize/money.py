"""Money: "$3.50" → "three dollars and fifty cents", "£12" → "twelve pounds", "€1.2 million" →
"one point two million euros", "50¢" → "fifty cents", "100 USD" → "one hundred US dollars"."""

from __future__ import annotations

import re

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal, number, to_int

__all__ = ["CURRENCIES", "RULES", "say_money"]

# symbol or code → (one, many, cent one, cent many); an empty cent name means no subunit is said.
CURRENCIES: dict[str, tuple[str, str, str, str]] = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "US$": ("US dollar", "US dollars", "cent", "cents"),
    "A$": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "C$": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", "", ""),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
}
"""Currencies by symbol or ISO code; add a line to read another one."""

_MAGNITUDES = {
    "thousand": "thousand",
    "million": "million",
    "billion": "billion",
    "trillion": "trillion",
    "k": "thousand",
    "K": "thousand",
    "m": "million",
    "M": "million",
    "mn": "million",
    "bn": "billion",
    "B": "billion",
    "tn": "trillion",
}


def say_money(amount: str, currency: str, magnitude: str | None, opts: Options) -> str:
    """An amount as written (``"3.50"``, ``"1,000"``) in a currency, with an optional magnitude word."""
    one, many, cent, cents = CURRENCIES[currency]
    if magnitude:
        return f"{number(amount, opts.british)} {_MAGNITUDES[magnitude]} {many}"
    whole, _, frac = amount.partition(".")
    units = to_int(whole) if whole else 0
    if frac and (len(frac) != 2 or not cent):
        # "$3.5" or "¥3.50": no clean subunit; read the decimal and the currency.
        return f"{number(amount, opts.british)} {many}"
    sub = int(frac) if frac else 0
    parts = []
    if units or not sub:
        parts.append(f"{cardinal(units, opts.british)} {one if units == 1 else many}")
    if sub:
        parts.append(f"{cardinal(sub, opts.british)} {cent if sub == 1 else cents}")
    return " and ".join(parts)


_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_MAGNITUDE = r"(?:\s?(?P<mag>thousand|million|billion|trillion|mn|bn|tn|[kKmMB])\b)?"
_SYMBOLS = "|".join(re.escape(s) for s in sorted((c for c in CURRENCIES if not c.isalpha()), key=len, reverse=True))
_CODES = "|".join(c for c in CURRENCIES if c.isalpha())


def _symbol(match: re.Match[str], opts: Options) -> str:
    sign = "minus " if match.group("sign") else ""
    return sign + say_money(match.group("amount"), match.group("cur"), match.group("mag"), opts)


def _code(match: re.Match[str], opts: Options) -> str:
    return say_money(match.group("amount"), match.group("cur"), match.group("mag"), opts)


def _cents(match: re.Match[str], opts: Options) -> str:
    value = match.group("amount")
    return f"{number(value, opts.british)} {'cent' if value == '1' else 'cents'}"


RULES = [
    Rule(
        "money-symbol",
        re.compile(rf"(?<![\w])(?P<sign>[-\u2212])?(?P<cur>{_SYMBOLS})\s?{_AMOUNT}{_MAGNITUDE}"),
        _symbol,
    ),
    Rule("money-code", re.compile(rf"(?<![\w.,]){_AMOUNT}{_MAGNITUDE}\s?(?P<cur>{_CODES})\b"), _code),
    Rule("money-cents", re.compile(r"(?<![\w.,])(?P<amount>\d+)\s?\u00a2"), _cents),
]
"""Money rules in the order they apply."""
