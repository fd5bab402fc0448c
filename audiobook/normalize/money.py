"""Money: "$3.50" → "three dollars and fifty cents", "£12" → "twelve pounds", "€1.2 million" →
"one point two million euros", "50¢" → "fifty cents", "100 USD" → "one hundred US dollars".

British money before 1971 (pounds, shillings and pence) is read as a narrator of the time would:
"£12 10s. 6d." → "twelve pounds ten shillings and sixpence", "1½d." → "a penny ha'penny",
"l. s. d." → "pounds, shillings and pence". Those rules (``STERLING_RULES``) run before the
abbreviations, so the periods after "s." and "d." never reach the sentence splitter, except the
one that also ends the sentence."""

from __future__ import annotations

import re

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.measures import units
from audiobook.normalize.numbers import cardinal, number, to_int

__all__ = ["CURRENCIES", "RULES", "STERLING_RULES", "say_money", "say_sterling"]

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
    "₩": ("won", "won", "", ""),
    "₽": ("ruble", "rubles", "kopeck", "kopecks"),
    "₱": ("peso", "pesos", "centavo", "centavos"),
    "₺": ("lira", "lira", "kurus", "kurus"),
    "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiykas"),
    "₪": ("shekel", "shekels", "agora", "agorot"),
    "₫": ("dong", "dong", "", ""),
    "฿": ("baht", "baht", "satang", "satang"),
    "₦": ("naira", "naira", "kobo", "kobo"),
    "R$": ("real", "reais", "centavo", "centavos"),
    "HK$": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "NZ$": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "S$": ("Singapore dollar", "Singapore dollars", "cent", "cents"),
    "USD": ("US dollar", "US dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", "", ""),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "CAD": ("Canadian dollar", "Canadian dollars", "cent", "cents"),
    "AUD": ("Australian dollar", "Australian dollars", "cent", "cents"),
    "CHF": ("Swiss franc", "Swiss francs", "centime", "centimes"),
    "SEK": ("Swedish krona", "Swedish kronor", "öre", "öre"),
    "NOK": ("Norwegian krone", "Norwegian kroner", "øre", "øre"),
    "DKK": ("Danish krone", "Danish kroner", "øre", "øre"),
    "kr": ("krona", "kronor", "", ""),
    "CNY": ("yuan", "yuan", "", ""),
    "RMB": ("yuan", "yuan", "", ""),
    "KRW": ("won", "won", "", ""),
    "RUB": ("ruble", "rubles", "kopeck", "kopecks"),
    "MXN": ("Mexican peso", "Mexican pesos", "centavo", "centavos"),
    "BRL": ("Brazilian real", "Brazilian reais", "centavo", "centavos"),
    "ZAR": ("rand", "rand", "cent", "cents"),
    "NZD": ("New Zealand dollar", "New Zealand dollars", "cent", "cents"),
    "HKD": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
    "SGD": ("Singapore dollar", "Singapore dollars", "cent", "cents"),
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
    "b": "billion",
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
    if len(frac) == 1 and cent:
        frac += "0"  # "$20.5" is twenty dollars fifty cents, as "$20.50"
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


_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d{1,2}(?!\d))"
_MAGNITUDE = r"(?:\s?(?P<mag>thousand|million|billion|trillion|mn|bn|tn|[kKmMbB])\b)?"
_SYMBOLS = "|".join(re.escape(s) for s in sorted((c for c in CURRENCIES if not c.isalpha()), key=len, reverse=True))
_CODES = "|".join(c for c in CURRENCIES if c.isalpha())
# "$20/mo", "£10/wk", "$3/kg": the time a price is for reads "a month"; anything else "per".
_PERIODS = {
    "h": "an hour", "hr": "an hour", "hour": "an hour", "d": "a day", "day": "a day", "wk": "a week",
    "week": "a week", "mo": "a month", "mth": "a month", "month": "a month", "yr": "a year",
    "y": "a year", "year": "a year", "min": "a minute", "night": "a night", "person": "per person",
    "head": "per head", "pp": "per person", "hd": "per head",
}  # fmt: skip
_PER = r"(?:\s?/\s?(?P<per>[A-Za-z]{1,6}²?)\b)?"


def _per(match: re.Match[str]) -> str:
    per = match.group("per")
    if not per:
        return ""
    if per.lower() in _PERIODS:
        return " " + _PERIODS[per.lower()]
    if per in units():
        return " per " + units()[per][0]
    return "/" + per


