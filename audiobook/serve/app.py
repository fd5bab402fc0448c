"""The HTTP application: OpenAI's speech API, the jobs API, the validator and the page.

Every route calls what the CLI calls (``convert.prepare``, ``convert.convert``, ``load_book``); the
only logic here is HTTP: limits, the token, and turning ``AudiobookError`` into a JSON answer that
carries the line the CLI would print.
"""

from __future__ import annotations

import hmac
import json
import logging
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from audiobook.convert import ConvertOptions, load_book, run_stages
from audiobook.diagnostics import Reporter
from audiobook.errors import (
    AudiobookError,
    EncodingError,
    InputError,
    ModelError,
    SynthesisError,
)
from audiobook.passes.select import chapter_words
from audiobook.serve.jobs import JobStore, Workers
from audiobook.serve.limits import Gate, LimitExceeded, RateLimiter
from audiobook.serve.options import JOB_FIELDS, job_options, output_name
from audiobook.serve.settings import ServeSettings
from audiobook.serve.speech import (
    SPEECH_MODELS,
    SpeechRequest,
    open_speech,
    source_suffix,
)
from audiobook.synthesis.engines import Engine, create_engine
from voices import catalogue as catalogue_pkg
from voices.choice import default_voice
from voices.packs import VoiceLibrary

__all__ = ["UPLOAD_SUFFIXES", "create_app"]

log = logging.getLogger(__name__)

UPLOAD_SUFFIXES: tuple[str, ...] = (".epub", ".md", ".markdown", ".ssml", ".xml", ".txt")
"""File types a job or an inspection takes."""

_OPEN_PATHS = ("/", "/static/", "/healthz", "/openapi.json")
_CHUNK = 1 << 20


def _error(status: int, message: str, kind: str = "invalid_request_error", headers: dict[str, str] | None = None) -> JSONResponse:
    # OpenAI's error shape, so its clients show the message; ``message`` is the CLI's line.
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status, headers=headers)


def _status(err: AudiobookError) -> int:
    if isinstance(err, (ModelError, SynthesisError)):
        return 500
    if isinstance(err, EncodingError):
        return 500
    return 400


class _OneAtATime:
    """The engine, one model call at a time.

    Requests and jobs then take turns sentence by sentence, each call with every core, instead
    of many calls fighting over the same cores (slower for all, and more memory at once).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self.name = engine.name
        self.digest = engine.digest

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        """The wrapped engine's audio, once no other call is running."""
        with self._lock:
            return self._engine.synthesize(tokens, style, speed)


class _Engine:
    """One engine shared by every request and job, loaded on first use."""

    def __init__(self, threads: int | None) -> None:
        self._threads = threads
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = _OneAtATime(create_engine("onnx", threads=self._threads))
            return self._engine


def _once(fn: Callable[[], None]) -> Callable[[], None]:
    lock = threading.Lock()
    called = [False]

    def run() -> None:
        with lock:
            if called[0]:
                return
            called[0] = True
        fn()

    return run


async def _read_upload(request: Request, limit: int) -> tuple[str, bytes, dict[str, str]]:
    """The ``file`` field and the other fields of a multipart form; 413 past ``limit`` bytes."""
    form = await request.form(max_files=1, max_fields=len(JOB_FIELDS) + 1, max_part_size=limit + 1)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InputError("no file: send the book as the multipart field 'file'")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(f"the upload is over {limit} bytes, the limit", 413, 3600)
    fields = {k: v for k, v in form.items() if k != "file" and isinstance(v, str)}
    return upload.filename or "book", data, fields


