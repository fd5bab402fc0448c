"""What a listener would measure in a file: duration, silences, chapters, words."""

from __future__ import annotations

import functools
import itertools
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
from imageio_ffmpeg import get_ffmpeg_exe

RATE = 24_000


def read_wav(path: Path) -> np.ndarray:
    """A 16-bit mono WAV as float32."""
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768


def decode(path: Path, rate: int = RATE) -> np.ndarray:
    """Any audio file, decoded by ffmpeg to mono float32."""
    out = subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype="<f4")


def frame_db(audio: np.ndarray, frame: int = RATE // 200) -> np.ndarray:
    """RMS level of 5 ms frames in dBFS."""
    n = len(audio) // frame
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(rms + 1e-9)


def silences(audio: np.ndarray, threshold_db: float = -50.0, min_ms: float = 50.0) -> list[tuple[float, float]]:
    """(start s, length s) of every run of 5 ms frames quieter than ``threshold_db``."""
    quiet = frame_db(audio) < threshold_db
    runs, start = [], None
    for i, q in enumerate(np.append(quiet, False)):
        if q and start is None:
            start = i
        elif not q and start is not None:
            if (i - start) * 5 >= min_ms:
                runs.append((start * 0.005, (i - start) * 0.005))
            start = None
    return runs


def inner_silences(audio: np.ndarray, **kw) -> list[float]:
    """Lengths of the silences between the first and the last sound."""
    runs = silences(audio, **kw)
    total = len(audio) / RATE
    return [length for start, length in runs if start > 0 and start + length < total - 0.006]


def ffmetadata(path: Path) -> str:
    """What ffmpeg reads of a file's tags and chapters, in FFMETADATA form."""
    return subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def chapters(path: Path) -> list[tuple[str, float]]:
    """(title, start s) of each chapter as ffmpeg reads them."""
    out = []
    for block in ffmetadata(path).split("[CHAPTER]")[1:]:
        tb = re.search(r"TIMEBASE=(\d+)/(\d+)", block)
        start = re.search(r"START=(\d+)", block)
        title = re.search(r"title=(.*)", block)
        if tb and start:
            out.append((title.group(1) if title else "", int(start.group(1)) * int(tb.group(1)) / int(tb.group(2))))
    return out


def duration(path: Path) -> float:
    """Seconds of audio as ffmpeg decodes them."""
    return len(decode(path)) / RATE


def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped, for word error rates."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words, divided by the reference's length."""
    return word_list_error_rate(words(reference), words(hypothesis))


def word_list_error_rate(ref: list[str], hyp: list[str]) -> float:
    """Levenshtein distance between two word lists, divided by the reference's length."""
    return edit_distance(ref, hyp) / max(len(ref), 1)


HARD_SET = Path(__file__).parent / "fixtures" / "normalize"


EVERY_TABLE = ("en.tsv", "en-everyday.tsv")
"""The English case tables whose sentences ``en-transcribed.tsv`` may name."""


def everyday_sample() -> list[tuple[str, ...]]:
    """The first case of each class of ``en-everyday.tsv``, with its other writings."""
    cases = {forms[0]: forms for forms in hard_set("en-everyday.tsv")}
    lines = (HARD_SET / "en-everyday.tsv").read_text(encoding="utf-8").splitlines()
    firsts = [lines[i + 1].split("\t")[0] for i, line in enumerate(lines[1:], 1) if line.startswith("#") and i + 1 < len(lines)]
    return [cases[w] for w in firsts]


def hard_set(name: str = "en.tsv") -> list[tuple[str, ...]]:
    """The normalization cases of ``name`` as (written, spoken, other writings of the spoken reading...)."""

    def rows(name: str) -> list[list[str]]:
        lines = (HARD_SET / name).read_text(encoding="utf-8").splitlines()
        return [line.split("\t") for line in lines if line and not line.startswith("#")]

    others: dict[str, list[str]] = {}
    for written, other in rows("en-transcribed.tsv"):
        others.setdefault(written, []).append(other)
    cases = rows(name)
    stray = set(others) - {written for table in EVERY_TABLE for written, _ in rows(table)}
    if stray:
        raise ValueError(f"en-transcribed.tsv names sentences that {' and '.join(EVERY_TABLE)} lack: {sorted(stray)}")
    return [(written, spoken, *others.get(written, [])) for written, spoken in cases]


def closest_reading(readings: list[tuple[str, ...]], hyp: list[str], norm) -> tuple[int, int]:
    """Errors and reference words against the closest reference that takes one form of each sentence.

    ``readings`` holds (written, spoken, other writings...) per sentence of one clip; ``norm`` is a
    text normalizer (Whisper's English one). A recognizer writes some readings as words and others
    as the written form ("Chapter 14", "Henry VIII", "10.30 AM"), so each sentence may match any of
    its forms; a misreading matches none.
    """
    best: tuple[int, int] | None = None
    hyp = [_sound(w) for w in hyp]
    for choice in itertools.product(*[dict.fromkeys(pair) for pair in readings]):
        ref = [_sound(w) for w in norm(" ".join(choice)).split()]
        score = (edit_distance(ref, hyp), len(ref))
        if best is None or score[0] / max(score[1], 1) < best[0] / max(best[1], 1):
            best = score
    return best or (0, 0)


@functools.cache
def _homophones() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (HARD_SET / "homophones.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            words = line.split("\t")
            table.update((w, words[0]) for w in words)
    return table


def _sound(word: str) -> str:
    """``word``, or the first of the words that sound like it (``homophones.tsv``): a recognizer
    cannot tell "four" from "for" by ear, so neither is a misreading of the other."""
    return _homophones().get(word, word)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Word substitutions, insertions and deletions that turn ``ref`` into ``hyp``."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]


def f0_track(audio: np.ndarray, rate: int = RATE, fmin: float = 60.0, fmax: float = 400.0) -> np.ndarray:
    """Pitch in Hz of each voiced 40 ms frame (10 ms hop), by normalized autocorrelation."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    audio = np.asarray(audio, dtype=np.float64)
    if len(audio) < frame:
        return np.zeros(0)
    starts = np.arange(0, len(audio) - frame + 1, hop)
    frames = np.stack([audio[s : s + frame] for s in starts])
    frames = frames - frames.mean(axis=1, keepdims=True)
    energy = np.sqrt(np.mean(frames**2, axis=1))
    # Only frames within 30 dB of the loudest carry a usable pitch.
    loud = energy > energy.max() * 10 ** (-30 / 20)
    size = 1 << (2 * frame - 1).bit_length()
    spectrum = np.fft.rfft(frames * np.hanning(frame), size)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, size)[:, :frame]
    acf = acf / np.maximum(acf[:, :1], 1e-12)
    lo, hi = int(rate / fmax), min(int(rate / fmin), frame - 1)
    out = []
    for k in np.nonzero(loud)[0]:
        r = acf[k, lo : hi + 1]
        best = r.max()
        if best < 0.5:
            continue  # unvoiced
        # The first peak close to the best one, so that twice the period does not win.
        peaks = [i for i in range(1, len(r) - 1) if r[i] >= r[i - 1] and r[i] >= r[i + 1] and r[i] >= 0.85 * best]
        lag = lo + (peaks[0] if peaks else int(r.argmax()))
        out.append(rate / lag)
    return np.array(out)


def median_f0(audio: np.ndarray, rate: int = RATE) -> float:
    """Median pitch in Hz of the voiced frames of ``audio`` (0 when none is voiced)."""
    track = f0_track(audio, rate)
    return float(np.median(track)) if track.size else 0.0
