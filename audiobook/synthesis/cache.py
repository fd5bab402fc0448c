"""The clip cache: every synthesized unit stored under a hash of what determines its audio.

A rerun of the same book synthesizes nothing; a run killed halfway resumes where it stopped, since
each clip is written to a temporary name and moved into place only when complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

__all__ = ["ClipCache", "unit_key", "CACHE_VERSION"]

log = logging.getLogger(__name__)

CACHE_VERSION = 1
"""Bumped when the stored format or anything else that shapes a clip changes."""


def unit_key(phonemes: str, voice_digest: str, speed: float, engine: str, model_digest: str) -> str:
    """The cache key of one unit: a SHA-256 over everything that determines its audio."""
    blob = json.dumps(
        [CACHE_VERSION, phonemes, voice_digest, round(speed, 4), engine, model_digest],
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ClipCache:
    """Clips as raw float16 files in a two-level folder tree (``ab/abcdef….f16``)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0

    @staticmethod
    def _path(folder: Path, key: str) -> Path:
        return folder / key[:2] / f"{key}.f16"

    def get(self, key: str) -> np.ndarray | None:
        """The stored clip, or ``None``."""
        if self.folder is None:
            return None
        path = self._path(self.folder, key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as exc:
            log.warning("cache: cannot read %s (%s); synthesizing again", path, exc)
            self.misses += 1
            return None
        self.hits += 1
        return np.frombuffer(data, dtype="<f2").astype(np.float32)

    def put(self, key: str, audio: np.ndarray) -> None:
        """Store a clip atomically; a full disk only costs the cache, never the run."""
        if self.folder is None:
            return
        path = self._path(self.folder, key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(np.asarray(audio, dtype="<f2").tobytes())
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cache: cannot write %s (%s)", path, exc)
            tmp.unlink(missing_ok=True)
