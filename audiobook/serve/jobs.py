"""Jobs for whole books: state in SQLite, work in a few threads, results in the job's folder.

A job is a folder (``<data>/jobs/<id>/``: the upload, the audiobook, subtitles, timings) and a row.
Workers run ``convert.convert`` on it, exactly as the CLI does. A server stopped or killed mid-job
finds the row still ``running`` when it starts again and queues it first: the clips already
synthesized are in the clip cache, so the rerun only synthesizes what is missing.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from audiobook.config import SAMPLE_RATE
from audiobook.convert import convert
from audiobook.errors import AudiobookError
from audiobook.serve.options import job_options, output_name
from audiobook.synthesis.engines import Engine

__all__ = ["STATES", "JobCancelled", "JobStore", "Workers"]

log = logging.getLogger(__name__)

STATES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled")
"""Every state a job can be in."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    state TEXT NOT NULL,
    filename TEXT NOT NULL,
    source TEXT NOT NULL,
    options TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    audio_s REAL NOT NULL DEFAULT 0,
    started REAL,
    finished REAL,
    runs INTEGER NOT NULL DEFAULT 0,
    chapters TEXT NOT NULL DEFAULT '[]',
    warnings TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    result TEXT
)
"""

_PROGRESS_EVERY_S = 0.5


class JobCancelled(Exception):
    """Raised inside a running job's progress callback once the job is cancelled."""


