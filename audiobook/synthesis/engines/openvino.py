"""The OpenVINO engine: the float graph derived from the shipped int8 model, run by OpenVINO.

Installed as an extra (``pip install 'audiobook[openvino]'``). The graph is derived on first use
(``modelfiles.float_model_path``) and OpenVINO's compiled form of it is kept in
``<cache>/openvino``, so only the first run pays for compiling. Precision follows the CPU: bfloat16
where it computes bfloat16 natively (AVX512-BF16 or AMX), float32 elsewhere; ``precision`` pins one.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.errors import ModelError, SynthesisError
from audiobook.files import cache_root, file_digest
from audiobook.synthesis.engines.rendered import graph_feeds
from audiobook.synthesis.modelfiles import (
    FLOAT_GRAPH_VERSION,
    float_model_path,
    model_digest,
)

__all__ = ["PRECISIONS", "OpenVinoEngine", "native_precision"]

log = logging.getLogger(__name__)

PRECISIONS = ("f32", "bf16", "f16")
"""Inference precisions OpenVINO's CPU plugin may be asked for."""

_INSTALL = "pip install 'audiobook[openvino]'"


def _core() -> Any:
    try:
        import openvino  # type: ignore[import-not-found,import-untyped]
    except ImportError:
        raise ModelError(f"the openvino engine needs OpenVINO: {_INSTALL}") from None
    return openvino.Core()


def native_precision(core: Any) -> str:
    """``bf16`` when the CPU computes bfloat16 natively, else ``f32``."""
    try:
        caps = core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except RuntimeError:
        return "f32"
    return "bf16" if "BF16" in caps else "f32"


class OpenVinoEngine:
    """Runs one unit at a time through an OpenVINO infer request on the CPU."""

    name = "openvino"

    def __init__(
        self, model: str | Path | None = None, *, threads: int | None = None, precision: str | None = None
    ):
        core = _core()
        if model is not None and not Path(model).is_file():
            raise ModelError(f"{model}: model file not found; pass an existing .onnx file")
        source = Path(model) if model else None
        wanted = precision or native_precision(core)
        if wanted not in PRECISIONS:
            raise ModelError(f"unknown precision {wanted!r}; use one of {', '.join(PRECISIONS)}")
        path = float_model_path(source)
        compiled = cache_root() / "openvino"
        compiled.mkdir(parents=True, exist_ok=True)
        core.set_property({"CACHE_DIR": str(compiled)})
        config = {
            "INFERENCE_PRECISION_HINT": wanted,
            # One unit at a time, all cores on it: the graph is one long chain of layers.
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": threads or os.cpu_count() or 1,
        }
        try:
            self._compiled = core.compile_model(str(path), "CPU", config)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{path}: OpenVINO cannot compile the float graph: {first}") from None
        self._request = self._compiled.create_infer_request()
        hint = self._compiled.get_property("INFERENCE_PRECISION_HINT")
        # OpenVINO quietly runs float32 where the CPU lacks the precision asked for: say what runs.
        self.precision = hint.get_type_name() if hasattr(hint, "get_type_name") else str(hint)
        """The precision OpenVINO runs the graph in (``f32``, ``bf16``, ``f16``)."""
        if self.precision != wanted:
            log.info("openvino runs in %s: this CPU has no native %s", self.precision, wanted)
        names = {name for port in self._compiled.inputs for name in port.get_names()}
        self._token_name = "tokens" if "tokens" in names else "input_ids"
        weights = model_digest() if source is None else file_digest(source)
        # The cache key changes with the weights, the derivation and the precision, which all
        # shape the audio.
        self.digest = hashlib.sha256(f"{weights} float v{FLOAT_GRAPH_VERSION} {self.precision}".encode()).hexdigest()
        log.info("openvino engine: %s in %s", path, self.precision)

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        feeds = graph_feeds(self._token_name, tokens, style, speed)
        try:
            result = self._request.infer(feeds)
        except RuntimeError as exc:
            raise SynthesisError(f"the model failed on a unit of {len(tokens)} tokens: {exc}") from exc
        # The request reuses its output buffer on the next call: copy.
        return np.array(result[0], dtype=np.float32).reshape(-1)
