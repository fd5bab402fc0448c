"""SSML ``<say-as>``: the text of a segment read as its ``interpret-as`` says.

The same rules as running text do the work, so "3.50" as ``currency``, "11/12/2024" as ``date``
and "XIV" as ``cardinal`` read the way they would in a sentence. Outside English only the
language-blind kinds (characters, digits, telephone, verbatim) are rewritten, and numbers and dates
where ``languages`` has a table; espeak-ng reads the rest in its own language. ``expletive`` is left for the stage that bleeps it.
"""

from __future__ import annotations

import re
import unicodedata

from audiobook.normalize import dates, english, languages, measures, money, roman, web
from audiobook.normalize.base import Options, apply_rules
from audiobook.normalize.numbers import (
    cardinal,
    digits,
    fraction,
    number,
    ordinal,
    spell_long_numbers,
    to_int,
    year,
)

__all__ = ["KINDS", "say_as"]

KINDS = frozenset(
    ["cardinal", "number", "ordinal", "characters", "spell-out", "letters", "digits", "date", "time", "telephone", "fraction", "unit", "currency", "verbatim", "address", "name"]
)
"""``interpret-as`` values this module expands (``expletive`` is deliberately not one)."""

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_SIGN_NAMES = {
    ".": "dot", ",": "comma", "-": "dash", "/": "slash", "@": "at", "&": "and", "+": "plus",
    "#": "hash", "_": "underscore", ":": "colon", "!": "exclamation mark", "?": "question mark",
    "'": "apostrophe", "*": "asterisk", "%": "percent", "$": "dollar sign", "=": "equals",
    "(": "open bracket", ")": "close bracket", "[": "open square bracket", "]": "close square bracket",
    "{": "open brace", "}": "close brace", "<": "less than", ">": "greater than", ";": "semicolon",
    '"': "quote", "~": "tilde", "^": "caret", "\\": "backslash", "|": "vertical bar", "`": "backtick",
    "€": "euro sign", "£": "pound sign", "¥": "yen sign",
}  # fmt: skip


def _sign_name(ch: str) -> str:
    """A symbol's spoken name: the table's, else its Unicode name ("§" → "section sign")."""
    return _SIGN_NAMES.get(ch) or unicodedata.name(ch, "").lower()


def _characters(text: str, english_: bool, verbatim: bool) -> str:
    # Letters run together with hyphens ("F-B-I"), which espeak-ng reads one by one; in other
    # languages, spaces.
    words: list[str] = []
    letters: list[str] = []

    def flush() -> None:
        if letters:
            words.append(("-" if english_ else " ").join(letters))
            letters.clear()

    for ch in text:
        if ch.isspace() and not verbatim:
            # "F B I" (as the SSML lowerer spaces spelled text) is still one run of letters.
            continue
        if ch.isalpha():
            letters.append(ch.upper() if english_ else ch)
            continue
        flush()
        if ch.isdigit():
            words.append(_DIGIT_WORDS[int(ch)] if english_ else ch)
        elif english_ and not ch.isspace():
            # Spelling reads every character: "abc@1+2" is "A-B-C at one plus two", never "A-B-C one two".
            words.append(_sign_name(ch))
    flush()
    return " ".join(words)


def _number(text: str, fmt: str | None, opts: Options) -> str:
    core = text.strip()
    if fmt == "digits":
        return digits(core)
    if fmt == "telephone":
        return web.say_digit_groups(core)
    value = roman.roman_value(core.upper().rstrip("."))
    match = re.fullmatch(r"[-\u2212+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", core)
    if fmt == "ordinal":
        plain = re.sub(r"(?<=\d)(st|nd|rd|th)$", "", core)
        if plain.replace(",", "").isdigit():
            return ordinal(to_int(plain), opts.british)
        return ordinal(value, opts.british) if value else english.expand(core, opts)
    if match:
        return number(core, opts.british)
    if value:
        return cardinal(value, opts.british)
    return english.expand(core, opts)


_DATE_PARTS = re.compile(r"\d+|[A-Za-z]+")


