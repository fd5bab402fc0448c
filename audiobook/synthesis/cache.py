"""The clip cache: every synthesized unit stored under a hash of what determines its audio.

A rerun of the same book synthesizes nothing; a run killed halfway resumes where it stopped, since
each clip is written to a temporary name and moved into place only when complete.

The cache is untrusted like any other input: a disk fills, a copy is cut short, someone edits a
file. Each clip carries its length and a CRC-32 of its samples, and a clip that does not match them
(or holds values no clip can hold) is removed and synthesized again, never played.

Beside a clip, when the engine gave them, its per-token durations (``….dur``: a header with the
count and a CRC-32, then int16 frame counts), from which word timings follow. A clip without
them (an older cache, an engine without durations) still plays; a run that needs word timings
synthesizes it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = ["ClipCache", "unit_key", "CACHE_VERSION", "MAX_CLIP_BYTES"]

log = logging.getLogger(__name__)

CACHE_VERSION = 2
"""Bumped when the stored format or anything else that shapes a clip changes (2: a header with the
length and a checksum)."""

MAX_CLIP_BYTES = 16 * 1024 * 1024
"""Largest clip file read back: about six minutes of audio, where a unit of 510 tokens at the
slowest speed gives under two. A larger file is damaged and synthesized again."""

_MAGIC = b"ABCLIP\x00\x02"
_DUR_MAGIC = b"ABDUR\x00\x00\x01"
MAX_DURATIONS = 4096
"""Most durations a file may hold (a unit has at most 512 ids); a longer one is damaged."""
_HEADER = struct.Struct("<8sII")
"""Magic, sample count, CRC-32 of the samples' bytes; float16 little-endian samples follow."""


def unit_key(phonemes: str, voice_digest: str, speed: float, engine: str, model_digest: str) -> str:
    """The cache key of one unit: a SHA-256 over everything that determines its audio."""
    blob = json.dumps(
        [CACHE_VERSION, phonemes, voice_digest, round(speed, 4), engine, model_digest],
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _encode(audio: np.ndarray) -> bytes:
    payload = np.asarray(audio, dtype="<f2").tobytes()
    return _HEADER.pack(_MAGIC, len(payload) // 2, zlib.crc32(payload)) + payload


def _decode(data: bytes) -> np.ndarray:
    """The samples of a stored clip; ``ValueError`` saying what is wrong when it is damaged."""
    if len(data) < _HEADER.size:
        raise ValueError(f"{len(data)} bytes, shorter than the header")
    magic, samples, crc = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise ValueError("not a clip of this cache version")
    payload = memoryview(data)[_HEADER.size :]
    if len(payload) != samples * 2:
        raise ValueError(f"{len(payload)} bytes of audio where the header says {samples * 2}")
    if zlib.crc32(payload) != crc:
        raise ValueError("the checksum does not match")
    audio = np.frombuffer(payload, dtype="<f2").astype(np.float32)
    if not np.isfinite(audio).all():
        raise ValueError("it holds NaN or infinite samples")
    return audio


def _encode_durations(durations: np.ndarray) -> bytes:
    payload = np.clip(np.asarray(durations), 0, 32767).astype("<i2").tobytes()
    return _HEADER.pack(_DUR_MAGIC, len(payload) // 2, zlib.crc32(payload)) + payload


def _decode_durations(data: bytes) -> np.ndarray:
    if len(data) < _HEADER.size:
        raise ValueError("shorter than the header")
    magic, count, crc = _HEADER.unpack_from(data)
    payload = memoryview(data)[_HEADER.size :]
    if magic != _DUR_MAGIC or count > MAX_DURATIONS or len(payload) != count * 2 or zlib.crc32(payload) != crc:
        raise ValueError("not a durations file of this cache version, or damaged")
    durations = np.frombuffer(payload, dtype="<i2").astype(np.int64)
    if (durations < 0).any():
        raise ValueError("negative durations")
    return durations


class ClipCache:
    """Clips in a two-level folder tree (``ab/abcdef….f16``): a header with the length and a
    CRC-32, then float16 samples."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.damaged = 0
        """Clips found damaged (and synthesized again) in this run."""

    @staticmethod
    def _path(folder: Path, key: str) -> Path:
        return folder / key[:2] / f"{key}.f16"

    def get(self, key: str) -> np.ndarray | None:
        """The stored clip, or ``None``."""
        if self.folder is None:
            return None
        path = self._path(self.folder, key)
        try:
            with path.open("rb") as f:
                # Never more than a clip can be: a runaway file is not read whole.
                data = f.read(MAX_CLIP_BYTES + 1)
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as exc:
            log.warning("cache: cannot read %s (%s); synthesizing again", path, exc)
            self.misses += 1
            return None
        try:
            if len(data) > MAX_CLIP_BYTES:
                raise ValueError(f"more than {MAX_CLIP_BYTES} bytes")
            audio = _decode(data)
        except ValueError as exc:
            log.warning("cache: %s is damaged (%s); synthesizing again", path, exc)
            self.damaged += 1
            self.misses += 1
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass  # put() replaces it, or this run simply never trusts it
            return None
        self.hits += 1
        return audio

    def get_durations(self, key: str) -> np.ndarray | None:
        """The stored durations of a clip, or ``None`` (absent or damaged)."""
        if self.folder is None:
            return None
        path = self._path(self.folder, key).with_suffix(".dur")
        try:
            with path.open("rb") as f:
                data = f.read(_HEADER.size + 2 * MAX_DURATIONS + 1)
        except OSError:
            return None
        try:
            durations = _decode_durations(data)
        except ValueError as exc:
            log.warning("cache: %s is damaged (%s); ignored", path, exc)
            return None
        return durations

    def put(self, key: str, audio: np.ndarray, durations: np.ndarray | None = None) -> None:
        """Store a clip (and its durations) atomically; a full disk only costs the cache, never the run."""
        if self.folder is None:
            return
        dur = self._path(self.folder, key).with_suffix(".dur")
        if durations is not None:
            self._store(dur, _encode_durations(durations))
        else:
            # Durations of an earlier take of this clip would misplace its words.
            dur.unlink(missing_ok=True)
        self._store(self._path(self.folder, key), _encode(audio))

    def _store(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cache: cannot write %s (%s)", path, exc)
            tmp.unlink(missing_ok=True)
