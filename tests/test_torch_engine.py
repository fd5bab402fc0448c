"""The PyTorch engine: loads a checkpoint in the official layout and speaks through the same line.

The checkpoint is made here from random weights (no download): the five state dicts ``bert``,
``bert_encoder``, ``predictor``, ``text_encoder`` and ``decoder``, keys prefixed ``module.``, with a
config.json beside it. Random weights make noise, not speech, so what is checked is the plumbing:
loading, the device, the speed reaching the duration predictor, and audio of a plausible length.
The tests that need PyTorch and the kokoro package skip when they are not installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audiobook.errors import ModelError
from audiobook.synthesis.engines import create_engine
from audiobook.vocab import token_ids

FRAME = 600
"""Samples per predicted duration frame (25 ms at 24 kHz)."""
MAX_DUR = 6
"""Largest duration per token, in frames, of the test configuration (the official one has 50)."""


def _config() -> dict:
    # The official v1.0 shapes, except a small PL-BERT and a short duration range to keep it quick.
    return {
        "istftnet": {
            "upsample_kernel_sizes": [20, 12],
            "upsample_rates": [10, 6],
            "gen_istft_hop_size": 5,
            "gen_istft_n_fft": 20,
            "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
            "resblock_kernel_sizes": [3, 7, 11],
            "upsample_initial_channel": 512,
        },
        "dim_in": 64,
        "dropout": 0.2,
        "hidden_dim": 512,
        "max_conv_dim": 512,
        "max_dur": MAX_DUR,
        "multispeaker": True,
        "n_layer": 3,
        "n_mels": 80,
        "n_token": 178,
        "style_dim": 128,
        "text_encoder_kernel_size": 5,
        "plbert": {
            "hidden_size": 64,
            "num_attention_heads": 2,
            "intermediate_size": 128,
            "max_position_embeddings": 512,
            "num_hidden_layers": 2,
            "dropout": 0.1,
        },
        "vocab": token_ids(),
    }


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """A random-weight checkpoint in the official layout, with its config.json beside it."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from audiobook.synthesis.engines.torch import PARTS, load_kmodel_class

    try:
        kmodel = load_kmodel_class()
    except ModelError as exc:
        pytest.skip(str(exc))
    folder = tmp_path_factory.mktemp("kokoro")
    config = _config()
    (folder / "config.json").write_text(json.dumps(config))
    # KModel builds every part from the config; an empty checkpoint leaves them randomly initialized.
    empty = folder / "empty.pth"
    torch.save({part: {} for part in PARTS}, empty)
    torch.manual_seed(0)
    net = kmodel(repo_id="hexgrad/Kokoro-82M", config=config, model=str(empty))
    path = folder / "kokoro-v1_0.pth"
    torch.save({part: {f"module.{k}": v for k, v in getattr(net, part).state_dict().items()} for part in PARTS}, path)
    empty.unlink()
    return path


@pytest.fixture(scope="module")
def torch_engine(checkpoint):
    return create_engine("torch", model=str(checkpoint), device="cpu", threads=2)


def _style(library) -> np.ndarray:
    return library.load("jf_alpha").style(20)


def test_random_checkpoint_in_the_official_layout_speaks(torch_engine, library):
    tokens = [token_ids()[c] for c in "hɛlˈO wˈɜɹld, ðɪs ɪz ə tˈɛst."]
    audio = torch_engine.synthesize(tokens, _style(library), 1.0)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.isfinite(audio).all() and np.abs(audio).max() > 0
    # Each token (and the two pads) lasts 1..MAX_DUR frames of 600 samples.
    n = len(tokens) + 2
    assert n * FRAME * 0.9 <= len(audio) <= n * MAX_DUR * FRAME * 1.1, len(audio)
    assert torch_engine.device == "cpu"
    assert len(torch_engine.digest) == 64


def test_speed_reaches_the_duration_predictor(torch_engine, library):
    tokens = [token_ids()[c] for c in "ðə lˈItˌhWs kˈipəɹ klˈImd ðə stˈɛɹz."]
    slow = torch_engine.synthesize(tokens, _style(library), 0.5)
    fast = torch_engine.synthesize(tokens, _style(library), 2.0)
    # Durations are divided by the speed and rounded (at least one frame a token).
    assert len(slow) > 2.5 * len(fast), (len(slow), len(fast))


def test_the_torch_engine_returns_its_durations(torch_engine, library):
    tokens = [token_ids()[c] for c in "ðə kˈipəɹ klˈImd."]
    result = torch_engine.render(tokens, _style(library), 1.0)
    # Frames per id, pads included; the audio is exactly that many frames long.
    assert result.durations is not None and len(result.durations) == len(tokens) + 2
    assert (result.durations >= 1).all()
    assert int(result.durations.sum()) * FRAME == len(result.audio)


def test_the_whole_line_runs_on_the_torch_engine(checkpoint, tmp_path):
    from audiobook.convert import ConvertOptions, convert

    src = tmp_path / "short.txt"
    src.write_text("The lamp is lit. The ships pass safely.")
    out = tmp_path / "short.wav"
    result = convert(
        src,
        out,
        ConvertOptions(voice="jm_kumo", engine="torch", model=str(checkpoint), device="cpu", cache_dir=tmp_path / "c"),
    )
    assert out.is_file() and result.stats.synthesized >= 1


def test_a_checkpoint_missing_a_part_is_refused(checkpoint, tmp_path):
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    del state["decoder"]
    bad = tmp_path / "kokoro-v1_0.pth"
    torch.save(state, bad)
    (tmp_path / "config.json").write_text((checkpoint.parent / "config.json").read_text())
    with pytest.raises(ModelError, match="holds bert, bert_encoder, predictor, text_encoder, decoder"):
        create_engine("torch", model=str(bad), device="cpu")


def test_a_device_that_is_absent_is_a_one_line_error(checkpoint):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    with pytest.raises(ModelError, match="no CUDA GPU") as info:
        create_engine("torch", model=str(checkpoint), device="cuda")
    assert "\n" not in str(info.value)


# These run without PyTorch.


def test_missing_config_beside_the_checkpoint_is_named(tmp_path):
    from audiobook.synthesis.engines.torch import locate

    (tmp_path / "kokoro-v1_0.pth").write_bytes(b"")
    with pytest.raises(ModelError, match="config.json is not beside the checkpoint"):
        locate(tmp_path / "kokoro-v1_0.pth")


def test_offline_without_a_checkpoint_says_to_pass_one(monkeypatch):
    from audiobook.synthesis.engines.torch import locate

    monkeypatch.setenv("AUDIOBOOK_OFFLINE", "1")
    with pytest.raises(ModelError, match="offline mode forbids downloading them: pass --model PATH"):
        locate(None)


def test_the_onnx_engine_refuses_a_gpu_device():
    with pytest.raises(ModelError, match="use --engine torch"):
        create_engine("onnx", device="cuda")


def test_unknown_engine_lists_the_valid_ones():
    with pytest.raises(ModelError, match="valid engines: onnx, openvino, torch"):
        create_engine("tensorflow")
