"""Value grammars of SSML attributes: times, rates, volumes and pitches.

Each parser takes the attribute text and raises ``ValueError`` with a one-line reason when the
value does not fit its grammar; the caller decides whether that is a warning or an error.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "DEFAULT_STRENGTHS",
    "RATE_WORDS",
    "VOLUME_WORDS",
    "PITCH_WORDS",
    "parse_time",
    "parse_rate",
    "parse_volume",
    "parse_pitch",
    "parse_contour",
    "parse_range",
    "MAX_TIME_MS",
    "RATE_LIMITS",
    "PITCH_LIMIT_ST",
    "VOLUME_LIMITS",
    "MAX_DURATION_MS",
]

DEFAULT_STRENGTHS: dict[str, int] = {
    "none": 0,
    "x-weak": 100,
    "weak": 250,
    "medium": 400,
    "strong": 750,
    "x-strong": 1200,
}
"""``<break strength>`` keyword → milliseconds."""

RATE_WORDS: dict[str, float] = {"x-slow": 0.5, "slow": 0.75, "medium": 1.0, "fast": 1.25, "x-fast": 1.5, "default": 1.0}
"""``<prosody rate>`` keyword → multiplier."""

VOLUME_WORDS: dict[str, float] = {
    "silent": -100.0,  # far below anything audible; -inf would not survive JSON
    "x-soft": -12.0,
    "soft": -6.0,
    "medium": 0.0,
    "loud": 6.0,
    "x-loud": 12.0,
    "default": 0.0,
}
"""``<prosody volume>`` keyword → decibels (absolute, not relative to the parent)."""

PITCH_WORDS: dict[str, float] = {"x-low": -6.0, "low": -3.0, "medium": 0.0, "high": 3.0, "x-high": 6.0, "default": 0.0}
"""``<prosody pitch>`` keyword → semitones (absolute)."""

MAX_TIME_MS = 2**31 - 1
"""Longest time ``parse_time`` returns (about 25 days); longer ones, up to hundreds of digits, are read as it."""

RATE_LIMITS = (0.25, 4.0)
"""Lowest and highest rate markup may set, as a multiple of the voice's own: beyond them the model's
speed range (0.5-2.0) cannot follow, whatever ``--speed`` is."""

PITCH_LIMIT_ST = 24.0
"""Largest pitch change markup may set, in semitones either way (two octaves)."""

VOLUME_LIMITS = (-100.0, 24.0)
"""Quietest and loudest volume markup may set, in dB (``silent`` is the floor)."""

MAX_DURATION_MS = 600_000
"""Longest ``<prosody duration>``: ten minutes for one stretch of speech."""

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_TIME = re.compile(rf"^{_NUMBER}\s*(ms|s)$", re.IGNORECASE)
_SIGNED = re.compile(rf"^([+-]?){_NUMBER}\s*(%|db|st|hz)?$", re.IGNORECASE)


def parse_time(value: str) -> int:
    """``"3s"``, ``"250ms"``, ``"1.5s"``, ``".5s"`` → milliseconds."""
    m = _TIME.match(value.strip())
    if not m:
        raise ValueError(f"time {value!r} is not a number followed by 's' or 'ms' (e.g. '500ms', '1.5s')")
    number = float(m.group(1))
    ms = number * 1000 if m.group(2).lower() == "s" else number
    # Hundreds of digits make an infinite float, which no int can hold: the caller clamps to its limit.
    if not math.isfinite(ms) or ms > MAX_TIME_MS:
        return MAX_TIME_MS
    return int(round(ms))


def _signed(value: str, what: str) -> tuple[str, float, str]:
    m = _SIGNED.match(value.strip())
    if not m:
        raise ValueError(f"{what} {value!r} is not a number with an optional sign and unit")
    return m.group(1), float(m.group(2)), (m.group(3) or "").lower()


def parse_rate(value: str) -> float:
    """A rate (keyword, ``"150%"``, ``"+20%"``, ``"-10%"``, ``"1.2"``) → multiplier of the rate in force."""
    word = RATE_WORDS.get(value.strip().lower())
    if word is not None:
        return word
    sign, number, unit = _signed(value, "rate")
    if unit not in ("", "%"):
        raise ValueError(f"rate {value!r} has unit {unit!r}; use a keyword, a percentage or a number")
    if unit == "%":
        # "+20%" is relative to the rate in force, "150%" is a share of it: both end up multiplying.
        factor = 1.0 + number / 100 if sign == "+" else 1.0 - number / 100 if sign == "-" else number / 100
    else:
        factor = -number if sign == "-" else number
    if factor <= 0:
        raise ValueError(f"rate {value!r} is not above zero")
    return factor


def parse_volume(value: str, current: float) -> float:
    """A volume (keyword, ``"+6dB"``, ``"+50%"``, or SSML 1.0's ``0``-``100`` scale) → decibels, given the volume in force."""
    word = VOLUME_WORDS.get(value.strip().lower())
    if word is not None:
        return word
    sign, number, unit = _signed(value, "volume")
    if unit == "db":
        return current + (-number if sign == "-" else number)
    if unit == "%":
        ratio = 1.0 + number / 100 if sign == "+" else 1.0 - number / 100 if sign == "-" else number / 100
        if ratio <= 0:
            return VOLUME_WORDS["silent"]
        return current + 20.0 * math.log10(ratio)
    if unit == "" and not sign:
        # SSML 1.0 wrote loudness on a 0-100 amplitude scale where 100 is the default.
        if number > 100:
            raise ValueError(f"volume {value!r} is over 100 on the 0-100 scale")
        return VOLUME_WORDS["silent"] if number == 0 else 20.0 * math.log10(number / 100)
    raise ValueError(f"volume {value!r} is neither a keyword (soft, loud, ...) nor a change in dB ('+6dB')")


def parse_pitch(value: str, current: float) -> float:
    """A pitch (keyword, ``"+2st"``, ``"+10%"``) → semitones, given the pitch in force."""
    word = PITCH_WORDS.get(value.strip().lower())
    if word is not None:
        return word
    sign, number, unit = _signed(value, "pitch")
    if unit == "hz":
        raise ValueError(f"pitch {value!r} in Hz needs the voice's base pitch; use semitones ('+2st') or '%'")
    if not sign and unit != "%":
        raise ValueError(f"pitch {value!r} must be a change ('+2st', '-10%') or a keyword (low, high)")
    if unit == "st" or unit == "":
        return current + (-number if sign == "-" else number)
    if unit == "%":
        ratio = 1.0 + number / 100 if sign == "+" else 1.0 - number / 100 if sign == "-" else number / 100
        if ratio <= 0:
            raise ValueError(f"pitch {value!r} is not above zero")
        # A frequency ratio r is 12*log2(r) semitones.
        return current + 12.0 * math.log2(ratio)
    raise ValueError(f"pitch {value!r} has unit {unit!r}; use 'st' or '%'")


_POINT = re.compile(r"\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)")


def parse_contour(value: str) -> list[tuple[float, float]]:
    """A contour ``"(0%,+2st) (50%,+20%)"`` → (position 0-1, semitones relative to the pitch in force)."""
    points: list[tuple[float, float]] = []
    rest = _POINT.sub("", value).strip()
    if rest:
        raise ValueError(f"contour {value!r} is not a list of (position%, pitch) pairs")
    hertz = 0
    for m in _POINT.finditer(value):
        where, pitch = m.group(1), m.group(2)
        sign, number, unit = _signed(where, "contour position")
        if unit != "%" or sign or number > 100:
            raise ValueError(f"contour position {where!r} is not a percentage from 0% to 100%")
        if pitch.strip().lower().endswith("hz"):
            # Hertz need the voice's own pitch, which the model does not expose.
            hertz += 1
            continue
        points.append((number / 100, parse_pitch(pitch, 0.0)))
    if not points:
        reason = "gives its pitches in Hz (use st or %)" if hertz else "holds no (position%, pitch) pair"
        raise ValueError(f"contour {value!r} {reason}")
    return points


def parse_range(value: str) -> None:
    """Check a ``<prosody range>`` value (keyword, ``"+2st"``, ``"+10%"``); raise ``ValueError`` if it does not fit."""
    if value.strip().lower() in PITCH_WORDS:
        return
    parse_pitch(value, 0.0)
