"""What a server is allowed to do: address, token, folders and the limits on requests."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from audiobook.errors import InputError

__all__ = ["TOKEN_ENV", "ServeSettings", "default_data_dir", "is_loopback"]

TOKEN_ENV = "AUDIOBOOK_SERVE_TOKEN"
"""Environment variable read for the bearer token when ``--token`` is not given."""


def default_data_dir() -> Path:
    """Where jobs and uploads live: ``$XDG_DATA_HOME/audiobook/serve`` (``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "audiobook" / "serve"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    """Options of ``audiobook serve``; each limit is a documented setting with a default."""

    host: str = "127.0.0.1"
    """Address to listen on; anything but loopback requires ``token``."""
    port: int = 8880
    """TCP port."""
    data_dir: Path | None = None
    """Jobs (SQLite), uploads and results; ``None``: ``default_data_dir()``."""
    token: str | None = None
    """Bearer token every request must carry (``Authorization: Bearer ...``); ``None``: none asked."""
    cache_dir: Path | None = None
    """Clip cache shared by every request and job; ``None``: ``<cache root>/clips``."""
    threads: int | None = None
    """Engine threads; ``None``: every core."""
    max_upload_bytes: int = 64 * 1024 * 1024
    """Largest book a job may upload (413 past it)."""
    max_speech_chars: int = 4096
    """Most characters in one speech request's ``input`` (413 past it), as OpenAI's API allows."""
    max_speech_running: int = 4
    """Speech requests synthesized at once; more get 429."""
    max_jobs_running: int = 1
    """Jobs converted at once; the others wait in the queue."""
    max_jobs_queued: int = 100
    """Jobs waiting; past it a new job gets 429."""
    rate_per_minute: int = 120
    """Requests one client address may make per minute (429 past it); 0: no limit."""
    max_check_chars: int = 256 * 1024
    """Most characters the page's live validator checks in one request (413 past it)."""

    @property
    def data(self) -> Path:
        """The data folder in use."""
        return self.data_dir or default_data_dir()

    def check(self) -> None:
        """Refuse settings that would expose the server or make no sense."""
        if not is_loopback(self.host) and not self.token:
            raise InputError(
                f"--host {self.host} listens beyond this machine; give --token (or ${TOKEN_ENV}) so requests need it"
            )
        if not 0 < self.port < 65536:
            raise InputError(f"--port {self.port} is outside 1-65535")
        for name in ("max_upload_bytes", "max_speech_chars", "max_speech_running", "max_jobs_running", "max_jobs_queued"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1")
        if self.rate_per_minute < 0:
            raise InputError("--rate-per-minute must be 0 (no limit) or more")
