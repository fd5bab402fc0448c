"""Encoding a stream of PCM into bytes as it is produced, for audio sent while it is synthesized.

A file writer (``writers``) needs the whole book before it can write a chapter table; a stream
cannot wait. ``encode_stream`` takes float32 blocks and yields encoded bytes as soon as the encoder
gives them: raw PCM and WAV are framed here, the compressed formats go through ffmpeg, fed by a
thread so that the model and the encoder work at the same time.
"""

from __future__ import annotations

import logging
import os
import struct
import subprocess
import threading
from collections.abc import Iterable, Iterator

import numpy as np

from audiobook.config import SAMPLE_RATE
from audiobook.errors import EncodingError
from audiobook.output.writers.base import to_s16le
from audiobook.output.writers.ffmpeg import aac_coder, ffmpeg_exe

__all__ = ["MEDIA_TYPES", "STREAM_FORMATS", "encode_stream", "wav_stream_header"]

log = logging.getLogger(__name__)

# ffmpeg output arguments per format; ``-flush_packets 1`` hands every packet over at once.
_FFMPEG_OUT: dict[str, list[str]] = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "{bitrate}", "-f", "mp3"],
    "opus": ["-c:a", "libopus", "-b:a", "{bitrate}", "-page_duration", "200000", "-f", "ogg"],
    "aac": ["-c:a", "aac", "-b:a", "{bitrate}", "-f", "adts"],
    "flac": ["-c:a", "flac", "-f", "flac"],
}
_BITRATES = {"mp3": "64k", "opus": "32k", "aac": "64k"}

STREAM_FORMATS: tuple[str, ...] = ("mp3", "opus", "aac", "flac", "wav", "pcm")
"""Formats ``encode_stream`` writes (the ``response_format`` values of OpenAI's speech API)."""

MEDIA_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
"""Format → the media type it is served as."""

_READ = 16384


def wav_stream_header(sample_rate: int = SAMPLE_RATE) -> bytes:
    """A 16-bit mono WAV header for a stream of unknown length (sizes at their maximum, as players expect)."""
    unknown = 0xFFFFFFFF
    return (
        b"RIFF" + struct.pack("<I", unknown) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
        + b"data" + struct.pack("<I", unknown - 36)
    )


def encode_stream(
    blocks: Iterable[np.ndarray], fmt: str, sample_rate: int = SAMPLE_RATE, bitrate: str | None = None
) -> Iterator[bytes]:
    """Encoded bytes of ``blocks`` (mono float32) in ``fmt``, yielded as they are ready.

    Closing the returned generator early (a listener who hangs up) stops the encoder and stops
    pulling ``blocks``; an error while producing them is raised here, after the bytes so far.
    """
    if fmt not in STREAM_FORMATS:
        raise EncodingError(f"unknown stream format {fmt!r}; use one of: {', '.join(STREAM_FORMATS)}")
    if fmt in ("pcm", "wav"):
        return _raw(blocks, fmt, sample_rate)
    return _ffmpeg(blocks, fmt, sample_rate, bitrate or _BITRATES.get(fmt, ""))


def _raw(blocks: Iterable[np.ndarray], fmt: str, sample_rate: int) -> Iterator[bytes]:
    if fmt == "wav":
        yield wav_stream_header(sample_rate)
    for block in blocks:
        data = to_s16le(block)
        if data:
            yield data


def _ffmpeg(blocks: Iterable[np.ndarray], fmt: str, sample_rate: int, bitrate: str) -> Iterator[bytes]:
    out = [arg.format(bitrate=bitrate) for arg in _FFMPEG_OUT[fmt]]
    if fmt == "aac":
        out[-2:-2] = aac_coder(bitrate)
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
        *out, "-flush_packets", "1", "pipe:1",
    ]
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
    except OSError as err:
        raise EncodingError(f"cannot start ffmpeg for a {fmt} stream: {err}") from err
    stop = threading.Event()
    failure: list[BaseException] = []
    errors: list[bytes] = []

    def feed() -> None:
        assert proc.stdin is not None  # opened with PIPE above
        iterator = iter(blocks)
        try:
            for block in iterator:
                if stop.is_set():
                    break
                proc.stdin.write(to_s16le(block))
                proc.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            if not stop.is_set():
                failure.append(EncodingError(f"ffmpeg stopped taking the {fmt} stream: {err}"))
        except BaseException as err:  # noqa: BLE001 - the synthesis failed: the reading side raises it
            failure.append(err)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            try:
                proc.stdin.close()
            except OSError:
                pass  # ffmpeg is gone; its exit status says why

    def drain_errors() -> None:
        assert proc.stderr is not None
        errors.append(proc.stderr.read())

    feeder = threading.Thread(target=feed, name=f"stream-{fmt}", daemon=True)
    reader = threading.Thread(target=drain_errors, name=f"stream-{fmt}-log", daemon=True)
    feeder.start()
    reader.start()
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    try:
        while True:
            data = os.read(fd, _READ)
            if not data:
                break
            yield data
        feeder.join()
        code = proc.wait()
        reader.join()
        if failure:
            raise failure[0]
        if code != 0:
            message = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
            raise EncodingError(f"ffmpeg failed on the {fmt} stream: {message[-1] if message else f'exit {code}'}")
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        if proc.stderr is not None:
            reader.join(timeout=5)
            proc.stderr.close()
