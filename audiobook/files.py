"""Where the project keeps its files, and how it identifies them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["cache_root", "file_digest"]


def cache_root() -> Path:
    """The project's cache folder: ``$AUDIOBOOK_CACHE``, else ``$XDG_CACHE_HOME/audiobook``."""
    env = os.environ.get("AUDIOBOOK_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "audiobook"


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
