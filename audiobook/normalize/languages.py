"""Numbers, dates, money and percentages in the other languages the model speaks.

English has its own rule table (``english.py``). For Spanish, French, Italian, Brazilian
Portuguese, German, Hindi, Japanese and Mandarin, espeak-ng reads plain cardinals well but not the
forms around them: ``2/1/2000`` becomes "two slash one slash two thousand" and ``€10`` "euro ten".
Here those forms are rewritten in each language's own order ("due gennaio duemila", "dix euros"),
with number words from ``num2words`` where it covers the language and espeak-ng's own reading of
the digits where it does not (Hindi, Mandarin: it reads them correctly there).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["LANGUAGES", "expand_language", "language_for", "say_cardinal", "say_date", "say_ordinal"]


@dataclass(frozen=True)
class Language:
    """How one language writes and says numbers, dates and money."""

    num2words: str | None
    """``num2words`` language code; ``None``: digits are left for espeak-ng, which reads them."""
    months: tuple[str, ...]
    """The twelve month names, January first, as said in a date."""
    date: str
    """Spoken date pattern with ``{day}``, ``{month}`` and ``{year}``."""
    first: str | None = None
    """How the first day of a month is said where it is an ordinal ("premier", "primo")."""
    decimal: str = ","
    """The decimal separator this language writes."""
    point: str = ""
    """The word said for the decimal separator."""
    percent: str = "{n} %"
    """Spoken percentage pattern with ``{n}``."""
    currencies: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Currency sign or code → (singular, plural) name."""
    cents: tuple[str, str] = ("", "")
    """Singular and plural of the hundredth of a currency."""
    money: str = "{n} {unit}"
    """Spoken amount pattern with ``{n}`` and ``{unit}``; ``{cents}`` is appended with ``and``."""
    and_: str = ""
    """The word joining whole units and cents."""


_EURO = ("euro", "euros")
LANGUAGES: dict[str, Language] = {
    "es": Language(
        "es",
        ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
        "{day} de {month} de {year}",
        point="coma",
        percent="{n} por ciento",
        currencies={"€": _EURO, "EUR": _EURO, "$": ("dólar", "dólares"), "USD": ("dólar", "dólares"), "£": ("libra", "libras"), "GBP": ("libra", "libras")},
        cents=("céntimo", "céntimos"),
        and_="con",
    ),
    "fr": Language(
        "fr",
        ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
        "{day} {month} {year}",
        first="premier",
        point="virgule",
        percent="{n} pour cent",
        currencies={"€": ("euro", "euros"), "EUR": ("euro", "euros"), "$": ("dollar", "dollars"), "USD": ("dollar", "dollars"), "£": ("livre", "livres"), "GBP": ("livre", "livres"), "CHF": ("franc suisse", "francs suisses")},
        cents=("centime", "centimes"),
        and_="et",
    ),
    "it": Language(
        "it",
        ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"),
        "{day} {month} {year}",
        first="primo",
        point="virgola",
        percent="{n} per cento",
        currencies={"€": ("euro", "euro"), "EUR": ("euro", "euro"), "$": ("dollaro", "dollari"), "USD": ("dollaro", "dollari"), "£": ("sterlina", "sterline"), "GBP": ("sterlina", "sterline"), "CHF": ("franco svizzero", "franchi svizzeri")},
        cents=("centesimo", "centesimi"),
        and_="e",
    ),
    "pt": Language(
        "pt_BR",
        ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"),
        "{day} de {month} de {year}",
        first="primeiro",
        point="vírgula",
        percent="{n} por cento",
        currencies={"R$": ("real", "reais"), "BRL": ("real", "reais"), "€": _EURO, "EUR": _EURO, "$": ("dólar", "dólares"), "USD": ("dólar", "dólares"), "£": ("libra", "libras")},
        cents=("centavo", "centavos"),
        and_="e",
    ),
    "de": Language(
        "de",
        ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"),
        "{day} {month} {year}",
        point="Komma",
        percent="{n} Prozent",
        currencies={"€": ("Euro", "Euro"), "EUR": ("Euro", "Euro"), "$": ("Dollar", "Dollar"), "USD": ("Dollar", "Dollar"), "£": ("Pfund", "Pfund"), "CHF": ("Franken", "Franken")},
        cents=("Cent", "Cent"),
        and_="und",
    ),
    "hi": Language(
        None,
        ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"),
        "{day} {month} {year}",
        decimal=".",
        percent="{n} प्रतिशत",
        currencies={"₹": ("रुपया", "रुपये"), "Rs": ("रुपया", "रुपये"), "Rs.": ("रुपया", "रुपये"), "INR": ("रुपया", "रुपये"), "$": ("डॉलर", "डॉलर"), "€": ("यूरो", "यूरो"), "£": ("पाउंड", "पाउंड")},
        cents=("पैसा", "पैसे"),
        and_="और",
    ),
    "ja": Language(
        "ja",
        tuple(f"{m}がつ" for m in ("いち", "に", "さん", "し", "ご", "ろく", "しち", "はち", "く", "じゅう", "じゅういち", "じゅうに")),
        "{year}ねん {month} {day}",
        decimal=".",
        point="てん",
        percent="{n} パーセント",
        currencies={"¥": ("えん", "えん"), "円": ("えん", "えん"), "JPY": ("えん", "えん"), "$": ("ドル", "ドル"), "€": ("ユーロ", "ユーロ")},
        money="{n}{unit}",
    ),
    "zh": Language(
        None,
        tuple(f"{m}月" for m in "一二三四五六七八九十") + ("十一月", "十二月"),
        "{year}年{month}{day}日",
        decimal=".",
        percent="百分之{n}",
        currencies={"¥": ("元", "元"), "￥": ("元", "元"), "CNY": ("元", "元"), "RMB": ("元", "元"), "$": ("美元", "美元"), "€": ("欧元", "欧元")},
        money="{n}{unit}",
    ),
}
"""Language (primary subtag; ``cmn`` is ``zh``) → its written forms."""

