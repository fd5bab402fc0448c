"""The ONNX Runtime engine (the default): Kokoro-82M v1.0 int8."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from audiobook.config import MAX_TOKENS
from audiobook.errors import ModelError, SynthesisError
from audiobook.files import file_digest
from audiobook.synthesis.modelfiles import default_model_path, model_digest

__all__ = ["OnnxEngine"]

log = logging.getLogger(__name__)


class OnnxEngine:
    """Runs one unit at a time (the official graph only takes batch size 1)."""

    name = "onnx"

    def __init__(self, model: str | Path | None = None, *, threads: int | None = None):
        import onnxruntime as ort

        path = Path(model) if model else default_model_path()
        if not path.is_file():
            raise ModelError(f"{path}: model file not found; pass an existing .onnx file")
        self.digest = model_digest() if model is None else file_digest(path)
        opts = ort.SessionOptions()
        # Both cores on one call beats two calls at once: the graph is one long sequential chain.
        opts.intra_op_num_threads = threads or os.cpu_count() or 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{path}: cannot load the ONNX model: {exc}") from exc
        names = {i.name for i in self._session.get_inputs()}
        self._token_name = "tokens" if "tokens" in names else "input_ids"

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        if not tokens or len(tokens) > MAX_TOKENS:
            raise SynthesisError(f"a unit must hold 1..{MAX_TOKENS} phoneme tokens, got {len(tokens)}")
        feeds = {
            self._token_name: np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": np.asarray(style, dtype=np.float32).reshape(1, -1),
            "speed": np.array([speed], dtype=np.float32),
        }
        try:
            audio = self._session.run(None, feeds)[0]
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise SynthesisError(f"the model failed on a unit of {len(tokens)} tokens: {exc}") from exc
        return np.asarray(audio, dtype=np.float32).reshape(-1)
