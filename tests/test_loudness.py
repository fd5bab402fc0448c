"""Loudness: the meter against BS.1770's numbers and ffmpeg's ebur128, the limiter, normalization."""

from __future__ import annotations

import re
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from audio_checks import inner_silences, read_wav
from imageio_ffmpeg import get_ffmpeg_exe
from tone_engine import buzz, render, synthesizer, unit

from audiobook.model import Metadata
from audiobook.output.assemble import OutputOptions, write_audiobook
from audiobook.output.loudness import (
    LoudnessMeter,
    k_weighting,
    limit,
    measure,
    room_tone,
    true_peak_envelope,
)
from audiobook.plan import ChapterPlan, Pause

RATE = 24_000


def sine(freq: float, seconds: float, dbfs: float, rate: int = RATE, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (10 ** (dbfs / 20) * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def write_wav(path: Path, audio: np.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.rint(np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures them."""
    done = subprocess.run(
        [get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a", "-af", "ebur128=peak=true",
         "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )
    summary = done.stderr.split("Summary:")[-1]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf)", summary).group(1))
    return integrated, peak


# -- the meter ----------------------------------------------------------------------------------


def test_k_weighting_matches_the_48k_table_of_bs1770():
    (shelf_b, shelf_a), (pass_b, pass_a) = k_weighting(48000)
    assert np.allclose(shelf_b, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-9)
    assert np.allclose(shelf_a, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-9)
    assert np.allclose(pass_b, [1.0, -2.0, 1.0])
    assert np.allclose(pass_a, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-9)


@pytest.mark.parametrize("rate", [24000, 44100, 48000])
def test_a_1khz_sine_at_minus_20_dbfs_reads_minus_23_lufs(rate):
    # A full-scale 1 kHz sine reads -3.01 LUFS in one channel (the K filter is 0.69 dB up there).
    figures = measure(sine(1000, 10, -20, rate), rate)
    assert figures.integrated == pytest.approx(-23.0, abs=0.05)
    assert figures.sample_peak == pytest.approx(-20.0, abs=0.01)
    assert figures.rms == pytest.approx(-23.01, abs=0.01)


def test_silence_and_quiet_passages_are_gated_out():
    loud = sine(1000, 10, -20)
    with_silence = np.concatenate([loud, np.zeros(10 * RATE, np.float32), loud])
    assert measure(with_silence, RATE).integrated == pytest.approx(-23.0, abs=0.05)
    # 20 dB below the rest: under the relative gate (-10 LU), so it does not pull the figure down.
    with_quiet = np.concatenate([loud, sine(1000, 10, -40)])
    assert measure(with_quiet, RATE).integrated == pytest.approx(-23.0, abs=0.1)
    # 6 dB below: above the gate, so it counts.
    assert measure(np.concatenate([loud, sine(1000, 10, -26)]), RATE).integrated < -24


def test_fed_in_pieces_or_at_once_the_figures_agree():
    rng = np.random.default_rng(3)
    audio = (0.1 * rng.standard_normal(7 * RATE) * np.sin(np.arange(7 * RATE) / 3000) ** 2).astype(np.float32)
    meter = LoudnessMeter(RATE)
    for piece in np.array_split(audio, [17, 1000, 1001, 50000, 60000, 140000]):
        meter.feed(piece)
    whole = measure(audio, RATE)
    pieces = meter.result()
    assert pieces.integrated == pytest.approx(whole.integrated, abs=1e-6)
    assert pieces.true_peak == pytest.approx(whole.true_peak, abs=1e-6)


def test_true_peak_finds_the_peak_between_samples():
    # A sine at a quarter of the rate, 45° off: every sample is at 0.707 of the peak.
    x = sine(RATE / 4, 2, -6, phase=np.pi / 4)
    figures = measure(x, RATE)
    assert figures.sample_peak == pytest.approx(-9.0, abs=0.05)
    assert figures.true_peak == pytest.approx(-6.0, abs=0.2)


def test_meter_agrees_with_ffmpeg_ebur128(tmp_path):
    rng = np.random.default_rng(11)
    parts = []
    for i in range(12):
        parts.append(buzz(1.2, 0.05 + 0.04 * (i % 4), f0=100 + 9 * i))
        parts.append(np.zeros(int(rng.uniform(0.1, 0.8) * RATE), np.float32))
    audio = np.concatenate(parts)
    path = tmp_path / "buzz.wav"
    write_wav(path, audio)
    ours = measure(read_wav(path), RATE)
    theirs_i, theirs_tp = ebur128(path)
    assert ours.integrated == pytest.approx(theirs_i, abs=0.2)
    assert ours.true_peak == pytest.approx(theirs_tp, abs=0.3)


# -- the limiter --------------------------------------------------------------------------------


def test_limiter_holds_true_peaks_under_the_ceiling_and_leaves_quiet_clips_alone():
    loud = buzz(2.0, 0.9)
    out = limit(loud, RATE, ceiling_db=-3.5)
    assert 20 * np.log10(true_peak_envelope(out, RATE).max()) <= -3.49
    # The gain moves in ramps: no step from one sample to the next.
    audible = np.abs(loud) > 0.05
    gain = np.where(audible, out / np.where(audible, loud, 1.0), 0.0)
    both = audible[:-1] & audible[1:]
    assert np.abs(np.diff(gain))[both].max() < 0.002
    quiet = buzz(2.0, 0.1)
    assert limit(quiet, RATE, ceiling_db=-3.5) is quiet or np.array_equal(limit(quiet, RATE, ceiling_db=-3.5), quiet)


def test_limiter_holds_peaks_at_a_clips_very_edges():
    # Full level from the first sample to the last: the peaks within the release window of either
    # end are held as firmly as those in the middle.
    loud = buzz(1.0, 0.9, abrupt=True)
    for clip in (loud, loud[: RATE // 100], loud[-RATE // 50 :]):
        out = limit(clip, RATE, ceiling_db=-3.5)
        assert 20 * np.log10(true_peak_envelope(out, RATE).max()) <= -3.49
        assert out.dtype == np.float32 and out.size == clip.size


def test_limiter_gain_is_the_same_where_computed_in_stretches():
    # Loud bursts far apart in silence: each is limited as it would be alone.
    burst = buzz(0.3, 0.9)
    gap = np.zeros(RATE, dtype=np.float32)
    joined = np.concatenate([burst, gap, burst * 0.8, gap, burst])
    out = limit(joined, RATE, ceiling_db=-3.5)
    size = burst.size + gap.size
    alone = limit(burst, RATE, ceiling_db=-3.5)
    np.testing.assert_allclose(out[: burst.size], alone, atol=1e-6)
    np.testing.assert_allclose(out[2 * size :], alone, atol=1e-6)
    np.testing.assert_allclose(out[size : size + burst.size], limit(burst * 0.8, RATE, ceiling_db=-3.5), atol=1e-6)
    assert not out[burst.size : size].any()


def test_room_tone_level():
    tone = room_tone(10 * RATE, -70.0, np.random.default_rng(1))
    assert 10 * np.log10(np.mean(tone.astype(np.float64) ** 2)) == pytest.approx(-70.0, abs=0.2)


# -- normalization of a whole book --------------------------------------------------------------


def two_voice_book() -> list[ChapterPlan]:
    items_a = (unit("A quiet voice speaks.", 20), Pause(750), unit("And goes on.", 30, voice="jm_kumo"), Pause(400),
               unit("Then the first voice again.", 24))
    items_b = (unit("A second chapter.", 18, voice="jm_kumo"), Pause(750), unit("Its last words.", 26))
    return [ChapterPlan("One", items_a), ChapterPlan("Two", items_b)]


def test_book_is_normalized_with_voices_equally_loud(tmp_path):
    # jf_alpha is 18 dB quieter than jm_kumo at the source.
    synth = synthesizer(tmp_path / "clips", {"jf_alpha": 0.1, "jm_kumo": 0.8})
    plans = two_voice_book()
    out = tmp_path / "book.wav"
    written = write_audiobook(out, Metadata(title="Loud"), len(plans), synth, render(synth, plans), OutputOptions())
    audio = read_wav(out)
    ours = measure(audio, RATE)
    theirs_i, theirs_tp = ebur128(out)
    assert abs(ours.integrated - -18.0) <= 1.0 and abs(theirs_i - -18.0) <= 1.0
    assert ours.true_peak <= -3.0 and theirs_tp <= -3.0
    assert written.loudness.integrated == pytest.approx(ours.integrated, abs=0.1)
    # Each voice, measured alone in the output, sits at the target.
    kumo = {"And goes on.", "A second chapter."}
    for voice in ("jf_alpha", "jm_kumo"):
        spans = [audio[p.start:p.end] for p in written.sentences if (p.text in kumo) == (voice == "jm_kumo")]
        assert measure(np.concatenate(spans), RATE).integrated == pytest.approx(-18.0, abs=1.0), voice
    # Both passes read the clips through the cache: the engine ran once per unit.
    assert synth.engine.calls == 5
    assert synth.stats.units == 5 and synth.stats.synthesized == 5


def test_another_target_and_no_normalization(tmp_path):
    synth = synthesizer(tmp_path / "clips", {"jf_alpha": 0.05, "jm_kumo": 0.05})
    plans = two_voice_book()
    write_audiobook(tmp_path / "a.wav", Metadata(), 2, synth, render(synth, plans), OutputOptions(loudness=-23.0))
    assert measure(read_wav(tmp_path / "a.wav"), RATE).integrated == pytest.approx(-23.0, abs=0.5)
    raw = write_audiobook(tmp_path / "b.wav", Metadata(), 2, synth, render(synth, plans), OutputOptions(normalize=False))
    assert raw.gains == {}
    assert measure(read_wav(tmp_path / "b.wav"), RATE).integrated < -25


def test_pauses_stay_exact_when_normalization_raises_the_level(tmp_path):
    # A quiet source gains about 15 dB; its slow decays would eat into the pause if the clips
    # were cut at the source's own -50 dBFS.
    synth = synthesizer(tmp_path / "clips", {"jf_alpha": 0.06})
    plans = [ChapterPlan("One", (unit("First.", 20), Pause(750), unit("Second.", 20), Pause(2000), unit("Third.", 20)))]
    written = write_audiobook(tmp_path / "p.wav", Metadata(), 1, synth, render(synth, plans), OutputOptions())
    assert written.gains["voice:jf_alpha"] > 10
    gaps = sorted(inner_silences(read_wav(tmp_path / "p.wav"), threshold_db=-50))
    assert gaps[-2] == pytest.approx(0.75, abs=0.03) and gaps[-1] == pytest.approx(2.0, abs=0.03), gaps


def test_joins_between_clips_and_silences_are_click_free(tmp_path):
    # Clips loud from their first sample to their last: only the fades at the cuts prevent clicks.
    synth = synthesizer(tmp_path / "clips", {"jf_alpha": 0.5}, abrupt=True)
    plans = [ChapterPlan("One", (unit("First.", 20), Pause(0), unit("Second.", 20), Pause(300), unit("Third.", 20)))]
    written = write_audiobook(tmp_path / "j.wav", Metadata(), 1, synth, render(synth, plans), OutputOptions())
    audio = read_wav(tmp_path / "j.wav")
    for p in written.sentences:
        for edge in (p.start, p.end):
            window = audio[max(0, edge - 2):edge + 2]
            assert np.abs(np.diff(window)).max() < 0.01, (p.text, edge)


@pytest.mark.slow
def test_real_speech_is_normalized_click_free_with_exact_pauses(tmp_path, tmp_path_factory):
    from test_subtitles import SSML

    from audiobook.convert import ConvertOptions, convert

    src = tmp_path / "book.ssml"
    src.write_text(SSML)
    out = tmp_path / "book.flac"
    clips = tmp_path_factory.getbasetemp() / "real-clips"
    result = convert(src, out, ConvertOptions(voice="jf_alpha", cache_dir=clips))
    audio = np.frombuffer(
        subprocess.run([get_ffmpeg_exe(), "-v", "error", "-i", str(out), "-f", "s16le", "-"], capture_output=True,
                       check=True).stdout, dtype="<i2").astype(np.float32) / 32768
    ours = measure(audio, RATE)
    theirs_i, theirs_tp = ebur128(out)
    assert abs(ours.integrated + 18.0) <= 1.0 and abs(theirs_i + 18.0) <= 1.0, (ours, theirs_i)
    assert ours.true_peak <= -3.0 and theirs_tp <= -3.0
    # Joins: where a clip meets silence, no sample-to-sample jump a listener would hear as a click.
    for timing in result.timings:
        for edge in (timing.start, timing.end):
            assert np.abs(np.diff(audio[max(0, edge - 3):edge + 3])).max() < 0.01
    # The one-second break is one second of silence, after normalization too.
    assert max(inner_silences(audio, threshold_db=-50)) == pytest.approx(1.0, abs=0.03)


def test_without_the_cache_both_passes_still_hear_the_same_clips(tmp_path):
    from audiobook.synthesis.cache import ClipCache

    synth = synthesizer(tmp_path / "unused", {"jf_alpha": 0.1})
    synth.cache = ClipCache(None)
    plans = two_voice_book()
    write_audiobook(tmp_path / "n.wav", Metadata(), 2, synth, render(synth, plans), OutputOptions())
    # Each unit synthesized once: the second pass read the first pass's clips from a temporary cache.
    assert synth.engine.calls == 5 and synth.stats.synthesized == 5
    assert synth.cache.folder is None and not (tmp_path / "unused").exists()


def test_contradictory_options_fail_before_any_synthesis(tmp_path):
    src = tmp_path / "b.md"
    src.write_text("# One\n\nText.\n")
    for args, message in ((["--acx", "--no-normalize"], "drop --no-normalize"), (["--loudness", "3"], "-60 to -5")):
        done = subprocess.run([sys.executable, "-m", "audiobook", "convert", str(src), *args], capture_output=True,
                              text=True, check=False)
        assert done.returncode == 2 and message in done.stderr, done.stderr
