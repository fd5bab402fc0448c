"""``audiobook say`` on the real model: inline SSML and pause tags are pauses of their length, and
the output ends with the speech, not with a chapter's closing silence."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from audio_checks import RATE, inner_silences, read_wav, silences

pytestmark = pytest.mark.slow


def trailing_silence(audio) -> float:
    """Seconds of silence (below -50 dBFS) at the end of the file."""
    total = len(audio) / RATE
    return next((length for start, length in silences(audio) if abs(start + length - total) < 0.006), 0.0)


@pytest.mark.parametrize("said", ['Wait<break time="2s"/>for it.', "Wait [PAUSE=2] for it.", "Wait [pause:2s] for it."])
def test_say_keeps_the_pause_and_ends_with_the_speech(tmp_path: Path, said: str) -> None:
    out = tmp_path / "wait.wav"
    proc = subprocess.run(
        [sys.executable, "-m", "audiobook", "say", said, "-o", str(out), "--voice", "jm_kumo",
         "--cache-dir", str(tmp_path / "clips")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    audio = read_wav(out)
    assert abs(max(inner_silences(audio)) - 2.0) <= 0.03
    # Before, a chapter's 1.5 s of silence closed every utterance.
    assert trailing_silence(audio) < 0.1