def _symbol(match: re.Match[str], opts: Options) -> str:
    sign = "minus " if match.group("sign") else ""
    return sign + say_money(match.group("amount"), match.group("cur"), match.group("mag"), opts) + _per(match)


def _code(match: re.Match[str], opts: Options) -> str:
    return say_money(match.group("amount"), match.group("cur"), match.group("mag"), opts) + _per(match)


def _money_range(match: re.Match[str], opts: Options) -> str:
    # "$250-$300", "$250-300": both ends in the same currency, joined by "to".
    cur, a, ma, mb = match.group("cur"), match.group("a"), match.group("ma"), match.group("mb")
    if "." not in a and (not ma or _MAGNITUDES[ma] == _MAGNITUDES.get(mb or "")):
        # "$250-$300" → "two hundred fifty to three hundred dollars": the currency is said once.
        low = number(a, opts.british)
    else:
        low = say_money(a, cur, ma or mb, opts)
    high = say_money(match.group("b"), cur, mb, opts)
    return f"{low} to {high}"


def _cents(match: re.Match[str], opts: Options) -> str:
    value = match.group("amount")
    return f"{number(value, opts.british)} {'cent' if value == '1' else 'cents'}"


_RANGE_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_RANGE_MAGNITUDE = r"(?:\s?(?P<{}>thousand|million|billion|trillion|mn|bn|tn|[kKmMbB])\b)?"

RULES = [
    Rule(
        "money-range",
        re.compile(
            rf"(?<![\w])(?P<cur>{_SYMBOLS})\s?(?P<a>{_RANGE_AMOUNT}){_RANGE_MAGNITUDE.format('ma')}\s?[-\u2013]\s?"
            rf"(?:(?P=cur)\s?)?(?P<b>{_RANGE_AMOUNT}){_RANGE_MAGNITUDE.format('mb')}(?![\w.,]\d|[\w-])"
        ),
        _money_range,
    ),
    Rule(
        "money-symbol",
        re.compile(rf"(?<![\w])(?P<sign>[-\u2212])?(?P<cur>{_SYMBOLS})\s?{_AMOUNT}{_MAGNITUDE}{_PER}"),
        _symbol,
    ),
    Rule("money-code", re.compile(rf"(?<![\w.,]){_AMOUNT}{_MAGNITUDE}\s?(?P<cur>{_CODES})\b{_PER}"), _code),
    Rule("money-code-first", re.compile(rf"\b(?P<cur>{_CODES})\s?{_AMOUNT}{_MAGNITUDE}(?![\w.,]\d|[\w-]){_PER}"), _code),
    Rule("money-cents", re.compile(r"(?<![\w.,])(?P<amount>\d+)\s?\u00a2"), _cents),
]
"""Money rules in the order they apply."""


# Pence as one word, the way they were said: "threepence" (THREP-ence), "tuppence".
_PENCE = {
    1: "a penny", 2: "tuppence", 3: "threepence", 4: "fourpence", 5: "fivepence", 6: "sixpence",
    7: "sevenpence", 8: "eightpence", 9: "ninepence", 10: "tenpence", 11: "elevenpence",
}  # fmt: skip
_PENCE_FRACTIONS = {"\u00bd": "ha'penny", "\u00bc": "farthing", "\u00be": "three farthings"}

