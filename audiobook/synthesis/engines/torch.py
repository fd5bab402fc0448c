"""The PyTorch engine: the official Kokoro-82M v1.0 checkpoint through the ``kokoro`` package's ``KModel``.

Installed as an extra (``pip install '.[torch]'``, then ``pip install --no-deps kokoro``): the
``kokoro`` package's text front end depends on a fork of ``phonemizer`` that would replace the one
this project uses, and only its model module is needed here. That module is therefore loaded on
its own when the package's front end cannot be imported.

The checkpoint (``kokoro-v1_0.pth``) and its ``config.json`` come from ``--model`` (the ``.pth``
file, with ``config.json`` beside it, or a folder holding both), from the cache
(``<cache>/torch``), or, when the network is allowed, from the hub. It runs on the CPU, on CUDA or
on Apple's MPS. Like the ONNX engine it takes phoneme ids, a style row and a speed, so the rest of
the pipeline does not change.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.errors import ModelError, SynthesisError
from audiobook.files import cache_root, file_digest
from audiobook.synthesis.engines.rendered import Rendered, check_tokens
from audiobook.vocab import token_ids

__all__ = ["CHECKPOINT", "CONFIG", "HUB_REPO", "PARTS", "TorchEngine", "load_kmodel_class", "pick_device"]

log = logging.getLogger(__name__)

HUB_REPO = "hexgrad/Kokoro-82M"
"""Hub repository of the official checkpoint."""
CHECKPOINT = "kokoro-v1_0.pth"
"""File name of the official checkpoint."""
CONFIG = "config.json"
"""File name of the model's configuration."""
PARTS = ("bert", "bert_encoder", "predictor", "text_encoder", "decoder")
"""The state dicts a checkpoint holds, one per part of the model."""

_INSTALL = "pip install 'audiobook[torch]' && pip install --no-deps kokoro"


def _import_torch() -> Any:
    try:
        import torch  # type: ignore[import-not-found]
    except ImportError:
        raise ModelError(f"the torch engine needs PyTorch and the kokoro package: {_INSTALL}") from None
    return torch


def load_kmodel_class() -> type:
    """``kokoro.model.KModel``, importing as little of the ``kokoro`` package as it needs."""
    try:
        from kokoro.model import KModel  # type: ignore[import-not-found]

        return KModel
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing == "kokoro":
            raise ModelError(f"the torch engine needs the kokoro package: {_INSTALL}") from None
        if missing not in ("misaki", "spacy", "phonemizer", "num2words"):
            raise ModelError(f"the kokoro package cannot load its model: {missing} is missing ({_INSTALL})") from None
    # The package's __init__ imports its text front end (misaki), which is not installed with our
    # extra. The model module needs none of it: give it a bare parent package and import it alone.
    for key in [k for k in sys.modules if k == "kokoro" or k.startswith("kokoro.")]:
        del sys.modules[key]
    spec = importlib.util.find_spec("kokoro")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the torch engine needs the kokoro package: {_INSTALL}")
    package = types.ModuleType("kokoro")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules["kokoro"] = package
    try:
        from loguru import logger  # type: ignore[import-not-found]

        # The package's __init__ (skipped) silences its debug logging; do the same.
        logger.disable("kokoro")
    except ImportError:
        pass
    try:
        return importlib.import_module("kokoro.model").KModel
    except ImportError as exc:
        raise ModelError(f"the kokoro package cannot load its model: {exc} ({_INSTALL})") from None


def pick_device(torch: Any, wanted: str | None) -> str:
    """The torch device to run on: ``wanted`` when it is present, the best one when ``None``."""
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if wanted in (None, "", "auto"):
        return "cuda" if cuda else "mps" if mps else "cpu"
    kind = wanted.split(":")[0]
    if kind == "cpu":
        return "cpu"
    if kind == "cuda":
        if not cuda:
            raise ModelError(
                f"--device {wanted}: torch {torch.__version__} sees no CUDA GPU "
                "(a CPU-only build, or no driver); use --device cpu"
            )
        return wanted
    if kind == "mps":
        if not mps:
            raise ModelError(
                f"--device mps: Apple's MPS is not available to torch {torch.__version__}; use --device cpu"
            )
        return "mps"
    raise ModelError(f"unknown device {wanted!r}; use cpu, cuda (or cuda:N) or mps")


def _hub_files(offline: bool) -> tuple[Path, Path]:
    from voices.hub import offline as offline_mode

    if offline_mode(offline):
        raise ModelError(
            f"the torch engine needs {CHECKPOINT} and {CONFIG}, which are not in {cache_root() / 'torch'}; "
            "offline mode forbids downloading them: pass --model PATH"
        )
    from huggingface_hub import hf_hub_download

    folder = cache_root() / "torch"
    try:
        config = Path(hf_hub_download(HUB_REPO, CONFIG, local_dir=folder))
        checkpoint = Path(hf_hub_download(HUB_REPO, CHECKPOINT, local_dir=folder))
    except Exception as exc:  # the hub client raises many network error types
        raise ModelError(
            f"cannot download {CHECKPOINT} from {HUB_REPO} ({type(exc).__name__}); pass --model PATH"
        ) from exc
    return checkpoint, config


