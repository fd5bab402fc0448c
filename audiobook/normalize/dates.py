"""Dates, times and decades.

"Jan. 5, 1881" → "January fifth, eighteen eighty-one"; "5 January 1881" → "the fifth of January,
eighteen eighty-one"; "11/12/2024" by the configured day/month order; "10:30 a.m." → "ten thirty
a-m" (espeak-ng spells "a-m"); "14:05" → "fourteen oh five"; "the 1990s" → "the nineteen nineties".
"""

from __future__ import annotations

import re

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal, ordinal, year

__all__ = ["MONTHS", "RULES", "say_date", "say_duration", "say_time"]

MONTHS = (
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
)
_MONTH = "|".join(MONTHS)
_MONTH_NUMBER = {m: i for i, m in enumerate(MONTHS, 1)}


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
    a, b, y = int(match.group("a")), int(match.group("b")), match.group("y")
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
    day = int(match.group("d"))
    if not 1 <= day <= 31:
        return match.group(0)
    y = match.group("y")
    return say_date(day, _MONTH_NUMBER[match.group("month")], int(y) if y else None, opts, day_first=False)


def _day_first(match: re.Match[str], opts: Options) -> str:
    day = int(match.group("d"))
    if not 1 <= day <= 31:
        return match.group(0)
    y = match.group("y")
    return say_date(day, _MONTH_NUMBER[match.group("month")], int(y) if y else None, opts, day_first=True)


def _month_year(match: re.Match[str], opts: Options) -> str:
    return f"{match.group('month')} {year(int(match.group('y')), opts.british)}"


_MERIDIEM = r"(?P<ampm>[ap]-m|[AP]-M|[ap]\.m\.|[AP]\.M\.|[ap]m|[AP]M)(?![\w-])"


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
    if second is not None and not match.group("ampm"):
        # "1:30:15" with seconds and no a.m./p.m. is a duration, not a clock time.
        return say_duration(hour, minute, second)
    return say_time(hour, minute, second, _meridiem(match.group("ampm")), opts)


def _hour(match: re.Match[str], opts: Options) -> str:
    hour = int(match.group("h"))
    if not 1 <= hour <= 12:
        return match.group(0)
    return f"{cardinal(hour)} {_meridiem(match.group('ampm'))}"


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


RULES = [
    Rule("date-iso", re.compile(r"(?<![\w-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])"), _iso),
    Rule(
        "date-numeric",
        re.compile(r"(?<![\w/.])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\w/])"),
        _numeric,
    ),
    Rule(
        "date-month-first",
        re.compile(
            rf"\b(?P<month>{_MONTH})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
            rf"(?:,?\s+(?P<y>\d{{3,4}})\b(?![,.]\d))?"
        ),
        _month_first,
    ),
    Rule(
        "date-day-first",
        re.compile(
            rf"(?<![\w,.])(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})\b"
            rf"(?:,?\s+(?P<y>\d{{3,4}})\b(?![,.]\d))?"
        ),
        _day_first,
    ),
    Rule("date-month-year", re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<y>\d{{4}})\b(?![,.]\d)"), _month_year),
    Rule(
        "time",
        re.compile(rf"(?<![\w:.])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?::(?P<s>\d{{2}}))?(?![\d:])(?:\s*{_MERIDIEM})?"),
        _time,
    ),
    Rule("time-hour", re.compile(rf"(?<![\w:.,])(?P<h>\d{{1,2}})\s*{_MERIDIEM}"), _hour),
    Rule("decade", re.compile(r"(?<![\w,.])['\u2019]?(?P<n>\d0|\d{3}0)['\u2019]?s\b"), _decade),
]
"""Date, time and decade rules in the order they apply."""