# Words before an amount that already supply its article: "a 1d. stamp" is "a penny stamp".
_DETERMINERS = frozenset("a an the one per each every this that his her my our your their its".split())
# Words before "20s." that make it an age or a decade ("in her 20s."), not twenty shillings.
_NOT_SHILLINGS_BEFORE = frozenset("the his her their my our your its early late mid".split())
# Words after "2d." that make it an old ordinal ("the 2d. of May", "the 2d. inst."), not tuppence.
_ORDINAL_AFTER = re.compile(
    r"\s+(?:of|inst|ult|January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
_CLOSERS = "\"')]}\u201d\u2019"

_PART = (
    r"\u00a3\s?(?P<lp>\d{1,3}(?:,\d{3})+|\d+)(?![\d,]*\.\d)"
    r"|(?P<lq>\d{1,3}(?:,\d{3})+|\d+)\s?l\.(?![A-Za-z])"
    r"|(?P<s>\d{1,3})\s?s(?P<sdot>\.)?(?![A-Za-z])"
    r"|(?P<d>\d{1,2})?(?P<df>[\u00bd\u00bc\u00be])?(?<=[\d\u00bd\u00bc\u00be])\s?d(?P<ddot>\.)?(?![A-Za-z])"
)
_ONE_PART = re.compile(_PART)
_PLAIN_PART = re.sub(r"\?P<\w+>", "?:", _PART)
_STERLING = re.compile(rf"(?<![\w\u00a3'.,\u00bd\u00bc\u00be])(?:{_PLAIN_PART})(?:\s+(?:{_PLAIN_PART}))*")
_LSD = re.compile(r"(?<![\w.])(?:l|\u00a3)\.?\s?s\.\s?d(?P<dot>\.)?(?![\w])")


def _period_ends(text: str, end: int) -> bool:
    """Whether the period of an amount ending at ``end`` also ends the sentence.

    After an amount a capitalized word almost always opens a new sentence ("It cost 6d. Then he
    left."); a lowercase word, a comma or a closing bracket continues it.
    """
    rest = text[end:].lstrip(_CLOSERS)
    if not rest.strip():
        return True
    if not rest[:1].isspace():
        return False
    nxt = rest.lstrip().lstrip("\"'\u201c\u2018(")
    return nxt[:1].isupper()


def _previous_word(text: str, start: int) -> str:
    match = re.search(r"([A-Za-z']+)\W*$", text[:start])
    return match.group(1).lower() if match else ""


def say_pence(pence: int, fraction: str | None, british: bool = False) -> str:
    """Pence as said before decimal money: 6 → "sixpence", 1 and "½" → "a penny ha'penny"."""
    half = _PENCE_FRACTIONS[fraction] if fraction else ""
    if not pence:
        return f"a {half}" if fraction != "\u00be" else half
    whole = _PENCE.get(pence) or f"{cardinal(pence, british)} pence"
    return f"{whole} {half}".strip()


def say_sterling(
    pounds: int | None, shillings: int | None, pence: int | None, fraction: str | None, british: bool = False
) -> str:
    """An amount in pounds, shillings and pence; parts that are ``None`` or zero are not said.

    ``say_sterling(12, 10, 6, None)`` → "twelve pounds ten shillings and sixpence".
    """
    parts: list[str] = []
    if pounds:
        parts.append(f"{cardinal(pounds, british)} {'pound' if pounds == 1 else 'pounds'}")
    if shillings:
        parts.append(f"{cardinal(shillings, british)} {'shilling' if shillings == 1 else 'shillings'}")
    if pence or fraction:
        pence_words = say_pence(pence or 0, fraction, british)
        if parts:
            return " ".join(parts) + " and " + pence_words
        parts.append(pence_words)
    if not parts:
        # "£0 0s. 0d.": nothing at all.
        return "nothing"
    return " ".join(parts)


def _sterling(match: re.Match[str], opts: Options) -> str:
    text, written = match.string, match.group(0)
    pounds = shillings = pence = None
    fraction: str | None = None
    order: list[int] = []
    dots: list[bool] = []
    for part in _ONE_PART.finditer(written):
        g = part.groupdict()
        if g["lp"] or g["lq"]:
            order.append(0)
            pounds = to_int(g["lp"] or g["lq"])
            dots.append(bool(g["lq"]))
        elif g["s"]:
            order.append(1)
            shillings = int(g["s"])
            dots.append(bool(g["sdot"]))
        else:
            order.append(2)
            pence = int(g["d"]) if g["d"] else None
            fraction = g["df"]
            dots.append(bool(g["ddot"]))
    # Parts in the order pounds, shillings, pence, each once; "£12" alone is the general rule's.
    if order != sorted(set(order)) or order == [0] and not dots[0]:
        return written
    before = _previous_word(text, match.start())
    if order[0] != 0:
        # Without "£" an amount must end with its abbreviation's period ("6d.", "2s. 6d."): a
        # bare "6d" or "2s" is too often something else.
        if not all(dots):
            return written
        if order == [1] and before in _NOT_SHILLINGS_BEFORE:
            return written
        if order == [2] and fraction is None and _ORDINAL_AFTER.match(text, match.end()):
            return written
    spoken = say_sterling(pounds, shillings, pence, fraction, opts.british)
    if before in _DETERMINERS and spoken.startswith("a "):
        spoken = spoken[2:]
    if written.endswith(".") and _period_ends(text, match.end()):
        spoken += "."
    return spoken


def _lsd(match: re.Match[str], opts: Options) -> str:
    end = "." if match.group("dot") and _period_ends(match.string, match.end()) else ""
    return "pounds, shillings and pence" + end


STERLING_RULES = [
    Rule("money-lsd", _LSD, _lsd),
    Rule("money-sterling", _STERLING, _sterling),
]
"""Pounds, shillings and pence; they run before the abbreviations (see the module's docstring)."""
