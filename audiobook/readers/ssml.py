"""SSML → ``Book``: one chapter per document, lowered by the standalone ``ssml`` package.

The chapter (and book) title comes from ``<meta name="title" content="...">`` or the file name;
the language from ``xml:lang`` on ``<speak>``, the reader options, or ``en-us``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path, PurePath

import ssml as ssml_lib

from ..config import ReadOptions
from ..errors import InputError
from ..model import Audio, Block, Book, Break, Chapter, Context, Mark, Metadata, Phonemes, Segment, Speech

__all__ = ["read", "segments_from", "warn_to"]

log = logging.getLogger(__name__)


def warn_to(options: ReadOptions) -> Callable[[ssml_lib.Diagnostic], None]:
    """A ``warn`` callback that hands ``ssml`` diagnostics to the run's reporter."""

    def warn(diagnostic: ssml_lib.Diagnostic) -> None:
        options.reporter.report(diagnostic.code, diagnostic.message, diagnostic.where)

    return warn


def _context(ctx: ssml_lib.Ctx, book_lang: str) -> Context:
    # The book's own language is left implicit, so only real switches show as a change.
    lang = None if ctx.lang == book_lang else ctx.lang
    return Context(ctx.voice, lang, ctx.rate, ctx.pitch, ctx.volume_db, ctx.emphasis)


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
            ctx = _context(item.ctx, book_lang)
            if isinstance(item, ssml_lib.Text):
                out.append(Speech(item.text, ctx, where))
            else:
                out.append(Phonemes(item.ph, item.text, ctx, where, override=True))
        elif isinstance(item, ssml_lib.Pause):
            out.append(Break(item.ms, item.kind))
        elif isinstance(item, ssml_lib.AudioRef):
            fallback = tuple(segments_from(item.fallback, source, book_lang, columns, options))
            found = _audio_file(item.src, options)
            if found is not None:
                out.append(Audio(str(found), fallback, _context(item.ctx, book_lang)))
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


def _title_from(source: str) -> str:
    if not source or source.startswith("<"):
        return "Untitled"
    return PurePath(source).stem or "Untitled"


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
            warn=warn,
        )
    except ssml_lib.SSMLError as exc:
        raise InputError(exc.message, exc.source, exc.line, exc.column) from None
    language = (doc.lang or options.lang or "en-us").lower()
    title = doc.meta.get("title") or _title_from(source)
    authors = tuple(a.strip() for a in doc.meta.get("author", "").split(";") if a.strip())
    chapter = Chapter(
        title,
        tuple(Block(tuple(segments_from(items, source, language, options=options))) for items in blocks),
        source,
    )
    meta = Metadata(title=title, authors=authors, language=language, description=doc.meta.get("description"))
    return Book(meta, (chapter,))
