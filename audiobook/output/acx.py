"""Audible ACX: its submission rules, the preset ``--acx`` writes, and ``audiobook check``.

ACX states its rules as figures, each measured here on the decoded audio (any format ffmpeg
reads), the loudest channel counting:

- format: MP3, constant bitrate of at least 192 kbps, 44.1 kHz;
- RMS between -23 and -18 dBFS, over the whole file, pauses included;
- peak at most -3 dBFS (sample peak of the decoded file);
- noise floor at most -60 dBFS: the RMS of the quietest half second;
- room tone at the head of 0.5 to 1 s and at the tail of 1 to 5 s: the time before the first and
  after the last 10 ms stretch louder than -50 dBFS;
- at most 120 minutes per file.

The decoded audio is read as a stream, so a long file is checked in constant memory.

The preset (``ACX_*``) writes one MP3 per chapter (192 kbps CBR, 44.1 kHz) with room tone at the
head and tail, and sets each chapter's gain so its RMS is -20 dBFS, in the middle of ACX's range.
Digital silence is replaced by a room-tone bed at -70 dBFS: ACX asks for room tone, not digital
zero, and a bed that quiet stays far below its -60 dBFS noise-floor limit.
"""

from __future__ import annotations

import logging
import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiobook.errors import InputError
from audiobook.output.loudness import db

__all__ = [
    "ACX_BITRATE",
    "ACX_HEAD_MS",
    "ACX_RATE",
    "ACX_RMS",
    "ACX_TAIL_MS",
    "ROOM_TONE_DB",
    "Figures",
    "Rule",
    "check_file",
    "measure_file",
    "rules_for",
]

log = logging.getLogger(__name__)

RMS_RANGE = (-23.0, -18.0)
"""ACX's RMS range, dBFS."""
MAX_PEAK = -3.0
"""ACX's highest peak, dBFS."""
MAX_NOISE_FLOOR = -60.0
"""ACX's highest noise floor, dBFS."""
HEAD_RANGE = (0.5, 1.0)
"""Seconds of room tone ACX wants before the first sound."""
TAIL_RANGE = (1.0, 5.0)
"""Seconds of room tone ACX wants after the last sound."""
MAX_MINUTES = 120.0
"""Longest file ACX takes."""
MIN_BITRATE = 192_000
"""Lowest MP3 bitrate ACX takes, bits per second."""
RATE = 44_100
"""The sample rate ACX takes."""
SOUND_DB = -50.0
"""A 10 ms stretch louder than this (RMS) is sound rather than room tone."""
FLOOR_WINDOW_S = 0.5
"""Window of the noise-floor measurement."""

ACX_RMS = -20.0
"""RMS each chapter of the preset is set to, in dBFS (inside ``RMS_RANGE``)."""
ACX_HEAD_MS = round(1000 * sum(HEAD_RANGE) / 2)
"""Room tone before a chapter's first sound: the middle of ``HEAD_RANGE``."""
ACX_TAIL_MS = (1500, 4000)
"""Shortest and longest room tone after a chapter's last sound (inside ``TAIL_RANGE``)."""
ACX_BITRATE = f"{MIN_BITRATE // 1000}k"
"""The preset's constant bitrate: ACX's lowest."""
ACX_RATE = RATE
"""The preset's sample rate."""
ROOM_TONE_DB = -70.0
"""Level of the room-tone bed laid under the preset's output, dBFS RMS."""


@dataclass(frozen=True)
class Figures:
    """What ``measure_file`` found."""

    duration: float
    """Seconds."""
    rms: float
    """RMS of the whole file in dBFS (the loudest channel)."""
    peak: float
    """Highest sample magnitude in dBFS."""
    noise_floor: float
    """RMS of the quietest half second in dBFS (``-inf`` for digital silence)."""
    head: float
    """Seconds before the first sound."""
    tail: float
    """Seconds after the last sound."""
    codec: str
    """``mp3``, ``aac``, ``flac``… as far as the tags reader can tell, else the file's extension."""
    bitrate: int
    """Bits per second (0 when unknown)."""
    constant_bitrate: bool
    """Whether the bitrate is constant (CBR)."""
    sample_rate: int
    """Hz."""
    channels: int
    """Channel count."""


