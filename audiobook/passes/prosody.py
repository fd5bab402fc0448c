"""Prosody decided before the model: emphasis as speed, gain and stress; shared durations.

Kokoro takes phonemes, a style row and a speed. ``<emphasis>`` becomes a change of speed and gain
(and, for ``strong``, primary stress on every word); ``<prosody duration>`` is shared among the
units of the element, and each unit's speed is then fitted to its share by the synthesizer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from audiobook.model import Context
from audiobook.plan import Bookmark, Item, Pause, Unit

__all__ = ["EMPHASIS", "emphasis_effect", "share_durations", "stress"]

EMPHASIS: dict[str, tuple[float, float]] = {
    "strong": (0.9, 2.0),
    "moderate": (0.95, 1.0),
    "none": (1.0, 0.0),
    "reduced": (1.05, -2.0),
}
"""``<emphasis level>`` → (speed multiplier, gain in dB)."""

_VOWELS = set("aeiouyæɑɒɔəɛɜɪʊʌøœɐɘɤɨɯɵʉʏᵊᵻAIOQWYɚɝ")
_STRUCTURAL = {"clause", "sentence"}


def emphasis_effect(ctx: Context) -> tuple[float, float]:
    """The speed multiplier and gain in dB of a context, emphasis included."""
    rate, gain = EMPHASIS.get(ctx.emphasis or "none", (1.0, 0.0))
    return round(ctx.rate * rate, 6), round(ctx.volume_db + gain, 3)


def _stress_word(word: str) -> str:
    if "ˈ" in word:
        return word
    if "ˌ" in word:
        return word.replace("ˌ", "ˈ", 1)
    for i, ch in enumerate(word):
        if ch in _VOWELS:
            return word[:i] + "ˈ" + word[i:]
    return word


def stress(ph: str, level: str | None) -> str:
    """Phonemes with the stress of an emphasis level: ``strong`` stresses every word, ``reduced`` none."""
    if level == "strong":
        return " ".join(_stress_word(w) for w in ph.split(" "))
    if level == "reduced":
        return ph.replace("ˈ", "ˌ")
    return ph


def share_durations(items: list[Item]) -> list[Item]:
    """Share each ``<prosody duration>`` among the units it covers, by phoneme count.

    Units with the same duration that follow each other with only sentence or clause gaps
    between them came from one element; the gaps count toward its time, the rest is speech.
    """
    out = list(items)
    i = 0
    while i < len(out):
        first = out[i]
        if not isinstance(first, Unit) or first.duration_ms is None:
            i += 1
            continue
        group = [i]
        gaps = 0
        j = i + 1
        pending = 0
        while j < len(out):
            it = out[j]
            if isinstance(it, Unit) and it.duration_ms == first.duration_ms:
                group.append(j)
                gaps += pending
                pending = 0
            elif isinstance(it, Pause) and it.kind in _STRUCTURAL:
                pending += it.ms
            elif not isinstance(it, Bookmark):
                break
            j += 1
        total = first.duration_ms
        if len(group) > 1:
            speech = max(total - gaps, total * 0.3)
            units = [cast(Unit, out[k]) for k in group]  # the group holds units only
            whole = sum(len(u.phonemes) for u in units) or 1
            for k, unit in zip(group, units):
                out[k] = replace(unit, duration_ms=max(1, round(speech * len(unit.phonemes) / whole)))
        i = group[-1] + 1
    return out
