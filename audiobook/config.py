"""Configuration: how one run reads, speaks and writes. What a voice *is* lives in ``voices``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Reporter

__all__ = ["MAX_TOKENS", "SAMPLE_RATE", "Pauses", "ReadOptions", "UnitOptions"]

MAX_TOKENS = 510
"""Phoneme tokens one model call takes (the context is 512 with the two pad tokens)."""

SAMPLE_RATE = 24_000
"""The model's output rate in Hz."""


@dataclass(frozen=True)
class Pauses:
    """Silence lengths in milliseconds, for structure and for SSML break strengths."""

    clause: int = 250
    """Between the pieces of a long sentence split at clause punctuation."""
    sentence: int = 400
    """Between sentences of a paragraph."""
    paragraph: int = 750
    """Between paragraphs (and list items, table rows)."""
    heading: int = 1000
    """After a heading that is read aloud."""
    chapter: int = 1500
    """Silence at the start and end of each chapter."""
    strengths: dict[str, int] = field(
        default_factory=lambda: {
            "none": 0,
            "x-weak": 100,
            "weak": 250,
            "medium": 400,
            "strong": 750,
            "x-strong": 1200,
        }
    )
    """SSML ``<break strength>`` keyword → milliseconds."""
    max_break: int = 60_000
    """Longest single pause markup may ask for; longer ones are clamped with a report."""


@dataclass
class ReadOptions:
    """How a reader turns input bytes into a ``Book``."""

    source: str = "<input>"
    """Name of the input for messages (its path, usually)."""
    base_dir: Path | None = None
    """Folder relative references (audio files, lexicons) resolve against."""
    lang: str | None = None
    """Language to assume when the document does not say (BCP-47, ``en-us``)."""
    pauses: Pauses = field(default_factory=Pauses)
    """Break strengths and limits."""
    reporter: Reporter = field(default_factory=Reporter)
    """Where content that is not rendered is reported."""


@dataclass(frozen=True)
class UnitOptions:
    """How sentences become synthesis units."""

    soft_max: int = 200
    """Sentences longer than this many phoneme tokens are split at clause punctuation."""
    min_tokens: int = 24
    """Units shorter than this are joined with a neighbour of the same voice and prosody."""
    pauses: Pauses = field(default_factory=Pauses)
    """Gap lengths between units."""
