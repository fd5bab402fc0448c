"""``audiobook voices``: the table, the default and why, downloads from a hub, offline mode.

Downloads are tested against a small hub served on 127.0.0.1 (``HF_ENDPOINT``), never the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_checks import words

SHARED = Path(__file__).resolve().parents[2] / "shared" / "voices"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    """The environment of a user with no voice packs of their own and an empty cache."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("AUDIOBOOK_VOICE_PATH", "AUDIOBOOK_OFFLINE", "HF_HUB_OFFLINE")
    }
    env["AUDIOBOOK_CACHE"] = str(tmp_path / "cache")
    env["HF_HOME"] = str(tmp_path / "hf")
    return env


class _Hub(http.server.BaseHTTPRequestHandler):
    """Serves one file at every ``/<repo>/resolve/<revision>/<path>`` like the hub does."""

    payload = b""

    def _headers(self) -> bool:
        if "/resolve/" not in self.path:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.send_header("ETag", f'"{hashlib.sha256(self.payload).hexdigest()}"')
        self.send_header("X-Repo-Commit", "0" * 40)
        self.end_headers()
        return True

    def do_HEAD(self) -> None:
        self._headers()

    def do_GET(self) -> None:
        if self._headers():
            self.wfile.write(self.payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def local_hub() -> Iterator:
    """Start a hub on 127.0.0.1; yields a function that sets the bytes it serves and returns its URL."""
    pytest.importorskip("huggingface_hub")
    handler = type("Hub", (_Hub,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(payload: bytes) -> str:
        handler.payload = payload
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    server.shutdown()
    server.server_close()


def test_list_says_which_voice_is_the_default_and_why(clean_env):
    proc = cli("voices", "list", "--offline", env=clean_env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "default voice: af_heart (ships with audiobook)"
    heart = next(line for line in lines if line.startswith("af_heart"))
    assert "*" in heart and heart.endswith("embedded")
    alpha = next(line for line in lines if line.startswith("jf_alpha"))
    assert "*" not in alpha and alpha.endswith("embedded")
    sky = next(line for line in lines if line.startswith("af_sky"))
    assert "not on disk (audiobook voices pull af_sky" in sky
    assert any(line.startswith("preset warm-duo:") for line in lines)


def test_list_filters_by_language_family_and_gender(clean_env):
    proc = cli("voices", "list", "--lang", "en", "--gender", "male", "--offline", env=clean_env)
    names = [line.split()[0] for line in proc.stdout.splitlines()[2:]]
    assert names and all(n.startswith(("am_", "bm_")) for n in names)
    assert {"am_michael", "bm_george"} <= set(names)


@pytest.mark.skipif(not (SHARED / "af_heart.pt").exists(), reason="official voice packs not present")
def test_list_shows_packs_on_the_voice_path(clean_env):
    env = {**clean_env, "AUDIOBOOK_VOICE_PATH": str(SHARED)}
    proc = cli("voices", "list", "--lang", "fr", env=env)
    assert proc.stdout.splitlines()[0] == "default voice: af_heart (af_heart is on disk)"
    assert f"{SHARED / 'ff_siwis.pt'}" in proc.stdout


def test_pull_offline_is_one_clear_line(clean_env):
    proc = cli("voices", "pull", "af_heart", "bf_emma", "--offline", env=clean_env)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [
        (
            "audiobook: error: offline mode is on (--offline, AUDIOBOOK_OFFLINE or HF_HUB_OFFLINE); "
            "cannot download af_heart, bf_emma"
        )
    ]


def test_pull_unknown_voice(clean_env):
    proc = cli("voices", "pull", "zz_nobody", env=clean_env)
    assert proc.returncode == 3 and "not an official voice: zz_nobody" in proc.stderr


@pytest.mark.skipif(not (SHARED / "af_heart.pt").exists(), reason="official voice packs not present")
def test_pull_downloads_verifies_and_installs(clean_env, local_hub):
    env = {**clean_env, "HF_ENDPOINT": local_hub((SHARED / "af_heart.pt").read_bytes())}
    proc = cli("voices", "pull", "af_heart", env=env)
    assert proc.returncode == 0, proc.stderr
    target = Path(clean_env["AUDIOBOOK_CACHE"]) / "voices" / "af_heart.pt"
    assert proc.stdout.strip() == f"ok {target}"
    assert target.read_bytes() == (SHARED / "af_heart.pt").read_bytes()
    listed = cli("voices", "list", "--lang", "en-us", "--offline", env=clean_env)
    assert listed.stdout.splitlines()[0] == "default voice: af_heart (af_heart is on disk)"


def test_pull_refuses_a_download_with_the_wrong_checksum(clean_env, local_hub):
    env = {**clean_env, "HF_ENDPOINT": local_hub(b"\x00" * 1000)}
    proc = cli("voices", "pull", "af_heart", env=env)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not match its SHA-256" in lines[0]
    assert not (Path(clean_env["AUDIOBOOK_CACHE"]) / "voices" / "af_heart.pt").exists()


@pytest.mark.slow
def test_offline_conversion_speaks_with_the_shipped_af_heart_and_says_so(clean_env, tmp_path, whisper):
    out = tmp_path / "hi.wav"
    proc = cli("say", "The lamp is lit.", "-o", str(out), "--offline", env=clean_env)
    assert proc.returncode == 0, proc.stderr
    notices = [line for line in proc.stderr.splitlines() if line.startswith("voice:")]
    assert notices == ["voice: af_heart (ships with audiobook)"]
    assert words(whisper(out)) == ["the", "lamp", "is", "lit"]