def _suffix(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(f"{Path(filename).name}: cannot read {suffix or 'a file without extension'}; send one of: {', '.join(UPLOAD_SUFFIXES)}")
    return suffix


def _job_json(row: dict[str, Any]) -> dict[str, Any]:
    """A job as the API shows it: state, progress, chapters, warnings and result."""
    done, total = row["done"], row["total"]
    eta = None
    if row["state"] == "running" and row["started"] and 0 < done < total:
        elapsed = time.time() - row["started"]
        eta = round(elapsed / done * (total - done), 1)
    chapters = json.loads(row["chapters"] or "[]")
    left = done
    for chapter in chapters:
        units = chapter.get("units", 0)
        chapter["done"] = min(units, max(left, 0))
        left -= units
    out: dict[str, Any] = {
        "id": row["id"],
        "filename": row["filename"],
        "state": row["state"],
        "created": row["created"],
        "progress": {"done": done, "total": total, "audio_seconds": round(row["audio_s"], 2), "eta_seconds": eta},
        "chapters": chapters,
        "warnings": json.loads(row["warnings"] or "[]"),
        "error": row["error"],
        "runs": row["runs"],
        "options": json.loads(row["options"] or "{}"),
    }
    if row["result"]:
        out["result"] = json.loads(row["result"])
    return out


def create_app(settings: ServeSettings) -> FastAPI:
    """The server's application for ``settings`` (checked first)."""
    settings.check()
    data = settings.data
    data.mkdir(parents=True, exist_ok=True)
    uploads = data / "uploads"
    uploads.mkdir(exist_ok=True)
    engine = _Engine(settings.threads)
    store = JobStore(data)
    workers = Workers(store, settings.max_jobs_running, engine, settings.cache_dir)
    speech_gate = Gate(settings.max_speech_running, "speech requests")
    rate = RateLimiter(settings.rate_per_minute)

    def body_cap(path: str) -> int:
        # Multipart framing and the option fields take a little room beside the file.
        if path in ("/v1/jobs", "/v1/inspect"):
            return settings.max_upload_bytes + 64 * 1024
        # JSON escapes can take six bytes a character.
        return 6 * max(settings.max_speech_chars, settings.max_check_chars) + 64 * 1024

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        workers.start()
        try:
            yield
        finally:
            workers.stop()
            store.close()

    # No interactive docs: their page loads its scripts from a CDN. The schema is at /openapi.json.
    app = FastAPI(title="audiobook", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.store = store

    @app.middleware("http")
    async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
        path = request.url.path
        open_path = path == "/" or any(path.startswith(p) for p in _OPEN_PATHS[1:])
        if settings.token and not open_path:
            given = request.headers.get("authorization", "")
            scheme, _, token = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.token.encode()):
                return _error(401, "missing or wrong bearer token; send 'Authorization: Bearer <token>'", "authentication_error",
                              {"WWW-Authenticate": "Bearer"})
        if not open_path:
            try:
                rate.hit(request.client.host if request.client else "unknown")
            except LimitExceeded as exc:
                return _error(exc.status, str(exc), "rate_limit_error", {"Retry-After": str(exc.retry_after)})
        if request.method in ("POST", "PUT", "PATCH"):
            # A body of declared length only: the server (h11) holds the client to it, so no
            # upload can grow past the limit on disk or in memory while it is being received.
            declared = request.headers.get("content-length", "")
            if not declared.isdigit():
                return _error(411, "send the body with a Content-Length (no chunked uploads)")
            cap = body_cap(path)
            if int(declared) > cap:
                return _error(413, f"the body is {int(declared)} bytes; the limit here is {cap} bytes",
                              headers={"Retry-After": "3600"})
        return await call_next(request)

    @app.exception_handler(AudiobookError)
    async def on_audiobook_error(request: Request, exc: AudiobookError) -> JSONResponse:
        status = _status(exc)
        return _error(status, str(exc), "invalid_request_error" if status < 500 else "server_error")

    @app.exception_handler(LimitExceeded)
    async def on_limit(request: Request, exc: LimitExceeded) -> JSONResponse:
        return _error(exc.status, str(exc), "rate_limit_error" if exc.status == 429 else "invalid_request_error",
                      {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return _error(400, f"{where or 'request'}: {first.get('msg', 'invalid')}")

    # -- the page ----------------------------------------------------------------------------

    static = resources.files("audiobook.serve") / "static"

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response((static / "index.html").read_bytes(), media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # -- OpenAI's speech API -----------------------------------------------------------------

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "audiobook"} for m in SPEECH_MODELS]}

    @app.get("/v1/audio/voices")
    async def voices() -> dict[str, Any]:
        def listing() -> dict[str, Any]:
            library = VoiceLibrary()
            on_disk = library.available()
            catalogue = catalogue_pkg.catalogue()
            default, why = default_voice(library)
            rows: list[dict[str, str | None]] = [
                {"name": name, "language": info.language, "gender": info.gender}
                for name, info in catalogue.items() if name in on_disk
            ]
            rows += [{"name": name, "language": None, "gender": None} for name in sorted(set(on_disk) - set(catalogue))]
            presets = [{"name": name, "spec": spec} for name, spec in catalogue_pkg.presets().items()]
            return {"default": default, "default_reason": why, "voices": rows, "presets": presets}

        return await run_in_threadpool(listing)

    @app.post("/v1/audio/speech")
    async def speech(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            raise InputError("the body is not JSON; send {\"model\", \"input\", \"voice\"}") from None
        if not isinstance(body, dict):
            raise InputError("the body must be a JSON object with model, input and voice")
        try:
            req = SpeechRequest(
                model=str(body.get("model", "kokoro")),
                input=body["input"] if isinstance(body.get("input"), str) else "",
                voice=str(body["voice"]) if body.get("voice") else None,
                response_format=str(body.get("response_format") or "mp3"),
                speed=float(body.get("speed", 1.0)),
                lang=str(body["lang"]) if body.get("lang") else None,
            )
        except (TypeError, ValueError):
            raise InputError("speed must be a number") from None
        speech_gate.enter()
        release = _once(speech_gate.leave)
        try:
            shared = await run_in_threadpool(engine)
            stream = await run_in_threadpool(
                open_speech, req, max_chars=settings.max_speech_chars, engine=shared, cache_dir=settings.cache_dir,
                done=release,
            )
        except OverflowError as exc:
            release()
            raise LimitExceeded(str(exc), 413, 3600) from None
        except BaseException:
            release()
            raise
        # A listener who hangs up before the first byte never starts the stream: free its place anyway.
        weakref.finalize(stream.audio, release)
        shown = stream.warnings[:20]
        while len(json.dumps(shown)) > 4000:
            shown = shown[:-1]
        headers = {
            "X-Audiobook-Voice": stream.voice,
            # ASCII JSON: a header carries no other bytes safely.
            "X-Audiobook-Warnings": json.dumps(shown),
        }
        return StreamingResponse(stream.audio, media_type=stream.media_type, headers=headers)

    # -- reading and checking, for the page ---------------------------------------------------

    @app.post("/v1/inspect")
    async def inspect(request: Request) -> dict[str, Any]:
        filename, payload, fields = await _read_upload(request, settings.max_upload_bytes)
        suffix = _suffix(filename)

        def read() -> dict[str, Any]:
            options = job_options({k: v for k, v in fields.items() if k != "chapters"})
            with tempfile.TemporaryDirectory(dir=uploads) as tmp:
                path = Path(tmp) / f"book{suffix}"
                path.write_bytes(payload)
                reporter = Reporter()
                book = load_book(path, options, reporter)
            return {
                "title": book.meta.title,
                "authors": list(book.meta.authors),
                "language": book.meta.language,
                "chapters": [{"number": i + 1, "title": c.title, "words": chapter_words(c)} for i, c in enumerate(book.chapters)],
                "warnings": [str(r).replace(str(path), filename) for r in reporter.reports],
            }

        return await run_in_threadpool(read)

    @app.post("/v1/check")
    async def check(request: Request) -> dict[str, Any]:
        body = await request.json()
        text = body.get("input") if isinstance(body, dict) else None
        if not isinstance(text, str):
            raise InputError("send {\"input\": \"<speak>...</speak>\"}")
        if len(text) > settings.max_check_chars:
            raise LimitExceeded(f"input has {len(text)} characters; the limit is {settings.max_check_chars}", 413, 3600)

        def validate() -> dict[str, Any]:
            suffix = source_suffix(text)
            problems: list[dict[str, Any]] = []
            with tempfile.TemporaryDirectory(dir=uploads) as tmp:
                path = Path(tmp) / f"input{suffix}"
                path.write_text(text, encoding="utf-8")
                reporter = Reporter()
                options = ConvertOptions(detached=True)
                try:
                    # The voice stage too: a voice the server does not have is a problem to show.
                    run_stages(load_book(path, options, reporter), options, reporter, stop_after="voices")
                except InputError as exc:
                    problems.append({"line": exc.line, "column": exc.column, "code": "error", "message": exc.message})
                except AudiobookError as exc:
                    problems.append({"line": None, "column": None, "code": "error", "message": str(exc)})
                for rep in reporter.reports:
                    line = column = None
                    if rep.where:
                        parts = rep.where.rsplit(":", 2)
                        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                            line, column = int(parts[1]), int(parts[2])
                    problems.append({"line": line, "column": column, "code": rep.code, "message": rep.message})
            return {"format": suffix.lstrip("."), "problems": problems}

        return await run_in_threadpool(validate)

    # -- jobs --------------------------------------------------------------------------------

    @app.post("/v1/jobs", status_code=201)
    async def create_job(request: Request) -> dict[str, Any]:
        filename, payload, fields = await _read_upload(request, settings.max_upload_bytes)
        suffix = _suffix(filename)
        if store.count("queued") >= settings.max_jobs_queued:
            raise LimitExceeded(f"{settings.max_jobs_queued} jobs are waiting already; try again later", 429, 60)
        # Checked now, so a bad option is a 400 at once rather than a failed job later.
        await run_in_threadpool(job_options, fields)
        with tempfile.NamedTemporaryFile(dir=uploads, delete=False) as tmp:
            tmp.write(payload)
        job_id = store.create(Path(filename).name[:200], suffix, Path(tmp.name), fields)
        workers.notify()
        row = store.get(job_id)
        assert row is not None  # just inserted
        return _job_json(row)

    @app.get("/v1/jobs")
    async def list_jobs() -> dict[str, Any]:
        return {"jobs": [_job_json(r) for r in store.list()]}

    def _job(job_id: str) -> dict[str, Any]:
        row = store.get(job_id) if job_id.isalnum() and len(job_id) == 32 else None
        if row is None:
            raise _NotFound(f"no job {job_id[:40]!r}")
        return row

    @app.exception_handler(_NotFound)
    async def on_not_found(request: Request, exc: _NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.get("/v1/jobs/{job_id}")
    async def get_job(job_id: str) -> dict[str, Any]:
        return _job_json(_job(job_id))

    @app.delete("/v1/jobs/{job_id}")
    async def delete_job(job_id: str) -> dict[str, Any]:
        row = _job(job_id)
        if row["state"] == "queued" and store.cancel(job_id):
            return _job_json(store.get(job_id) or row)
        if row["state"] in ("running", "queued"):
            workers.cancel(job_id)
            return {**_job_json(row), "state": "cancelling"}
        store.delete(job_id)
        return {"id": job_id, "deleted": True}

    def _result_file(job_id: str, kind: str) -> FileResponse:
        row = _job(job_id)
        if row["state"] != "done":
            raise _Conflict(f"job {job_id} is {row['state']}; its {kind} is there once it is done")
        folder = store.folder(job_id)
        fields = json.loads(row["options"])
        audio = folder / output_name(fields)
        base = Path(row["filename"]).stem or "book"
        if kind == "audio":
            if audio.is_dir():
                return FileResponse(audio.with_suffix(".zip"), filename=f"{base}.zip", media_type="application/zip")
            return FileResponse(audio, filename=f"{base}{audio.suffix}")
        if kind == "timings":
            return FileResponse(folder / "timings.json", filename=f"{base}.json", media_type="application/json")
        subtitles = fields.get("subtitles")
        target = audio.with_suffix(f".{subtitles}") if subtitles else None
        if target is None or not target.is_file():
            raise _NotFound(f"job {job_id} wrote no subtitles; ask for them with subtitles=srt or vtt")
        return FileResponse(target, filename=f"{base}.{subtitles}", media_type="text/plain; charset=utf-8")

    @app.exception_handler(_Conflict)
    async def on_conflict(request: Request, exc: _Conflict) -> JSONResponse:
        return _error(409, str(exc))

    @app.get("/v1/jobs/{job_id}/audio")
    async def job_audio(job_id: str) -> FileResponse:
        return _result_file(job_id, "audio")

    @app.get("/v1/jobs/{job_id}/subtitles")
    async def job_subtitles(job_id: str) -> FileResponse:
        return _result_file(job_id, "subtitles")

    @app.get("/v1/jobs/{job_id}/timings")
    async def job_timings(job_id: str) -> FileResponse:
        return _result_file(job_id, "timings")

    return app


class _NotFound(Exception):
    """No such job or file: 404."""


class _Conflict(Exception):
    """The job is not in a state that has the thing asked for: 409."""
