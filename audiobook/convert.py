"""The whole line: read → passes → synthesize → render → write."""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from audiobook.config import (
    SAMPLE_RATE,
    Limits,
    Pauses,
    ReadChoices,
    ReadOptions,
    UnitOptions,
)
from audiobook.diagnostics import Ledger, Report, Reporter
from audiobook.errors import AudiobookError, InputError
from audiobook.files import cache_root
from audiobook.model import Book, Metadata
from audiobook.normalize import NormalizeOptions
from audiobook.output.assemble import (
    OutputOptions,
    Written,
    check_output_options,
    check_output_paths,
    write_audiobook,
)
from audiobook.output.loudness import Loudness
from audiobook.output.readalong import write_read_along
from audiobook.output.readalong_epub import write_source_read_along
from audiobook.output.writers.ffmpeg import bitrate_kbps
from audiobook.passes import run_passes
from audiobook.passes.select import select_chapters
from audiobook.plan import ChapterPlan
from audiobook.planstore import PlanStore, release_heap, units_in
from audiobook.readers import format_for, read_path
from audiobook.synthesis.cache import ClipCache
from audiobook.synthesis.calibrate import choose_engine
from audiobook.synthesis.engines import Engine, create_engine
from audiobook.synthesis.synthesizer import (
    MAX_SPEED,
    MIN_SPEED,
    Chunk,
    Stats,
    Synthesizer,
)
from voices.choice import run_voice
from voices.packs import VoiceLibrary

__all__ = [
    "BITRATE_KBPS",
    "MAX_PAUSE_MS",
    "MAX_THREADS",
    "ConvertOptions",
    "ConvertResult",
    "Prepared",
    "UnitTiming",
    "check_options",
    "check_values",
    "convert",
    "load_book",
    "make_engine",
    "make_synthesizer",
    "resolve_engine",
    "result_of",
    "max_threads",
    "plan_book",
    "plan_store",
    "prepare",
    "read_and_plan",
    "read_options",
    "render_plans",
    "run_stages",
]

log = logging.getLogger(__name__)

MAX_THREADS = 64
"""Most engine threads a run takes (four per core on machines with more than 16)."""
MAX_PAUSE_MS = Pauses.max_break
"""Longest structural pause (sentence, paragraph, chapter) a run takes, in milliseconds: the same
minute a ``<break>`` in a document is clamped to."""
BITRATE_KBPS = (8, 512)
"""Lowest and highest encoder bitrate a run takes, in kbit/s."""

_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def max_threads() -> int:
    """The threads cap on this machine: ``MAX_THREADS``, or four per core where that is more."""
    return max(MAX_THREADS, 4 * (os.cpu_count() or 1))


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
    engine_instance: Engine | None = None
    """An engine already loaded, shared by many runs (the server's); ``None``: each run loads its own."""
    planned: Callable[[list[tuple[str, int]]], None] | None = None
    """Called once the book is planned, with (chapter title, speech units) per chapter."""


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


def check_values(
    *,
    speed: float | None = None,
    threads: int | None = None,
    pauses: dict[str, int | None] | None = None,
    loudness: float | None = None,
    bitrate: str | None = None,
    lang: str | None = None,
) -> None:
    """Check the numbers and codes of a run before anything is read or synthesized.

    The messages name the command-line options; the server sends the same lines.
    """
    if speed is not None and not MIN_SPEED <= speed <= MAX_SPEED:
        raise InputError(f"--speed {speed:g} is outside {MIN_SPEED}-{MAX_SPEED}; pick a speed in that range")
    if threads is not None and not 1 <= threads <= max_threads():
        raise InputError(f"--threads {threads} is outside 1-{max_threads()}; leave it out to use every core")
    for option, ms in (pauses or {}).items():
        if ms is not None and not 0 <= ms <= MAX_PAUSE_MS:
            raise InputError(f"--{option}-pause {ms} is outside 0-{MAX_PAUSE_MS} ms")
    if loudness is not None and not math.isfinite(loudness):
        raise InputError(f"--loudness {loudness} is not a number; pick a target such as -18")
    if bitrate is not None:
        kbps = bitrate_kbps(bitrate)
        kbps = -1.0 if kbps is None else kbps
        low, high = BITRATE_KBPS
        if not low <= kbps <= high:
            raise InputError(f"--bitrate {bitrate!r} is not a bitrate from {low}k to {high}k; write it like 64k")
    if lang is not None:
        from audiobook.passes.g2p import espeak_voice

        if not _LANG_TAG.fullmatch(lang) or espeak_voice(lang) is None:
            raise InputError(
                f"--lang {lang!r} is not a language espeak-ng reads; use a code such as en-us, en-gb, es, fr, it, pt-br or hi"
            )


