"""Audio writers: one module per container, one registry, one ``open_writer``.

A writer streams PCM to its encoder as it arrives, keeps the chapter table in samples, and moves
the finished file into place atomically::

    with open_writer(Path("book.m4b"), book.meta) as out:
        for chapter in chapters:
            out.start_chapter(chapter.title)
            for pcm in audio_of(chapter):
                out.write(pcm)
"""

from __future__ import annotations

from pathlib import Path

from audiobook.config import SAMPLE_RATE
from audiobook.errors import EncodingError
from audiobook.model import Metadata
from audiobook.output.writers.base import AudioWriter, ChapterMark
from audiobook.output.writers.mp3 import Mp3Writer
from audiobook.output.writers.mp4 import Mp4Writer
from audiobook.output.writers.vorbis import FlacWriter, OpusWriter
from audiobook.output.writers.wav import WavWriter

__all__ = ["AudioWriter", "ChapterMark", "WRITERS", "EXTENSIONS", "format_for", "open_writer"]

WRITERS: dict[str, type[AudioWriter]] = {
    Mp4Writer.fmt: Mp4Writer,
    Mp3Writer.fmt: Mp3Writer,
    WavWriter.fmt: WavWriter,
    FlacWriter.fmt: FlacWriter,
    OpusWriter.fmt: OpusWriter,
}
"""Format name → writer class."""

EXTENSIONS: dict[str, str] = {
    ".m4b": "mp4",
    ".m4a": "mp4",
    ".mp4": "mp4",
    ".mp3": "mp3",
    ".wav": "wav",
    ".flac": "flac",
    ".opus": "opus",
}
"""File extension → format name."""


def format_for(path: Path, fmt: str | None = None) -> str:
    """The writer format for ``path``: ``fmt`` when given (a name or an extension), else by extension."""
    if fmt:
        name = fmt.lower().lstrip(".")
        if name in WRITERS:
            return name
        if f".{name}" in EXTENSIONS:
            return EXTENSIONS[f".{name}"]
        raise EncodingError(f"unknown output format {fmt!r}; use one of: {', '.join(sorted(WRITERS))}")
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise EncodingError(
            f"cannot tell the output format of {path} from {path.suffix or 'no extension'!r}; "
            f"use one of: {', '.join(sorted(EXTENSIONS))}"
        )
    return found


def open_writer(
    path: Path,
    meta: Metadata,
    *,
    fmt: str | None = None,
    sample_rate: int = SAMPLE_RATE,
    bitrate: str | None = None,
    out_rate: int | None = None,
    track: tuple[int, int] | None = None,
    part: str | None = None,
) -> AudioWriter:
    """Open a writer for ``path``; the format comes from ``fmt`` or the file extension.

    ``out_rate`` resamples in the encoder; ``track`` (number, total) and ``part`` (this file's
    title) tag one file of a book split into several.
    """
    cls = WRITERS[format_for(Path(path), fmt)]
    return cls(Path(path), meta, sample_rate=sample_rate, bitrate=bitrate, out_rate=out_rate, track=track, part=part)
