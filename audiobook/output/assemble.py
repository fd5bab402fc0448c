"""The output side of a conversion: loudness, files, chapters, subtitles and timings.

Loudness is normalized in two passes over the chunk stream, so the book is never held in memory.
The first pass synthesizes every unit (into the clip cache) and only measures: one EBU R128 meter
per voice and one for the whole book. The second pass streams the same chunks again from the cache,
applies each voice's gain (voices end up equally loud, at the target), limits true peaks, and
writes. With ``--no-cache`` a temporary cache holds the clips between the passes.

The ``--acx`` preset (its figures live in ``acx``, beside the rules they satisfy) writes one MP3
per chapter with room tone at the head and tail and each chapter's RMS set to the preset's level.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.config import SAMPLE_RATE
from audiobook.errors import EncodingError, InputError
from audiobook.model import Metadata
from audiobook.output.acx import (
    ACX_BITRATE,
    ACX_HEAD_MS,
    ACX_RATE,
    ACX_RMS,
    ACX_TAIL_MS,
    ROOM_TONE_DB,
)
from audiobook.output.loudness import (
    TARGET_LUFS,
    LimiterForecast,
    Loudness,
    LoudnessMeter,
    db,
    limit,
    room_tone,
)
from audiobook.output.timings import SUBTITLE_FORMATS, Cue, write_json, write_subtitles
from audiobook.output.writers import AudioWriter, format_for, open_writer
from audiobook.output.writers.base import partial_path, remove_stale_partials
from audiobook.plan import Unit
from audiobook.synthesis.cache import ClipCache
from audiobook.synthesis.clips import apply_gain
from audiobook.synthesis.synthesizer import Chunk, Stats, Synthesizer

__all__ = [
    "OutputOptions",
    "Placed",
    "Written",
    "GainPlan",
    "write_audiobook",
    "check_output_options",
    "check_output_paths",
    "output_paths",
    "part_name",
]

log = logging.getLogger(__name__)

MAX_GAIN_DB = 30.0
"""Largest correction normalization applies either way; a louder or quieter source is reported."""

Sink = Callable[[Chunk], None]
Progress = Callable[[int, int, float], None]
Render = Callable[[Sink, Progress | None], None]
"""Runs the synthesizer over the whole book, handing each chunk to the sink."""
VoiceOf = Callable[[Unit], str]
"""The voice a unit is spoken with."""


@dataclass(frozen=True)
class OutputOptions:
    """What a conversion writes besides the audio itself."""

    normalize: bool = True
    """Normalize loudness (two passes over the stream)."""
    loudness: float = TARGET_LUFS
    """Integrated loudness target in LUFS."""
    acx: bool = False
    """Audible ACX preset: one MP3 per chapter, ACX levels and room tone."""
    split_chapters: bool = False
    """One file per chapter, in a folder named after the output."""
    subtitles: str | None = None
    """``srt`` or ``vtt``: sentence subtitles beside each audio file."""
    timings: Path | None = None
    """Where to write the JSON timing file (sentences with their words, marks, chapters)."""
    words: bool = False
    """WebVTT subtitles carry a timestamp before every word (karaoke style); needs ``subtitles="vtt"``."""
    read_along: bool = False
    """Write a read-along EPUB 3 (text, chapter audio, media overlays) instead of an audio file."""
    bitrate: str | None = None
    """Encoder bitrate; ``None``: the writer's default."""


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a sentence or a mark landed in the output."""

    chapter: int
    """Chapter index."""
    start: int
    """First sample, counted over the whole book (all files one after another)."""
    end: int
    """One past the last sample (``start`` for a mark)."""
    text: str
    """The sentence's text, or the mark's name."""
    source: str | None
    """Where the text stood in the input (``file:line:column`` or a chapter), when known."""
    file: Path
    """The audio file it is in."""
    offset: int
    """Where ``file`` starts in the whole book, in samples."""
    words: tuple[tuple[str, int, int], ...] = ()
    """(written word, first sample, one past its last) of each word of a sentence, over the whole book."""
    item: int | None = None
    """A sentence's position among its chapter's plan items (``None`` for a mark): what the
    read-along book matches its text by."""


@dataclass
class Written:
    """What the output side produced."""

    output: Path
    """The file written, or the folder of files for a split book."""
    files: list[Path]
    """Every audio file written, in order."""
    samples: int
    """Samples over all files."""
    chapters: list[tuple[str, int]]
    """(title, first sample over the whole book) per chapter."""
    sentences: list[Placed]
    """Each spoken unit."""
    marks: list[Placed]
    """Each SSML mark."""
    loudness: Loudness
    """Figures of the audio as written (before the encoder)."""
    gains: dict[str, float] = field(default_factory=dict)
    """Gain applied per voice (and to inserted audio), dB."""


@dataclass(frozen=True)
class GainPlan:
    """The gains the writing pass applies."""

    voices: dict[str, float]
    """Gain per voice key (``voice:NAME``, ``insert``), dB."""
    default: float
    """Gain for anything not measured on its own: the whole book's correction, dB."""
    chapters: dict[int, float]
    """Extra gain per chapter (the ACX RMS setting), dB."""

    def gain(self, key: str | None, chapter: int) -> float:
        """Total gain for a chunk of ``key`` in ``chapter``."""
        base = self.voices.get(key, self.default) if key else self.default
        return base + self.chapters.get(chapter, 0.0)