@dataclass(frozen=True)
class Rule:
    """One requirement checked."""

    name: str
    """Short name: ``format``, ``rms``, ``peak``, ``noise floor``, ``head``, ``tail``, ``length``."""
    passed: bool
    """Whether the file meets it."""
    value: str
    """What was measured."""
    requirement: str
    """What ACX asks for."""


def _stream_info(path: Path) -> tuple[str, int, bool, int, int]:
    """(codec, bitrate, constant, sample rate, channels) from the file's headers, via mutagen."""
    import mutagen
    from mutagen.mp3 import MP3, BitrateMode

    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as err:
        log.info("%s: headers unreadable (%s); measuring the decoded audio only", path, err)
        audio = None
    if audio is None or audio.info is None:
        return path.suffix.lstrip(".").lower(), 0, False, 0, 0
    info = audio.info
    if isinstance(audio, MP3):
        # LAME writes an "Info" header for CBR files; without any header, equal frames mean CBR too.
        constant = info.bitrate_mode in (BitrateMode.CBR, BitrateMode.UNKNOWN)
        return "mp3", int(info.bitrate), constant, int(info.sample_rate), int(info.channels)
    codec = type(audio).__name__.lower().replace("ogg", "")
    return codec, int(getattr(info, "bitrate", 0) or 0), False, int(getattr(info, "sample_rate", 0) or 0), int(
        getattr(info, "channels", 0) or 0
    )


class _Scan:
    """The running figures of decoded audio, in constant memory."""

    def __init__(self, rate: int, channels: int):
        self.rate = rate
        self.channels = channels
        self.frame = max(1, rate // 100)  # 10 ms
        self.window = round(FLOOR_WINDOW_S * 100)  # frames per noise-floor window
        self.total = 0
        self.sum_squares = np.zeros(channels)
        self.peak = 0.0
        self.carry = np.zeros((0, channels))
        self.frames = 0
        self.first_loud: int | None = None
        self.last_loud = -1
        self.recent = np.zeros(0)  # the last window-1 frame energies, for windows across reads
        self.quietest = math.inf
        self.energy = 0.0

    def feed(self, x: np.ndarray) -> None:
        self.total += len(x)
        self.sum_squares += np.einsum("ij,ij->j", x, x, dtype=np.float64)
        if len(x):
            self.peak = max(self.peak, float(np.abs(x).max()))
        joined = np.concatenate([self.carry, x])
        whole = len(joined) // self.frame
        self.carry = joined[whole * self.frame :]
        if not whole:
            return
        frames = joined[: whole * self.frame].astype(np.float64).reshape(whole, self.frame, self.channels)
        energy = (frames**2).sum(axis=1).max(axis=1)  # the loudest channel of each 10 ms frame
        loud = np.flatnonzero(10 * np.log10(energy / self.frame + 1e-20) > SOUND_DB)
        if loud.size:
            if self.first_loud is None:
                self.first_loud = self.frames + int(loud[0])
            self.last_loud = self.frames + int(loud[-1])
        self.frames += whole
        self.energy += float(energy.sum())
        joined_energy = np.concatenate([self.recent, energy])
        if len(joined_energy) >= self.window:
            c = np.concatenate([[0.0], np.cumsum(joined_energy)])
            self.quietest = min(self.quietest, float((c[self.window :] - c[: -self.window]).min()))
        self.recent = joined_energy[-(self.window - 1) :]

    def figures(self, codec: str, bitrate: int, constant: bool) -> Figures:
        duration = self.total / self.rate
        step = self.frame / self.rate
        if math.isinf(self.quietest):  # shorter than one window: the whole file is the window
            quietest = self.energy / max(1, self.frames * self.frame)
        else:
            quietest = self.quietest / (self.window * self.frame)
        return Figures(
            duration=duration,
            rms=max(db(float(s) / self.total) for s in self.sum_squares),
            peak=20 * math.log10(self.peak) if self.peak > 0 else -math.inf,
            noise_floor=db(quietest),
            head=self.first_loud * step if self.first_loud is not None else duration,
            tail=duration - (self.last_loud + 1) * step if self.first_loud is not None else duration,
            codec=codec,
            bitrate=bitrate,
            constant_bitrate=constant,
            sample_rate=self.rate,
            channels=self.channels,
        )


def measure_file(path: Path) -> Figures:
    """Decode ``path`` with ffmpeg and measure the ACX figures."""
    from imageio_ffmpeg import get_ffmpeg_exe

    path = Path(path)
    if not path.is_file():
        raise InputError("no such file; check the path", str(path))
    codec, bitrate, constant, rate, channels = _stream_info(path)
    scan = _Scan(rate or RATE, channels or 1)
    cmd = [get_ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0",
           "-f", "f32le", "-ac", str(scan.channels), "-ar", str(scan.rate), "-"]
    # ffmpeg's messages go to a file, never to a pipe nobody reads while the audio is read.
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors)
        except OSError as err:
            raise InputError(f"cannot run ffmpeg: {err}", str(path)) from err
        with proc:
            stdout = proc.stdout
            if stdout is None:
                raise InputError("cannot read ffmpeg's output", str(path))
            sample = 4 * scan.channels
            while data := stdout.read(scan.rate * sample):  # a second at a time
                scan.feed(np.frombuffer(data[: len(data) - len(data) % sample], dtype="<f4").reshape(-1, scan.channels))
            code = proc.wait()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip()
    if code != 0 or scan.total == 0:
        raise InputError(f"cannot decode audio: {message.splitlines()[-1] if message else 'no audio stream'}", str(path))
    return scan.figures(codec, bitrate, constant)


