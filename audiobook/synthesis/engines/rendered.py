"""What one model call gives back, shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audiobook.config import MAX_TOKENS
from audiobook.errors import SynthesisError

__all__ = ["FRAME_SAMPLES", "Rendered", "check_tokens", "graph_feeds"]

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


def check_tokens(tokens: list[int]) -> None:
    """Refuse a unit the model cannot take: none, or more than ``MAX_TOKENS`` ids."""
    if not tokens or len(tokens) > MAX_TOKENS:
        raise SynthesisError(f"a unit must hold 1..{MAX_TOKENS} phoneme tokens, got {len(tokens)}")


def graph_feeds(token_name: str, tokens: list[int], style: np.ndarray, speed: float) -> dict[str, np.ndarray]:
    """The ONNX graph's inputs for one unit (checked): the ids between two pads, the style row, the speed."""
    check_tokens(tokens)
    return {
        token_name: np.array([[0, *tokens, 0]], dtype=np.int64),
        "style": np.asarray(style, dtype=np.float32).reshape(1, -1),
        "speed": np.array([speed], dtype=np.float32),
    }
