"""Dates, times and decades.

"Jan. 5, 1881" → "January fifth, eighteen eighty-one"; "5 January 1881" → "the fifth of January,
eighteen eighty-one"; "11/12/2024" by the configured day/month order; "10:30 a.m." → "ten thirty
a-m" (espeak-ng spells "a-m"); "14:05" → "fourteen oh five"; "the 1990s" → "the nineteen nineties".
"""

from __future__ import annotations

import re

from audiobook.normalize.abbreviations import ends_sentence
from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal, ordinal, year

__all__ = ["MONTHS", "RULES", "say_date", "say_duration", "say_time"]

MONTHS = (
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
)
# A month as people type it: in full or cut to three or four letters, in any case, with or without
# a period ("Jan", "JAN.", "sept.", "july").
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_NUMBER = {m[:3].lower(): i for i, m in enumerate(MONTHS, 1)}
# Lower-case forms that are also English words or names: a month only with a year beside them
# ("may 5 2020"), never in "you may 5 times" or "march 3 miles".
_MONTH_WORDS = frozenset(["may", "mar", "march", "jan", "jun", "dec", "sep", "oct", "aug", "nov"])


def _month(match: re.Match[str]) -> int | None:
    """The month number of a matched month name, or ``None`` where the word is only a word here."""
    word = match.group("month")
    if word.lower() in _MONTH_WORDS and word.islower() and not match.group("y"):
        return None
    return _MONTH_NUMBER[word[:3].lower()]


def _kept_period(match: re.Match[str]) -> str:
    # "on 25 sept. Then": the abbreviation's period also ended the sentence.
    if match.group("dot") and match.end("dot") == match.end() and ends_sentence(match.string, match.end()):
        return "."
    return ""


def say_date(day: int | None, month: int | None, year_: int | None, opts: Options, day_first: bool) -> str:
    """A date in words; ``day_first`` says "the fifth of January", else "January fifth"."""
    parts = []
    name = MONTHS[month - 1] if month else None
    if day and name:
        if day_first:
            parts.append(f"the {ordinal(day)} of {name}")
        elif opts.british:
            parts.append(f"{name} the {ordinal(day)}")
        else:
            parts.append(f"{name} {ordinal(day)}")
    elif name:
        parts.append(name)
    elif day:
        parts.append(f"the {ordinal(day)}")
    if year_ is not None:
        spoken = year(year_, opts.british)
        return f"{parts[0]}, {spoken}" if parts and day else " ".join([*parts, spoken])
    return parts[0] if parts else ""


def _two_digit_year(text: str) -> int:
    value = int(text)
    return value if len(text) > 2 else (2000 + value if value < 50 else 1900 + value)


def _numeric(match: re.Match[str], opts: Options) -> str:
    g = match.group
    a, b, y = int(g("a") or g("a2")), int(g("b") or g("b2")), g("y") or g("y2")
    day_first = opts.date_order == "dmy"
    day, month = (a, b) if day_first else (b, a)
    # 25/12/2024 read month-first cannot be a date: the writer meant the other order.
    if month > 12 and day <= 12:
        day, month, day_first = month, day, not day_first
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return say_date(day, month, _two_digit_year(y), opts, day_first=day_first)


def _iso(match: re.Match[str], opts: Options) -> str:
    y, m, d = (int(match.group(k)) for k in ("y", "m", "d"))
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return match.group(0)
    return say_date(d, m, y, opts, day_first=opts.british)


def _month_first(match: re.Match[str], opts: Options) -> str:
    day, month = int(match.group("d")), _month(match)
    if not 1 <= day <= 31 or month is None:
        return match.group(0)
    y = match.group("y")
    return say_date(day, month, int(y) if y else None, opts, day_first=False)


def _day_first(match: re.Match[str], opts: Options) -> str:
    day, month = int(match.group("d")), _month(match)
    if not 1 <= day <= 31 or month is None:
        return match.group(0)
    y = match.group("y")
    return say_date(day, month, int(y) if y else None, opts, day_first=True) + _kept_period(match)


def _month_year(match: re.Match[str], opts: Options) -> str:
    month = _month(match)
    if month is None or (match.group("month").islower() and match.group("month").lower() in _MONTH_WORDS):
        return match.group(0)
    return f"{MONTHS[month - 1]} {year(int(match.group('y')), opts.british)}"


