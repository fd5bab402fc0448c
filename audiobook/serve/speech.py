"""``POST /v1/audio/speech``: a text read the way ``audiobook say`` reads it, streamed as it is spoken.

Everything that can fail on the request (the text, the voice, the numbers) is checked by
``convert.prepare`` before the first byte is sent, so a bad request gets a 400 with the CLI's line;
then ``synth.stream`` runs sentence by sentence and each sentence goes to the encoder at once.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiobook.config import Pauses
from audiobook.convert import ConvertOptions, prepare
from audiobook.errors import InputError
from audiobook.output.stream import MEDIA_TYPES, STREAM_FORMATS, encode_stream
from audiobook.synthesis.engines import Engine

__all__ = ["SPEECH_MODELS", "SpeechRequest", "SpeechStream", "open_speech", "source_suffix"]

log = logging.getLogger(__name__)

SPEECH_MODELS: tuple[str, ...] = ("kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")
"""``model`` names taken: ours, and OpenAI's, so clients written for them work unchanged (all are Kokoro-82M)."""


@dataclass(frozen=True)
class SpeechRequest:
    """One speech request, as OpenAI's API defines it (plus ``lang``)."""

    model: str
    """One of ``SPEECH_MODELS``."""
    input: str
    """Text, text with inline SSML and pause tags, or an SSML document."""
    voice: str | None
    """A voice name, blend or preset; ``None``: the document's or the default."""
    response_format: str = "mp3"
    """One of ``STREAM_FORMATS``."""
    speed: float = 1.0
    """Speed multiplier."""
    lang: str | None = None
    """Language where the text does not say."""


@dataclass
class SpeechStream:
    """A request ready to stream."""

    audio: Iterator[bytes]
    """The encoded audio, produced as it is pulled."""
    media_type: str
    """Its media type."""
    voice: str
    """The default voice of the request."""
    warnings: list[str]
    """What the text asked for that is not rendered as written (places as ``input:line:column``)."""


def source_suffix(text: str) -> str:
    """How a text is read: an SSML document, or a Markdown paragraph (inline SSML and ``[pause 2s]`` work)."""
    return ".ssml" if text.lstrip().startswith(("<speak", "<?xml")) else ".md"


def _check(request: SpeechRequest, max_chars: int) -> None:
    if request.model not in SPEECH_MODELS:
        raise InputError(f"unknown model {request.model!r}; use one of: {', '.join(SPEECH_MODELS)}")
    if request.response_format not in STREAM_FORMATS:
        raise InputError(
            f"unknown response_format {request.response_format!r}; use one of: {', '.join(STREAM_FORMATS)}"
        )
    if not request.input.strip():
        raise InputError("input is empty; give the text to speak")
    if len(request.input) > max_chars:
        # The caller turns this one into a 413.
        raise OverflowError(f"input has {len(request.input)} characters; the limit is {max_chars} (use a job for a book)")


def open_speech(
    request: SpeechRequest,
    *,
    max_chars: int,
    engine: Engine | None,
    cache_dir: Path | None,
    done: Callable[[], None] | None = None,
) -> SpeechStream:
    """Check and plan ``request``: a stream ready to be pulled.

    Blocking (it reads the text and loads voices): run it off the event loop. ``done`` is called
    once the stream has ended, however it ended.
    """
    _check(request, max_chars)
    options = ConvertOptions(
        voice=request.voice or None,
        speed=request.speed,
        lang=request.lang or None,
        cache_dir=cache_dir,
        # One utterance, not a chapter of a book: no chapter's closing silence (as ``say``).
        pauses=Pauses(chapter=0),
        # The text came over the network: it reaches no file on this machine.
        detached=True,
        engine_instance=engine,
    )
    with tempfile.TemporaryDirectory(prefix="audiobook-speech-") as tmp:
        source = Path(tmp) / f"speech{source_suffix(request.input)}"
        source.write_text(request.input, encoding="utf-8")
        ready = prepare(source, options)
        warnings = [str(r).replace(str(source), "input") for r in ready.reporter.reports]

    def blocks() -> Iterator[np.ndarray]:
        for chunk in ready.synth.stream(ready.plans):
            if chunk.audio.size:
                yield chunk.audio

    def audio() -> Iterator[bytes]:
        try:
            yield from encode_stream(blocks(), request.response_format)
        finally:
            if done is not None:
                done()

    return SpeechStream(audio(), MEDIA_TYPES[request.response_format], ready.synth.default_voice, warnings)
