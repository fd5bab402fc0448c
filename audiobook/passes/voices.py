"""The ``voices`` pass: answer every ``<voice>`` request from the voices on disk.

Readers record what a document asks for (``Context.voice_request``); which pack answers depends on
the packs this machine has, so it is decided here, once per request, by ``voices.choice``. A
request that cannot be met as written is reported once, where its ``<voice>`` element stood.
"""

from __future__ import annotations

from dataclasses import replace

from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Book, Context, Segment, VoiceRequest
from voices.choice import resolve_request
from voices.packs import VoiceLibrary

__all__ = ["resolve_voices"]


def resolve_voices(book: Book, library: VoiceLibrary, reporter: Reporter) -> Book:
    """``book`` with every voice request replaced by the voice that answers it."""
    answers: dict[VoiceRequest, str | None] = {}

    def context(ctx: Context) -> Context:
        request = ctx.voice_request
        if request is None:
            return ctx
        if request not in answers:
            found, problem = resolve_request(request, library)
            answers[request] = found
            if problem:
                reporter.report("voice-unmatched", f"<voice> request not met as written: {problem}", request.where)
        return replace(ctx, voice=answers[request], voice_request=None)

    def segment(seg: Segment) -> Segment:
        if isinstance(seg, Audio):
            return replace(seg, ctx=context(seg.ctx), fallback=tuple(segment(s) for s in seg.fallback))
        ctx = getattr(seg, "ctx", None)
        return replace(seg, ctx=context(ctx)) if ctx is not None and ctx.voice_request is not None else seg

    chapters = tuple(
        replace(ch, blocks=tuple(replace(b, segments=tuple(segment(s) for s in b.segments)) for b in ch.blocks))
        for ch in book.chapters
    )
    return replace(book, chapters=chapters)
