"""Pause tags written in text: ``[pause 2s]``, ``[PAUSE=3]``, ``[pause:1.5]``, ``[Pause=500ms]``.

Writers who do not want XML type pauses in brackets, in the forms other tools taught them: a
space, ``=`` or ``:`` after the word, then a time (``2s``, ``1.5s``, ``500ms``; a bare number is
seconds) or an SSML strength (``weak``, ``strong``…); ``[pause]`` alone is a strong pause. Case
does not matter. A bracket that starts like a pause tag but whose value cannot be read
(``[pause=abc]``, ``[pause:]``) is reported with its place and never spoken. The Markdown
reader turns a tag into the same ``<break>`` as SSML; the text reader into a ``Break``.
"""

from __future__ import annotations

import math
import re

from ssml.values import MAX_TIME_MS

__all__ = ["PAUSE", "HINT", "pause_value", "shown", "ssml_break"]

PAUSE = re.compile(r"\[pause(?![\w-])(?P<sep>[ \t]*[=:][ \t]*|[ \t]+)?(?P<value>[^\[\]\n]*?)[ \t]*\]", re.IGNORECASE)
"""A pause tag; ``value`` is what follows the word (empty for ``[pause]``)."""
HINT = "write [pause 2s], [pause 500ms], [PAUSE=3] (seconds) or [pause]"
"""How a pause is written, for the report of one that cannot be read."""

_TIME = re.compile(r"^(?P<num>\d+(?:\.\d*)?|\.\d+)[ \t]*(?P<unit>ms|s|secs?|seconds?)?$", re.IGNORECASE)
_STRENGTHS = ("none", "x-weak", "weak", "medium", "strong", "x-strong")


def pause_value(match: re.Match[str]) -> tuple[str, int | str] | None:
    """``("time", ms)`` or ``("strength", name)`` for a pause tag, ``None`` when it cannot be read."""
    value = match.group("value").strip()
    if not value:
        # "[pause]" is a strong pause; "[pause=]" or "[pause:]" promised a value and gave none.
        sep = (match.group("sep") or "").strip()
        return None if sep else ("strength", "strong")
    m = _TIME.match(value)
    if m:
        number = float(m.group("num"))
        unit = (m.group("unit") or "s").lower()
        ms = number if unit == "ms" else number * 1000
        # Hundreds of digits are an infinite float; the reader clamps the time to its own limit.
        return "time", round(ms) if math.isfinite(ms) and ms < MAX_TIME_MS else MAX_TIME_MS
    if value.lower() in _STRENGTHS:
        return "strength", value.lower()
    return None


def shown(tag: str) -> str:
    """A pause tag for a message, cut short (its value may run to the end of a long line)."""
    return repr(tag if len(tag) <= 40 else tag[:36] + "...]")


def ssml_break(match: re.Match[str], max_ms: int | None = None) -> str | None:
    """The SSML ``<break>`` a pause tag stands for (its time held to ``max_ms``), or ``None`` when it cannot be read."""
    found = pause_value(match)
    if found is None:
        return None
    kind, value = found
    if kind == "time":
        ms = int(value) if max_ms is None else min(int(value), max_ms)
        return f'<break time="{ms}ms"/>'
    return f'<break strength="{value}"/>'

