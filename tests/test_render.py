"""Trimming and pauses on signals whose answer is known."""

from __future__ import annotations

import numpy as np

from audiobook.synthesis.clips import (
    TrimSettings,
    apply_gain,
    silence,
    speech_bounds,
    trim_clip,
)

RATE = 24_000


def tone(seconds: float, level: float = 0.3, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_trim_cuts_leading_and_trailing_quiet_to_the_pads():
    clip = np.concatenate([silence(250), tone(1.0), silence(700)])
    s = TrimSettings()
    out = trim_clip(clip, s)
    expected = 1.0 + (s.lead_ms + s.tail_ms) / 1000
    assert abs(len(out) / RATE - expected) < 0.011


def test_trailing_burst_after_long_silence_is_cut_as_junk():
    clip = np.concatenate([silence(250), tone(1.2), silence(400), tone(0.3, 0.05), silence(200)])
    start, end = speech_bounds(clip)
    assert abs(end / RATE - 1.45) < 0.011


def test_a_late_word_after_a_short_gap_is_kept():
    clip = np.concatenate([silence(250), tone(1.2), silence(150), tone(0.3), silence(200)])
    start, end = speech_bounds(clip)
    assert abs(end / RATE - 1.9) < 0.011


def test_silent_clip_has_no_bounds():
    assert speech_bounds(silence(500)) is None
    assert trim_clip(silence(500)).size == 0


def test_cut_edges_are_faded_against_clicks():
    out = trim_clip(np.concatenate([silence(100), tone(0.5, 0.5), silence(100)]))
    assert abs(out[0]) < 1e-3 and abs(out[-1]) < 1e-3


def test_gain_in_decibels():
    x = tone(0.1)
    assert np.allclose(apply_gain(x, -6.0206), x / 2, atol=1e-5)
    assert len(silence(2000)) == 48_000
