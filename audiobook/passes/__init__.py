"""The text passes, as a named, ordered list of stages.

Each stage is a plain function over plain data: ``voices`` → ``normalize`` → ``sentences`` →
``phonemes`` transform the ``Book``; ``units`` turns it into one ``ChapterPlan`` per chapter. ``stop_after``
ends the line early (``audiobook inspect --stop-after phonemes``, tests of the first stages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from audiobook.config import UnitOptions
from audiobook.diagnostics import Reporter
from audiobook.errors import AudiobookError
from audiobook.model import Book
from audiobook.normalize import NormalizeOptions
from audiobook.passes.chunk import plan_chapters
from audiobook.passes.dialogue import split_dialogue
from audiobook.passes.g2p import phonemize_book
from audiobook.passes.normalize import normalize
from audiobook.passes.sentences import split_sentences
from audiobook.passes.voices import resolve_voices
from audiobook.plan import ChapterPlan
from voices.packs import VoiceLibrary

__all__ = ["STAGES", "STAGE_NAMES", "PassContext", "run_passes"]

log = logging.getLogger(__name__)

Value = Book | list[ChapterPlan]


@dataclass(frozen=True)
class PassContext:
    """What every stage may read: the default language, unit sizing and the reporter."""

    lang: str
    """Language assumed where the document does not say (BCP-47)."""
    unit_options: UnitOptions
    """Unit sizes and pause lengths."""
    reporter: Reporter
    """Where content that is not rendered as written is reported."""
    dialogue_voice: str | None = None
    """Voice for quoted speech in prose (``--dialogue-voice``); ``None`` leaves quotes alone."""
    normalize_options: NormalizeOptions = NormalizeOptions()
    """How text is read: date order, British forms, lexicons (``--date-order``, ``--lexicon``)."""
    library: VoiceLibrary = field(default_factory=VoiceLibrary)
    """The voices on disk, which answer the document's ``<voice>`` requests."""


def _voices(book: Value, ctx: PassContext) -> Value:
    return resolve_voices(_book(book), ctx.library, ctx.reporter)


def _normalize(book: Value, ctx: PassContext) -> Value:
    return normalize(_book(book), ctx.normalize_options, lang=ctx.lang, reporter=ctx.reporter)


def _sentences(book: Value, ctx: PassContext) -> Value:
    # Quoted speech gets its own voice first, so that the sentence splitter sees the voice change.
    book = split_dialogue(_book(book), ctx.dialogue_voice)
    return split_sentences(book, ctx.reporter, ctx.unit_options.pauses)


def _phonemes(book: Value, ctx: PassContext) -> Value:
    return phonemize_book(_book(book), ctx.reporter, ctx.lang, ctx.normalize_options.g2p)


def _units(book: Value, ctx: PassContext) -> Value:
    return plan_chapters(_book(book), ctx.unit_options, ctx.reporter, ctx.lang)


def _book(value: Value) -> Book:
    if not isinstance(value, Book):
        raise TypeError("this stage takes a Book; the units stage must come last")
    return value


STAGES: list[tuple[str, Callable[[Value, PassContext], Value]]] = [
    ("voices", _voices),
    ("normalize", _normalize),
    ("sentences", _sentences),
    ("phonemes", _phonemes),
    ("units", _units),
]
"""The stages in order, by name."""

STAGE_NAMES: tuple[str, ...] = tuple(name for name, _ in STAGES)
"""Valid values of ``stop_after``."""


def run_passes(
    book: Book,
    *,
    lang: str | None = None,
    unit_options: UnitOptions | None = None,
    reporter: Reporter | None = None,
    stop_after: str | None = None,
    start_after: str | None = None,
    dialogue_voice: str | None = None,
    normalize_options: NormalizeOptions | None = None,
    library: VoiceLibrary | None = None,
) -> Book | list[ChapterPlan]:
    """Run the stages in order; the ``Book`` when stopped before ``units``, else the chapter plans.

    ``start_after``: the stages up to that one have run already (``book`` is their output).
    """
    for given in (stop_after, start_after):
        if given is not None and given not in STAGE_NAMES:
            raise AudiobookError(f"unknown stage {given!r}; valid stages: {', '.join(STAGE_NAMES)}")
    skip = STAGE_NAMES.index(start_after) + 1 if start_after is not None else 0
    ctx = PassContext(
        lang or book.meta.language, unit_options or UnitOptions(), reporter or Reporter(), dialogue_voice,
        normalize_options=normalize_options or NormalizeOptions(),
        library=library if library is not None else VoiceLibrary(),
    )
    value: Value = book
    for name, stage in STAGES[skip:]:
        log.debug("pass %s", name)
        value = stage(value, ctx)
        if name == stop_after:
            break
    return value
