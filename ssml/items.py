"""What lowering produces: the context in force, the items of a paragraph, errors and diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

__all__ = ["SSMLError", "Diagnostic", "VoiceQuery", "Ctx", "Text", "Phoneme", "Pause", "AudioRef", "Bookmark", "Item"]


class SSMLError(Exception):
    """A document that cannot be read (or, in strict mode, any problem), with where it stood."""

    def __init__(self, message: str, source: str = "<ssml>", line: int | None = None, column: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Diagnostic:
    """A problem met in lenient mode: the content was read, but not quite as written."""

    code: str
    """Short stable identifier (``unknown-element``, ``recovered``, ``break-clamped``)."""
    message: str
    """What happened and what was done instead, in one line."""
    source: str
    """Name of the document."""
    line: int | None = None
    """1-based line of the element, when known."""
    column: int | None = None
    """1-based column of the element's ``<``, when known."""

    @property
    def where(self) -> str:
        """``source:line:column``, as much of it as is known."""
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class VoiceQuery:
    """A ``<voice>`` that asks for a voice by preference list or by description, to be chosen by the caller."""

    names: tuple[str, ...] = ()
    """Names in preference order (the ``name`` attribute split at spaces)."""
    gender: str | None = None
    """``male``, ``female`` or ``neutral``."""
    age: int | None = None
    """Age in years."""
    variant: int | None = None
    """1-based index among the voices that match the rest."""
    languages: tuple[str, ...] = ()
    """Language tags the voice should speak (lower case)."""
    outer: str | None = None
    """The voice in force outside the element: what is kept when nothing matches."""
    line: int | None = None
    """Line of the ``<voice>`` element."""
    column: int | None = None
    """Column of the ``<voice>`` element."""
    outer_query: VoiceQuery | None = None
    """The query in force outside the element, when the outer voice was itself asked for this way."""


@dataclass(frozen=True)
class Ctx:
    """Voice, language and prosody in force at a point of the document."""

    voice: str | None = None
    """Voice name or blend (``"a:0.6+b:0.4"``); ``None`` is the caller's default."""
    lang: str | None = None
    """Language tag from ``xml:lang`` (lower case); ``None`` is the caller's default."""
    rate: float = 1.0
    """Speaking-rate multiplier (nested ``<prosody rate>`` values multiply)."""
    pitch: float = 0.0
    """Pitch shift in semitones."""
    volume_db: float = 0.0
    """Gain in decibels."""
    emphasis: str | None = None
    """``<emphasis level>`` in force: ``strong``, ``moderate``, ``reduced``, ``none``."""
    say_as: tuple[str, str | None, str | None] | None = None
    """``<say-as>`` in force: (interpret-as, format, detail), lower case."""
    duration_ms: int | None = None
    """``<prosody duration>`` in force: the time the enclosed text should take."""
    voice_query: VoiceQuery | None = None
    """A voice asked for by list or description; ``voice`` holds the best guess without a catalogue."""


@dataclass(frozen=True)
class Text:
    """Text to speak (whitespace collapsed)."""

    text: str
    """The words."""
    ctx: Ctx
    """Context in force."""
    line: int | None = None
    """Line of the element the text stands in."""
    column: int | None = None
    """Column of that element."""


@dataclass(frozen=True)
class Phoneme:
    """A pronunciation given by markup, in IPA."""

    ph: str
    """IPA (X-SAMPA input is converted)."""
    text: str
    """The written words it replaces."""
    ctx: Ctx
    """Context in force."""
    line: int | None = None
    """Line of the ``<phoneme>`` element."""
    column: int | None = None
    """Column of the ``<phoneme>`` element."""


@dataclass(frozen=True)
class Pause:
    """Silence: ``explicit`` from ``<break>``, or ``sentence`` (``ms=0``: the structural sentence gap)."""

    ms: int
    """Milliseconds."""
    kind: str = "explicit"
    """``explicit`` or ``sentence``."""


@dataclass(frozen=True)
class AudioRef:
    """A sound file to insert (``<audio src>``), with what to speak when it cannot be played."""

    src: str
    """The ``src`` attribute, as written."""
    fallback: tuple[Item, ...]
    """Items lowered from the element's content."""
    ctx: Ctx
    """Context in force."""
    line: int | None = None
    """Line of the ``<audio>`` start tag."""
    column: int | None = None
    """Column of the ``<audio>`` start tag."""


@dataclass(frozen=True)
class Bookmark:
    """A named point (``<mark name>``)."""

    name: str
    """The mark's name."""


Item = Union[Text, Phoneme, Pause, AudioRef, Bookmark]
