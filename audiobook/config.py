"""Configuration: how one run reads, speaks and writes, as plain frozen data.

What a voice *is* lives in ``voices``; the reporter and ledger a run fills travel beside these
options, never inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ssml.values import DEFAULT_STRENGTHS

__all__ = ["MAX_TOKENS", "SAMPLE_RATE", "Limits", "Pauses", "parse_limits", "parse_size", "ReadChoices", "ReadOptions", "UnitOptions"]

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
class Limits:
    """Caps on what one input may make a reader hold in memory; each is set with ``--limit NAME=VALUE``.

    A document from a stranger can be small on disk and huge once expanded (a zip bomb, a YAML
    alias bomb): past a cap, reading stops with an error naming the part.
    """

    front_matter: int = 64 * 1024
    """Bytes of YAML front matter (Markdown, scripts); ``--limit front-matter=...``."""
    epub_member: int = 64 * 1024 * 1024
    """Decompressed bytes of one EPUB member read (a chapter, the cover); ``--limit epub-member=...``."""
    epub_total: int = 512 * 1024 * 1024
    """Decompressed bytes of all the EPUB members read together; ``--limit epub-total=...``."""
    epub_members: int = 10_000
    """Files in one EPUB archive; ``--limit epub-members=...``."""


_SIZE = re.compile(r"^\s*(\d{1,15})\s*(|k|kb|kib|m|mb|mib|g|gb|gib)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "kb": 2**10, "kib": 2**10, "m": 2**20, "mb": 2**20, "mib": 2**20, "g": 2**30, "gb": 2**30, "gib": 2**30}


def parse_size(value: str) -> int | None:
    """``"64MiB"`` → bytes; ``None`` when it is not a positive size (a whole number, perhaps KiB, MiB, GiB)."""
    m = _SIZE.match(value)
    if m is None or int(m.group(1)) <= 0:
        return None
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def parse_limits(settings: list[str], base: Limits | None = None) -> Limits:
    """``["epub-total=1GiB", "front-matter=128k"]`` → ``Limits``; ``ValueError`` names what is wrong."""
    limits = base or Limits()
    names = {f.name.replace("_", "-"): f.name for f in fields(Limits)}
    for setting in settings:
        name, sep, value = setting.partition("=")
        key = names.get(name.strip().lower())
        if not sep or key is None:
            raise ValueError(f"--limit {setting!r}: write NAME=VALUE, NAME one of {', '.join(sorted(names))}")
        size = parse_size(value)
        if size is None:
            raise ValueError(f"--limit {setting!r}: the value is a positive whole number, sizes may end in KiB, MiB or GiB")
        limits = replace(limits, **{key: size})
    return limits


@dataclass(frozen=True)
class ReadOptions:
    """How a reader turns input bytes into a ``Book``."""

    source: str = "<input>"
    """Name of the input for messages (its path, usually)."""
    base_dir: Path | None = None
    """Folder relative references (audio files, lexicons) resolve against, and never leave."""
    lang: str | None = None
    """Language to assume when the document does not say (BCP-47, ``en-us``)."""
    pauses: Pauses = field(default_factory=Pauses)
    """Break strengths and limits."""
    stage_directions: str = "skip"
    """Scripts: bracketed stage directions are ``skip``-ped or ``read`` by the narrator."""
    choices: ReadChoices = field(default_factory=ReadChoices)
    """What to skip and what to read aloud."""
    limits: Limits = field(default_factory=Limits)
    """Caps on sizes and counts the input may reach."""
    detached: bool = False
    """The document has no folder of its own (text given to ``say``): it may name no file."""


@dataclass(frozen=True)
class UnitOptions:
    """How sentences become synthesis units."""

    soft_max: int = 150
    """Sentences longer than this many phoneme tokens are split at clause punctuation."""
    hard_max: int = 150
    """Longest unit in tokens: a clause longer than this is cut at word boundaries (and reported).
    The model's memory grows with the audio one call makes (about 25 MB a second), and this keeps a
    call under ten seconds (150 tokens of prose are about 9 s with af_heart, 225 MB; 200 tokens
    were 12 s, 300 MB): what holds a whole run under 600 MB."""
    speed: float = 1.0
    """The run's speed. Below 1 a token lasts longer, so ``soft_max`` shrinks in proportion (with
    the markup's rate): sentences are cut at more of their clauses and a unit's audio stays near its
    length at normal speed."""
    min_tokens: int = 24
    """Units shorter than this are joined with a neighbour of the same voice and prosody."""
    pauses: Pauses = field(default_factory=Pauses)
    """Gap lengths between units."""

