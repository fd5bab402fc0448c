"""The ``voices`` pass: answer every ``<voice>`` request from the voices on disk.

Readers record what a document asks for (``Context.voice_request``); which pack answers depends on
the packs this machine has, so it is decided here, once per request, by ``voices.choice``. A
request that cannot be met as written is reported once, where its ``<voice>`` element stood.
"""

from __future__ import annotations

from dataclasses import replace

from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Book, Context, Segment, VoiceRequest
from voices import catalogue
from voices.choice import is_spec, resolve_request
from voices.packs import VoiceLibrary

__all__ = ["resolve_voices"]


def resolve_voices(book: Book, library: VoiceLibrary, reporter: Reporter) -> Book:
    """``book`` with every voice request replaced by the voice that answers it."""
    reported: set[VoiceRequest] = set()
    presets = catalogue.presets()
    plain: dict[str, VoiceRequest] = {}
    present: set[str] = set()
    answers: dict[tuple[VoiceRequest, str | None], str | None] = {}

    def context(ctx: Context) -> Context:
        request = ctx.voice_request
        if request is None:
            return ctx
        key = (request, ctx.lang or book.meta.language)
        if key not in answers:
            found, problem = resolve_request(request, library, key[1])
            answers[key] = found
            if problem and request not in reported:
                reported.add(request)
                reporter.report("voice-unmatched", f"<voice> request not met as written: {problem}", request.where)
        return replace(ctx, voice=answers[key], voice_request=None)

    def named(ctx: Context, where: str | None) -> Context:
        # A plain name that is not on disk is a request of that one name: SSML 1.1 selects by the
        # other features then (the language in scope, the gender the name implies).
        name = ctx.voice
        if name is None or name in present:
            return ctx
        if name not in plain and (is_spec(name) or name in presets or library.has(name)):
            present.add(name)
            return ctx
        # One request per name, so it is reported once, where it is first used.
        request = plain.setdefault(name, VoiceRequest(names=(name,), where=where))
        return context(replace(ctx, voice_request=request))

    def segment(seg: Segment) -> Segment:
        if isinstance(seg, Audio):
            return replace(seg, ctx=context(seg.ctx), fallback=tuple(segment(s) for s in seg.fallback))
        ctx = getattr(seg, "ctx", None)
        if ctx is None:
            return seg
        if ctx.voice_request is not None:
            return replace(seg, ctx=context(ctx))
        if ctx.voice is not None:
            return replace(seg, ctx=named(ctx, getattr(seg, "source", None)))
        return seg

    chapters = tuple(
        replace(ch, blocks=tuple(replace(b, segments=tuple(segment(s) for s in b.segments)) for b in ch.blocks))
        for ch in book.chapters
    )
    return replace(book, chapters=chapters)
