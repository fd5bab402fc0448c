"""Configuration: how one run reads, speaks and writes, as plain frozen data.

What a voice *is* lives in ``voices``; the reporter and ledger a run fills travel beside these
options, never inside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ssml.values import DEFAULT_STRENGTHS

__all__ = ["MAX_TOKENS", "SAMPLE_RATE", "Pauses", "ReadChoices", "ReadOptions", "UnitOptions"]

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
    strengths: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_STRENGTHS))
    """SSML ``<break strength>`` keyword → milliseconds."""
    max_break: int = 60_000
    """Longest single pause markup may ask for; longer ones are clamped with a report."""


@dataclass(frozen=True)
class ReadChoices:
    """What of a book is read aloud: the user's choices about its parts."""

    skip_front_matter: bool = True
    """Skip cover, copyright, table-of-contents and index pages."""
    notes: str = "skip"
    """Footnotes and endnotes: ``skip``, or ``end`` to read them at the end of their chapter."""
    read_alt: bool = False
    """Read the ``alt`` text of images."""
    code_blocks: str = "skip"
    """Code blocks: ``skip`` or ``read``."""
    heading_level: int | None = None
    """Markdown: headings of this level and above start chapters; ``None`` picks the top level used."""
    chapters: str | None = None
    """Chapters to keep, numbered from 1 as ``--list-chapters`` shows them (``"3-7,9"``)."""
    chapter_level: int | None = None
    """EPUB: table-of-contents entries down to this depth start chapters; ``None`` picks one."""


@dataclass(frozen=True)
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
    stage_directions: str = "skip"
    """Scripts: bracketed stage directions are ``skip``-ped or ``read`` by the narrator."""
    choices: ReadChoices = field(default_factory=ReadChoices)
    """What to skip and what to read aloud."""


@dataclass(frozen=True)
class UnitOptions:
    """How sentences become synthesis units."""

    soft_max: int = 200
    """Sentences longer than this many phoneme tokens are split at clause punctuation."""
    min_tokens: int = 24
    """Units shorter than this are joined with a neighbour of the same voice and prosody."""
    pauses: Pauses = field(default_factory=Pauses)
    """Gap lengths between units."""

