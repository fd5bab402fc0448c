"""How far apart two renderings of the same unit sound: a log-mel spectrogram distance.

Two engines (or two precisions) never give the same samples, and a unit's duration may differ by a
frame where a rounding falls the other way, so samples cannot be compared. Both clips become
log-mel spectrograms (80 bands, 25 ms windows every 10 ms, in dB), are aligned frame to frame by
dynamic time warping (so a shift of a few frames costs nothing), and the distance is the mean
absolute difference in dB along the alignment. Identical audio scores 0; the same words in
another voice score several dB.
"""

from __future__ import annotations

import numpy as np

from audiobook.config import SAMPLE_RATE

__all__ = ["MEL_BANDS", "log_mel", "mel_distance"]

MEL_BANDS = 80
"""Mel bands of the spectrogram."""
_FFT = 1024
_WINDOW = SAMPLE_RATE * 25 // 1000
_HOP = SAMPLE_RATE // 100
_FLOOR_DB = -100.0
"""Quieter than this (relative to full scale) counts as this, in ``log_mel``."""
_RANGE_DB = 60.0
"""``mel_distance`` compares the top 60 dB below the louder clip's loudest band and frame."""


def _mel_filters(bands: int = MEL_BANDS, fft: int = _FFT, rate: int = SAMPLE_RATE) -> np.ndarray:
    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(np.array(0.0)), mel(np.array(rate / 2)), bands + 2))
    freqs = np.linspace(0, rate / 2, fft // 2 + 1)
    filters = np.zeros((bands, freqs.size), dtype=np.float32)
    for i in range(bands):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        rise = (freqs - lo) / max(mid - lo, 1e-9)
        fall = (hi - freqs) / max(hi - mid, 1e-9)
        filters[i] = np.clip(np.minimum(rise, fall), 0, None)
    return filters


_FILTERS = _mel_filters()


def log_mel(audio: np.ndarray) -> np.ndarray:
    """[frames, MEL_BANDS] log-mel spectrogram of 24 kHz float audio, in dB (floor −80)."""
    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    if x.size < _WINDOW:
        x = np.pad(x, (0, _WINDOW - x.size))
    frames = 1 + (x.size - _WINDOW) // _HOP
    index = np.arange(_WINDOW)[None, :] + _HOP * np.arange(frames)[:, None]
    windowed = x[index] * np.hanning(_WINDOW).astype(np.float32)
    power = np.abs(np.fft.rfft(windowed, n=_FFT, axis=1)) ** 2
    mel = power @ _FILTERS.T
    return np.maximum(10.0 * np.log10(np.maximum(mel, 1e-12)), _FLOOR_DB).astype(np.float32)


def mel_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute log-mel difference (dB) between clips ``a`` and ``b`` along their best alignment.

    Symmetric dynamic time warping: a diagonal step weighs 2, a horizontal or vertical one 1, and
    the sum is divided by the two lengths together, so two aligned clips score their mean
    frame difference.
    """
    x, y = log_mel(a), log_mel(b)
    # Differences far below the louder clip's peak are inaudible noise floors: clip them away.
    floor = max(float(x.max()), float(y.max())) - _RANGE_DB
    x, y = np.maximum(x, floor), np.maximum(y, floor)
    m = y.shape[0]
    prev = np.full(m + 1, np.inf)
    prev[0] = 0.0
    for frame in x:
        c = np.abs(y - frame).mean(axis=1)
        reach = np.full(m + 1, np.inf)
        reach[1:] = np.minimum(prev[:-1] + 2 * c, prev[1:] + c)
        # Horizontal moves within the row: row[j] = min(reach[j], row[j-1] + c[j-1]), solved for
        # all j at once with a running minimum over prefix sums.
        run = np.concatenate(([0.0], np.cumsum(c)))
        prev = np.minimum.accumulate(reach - run) + run
    return float(prev[m] / (x.shape[0] + m))
