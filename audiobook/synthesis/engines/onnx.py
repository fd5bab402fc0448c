"""The ONNX Runtime engine (the default): Kokoro-82M v1.0 int8.

The session runs the graph with the per-token durations added as an output (``durations_graph``),
so every call also says how long each token was spoken; a graph without a duration predictor runs
as it is, and gives audio only. On a CPU with VNNI the graph's convolutions also run as
uint8-by-int8 products (``products_graph``): the same audio to the bit, in about two thirds of the
time.

In a process that shares one thread pool (``share_threads``: the command line does) the graph
runs cut at the vocoder's Snake activations into stages, numpy computing the Snakes between them
(``snake_stages``), because ONNX Runtime's sine runs on one thread, element by element: 0.85-0.91×
the model time, within 0.3 dB of the whole graph, in about the same memory. Elsewhere (a library user's
process, which may hold sessions of its own) the graph runs whole unless ``snakes=True``: with a
pool per stage session the stages hold several hundred MB more.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.errors import ModelError, SynthesisError
from audiobook.files import file_digest
from audiobook.synthesis.durations_graph import DURATION_OUTPUT
from audiobook.synthesis.engines.rendered import Rendered, graph_feeds
from audiobook.synthesis.modelfiles import (
    default_model_path,
    model_digest,
    onnx_run_path,
    onnx_stages,
)
from audiobook.synthesis.products_graph import has_vnni

__all__ = ["OnnxEngine"]

log = logging.getLogger(__name__)

_shared: dict[str, int] = {}
"""``threads``: the size of the process's one ONNX Runtime thread pool, once ``share_threads`` set it."""
_arena: list[bool] = []
"""Holds ``True`` once the process's shared arena for staged sessions is registered."""


def share_threads(threads: int | None = None) -> int:
    """Run every ONNX Runtime session this process makes from now on on one pool of ``threads``
    threads (default: one per core); the pool's size (the first call's) is returned.

    It makes the Snakes by numpy (``snakes``) the onnx engine's default: with a pool per stage
    session, each pool's threads keep buffers of their own as large as the longest unit needs (a
    26-second unit peaks at 1.3-1.5 GB against the whole graph's 0.9 GB); on one pool, 0.9 GB. But
    ONNX Runtime then refuses any session that asks for threads of its own, another library's
    included, so only a process whose sessions are all made here calls it: the command line does.
    """
    if "threads" not in _shared:
        import onnxruntime as ort

        count = threads or os.cpu_count() or 1
        ort.set_global_thread_pool_sizes(count, 1)
        _shared["threads"] = count
    return _shared["threads"]


def _options(ort: Any, threads: int, stage: bool) -> Any:
    """Options for a session: on the shared pool where there is one, else threads of its own
    (a stage's do not spin: the sessions run one after the other, and a pool that spun on after
    its stage would take a core from the next); a stage's share one arena with the others."""
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if "threads" in _shared:
        opts.use_per_session_threads = False
    else:
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        if stage:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if stage:
        # A stage's memory pattern is one block for all its tensors, planned per input shape: 49
        # of them, of every size, fragment the shared arena (a book's peak 657 MB with them, 566
        # without; the time is the same).
        opts.enable_mem_pattern = False
        # An arena per stage would take fresh memory for every tensor of every stage.
        if not _arena:
            info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
            ort.create_and_register_allocator(info, None)
            _arena.append(True)
        opts.add_session_config_entry("session.use_env_allocators", "1")
    return opts


