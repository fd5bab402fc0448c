"""SSML → ``Book``: one chapter per document, lowered by the standalone ``ssml`` package.

The chapter (and book) title comes from ``<meta name="title" content="...">`` or the file name;
the language from ``xml:lang`` on ``<speak>``, the reader options, or ``en-us``. A ``<voice>``
that asks by preference list, gender, language or variant is answered here, from the catalogued
voices that load without a download; ``<say-as interpret-as="expletive">`` becomes a beep.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import ssml as ssml_lib
import voices as catalogue_pkg

from ..config import ReadOptions
from ..errors import InputError
from ..model import (
    Audio,
    Block,
    Book,
    Break,
    Chapter,
    Context,
    Mark,
    Metadata,
    Phonemes,
    Segment,
    Speech,
)
from ..prosody import beep_src
from . import title_from_source

__all__ = ["read", "segments_from", "warn_to", "resolve_voice"]

log = logging.getLogger(__name__)


def warn_to(options: ReadOptions) -> Callable[[ssml_lib.Diagnostic], None]:
    """A ``warn`` callback that hands ``ssml`` diagnostics to the run's reporter."""

    def warn(diagnostic: ssml_lib.Diagnostic) -> None:
        options.reporter.report(diagnostic.code, diagnostic.message, diagnostic.where)

    return warn


def _is_spec(name: str) -> bool:
    """Whether ``name`` is a blend or a pack file, which need no catalogue to be chosen."""
    return "+" in name or ":" in name or "/" in name or Path(name).suffix.lower() in (".pt", ".npy", ".npz", ".bin")


def _described(query: ssml_lib.VoiceQuery) -> tuple[str | None, str | None]:
    """The voice that fits a query's gender, languages and variant, and what had to be relaxed."""
    from ..voice_choice import choose_voice, same_language, voice_gender, voice_language
    from ..voicepacks import VoiceLibrary

    library = VoiceLibrary()
    gender = query.gender if query.gender in ("female", "male") else None
    first: str | None = None
    relaxed: str | None = None
    chosen_lang: str | None = None
    for lang in query.languages or (None,):  # type: ignore[arg-type]
        first = choose_voice(lang, gender, library=library)
        if first is not None:
            chosen_lang = lang
            break
    if first is None and gender is not None and query.languages:
        for lang in query.languages:
            first = choose_voice(lang, None, library=library)
            if first is not None:
                chosen_lang = lang
                relaxed = f"no {gender} voice of {lang} is on disk"
                break
    if first is None and query.languages:
        first = choose_voice(None, gender, library=library)
        relaxed = f"no voice of {' or '.join(query.languages)} is on disk"
    if first is None or not query.variant or query.variant == 1:
        return first, relaxed
    # The n-th variant: the best match first, then the others that fit (exact region first).
    others: list[tuple[int, str]] = []
    for name in library.available():
        lang = voice_language(name)
        if name == first or lang is None:
            continue
        if chosen_lang is not None and not same_language(lang, chosen_lang):
            continue
        if gender is not None and relaxed is None and voice_gender(name) != gender:
            continue
        others.append((0 if chosen_lang is None or lang == chosen_lang else 1, name))
    ranked = [first] + [name for _, name in sorted(others)]
    return ranked[(query.variant - 1) % len(ranked)], relaxed


@functools.lru_cache(maxsize=256)
def _resolve(query: ssml_lib.VoiceQuery, _voice_path: str) -> tuple[str | None, str | None]:
    from ..voicepacks import VoiceLibrary

    library = VoiceLibrary()
    missing = []
    presets = catalogue_pkg.presets()
    for name in query.names:
        if _is_spec(name) or name in presets or library.has(name):
            return name, None
        missing.append(name)
    problem = f"none of the voices {', '.join(missing)} is on disk" if missing else None
    if query.gender or query.languages or query.variant:
        found, relaxed = _described(query)
        if found is not None:
            notes = [n for n in (problem, relaxed) if n]
            return found, f"{'; '.join(notes)}; {found} chosen" if notes else None
    return None, f"{problem or 'no voice on disk fits it'}; the voice outside the element is kept"


def resolve_voice(ctx: ssml_lib.Ctx) -> tuple[str | None, str | None]:
    """The voice for a context and, when the request could not be met as written, why.

    A plain name is taken as it is (a typo fails when voices load, naming it). A list of names
    gives the first on disk; a description (gender, languages, variant) picks among the catalogued
    voices on disk; when nothing fits, the voice outside the element stays.
    """
    query = ctx.voice_query
    if query is None:
        return ctx.voice, None
    found, problem = _resolve(query, os.environ.get("AUDIOBOOK_VOICE_PATH", ""))
    if found is not None:
        return found, problem
    outer = query.outer_query
    while outer is not None:
        found, _ = _resolve(outer, os.environ.get("AUDIOBOOK_VOICE_PATH", ""))
        if found is not None:
            return found, problem
        if outer.outer_query is None:
            return outer.outer, problem
        outer = outer.outer_query
    return query.outer, problem


