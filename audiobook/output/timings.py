"""Timing output: sentence subtitles (SRT, WebVTT) and a JSON timing file.

Every time here comes from the sample positions the assembler recorded while writing the audio,
so a cue starts on the first sample of its sentence's clip (within the model's 10 ms lead pad of
the speech itself) and ends on its last.
"""

from __future__ import annotations

import json
import logging
import os
import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audiobook.errors import EncodingError

__all__ = [
    "Cue",
    "SUBTITLE_FORMATS",
    "subtitle_text",
    "write_subtitles",
    "write_json",
    "srt_time",
    "vtt_time",
]

log = logging.getLogger(__name__)

SUBTITLE_FORMATS = ("srt", "vtt")
"""Subtitle formats ``--subtitles`` accepts."""

_LINE = 42  # characters per subtitle line: the broadcast convention players are styled for


@dataclass(frozen=True)
class Cue:
    """One subtitle: a stretch of one file and the words spoken in it."""

    start: int
    """First sample, counted from the start of the file."""
    end: int
    """One past the last sample."""
    text: str
    """The words."""
    words: tuple[tuple[str, int, int], ...] = ()
    """(word, first sample, one past its last) of each word; when given, a WebVTT cue times every
    word (karaoke style) and shows the words as written."""


def _clock(samples: int, sample_rate: int, sep: str) -> str:
    ms = (int(samples) * 1000 + sample_rate // 2) // sample_rate
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def srt_time(samples: int, sample_rate: int) -> str:
    """``HH:MM:SS,mmm``."""
    return _clock(samples, sample_rate, ",")


def vtt_time(samples: int, sample_rate: int) -> str:
    """``HH:MM:SS.mmm``."""
    return _clock(samples, sample_rate, ".")


def _lines(text: str) -> list[str]:
    flat = re.sub(r"\s+", " ", text).strip()
    # A cue's text may not hold the timing arrow nor, in SRT, a blank line.
    flat = flat.replace("-->", "→")
    return textwrap.wrap(flat, _LINE, break_long_words=False, break_on_hyphens=False) or [flat]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _karaoke(cue: Cue, sample_rate: int) -> str:
    """One line of the cue's words, a timestamp tag before each word after the first.

    WebVTT wants each tag after the cue's start, after the tag before it and before the cue's
    end, to the millisecond; a word that would break that shares the tag before it.
    """

    def ms(samples: int) -> int:
        return (int(samples) * 1000 + sample_rate // 2) // sample_rate

    last = ms(cue.start)
    end = ms(cue.end)
    pieces = []
    for k, (word, start, _) in enumerate(cue.words):
        word = _escape(word.replace("-->", "→"))
        at = ms(start)
        if k and last < at < end:
            pieces.append(f"<{vtt_time(start, sample_rate)}>{word}")
            last = at
        else:
            pieces.append(word)
    return " ".join(pieces)


def _blocks(cues: Iterable[Cue], fmt: str, sample_rate: int) -> Iterator[str]:
    if fmt not in SUBTITLE_FORMATS:
        raise EncodingError(f"unknown subtitle format {fmt!r}; use one of: {', '.join(SUBTITLE_FORMATS)}")
    if fmt == "vtt":
        yield "WEBVTT\n"
    number = 0
    for cue in cues:
        if not cue.text.strip() or cue.end <= cue.start:
            continue
        number += 1
        if fmt == "srt":
            times = f"{srt_time(cue.start, sample_rate)} --> {srt_time(cue.end, sample_rate)}"
            yield "\n".join([str(number), times, *_lines(cue.text)]) + "\n"
        else:
            times = f"{vtt_time(cue.start, sample_rate)} --> {vtt_time(cue.end, sample_rate)}"
            if cue.words:
                yield "\n".join([times, _karaoke(cue, sample_rate)]) + "\n"
                continue
            body = [_escape(line) for line in _lines(cue.text)]
            yield "\n".join([times, *body]) + "\n"


def subtitle_text(cues: Iterable[Cue], fmt: str, sample_rate: int) -> str:
    """The subtitle document for ``cues`` in ``fmt`` (``srt`` or ``vtt``)."""
    return "\n".join(_blocks(cues, fmt, sample_rate))


def _write_atomic(path: Path, pieces: Iterable[str]) -> None:
    # The process id in the name: two runs writing the same file never share the temporary one.
    temp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with temp.open("w", encoding="utf-8") as out:
            for piece in pieces:
                out.write(piece)
        os.replace(temp, path)
    except OSError as err:
        temp.unlink(missing_ok=True)
        raise EncodingError(f"cannot write {path}: {err.strerror or err}; check the folder and free space") from err
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_subtitles(path: Path, cues: Iterable[Cue], fmt: str, sample_rate: int) -> None:
    """Write a subtitle file cue by cue (under a temporary name, then moved into place)."""

    def pieces() -> Iterator[str]:
        for i, block in enumerate(_blocks(cues, fmt, sample_rate)):
            yield ("\n" if i else "") + block

    _write_atomic(path, pieces())
    log.info("wrote %s", path)


def _json_pieces(data: dict[str, Any]) -> Iterator[str]:
    yield "{"
    for i, (key, value) in enumerate(data.items()):
        yield ("," if i else "") + f"\n {json.dumps(key)}: "
        if isinstance(value, Iterator):
            # Long lists are written entry by entry, one a line, never built whole.
            yield "["
            for j, item in enumerate(value):
                yield ("," if j else "") + "\n  " + json.dumps(item, ensure_ascii=False)
            yield "\n ]"
        else:
            yield json.dumps(value, ensure_ascii=False)
    yield "\n}\n"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON object whose iterator values become arrays written an entry at a time."""
    _write_atomic(path, _json_pieces(data))
    log.info("wrote %s", path)
