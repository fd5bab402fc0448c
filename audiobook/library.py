"""A library in one run: many books, one pool of engine sessions, or a Ray cluster.

Each book goes through the same stages as ``convert``; what changes is how the units are
synthesized. The text passes of every book run first, on this machine, and give each unit its
content address: the clip cache key (phonemes, voice pack digest, speed, engine, model digest).
Every address missing from the cache becomes one job; a job is language-blind (token ids, a style
row, a speed), so whichever engine session runs it, wherever it runs, the clip is the same. Jobs
flow through one pool in book order, with a bounded number in flight; a book whose clips are all
done is assembled (loudness, encoding, chapters) while the pool goes on with the next books.

On one machine the pool is a set of ONNX Runtime sessions in threads (the runtime releases the
interpreter lock while it computes) and the clips meet the assembly in the clip cache. On a Ray
cluster (``cluster``) the sessions are actors holding a model each, the clips stay in Ray's object
store (and go into the clip cache for reruns), and each book is assembled by a Ray task that reads
its clips there: the driver holds references, never a book's audio.

A book that cannot be read, planned, synthesized or written is reported with its error; the
others go on.
"""

from __future__ import annotations

import glob
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.config import MAX_TOKENS, SAMPLE_RATE
from audiobook.convert import (
    ConvertOptions,
    ConvertResult,
    make_engine,
    make_synthesizer,
    read_and_plan,
    resolve_engine,
    result_of,
)
from audiobook.diagnostics import Reporter
from audiobook.errors import AudiobookError, InputError, ModelError
from audiobook.files import cache_root, file_digest
from audiobook.model import Book
from audiobook.output.assemble import check_output_paths, write_audiobook
from audiobook.plan import ChapterPlan, Unit
from audiobook.planstore import PlanStore
from audiobook.readers import EXTENSIONS
from audiobook.synthesis.cache import ClipCache, unit_key
from audiobook.synthesis.effects import pitch_factor
from audiobook.synthesis.engines import Engine
from audiobook.synthesis.synthesizer import MAX_SPEED, MIN_SPEED, Synthesizer
from audiobook.vocab import token_ids

__all__ = [
    "MAX_BOOKS",
    "BookOutcome",
    "LibraryOptions",
    "LibraryProgress",
    "LibraryResult",
    "LibraryRun",
    "PreparedBook",
    "RunFigures",
    "Runner",
    "Tracker",
    "UnitJob",
    "book_payload",
    "cached_samples",
    "collect_inputs",
    "convert_library",
    "engine_for",
    "lazy_engine",
    "library_outputs",
    "pool_size",
    "prepare_books",
    "rebuilt_book",
    "run_local",
    "write_book",
]

log = logging.getLogger(__name__)

MAX_BOOKS = 100_000
"""Most inputs one run takes (folders and globs expanded)."""

_CACHE_HEADER = 16
"""Bytes of a cached clip's header; its sample count sits at offset 8 (see ``synthesis.cache``)."""


@dataclass(frozen=True)
class LibraryOptions:
    """How a library run is spread and where it writes."""

    out_dir: Path
    """Folder every book is written to, as ``<name>.<format>``."""
    format: str = "m4b"
    """Extension of the books written: m4b, mp3, opus, flac or wav."""
    sessions: int | None = None
    """Engine sessions (local threads, or Ray actors); ``None``: sized to the machine or cluster."""
    cluster: str | None = None
    """Ray address (``auto``, ``ray://host:10001``, ``local``); ``None``: this machine only."""
    in_flight: int | None = None
    """Most units submitted and not yet finished; ``None``: four per session."""
    progress: Callable[[LibraryProgress], None] | None = None
    """Called whenever a unit or a book is done."""


@dataclass(frozen=True)
class LibraryProgress:
    """Where a library run stands."""

    books: int
    """Books in the run."""
    books_done: int
    """Books written or failed."""
    books_failed: int
    """Books that failed."""
    units: int
    """Speech units of all readable books (a unit is a sentence or a part of a long one)."""
    units_done: int
    """Units whose clip exists (synthesized in this run or found in the cache)."""
    audio_s: float
    """Seconds of audio in those clips (before trimming)."""