def _context(ctx: ssml_lib.Ctx, book_lang: str, options: ReadOptions | None = None, source: str = "") -> Context:
    # The book's own language is left implicit, so only real switches show as a change.
    lang = None if ctx.lang == book_lang else ctx.lang
    voice, problem = resolve_voice(ctx)
    query = ctx.voice_query
    if problem and options is not None and query is not None:
        where = ssml_lib.Diagnostic("", "", source, query.line, query.column).where
        # One report per <voice> element, however many paragraphs it holds.
        if not any(r.code == "voice-unmatched" and r.where == where for r in options.reporter.reports):
            options.reporter.report("voice-unmatched", f"<voice> request not met as written: {problem}", where)
    return Context(voice, lang, ctx.rate, ctx.pitch, ctx.volume_db, ctx.emphasis, ctx.say_as, ctx.duration_ms)


def _audio_file(src: str, options: ReadOptions | None) -> Path | None:
    """The local file an ``<audio src>`` names, or ``None`` (never fetched from the network)."""
    if "://" in src or src.startswith("data:"):
        return None
    path = Path(src).expanduser()
    if not path.is_absolute():
        path = (options.base_dir if options and options.base_dir else Path.cwd()) / path
    return path if path.is_file() else None


def segments_from(
    items: Sequence[ssml_lib.Item],
    source: str,
    book_lang: str,
    columns: bool = True,
    options: ReadOptions | None = None,
) -> list[Segment]:
    """Map lowered ``ssml`` items onto the document model (``columns=False``: name lines only).

    An ``<audio>`` whose file is missing (or remote) is replaced by its fallback content, with a
    report, so what the author wrote is still heard.
    """
    out: list[Segment] = []
    for item in items:
        if isinstance(item, (ssml_lib.Text, ssml_lib.Phoneme)):
            where = ssml_lib.Diagnostic("", "", source, item.line, item.column if columns else None).where
            ctx = _context(item.ctx, book_lang, options, source)
            if isinstance(item, ssml_lib.Text) and item.ctx.say_as and item.ctx.say_as[0] == "expletive":
                out.append(Audio(beep_src(item.text), (), ctx))
            elif isinstance(item, ssml_lib.Text):
                out.append(Speech(item.text, ctx, where))
            else:
                out.append(Phonemes(item.ph, item.text, ctx, where, override=True))
        elif isinstance(item, ssml_lib.Pause):
            out.append(Break(item.ms, item.kind))
        elif isinstance(item, ssml_lib.AudioRef):
            fallback = tuple(segments_from(item.fallback, source, book_lang, columns, options))
            found = _audio_file(item.src, options)
            if found is not None:
                out.append(Audio(str(found), fallback, _context(item.ctx, book_lang, options, source)))
                continue
            if options is not None:
                options.reporter.report(
                    "audio-missing",
                    f"audio file {item.src!r} not found (remote files are never fetched); "
                    + ("its fallback text is spoken instead" if fallback else "nothing is played"),
                    source,
                )
            out.extend(fallback)
        else:
            out.append(Mark(item.name))
    return out


def read(data: bytes, options: ReadOptions) -> Book:
    """Read one SSML document into a one-chapter book."""
    source = options.source
    strict = options.reporter.strict
    warn = warn_to(options)
    try:
        doc = ssml_lib.parse(data, source=source, strict=strict, warn=warn)
        blocks = ssml_lib.lower(
            doc,
            strict=strict,
            strengths=options.pauses.strengths,
            max_break_ms=options.pauses.max_break,
            base_dir=options.base_dir,
            warn=warn,
        )
    except ssml_lib.SSMLError as exc:
        raise InputError(exc.message, exc.source, exc.line, exc.column) from None
    language = (doc.lang or options.lang or "en-us").lower()
    title = doc.meta.get("title") or title_from_source(source)
    authors = tuple(a.strip() for a in doc.meta.get("author", "").split(";") if a.strip())
    chapter = Chapter(
        title,
        tuple(Block(tuple(segments_from(items, source, language, options=options))) for items in blocks),
        source,
    )
    meta = Metadata(title=title, authors=authors, language=language, description=doc.meta.get("description"))
    return Book(meta, (chapter,))
