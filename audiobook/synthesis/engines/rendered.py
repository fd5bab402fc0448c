"""What one model call gives back, shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FRAME_SAMPLES", "Rendered"]

FRAME_SAMPLES = 600
"""Samples per duration frame (the decoder's hop at 24 kHz): 25 ms."""


@dataclass(frozen=True)
class Rendered:
    """What one model call gives: the audio and, where the backend exposes them, the durations."""

    audio: np.ndarray
    """float32 samples at 24 kHz, untrimmed."""
    durations: np.ndarray | None = None
    """Frames per id (int), ``len(tokens) + 2`` of them: the leading pad, each token, the trailing
    pad. The audio is ``durations.sum() * FRAME_SAMPLES`` samples long. ``None`` when unknown."""