@dataclass
class BookOutcome:
    """What became of one book."""

    input: Path
    """The document read."""
    output: Path
    """The file it is (or would have been) written to."""
    result: ConvertResult | None = None
    """The conversion's result, when it succeeded."""
    error: str | None = None
    """The one-line error, when it failed."""
    exit_code: int = 0
    """The exit code of its error (0: written)."""


@dataclass
class LibraryResult:
    """What a library run did."""

    books: list[BookOutcome]
    """One per input, in input order."""
    wall_s: float
    """Seconds the whole run took."""
    sessions: int
    """Engine sessions (or actors) the units flowed through."""
    where: str
    """``local`` or the Ray cluster's address."""
    synthesized: int = 0
    """Distinct units the model ran for."""
    cached: int = 0
    """Distinct units found in the clip cache."""
    plan_s: float = 0.0
    """Seconds the driver spent reading and planning the books (the text passes)."""

    @property
    def failed(self) -> list[BookOutcome]:
        """The books that were not written."""
        return [b for b in self.books if b.error is not None]

    @property
    def exit_code(self) -> int:
        """0 when every book was written; else the failed books' common exit code, or 1."""
        codes = {b.exit_code for b in self.failed}
        return 0 if not codes else codes.pop() if len(codes) == 1 else 1

    @property
    def audio_s(self) -> float:
        """Seconds of audio written over all books."""
        return sum(b.result.duration for b in self.books if b.result is not None)


# -- inputs and outputs -------------------------------------------------------------------------


def collect_inputs(items: Iterable[str | Path]) -> list[Path]:
    """The documents named by files, folders (their readable files, not recursing) and globs.

    Order is kept (a folder's or a glob's files sorted by name); a file named twice counts once.
    """
    found: list[Path] = []
    for item in items:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
            if not matches:
                raise InputError(
                    f"{path}: no readable document in this folder (looked for {', '.join(sorted(EXTENSIONS))})"
                )
        elif path.exists():
            matches = [path]
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError(f"{text}: the pattern matches no file; check the path and quote it for the shell")
        else:
            raise InputError(f"{path}: no such file or folder")
        found.extend(matches)
        if len(found) > MAX_BOOKS:
            raise InputError(f"more than {MAX_BOOKS} inputs; split the library into several runs")
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def library_outputs(inputs: Sequence[Path], options: LibraryOptions, convert_options: ConvertOptions) -> list[Path]:
    """``out_dir/<name>.<format>`` per input, checked before anything is read: no two books share a
    name, none overwrites an input, each is writable."""
    fmt = options.format.lower().lstrip(".")
    if not options.out_dir.is_dir():
        raise InputError(f"--out-dir {options.out_dir} is not a folder; create it first")
    if convert_options.output.timings is not None:
        raise InputError("--timings names one file; with several books use --subtitles, written beside each book")
    outputs: list[Path] = []
    by_name: dict[str, Path] = {}
    for path in inputs:
        stem = path.name[: -len(path.suffix)] if path.suffix else path.name
        stem = stem.removesuffix(".script")
        out = options.out_dir / f"{stem}.{fmt}"
        # Case-insensitive file systems would write two such books to one file.
        other = by_name.get(out.name.lower())
        if other is not None:
            raise InputError(
                f"{other} and {path} would both be written to {out}; rename one or convert them in separate runs"
            )
        by_name[out.name.lower()] = path
        check_output_paths(path, out, convert_options.output)
        outputs.append(out)
    inputs_resolved = {p.resolve() for p in inputs}
    for out in outputs:
        if out.resolve() in inputs_resolved:
            raise InputError(f"{out} is one of the inputs; choose another --out-dir so no input is overwritten")
    return outputs