class OnnxEngine:
    """Runs one unit at a time (the official graph only takes batch size 1)."""

    name = "onnx"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        threads: int | None = None,
        products: bool | None = None,
        snakes: bool | None = None,
    ):
        """``products``: run the convolutions as VNNI products (``None``: where the CPU has VNNI);
        ``snakes``: compute the Snake activations with numpy, between stages of the graph
        (``None``: where the process shares one thread pool, see ``share_threads``)."""
        import onnxruntime as ort

        path = Path(model) if model else default_model_path()
        if not path.is_file():
            raise ModelError(f"{path}: model file not found; pass an existing .onnx file")
        self.digest = model_digest() if model is None else file_digest(path)
        # Both cores on one call beats two calls at once: the graph is one long sequential chain.
        count = _shared.get("threads") or threads or os.cpu_count() or 1
        if snakes is None:
            snakes = "threads" in _shared
        # The derived graph gives the same audio (one more output; the same integer sums): same digest.
        self.products = has_vnni() if products is None else products
        """Whether the convolutions run as uint8-by-int8 products."""
        run_path = onnx_run_path(path, self.digest, products=self.products) or path
        self._stages = onnx_stages(path, self.digest, products=self.products) if snakes else None
        """The graph cut at its Snakes; ``None``: one session runs it whole."""
        self._sessions: list[Any] = []
        try:
            if self._stages is None:
                opts = _options(ort, count, stage=False)
                self._session = ort.InferenceSession(str(run_path), opts, providers=["CPUExecutionProvider"])
                self._sessions = [self._session]
            else:
                # The same weights and durations, the audio within 0.3 dB (numpy's sines differ
                # from ONNX Runtime's in the last bit): the same clip-cache key, so a run resumed
                # by the program or by a library call reuses what the other synthesized.
                self._sessions = [
                    None
                    if stage.model is None
                    else ort.InferenceSession(str(stage.model), _options(ort, count, stage=True), providers=["CPUExecutionProvider"])
                    for stage in self._stages.stages
                ]
                self._session = next(s for s in self._sessions if s is not None)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{path}: cannot load the ONNX model: {exc}") from exc
        self.snakes = self._stages is not None
        """Whether numpy computes the Snakes between stages of the graph."""
        names = {i.name for i in self._session.get_inputs()}
        self._token_name = "tokens" if "tokens" in names else "input_ids"
        # The decoder's activations grow with the audio a call makes (about 25 MB a second): an
        # arena that kept them would hold the longest unit's memory for the rest of the book.
        # Shrinking it after every call hands that back; the next call's time is unchanged.
        self._run_options = ort.RunOptions()
        self._run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._plain_run = ort.RunOptions()
        outputs = [o.name for o in self._session.get_outputs()] if self._stages is None else self._stages.outputs
        self._outputs = [outputs[0], DURATION_OUTPUT] if DURATION_OUTPUT in outputs else [outputs[0]]
        staged = self._stages is not None
        self._workers = count
        self._pool = ThreadPoolExecutor(count, thread_name_prefix="snake") if staged and count > 1 else None
        """Threads that share the Snakes' channels."""
        self._last = max(k for k, session in enumerate(self._sessions) if session is not None)

    def _run_stage(self, k: int, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        # The stages share one arena: shrinking it after each would hand back the memory the next
        # one is about to take. It is shrunk once, after the last.
        options = self._run_options if k == self._last else self._plain_run
        result: list[np.ndarray] = self._sessions[k].run(names, feeds, options)
        return result

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        return self.render(tokens, style, speed).audio

    def render(self, tokens: list[int], style: np.ndarray, speed: float) -> Rendered:
        """Audio and per-id durations for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        feeds = graph_feeds(self._token_name, tokens, style, speed)
        try:
            if self._stages is None:
                results = self._session.run(self._outputs, feeds, self._run_options)
            else:
                ran = self._stages.run(feeds, self._run_stage, self._pool, self._workers)
                got = dict(zip(self._stages.outputs, ran))
                results = [got[name] for name in self._outputs]
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise SynthesisError(f"the model failed on a unit of {len(tokens)} tokens: {exc}") from exc
        audio = np.asarray(results[0], dtype=np.float32).reshape(-1)
        durations = np.asarray(results[1], dtype=np.int64).reshape(-1) if len(results) > 1 else None
        return Rendered(audio, durations)
