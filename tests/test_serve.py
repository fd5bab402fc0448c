"""``audiobook serve``: OpenAI's speech API, the voices, the validator, limits and bad input, against
a real server started on a free loopback port and the real model."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from audio_checks import RATE, decode, words
from servekit import Server

from audiobook.cli import main

TEXT = "The tide came in at noon. Mara counted the boats."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("serve")
    srv = Server(root / "data", "--cache-dir", str(root / "clips"), "--max-chars", "600", "--rate", "0").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def http(server: Server):
    with server.client() as client:
        yield client


def speech(http, **body) -> httpx.Response:
    return http.post("/v1/audio/speech", json={"model": "tts-1", "voice": "af_heart", **body})


def cli_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    """The one line the CLI prints for ``args``, without its ``audiobook: error:`` prefix."""
    assert main(args) != 0
    line = capsys.readouterr().err.strip().splitlines()[-1]
    return line.removeprefix("audiobook: error: ")


def test_voices_and_models_list_what_is_on_disk(http) -> None:
    listing = http.get("/v1/audio/voices").json()
    voices = {v["name"]: v for v in listing["voices"]}
    assert voices["af_heart"] == {"name": "af_heart", "language": "en-us", "gender": "female"}
    assert voices["bm_george"]["gender"] == "male" and voices["bm_george"]["language"] == "en-gb"
    assert listing["default"] in voices
    ids = [m["id"] for m in http.get("/v1/models").json()["data"]]
    assert "kokoro" in ids and "tts-1" in ids


def test_page_and_its_files_come_from_the_package(http) -> None:
    page = http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    # No CDN: every script and style the page loads is served by the server itself.
    assert "https://" not in page.text and "http://" not in page.text
    assert http.get("/static/app.js").status_code == 200


@pytest.mark.slow
def test_speech_in_every_format_is_the_same_speech(http, tmp_path: Path, whisper) -> None:
    wav = speech(http, input=TEXT, response_format="wav")
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert wav.headers.get("transfer-encoding") == "chunked"
    (tmp_path / "s.wav").write_bytes(wav.content)
    seconds = len(decode(tmp_path / "s.wav")) / RATE
    assert 2.0 < seconds < 6.0
    pcm = speech(http, input=TEXT, response_format="pcm")
    assert pcm.headers["content-type"] == "audio/pcm"
    # Raw 16-bit mono at 24 kHz, the same samples as the WAV after its header.
    assert abs(len(pcm.content) / 2 / RATE - seconds) < 0.01
    for fmt, media in (("mp3", "audio/mpeg"), ("opus", "audio/ogg"), ("aac", "audio/aac"), ("flac", "audio/flac")):
        got = speech(http, input=TEXT, response_format=fmt)
        assert got.status_code == 200 and got.headers["content-type"] == media, fmt
        path = tmp_path / f"s.{fmt}"
        path.write_bytes(got.content)
        # Encoders pad a few milliseconds at the edges; the speech is the same length.
        assert abs(len(decode(path)) / RATE - seconds) < 0.15, fmt
    heard = words(whisper(tmp_path / "s.mp3"))
    assert {"tide", "came", "noon", "boats"} <= set(heard), heard
    # Any voice the CLI takes: here a blend.
    blend = speech(http, input="Hello.", voice="af_heart:0.5+bf_emma:0.5", response_format="wav")
    assert blend.status_code == 200 and "af_heart" in blend.headers["x-audiobook-voice"]


@pytest.mark.slow
def test_first_sound_arrives_after_the_first_sentence(http) -> None:
    text = "Bells rang. The ferry left without the mail. Nobody said a word. By evening the fog had closed the bay."
    started = time.perf_counter()
    first = None
    size = 0
    with http.stream("POST", "/v1/audio/speech", json={"model": "kokoro", "input": text, "response_format": "pcm"}) as r:
        assert r.status_code == 200
        for block in r.iter_raw():
            if block and first is None:
                first = time.perf_counter() - started
            size += len(block)
    total = time.perf_counter() - started
    assert first is not None and size / 2 / RATE > 3.5
    # Four sentences: the first bytes come once the first is spoken, well before the last.
    assert first < 0.6 * total, (first, total)


@pytest.mark.slow
def test_the_openai_client_works_unchanged(server: Server, tmp_path: Path) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="not-needed")
    path = tmp_path / "client.mp3"
    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="af_heart", input=TEXT) as response:
        response.stream_to_file(path)
    assert 2.0 < len(decode(path)) / RATE < 6.0
    with pytest.raises(openai.BadRequestError) as err:
        client.audio.speech.create(model="tts-1", voice="zz_nobody", input=TEXT)
    assert "unknown voice 'zz_nobody'" in str(err.value)


def test_bad_input_gets_the_line_the_cli_prints(http, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.wav")
    for body, args in (
        ({"voice": "zz_nobody"}, ["--voice", "zz_nobody"]),
        ({"speed": 3}, ["--speed", "3"]),
        ({"lang": "xx-nowhere"}, ["--lang", "xx-nowhere"]),
    ):
        got = http.post("/v1/audio/speech", json={"model": "tts-1", "input": "Hello.", **body})
        assert got.status_code == 400, got.text
        assert got.json()["error"]["message"] == cli_error(capsys, ["say", "Hello.", "-o", out, *args])
    got = speech(http, input="Hello.", response_format="ogg")
    assert got.status_code == 400 and "use one of: mp3, opus, aac, flac, wav, pcm" in got.json()["error"]["message"]
    assert speech(http, input="   ").status_code == 400
    assert http.post("/v1/audio/speech", content=b"{not json").status_code == 400
    too_long = speech(http, input="word " * 200)
    assert too_long.status_code == 413 and int(too_long.headers["retry-after"]) > 0
    assert "the limit is 600" in too_long.json()["error"]["message"]


@pytest.mark.slow
def test_a_request_reaches_no_file_on_the_server(http, tmp_path: Path) -> None:
    got = speech(http, input='<speak>Before. <audio src="/etc/hostname">The fallback.</audio></speak>', response_format="wav")
    assert got.status_code == 200
    warnings = json.loads(got.headers["x-audiobook-warnings"])
    assert any("<audio> refused" in w and "it can name no file" in w for w in warnings), warnings
    assert all("/tmp" not in w for w in warnings)  # the server's own paths are not shown


def test_the_validator_gives_line_and_column(http) -> None:
    clean = http.post("/v1/check", json={"input": "<speak>Hello <break time='500ms'/> there.</speak>"}).json()
    assert clean == {"format": "ssml", "problems": []}
    bad = http.post("/v1/check", json={"input": "<speak>\nHello <break time='3x'/> there.</speak>"}).json()
    assert [(p["line"], p["column"]) for p in bad["problems"]] == [(2, 7)]
    assert "not a number" in bad["problems"][0]["message"]
    broken = http.post("/v1/check", json={"input": "<speak>\n<p>Hello</speak>"}).json()
    assert broken["problems"] and broken["problems"][0]["line"] == 2
    markdown = http.post("/v1/check", json={"input": "Wait [pause 2s] then go."}).json()
    assert markdown == {"format": "md", "problems": []}


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("serve-limits")
    srv = Server(root / "data", "--rate", "8", "--max-chars", "20", "--max-upload", "1KiB", token="s3cret").start()
    yield srv
    srv.stop()


def test_limits_answer_413_and_429_with_retry_after(strict_server: Server) -> None:
    with httpx.Client(base_url=strict_server.url) as anonymous:
        refused = anonymous.get("/v1/models")
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert anonymous.get("/").status_code == 200  # the page itself asks for the token
    with strict_server.client() as http:
        assert http.get("/v1/models").status_code == 200
        long = http.post("/v1/audio/speech", json={"model": "kokoro", "input": "x" * 21})
        assert long.status_code == 413 and long.headers["retry-after"]
        big = http.post("/v1/jobs", files={"file": ("book.md", b"# A\n\n" + b"word " * 400)})
        assert big.status_code == 413 and "limit" in big.json()["error"]["message"]
        # A body is received only up to its declared length, and that is checked first.
        huge = http.post("/v1/jobs", content=b"x" * (80 * 1024), headers={"content-type": "multipart/form-data; boundary=x"})
        assert huge.status_code == 413 and "the limit here is" in huge.json()["error"]["message"]
        chunked = http.post("/v1/check", content=iter([b'{"input": "Hi."}']), headers={"content-type": "application/json"})
        assert chunked.status_code == 411
        codes = [http.get("/v1/models") for _ in range(8)]
        limited = [r for r in codes if r.status_code == 429]
        assert limited and int(limited[0].headers["retry-after"]) >= 1
        assert "requests a minute" in limited[0].json()["error"]["message"]


def test_listening_beyond_loopback_needs_a_token(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIOBOOK_SERVE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "give --token" in capsys.readouterr().err
