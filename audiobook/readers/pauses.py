"""Pause tags written in text: ``[pause 2s]``, ``[PAUSE=3]``, ``[pause:1.5]``, ``[Pause=500ms]``.

Writers who do not want XML type pauses in brackets, in the forms other tools taught them: a
space, ``=`` or ``:`` after the word, then a time (``2s``, ``1.5s``, ``500ms``; a bare number is
seconds) or an SSML strength (``weak``, ``strong``…); ``[pause]`` alone is a strong pause. Case
does not matter. A bracket that starts like a pause tag but whose value cannot be read
(``[pause=abc]``, ``[pause:]``) is reported with its place and never spoken. The Markdown
reader turns a tag into the same ``<break>`` as SSML; the text reader into a ``Break``.
"""

from __future__ import annotations

import re

__all__ = ["PAUSE", "HINT", "pause_value", "ssml_break"]

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
        return "time", round(number if unit == "ms" else number * 1000)
    if value.lower() in _STRENGTHS:
        return "strength", value.lower()
    return None


def ssml_break(match: re.Match[str]) -> str | None:
    """The SSML ``<break>`` a pause tag stands for, or ``None`` when it cannot be read."""
    found = pause_value(match)
    if found is None:
        return None
    kind, value = found
    return f'<break time="{value}ms"/>' if kind == "time" else f'<break strength="{value}"/>'