def check_output_options(options: OutputOptions) -> None:
    """Reject contradictory or unknown output options before any synthesis starts."""
    if options.acx and not options.normalize:
        raise InputError("--acx sets the levels ACX requires; drop --no-normalize")
    if options.subtitles is not None and options.subtitles not in SUBTITLE_FORMATS:
        raise InputError(f"unknown subtitle format {options.subtitles!r}; use one of: {', '.join(SUBTITLE_FORMATS)}")
    if options.read_along and (options.subtitles or options.timings or options.acx or options.split_chapters):
        raise InputError(
            "a read-along EPUB carries its timings in its media overlays: drop --subtitles, --timings, "
            "--acx and --split-chapters, or write an audio file"
        )
    if options.words and options.subtitles != "vtt":
        raise InputError("--words times each word in WebVTT subtitles: add --subtitles vtt (SRT stays sentence-level)")
    if not -60.0 <= options.loudness <= -5.0:
        raise InputError(f"--loudness {options.loudness} is outside -60 to -5 LUFS; pick a target such as -18")


def output_paths(output: Path, options: OutputOptions) -> dict[str, Path]:
    """Every path a conversion writes under its final name, by what it is: the audio file (or the
    folder of a split book), the subtitles beside a single file, the timing file."""
    paths: dict[str, Path] = {}
    if options.read_along:
        paths["the read-along book"] = output
    elif options.split_chapters or options.acx:
        paths["the chapter folder"] = _split_folder(output)
    else:
        paths["the audio output"] = output
        if options.subtitles:
            paths["the subtitles"] = output.with_suffix(f".{options.subtitles}")
    if options.timings is not None:
        paths["the timing file"] = options.timings
    return paths


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            # Hard links and links to the same file are the same file, whatever their names.
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _check_writable(what: str, path: Path, folder_output: bool) -> None:
    """``path`` can be created or replaced: its folder exists and takes a new file."""
    if path.is_dir() and not folder_output:
        raise EncodingError(f"cannot write {what} {path}: it is a folder; name a file")
    if path.exists() and not path.is_dir() and not path.is_file():
        raise EncodingError(f"cannot write {what} {path}: it is not a regular file (a device or a pipe)")
    if folder_output and path.exists() and not path.is_dir():
        raise EncodingError(f"cannot write the chapters into {path}: a file has that name; move it or choose another output path")
    folder = path.parent
    if not folder.is_dir():
        raise EncodingError(f"cannot write {what} {path}: folder {folder} does not exist; create it or choose another output path")
    # Asking the file system is the only sure test (/proc, read-only mounts, permissions as root).
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name[:40]}.", suffix=".probe"):
            pass
    except OSError as err:
        raise EncodingError(f"cannot write {what} {path}: {err.strerror or err}; choose another output path") from err


