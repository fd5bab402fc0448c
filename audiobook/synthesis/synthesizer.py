"""Synthesis: plan items in, a stream of audio chunks out, each knowing where it came from."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from audiobook.config import MAX_TOKENS, SAMPLE_RATE, Pauses
from audiobook.diagnostics import Reporter
from audiobook.errors import AudiobookError, SynthesisError
from audiobook.model import beep_ms, is_beep
from audiobook.plan import Bookmark, ChapterPlan, Insert, Pause, Unit
from audiobook.synthesis.cache import ClipCache, unit_key
from audiobook.synthesis.clips import (
    MAX_INSERT_SECONDS,
    TrimSettings,
    apply_gain,
    decode_audio_file,
    silence,
    trim_clip,
    trim_range,
)
from audiobook.synthesis.effects import MAX_PITCH_ST, beep, pitch_factor, shift_pitch
from audiobook.synthesis.engines import FRAME_SAMPLES, Engine, Rendered, render_tokens
from audiobook.vocab import token_ids
from audiobook.words import word_spans
from voices.choice import matching_voice, voice_language
from voices.packs import VoiceLibrary, VoicePack

__all__ = ["Chunk", "WordTime", "Synthesizer", "MIN_SPEED", "MAX_SPEED", "word_times"]

log = logging.getLogger(__name__)

MIN_SPEED = 0.5
"""Slowest speed the model renders well."""
MAX_SPEED = 2.0
"""Fastest speed the model renders well."""


@dataclass(frozen=True)
class WordTime:
    """Where one written word is spoken in a clip."""

    text: str
    """The word as written."""
    start: int
    """First sample, counted from the start of the clip."""
    end: int
    """One past its last sample."""


def word_times(unit: Unit, durations: np.ndarray, head: int, length: int, factor: float = 1.0) -> tuple[WordTime, ...]:
    """Each word of ``unit`` placed in its rendered clip.

    ``durations`` are the model's frames per id (pads included); ``head`` is the number of samples
    trimming cut from the start of the model's audio; ``length`` the rendered clip's length;
    ``factor`` the pitch shift's resampling factor (the clip was shortened by it).
    """
    ends = np.cumsum(np.asarray(durations, dtype=np.int64)) * FRAME_SAMPLES
    count = len(ends) - 2  # tokens, without the two pads
    out = []
    for span in word_spans(unit.phonemes, unit.text, unit.written):
        if span.end > count or span.first >= span.end:
            continue
        # Id k (0 = the leading pad) spans [ends[k-1], ends[k]); token i is id i + 1.
        start = (int(ends[span.first]) - head) / factor
        end = (int(ends[span.end]) - head) / factor
        start_i = min(max(0, round(start)), length)
        end_i = min(max(start_i, round(end)), length)
        out.append(WordTime(span.text, start_i, end_i))
    return tuple(out)


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
    mark_word: int | None = None
    """On ``mark`` chunks: written words of the next speech chunk said before the mark."""
    words: tuple[WordTime, ...] = ()
    """Where each word of a speech chunk is spoken in ``audio`` (empty when the engine gives no durations)."""
    item: int | None = None
    """On ``speech`` chunks: the unit's position among its chapter's plan items."""


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
        pinned: bool = True,
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
        self.pinned = pinned
        """When False, units in another language than the default voice's get a voice of theirs."""
        self.notices: list[str] = []
        """Voice switches made for languages, one line each, for the user."""
        self._by_lang: dict[str, str] = {}
        self.words = False
        """Word timings are wanted: a cached clip stored without its durations is synthesized again."""

    def voice_name(self, unit: Unit) -> str:
        """The voice a unit is spoken with: its own, else the default or one of the unit's language."""
        if unit.voice:
            return unit.voice
        if self.pinned:
            return self.default_voice
        if unit.lang not in self._by_lang:
            found = matching_voice(self.default_voice, unit.lang, self.library)
            self._by_lang[unit.lang] = found or self.default_voice
            if found:
                self.notices.append(
                    f"{found} reads the {unit.lang} text ({self.default_voice} speaks "
                    f"{voice_language(self.default_voice)}; pin a voice with --voice to keep it)"
                )
        return self._by_lang[unit.lang]

    def voice_for(self, unit: Unit) -> VoicePack:
        """The pack a unit is spoken with."""
        return self.library.load(self.voice_name(unit))

    def check_voices(self, plans: Sequence[ChapterPlan]) -> None:
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

    def raw_clip(self, unit: Unit, speed: float | None = None) -> np.ndarray:
        """The model's audio for a unit at ``speed`` (default: the unit's), from the cache when it is there, untrimmed."""
        return self.rendered(unit, speed).audio

    def rendered(self, unit: Unit, speed: float | None = None) -> Rendered:
        """The model's audio and durations for a unit, from the cache when they are there, untrimmed."""
        vocab = token_ids()
        tokens = [vocab[c] for c in unit.phonemes if c in vocab]
        if len(tokens) != len(unit.phonemes):
            # The passes guarantee in-vocabulary phonemes; a gap here is a bug, not user input.
            raise SynthesisError(f"unit holds symbols outside the model's vocabulary: {unit.phonemes!r}")
        if len(tokens) > MAX_TOKENS:
            raise SynthesisError(f"unit of {len(tokens)} tokens exceeds the model's {MAX_TOKENS}")
        pack = self.voice_for(unit)
        speed = self._speed(unit) if speed is None else speed
        key = unit_key(unit.phonemes, pack.digest, speed, self.engine.name, self.engine.digest)
        audio = self.cache.get(key)
        if audio is not None:
            durations = self.cache.get_durations(key)
            if durations is not None or not self.words or not hasattr(self.engine, "render"):
                return Rendered(audio, durations)
        start = time.perf_counter()
        result = render_tokens(self.engine, tokens, pack.style(len(tokens)), speed)
        self.stats.compute_s += time.perf_counter() - start
        self.stats.synthesized += 1
        self.cache.put(key, result.audio, result.durations)
        return result

    def clip(self, unit: Unit) -> np.ndarray:
        """A unit's audio: trimmed to its speech, fitted to its duration, pitch-shifted, with its gain."""
        return self.clip_words(unit)[0]

    def clip_words(self, unit: Unit) -> tuple[np.ndarray, tuple[WordTime, ...]]:
        """A unit's audio (as ``clip``) and where each of its words is spoken in it."""
        speed = self._speed(unit)
        if abs(unit.pitch) > MAX_PITCH_ST:
            self.reporter.report(
                "pitch-clamped", f"pitch shift {unit.pitch:+.1f} st is beyond ±{MAX_PITCH_ST:.0f} st; clamped", unit.source
            )
        audio, words = self._speech(unit, speed)
        if unit.duration_ms and audio.size:
            audio, words = self._fit(unit, speed, audio, words)
        if audio.size == 0:
            self.reporter.report("silent-unit", f"the model produced no audible speech for {unit.text!r}", unit.source)
        return apply_gain(audio, unit.gain_db), words

    def _speech(self, unit: Unit, speed: float) -> tuple[np.ndarray, tuple[WordTime, ...]]:
        # A pitch shift resamples the clip, which also shortens it by the same factor: the model
        # reads that much slower first, so the duration comes out unchanged.
        factor = pitch_factor(unit.pitch)
        model_speed = min(max(speed / factor, MIN_SPEED), MAX_SPEED)
        raw = self.rendered(unit, model_speed)
        kept = trim_range(raw.audio, self.trim)
        audio = trim_clip(raw.audio, self.trim)
        if factor != 1.0:
            audio = shift_pitch(audio, factor)
        words: tuple[WordTime, ...] = ()
        if raw.durations is not None and kept is not None:
            words = word_times(unit, raw.durations, kept[0], audio.size, factor)
        return audio, words

    def _fit(
        self, unit: Unit, speed: float, audio: np.ndarray, words: tuple[WordTime, ...]
    ) -> tuple[np.ndarray, tuple[WordTime, ...]]:
        """Re-synthesize at the speed that makes the unit last ``unit.duration_ms`` (two tries at most)."""
        target = (unit.duration_ms or 0) * SAMPLE_RATE / 1000
        for _ in range(2):
            if abs(audio.size - target) <= 0.03 * target:
                break
            wanted = min(max(speed * audio.size / target, MIN_SPEED), MAX_SPEED)
            if abs(wanted - speed) < 1e-3:
                break
            speed = wanted
            audio, words = self._speech(unit, speed)
        if abs(audio.size - target) > 0.1 * target:
            self.reporter.report(
                "duration-unreachable",
                f"{unit.text[:40]!r} takes {audio.size / SAMPLE_RATE:.2f} s, not the {target / SAMPLE_RATE:.2f} s asked "
                f"for (speed stays within {MIN_SPEED}-{MAX_SPEED})",
                unit.source,
            )
        return audio, words

    def _insert(self, item: Insert, chapter: int) -> np.ndarray:
        if is_beep(item.src):
            return apply_gain(beep(beep_ms(item.src)), item.gain_db)
        if self.ffmpeg is None:
            from imageio_ffmpeg import get_ffmpeg_exe

            self.ffmpeg = get_ffmpeg_exe()
        try:
            audio, cut = decode_audio_file(item.src, self.ffmpeg)
            # Said once, though the loudness passes decode the file twice.
            if cut and not any(r.code == "audio-cut" and r.where == item.src for r in self.reporter.reports):
                self.reporter.report(
                    "audio-cut",
                    f"inserted audio is longer than {MAX_INSERT_SECONDS} s; only its first {MAX_INSERT_SECONDS} s are played",
                    item.src,
                )
            return apply_gain(audio, item.gain_db)
        except AudiobookError as exc:
            self.reporter.report("audio-skipped", f"inserted audio not played: {exc}", item.src)
            return np.zeros(0, dtype=np.float32)

    def stream(self, plans: Sequence[ChapterPlan]) -> Iterator[Chunk]:
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
                    audio, words = self.clip_words(item)
                    self.stats.audio_s += len(audio) / SAMPLE_RATE
                    self.stats.voices.add(self.voice_name(item))
                    prev_speech = audio.size > 0
                    yield Chunk(audio, "speech", index, unit=item, words=words, item=pos)
                elif isinstance(item, Pause):
                    nxt = items[pos + 1] if pos + 1 < len(items) else None
                    ms = item.ms - (pad_tail if prev_speech else 0) - (pad_lead if isinstance(nxt, Unit) else 0)
                    prev_speech = False
                    yield Chunk(silence(ms), "pause", index)
                elif isinstance(item, Insert):
                    prev_speech = False
                    yield Chunk(self._insert(item, index), "insert", index)
                elif isinstance(item, Bookmark):
                    yield Chunk(np.zeros(0, dtype=np.float32), "mark", index, mark=item.name, mark_word=item.word)
            tail = self.pauses.chapter - (pad_tail if prev_speech else 0)
            yield Chunk(silence(tail), "pause", index)



