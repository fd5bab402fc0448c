"""The whole line: read → passes → synthesize → render → write."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from audiobook.config import (
    SAMPLE_RATE,
    Limits,
    Pauses,
    ReadChoices,
    ReadOptions,
    UnitOptions,
)
from audiobook.diagnostics import Ledger, Report, Reporter
from audiobook.errors import AudiobookError
from audiobook.files import cache_root
from audiobook.model import Book
from audiobook.normalize import NormalizeOptions
from audiobook.output.assemble import OutputOptions, check_output_paths, write_audiobook
from audiobook.output.loudness import Loudness
from audiobook.passes import run_passes
from audiobook.passes.select import select_chapters
from audiobook.plan import ChapterPlan, Unit
from audiobook.readers import read_path
from audiobook.synthesis.cache import ClipCache
from audiobook.synthesis.calibrate import choose_engine
from audiobook.synthesis.engines import create_engine
from audiobook.synthesis.synthesizer import Chunk, Stats, Synthesizer
from voices.choice import run_voice
from voices.packs import VoiceLibrary

__all__ = [
    "ConvertOptions",
    "ConvertResult",
    "UnitTiming",
    "convert",
    "load_book",
    "plan_book",
    "read_options",
    "render_plans",
    "run_stages",
]

log = logging.getLogger(__name__)


@dataclass
class ConvertOptions:
    """How one run speaks and writes."""

    voice: str | None = None
    """Voice name, file or blend; ``None``: the document's, else the default voice."""
    speed: float = 1.0
    """Speed multiplier for the whole book."""
    lang: str | None = None
    """Language to assume where the document does not say."""
    engine: str = "auto"
    """Synthesis backend: ``onnx``, ``openvino``, ``torch``, or ``auto`` (the fastest that sounds the
    same on this machine, from a calibration kept in the cache)."""
    precision: str | None = None
    """Inference precision of the openvino engine (``f32``, ``bf16``); ``None``: what the CPU has natively."""
    threads: int | None = None
    """Threads for the engine; ``None``: every core."""
    cache_dir: Path | None = None
    """Clip cache folder; ``None``: ``<cache root>/clips``."""
    use_cache: bool = True
    """Read and write the clip cache."""
    voice_path: list[Path] = field(default_factory=list)
    """Extra folders searched for voice packs (before ``$AUDIOBOOK_VOICE_PATH``)."""
    strict: bool = False
    """Turn every report into an error."""
    pauses: Pauses = field(default_factory=Pauses)
    """Structural gaps and break strengths."""
    progress: Callable[[int, int, float], None] | None = None
    """Called before the first unit and after each with (units done, units in all, seconds of audio)."""
    offline: bool = False
    """Forbid every network access (also ``$AUDIOBOOK_OFFLINE``)."""
    device: str | None = None
    """Device of the torch engine (``cpu``, ``cuda``, ``mps``); ``None``: the best one present."""
    model: str | None = None
    """Model file for the engine (``.onnx``, or a ``.pth`` checkpoint with its config.json)."""
    dialogue_voice: str | None = None
    """Voice for quoted speech in prose; ``None``: quotes are read like the text around them."""
    stage_directions: str = "skip"
    """Scripts: stage directions are ``skip``-ped or ``read`` by the narrator."""
    text_rules: NormalizeOptions = field(default_factory=NormalizeOptions)
    """How written forms are read: date order, British forms, pronunciation lexicons."""
    reading: ReadChoices = field(default_factory=ReadChoices)
    """What of the book is read: front matter, notes, alt text, code, the chapter selection."""
    output: OutputOptions = field(default_factory=OutputOptions)
    """What is written: loudness, ACX preset, split chapters, subtitles, timings, bitrate."""
    limits: Limits = field(default_factory=Limits)
    """Caps on sizes and counts the input may reach (``--limit``)."""
    detached: bool = False
    """The input is text given on the command line: its temporary folder is not a document's, it reaches no file."""


@dataclass(frozen=True)
class UnitTiming:
    """Where a unit's speech landed in the output."""

    chapter: int
    """Chapter index."""
    start: int
    """First sample."""
    end: int
    """Sample after the last."""
    text: str
    """What it says."""
    source: str | None = None
    """Where the text stood in the input."""


@dataclass
class ConvertResult:
    """What a conversion produced."""

    output: Path
    """The file written."""
    samples: int
    """Length of the audio in samples."""
    chapters: list[tuple[str, int]]
    """(title, first sample) per chapter."""
    timings: list[UnitTiming]
    """Where each unit's speech is."""
    marks: list[tuple[str, int]]
    """SSML marks and their sample positions."""
    stats: Stats
    """Units, synthesized units, compute time."""
    voice: str
    """The default voice used."""
    voice_reason: str
    """Why that voice."""
    reports: list[Report]
    """Content not rendered as written."""
    wall_s: float
    """Seconds the whole conversion took."""
    notices: list[str] = field(default_factory=list)
    """Voice switches made for the languages of the text, one line each."""
    files: list[Path] = field(default_factory=list)
    """Every audio file written (one per chapter with ``split_chapters`` or ``acx``)."""
    loudness: Loudness | None = None
    """Loudness figures of the audio as written."""

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return self.samples / SAMPLE_RATE


def read_options(options: ConvertOptions) -> ReadOptions:
    """What a reader needs of a run's options."""
    return ReadOptions(
        lang=options.lang,
        pauses=options.pauses,
        stage_directions=options.stage_directions,
        choices=options.reading,
        limits=options.limits,
        detached=options.detached,
    )


