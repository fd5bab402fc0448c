"""A library on a Ray cluster: the same plan, synthesis spread over actors that hold a model each.

The driver reads and plans every book (the text passes run where the books are), then hands each
missing unit, by its content address, to the least busy engine actor. An actor returns the clip's
length and the clip itself: the length comes back to the driver for the progress display; the clip
stays in Ray's object store (and, when the run uses the clip cache, goes into it for reruns; on a
cluster of several machines that cache must be a shared path). A book whose clips are all made is
assembled by a Ray task that reads them from the object store and writes the book, so the driver
holds references, never audio. At most ``in_flight`` units and one book per actor wait at a time.

A worker killed mid-run loses only the units it was running: Ray restarts the actor and runs them
again. A driver killed mid-run is resumed by running the same command again: every clip an actor
finished is in the clip cache.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.convert import ConvertOptions, ConvertResult
from audiobook.errors import ClusterError
from audiobook.library import (
    LibraryOptions,
    LibraryResult,
    LibraryRun,
    RunFigures,
    Tracker,
    book_payload,
    convert_library,
    engine_for,
    lazy_engine,
    prepare_books,
    rebuilt_book,
    split_cached,
    write_book,
)
from audiobook.synthesis.cache import ClipCache

__all__ = ["ACTOR_RESTARTS", "ENGINE_ACTOR", "convert_on_cluster", "run_on_ray"]

log = logging.getLogger(__name__)

ACTOR_RESTARTS = 4
"""Times an engine actor is restarted after its process dies (its running units are retried as often)."""

ENGINE_ACTOR = "EngineActor"
"""Class name of the engine actors, as their worker processes are titled (``ray::EngineActor``)."""


def convert_on_cluster(inputs: Sequence[Path], options: ConvertOptions, lib: LibraryOptions) -> LibraryResult:
    """``convert_library`` on the Ray cluster at ``lib.cluster`` (or one already connected)."""
    return convert_library(inputs, options, lib, runner=run_on_ray)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError("--cluster needs Ray: pip install 'audiobook[cluster]'") from None
    return ray


def _connect(ray: Any, address: str | None) -> bool:
    """Join the cluster unless this process already has; True when this call joined."""
    if ray.is_initialized():
        return False
    # Workers see the driver's settings (cache, voices, offline), whatever their own shell had.
    env = {k: v for k, v in os.environ.items() if k.startswith("AUDIOBOOK_")}
    try:
        ray.init(
            address=None if address in (None, "local") else address,
            runtime_env={"env_vars": env},
            logging_level=logging.ERROR,
            log_to_driver=False,
            include_dashboard=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(
            f"cannot join the Ray cluster at {address}: {str(exc).splitlines()[0] if str(exc) else exc}; "
            "start one with `ray start --head`, or check --cluster and RAY_ADDRESS"
        ) from None
    return True


def _cause(error: BaseException) -> BaseException:
    """The error raised inside a task, rather than Ray's wrapper of it."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, BaseException) else error


_REMOTES: dict[str, Any] = {}


def _remotes(ray: Any) -> tuple[Any, Any]:
    """The actor class and the assembly task, declared once Ray is imported."""
    if _REMOTES:
        return _REMOTES["actor"], _REMOTES["assemble"]

    class EngineActor:
        """One loaded model; synthesizes units by their content address."""

        def __init__(self, options: ConvertOptions, threads: int, folder: str | None):
            self.engine = engine_for(options, threads)
            self.cache = ClipCache(Path(folder) if folder else None)

        @ray.method(num_returns=2)
        def synthesize(self, key: str, tokens: tuple[int, ...], style: np.ndarray, speed: float) -> tuple[int, np.ndarray]:
            """(sample count, clip) of one unit; the clip also goes into the clip cache when there is one."""
            audio = self.engine.synthesize(list(tokens), style, speed)
            self.cache.put(key, audio)
            return int(audio.size), audio

        def pid(self) -> int:
            """The worker process's id."""
            return os.getpid()

    class _StoreCache(ClipCache):
        """Clips from the run's object store first, then the clip cache."""

        def __init__(self, refs: dict[str, Any], folder: Path):
            super().__init__(folder)
            self.refs = refs

        def get(self, key: str) -> np.ndarray | None:
            ref = self.refs.get(key)
            if ref is not None:
                try:
                    audio = ray.get(ref)
                    self.hits += 1
                    return audio
                except ray.exceptions.RayError as exc:
                    log.warning("clip %s lost from the object store (%s); synthesizing it again", key[:12], exc)
                    self.refs.pop(key, None)
            return super().get(key)

    def assemble(
        payload: dict[str, Any], options: ConvertOptions, boxed: list[dict[str, Any]], name: str, digest: str
    ) -> ConvertResult:
        """Write one book from its clips (the references come boxed, so Ray hands them over unresolved)."""
        # The cache always has a folder, a temporary one without the user's: the loudness passes
        # would otherwise swap in a fresh cache and never look in the object store.
        with tempfile.TemporaryDirectory(prefix="audiobook-assembly-") as tmp:
            folder = options.cache_dir if options.use_cache and options.cache_dir else Path(tmp)
            engine = lazy_engine(options, name, digest, threads=1)
            item = rebuilt_book(payload, options, engine, _StoreCache(boxed[0], folder))
            return write_book(item, options)

    actor = ray.remote(max_restarts=ACTOR_RESTARTS, max_task_retries=ACTOR_RESTARTS)(EngineActor)
    task = ray.remote(max_retries=2)(assemble)
    _REMOTES.update(actor=actor, assemble=task)
    return actor, task


