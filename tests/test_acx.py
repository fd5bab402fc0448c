"""ACX: `audiobook check` on files whose figures are known, and the --acx preset's output."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tone_engine import buzz, render, synthesizer, unit

from audiobook.model import Metadata
from audiobook.output.acx import check_file, measure_file
from audiobook.output.assemble import OutputOptions, write_audiobook
from audiobook.output.loudness import room_tone
from audiobook.output.writers import open_writer
from audiobook.plan import ChapterPlan, Pause

RATE = 24_000


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audiobook", *args], capture_output=True, text=True, check=False)


def speech_like(seconds: float, rms_db: float) -> np.ndarray:
    x = buzz(seconds, 1.0).astype(np.float64)
    return (x * 10 ** (rms_db / 20) / np.sqrt(np.mean(x**2))).astype(np.float32)


def write(path: Path, parts: list[np.ndarray], **kw) -> Path:
    with open_writer(path, Metadata(title="Check"), **kw) as out:
        for part in parts:
            out.write(part)
    return path


def rules(path: Path) -> dict[str, bool]:
    return {rule.name: rule.passed for rule in check_file(path)}


def test_a_file_made_to_the_rules_passes_every_check(tmp_path):
    rng = np.random.default_rng(1)
    speech = speech_like(20.0, -19.0)
    audio = np.concatenate([np.zeros(int(0.7 * RATE), np.float32), speech, np.zeros(int(2.3 * RATE), np.float32)])
    audio = np.clip(audio, -0.6, 0.6) + room_tone(audio.size, -70.0, rng)
    path = write(tmp_path / "good.mp3", [audio], bitrate="192k", out_rate=44100)
    figures = measure_file(path)
    assert figures.head == pytest.approx(0.7, abs=0.05)
    # The buzz's own decay falls below -50 dBFS about 0.2 s before its last sample.
    assert 2.3 <= figures.tail <= 2.55
    assert figures.noise_floor == pytest.approx(-70.0, abs=1.5)
    assert figures.sample_rate == 44100 and figures.bitrate == 192000 and figures.constant_bitrate
    assert all(rules(path).values()), check_file(path)
    done = cli("check", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("pass") == 7


def test_each_rule_fails_on_its_own_fault(tmp_path):
    loud = speech_like(5.0, -12.0)  # RMS too high, peaks near full scale
    path = write(tmp_path / "bad.wav", [np.zeros(int(1.5 * RATE), np.float32), loud])
    found = rules(path)
    assert not found["format"] and not found["rms"] and not found["peak"] and not found["head"] and not found["tail"]
    # Digital silence is below any noise floor: ACX's number is met, though its reviewers want room tone.
    assert found["noise floor"] and measure_file(path).noise_floor == -math.inf
    noisy = write(tmp_path / "noisy.mp3", [speech_like(3.0, -20.0) + room_tone(3 * RATE, -50.0, np.random.default_rng(2))],
                  bitrate="128k")
    found = rules(noisy)
    assert not found["noise floor"] and not found["format"]
    done = cli("check", str(path), str(noisy))
    assert done.returncode == 1
    assert "FAIL  rms" in done.stdout and "FAIL  noise floor" in done.stdout


def test_check_names_a_file_it_cannot_read(tmp_path):
    bad = tmp_path / "notes.mp3"
    bad.write_text("not audio")
    done = cli("check", str(bad))
    assert done.returncode == 2 and "notes.mp3" in done.stderr and done.stderr.count("\n") == 1


def test_the_acx_preset_writes_one_compliant_mp3_per_chapter(tmp_path):
    # Two voices 12 dB apart and a short chapter: each file still lands inside ACX's range.
    synth = synthesizer(tmp_path / "clips", {"jf_alpha": 0.1, "jm_kumo": 0.4})
    plans = [
        ChapterPlan("Opening Credits", (unit("This is the book.", 12),)),
        ChapterPlan("One", (unit("A sentence.", 30), Pause(750), unit("Another.", 40, voice="jm_kumo"), Pause(400),
                            unit("The end of it.", 30))),
    ]
    written = write_audiobook(tmp_path / "book.m4b", Metadata(title="Book"), 2, synth, render(synth, plans),
                              OutputOptions(acx=True))
    assert [p.name for p in written.files] == ["01 - Opening Credits.mp3", "02 - One.mp3"]
    for path in written.files:
        figures = measure_file(path)
        assert all(rules(path).values()), (path, figures)
        assert figures.rms == pytest.approx(-20.0, abs=1.0)
        # Room tone, not digital silence, between and around the words.
        assert -75 < figures.noise_floor < -65


@pytest.mark.slow
def test_a_real_conversion_with_acx_passes_the_check(tmp_path, tmp_path_factory):
    from audiobook.convert import ConvertOptions, convert

    # The sentences of test_subtitles' SSML, so their clips come from the shared cache.
    src = tmp_path / "book.md"
    src.write_text("# First\n\nThe keeper climbed the stairs at dusk. He lit the great lamp and trimmed the wick.\n\n"
                   "# Second\n\nAll night the ships passed safely by the rocks.\n")
    clips = tmp_path_factory.getbasetemp() / "real-clips"
    result = convert(src, tmp_path / "book.mp3", ConvertOptions(voice="jf_alpha", output=OutputOptions(acx=True), cache_dir=clips))
    assert result.output == tmp_path / "book" and len(result.files) == 2
    done = cli("check", *map(str, result.files))
    assert done.returncode == 0, done.stdout
