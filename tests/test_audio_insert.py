"""SSML <audio>: a local file is played; a missing or remote one is replaced by its fallback text."""

from __future__ import annotations

import numpy as np
import pytest
from audio_checks import RATE, read_wav

from audiobook.config import ReadOptions
from audiobook.convert import ConvertOptions, convert
from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Speech
from audiobook.readers import read_path


def chime(path, seconds=0.5, freq=1000.0):
    import wave

    t = np.arange(int(seconds * RATE)) / RATE
    pcm = (0.4 * np.sin(2 * np.pi * freq * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def segments(book):
    return [s for ch in book.chapters for b in ch.blocks for s in b.segments]


def test_local_audio_file_is_resolved_next_to_the_document(tmp_path):
    chime(tmp_path / "chime.wav")
    src = tmp_path / "a.ssml"
    src.write_text('<speak>Listen.<audio src="chime.wav">a chime</audio>Done.</speak>')
    reporter = Reporter()
    audio = [s for s in segments(read_path(src, ReadOptions(), reporter)) if isinstance(s, Audio)]
    assert len(audio) == 1 and audio[0].src == str(tmp_path / "chime.wav")
    assert not reporter.reports


@pytest.mark.parametrize(
    ("src", "code"), [("missing.wav", "audio-missing"), ("https://example.com/chime.mp3", "outside-folder")]
)
def test_missing_or_remote_audio_speaks_its_fallback(tmp_path, src, code):
    doc = tmp_path / "a.ssml"
    doc.write_text(f'<speak>Listen.<audio src="{src}">the bell rings</audio>Done.</speak>')
    reporter = Reporter()
    segs = segments(read_path(doc, ReadOptions(), reporter))
    assert not any(isinstance(s, Audio) for s in segs)
    assert any(isinstance(s, Speech) and "the bell rings" in s.text for s in segs)
    assert [r.code for r in reporter.reports] == [code]
    assert reporter.reports[0].where == f"{doc}:1:15"


@pytest.mark.slow
def test_inserted_audio_is_heard_in_the_output(tmp_path):
    chime(tmp_path / "chime.wav", seconds=0.5, freq=1000.0)
    src = tmp_path / "a.ssml"
    src.write_text('<speak>Listen.<audio src="chime.wav">a chime</audio>Done.</speak>')
    out = tmp_path / "a.wav"
    convert(src, out, ConvertOptions(voice="jm_kumo", cache_dir=tmp_path / "clips"))
    audio = read_wav(out)
    # A 1 kHz tone of 0.5 s stands out in 10 ms frames: count frames dominated by 1 kHz.
    frame = RATE // 100
    n = len(audio) // frame
    spec = np.abs(np.fft.rfft(audio[: n * frame].reshape(n, frame), axis=1))
    bin_1k = round(1000 * frame / RATE)
    dominated = (spec.argmax(axis=1) == bin_1k) & (spec.max(axis=1) > 10)
    assert 0.45 <= dominated.sum() / 100 <= 0.52