def run_on_ray(run: LibraryRun) -> RunFigures:
    """The ``Runner`` of a cluster."""
    ray = _ray()
    joined = _connect(ray, run.lib.cluster)
    try:
        return _run(ray, run)
    finally:
        if joined:
            ray.shutdown()


def _run(ray: Any, run: LibraryRun) -> RunFigures:
    options, lib, name, digest = run.options, run.lib, run.name, run.digest
    Actor, assemble = _remotes(ray)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    threads = options.threads or 1
    # One CPU is left to the assembly tasks where there is more than one.
    fit = max(1, (cpus - (1 if cpus > 1 else 0)) // threads)
    count = min(lib.sessions or fit, max(1, cpus // threads))
    assembly_cpus = 1 if cpus - count * threads >= 1 else 0

    planning = time.perf_counter()
    books, jobs = prepare_books(run, lazy_engine(options, name, digest))
    plan_s = time.perf_counter() - planning
    tracker = Tracker(run.outcomes, books, lib)
    by_index = {b.index: b for b in books}
    users_left = {key: len(users) for key, users in tracker.users.items()}
    cache = ClipCache(options.cache_dir if options.use_cache else None)
    todo, cached, complete = split_cached(cache, jobs, tracker)

    folder = str(options.cache_dir) if options.use_cache else None
    actors = [Actor.options(num_cpus=threads).remote(options, threads, folder) for _ in range(count)] if todo else []
    load = [0] * len(actors)
    limit = lib.in_flight or 4 * max(1, count)
    open_books = max(2, count)
    clips: dict[str, Any] = {}
    """Content address → reference to the clip in the object store."""
    lengths: dict[Any, tuple[str, int]] = {}
    """Reference to a clip's length → (address, actor): the units in flight."""
    writing: dict[Any, int] = {}
    """Reference to an assembly task's result → book index."""

    def start_book(index: int) -> None:
        item = by_index.pop(index)
        refs = {key: clips[key] for key in item.keys if key in clips}
        ref = assemble.options(num_cpus=assembly_cpus).remote(book_payload(item), options, [refs], name, digest)
        writing[ref] = index
        for key in item.keys:
            users_left[key] -= 1
            if users_left[key] == 0:
                # The task holds its own reference; the driver's is not needed any more.
                clips.pop(key, None)

    def settle(block: bool) -> None:
        waiting = [*lengths, *writing]
        if not waiting:
            return
        ready, _ = ray.wait(waiting, num_returns=1, timeout=None if block else 0, fetch_local=True)
        if ready:
            more, _ = ray.wait(waiting, num_returns=len(waiting), timeout=0, fetch_local=True)
            ready = list(dict.fromkeys([*ready, *more]))
        for ref in ready:
            if ref in lengths:
                key, actor = lengths.pop(ref)
                load[actor] -= 1
                try:
                    samples = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    clips.pop(key, None)
                    tracker.clip_failed(key, _cause(exc))
                    for index in tracker.users.get(key, ()):
                        by_index.pop(index, None)
                    continue
                for index in tracker.clip_done(key, samples):
                    start_book(index)
            else:
                index = writing.pop(ref)
                try:
                    tracker.written(index, ray.get(ref))
                except ray.exceptions.RayError as exc:
                    tracker.fail(index, _cause(exc))

    for index in complete:
        start_book(index)
    for job in todo:
        if not any(i in tracker.waiting for i in tracker.users.get(job.key, ())):
            continue  # every book that needs it has failed
        while len(lengths) >= limit or len(writing) >= open_books:
            settle(block=True)
        actor = min(range(len(actors)), key=load.__getitem__)
        length, clip = actors[actor].synthesize.remote(job.key, job.tokens, job.style, job.speed)
        lengths[length] = (job.key, actor)
        clips[job.key] = clip
        load[actor] += 1
    while lengths or writing:
        settle(block=True)
    for actor in actors:
        ray.kill(actor)
    return RunFigures(len(actors) or count, len(todo), cached, plan_s)