class JobStore:
    """The jobs table; safe to use from many threads."""

    def __init__(self, data: Path) -> None:
        self.root = data / "jobs"
        self.root.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(data / "jobs.sqlite3"), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def folder(self, job_id: str) -> Path:
        """The job's folder."""
        return self.root / job_id

    def create(self, filename: str, suffix: str, data_path: Path, fields: Mapping[str, str]) -> str:
        """A new queued job for the upload at ``data_path`` (moved into the job's folder)."""
        job_id = uuid.uuid4().hex
        folder = self.folder(job_id)
        folder.mkdir(parents=True)
        source = f"book{suffix}"
        shutil.move(str(data_path), folder / source)
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, created, state, filename, source, options) VALUES (?, ?, 'queued', ?, ?, ?)",
                (job_id, time.time(), filename, source, json.dumps(dict(fields))),
            )
        return job_id

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job's row as a dict, or ``None``."""
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return dict(row) if row else None

    def list(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest jobs first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def count(self, state: str) -> int:
        """Jobs in ``state``."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM jobs WHERE state = ?", (state,)).fetchone()[0])

    def update(self, job_id: str, **values: Any) -> None:
        """Set columns of one job."""
        names = ", ".join(f"{k} = ?" for k in values)
        with self._lock:
            self._db.execute(f"UPDATE jobs SET {names} WHERE id = ?", (*values.values(), job_id))

    def claim(self) -> dict[str, Any] | None:
        """Take the oldest queued job (jobs interrupted by a stop come first) and mark it running."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM jobs WHERE state = 'queued' ORDER BY runs > 0 DESC, created LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE jobs SET state = 'running', runs = runs + 1, started = ? WHERE id = ?", (time.time(), row["id"])
            )
        return dict(row)

    def requeue_interrupted(self) -> int:
        """Jobs left ``running`` by a server that stopped: queued again, to resume from the cache."""
        with self._lock:
            return self._db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'").rowcount

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job at once; ``False`` when it is not queued."""
        with self._lock:
            n = self._db.execute(
                "UPDATE jobs SET state = 'cancelled', finished = ? WHERE id = ? AND state = 'queued'", (time.time(), job_id)
            ).rowcount
        return n > 0

    def delete(self, job_id: str) -> None:
        """Remove a finished job and its files."""
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        shutil.rmtree(self.folder(job_id), ignore_errors=True)


class Workers:
    """``size`` threads converting queued jobs, one at a time each."""

    def __init__(self, store: JobStore, size: int, engine: Callable[[], Engine], cache_dir: Path | None) -> None:
        self.store = store
        self.size = size
        self._engine = engine
        self._cache_dir = cache_dir
        self._wake = threading.Condition()
        self._stopping = False
        self._cancel: set[str] = set()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Queue interrupted jobs again and start the threads."""
        resumed = self.store.requeue_interrupted()
        if resumed:
            log.info("resuming %d interrupted job(s) from the clip cache", resumed)
        for n in range(self.size):
            t = threading.Thread(target=self._loop, name=f"job-worker-{n}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        """Stop taking jobs; a running one is cancelled and left ``running`` to resume at the next start."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        for t in self._threads:
            t.join(timeout=30)

    def notify(self) -> None:
        """A job was queued."""
        with self._wake:
            self._wake.notify()

    def cancel(self, job_id: str) -> None:
        """Ask the running job ``job_id`` to stop at its next sentence."""
        with self._wake:
            self._cancel.add(job_id)

    def _loop(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            job = self.store.claim()
            if job is None:
                with self._wake:
                    if not self._stopping:
                        self._wake.wait(timeout=1.0)
                continue
            self._run(job)

    def _should_stop(self, job_id: str) -> bool:
        with self._wake:
            return self._stopping or job_id in self._cancel

    def _run(self, job: dict[str, Any]) -> None:
        job_id = job["id"]
        folder = self.store.folder(job_id)
        fields = json.loads(job["options"])
        started = time.time()
        last = [0.0]

        def planned(chapters: list[tuple[str, int]]) -> None:
            self.store.update(
                job_id, chapters=json.dumps([{"title": t, "units": n} for t, n in chapters]), total=sum(n for _, n in chapters)
            )

        def progress(done: int, total: int, audio_s: float) -> None:
            if self._should_stop(job_id):
                raise JobCancelled(job_id)
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_EVERY_S or done == total:
                last[0] = now
                self.store.update(job_id, done=done, total=total, audio_s=audio_s)

        try:
            options = replace(
                job_options(fields, timings=folder / "timings.json"),
                progress=progress,
                planned=planned,
                engine_instance=self._engine(),
                cache_dir=self._cache_dir,
            )
            result = convert(folder / job["source"], folder / output_name(fields), options)
        except JobCancelled:
            with self._wake:
                stopping = self._stopping
                self._cancel.discard(job_id)
            if not stopping:
                self.store.update(job_id, state="cancelled", finished=time.time())
            return
        except AudiobookError as err:
            self.store.update(job_id, state="failed", error=str(err), finished=time.time())
            return
        except Exception as err:  # a bug, not bad input: keep the server up and say what failed
            log.exception("job %s failed", job_id)
            self.store.update(job_id, state="failed", error=f"internal error: {type(err).__name__}: {err}", finished=time.time())
            return
        if result.output.is_dir():
            _zip_folder(result.output, result.output.with_suffix(".zip"))
        summary = {
            "output": result.output.name,
            "seconds": round(result.duration, 3),
            "voice": result.voice,
            "units": result.stats.units,
            "synthesized": result.stats.synthesized,
            "compute_s": round(result.stats.compute_s, 3),
            "wall_s": round(time.time() - started, 3),
        }
        row = self.store.get(job_id) or {}
        units = [c.get("units", 0) for c in json.loads(row.get("chapters") or "[]")]
        chapters = [
            {"title": title, "start": round(start / SAMPLE_RATE, 3), "units": units[i] if i < len(units) else 0}
            for i, (title, start) in enumerate(result.chapters)
        ]
        self.store.update(
            job_id, state="done", finished=time.time(), result=json.dumps(summary), done=result.stats.units,
            total=result.stats.units, audio_s=result.duration, chapters=json.dumps(chapters),
            warnings=json.dumps([str(r) for r in result.reports] + list(result.notices)),
        )


def _zip_folder(folder: Path, target: Path) -> None:
    # Already-compressed audio: stored, not deflated again.
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder)}")