def locate(model: str | Path | None, offline: bool = False) -> tuple[Path, Path]:
    """(checkpoint, config.json) for ``model``: a ``.pth`` file, a folder, or ``None`` for the cache or hub."""
    if model is None:
        folder = cache_root() / "torch"
        if (folder / CHECKPOINT).is_file() and (folder / CONFIG).is_file():
            return folder / CHECKPOINT, folder / CONFIG
        return _hub_files(offline)
    path = Path(model).expanduser()
    if path.is_dir():
        found = sorted(path.glob("*.pth"))
        if not found:
            raise ModelError(f"{path}: no .pth checkpoint in this folder")
        checkpoint = path / CHECKPOINT if (path / CHECKPOINT).is_file() else found[0]
    elif path.is_file():
        checkpoint = path
    else:
        raise ModelError(f"{path}: checkpoint not found; pass a .pth file or a folder holding one")
    config = checkpoint.parent / CONFIG
    if not config.is_file():
        raise ModelError(f"{checkpoint}: {CONFIG} is not beside the checkpoint; put the model's {CONFIG} there")
    return checkpoint, config


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model configuration ({exc})") from None
    if not isinstance(config, dict) or not isinstance(config.get("vocab"), dict):
        raise ModelError(f"{path}: not a Kokoro config.json (no vocab)")

    # Units carry ids of the v1.0 vocabulary; a model with another vocabulary would misread them.
    if {k: int(v) for k, v in config["vocab"].items()} != token_ids():
        raise ModelError(f"{path}: the model's phoneme vocabulary is not Kokoro v1.0's; use a v1.0 checkpoint")
    return config


def _check_parts(torch: Any, checkpoint: Path, model: Any) -> None:
    """Refuse a checkpoint whose parts do not fit the model (KModel itself loads them leniently)."""
    try:
        state = torch.load(str(checkpoint), map_location="cpu", weights_only=True, mmap=True)
    except (RuntimeError, ValueError, OSError):
        state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or set(state) != set(PARTS):
        got = ", ".join(sorted(map(str, state))) if isinstance(state, dict) else type(state).__name__
        raise ModelError(f"{checkpoint}: a Kokoro checkpoint holds {', '.join(PARTS)}; this one holds {got}")
    for part in PARTS:
        keys = {k.removeprefix("module.") for k in state[part]}
        expected = set(getattr(model, part).state_dict())
        if keys != expected:
            missing = sorted(expected - keys)[:3]
            extra = sorted(keys - expected)[:3]
            raise ModelError(
                f"{checkpoint}: part {part!r} does not fit the configuration (missing {missing}, unexpected {extra})"
            )


class TorchEngine:
    """Runs one unit at a time through ``KModel`` on the chosen device."""

    name = "torch"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        device: str | None = None,
        threads: int | None = None,
        offline: bool = False,
    ):
        torch = _import_torch()
        kmodel = load_kmodel_class()
        checkpoint, config_path = locate(model, offline)
        config = _read_config(config_path)
        self.device = pick_device(torch, device)
        if threads:
            torch.set_num_threads(threads)
        try:
            with warnings.catch_warnings():
                # torch warns about the deprecated weight_norm and a one-layer LSTM's dropout that
                # the official architecture uses; neither is the user's to act on.
                warnings.simplefilter("ignore", (UserWarning, FutureWarning))
                net = kmodel(
                    repo_id=HUB_REPO, config=config, model=str(checkpoint), disable_complex=self.device == "mps"
                )
        except (RuntimeError, ValueError, KeyError, OSError, AssertionError) as exc:
            raise ModelError(f"{checkpoint}: cannot load the checkpoint: {exc}") from None
        _check_parts(torch, checkpoint, net)
        self._torch = torch
        self._model = net.to(self.device).eval()
        self.checkpoint = checkpoint
        # The cache key must change with the weights and with the configuration that shapes them.
        self.digest = hashlib.sha256((file_digest(checkpoint) + file_digest(config_path)).encode()).hexdigest()
        log.info("torch engine: %s on %s", checkpoint, self.device)

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for one unit; ``tokens`` must hold at most ``MAX_TOKENS`` ids."""
        return self.render(tokens, style, speed).audio

    def render(self, tokens: list[int], style: np.ndarray, speed: float) -> Rendered:
        """Audio and per-id durations (``KModel`` returns them beside the audio)."""
        check_tokens(tokens)
        torch = self._torch
        ids = torch.tensor([[0, *tokens, 0]], dtype=torch.long, device=self.device)
        ref = torch.from_numpy(np.asarray(style, dtype=np.float32).reshape(1, -1)).to(self.device)
        try:
            with torch.inference_mode():
                audio, durations = self._model.forward_with_tokens(ids, ref, float(speed))
        except RuntimeError as exc:
            raise SynthesisError(f"the model failed on a unit of {len(tokens)} tokens on {self.device}: {exc}") from exc
        return Rendered(audio.float().cpu().numpy().reshape(-1), durations.cpu().numpy().astype(np.int64).reshape(-1))
