"""SSML → ``Book``: one chapter per document, lowered by the standalone ``ssml`` package.

The chapter (and book) title comes from ``<meta name="title" content="...">`` or the file name;
the language from ``xml:lang`` on ``<speak>``, the reader options, or ``en-us``. A ``<voice>``
that asks by preference list, gender, language or variant is recorded as a ``VoiceRequest``, which
the ``voices`` pass answers from the voices on disk; ``<say-as interpret-as="expletive">`` becomes
a beep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import ssml as ssml_lib
from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.model import (
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
    VoiceRequest,
    beep_src,
)
from audiobook.readers.clean import decode_xml, speakable
from audiobook.readers.paths import inside
from audiobook.readers.text import title_from_source

__all__ = ["read", "segments_from", "warn_to"]

log = logging.getLogger(__name__)


def warn_to(reporter: Reporter) -> Callable[[ssml_lib.Diagnostic], None]:
    """A ``warn`` callback that hands ``ssml`` diagnostics to the run's reporter."""

    def warn(diagnostic: ssml_lib.Diagnostic) -> None:
        reporter.report(diagnostic.code, diagnostic.message, diagnostic.where)

    return warn


def _request(query: ssml_lib.VoiceQuery | None, source: str) -> VoiceRequest | None:
    """The document model's record of a ``<voice>`` that asks by list or description."""
    if query is None:
        return None
    return VoiceRequest(
        names=query.names,
        gender=query.gender,
        variant=query.variant,
        languages=query.languages,
        outer=query.outer,
        outer_request=_request(query.outer_query, source),
        where=ssml_lib.Diagnostic("", "", source, query.line, query.column).where,
    )


def _context(ctx: ssml_lib.Ctx, book_lang: str, source: str = "") -> Context:
    # The book's own language is left implicit, so only real switches show as a change.
    lang = None if ctx.lang == book_lang else ctx.lang
    # A request stays a request: which voice answers it depends on what is on disk at run time.
    request = _request(ctx.voice_query, source)
    voice = request.outer if request is not None else ctx.voice
    return Context(voice, lang, ctx.rate, ctx.pitch, ctx.volume_db, ctx.emphasis, ctx.say_as, ctx.duration_ms, request)


def segments_from(
    items: Sequence[ssml_lib.Item],
    source: str,
    book_lang: str,
    columns: bool = True,
    options: ReadOptions | None = None,
    reporter: Reporter | None = None,
    clean: bool = True,
) -> list[Segment]:
    """Map lowered ``ssml`` items onto the document model (``columns=False``: name lines only).

    An ``<audio>`` whose file is missing, or refused because it is not in the document's folder
    (``paths``: remote, absolute, leading out), is replaced by its fallback content, with a report
    naming its place, so what the author wrote is still heard and no other file is read. Markup
    left in the text (a CDATA section's tags) is taken out and reported (``clean``); a reader that
    cleaned its text already, keeping what it knows to be literal, passes ``clean=False``.
    """
    out: list[Segment] = []
    for item in items:
        if isinstance(item, (ssml_lib.Text, ssml_lib.Phoneme)):
            where = ssml_lib.Diagnostic("", "", source, item.line, item.column if columns else None).where
            ctx = _context(item.ctx, book_lang, source)
            if isinstance(item, ssml_lib.Text) and item.ctx.say_as and item.ctx.say_as[0] == "expletive":
                out.append(Audio(beep_src(item.text), (), ctx))
            elif isinstance(item, ssml_lib.Text):
                text = speakable(item.text, where, reporter) if clean else item.text
                if text:
                    out.append(Speech(text, ctx, where))
            else:
                out.append(Phonemes(item.ph, item.text, ctx, where, override=True))
        elif isinstance(item, ssml_lib.Pause):
            out.append(Break(item.ms, item.kind))
        elif isinstance(item, ssml_lib.AudioRef):
            fallback = tuple(segments_from(item.fallback, source, book_lang, columns, options, reporter, clean))
            where = ssml_lib.Diagnostic("", "", source, item.line, item.column if columns else None).where
            try:
                found = inside(options.base_dir if options is not None else None, item.src)
            except ValueError as exc:
                code, problem = "outside-folder", f"<audio> refused: {exc}; it is not read"
            else:
                if found.is_file():
                    out.append(Audio(str(found), fallback, _context(item.ctx, book_lang, source)))
                    continue
                code, problem = "audio-missing", f"audio file {item.src[:200]!r} not found beside the document"
            if reporter is not None:
                reporter.report(code, problem + (", its fallback text is spoken" if fallback else ", nothing is played"), where)
            out.extend(fallback)
        else:
            out.append(Mark(item.name))
    return out


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read one SSML document into a one-chapter book."""
    reporter = reporter if reporter is not None else Reporter()
    source = options.source
    strict = reporter.strict
    warn = warn_to(reporter)
    try:
        doc = ssml_lib.parse(decode_xml(data, source, reporter), source=source, strict=strict, warn=warn)
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
        tuple(Block(tuple(segments_from(items, source, language, options=options, reporter=reporter))) for items in blocks),
        source,
    )
    meta = Metadata(title=title, authors=authors, language=language, description=doc.meta.get("description"))
    return Book(meta, (chapter,))
