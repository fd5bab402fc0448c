"""The writer interface shared by every audio format: streaming, chapter marks, atomic output.

A writer is fed float32 PCM in reading order; ``start_chapter`` marks the sample where a chapter
begins. Everything goes to a hidden temporary file beside the destination
(``.name.partial-PID.ext``, PID the process id) and is moved into place with ``os.replace`` only once
it is complete, so an interrupted run never leaves a file under the final name, and two runs
writing the same output at once never share a temporary file: each finishes its own, and the last
to finish is the file left, whole.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar

import numpy as np

from audiobook.errors import EncodingError
from audiobook.model import Metadata

__all__ = ["AudioWriter", "ChapterMark", "to_s16le", "partial_path", "remove_stale_partials"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChapterMark:
    """One entry of the chapter table, in samples at the writer's rate."""

    title: str
    """Title shown in the player's chapter list."""
    start: int
    """First sample of the chapter."""
    end: int
    """One past the last sample (the next chapter's start, or the total for the last one)."""

    def start_ms(self, sample_rate: int) -> int:
        """The start in whole milliseconds, rounded to the nearest."""
        return (self.start * 1000 + sample_rate // 2) // sample_rate

    def end_ms(self, sample_rate: int) -> int:
        """The end in whole milliseconds, rounded to the nearest."""
        return (self.end * 1000 + sample_rate // 2) // sample_rate


def partial_path(path: Path, tag: str = "partial") -> Path:
    """This process's hidden temporary name beside ``path`` (``book.m4b`` → ``.book.partial-4242.m4b``).

    The process id keeps two runs that write the same output from sharing, or deleting, each
    other's temporary files.
    """
    return path.with_name(f".{path.stem}.{tag}-{os.getpid()}{path.suffix}")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or a name we did not write: leave it alone
    return True


def remove_stale_partials(path: Path, tag: str = "partial") -> None:
    """Remove the temporary files (or folders) beside ``path`` left by runs that were killed.

    Only names ``partial_path`` gives are touched, and only when their process is gone: a run still
    writing the same output keeps its own.
    """
    pattern = re.compile(re.escape(f".{path.stem}.{tag}-") + r"(\d{1,10})" + re.escape(path.suffix))
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return
    for sibling in siblings:
        m = pattern.fullmatch(sibling.name)
        if m is None or int(m.group(1)) == os.getpid() or _running(int(m.group(1))):
            continue
        try:
            if sibling.is_dir() and not sibling.is_symlink():
                shutil.rmtree(sibling)
            else:
                sibling.unlink()
            log.info("removed %s, left by a run that was stopped", sibling)
        except OSError as err:
            log.warning("could not remove %s, left by a run that was stopped: %s", sibling, err)


def to_s16le(pcm: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as little-endian 16-bit PCM; out-of-range values are clipped."""
    x = np.asarray(pcm, dtype=np.float32)
    if x.ndim != 1:
        raise EncodingError(f"audio must be a 1-D array of mono samples, got shape {x.shape}")
    # NaN would turn into an arbitrary integer; silence is the honest fallback.
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.rint(np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def _check_destination(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise EncodingError(f"cannot write {path}: folder {folder} does not exist; create it or choose another output path")
    if not os.access(folder, os.W_OK):
        raise EncodingError(f"cannot write {path}: folder {folder} is not writable; fix its permissions or choose another output path")


class AudioWriter:
    """Base of the audio writers; use as a context manager.

    ``__exit__`` calls ``close()`` when the block ends normally and ``abort()`` when it raises.
    Subclasses implement ``_begin``, ``_write``, ``_finish`` and ``_discard``.
    """

    fmt: ClassVar[str] = ""
    """Format name in the ``WRITERS`` registry."""
    default_bitrate: ClassVar[str | None] = None
    """Bitrate used when none is asked for (``None`` for uncompressed formats)."""
    supports_chapters: ClassVar[bool] = True
    """Whether the container stores the chapter table."""

    def __init__(
        self,
        path: Path,
        meta: Metadata,
        *,
        sample_rate: int = 24000,
        bitrate: str | None = None,
        out_rate: int | None = None,
        track: tuple[int, int] | None = None,
        part: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.meta = meta
        self.sample_rate = int(sample_rate)
        """Rate of the PCM handed to ``write``; chapter marks count samples at this rate."""
        self.out_rate = int(out_rate or sample_rate)
        """Rate the encoder writes (ffmpeg resamples when it differs from ``sample_rate``)."""
        self.bitrate = bitrate or self.default_bitrate
        self.track = track
        """(number, total) when the file is one part of a book split into files."""
        self.part = part
        """This file's own title when it is one part of a book (the book title becomes the album)."""
        if self.sample_rate <= 0 or self.out_rate <= 0:
            raise EncodingError(f"cannot write {self.path}: sample rate must be positive, got {sample_rate}/{out_rate}")
        if track is not None and not 1 <= track[0] <= track[1]:
            raise EncodingError(f"cannot write {self.path}: track {track[0]} of {track[1]} is out of range")
        _check_destination(self.path)
        remove_stale_partials(self.path)
        self.partial = partial_path(self.path)
        """The temporary file the finished output is written to before it is moved into place."""
        self._marks: list[tuple[str, int]] = []
        self._samples = 0
        self._state = "open"
        self._temps: list[Path] = []
        try:
            self._claim(self.partial)
            self._begin()
        except BaseException:
            self._cleanup()
            raise

    # -- public interface -------------------------------------------------------------------

    @property
    def samples_written(self) -> int:
        """Samples written so far (at ``sample_rate``)."""
        return self._samples

    @property
    def chapters(self) -> list[ChapterMark]:
        """The chapter table so far; each chapter ends where the next begins, the last at the total."""
        ends = [start for _, start in self._marks[1:]] + [self._samples]
        return [ChapterMark(title, start, end) for (title, start), end in zip(self._marks, ends)]

    def start_chapter(self, title: str) -> None:
        """Begin a chapter at the current sample position."""
        self._require_open()
        self._marks.append((title, self._samples))

    def write(self, pcm: np.ndarray) -> None:
        """Append mono float32 samples at ``sample_rate``; they go to the encoder at once."""
        self._require_open()
        data = to_s16le(pcm)
        if not data:
            return
        try:
            self._write(data)
        except OSError as err:
            self.abort()
            raise EncodingError(f"cannot write {self.path}: {err.strerror or err}; check the folder and free space") from err
        except BaseException:
            self.abort()
            raise
        self._samples += len(data) // 2

    def close(self) -> None:
        """Finish the file (chapters, tags, cover) and move it into place under its final name."""
        if self._state != "open":
            return
        self._state = "closing"
        try:
            self._finish()
            os.replace(self.partial, self.path)
        except OSError as err:
            self.abort()
            raise EncodingError(f"cannot write {self.path}: {err.strerror or err}; check the folder and free space") from err
        except BaseException:
            self.abort()
            raise
        self._temps.remove(self.partial)
        self._cleanup()
        self._state = "closed"
        log.info("wrote %s (%.1f s, %d chapters)", self.path, self._samples / self.sample_rate, len(self._marks))

    def abort(self) -> None:
        """Stop encoding and remove every temporary file; nothing appears under the final name."""
        if self._state in ("closed", "aborted"):
            return
        self._state = "aborted"
        try:
            self._discard()
        finally:
            self._cleanup()

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- for subclasses ---------------------------------------------------------------------

    def _begin(self) -> None:
        """Open the output (start the encoder)."""

    def _write(self, data: bytes) -> None:
        """Hand 16-bit little-endian mono PCM to the output."""
        raise NotImplementedError

    def _finish(self) -> None:
        """Complete ``self.partial``: flush the encoder, add chapters, tags and cover."""
        raise NotImplementedError

    def _discard(self) -> None:
        """Stop whatever is running; temporary files are removed afterwards."""

    def _temp(self, tag: str, suffix: str | None = None) -> Path:
        """A further temporary path beside the output, removed on close and abort."""
        base = self.path if suffix is None else self.path.with_suffix(suffix)
        remove_stale_partials(base, tag)
        return self._claim(partial_path(base, tag))

    def _claim(self, temp: Path) -> Path:
        # A file of this name is left by an earlier process of the same id, and may still be open
        # in its orphaned encoder: unlinking it gives this run a fresh file instead of sharing one.
        try:
            temp.unlink(missing_ok=True)
        except OSError as err:
            raise EncodingError(f"cannot write {self.path}: cannot replace {temp}: {err.strerror or err}") from err
        self._temps.append(temp)
        return temp

    def _require_open(self) -> None:
        if self._state != "open":
            raise EncodingError(f"cannot write {self.path}: the writer is already {self._state}")

    def _cleanup(self) -> None:
        for temp in self._temps:
            try:
                temp.unlink(missing_ok=True)
            except OSError as err:
                log.warning("could not remove temporary file %s: %s", temp, err)
        self._temps.clear()