def _dbfs(value: float) -> str:
    return "digital silence" if value == -math.inf else f"{value:.1f} dBFS"


def rules_for(f: Figures) -> list[Rule]:
    """Each ACX rule applied to measured figures."""
    kbps = f"{round(f.bitrate / 1000)} kbps {'CBR' if f.constant_bitrate else 'VBR/ABR'}" if f.bitrate else "unknown bitrate"
    return [
        Rule(
            "format",
            # Headers of short files give the bitrate from their size, a few bits per second off.
            f.codec == "mp3" and f.constant_bitrate and round(f.bitrate / 1000) * 1000 >= MIN_BITRATE
            and f.sample_rate == RATE,
            f"{f.codec.upper()} {kbps}, {f.sample_rate} Hz, {f.channels} channel{'s' if f.channels != 1 else ''}",
            f"MP3, CBR ≥ {MIN_BITRATE // 1000} kbps, {RATE} Hz",
        ),
        Rule("rms", RMS_RANGE[0] <= f.rms <= RMS_RANGE[1], _dbfs(f.rms), f"{RMS_RANGE[0]:g} to {RMS_RANGE[1]:g} dBFS"),
        Rule("peak", f.peak <= MAX_PEAK, _dbfs(f.peak), f"≤ {MAX_PEAK:g} dBFS"),
        Rule("noise floor", f.noise_floor <= MAX_NOISE_FLOOR, _dbfs(f.noise_floor), f"≤ {MAX_NOISE_FLOOR:g} dBFS"),
        Rule("head", HEAD_RANGE[0] <= f.head <= HEAD_RANGE[1], f"{f.head:.2f} s of room tone",
             f"{HEAD_RANGE[0]:g}-{HEAD_RANGE[1]:g} s"),
        Rule("tail", TAIL_RANGE[0] <= f.tail <= TAIL_RANGE[1], f"{f.tail:.2f} s of room tone",
             f"{TAIL_RANGE[0]:g}-{TAIL_RANGE[1]:g} s"),
        Rule("length", f.duration <= MAX_MINUTES * 60, f"{f.duration / 60:.1f} min", f"≤ {MAX_MINUTES:g} min"),
    ]


def check_file(path: Path) -> list[Rule]:
    """Measure ``path`` and apply every ACX rule."""
    return rules_for(measure_file(path))
