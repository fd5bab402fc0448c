"""Synthesis: plan items in, a stream of audio chunks out, each knowing where it came from."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterator

import numpy as np

from .cache import ClipCache, unit_key
from .config import MAX_TOKENS, SAMPLE_RATE, Pauses
from .diagnostics import Reporter
from .engines import Engine
from .errors import AudiobookError, SynthesisError
from .plan import Bookmark, ChapterPlan, Insert, Pause, Unit
from .render import TrimSettings, apply_gain, decode_audio_file, silence, trim_clip
from .voicepacks import VoiceLibrary, VoicePack

__all__ = ["Chunk", "Synthesizer", "vocabulary", "MIN_SPEED", "MAX_SPEED"]

log = logging.getLogger(__name__)

MIN_SPEED = 0.5
"""Slowest speed the model renders well."""
MAX_SPEED = 2.0
"""Fastest speed the model renders well."""


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, int]:
    """Kokoro v1.0's phoneme vocabulary: symbol → token id."""
    return json.loads((resources.files("audiobook") / "data" / "vocab.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Chunk:
    """A piece of the output stream."""

    audio: np.ndarray
    """float32 samples at 24 kHz."""
    kind: str
    """``speech``, ``pause``, ``insert``, ``chapter`` (a chapter starts; no audio) or ``mark``."""
    chapter: int
    """Index of the chapter it belongs to."""
    unit: Unit | None = None
    """The unit a speech chunk was made from."""
    title: str | None = None
    """The chapter title, on ``chapter`` chunks."""
    mark: str | None = None
    """The bookmark name, on ``mark`` chunks."""


@dataclass
class Stats:
    """What a run did."""

    units: int = 0
    """Speech units in the plan."""
    synthesized: int = 0
    """Units the model ran for (the rest came from the cache)."""
    compute_s: float = 0.0
    """Seconds spent in the model."""
    audio_s: float = 0.0
    """Seconds of audio produced."""
    voices: set[str] = field(default_factory=set)
    """Voices that spoke."""


class Synthesizer:
    """Turns chapter plans into a stream of chunks, through the cache."""

    def __init__(
        self,
        engine: Engine,
        library: VoiceLibrary,
        cache: ClipCache,
        *,
        default_voice: str,
        speed: float = 1.0,
        pauses: Pauses = Pauses(),
        trim: TrimSettings = TrimSettings(),
        reporter: Reporter | None = None,
        ffmpeg: str | None = None,
    ):
        self.engine = engine
        self.library = library
        self.cache = cache
        self.default_voice = default_voice
        self.speed = speed
        self.pauses = pauses
        self.trim = trim
        self.reporter = reporter or Reporter()
        self.ffmpeg = ffmpeg
        self.stats = Stats()

    def voice_for(self, unit: Unit) -> VoicePack:
        """The pack a unit is spoken with."""
        return self.library.load(unit.voice or self.default_voice)

    def check_voices(self, plans: list[ChapterPlan]) -> None:
        """Load every voice the plan names, so a typo fails now rather than hours into a run."""
        for plan in plans:
            for item in plan.items:
                if isinstance(item, Unit):
                    self.voice_for(item)

    def _speed(self, unit: Unit) -> float:
        speed = self.speed * unit.rate
        if not MIN_SPEED <= speed <= MAX_SPEED:
            clamped = min(max(speed, MIN_SPEED), MAX_SPEED)
            self.reporter.report(
                "speed-clamped", f"speed {speed:.2f} is outside {MIN_SPEED}-{MAX_SPEED}; using {clamped:.2f}", unit.source
            )
            speed = clamped
        return speed

    def raw_clip(self, unit: Unit) -> np.ndarray:
        """The model's audio for a unit (from the cache when it is there), untrimmed."""
        vocab = vocabulary()
        tokens = [vocab[c] for c in unit.phonemes if c in vocab]
        if len(tokens) != len(unit.phonemes):
            # The passes guarantee in-vocabulary phonemes; a gap here is a bug, not user input.
            raise SynthesisError(f"unit holds symbols outside the model's vocabulary: {unit.phonemes!r}")
        if len(tokens) > MAX_TOKENS:
            raise SynthesisError(f"unit of {len(tokens)} tokens exceeds the model's {MAX_TOKENS}")
        pack = self.voice_for(unit)
        speed = self._speed(unit)
        key = unit_key(unit.phonemes, pack.digest, speed, self.engine.name, self.engine.digest)
        audio = self.cache.get(key)
        if audio is None:
            start = time.perf_counter()
            audio = self.engine.synthesize(tokens, pack.style(len(tokens)), speed)
            self.stats.compute_s += time.perf_counter() - start
            self.stats.synthesized += 1
            self.cache.put(key, audio)
        return audio

    def clip(self, unit: Unit) -> np.ndarray:
        """A unit's audio, trimmed to its speech and with its gain applied."""
        audio = trim_clip(self.raw_clip(unit), self.trim)
        if audio.size == 0:
            self.reporter.report("silent-unit", f"the model produced no audible speech for {unit.text!r}", unit.source)
        return apply_gain(audio, unit.gain_db)

    def _insert(self, item: Insert, chapter: int) -> np.ndarray:
        if self.ffmpeg is None:
            from imageio_ffmpeg import get_ffmpeg_exe

            self.ffmpeg = get_ffmpeg_exe()
        try:
            return apply_gain(decode_audio_file(item.src, self.ffmpeg), item.gain_db)
        except AudiobookError as exc:
            self.reporter.report("audio-skipped", f"inserted audio not played: {exc}", item.src)
            return np.zeros(0, dtype=np.float32)

    def stream(self, plans: list[ChapterPlan]) -> Iterator[Chunk]:
        """Chunks for every chapter in order: a ``chapter`` chunk, then its audio."""
        pad_lead = self.trim.lead_ms
        pad_tail = self.trim.tail_ms
        for index, plan in enumerate(plans):
            yield Chunk(np.zeros(0, dtype=np.float32), "chapter", index, title=plan.title)
            items = plan.items
            prev_speech = False
            # A short head so a player's chapter jump does not land on the first phoneme.
            head = 300.0 - (pad_lead if items and isinstance(items[0], Unit) else 0)
            yield Chunk(silence(head), "pause", index)
            for pos, item in enumerate(items):
                if isinstance(item, Unit):
                    self.stats.units += 1
                    audio = self.clip(item)
                    self.stats.audio_s += len(audio) / SAMPLE_RATE
                    self.stats.voices.add(item.voice or self.default_voice)
                    prev_speech = audio.size > 0
                    yield Chunk(audio, "speech", index, unit=item)
                elif isinstance(item, Pause):
                    nxt = items[pos + 1] if pos + 1 < len(items) else None
                    ms = item.ms - (pad_tail if prev_speech else 0) - (pad_lead if isinstance(nxt, Unit) else 0)
                    prev_speech = False
                    yield Chunk(silence(ms), "pause", index)
                elif isinstance(item, Insert):
                    prev_speech = False
                    yield Chunk(self._insert(item, index), "insert", index)
                elif isinstance(item, Bookmark):
                    yield Chunk(np.zeros(0, dtype=np.float32), "mark", index, mark=item.name)
            tail = self.pauses.chapter - (pad_tail if prev_speech else 0)
            yield Chunk(silence(tail), "pause", index)