# Japanese day-of-month readings that are not "<number>にち".
_JA_DAYS = {
    1: "ついたち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか",
    8: "ようか", 9: "ここのか", 10: "とおか", 14: "じゅうよっか", 20: "はつか", 24: "にじゅうよっか",
}  # fmt: skip
_ZH_DIGITS = "〇一二三四五六七八九"
_CJK = "\u3000-\u9fff\uff00-\uffef"
# Word edges that let a number touch kana and hanzi (2000年, 500円), which are word characters too.
_START = rf"(?<![^\W{_CJK}])"
_END = rf"(?![^\W{_CJK}])"


def language_for(lang: str) -> Language | None:
    """The table for BCP-47 tag ``lang``, or ``None`` for English and languages without one."""
    primary = lang.lower().replace("_", "-").split("-")[0]
    return LANGUAGES.get("zh" if primary == "cmn" else primary)


def say_cardinal(n: int, lang: Language) -> str:
    """``n`` in words, or its digits where espeak-ng reads them itself."""
    if lang.num2words is None:
        return str(n)
    if lang.num2words == "ja":
        return _n2w(n, "ja", reading=True)
    # num2words writes Brazilian thousands with a comma ("mil, novecentos"): a pause nobody says.
    return _n2w(n, lang.num2words).replace(",", "")


def say_ordinal(n: int, lang: Language) -> str:
    """``n`` as an ordinal ("primero", "deuxième"), or its cardinal where ordinals are not said so."""
    if lang.num2words is None or lang.num2words == "ja":
        return say_cardinal(n, lang)
    return _n2w(n, lang.num2words, to="ordinal")


def say_date(day: int, month: int, year: int | None, lang: Language) -> str:
    """A date in the language's own order; ``year`` ``None`` leaves it out."""
    if lang is LANGUAGES["ja"]:
        said_day = _JA_DAYS.get(day) or say_cardinal(day, lang) + "にち"
    elif lang.num2words == "de":
        said_day = _n2w(day, "de", to="ordinal") + "n"  # "am ersten April"
    elif day == 1 and lang.first:
        said_day = lang.first
    else:
        said_day = say_cardinal(day, lang)
    if lang is LANGUAGES["zh"]:
        said_day = _zh_number(day)
    said = lang.date.format(day=said_day, month=lang.months[month - 1], year="{year}")
    if year is None:
        # Drop the year and whatever joins it ("de", "年").
        head, _, tail = said.partition("{year}")
        return (head.rsplit(" de ", 1)[0] if tail == "" and " de " in head else (head + tail)).strip(" 年ねん")
    return said.format(year=_say_year(year, lang))


def _say_year(year: int, lang: Language) -> str:
    if lang is LANGUAGES["zh"]:
        return "".join(_ZH_DIGITS[int(c)] for c in str(year))
    if lang is LANGUAGES["ja"]:
        return re.sub("よん$", "よ", say_cardinal(year, lang))  # 2024年 is にせんにじゅうよねん
    if lang.num2words == "de" and 1100 <= year < 2000:
        return _n2w(year, "de", to="year")
    return say_cardinal(year, lang)


