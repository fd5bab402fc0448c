"""Effects rendered around the model: pitch shift and bleeps.

Kokoro takes phonemes, a style row and a speed; it has no pitch input. A pitch shift is a
resampling of the clip by the frequency ratio, with the model asked for a correspondingly slower
(or faster) reading first, so the duration comes out as it was; the formants move with the pitch,
which for the few semitones prosody asks for stays natural. ``<say-as interpret-as="expletive">``
becomes a 1 kHz beep of about the word's length.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from audiobook.config import SAMPLE_RATE

__all__ = ["MAX_PITCH_ST", "beep", "pitch_factor", "shift_pitch"]

log = logging.getLogger(__name__)

MAX_PITCH_ST = 12.0
"""Largest pitch shift rendered, in semitones either way; larger requests are clamped."""

_BEEP_HZ = 1000.0
_BEEP_DB = -14.0  # about as loud as the model's speech, so a bleep neither startles nor vanishes


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