def check_options(options: ConvertOptions) -> None:
    """Check a run's options as the command line checks its arguments, whoever built them."""
    check_values(
        speed=options.speed,
        threads=options.threads,
        pauses={
            "sentence": options.pauses.sentence,
            "paragraph": options.pauses.paragraph,
            "chapter": options.pauses.chapter,
        },
        loudness=options.output.loudness,
        bitrate=options.output.bitrate,
        lang=options.lang,
    )
    check_output_options(options.output)


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
    book: Book,
    options: ConvertOptions,
    reporter: Reporter,
    stop_after: str | None = None,
    start_after: str | None = None,
) -> Book | list[ChapterPlan]:
    """Run the passes (after ``start_after``, up to ``stop_after``): voices, normalize, sentences, phonemes, units."""
    return run_passes(
        book,
        lang=options.lang or book.meta.language or "en-us",
        unit_options=UnitOptions(pauses=options.pauses, speed=options.speed),
        reporter=reporter,
        stop_after=stop_after,
        start_after=start_after,
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


def plan_store(book: Book, options: ConvertOptions, reporter: Reporter) -> PlanStore:
    """Every pass, one chapter at a time, each plan written to a store on disk as it is made.

    The passes see one chapter at a time, so what they hold at once follows the longest chapter;
    the plans wait on disk, so a book of any length holds only titles and counts in memory. The
    voices pass sees the whole book first: a voice asked for in many chapters is answered, and
    reported, once.
    """
    voiced = run_stages(book, options, reporter, stop_after="voices")
    if not isinstance(voiced, Book):
        raise TypeError("the voices pass returns a book")
    store = PlanStore()
    for chapter in voiced.chapters:
        plans = run_stages(replace(voiced, chapters=(chapter,)), options, reporter, start_after="voices")
        if not isinstance(plans, list):
            raise TypeError("run_passes without stop_after returns chapter plans")
        for plan in plans:
            store.append(plan)
    return store


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
    out = options.output
    if out.timings is not None or out.words or out.read_along:
        # Word timings come from the duration output the onnx engine's graph carries.
        log.info("engine: onnx (word timings need the model's durations, which the onnx engine gives)")
        return "onnx", None
    choice = choose_engine(options.threads)
    log.info("engine: %s (%s)", choice.engine, choice.reason)
    if choice.engine == "openvino":
        return "openvino", options.precision or choice.precision
    return choice.engine, None


def make_engine(options: ConvertOptions) -> Engine:
    """The engine ``options`` ask for, ``auto`` resolved by the machine's calibration."""
    name, precision = resolve_engine(options)
    return create_engine(
        name, threads=options.threads, model=options.model, device=options.device, offline=options.offline,
        precision=precision,
    )


def make_synthesizer(
    book: Book, options: ConvertOptions, reporter: Reporter, engine: Engine | None = None
) -> tuple[Synthesizer, str]:
    """Engine, voices and cache for a run; ``engine``: one already made (a library run shares its sessions)."""
    library = VoiceLibrary(options.voice_path)
    voice, reason = run_voice(options.voice, book.meta.voice, library)
    library.load(voice)
    engine = engine or options.engine_instance or make_engine(options)
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
    total = units_in(plans)
    done = 0
    if progress is not None:
        progress(0, total, 0.0)
    for chunk in synth.stream(plans):
        sink(chunk)
        if chunk.kind == "speech" and progress is not None:
            done += 1
            progress(done, total, synth.stats.audio_s)


@dataclass
class Prepared:
    """A document read, planned and given its voices: ready to synthesize."""

    book: Book
    """The document's metadata (its chapters live on in ``plans``)."""
    plans: PlanStore
    """One plan per chapter, kept on disk."""
    synth: Synthesizer
    """Engine, voices and cache for the run; ``synth.stream(plans)`` yields the audio."""
    voice_reason: str
    """Why the default voice was chosen."""
    reporter: Reporter
    """What could not be rendered as written, so far."""


def _write_read_along(
    output: Path,
    meta: Metadata,
    plans: Sequence[ChapterPlan],
    synth: Synthesizer,
    options: ConvertOptions,
    source: bytes | None = None,
) -> Written:
    """The chapters as MP3 files in a temporary folder, then the EPUB that holds them with the text.

    ``source``: the EPUB 3 that was read, whose own content documents then carry the overlays.
    """
    with tempfile.TemporaryDirectory(prefix="audiobook-readalong-") as folder:
        audio = replace(options.output, read_along=False, split_chapters=True)
        written = write_audiobook(
            Path(folder) / "audio.mp3", meta, len(plans), synth,
            lambda sink, progress: render_plans(synth, plans, sink, progress), audio, options.progress,
        )
        # The pars take the very sample positions the writer recorded, per chapter file.
        placed = {(p.chapter, p.item): (p.start - p.offset, p.end - p.offset) for p in written.sentences if p.item is not None}
        pars = None
        if source is not None:
            pars = write_source_read_along(str(output), source, plans, written.files, placed, meta.narrator)
        if pars is None:
            write_read_along(output, meta, plans, written.files, placed)
    return replace(written, output=output, files=[output])


def read_and_plan(input_path: Path, options: ConvertOptions, reporter: Reporter) -> tuple[Book, PlanStore]:
    """The book's metadata and its plans; an input with nothing to read or to speak is an error.

    The plans hold all that is spoken, so the chapters as read are not kept in memory.
    """
    book = load_book(input_path, options, reporter)
    if not book.chapters:
        raise AudiobookError(f"{input_path}: nothing to read (no chapter holds text)")
    plans = plan_store(book, options, reporter)
    if not plans.units:
        raise AudiobookError(f"{input_path}: nothing to speak (every chapter is empty after reading)")
    kept = replace(book, chapters=())
    del book
    release_heap()
    return kept, plans


def prepare(input_path: Path, options: ConvertOptions) -> Prepared:
    """Read, plan and choose voices: every check that can fail on the input runs here, before any audio."""
    check_options(options)
    reporter = Reporter(strict=options.strict)
    book, plans = read_and_plan(input_path, options, reporter)
    synth, reason = make_synthesizer(book, options, reporter)
    synth.check_voices(plans)
    if options.planned is not None:
        options.planned(list(zip(plans.titles, plans.unit_counts)))
    return Prepared(book, plans, synth, reason, reporter)


def convert(input_path: Path, output: Path | None, options: ConvertOptions) -> ConvertResult:
    """Convert one document into one audiobook file."""
    started = time.perf_counter()
    if options.output.read_along:
        output = (output or input_path).with_suffix(".epub")
    output = output or input_path.with_suffix(".m4b")
    if output.suffix.lower() == ".epub" and not options.output.read_along:
        options = replace(options, output=replace(options.output, read_along=True))
    # Before anything is read: a run must not end, hours later, on a path it cannot write or
    # overwrite the book it read.
    check_output_paths(input_path, output, options.output)
    ready = prepare(input_path, options)
    synth, plans, reporter = ready.synth, ready.plans, ready.reporter
    meta = ready.book.meta
    if meta.narrator is None:
        meta = replace(meta, narrator=f"{synth.default_voice} (Kokoro-82M)")
    if options.output.read_along:
        data = input_path.read_bytes()
        source = data if format_for(input_path, data) == "epub" else None
        written = _write_read_along(output, meta, plans, synth, options, source)
    else:
        written = write_audiobook(
            output, meta, len(plans), synth, lambda sink, progress: render_plans(synth, plans, sink, progress),
            options.output, options.progress,
        )
    return result_of(written, synth, ready.voice_reason, reporter, started)


def result_of(written: Written, synth: Synthesizer, voice_reason: str, reporter: Reporter, started: float) -> ConvertResult:
    """What a conversion that wrote ``written`` reports, its wall time counted from ``started``."""
    return ConvertResult(
        output=written.output,
        samples=written.samples,
        chapters=written.chapters,
        timings=[UnitTiming(p.chapter, p.start, p.end, p.text, p.source) for p in written.sentences],
        marks=[(p.text, p.start) for p in written.marks],
        stats=synth.stats,
        voice=synth.default_voice,
        voice_reason=voice_reason,
        reports=list(reporter.reports),
        wall_s=time.perf_counter() - started,
        notices=list(synth.notices),
        files=written.files,
        loudness=written.loudness,
    )