def _zh_number(n: int) -> str:
    """1–99 in Chinese numerals (days and months)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _ZH_DIGITS[ones]
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


@lru_cache(maxsize=4096)
def _n2w(n: int, code: str, to: str = "cardinal", reading: bool = False) -> str:
    from num2words import num2words

    if reading:
        return str(num2words(n, lang=code, to=to, reading=True))
    return str(num2words(n, lang=code, to=to))


def _amount(whole: str, frac: str | None, lang: Language) -> tuple[str, int, int]:
    """Spoken whole part of an amount, its value and its cents."""
    value = int(re.sub(r"\D", "", whole) or "0")
    cents = int((frac + "0")[:2]) if frac else 0
    return say_cardinal(value, lang), value, cents


def _money(lang: Language, unit: tuple[str, str], whole: str, frac: str | None) -> str:
    said, value, cents = _amount(whole, frac, lang)
    out = lang.money.format(n=said, unit=unit[value != 1])
    if cents and lang.cents[0]:
        out += f" {lang.and_} " + lang.money.format(n=say_cardinal(cents, lang), unit=lang.cents[cents != 1])
    elif cents:
        out = lang.money.format(n=_decimal(whole, frac or "", lang), unit=unit[1])
    return out


def _decimal(whole: str, frac: str, lang: Language) -> str:
    said = say_cardinal(int(re.sub(r"\D", "", whole) or "0"), lang)
    if not frac:
        return said
    if lang.num2words is None:
        return f"{said}.{frac}"  # espeak-ng reads a decimal point in Hindi and Mandarin
    # A short fraction without a leading zero is said as a number ("tres coma catorce"); longer or
    # zero-led ones digit by digit, as people read them.
    if len(frac) <= 2 and not frac.startswith("0") and lang.num2words != "de":
        tail = say_cardinal(int(frac), lang)
    else:
        tail = " ".join(say_cardinal(int(c), lang) for c in frac)
    sep = lang.point if lang.num2words != "ja" else "てん"
    return f"{said} {sep} {tail}"


def _rules(code: str, lang: Language) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    dec = re.escape(lang.decimal)
    group = r"[.\u00a0\u202f ]" if lang.decimal == "," else ","
    number = rf"(?P<w>\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{dec}(?P<f>\d+))?"
    signs = sorted(lang.currencies, key=len, reverse=True)
    sign = "|".join(re.escape(s) for s in signs)

    def date_dmy(m: re.Match[str]) -> str:
        a, b, year = int(m["a"]), int(m["b"]), m["y"]
        day, month = (a, b) if b <= 12 else (b, a)  # a month cannot be over twelve
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return m.group()
        y = int(year)
        if len(year) == 2:
            y += 2000 if y < 50 else 1900
        return say_date(day, month, y, lang)

    def date_iso(m: re.Match[str]) -> str:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
        if not (1 <= mo <= 12 and 1 <= d <= 31):
            return m.group()
        return say_date(d, mo, y, lang)

    def money_before(m: re.Match[str]) -> str:
        return _money(lang, lang.currencies[m["sign"]], m["w"], m["f"])

    def money_after(m: re.Match[str]) -> str:
        return _money(lang, lang.currencies[m["sign"]], m["w"], m["f"])

    def percent(m: re.Match[str]) -> str:
        return lang.percent.format(n=_decimal(m["w"], m["f"] or "", lang))

    def decimal(m: re.Match[str]) -> str:
        return _decimal(m["w"], m["f"] or "", lang)

    def ordinal(m: re.Match[str]) -> str:
        n = int(m["n"])
        word = say_ordinal(n, lang)
        # Spanish, Italian and Portuguese ordinals agree with their noun: 1.ª → primera.
        if m["g"] in ("ª", "a") and word.endswith("o"):
            word = word[:-1] + "a"
        return word

    rules: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        (re.compile(rf"{_START}(?P<y>\d{{4}})([/.\-])(?P<m>\d{{1,2}})\2(?P<d>\d{{1,2}}){_END}(?![.,]\d)"), date_iso),
        (re.compile(rf"{_START}(?P<a>\d{{1,2}})([/.\-])(?P<b>\d{{1,2}})\2(?P<y>\d{{4}}|\d{{2}}){_END}(?![.,]\d)"), date_dmy),
    ]
    if sign:
        rules += [
            (re.compile(rf"(?<![^\W{_CJK}]|\$)(?P<sign>{sign})\s?{number}{_END}"), money_before),
            (re.compile(rf"{_START}(?<![.,]){number}\s?(?P<sign>{sign})(?![^\W{_CJK}]|\$)"), money_after),
        ]
    rules.append((re.compile(rf"{_START}(?<![.,]){number}\s?%"), percent))
    if code in ("es", "it", "pt"):
        rules.append((re.compile(r"\b(?P<n>\d{1,3})\.?(?P<g>[ºª°])"), ordinal))
    if code == "fr":
        rules.append((re.compile(r"\b(?P<n>\d{1,3})(?P<g>er|re|e|ème)\b"), ordinal))
    if lang.num2words is not None:
        rules.append((re.compile(rf"{_START}(?<![.,]){number}{_END}(?![.,]\d)"), decimal))
    return rules


@lru_cache(maxsize=None)
def _compiled(code: str) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]:
    return _rules(code, LANGUAGES[code])


def expand_language(text: str, lang: str) -> str:
    """``text`` with its numeric dates, money, percentages and numbers said in ``lang``.

    Text in a language without a table comes back unchanged.
    """
    table = language_for(lang)
    if table is None or not any(c.isdigit() for c in text):
        return text
    code = next(k for k, v in LANGUAGES.items() if v is table)
    for pattern, said in _compiled(code):
        text = pattern.sub(said, text)
    return text
