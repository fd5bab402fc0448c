"""Synthesis engines: phoneme ids + style row + speed in, float32 PCM at 24 kHz out.

The rest of the pipeline never knows which engine ran. An engine that can also say how long it
spoke each token offers ``render`` (audio and durations); ``render_tokens`` asks any engine for
both, with ``durations=None`` where the backend has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from audiobook.errors import ModelError
from audiobook.synthesis.engines.rendered import FRAME_SAMPLES, Rendered

__all__ = ["Engine", "Rendered", "FRAME_SAMPLES", "render_tokens", "create_engine", "ENGINES"]


class Engine(Protocol):
    """What every backend offers."""

    name: str
    """Engine name, part of every cache key."""
    digest: str
    """Identity of the weights, part of every cache key."""

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for ``tokens`` (vocabulary ids, without the pad ids) in the voice ``style`` [256]."""
        ...


def render_tokens(engine: Engine, tokens: list[int], style: np.ndarray, speed: float) -> Rendered:
    """Audio and durations from ``engine``: its ``render`` where it has one, else audio alone."""
    render = getattr(engine, "render", None)
    if render is None:
        return Rendered(engine.synthesize(tokens, style, speed))
    rendered: Rendered = render(tokens, style, speed)
    return rendered


def _cpu_only(name: str, device: str | None) -> None:
    if device not in (None, "cpu"):
        raise ModelError(f"the {name} engine runs on the CPU only; use --engine torch for --device {device}")


def _onnx(model: str | None, threads: int | None, device: str | None, offline: bool, precision: str | None) -> Engine:
    from audiobook.synthesis.engines.onnx import OnnxEngine

    _cpu_only("onnx", device)
    if precision not in (None, "int8"):
        raise ModelError(f"the onnx engine runs the int8 model only; --precision {precision} needs --engine openvino")
    return OnnxEngine(model, threads=threads)


def _openvino(
    model: str | None, threads: int | None, device: str | None, offline: bool, precision: str | None
) -> Engine:
    from audiobook.synthesis.engines.openvino import OpenVinoEngine

    _cpu_only("openvino", device)
    return OpenVinoEngine(model, threads=threads, precision=precision)


def _torch(model: str | None, threads: int | None, device: str | None, offline: bool, precision: str | None) -> Engine:
    from audiobook.synthesis.engines.torch import TorchEngine

    if precision is not None:
        raise ModelError("the torch engine runs in float32; --precision is for --engine openvino")
    return TorchEngine(model, device=device, threads=threads, offline=offline)


ENGINES: dict[str, Callable[[str | None, int | None, str | None, bool, str | None], Engine]] = {
    "onnx": _onnx,
    "openvino": _openvino,
    "torch": _torch,
}
"""Engine name → factory (model, threads, device, offline, precision). Each backend is imported
only when chosen, so PyTorch or OpenVINO is never loaded by a run that does not ask for it."""


def create_engine(
    name: str = "onnx",
    *,
    threads: int | None = None,
    model: str | None = None,
    device: str | None = None,
    offline: bool = False,
    precision: str | None = None,
) -> Engine:
    """Build an engine by name; an unknown name is an error listing the valid ones.

    ``device`` and ``offline`` concern the torch engine only (the ONNX ones run on the CPU from
    files installed with the package); ``precision`` the openvino one (``f32``, ``bf16``, ``f16``;
    ``None``: what the CPU computes natively).
    """
    factory = ENGINES.get(name)
    if factory is None:
        raise ModelError(f"unknown engine {name!r}; valid engines: {', '.join(ENGINES)}")
    return factory(model, threads, device, offline, precision)
