"""A real ``audiobook serve`` in a child process, on a free loopback port, for the server tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``audiobook serve`` with ``args``; ``url`` once started."""

    def __init__(self, data_dir: Path, *args: str, token: str | None = None) -> None:
        self.data_dir = data_dir
        self.args = list(args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 60.0) -> Server:
        """Start the server and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-c", "import sys; from audiobook.cli import main; sys.exit(main())", "serve",
               "--port", str(self.port), "--data-dir", str(self.data_dir), *self.args]
        if self.token:
            cmd += ["--token", self.token]
        with open(self.log, "ab") as log:
            # Offline like every test: the server reaches no network by accident.
            env = {**os.environ, "AUDIOBOOK_OFFLINE": "1"}
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped at start: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout} s")

    def client(self, timeout: float = 300.0) -> httpx.Client:
        """An HTTP client for this server (with the token, when there is one)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, timeout=timeout, headers=headers)

    def kill(self) -> None:
        """Stop it the hard way (SIGKILL), as a crash or an out-of-memory kill would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """Stop it the polite way (SIGTERM), or kill it after 20 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