def check_output_paths(input_path: Path, output: Path, options: OutputOptions) -> None:
    """Every file a conversion writes, checked before anything is read or synthesized: none may be
    the input or another of them, and each must be writable where it is named."""
    check_output_options(options)
    if not (options.acx or options.split_chapters or options.read_along):
        format_for(output)
    paths = output_paths(output, options)
    named = list(paths.items())
    for i, (what, path) in enumerate(named):
        if _same_file(path, input_path):
            raise InputError(f"{what} {path} is the input; choose another name so the input is not overwritten")
        for other, other_path in named[:i]:
            if _same_file(path, other_path):
                raise InputError(f"{what} and {other} are both {path}; give them different names")
        _check_writable(what, path, folder_output=what == "the chapter folder")


def _voice_key(chunk: Chunk, voice_of: VoiceOf) -> str | None:
    if chunk.kind == "speech":
        return f"voice:{voice_of(chunk.unit) if chunk.unit else ''}"
    if chunk.kind == "insert":
        return "insert"
    return None  # pauses: silence, whatever the gain


def _clamp_gain(gain: float, what: str) -> float:
    if abs(gain) > MAX_GAIN_DB:
        log.warning("%s needs %.1f dB to reach the target; applying %.0f dB", what, gain, math.copysign(MAX_GAIN_DB, gain))
        return math.copysign(MAX_GAIN_DB, gain)
    return gain


_PIECE = 30 * SAMPLE_RATE
"""Samples measured or encoded at a time: the meters and the encoder's conversion take memory in
proportion to what they are handed, and a long inserted file or pause must not multiply it."""


def _pieces(audio: np.ndarray) -> list[np.ndarray]:
    """``audio`` in consecutive views of at most ``_PIECE`` samples (no copy)."""
    return [audio[i : i + _PIECE] for i in range(0, audio.size, _PIECE)] or [audio]


