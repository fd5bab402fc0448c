"""Jobs for whole books through ``audiobook serve``: upload, progress, download, cancel, and a job
that survives the server being killed in the middle of it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from audio_checks import RATE, chapters, decode
from conftest import SAMPLES
from servekit import Server

from audiobook.cli import main

BOOK = SAMPLES / "three-chapters.md"
TITLES = ["The Storm", "The Visitor", "The Morning"]
# Short enough to stay cheap, long enough to kill the server in the middle of it.
SMALL = """---
title: Two Rooms
---

# The Kitchen

The kettle was still warm. Someone had left a note by the bread.

# The Attic

Dust covered every trunk. One of them was open.
"""
SMALL_TITLES = ["The Kitchen", "The Attic"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("serve-jobs")
    srv = Server(root / "data", "--cache-dir", str(root / "clips"), "--max-jobs", "1", "--rate", "0").start()
    yield srv
    srv.stop()


def submit(http: httpx.Client, path: Path, **fields: str) -> dict:
    got = http.post("/v1/jobs", files={"file": (path.name, path.read_bytes())}, data=fields)
    assert got.status_code == 201, got.text
    return got.json()


def wait_for(http: httpx.Client, job_id: str, until, timeout: float = 400.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/v1/jobs/{job_id}").json()
        if until(job):
            return job
        assert job["state"] not in ("failed",), job["error"]
        time.sleep(0.25)
    raise AssertionError(f"job {job_id} never got there: {job}")


@pytest.mark.slow
def test_a_job_survives_a_killed_server_and_loses_nothing(server: Server, tmp_path: Path) -> None:
    book = tmp_path / "two-rooms.md"
    book.write_text(SMALL)
    with server.client() as http:
        job = submit(http, book, format="mp3", subtitles="srt")
        assert job["state"] in ("queued", "running") and job["filename"] == "two-rooms.md"
        running = wait_for(http, job["id"], lambda j: j["state"] == "running" and j["progress"]["done"] >= 1)
        assert running["progress"]["total"] > running["progress"]["done"]
        assert [c["title"] for c in running["chapters"]] == SMALL_TITLES
        # A second job waits behind the first (one runs at a time); cancelling it is immediate.
        other = submit(http, book, format="m4b")
        assert http.get(f"/v1/jobs/{other['id']}").json()["state"] == "queued"
        assert http.delete(f"/v1/jobs/{other['id']}").json()["state"] == "cancelled"
    server.kill()
    server.start()
    with server.client() as http:
        done = wait_for(http, job["id"], lambda j: j["state"] == "done")
        result = done["result"]
        assert done["runs"] == 2
        # The sentences spoken before the kill came back from the clip cache.
        assert result["synthesized"] <= result["units"] - running["progress"]["done"]
        assert http.get(f"/v1/jobs/{other['id']}").json()["state"] == "cancelled"
        audio = http.get(f"/v1/jobs/{job['id']}/audio")
        assert audio.status_code == 200
        assert audio.headers["content-disposition"].endswith('filename="two-rooms.mp3"')
        path = tmp_path / "book.mp3"
        path.write_bytes(audio.content)
        table = chapters(path)
        assert [title for title, _ in table] == SMALL_TITLES
        for (_, start), chapter in zip(table, done["chapters"]):
            assert abs(start - chapter["start"]) < 0.06
        assert abs(len(decode(path)) / RATE - result["seconds"]) < 0.2
        subtitles = http.get(f"/v1/jobs/{job['id']}/subtitles").text
        assert "The kettle was still warm." in subtitles and "-->" in subtitles
        timings = http.get(f"/v1/jobs/{job['id']}/timings").json()
        assert len(timings["sentences"]) == result["units"]
        assert any(j["id"] == job["id"] for j in http.get("/v1/jobs").json()["jobs"])
        assert http.delete(f"/v1/jobs/{job['id']}").json() == {"id": job["id"], "deleted": True}
        assert http.get(f"/v1/jobs/{job['id']}").status_code == 404


@pytest.mark.slow
def test_a_running_job_can_be_cancelled(server: Server, tmp_path: Path) -> None:
    book = tmp_path / "short.md"
    book.write_text("# One\n\n" + " ".join(f"Line {n} of the list." for n in range(1, 30)) + "\n")
    with server.client() as http:
        job = submit(http, book)
        wait_for(http, job["id"], lambda j: j["state"] == "running" and j["progress"]["done"] >= 1)
        assert http.delete(f"/v1/jobs/{job['id']}").json()["state"] == "cancelling"
        stopped = wait_for(http, job["id"], lambda j: j["state"] == "cancelled", timeout=120)
        assert stopped["progress"]["done"] < stopped["progress"]["total"]
        assert http.get(f"/v1/jobs/{job['id']}/audio").status_code == 409


def test_bad_jobs_get_the_line_the_cli_prints(server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def cli_error(args: list[str]) -> str:
        assert main(args) != 0
        return capsys.readouterr().err.strip().splitlines()[-1].removeprefix("audiobook: error: ")

    with server.client() as http:
        for fields, args in (({"speed": "9"}, ["--speed", "9"]), ({"sentence_pause": "70000"}, ["--sentence-pause", "70000"]),
                             ({"loudness": "3"}, ["--loudness", "3"])):
            got = http.post("/v1/jobs", files={"file": ("b.md", BOOK.read_bytes())}, data=fields)
            assert got.status_code == 400
            assert got.json()["error"]["message"] == cli_error(["convert", str(BOOK), "-o", str(tmp_path / "x.m4b"), *args])
        docx = http.post("/v1/jobs", files={"file": ("book.docx", b"PK\x03\x04")})
        assert docx.status_code == 400 and "send one of: .epub, .md" in docx.json()["error"]["message"]
        unknown = http.post("/v1/jobs", files={"file": ("b.md", b"# A\n\nHi.")}, data={"lexicon": "/etc/passwd"})
        assert unknown.status_code == 400 and "unknown option 'lexicon'" in unknown.json()["error"]["message"]
        assert http.post("/v1/jobs", data={"voice": "af_heart"}).status_code == 400
        assert http.get("/v1/jobs/" + "0" * 32).status_code == 404
        assert http.get("/v1/jobs/../../etc/passwd").status_code == 404


def test_inspect_lists_chapters_with_word_counts(server: Server) -> None:
    with server.client() as http:
        got = http.post("/v1/inspect", files={"file": (BOOK.name, BOOK.read_bytes())}).json()
    assert got["title"] == "The Lighthouse Keeper's Cat"
    assert [c["title"] for c in got["chapters"]] == TITLES
    assert all(c["words"] > 10 for c in got["chapters"])
    assert json.dumps(got).count("/tmp") == 0


def test_an_upload_reaches_no_other_file_on_the_server(server: Server) -> None:
    book = b'# One\n\nBefore. <audio src="/etc/hostname">The fallback.</audio> After.\n\n<lexicon uri="../jobs.sqlite3"/>\n'
    with server.client() as http:
        got = http.post("/v1/inspect", files={"file": ("b.md", book)}).json()
    warnings = " ".join(got["warnings"])
    assert "'/etc/hostname'" in warnings and "refused" in warnings, warnings
    assert "'../jobs.sqlite3'" in warnings, warnings