def pool_size(cores: int | None = None, sessions: int | None = None) -> tuple[int, int]:
    """(sessions, threads per session) for ``cores``: one session of two threads per two cores.

    Two threads a session is the ONNX engine's own choice on two cores (the graph is one long
    chain, so a second thread shortens each call); more sessions let many small books keep every
    core busy. How many threads a session should have is the speed work's to measure and change
    here. ``sessions`` overrides the count.
    """
    cores = max(1, cores or os.cpu_count() or 1)
    count = sessions or max(1, cores // 2)
    return count, max(1, cores // count)


# -- the plan of a book ----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitJob:
    """One unit to synthesize, language-blind: what an engine session needs and nothing else."""

    key: str
    """Its content address (the clip cache key)."""
    tokens: tuple[int, ...]
    """Vocabulary ids."""
    style: np.ndarray
    """The voice pack's row for this many tokens."""
    speed: float
    """Speed the model runs at."""


@dataclass
class PreparedBook:
    """A book read and planned on the driver."""

    index: int
    input: Path
    output: Path
    book: Book
    plans: PlanStore
    synth: Synthesizer
    reason: str
    reporter: Reporter
    keys: list[str]
    """Distinct clip addresses of its units."""
    units: int
    """Speech units in its plan."""
    started: float


class _Identity:
    """An engine that knows its name and digest and loads a model only if asked to synthesize.

    The driver of a cluster run plans units without a model; an assembly task synthesizes only
    what it finds nowhere else (a clip lost with its node, or the re-tries of a fitted duration).
    """

    def __init__(self, options: ConvertOptions, name: str, digest: str, threads: int | None = None):
        self.name = name
        self.digest = digest
        self._options = options
        self._threads = threads
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for a unit, from a model loaded on first use."""
        with self._lock:
            if self._engine is None:
                self._engine = _engine(self._options, self._threads)
            return self._engine.synthesize(tokens, style, speed)


class _Borrowed:
    """An engine that runs each call on a session borrowed from the pool."""

    def __init__(self, name: str, digest: str, sessions: queue.Queue[Engine]):
        self.name = name
        self.digest = digest
        self._sessions = sessions

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """Audio for a unit, on the first free session."""
        engine = self._sessions.get()
        try:
            return engine.synthesize(tokens, style, speed)
        finally:
            self._sessions.put(engine)


def _concrete(options: ConvertOptions) -> ConvertOptions:
    """``options`` with ``--engine auto`` resolved (the machine's calibration, cached), so every
    session and every clip key names the engine that really runs."""
    if options.engine != "auto":
        return options
    name, precision = resolve_engine(options)
    return replace(options, engine=name, precision=precision)


def _engine(options: ConvertOptions, threads: int | None) -> Engine:
    return make_engine(replace(_concrete(options), threads=threads))


def _identity(options: ConvertOptions) -> tuple[str, str]:
    """The engine's name and model digest, without loading a model where that can be avoided."""
    options = _concrete(options)
    if options.engine == "onnx":
        if options.model is None:
            from audiobook.synthesis.modelfiles import model_digest

            return "onnx", model_digest()
        path = Path(options.model)
        if not path.is_file():
            raise ModelError(f"{path}: model file not found; pass an existing .onnx file")
        return "onnx", file_digest(path)
    engine = _engine(options, 1)
    return engine.name, engine.digest


def _model_speed(synth: Synthesizer, unit: Unit) -> float:
    """The speed the synthesizer will ask the model for (as ``Synthesizer.clip`` works it out)."""
    speed = min(max(synth.speed * unit.rate, MIN_SPEED), MAX_SPEED)
    return min(max(speed / pitch_factor(unit.pitch), MIN_SPEED), MAX_SPEED)


def _unit_jobs(synth: Synthesizer, plans: list[ChapterPlan]) -> tuple[dict[str, UnitJob], int]:
    """The jobs of a book's units, by address, and its unit count."""
    vocab = token_ids()
    jobs: dict[str, UnitJob] = {}
    units = 0
    for plan in plans:
        for item in plan.items:
            if not isinstance(item, Unit):
                continue
            units += 1
            tokens = tuple(vocab[c] for c in item.phonemes if c in vocab)
            if len(tokens) != len(item.phonemes) or not 0 < len(tokens) <= MAX_TOKENS:
                continue  # the assembly meets it and fails the book with the synthesizer's own error
            pack = synth.voice_for(item)
            speed = _model_speed(synth, item)
            key = unit_key(item.phonemes, pack.digest, speed, synth.engine.name, synth.engine.digest)
            if key not in jobs:
                jobs[key] = UnitJob(key, tokens, pack.style(len(tokens)), speed)
    return jobs, units


def _prepare(
    index: int, path: Path, output: Path, options: ConvertOptions, engine: Engine
) -> tuple[PreparedBook, dict[str, UnitJob]]:
    """Read and plan one book (what ``convert`` does before synthesis)."""
    started = time.perf_counter()
    reporter = Reporter(strict=options.strict)
    book, plans = read_and_plan(path, options, reporter)
    synth, reason = make_synthesizer(book, options, reporter, engine=engine)
    # The run's clip store, even under --no-cache: there the clips wait between synthesis and assembly.
    synth.cache = ClipCache(options.cache_dir)
    synth.check_voices(plans)
    jobs, units = _unit_jobs(synth, plans)
    return PreparedBook(index, path, output, book, plans, synth, reason, reporter, list(jobs), units, started), jobs


def write_book(item: PreparedBook, options: ConvertOptions) -> ConvertResult:
    """Assemble and write one book whose clips are reachable through its synthesizer's cache."""
    synth = item.synth
    meta = item.book.meta
    if meta.narrator is None:
        meta = replace(meta, narrator=f"{synth.default_voice} (Kokoro-82M)")
    plans = item.plans

    def render(sink, progress) -> None:
        for chunk in synth.stream(plans):
            sink(chunk)

    written = write_audiobook(item.output, meta, len(plans), synth, render, options.output, None)
    return result_of(written, synth, item.reason, item.reporter, item.started)


def cached_samples(cache: ClipCache, key: str) -> int | None:
    """The sample count of a cached clip (its header only is read), or ``None`` if absent."""
    if cache.folder is None:
        return None
    try:
        with ClipCache._path(cache.folder, key).open("rb") as f:
            head = f.read(_CACHE_HEADER)
    except OSError:
        return None
    return int.from_bytes(head[8:12], "little") if len(head) == _CACHE_HEADER else None


def split_cached(cache: ClipCache, jobs: dict[str, UnitJob], tracker: Tracker) -> tuple[list[UnitJob], int, list[int]]:
    """The units still to synthesize, how many the cache holds, and the books those complete."""
    todo: list[UnitJob] = []
    cached = 0
    complete = tracker.ready_now()
    for key, job in jobs.items():
        samples = cached_samples(cache, key)
        if samples is None:
            todo.append(job)
        else:
            cached += 1
            complete.extend(tracker.clip_done(key, samples))
    tracker.report()
    return todo, cached, complete


# -- bookkeeping shared by both runners ---------------------------------------------------------


class Tracker:
    """Which books wait for which clips; progress; outcomes."""

    def __init__(self, outcomes: list[BookOutcome], books: list[PreparedBook], lib: LibraryOptions):
        self.outcomes = outcomes
        self.lib = lib
        self.books = books
        self.waiting: dict[int, set[str]] = {b.index: set(b.keys) for b in books}
        self.users: dict[str, list[int]] = {}
        for b in books:
            for key in b.keys:
                self.users.setdefault(key, []).append(b.index)
        self.units = sum(b.units for b in books)
        self.units_done = 0
        self.audio_s = 0.0
        self.done_keys: set[str] = set()
        self.lock = threading.Lock()

    def clip_done(self, key: str, samples: int) -> list[int]:
        """A clip exists; returns the books that now have every clip."""
        with self.lock:
            if key in self.done_keys:
                return []
            self.done_keys.add(key)
            count = len(self.users.get(key, ()))
            self.units_done += count
            self.audio_s += count * samples / SAMPLE_RATE
            ready = []
            for index in self.users.get(key, ()):
                left = self.waiting.get(index)
                if left is not None:
                    left.discard(key)
                    if not left:
                        del self.waiting[index]
                        ready.append(index)
        self.report()
        return ready

    def clip_failed(self, key: str, error: BaseException) -> None:
        """A clip cannot be made: every book that needs it fails."""
        for index in self.users.get(key, ()):
            with self.lock:
                self.waiting.pop(index, None)
            self.fail(index, error)

    def ready_now(self) -> list[int]:
        """Books needing no synthesis at all."""
        with self.lock:
            ready = [i for i, left in self.waiting.items() if not left]
            for i in ready:
                del self.waiting[i]
        return ready

    def fail(self, index: int, error: BaseException) -> None:
        """Record a book's failure (the first error wins)."""
        outcome = self.outcomes[index]
        if outcome.error is None and outcome.result is None:
            outcome.error = _one_line(error)
            outcome.exit_code = error.exit_code if isinstance(error, AudiobookError) else 1
            log.warning("%s: %s", outcome.input, outcome.error)
        self.report()

    def written(self, index: int, result: ConvertResult) -> None:
        """Record a book written."""
        self.outcomes[index].result = result
        self.report()

    def report(self) -> None:
        """Hand the progress to the caller."""
        if self.lib.progress is None:
            return
        done = sum(o.result is not None or o.error is not None for o in self.outcomes)
        failed = sum(o.error is not None for o in self.outcomes)
        self.lib.progress(LibraryProgress(len(self.outcomes), done, failed, self.units, self.units_done, self.audio_s))


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# -- the entry point ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFigures:
    """What a runner reports of its run."""

    sessions: int
    """Engine sessions (or actors) the units flowed through."""
    synthesized: int
    """Distinct units synthesized."""
    cached: int
    """Distinct units found in the clip cache."""
    plan_s: float
    """Seconds spent reading and planning the books."""


@dataclass(frozen=True)
class LibraryRun:
    """What a runner is handed: the books, how to convert them, and where to say how each went."""

    inputs: Sequence[Path]
    """The documents, in order."""
    outputs: Sequence[Path]
    """The file each is written to."""
    outcomes: list[BookOutcome]
    """One per input, filled in as books are written or fail."""
    options: ConvertOptions
    """How every book is converted (the clip store fixed in ``cache_dir``)."""
    lib: LibraryOptions
    """How the run is spread."""
    name: str
    """The engine that runs (``auto`` resolved)."""
    digest: str
    """The model's digest: with ``name``, what the clips are keyed by."""


Runner = Callable[[LibraryRun], RunFigures]
"""Runs a library's books and fills in their outcomes."""


def convert_library(
    inputs: Sequence[Path], options: ConvertOptions, lib: LibraryOptions, runner: Runner | None = None
) -> LibraryResult:
    """Convert every input into ``lib.out_dir``; a failing book is reported in its outcome, the
    rest are written. Raises only for what concerns the whole run (outputs, the engine, a cluster).

    ``runner``: how the units are synthesized; ``None``: one pool of sessions on this machine.
    """
    started = time.perf_counter()
    if not inputs:
        raise InputError("no input to convert")
    outputs = library_outputs(inputs, lib, options)
    outcomes = [BookOutcome(p, o) for p, o in zip(inputs, outputs)]
    name, digest = _identity(options)
    from voices.packs import VoiceLibrary

    # Fixed here, so a worker elsewhere searches the voices and the cache the driver would.
    options = replace(options, progress=None, voice_path=list(VoiceLibrary(options.voice_path).search_path))
    with tempfile.TemporaryDirectory(prefix="audiobook-library-") as tmp:
        # Without the user's cache the clips still need a place between synthesis and assembly
        # (and between the two passes of loudness), for this run only.
        folder = (options.cache_dir or cache_root() / "clips") if options.use_cache else Path(tmp) / "clips"
        options = replace(options, cache_dir=folder.resolve())
        figures = (runner or run_local)(LibraryRun(inputs, outputs, outcomes, options, lib, name, digest))
    return LibraryResult(
        outcomes, time.perf_counter() - started, figures.sessions, lib.cluster or "local", figures.synthesized,
        figures.cached, figures.plan_s,
    )


def prepare_books(run: LibraryRun, engine: Engine) -> tuple[list[PreparedBook], dict[str, UnitJob]]:
    """Read and plan every book; a book that fails is recorded in its outcome and left out."""
    books: list[PreparedBook] = []
    jobs: dict[str, UnitJob] = {}
    outcomes = run.outcomes
    for index, (path, output) in enumerate(zip(run.inputs, run.outputs)):
        try:
            item, book_jobs = _prepare(index, path, output, run.options, engine)
        except AudiobookError as exc:
            outcomes[index].error = _one_line(exc)
            outcomes[index].exit_code = exc.exit_code
            log.warning("%s: %s", path, outcomes[index].error)
            continue
        books.append(item)
        for key, job in book_jobs.items():
            jobs.setdefault(key, job)
    return books, jobs


def run_local(run: LibraryRun) -> RunFigures:
    """Every book's units through one pool of sessions in threads; books assembled as they complete."""
    options, lib = run.options, run.lib
    count, threads = pool_size(os.cpu_count(), lib.sessions)
    if options.threads:
        threads = options.threads
    sessions: queue.Queue[Engine] = queue.Queue()
    engine = _Borrowed(run.name, run.digest, sessions)
    planning = time.perf_counter()
    books, jobs = prepare_books(run, engine)
    plan_s = time.perf_counter() - planning
    tracker = Tracker(run.outcomes, books, lib)
    by_index = {b.index: b for b in books}
    cache = ClipCache(options.cache_dir)
    todo, cached, complete = split_cached(cache, jobs, tracker)
    if todo:
        for _ in range(count):
            sessions.put(_engine(options, threads))
    limit = lib.in_flight or 4 * count

    def synthesize(job: UnitJob) -> int:
        engine = sessions.get()
        try:
            audio = engine.synthesize(list(job.tokens), job.style, job.speed)
        finally:
            sessions.put(engine)
        cache.put(job.key, audio)
        return int(audio.size)

    def assemble(index: int) -> None:
        item = by_index[index]
        try:
            tracker.written(index, write_book(item, options))
        except AudiobookError as exc:
            tracker.fail(index, exc)
        finally:
            # The plan and the synthesizer of a written book are not needed again.
            by_index.pop(index, None)

    # One book is assembled at a time, beside the synthesis of the next ones.
    with ThreadPoolExecutor(count, thread_name_prefix="audiobook-session") as pool, ThreadPoolExecutor(
        1, thread_name_prefix="audiobook-assembly"
    ) as assembler:
        written: list[Future[None]] = [assembler.submit(assemble, i) for i in complete]
        running: dict[Future[int], str] = {}

        def settle(futures: Iterable[Future[int]]) -> None:
            for future in futures:
                key = running.pop(future)
                error = future.exception()
                if error is not None:
                    tracker.clip_failed(key, error)
                    continue
                for index in tracker.clip_done(key, future.result()):
                    written.append(assembler.submit(assemble, index))

        for job in todo:
            # Units of failed books are not worth synthesizing.
            if not any(i in tracker.waiting for i in tracker.users.get(job.key, ())):
                continue
            while len(running) >= limit:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                settle(done)
            running[pool.submit(synthesize, job)] = job.key
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            settle(done)
        for future in written:
            future.result()
    while not sessions.empty():
        sessions.get()
    return RunFigures(count, len(todo), cached, plan_s)


def book_payload(item: PreparedBook) -> dict[str, Any]:
    """What an assembly task on another process needs of a prepared book (its synthesizer is rebuilt there)."""
    return {
        "index": item.index,
        "input": item.input,
        "output": item.output,
        "book": item.book,
        "plans": item.plans,
        "reason": item.reason,
        "reporter": item.reporter,
        "keys": item.keys,
        "units": item.units,
    }


def rebuilt_book(payload: dict[str, Any], options: ConvertOptions, engine: Engine, cache: ClipCache) -> PreparedBook:
    """A prepared book again, on another process: its synthesizer over ``engine`` and ``cache``."""
    synth, _ = make_synthesizer(payload["book"], options, payload["reporter"], engine=engine)
    synth.cache = cache
    return PreparedBook(
        payload["index"], payload["input"], payload["output"], payload["book"], payload["plans"], synth,
        payload["reason"], payload["reporter"], payload["keys"], payload["units"], time.perf_counter(),
    )


def engine_for(options: ConvertOptions, threads: int | None) -> Engine:
    """A loaded engine of the run's kind."""
    return _engine(options, threads)


def lazy_engine(options: ConvertOptions, name: str, digest: str, threads: int | None = None) -> Engine:
    """An engine that loads its model only when asked to synthesize."""
    return _Identity(options, name, digest, threads)