def _dotted(match: re.Match[str], opts: Options) -> str:
    # "15.01.2020": dots between day, month and year are a European writing, always day first.
    day, month = int(match.group("a")), int(match.group("b"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    return say_date(day, month, int(match.group("y")), opts, day_first=True)


def _era_any(match: re.Match[str], opts: Options) -> str:
    era = _ERAS[(match.group("era") or match.group("era2")).replace(".", "").lower()]
    if match.group("n2"):
        return f"{era} {year(int(match.group('n2')), opts.british)}"
    # "in 44 B.C. Then": the era's last period also ends the sentence.
    end = "." if match.group("era").endswith(".") and ends_sentence(match.string, match.end()) else ""
    return f"{year(int(match.group('n')), opts.british)} {era}{end}"


_ERAS = {"ad": "A-D", "bc": "B-C", "bce": "B-C-E", "ce": "C-E"}


def _quarter(match: re.Match[str], opts: Options) -> str:
    # "Q3 2024", "2Q22": said the way business people say it, "Q three twenty twenty-four".
    spoken = f"Q {cardinal(int(match.group('q') or match.group('q2')))}"
    y = match.group("y") or match.group("y2")
    if y:
        spoken += " " + (year(int(y), opts.british) if len(y) == 4 else cardinal(int(y)) if int(y) >= 10 else f"oh {cardinal(int(y))}")
    return spoken


_MERIDIEM = r"(?P<ampm>[ap]-m|[AP]-M|[ap]\.m\.|[AP]\.M\.|[ap]m|[AP]M)(?![\w-])"
_AMPM = r"(?:[ap]\.m\.|[AP]\.M\.|[ap]m|[AP]M)"
# Time zones after a time: "10 am EST", "10 a.m. e.s.t.", "10:00 UTC+2".
_ZONE = (
    r"(?:\s*(?P<tz>(?:[ECMPA][SD]T|GMT|UTC|BST|CES?T|IST|JST|AEST|AEDT|HST|AKST|AKDT|Z(?=\W|$))"
    r"|(?<=\s)[ecmp]\.?[sd]\.?t\b\.?)(?:\s?(?P<tzsign>[+\-\u2212])\s?(?P<tzh>\d{1,2})(?::?(?P<tzm>\d{2}))?)?(?!\w))?"
)


def _zone(match: re.Match[str]) -> str:
    """The time zone after a time, letter by letter, with its offset: " U-T-C plus two"."""
    tz = match.group("tz")
    if not tz:
        return ""
    letters = tz.replace(".", "").upper()
    spoken = " " + ("zulu" if letters == "Z" else "-".join(letters))
    if match.group("tzh"):
        sign = "plus" if match.group("tzsign") == "+" else "minus"
        spoken += f" {sign} {cardinal(int(match.group('tzh')))}"
        if match.group("tzm") and int(match.group("tzm")):
            spoken += f" {cardinal(int(match.group('tzm')))}"
    return spoken


def say_time(hour: int, minute: int, second: int | None, meridiem: str | None, opts: Options) -> str:
    """A clock time in words: (10, 30, None, "a-m") → "ten thirty a-m"."""
    suffix = f" {meridiem}" if meridiem else ""
    if minute == 0:
        if meridiem:
            head = cardinal(hour)
        elif hour > 12 or hour == 0:
            head = f"{cardinal(hour)} hundred" if hour else "zero hundred"
        else:
            head = f"{cardinal(hour)} o'clock"
    elif minute < 10:
        head = f"{cardinal(hour)} oh {cardinal(minute)}"
    else:
        head = f"{cardinal(hour)} {cardinal(minute)}"
    if second:
        head += f" and {cardinal(second)} second{'s' if second != 1 else ''}"
    return head + suffix


def say_duration(hours: int, minutes: int, seconds: int) -> str:
    """A duration in words: (1, 30, 15) → "one hour, thirty minutes and fifteen seconds"."""
    parts = [
        f"{cardinal(n)} {unit}{'s' if n != 1 else ''}"
        for n, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if n
    ]
    if not parts:
        return "zero seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _meridiem(text: str | None) -> str | None:
    if not text:
        return None
    letters = text.replace(".", "").replace("-", "").lower()
    return f"{letters[0]}-m"


def _time(match: re.Match[str], opts: Options) -> str:
    hour, minute = int(match.group("h")), int(match.group("m"))
    second = int(match.group("s")) if match.group("s") else None
    if hour > 24 or minute > 59 or (second is not None and second > 59):
        return match.group(0)
    if second is not None and not match.group("ampm") and not match.group("tz"):
        # "1:30:15" with seconds and no a.m./p.m. is a duration, not a clock time.
        return say_duration(hour, minute, second)
    return say_time(hour, minute, second, _meridiem(match.group("ampm")), opts) + _zone(match)


def _dotted_time(match: re.Match[str], opts: Options) -> str:
    # "1.59 p.m.": a British writing of 1:59; only with a.m. or p.m. after it is it a time.
    hour, minute = int(match.group("h")), int(match.group("m"))
    if not 1 <= hour <= 12 or minute > 59:
        return match.group(0)
    return say_time(hour, minute, None, _meridiem(match.group("ampm")), opts) + _zone(match)


def _hour(match: re.Match[str], opts: Options) -> str:
    hour = int(match.group("h"))
    if not 1 <= hour <= 12:
        return match.group(0)
    return f"{cardinal(hour)} {_meridiem(match.group('ampm'))}" + _zone(match)


def _time_range(match: re.Match[str], opts: Options) -> str:
    # "5pm-7 pm", "4:00 am - 8:12 pm": the dash between two times is "to"; each time is read later.
    return match.group("a") + " to "


def _plural(words: str) -> str:
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def _decade(match: re.Match[str], opts: Options) -> str:
    digits = match.group("n")
    if len(digits) == 2:
        # "the '90s", "the 20s": the decade without its century.
        return _plural(cardinal(int(digits)))
    value = int(digits)
    if value % 1000 == 0:
        return _plural(cardinal(value))  # "the 2000s" → "the two thousands"
    return _plural(year(value, opts.british))


_ONE_DECADE = re.compile(r"['\u2019]?(?P<n>\d+)s")


def _decade_range(match: re.Match[str], opts: Options) -> str:
    # "1960s-80s": both ends are decades; said here, before "80s." could pass for shillings.
    a, b = (_ONE_DECADE.fullmatch(match.group(k)) for k in ("a", "b"))
    return f"{_decade(a, opts)} to {_decade(b, opts)}"  # type: ignore[arg-type]


RULES = [
    Rule("date-iso", re.compile(r"(?<![\w-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])"), _iso),
    Rule(
        "date-numeric",
        re.compile(
            r"(?<![\w/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\w/])"
            r"|(?<![\w/.-])(?P<a2>\d{1,2})-(?P<b2>\d{1,2})-(?P<y2>\d{4})(?![\w-])"
        ),
        _numeric,
    ),
    Rule("date-ymd", re.compile(r"(?<![\w/.])(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\w/])"), _iso),
    Rule("date-dotted", re.compile(r"(?<![\w.])(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{4})(?![\w]|\.\d)"), _dotted),
    Rule(
        "decade-range",
        re.compile(r"(?<![\w,.])(?P<a>['\u2019]?(?:\d0|\d{3}0)s)[-\u2013](?P<b>['\u2019]?(?:\d0|\d{3}0)s)\b"),
        _decade_range,
    ),
    Rule(
        "date-month-first",
        re.compile(
            rf"\b(?P<month>{_MONTH})\b\.?(?:\s+(?:the\s+)?|-(?=\d+-\d{{4}}))(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?![:.,]\d)"
            rf"(?:(?:,?\s+|-)(?P<y>\d{{3,4}})\b(?![,.]\d))?"
        ),
        _month_first,
    ),
    Rule(
        "date-day-first",
        re.compile(
            rf"(?<![\w,.])(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})\b(?P<dot>\.)?"
            rf"(?:,?\s+(?P<y>\d{{3,4}})\b(?![,.]\d))?"
        ),
        _day_first,
    ),
    Rule("date-month-year", re.compile(rf"\b(?P<month>{_MONTH})\b\.?\s+(?P<y>\d{{4}})\b(?![,.]\d)"), _month_year),
    Rule(
        "era",
        re.compile(
            r"(?<![\w.,])(?P<n>\d{1,4})\s?(?P<era>A\.D\.?|B\.C\.(?:E\.?)?|C\.E\.|AD|BCE?|CE)(?!\w|\.\w)"
            r"|\b(?P<era2>A\.D\.?|AD)\s(?P<n2>\d{1,4})\b(?![.,]\d)"
        ),
        lambda m, o: _era_any(m, o),
    ),
    Rule("quarter", re.compile(r"\bQ(?P<q>[1-4])(?:\s(?P<y>\d{4})\b)?(?!\w)|(?<![\w.])(?P<q2>[1-4])Q(?P<y2>\d{2}|\d{4})\b"), _quarter),
    Rule(
        "time-range",
        re.compile(
            rf"(?<![\w:.,])(?P<a>\d{{1,2}}(?::\d{{2}})?\s*{_AMPM}|\d{{1,2}}:\d{{2}})\s*[-\u2013]\s*"
            rf"(?=\d{{1,2}}(?::\d{{2}})?\s*{_AMPM}|\d{{1,2}}:\d{{2}}(?!\d))"
        ),
        _time_range,
    ),
    Rule(
        "time",
        re.compile(
            rf"(?<![\w:.])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?(?![\d:])(?:\s*{_MERIDIEM})?{_ZONE}"
        ),
        _time,
    ),
    Rule(
        "time-dotted",
        re.compile(rf"(?<![\w:.,])(?P<h>\d{{1,2}})\.(?P<m>\d{{2}})\s*{_MERIDIEM}{_ZONE}"),
        _dotted_time,
    ),
    Rule("time-hour", re.compile(rf"(?<![\w:.,])(?P<h>\d{{1,2}})\s*{_MERIDIEM}{_ZONE}"), _hour),
    Rule(
        "utc-offset",
        re.compile(r"\b(?P<tz>UTC|GMT)(?:\s?(?P<tzsign>[+\-\u2212])\s?(?P<tzh>\d{1,2})(?::?(?P<tzm>\d{2}))?)(?!\w)"),
        lambda m, o: _zone(m).strip(),
    ),
    Rule("decade", re.compile(r"(?<![\w,.])['\u2019]?(?P<n>\d0|\d{3}0)(?:['\u2019]?s\b|(?<=\d{4}) s\b(?!['\u2019]))"), _decade),
]
"""Date, time and decade rules in the order they apply."""
