"""The options of a job, from the fields of its upload form: the options ``convert`` takes.

Only what a document's reader and the run need is accepted. Nothing names a file on the server:
no ``--lexicon``, ``--voice-path``, ``--model``, ``--cache-dir`` or output path; those are the
server's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from audiobook.config import Pauses, ReadChoices
from audiobook.convert import ConvertOptions, check_options
from audiobook.errors import InputError
from audiobook.normalize import NormalizeOptions
from audiobook.output.assemble import OutputOptions

__all__ = ["JOB_FIELDS", "JOB_FORMATS", "job_options", "output_name"]

JOB_FORMATS: dict[str, str] = {"m4b": ".m4b", "mp3": ".mp3", "opus": ".opus", "flac": ".flac", "wav": ".wav"}
"""``format`` field → extension of the audiobook written."""

_CHOICES: dict[str, tuple[str, ...]] = {
    "notes": ("skip", "end"),
    "code": ("skip", "read"),
    "stage_directions": ("skip", "read"),
    "date_order": ("mdy", "dmy"),
    "g2p": ("lexicon", "espeak"),
    "subtitles": ("srt", "vtt"),
    "format": tuple(JOB_FORMATS),
}

JOB_FIELDS: dict[str, str] = {
    "voice": "voice name, blend or preset",
    "speed": "0.5-2.0",
    "lang": "language where the document does not say",
    "chapters": "chapters to read, numbered from 1: 3-7,9",
    "format": "m4b (default), mp3, opus, flac or wav",
    "bitrate": "encoder bitrate, e.g. 64k",
    "loudness": "integrated loudness target in LUFS (default -18)",
    "normalize": "true (default) or false",
    "acx": "true: Audible ACX preset, one MP3 per chapter (downloaded as a zip)",
    "split_chapters": "true: one file per chapter (downloaded as a zip)",
    "subtitles": "srt or vtt",
    "notes": "skip or end",
    "read_alt": "true: read the alt text of images",
    "keep_front_matter": "true: also read cover, copyright, contents pages",
    "code": "skip or read",
    "heading_level": "Markdown: headings of this level and above start chapters (1-6)",
    "chapter_level": "EPUB: table-of-contents depth that starts chapters (1-9)",
    "sentence_pause": "ms", "paragraph_pause": "ms", "chapter_pause": "ms",
    "dialogue_voice": "voice for quoted speech",
    "stage_directions": "skip or read",
    "date_order": "mdy or dmy",
    "expand_titles": "true (default) or false",
    "g2p": "lexicon or espeak",
    "strict": "true: every warning is an error",
}
"""Form field → what it takes (the CLI option of the same name, with ``_`` for ``-``)."""


@dataclass(frozen=True)
class _Fields:
    raw: Mapping[str, str]

    def text(self, name: str) -> str | None:
        value = self.raw.get(name)
        return value.strip() or None if isinstance(value, str) else None

    def choice(self, name: str, default: str | None = None) -> str | None:
        value = self.text(name)
        if value is None:
            return default
        if value not in _CHOICES[name]:
            raise InputError(f"{name} {value!r} is not one of: {', '.join(_CHOICES[name])}")
        return value

    def number(self, name: str, default: float) -> float:
        value = self.text(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"{name} {value[:40]!r} is not a number") from None
        if not math.isfinite(number):
            raise InputError(f"{name} {value[:40]!r} is not a finite number")
        return number

    def integer(self, name: str, default: int | None, low: int = -(2**31), high: int = 2**31) -> int | None:
        value = self.text(name)
        if value is None:
            return default
        if not value.lstrip("-").isdigit() or len(value) > 12:
            raise InputError(f"{name} {value[:40]!r} is not a whole number")
        number = int(value)
        if not low <= number <= high:
            raise InputError(f"{name} {number} is outside {low}-{high}")
        return number

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise InputError(f"{name} {value[:40]!r} is not true or false")


def output_name(fields: Mapping[str, str]) -> str:
    """File name of the audiobook a job writes (inside its own folder)."""
    fmt = _Fields(fields).choice("format", "m4b") or "m4b"
    return f"book{JOB_FORMATS[fmt]}"


def job_options(fields: Mapping[str, str], timings: Path | None = None) -> ConvertOptions:
    """``ConvertOptions`` from a job's form fields, checked as the CLI checks its arguments."""
    unknown = sorted(set(fields) - set(JOB_FIELDS))
    if unknown:
        raise InputError(f"unknown option {unknown[0]!r}; the options are: {', '.join(JOB_FIELDS)}")
    f = _Fields(fields)
    default = Pauses()
    pauses = Pauses(
        sentence=f.integer("sentence_pause", default.sentence) or 0,  # never None: it has a default
        paragraph=f.integer("paragraph_pause", default.paragraph) or 0,
        chapter=f.integer("chapter_pause", default.chapter) or 0,
    )
    output = OutputOptions(
        normalize=f.flag("normalize", True),
        loudness=f.number("loudness", OutputOptions.loudness),
        acx=f.flag("acx"),
        split_chapters=f.flag("split_chapters"),
        subtitles=f.choice("subtitles"),
        timings=timings,
        bitrate=f.text("bitrate"),
    )
    options = ConvertOptions(
        voice=f.text("voice"),
        speed=f.number("speed", 1.0),
        lang=f.text("lang"),
        strict=f.flag("strict"),
        pauses=pauses,
        dialogue_voice=f.text("dialogue_voice"),
        stage_directions=f.choice("stage_directions", "skip") or "skip",
        text_rules=NormalizeOptions(
            date_order=f.choice("date_order"), expand_titles=f.flag("expand_titles", True), g2p=f.choice("g2p", "lexicon") or "lexicon"
        ),
        reading=ReadChoices(
            skip_front_matter=not f.flag("keep_front_matter"),
            notes=f.choice("notes", "skip") or "skip",
            read_alt=f.flag("read_alt"),
            code_blocks=f.choice("code", "skip") or "skip",
            heading_level=f.integer("heading_level", None, 1, 6),
            chapters=f.text("chapters"),
            chapter_level=f.integer("chapter_level", None, 1, 9),
        ),
        output=output,
    )
    check_options(options)
    return options