def _other_language(text: str, kind: str, fmt: str | None, lang: str) -> str:
    """A say-as kind in a language with a table in ``languages``; espeak-ng reads the rest."""
    table = languages.language_for(lang)
    if table is None:
        return text
    if kind in ("cardinal", "number", "ordinal") and re.fullmatch(r"\s*\d{1,15}\s*", text):
        n = int(text)
        return languages.say_ordinal(n, table) if kind == "ordinal" or fmt == "ordinal" else languages.say_cardinal(n, table)
    if kind == "date":
        parts = _DATE_PARTS.findall(text)
        order = (fmt or "dmy").lower()
        if len(parts) == len(order) == 3 and set(order) == set("dmy") and all(p.isdigit() for p in parts):
            f = dict(zip(order, (int(p) for p in parts)))
            if 1 <= f["m"] <= 12 and 1 <= f["d"] <= 31:
                y = f["y"] + (2000 if f["y"] < 50 else 1900) if len(parts[order.index("y")]) == 2 else f["y"]
                return languages.say_date(f["d"], f["m"], y, table)
    return languages.expand_language(text, lang)


def _date(text: str, fmt: str | None, opts: Options) -> str:
    fmt = (fmt or ("dmy" if opts.date_order == "dmy" else "mdy")).lower()
    parts = _DATE_PARTS.findall(text)
    if len(parts) != len(fmt) or not all(p.isdigit() for p in parts):
        return english.expand(text, opts)
    fields = dict(zip(fmt, (int(p) for p in parts)))
    day, month, y = fields.get("d"), fields.get("m"), fields.get("y")
    if y is not None and len(parts[fmt.index("y")]) == 2:
        y = 2000 + y if y < 50 else 1900 + y
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return english.expand(text, opts)
    if day is None and month is None and y is not None:
        return year(y, opts.british)
    return dates.say_date(day, month, y, opts, day_first=fmt.index("d") < fmt.index("m") if "d" in fmt and "m" in fmt else False)


def _time(text: str, opts: Options) -> str:
    found = re.fullmatch(
        r"\s*(\d{1,2})(?:[:.h](\d{2}))?(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?\s*", text, flags=re.IGNORECASE
    )
    if not found:
        return english.expand(text, opts)
    hour, minute, second, ampm = found.groups()
    meridiem = f"{ampm[0].lower()}-m" if ampm else None
    return dates.say_time(int(hour), int(minute or 0), int(second) if second else None, meridiem, opts)


def _fraction(text: str, opts: Options) -> str:
    found = re.fullmatch(r"\s*(?:(\d+)\s*\+?\s*)?(\d+)\s*/\s*(\d+)\s*", text)
    if not found:
        return english.expand(text, opts)
    whole, top, bottom = found.groups()
    spoken = fraction(int(top), int(bottom), opts.british)
    return f"{cardinal(int(whole), opts.british)} and {spoken}" if whole else spoken


def say_as(text: str, interpret_as: str, fmt: str | None, detail: str | None, opts: Options, lang: str) -> str | None:
    """``text`` read as ``interpret_as`` says, or ``None`` when this kind is not expanded here."""
    kind = interpret_as.strip().lower()
    fmt = fmt.strip().lower() if fmt else None
    english_ = lang.lower().startswith("en")
    if english_ and kind not in ("characters", "spell-out", "letters", "verbatim", "digits"):
        text = spell_long_numbers(text)
    if kind in ("characters", "spell-out", "letters"):
        return _characters(text, english_, verbatim=False)
    if kind == "verbatim":
        return _characters(text, english_, verbatim=True)
    if kind == "digits" or (kind in ("number", "cardinal") and fmt == "digits"):
        return " ".join(_DIGIT_WORDS[int(c)] if english_ else c for c in text if c.isdigit())
    if kind == "telephone" or (kind == "number" and fmt == "telephone"):
        return web.say_digit_groups(text) if english_ else " ".join(c for c in text if c.isdigit() or c.isspace())
    if kind not in KINDS:
        return None
    if not english_:
        return _other_language(text, kind, fmt, lang)
    if kind in ("cardinal", "number"):
        return _number(text, fmt, opts)
    if kind == "ordinal":
        return _number(text, "ordinal", opts)
    if kind == "date":
        return _date(text, fmt, opts)
    if kind == "time":
        return _time(text, opts)
    if kind == "fraction":
        return _fraction(text, opts)
    if kind == "unit":
        return english.expand(apply_rules(text, measures.RULES, opts), opts)
    if kind == "currency":
        return english.expand(apply_rules(text.strip(), money.RULES, opts), opts)
    return english.expand(text, opts)
