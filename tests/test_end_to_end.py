"""The whole line on the real Kokoro model, checked as a listener would check it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from audio_checks import (
    chapters,
    decode,
    duration,
    inner_silences,
    read_wav,
    word_error_rate,
)
from conftest import SAMPLES, official_voices_available

from audiobook.convert import ConvertOptions, convert

pytestmark = pytest.mark.slow

PARAGRAPH = (
    "The lighthouse keeper climbed the stairs every evening at dusk. "
    "He cleaned the great lens, trimmed the wick, and watched the ships pass in the dark. "
    "In winter the storms were fierce, but the light never failed."
)


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audiobook", *args], capture_output=True, text=True, **kw)


def sample_book_clips(tmp_path_factory) -> str:
    """One clip cache for the sample book in jf_alpha: the m4b test synthesizes, the mp3 test reuses."""
    return str(tmp_path_factory.getbasetemp() / "real-clips")


def test_sample_book_converts_to_a_chaptered_m4b(tmp_path, tmp_path_factory):
    out = tmp_path / "book.m4b"
    proc = cli("convert", str(SAMPLES / "three-chapters.md"), "-o", str(out), "--voice", "jf_alpha", "--quiet",
               "--cache-dir", sample_book_clips(tmp_path_factory))
    assert proc.returncode == 0, proc.stderr
    assert "voice: jf_alpha" in proc.stderr
    found = chapters(out)
    assert len(found) == 3
    assert found[0][1] == 0.0
    assert all(a[1] < b[1] for a, b in zip(found, found[1:]))
    assert all(title for title, _ in found)
    length = duration(out)
    assert 30 < length < 200, length
    # The chapter ends are inside the audio, and each chapter lasts more than a few seconds.
    assert found[-1][1] < length - 3


def test_a_two_second_break_is_two_seconds_of_silence(tmp_path):
    src = tmp_path / "pause.ssml"
    src.write_text(
        '<speak>The first sentence ends here.<break time="2s"/>And the second one starts after it.</speak>'
    )
    out = tmp_path / "pause.wav"
    convert(src, out, ConvertOptions(voice="jf_alpha", cache_dir=tmp_path / "clips"))
    gaps = inner_silences(read_wav(out), threshold_db=-50)
    longest = max(gaps)
    assert abs(longest - 2.0) <= 0.03, gaps
    # The same pause measured with a stricter notion of silence is still within bounds.
    strict = max(inner_silences(read_wav(out), threshold_db=-60))
    assert abs(strict - 2.0) <= 0.03, strict


def test_pauses_are_exact_whatever_the_voice(tmp_path, library):
    voices = ["jm_kumo", "jf_nezumi"] + (["af_heart"] if official_voices_available() else [])
    for voice in voices:
        src = tmp_path / f"{voice}.ssml"
        src.write_text('<speak>Bring the lamp.<break time="750ms"/>Close the door behind you.</speak>')
        out = tmp_path / f"{voice}.wav"
        convert(src, out, ConvertOptions(voice=voice, cache_dir=tmp_path / "clips"))
        assert abs(max(inner_silences(read_wav(out))) - 0.75) <= 0.03, voice


def test_a_paragraph_round_trips_through_a_recognizer(tmp_path, whisper):
    src = tmp_path / "para.txt"
    src.write_text(PARAGRAPH)
    out = tmp_path / "para.wav"
    result = convert(src, out, ConvertOptions(voice="jf_alpha", cache_dir=tmp_path / "clips"))
    heard = whisper(out)
    assert word_error_rate(PARAGRAPH, heard) < 0.10, heard
    assert result.stats.units >= 3


@pytest.mark.skipif(not official_voices_available(), reason="af_heart is not on the voice path")
def test_default_voice_is_af_heart_when_on_the_voice_path(tmp_path, whisper):
    src = tmp_path / "para.txt"
    src.write_text(PARAGRAPH)
    out = tmp_path / "para.wav"
    result = convert(src, out, ConvertOptions(cache_dir=tmp_path / "clips"))
    assert result.voice == "af_heart"
    assert word_error_rate(PARAGRAPH, whisper(out)) < 0.10


def test_short_sentences_and_first_words_are_spoken(tmp_path, whisper):
    text = "Yes. No. Maybe tomorrow. Stop! Go home now, please."
    src = tmp_path / "short.txt"
    src.write_text(text)
    out = tmp_path / "short.wav"
    convert(src, out, ConvertOptions(voice="jf_alpha", cache_dir=tmp_path / "clips"))
    heard = whisper(out)
    assert word_error_rate(text, heard) <= 0.2, heard
    assert heard.lower().lstrip().startswith("yes"), heard


def test_no_voiced_junk_after_final_punctuation(tmp_path, engine, library):
    from audiobook.diagnostics import Reporter
    from audiobook.passes.g2p import phonemize
    from audiobook.plan import Unit
    from audiobook.synthesis.cache import ClipCache
    from audiobook.synthesis.clips import speech_bounds, trim_clip
    from audiobook.synthesis.synthesizer import Synthesizer
    from audiobook.vocab import to_vocab

    synth = Synthesizer(engine, library, ClipCache(None), default_voice="jf_alpha")
    for text in ("The paw!", "Really?", "It is over."):
        ph = to_vocab(phonemize(text, "en-us"), "en-us", Reporter(strict=True), text)
        clip = trim_clip(synth.raw_clip(Unit(ph, text, None, "en-us")))
        # After trimming, the clip ends within the tail pad of its last speech frame, and holds no
        # long silence followed by more sound.
        assert max(inner_silences(clip, threshold_db=-45, min_ms=250), default=0) == 0, text
        assert speech_bounds(clip) is not None


def test_second_run_synthesizes_nothing(tmp_path):
    src = tmp_path / "para.txt"
    src.write_text("The lamp was lit. The sea was calm.")
    opts = ConvertOptions(voice="jm_kumo", cache_dir=tmp_path / "clips")
    first = convert(src, tmp_path / "a.wav", opts)
    second = convert(src, tmp_path / "b.wav", opts)
    assert first.stats.synthesized == first.stats.units > 0
    assert second.stats.synthesized == 0
    a, b = read_wav(tmp_path / "a.wav"), read_wav(tmp_path / "b.wav")
    assert len(a) == len(b) and np.abs(a - b).max() < 1e-3


def test_a_killed_run_resumes_where_it_stopped(tmp_path):
    src = tmp_path / "long.txt"
    # Six sentences: the run is killed after the third clip, while the fourth is being spoken.
    src.write_text(" ".join(f"Sentence {w} is spoken here." for w in ["one", "two", "three", "four", "five", "six"]))
    clips = tmp_path / "clips"
    out = tmp_path / "long.m4b"
    proc = subprocess.Popen(
        [sys.executable, "-m", "audiobook", "convert", str(src), "-o", str(out), "--voice", "jm_kumo",
         "--cache-dir", str(clips), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list(clips.rglob("*.f16"))) < 3:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(clips.rglob("*.f16")))
    assert 3 <= done_before < 6
    assert not out.exists(), "a killed run left a file under the final name"
    result = convert(src, out, ConvertOptions(voice="jm_kumo", cache_dir=clips))
    assert result.stats.units == 6
    assert result.stats.synthesized == 6 - done_before
    assert out.exists()


def test_say_writes_a_wav(tmp_path):
    out = tmp_path / "say.wav"
    proc = cli("say", '<speak>Wait<break time="1s"/>for it.</speak>', "-o", str(out), "--voice", "jm_kumo")
    assert proc.returncode == 0, proc.stderr
    audio = read_wav(out)
    assert abs(max(inner_silences(audio)) - 1.0) <= 0.03


def test_mp3_output_has_chapters(tmp_path, tmp_path_factory):
    out = tmp_path / "book.mp3"
    # The m4b test's clips: what is measured here is the MP3 writer's chapter table.
    result = convert(SAMPLES / "three-chapters.md", out,
                     ConvertOptions(voice="jf_alpha", cache_dir=Path(sample_book_clips(tmp_path_factory))))
    found = chapters(out)
    assert [t for t, _ in found] == [t for t, _ in result.chapters]
    # ffmpeg reads ID3 chapter times against the decoded stream less the encoder's start delay
    # (about 50 ms at 24 kHz); the frames themselves hold the writer's exact sample positions.
    for (_, got), (_, start) in zip(found, result.chapters):
        assert abs(got - start / 24000) < 0.06
    assert abs(len(decode(out)) / 24000 - result.duration) < 0.1
