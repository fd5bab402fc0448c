"""The ONNX Runtime engine (the default): Kokoro-82M v1.0 int8.

The session runs the graph with the per-token durations added as an output (``durations_graph``),
so every call also says how long each token was spoken; a graph without a duration predictor runs
as it is, and gives audio only. On a CPU with VNNI the graph's convolutions also run as
uint8-by-int8 products (``products_graph``): the same audio to the bit, in about two thirds of the
time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from audiobook.errors import ModelError, SynthesisError
from audiobook.files import file_digest
from audiobook.synthesis.durations_graph import DURATION_OUTPUT
from audiobook.synthesis.engines.rendered import Rendered, graph_feeds
from audiobook.synthesis.modelfiles import (
    default_model_path,
    model_digest,
    onnx_run_path,
)
from audiobook.synthesis.products_graph import has_vnni

__all__ = ["OnnxEngine"]

log = logging.getLogger(__name__)


class OnnxEngine:
    """Runs one unit at a time (the official graph only takes batch size 1)."""

    name = "onnx"

    def __init__(self, model: str | Path | None = None, *, threads: int | None = None, products: bool | None = None):
        """``products``: run the convolutions as VNNI products (``None``: where the CPU has VNNI)."""
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
        # The derived graph gives the same audio (one more output; the same integer sums): same digest.
        self.products = has_vnni() if products is None else products
        """Whether the convolutions run as uint8-by-int8 products."""
        run_path = onnx_run_path(path, self.digest, products=self.products) or path
        try:
            self._session = ort.InferenceSession(str(run_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{path}: cannot load the ONNX model: {exc}") from exc
        names = {i.name for i in self._session.get_inputs()}
        self._token_name = "tokens" if "tokens" in names else "input_ids"
        # The decoder's activations grow with the audio a call makes (about 25 MB a second): an
        # arena that kept them would hold the longest unit's memory for the rest of the book.
        # Shrinking it after every call hands that back; the next call's time is unchanged.
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        outputs = [o.name for o in self._session.get_outputs()]
        self._outputs = [outputs[0], DURATION_OUTPUT] if DURATION_OUTPUT in outputs else [outputs[0]]

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        return self.render(tokens, style, speed).audio

    def render(self, tokens: list[int], style: np.ndarray, speed: float) -> Rendered:
        """Audio and per-id durations for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        feeds = graph_feeds(self._token_name, tokens, style, speed)
        try:
            results = self._session.run(self._outputs, feeds, self._run_options)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise SynthesisError(f"the model failed on a unit of {len(tokens)} tokens: {exc}") from exc
        audio = np.asarray(results[0], dtype=np.float32).reshape(-1)
        durations = np.asarray(results[1], dtype=np.int64).reshape(-1) if len(results) > 1 else None
        return Rendered(audio, durations)
