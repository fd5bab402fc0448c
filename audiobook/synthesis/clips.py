"""Rendering: clips trimmed consistently, joined with exact silences, streamed to a writer.

The model pads every clip with about 0.25 s of quiet before the speech and up to 0.7 s after it.
Each clip is cut to its speech plus short pads; the silence inserted between two clips is the
requested pause less those pads, so the pause a listener hears (from the end of one clip's speech
to the start of the next) is the pause the document asked for.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

from audiobook.config import SAMPLE_RATE
from audiobook.errors import InputError

__all__ = [
    "TrimSettings",
    "trim_clip",
    "trim_range",
    "speech_bounds",
    "silence",
    "apply_gain",
    "decode_audio_file",
    "MAX_INSERT_SECONDS",
]

log = logging.getLogger(__name__)

_FRAME = SAMPLE_RATE // 100  # 10 ms analysis frames

MAX_INSERT_SECONDS = 300
"""Longest stretch of an inserted audio file (``<audio src>``) that is played: five minutes, 29 MB
of samples. The decoder stops there and the rest is reported, so a long or endless file never
needs more memory than that."""


@dataclass(frozen=True)
class TrimSettings:
    """How clips are cut to their speech."""

    threshold_db: float = -50.0
    """A 10 ms frame louder than this (RMS, dBFS) counts as speech."""
    lead_ms: int = 10
    """Quiet kept before the first speech frame, so soft onsets are not clipped."""
    tail_ms: int = 15
    """Quiet kept after the last speech frame, so the decay is not cut."""
    fade_ms: int = 5
    """Fade at each cut edge, against clicks."""
    junk_gap_ms: int = 300
    """A silence this long near the end, followed only by a short burst, marks trailing junk."""
    junk_max_ms: int = 600
    """Longest trailing burst treated as junk."""


def _frame_db(audio: np.ndarray) -> np.ndarray:
    n = len(audio) // _FRAME
    if n == 0:
        return np.full(1, -120.0)
    frames = audio[: n * _FRAME].reshape(n, _FRAME)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(rms + 1e-9)


def speech_bounds(audio: np.ndarray, settings: TrimSettings = TrimSettings()) -> tuple[int, int] | None:
    """Sample range [start, end) from the first to the last speech frame, or ``None`` if silent.

    A short burst that follows a long silence at the very end of the clip (voiced junk after the
    final punctuation) is left out.
    """
    loud = np.flatnonzero(_frame_db(audio) > settings.threshold_db)
    if loud.size == 0:
        return None
    first, last = int(loud[0]), int(loud[-1])
    gaps = np.flatnonzero(np.diff(loud) * 10 >= settings.junk_gap_ms)
    if gaps.size:
        g = int(gaps[-1])
        tail_start = int(loud[g + 1])
        tail_ms = (last - tail_start + 1) * 10
        span_ms = (last - first + 1) * 10
        # Only a burst in the last part of the clip, short and after most of the speech, is junk.
        if tail_ms <= settings.junk_max_ms and (tail_start - first) * 10 >= 0.6 * span_ms:
            log.info("cut %d ms of trailing noise after the speech", tail_ms)
            last = int(loud[g])
    return first * _FRAME, (last + 1) * _FRAME


def trim_range(audio: np.ndarray, settings: TrimSettings = TrimSettings()) -> tuple[int, int] | None:
    """Sample range [start, end) that ``trim_clip`` keeps (speech plus pads), or ``None`` if silent."""
    bounds = speech_bounds(audio, settings)
    if bounds is None:
        return None
    start = max(0, bounds[0] - settings.lead_ms * SAMPLE_RATE // 1000)
    end = min(len(audio), bounds[1] + settings.tail_ms * SAMPLE_RATE // 1000)
    return start, end


def trim_clip(audio: np.ndarray, settings: TrimSettings = TrimSettings()) -> np.ndarray:
    """The clip cut to its speech plus ``lead_ms``/``tail_ms`` pads, with short fades at the cuts."""
    kept = trim_range(audio, settings)
    if kept is None:
        return np.zeros(0, dtype=np.float32)
    start, end = kept
    out = np.array(audio[start:end], dtype=np.float32)
    fade = min(settings.fade_ms * SAMPLE_RATE // 1000, len(out) // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[-fade:] *= ramp[::-1]
    return out


def silence(ms: float) -> np.ndarray:
    """``ms`` milliseconds of digital silence."""
    return np.zeros(max(0, round(ms * SAMPLE_RATE / 1000)), dtype=np.float32)


def apply_gain(audio: np.ndarray, gain_db: float) -> np.ndarray:
    """The clip scaled by ``gain_db`` decibels."""
    if not gain_db:
        return audio
    return (audio * np.float32(10 ** (gain_db / 20))).astype(np.float32)


def decode_audio_file(path: str, ffmpeg: str, max_seconds: float = MAX_INSERT_SECONDS) -> tuple[np.ndarray, bool]:
    """Any audio file ffmpeg reads, as mono float32 at the model's rate, and whether it was cut.

    At most ``max_seconds`` are decoded: the samples stream from ffmpeg into one buffer of that
    size, and ffmpeg is stopped when it is full.
    """
    if not os.path.isfile(path):
        # A pipe or a device would be read forever.
        raise InputError("cannot decode audio: not a regular file", path)
    limit = int(max_seconds * SAMPLE_RATE)
    # -t stops ffmpeg just past the cap, so a cut is seen without decoding the rest.
    cmd = [ffmpeg, "-nostdin", "-v", "error", "-i", path, "-t", f"{max_seconds + 0.1:.3f}",
           "-f", "f32le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"]
    out = np.empty(limit + 1, dtype=np.float32)
    raw = memoryview(out.view(np.uint8))
    filled = 0
    # stderr goes to a file: a pipe that fills while stdout is read would stall ffmpeg.
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors) as proc:
            assert proc.stdout is not None
            while filled < len(raw):
                got = proc.stdout.readinto(raw[filled:])
                if not got:
                    break
                filled += got
            cut = filled >= len(raw)
            if cut:
                proc.kill()
            proc.stdout.close()
            code = proc.wait()
        if code != 0 and not cut:
            errors.seek(0)
            text = errors.read(64 * 1024).decode("utf-8", "replace").strip()
            last = text.splitlines()[-1:] or ["unreadable"]
            raise InputError(f"cannot decode audio: {' '.join(last[0].split())}", path)
    samples = min(filled // 4, limit)
    return out[:samples].copy(), cut
