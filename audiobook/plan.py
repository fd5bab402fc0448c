"""The synthesis plan: what the passes hand to synthesis, chapter by chapter.

A plan is a flat list of items per chapter: ``Unit``s (one model call each) separated by at most
one ``Pause``, plus inserted sounds and bookmarks. Rendering plays the items in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

__all__ = ["Unit", "Pause", "Insert", "Bookmark", "Item", "ChapterPlan"]


@dataclass(frozen=True)
class Unit:
    """One model call: at most ``MAX_TOKENS`` phonemes in one voice, language and prosody."""

    phonemes: str
    """Phonemes, every symbol in the model's vocabulary."""
    text: str
    """The written text the unit speaks (for subtitles, timings and reports)."""
    voice: str | None
    """Voice name or blend; ``None`` means the run's default voice."""
    lang: str
    """Language the phonemes were made for (BCP-47)."""
    rate: float = 1.0
    """Speed multiplier from markup, applied on top of the run's speed."""
    gain_db: float = 0.0
    """Gain applied to the clip."""
    source: str | None = None
    """Where the text came from, for reports."""
    pitch: float = 0.0
    """Pitch shift in semitones from markup (0 = the voice's own pitch)."""
    duration_ms: int | None = None
    """Time the unit's speech should take (``<prosody duration>``); the speed is fitted to it."""
    written: str | None = field(default=None, compare=False)
    """``text`` as the source wrote it, where normalization changed it ("£12" for "twelve pounds");
    word timings name the written words."""


@dataclass(frozen=True)
class Pause:
    """Silence between two items."""

    ms: int
    """Length in milliseconds."""
    kind: str = "explicit"
    """``explicit``, ``clause``, ``sentence``, ``paragraph``, ``heading``."""


@dataclass(frozen=True)
class Insert:
    """A sound file played as it is."""

    src: str
    """Absolute path of the file."""
    gain_db: float = 0.0
    """Gain applied to it."""


@dataclass(frozen=True)
class Bookmark:
    """A named position (SSML ``<mark>``)."""

    name: str
    """The mark's name."""
    word: int | None = None
    """Written words of the next unit spoken before the mark (``None``: it stands before the unit)."""


Item = Union[Unit, Pause, Insert, Bookmark]


@dataclass(frozen=True)
class ChapterPlan:
    """One chapter's title and items."""

    title: str
    """Chapter title."""
    items: tuple[Item, ...]
    """Units, pauses, inserts and bookmarks in playing order."""
