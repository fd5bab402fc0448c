"""Synthesis engines: phoneme ids + style row + speed in, float32 PCM at 24 kHz out.

The rest of the pipeline never knows which engine ran.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["Engine", "create_engine", "ENGINES"]


class Engine(Protocol):
    """What every backend offers."""

    name: str
    """Engine name, part of every cache key."""
    digest: str
    """Identity of the weights, part of every cache key."""

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for ``tokens`` (vocabulary ids, without the pad ids) in the voice ``style`` [256]."""
        ...


def create_engine(name: str = "onnx", *, threads: int | None = None, model: str | None = None) -> Engine:
    """Build an engine by name; an unknown name is an error listing the valid ones."""
    from ..errors import ModelError

    if name == "onnx":
        from .onnx import OnnxEngine

        return OnnxEngine(model, threads=threads)
    raise ModelError(f"unknown engine {name!r}; valid engines: {', '.join(ENGINES)}")


ENGINES = ("onnx",)
"""Engine names ``create_engine`` accepts."""
