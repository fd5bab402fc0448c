"""Prosody the model cannot do by itself: emphasis, pitch shift, fitted durations and bleeps.

Kokoro takes phonemes, a style row and a speed; it has no pitch or loudness input. What SSML asks
beyond that is rendered around the model:

- emphasis becomes a change of speed and gain (and, for ``strong``, primary stress on every word);
- a pitch shift is a resampling of the clip by the frequency ratio, with the model asked for a
  correspondingly slower (or faster) reading first, so the duration comes out as it was; the
  formants move with the pitch, which for the few semitones prosody asks for stays natural;
- ``<prosody duration>`` is shared among the units of the element, and each unit's speed is then
  fitted to its share by the synthesizer;
- ``<say-as interpret-as="expletive">`` becomes a 1 kHz beep of about the word's length.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import replace
from typing import cast

import numpy as np

from .config import SAMPLE_RATE
from .model import Context
from .plan import Bookmark, Item, Pause, Unit

__all__ = [
    "EMPHASIS",
    "MAX_PITCH_ST",
    "BEEP_PREFIX",
    "emphasis_effect",
    "stress",
    "pitch_factor",
    "shift_pitch",
    "beep_src",
    "beep_ms",
    "is_beep",
    "beep",
    "share_durations",
]

log = logging.getLogger(__name__)

EMPHASIS: dict[str, tuple[float, float]] = {
    "strong": (0.9, 2.0),
    "moderate": (0.95, 1.0),
    "none": (1.0, 0.0),
    "reduced": (1.05, -2.0),
}
"""``<emphasis level>`` → (speed multiplier, gain in dB)."""

MAX_PITCH_ST = 12.0
"""Largest pitch shift rendered, in semitones either way; larger requests are clamped."""

BEEP_PREFIX = "beep:"
"""``Audio.src`` of a generated beep: ``beep:<milliseconds>``."""

_BEEP_HZ = 1000.0
_BEEP_DB = -14.0  # about as loud as the model's speech, so a bleep neither startles nor vanishes
_BEEP_MS_PER_CHAR = 75
_BEEP_MIN_MS, _BEEP_MAX_MS = 200, 2000
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


def pitch_factor(semitones: float) -> float:
    """The frequency ratio of a shift in semitones, within ``MAX_PITCH_ST``."""
    st = min(max(semitones, -MAX_PITCH_ST), MAX_PITCH_ST)
    return 2.0 ** (st / 12.0)


def shift_pitch(audio: np.ndarray, factor: float) -> np.ndarray:
    """Resample ``audio`` to ``1/factor`` of its length: every frequency is multiplied by ``factor``.

    Band-limited (in the frequency domain), so raising the pitch does not fold the top of the
    spectrum back down as noise.
    """
    if audio.size < 2 or factor == 1.0:
        return audio
    n = audio.size
    m = max(1, round(n / factor))
    spectrum = np.fft.rfft(audio.astype(np.float64))
    bins = m // 2 + 1
    if bins <= spectrum.size:
        spectrum = spectrum[:bins]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(bins - spectrum.size, dtype=spectrum.dtype)])
    out = np.fft.irfft(spectrum, m) * (m / n)
    return out.astype(np.float32)


def beep_src(text: str) -> str:
    """The ``Audio.src`` of a beep as long as ``text`` takes to say, roughly."""
    letters = sum(ch.isalnum() for ch in text)
    ms = min(max(letters * _BEEP_MS_PER_CHAR, _BEEP_MIN_MS), _BEEP_MAX_MS)
    return f"{BEEP_PREFIX}{ms}"


def is_beep(src: str) -> bool:
    """Whether ``src`` names a generated beep rather than a file."""
    return re.fullmatch(rf"{BEEP_PREFIX}\d+", src) is not None


def beep_ms(src: str) -> int:
    """The length of the beep ``src`` names, in milliseconds."""
    return int(src[len(BEEP_PREFIX) :])


def beep(ms: int, hz: float = _BEEP_HZ, level_db: float = _BEEP_DB) -> np.ndarray:
    """A sine beep with 10 ms ramps (no clicks)."""
    n = max(0, round(ms * SAMPLE_RATE / 1000))
    t = np.arange(n, dtype=np.float64) / SAMPLE_RATE
    # The RMS of a sine is its peak over sqrt(2).
    peak = math.sqrt(2) * 10 ** (level_db / 20)
    out = (peak * np.sin(2 * math.pi * hz * t)).astype(np.float32)
    ramp = min(n // 2, SAMPLE_RATE // 100)
    if ramp:
        window = np.linspace(0.0, 1.0, ramp, dtype=np.float32)
        out[:ramp] *= window
        out[-ramp:] *= window[::-1]
    return out


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