def load_book(path: Path, options: ConvertOptions, reporter: Reporter, ledger: Ledger | None = None) -> Book:
    """Read an input file into the document model (only the chapters chosen)."""
    book = read_path(path, read_options(options), reporter, ledger)
    return select_chapters(book, options.reading.chapters)


def run_stages(
    book: Book, options: ConvertOptions, reporter: Reporter, stop_after: str | None = None
) -> Book | list[ChapterPlan]:
    """Run the passes (up to ``stop_after``): voices, normalize, sentences, phonemes, units."""
    return run_passes(
        book,
        lang=options.lang or book.meta.language or "en-us",
        unit_options=UnitOptions(pauses=options.pauses),
        reporter=reporter,
        stop_after=stop_after,
        dialogue_voice=options.dialogue_voice,
        normalize_options=options.text_rules,
        library=VoiceLibrary(options.voice_path),
    )


def plan_book(book: Book, options: ConvertOptions, reporter: Reporter) -> list[ChapterPlan]:
    """Run every pass: the chapter plans of the book."""
    plans = run_stages(book, options, reporter)
    if not isinstance(plans, list):
        raise TypeError("run_passes without stop_after returns chapter plans")
    return plans


def resolve_engine(options: ConvertOptions) -> tuple[str, str | None]:
    """The engine and precision a run uses: ``options.engine``, or for ``auto`` the calibrated choice.

    ``auto`` calibrates the shipped model on the CPU; a ``.pth`` model or a GPU device means the
    torch engine, another ``.onnx`` model the onnx engine. The choice and its reason are logged
    (``--verbose`` shows them).
    """
    if options.engine != "auto":
        return options.engine, options.precision
    if options.device not in (None, "cpu") or (options.model or "").endswith(".pth"):
        log.info("engine: torch (a GPU device or a PyTorch checkpoint was given)")
        return "torch", None
    if options.model:
        log.info("engine: onnx (a model file was given; auto calibrates the shipped model only)")
        return "onnx", None
    choice = choose_engine(options.threads)
    log.info("engine: %s (%s)", choice.engine, choice.reason)
    if choice.engine == "openvino":
        return "openvino", options.precision or choice.precision
    return choice.engine, None


def make_synthesizer(book: Book, options: ConvertOptions, reporter: Reporter) -> tuple[Synthesizer, str]:
    """Engine, voices and cache for a run."""
    library = VoiceLibrary(options.voice_path)
    voice, reason = run_voice(options.voice, book.meta.voice, library)
    library.load(voice)
    name, precision = resolve_engine(options)
    engine = create_engine(
        name, threads=options.threads, model=options.model, device=options.device, offline=options.offline,
        precision=precision,
    )
    cache = ClipCache((options.cache_dir or cache_root() / "clips") if options.use_cache else None)
    synth = Synthesizer(
        engine, library, cache, default_voice=voice, speed=options.speed, pauses=options.pauses, reporter=reporter,
        pinned=bool(options.voice or book.meta.voice),
    )
    return synth, reason


def render_plans(
    synth: Synthesizer,
    plans: list[ChapterPlan],
    sink: Callable[[Chunk], None],
    progress: Callable[[int, int, float], None] | None = None,
) -> None:
    """Stream every chunk of the plans into ``sink``."""
    total = sum(isinstance(item, Unit) for plan in plans for item in plan.items)
    done = 0
    if progress is not None:
        progress(0, total, 0.0)
    for chunk in synth.stream(plans):
        sink(chunk)
        if chunk.kind == "speech" and progress is not None:
            done += 1
            progress(done, total, synth.stats.audio_s)


def convert(input_path: Path, output: Path | None, options: ConvertOptions) -> ConvertResult:
    """Convert one document into one audiobook file."""
    started = time.perf_counter()
    output = output or input_path.with_suffix(".m4b")
    # Before anything is read: a run must not end, hours later, on a path it cannot write or
    # overwrite the book it read.
    check_output_paths(input_path, output, options.output)
    reporter = Reporter(strict=options.strict)
    book = load_book(input_path, options, reporter)
    if not book.chapters:
        raise AudiobookError(f"{input_path}: nothing to read (no chapter holds text)")
    plans = plan_book(book, options, reporter)
    if not any(isinstance(i, Unit) for p in plans for i in p.items):
        raise AudiobookError(f"{input_path}: nothing to speak (every chapter is empty after reading)")
    synth, reason = make_synthesizer(book, options, reporter)
    synth.check_voices(plans)
    meta = book.meta
    if meta.narrator is None:
        from dataclasses import replace

        meta = replace(meta, narrator=f"{synth.default_voice} (Kokoro-82M)")
    written = write_audiobook(
        output, meta, len(plans), synth, lambda sink, progress: render_plans(synth, plans, sink, progress),
        options.output, options.progress,
    )
    return ConvertResult(
        output=written.output,
        samples=written.samples,
        chapters=written.chapters,
        timings=[UnitTiming(p.chapter, p.start, p.end, p.text, p.source) for p in written.sentences],
        marks=[(p.text, p.start) for p in written.marks],
        stats=synth.stats,
        voice=synth.default_voice,
        voice_reason=reason,
        reports=list(reporter.reports),
        wall_s=time.perf_counter() - started,
        notices=list(synth.notices),
        files=written.files,
        loudness=written.loudness,
    )