class _Gaps:
    """Where silence goes: a pause waits for the next sound, so ACX can set heads and tails.

    Without ACX every pause is written as it came; with ACX a chapter's leading silence becomes
    ``ACX_HEAD_MS`` and its trailing silence is held within ``ACX_TAIL_MS``.
    """

    def __init__(self, acx: bool):
        self.acx = acx
        self.pending = 0
        self.started = False

    def pause(self, samples: int) -> None:
        """A pause came: it is written before the next sound."""
        self.pending += samples

    def before_sound(self) -> int:
        """Samples of silence to write before a sound (or a mark) now."""
        samples, self.pending = self.pending, 0
        if self.acx and not self.started:
            samples = ACX_HEAD_MS * SAMPLE_RATE // 1000
        self.started = True
        return samples

    def end_chapter(self) -> int:
        """Samples of silence to write at the end of a chapter."""
        samples, self.pending = self.pending, 0
        if self.acx:
            low, high = (ms * SAMPLE_RATE // 1000 for ms in ACX_TAIL_MS)
            samples = min(max(samples, low), high)
        self.started = False
        return samples


class _Survey:
    """The measuring pass: a loudness meter per voice and for the book, energy per chapter."""

    def __init__(self, voice_of: VoiceOf, acx: bool):
        self.voice_of = voice_of
        # The gains need loudness only: the true peak is the limiter's business.
        self.book = LoudnessMeter(SAMPLE_RATE, true_peak=False)
        self.voices: dict[str, LoudnessMeter] = {}
        self.forecasts: dict[str, LimiterForecast] = {}
        self.energy: dict[tuple[int, str], float] = defaultdict(float)
        self.samples: dict[int, int] = defaultdict(int)
        """Samples per chapter as they will be written (with ACX's heads and tails)."""
        self.gaps = _Gaps(acx)
        self.chapter = -1
        self.last: str | None = None

    def __call__(self, chunk: Chunk) -> None:
        if chunk.kind == "chapter":
            self._end_chapter()
            self.chapter = chunk.chapter
            return
        x = chunk.audio
        if chunk.kind == "pause":
            self.gaps.pause(x.size)
        elif x.size:
            self.samples[self.chapter] += self.gaps.before_sound() + x.size
        if not x.size:
            return
        key = _voice_key(chunk, self.voice_of)
        meters = [self.book]
        if key is None:
            # A pause is measured with the voice before it, so each voice's meter gates its
            # sentences and their gaps the way the whole book's meter does.
            meters += [self.voices[self.last]] if self.last in self.voices else []
        else:
            self.last = key
            meters.append(self.voices.setdefault(key, LoudnessMeter(SAMPLE_RATE, true_peak=False)))
            meters.append(self.forecasts.setdefault(key, LimiterForecast(SAMPLE_RATE)))
        for piece in _pieces(x):
            for meter in meters:
                meter.feed(piece)
        if key is None:
            return
        self.energy[(self.chapter, key)] += float(np.einsum("i,i->", x, x, dtype=np.float64))

    def _end_chapter(self) -> None:
        if self.chapter >= 0:
            self.samples[self.chapter] += self.gaps.end_chapter()

    def plan(self, options: OutputOptions) -> GainPlan:
        """The gains for the writing pass, once the whole book has been measured."""
        self._end_chapter()
        self.chapter = -1
        book = self.book.integrated()
        default = _clamp_gain(options.loudness - book, "the book") if math.isfinite(book) else 0.0
        voices: dict[str, float] = {}
        for key, meter in self.voices.items():
            level = meter.integrated()
            if math.isfinite(level):
                # A little more gain makes up for what the limiter will take from the peaks.
                voices[key] = _clamp_gain(self.forecasts[key].gain_for(options.loudness - level), key)
            else:
                voices[key] = default
            log.info("%s: %.1f LUFS, gain %+.1f dB", key, level, voices[key])
        chapters: dict[int, float] = {}
        if options.acx:
            for chapter, samples in self.samples.items():
                parts = [(e, voices.get(k, default), self.forecasts[k]) for (c, k), e in self.energy.items() if c == chapter]
                chapters[chapter] = _chapter_gain(parts, samples, chapter)
        return GainPlan(voices, default, chapters)


def _chapter_gain(parts: list[tuple[float, float, LimiterForecast]], samples: int, chapter: int) -> float:
    """The extra gain that sets a chapter's RMS to ``ACX_RMS``, the limiter's share included."""

    def rms(extra: float) -> float:
        energy = sum(e * 10 ** ((g + extra + forecast.loss_db(g + extra)) / 10) for e, g, forecast in parts)
        return db(energy / samples) if samples else -math.inf

    if not parts or not math.isfinite(rms(0.0)):
        return 0.0
    low, high = -MAX_GAIN_DB, MAX_GAIN_DB
    if rms(high) < ACX_RMS:
        log.warning("chapter %d stays below ACX's RMS even %.0f dB louder", chapter + 1, MAX_GAIN_DB)
        return high
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if rms(mid) < ACX_RMS else (low, mid)
    return (low + high) / 2


def part_name(index: int, count: int, title: str, suffix: str) -> str:
    """File name of chapter ``index`` of ``count`` in a split book: ``03 - The Storm.mp3``."""
    width = max(2, len(str(count)))
    # Characters that are illegal or awkward on common file systems become spaces.
    safe = re.sub(r'[\x00-\x1f/\\:*?"<>|]+', " ", title)
    safe = re.sub(r"\s+", " ", safe).strip(" .")[:80].rstrip(" .")
    name = f"{index + 1:0{width}d}"
    return f"{name} - {safe}{suffix}" if safe else f"{name}{suffix}"


class _Assembler:
    """The writing pass: gains, limiter, room tone, files, and where everything landed."""

    def __init__(
        self,
        output: Path,
        meta: Metadata,
        options: OutputOptions,
        chapter_count: int,
        voice_of: VoiceOf,
        plan: GainPlan | None,
    ):
        self.meta = meta
        self.options = options
        self.count = chapter_count
        self.voice_of = voice_of
        self.plan = plan
        self.acx = options.acx
        self.split = options.split_chapters or options.acx
        self.fmt = "mp3" if self.acx else format_for(output)
        self.suffix = ".mp3" if self.acx else output.suffix
        self.bitrate = ACX_BITRATE if self.acx else options.bitrate
        self.out_rate = ACX_RATE if self.acx else None
        self.meter = LoudnessMeter(SAMPLE_RATE)
        self.rng = np.random.default_rng(20_250_101)
        self.position = 0
        self.chapter = -1
        self.gaps = _Gaps(self.acx)
        self.writer: AudioWriter | None = None
        self.file: Path = output
        self.file_start = 0
        self.files: list[Path] = []
        self.chapters: list[tuple[str, int]] = []
        self.sentences: list[Placed] = []
        self.marks: list[Placed] = []
        self.inner_marks: list[Chunk] = []
        if self.split:
            self.final = _split_folder(output)
            self.folder = partial_path(self.final)
            _check_folder(self.final)
            # Folders left by killed runs hold nothing worth keeping: every part is rewritten. A
            # run still writing the same book keeps its own folder.
            remove_stale_partials(self.final)
            shutil.rmtree(self.folder, ignore_errors=True)
            try:
                self.folder.mkdir()
            except OSError as err:
                raise EncodingError(f"cannot write {self.final}: {err.strerror or err}") from err
        else:
            self.final = output
            self.writer = open_writer(output, meta, fmt=self.fmt, bitrate=self.bitrate)
            self.files.append(output)

    # -- the chunk stream ---------------------------------------------------------------------

    def __call__(self, chunk: Chunk) -> None:
        if chunk.kind == "chapter":
            self._end_chapter()
            self._start_chapter(chunk.chapter, chunk.title or f"Chapter {chunk.chapter + 1}")
        elif chunk.kind == "mark" and chunk.mark_word:
            # Between two words of the next sentence: placed when that sentence's words are known.
            self.inner_marks.append(chunk)
        elif chunk.kind == "mark":
            self._flush_pause()
            self.marks.append(
                Placed(chunk.chapter, self.position, self.position, chunk.mark or "", None, self.file, self.file_start)
            )
        elif chunk.kind == "pause":
            self.gaps.pause(chunk.audio.size)
        elif chunk.audio.size:
            self._flush_pause()
            start = self.position
            self._write(self._level(chunk))
            if chunk.kind == "speech" and chunk.unit is not None:
                self._place_inner_marks(chunk, start)
                words = tuple((w.text, start + w.start, start + w.end) for w in chunk.words)
                self.sentences.append(
                    Placed(chunk.chapter, start, self.position, chunk.unit.text, chunk.unit.source, self.file,
                           self.file_start, words, chunk.item)
                )

    def _level(self, chunk: Chunk) -> np.ndarray:
        if self.plan is None:
            return chunk.audio
        gain = self.plan.gain(_voice_key(chunk, self.voice_of), chunk.chapter)
        # Each clip is limited whole: clips begin and end in quiet, so no peak spans two of them.
        return limit(apply_gain(chunk.audio, gain), SAMPLE_RATE)

    def _write(self, audio: np.ndarray) -> None:
        if not audio.size or self.writer is None:
            return
        for piece in _pieces(audio):
            self.meter.feed(piece)
            if self.acx:
                piece = piece + room_tone(piece.size, ROOM_TONE_DB, self.rng)
            self.writer.write(piece)
            self.position += piece.size

    def _place_inner_marks(self, chunk: Chunk, start: int) -> None:
        """Time the marks that stand between words of ``chunk`` at the start of the word after each."""
        unit = chunk.unit
        for mark in self.inner_marks:
            n = mark.mark_word or 0
            at = None
            before = 0
            for w in chunk.words:  # from the model's durations: exact
                if before >= n:
                    at = start + w.start
                    break
                before += len(w.text.split())
            if at is None:
                # No word timings (or the mark is past the last timed word): by the share of words.
                total = max(1, sum(1 for w in (unit.written or unit.text).split() if any(c.isalnum() for c in w)) if unit else 1)
                at = start + round(chunk.audio.size * min(n, total) / total)
            self.marks.append(Placed(mark.chapter, at, at, mark.mark or "", None, self.file, self.file_start))
        self.inner_marks = []

    def _flush_pause(self) -> None:
        self._write(np.zeros(self.gaps.before_sound(), dtype=np.float32))

    def _start_chapter(self, index: int, title: str) -> None:
        if self.split:
            self._open_part(index, title)
        if self.writer is not None:
            self.writer.start_chapter(title)
        self.chapter = index
        self.chapters.append((title, self.position))

    def _end_chapter(self) -> None:
        if self.chapter >= 0:
            self._write(np.zeros(self.gaps.end_chapter(), dtype=np.float32))

    # -- files --------------------------------------------------------------------------------

    def _open_part(self, index: int, title: str) -> None:
        self._close_part()
        path = self.folder / part_name(index, self.count, title, self.suffix)
        self.writer = open_writer(
            path, self.meta, fmt=self.fmt, bitrate=self.bitrate, out_rate=self.out_rate,
            track=(index + 1, self.count), part=title,
        )
        self.file = self.final / path.name
        self.file_start = self.position
        self.files.append(self.file)

    def _close_part(self) -> None:
        if self.writer is None:
            return
        writer, self.writer = self.writer, None
        writer.close()
        if self.options.subtitles:
            self._subtitles(self.folder / self.file.name, self.file)

    def _subtitles(self, audio_path: Path, file: Path) -> None:
        fmt = self.options.subtitles or "srt"
        words = self.options.words and fmt == "vtt"
        cues = (
            Cue(p.start - p.offset, p.end - p.offset, p.text,
                tuple((t, a - p.offset, b - p.offset) for t, a, b in p.words) if words else ())
            for p in self.sentences
            if p.file == file
        )
        write_subtitles(audio_path.with_suffix(f".{fmt}"), cues, fmt, SAMPLE_RATE)

    def finish(self) -> Written:
        """Write the last tail, close the files, move a split book's folder into place."""
        self._end_chapter()
        if self.split:
            self._close_part()
            _move_folder(self.folder, self.final)
        else:
            writer, self.writer = self.writer, None
            if writer is not None:
                writer.close()
            if self.options.subtitles:
                self._subtitles(self.final, self.final)
        written = Written(
            output=self.final,
            files=self.files,
            samples=self.position,
            chapters=self.chapters,
            sentences=self.sentences,
            marks=self.marks,
            loudness=self.meter.result(),
            gains=dict(self.plan.voices) if self.plan else {},
        )
        if self.options.timings is not None:
            write_json(self.options.timings, timings_document(written, self.options.timings))
        return written

    def abort(self) -> None:
        """Stop every encoder and remove every temporary file."""
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        if self.split:
            shutil.rmtree(self.folder, ignore_errors=True)


def _split_folder(output: Path) -> Path:
    """The folder a split book goes to: the output's name without its extension."""
    return output.with_suffix("") if output.suffix else output


def _check_folder(final: Path) -> None:
    if not final.parent.is_dir():
        raise EncodingError(f"cannot write {final}: folder {final.parent} does not exist; create it or choose another output path")
    if final.exists() and not final.is_dir():
        raise EncodingError(f"cannot write the chapters into {final}: a file has that name; move it or choose another output path")


def _move_folder(folder: Path, final: Path) -> None:
    """Put a finished split book in place: a rename, or file by file into an existing folder."""
    try:
        if not final.exists():
            try:
                os.replace(folder, final)
                return
            except OSError as err:
                # Another run of the same book put its folder there first: join it file by file.
                if err.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not final.is_dir():
                    raise
        for item in sorted(folder.iterdir()):
            os.replace(item, final / item.name)
        folder.rmdir()
    except OSError as err:
        raise EncodingError(f"cannot move the chapters into {final}: {err.strerror or err}") from err


def _seconds(samples: int) -> float:
    return round(samples / SAMPLE_RATE, 3)


def timings_document(written: Written, path: Path) -> dict[str, Any]:
    """The JSON timing file: files, chapters, sentences (text, source, times) and marks.

    Sentences and marks are generators, written one at a time by ``write_json``.

    Times are per file (``start``/``end`` in samples at ``sample_rate``, and seconds), so a player
    can seek to a sentence in the file named beside it; file names are relative to the JSON file.
    """
    base = path.resolve().parent

    def name(file: Path) -> str:
        return os.path.relpath(file.resolve(), base)

    def entry(p: Placed) -> dict[str, Any]:
        return {
            "chapter": p.chapter,
            "file": name(p.file),
            "start": p.start - p.offset,
            "end": p.end - p.offset,
            "start_s": _seconds(p.start - p.offset),
            "end_s": _seconds(p.end - p.offset),
        }

    starts = [start for _, start in written.chapters]
    return {
        "version": 1,
        "sample_rate": SAMPLE_RATE,
        "duration_s": _seconds(written.samples),
        "files": [name(f) for f in written.files],
        "chapters": [
            {"index": i, "title": title, "start_s": _seconds(start),
             "file": name(written.files[i] if len(written.files) == len(starts) else written.files[0])}
            for i, (title, start) in enumerate(written.chapters)
        ],
        "sentences": (
            {**entry(p), "text": p.text, "source": p.source,
             "words": [{"text": t, "start_s": _seconds(a - p.offset), "end_s": _seconds(b - p.offset)} for t, a, b in p.words]}
            for p in written.sentences
        ),
        "marks": ({**{k: v for k, v in entry(p).items() if k not in ("end", "end_s")}, "name": p.text} for p in written.marks),
    }


def write_audiobook(
    output: Path,
    meta: Metadata,
    chapter_count: int,
    synth: Synthesizer | None,
    render: Render,
    options: OutputOptions,
    progress: Progress | None = None,
) -> Written:
    """Render the book through ``render`` (once, or twice to normalize) and write every output.

    ``synth`` is the synthesizer behind ``render``: between the passes its cache, trim and
    statistics are managed here. ``None`` when ``render`` plays audio that needs none of them.
    """
    check_output_options(options)
    # Checked now, not after hours of synthesis in the measuring pass.
    if not options.acx:
        format_for(output)
    if options.split_chapters or options.acx:
        _check_folder(_split_folder(output))
    elif not output.parent.is_dir():
        raise EncodingError(f"cannot write {output}: folder {output.parent} does not exist; create it or choose another output path")
    voice_of: VoiceOf = (
        getattr(synth, "voice_name", None)
        or (lambda unit: unit.voice or (synth.default_voice if synth is not None else ""))
    )
    if synth is not None and (options.timings is not None or options.words):
        # Word times need each clip's durations: a clip cached without them is made again.
        synth.words = True
    with ExitStack() as stack:
        plan: GainPlan | None = None
        if options.normalize:
            if synth is not None:
                _between_passes(synth, stack)
            survey = _Survey(voice_of, options.acx)
            render(survey, progress)
            plan = survey.plan(options)
            if synth is not None:
                first = synth.stats
                synth.stats = Stats()
                stack.callback(_merge_stats, synth, first)
                # Trim where the clip will be as loud as the trim threshold after the gain, so
                # the pause a listener hears stays the pause asked for.
                synth.trim = replace(synth.trim, threshold_db=synth.trim.threshold_db - plan.default)
            progress = None
        assembler = _Assembler(output, meta, options, chapter_count, voice_of, plan)
        try:
            render(assembler, progress)
            return assembler.finish()
        except BaseException:
            assembler.abort()
            raise


def _between_passes(synth: Synthesizer, stack: ExitStack) -> None:
    """Keep the clips of the measuring pass for the writing pass; restore the synthesizer after."""
    stack.callback(setattr, synth, "trim", synth.trim)
    if synth.cache.folder is None:
        # The second pass must hear the very clips the first measured: the model is not
        # deterministic, so without the user's cache the clips wait in a temporary one.
        stack.callback(setattr, synth, "cache", synth.cache)
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="audiobook-clips-"))
        synth.cache = ClipCache(Path(folder))


def _merge_stats(synth: Synthesizer, first: Stats) -> None:
    # The writing pass reads the cache; anything it had to synthesize again still cost time.
    first.synthesized += synth.stats.synthesized
    first.compute_s += synth.stats.compute_s
    synth.stats = first
