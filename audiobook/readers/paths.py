"""What a document may reach: the files beside it, and nothing else.

Every file a document names (an ``<audio src>``, a script's cast file, a ``<lexicon uri>``, a voice
pack given by path in ``<voice name>``, front matter or a cast) is found with ``inside``: relative
to the document's folder and never out of it (no ``..`` leading out, no absolute path, no link
pointing away, no URL). A reference that is refused is reported where it stood (an error under
``--strict``) and the file is never opened. A document without a folder (text given to ``say``)
reaches no file at all. ``--lexicon``, ``--voice`` and the other options are the user's own choice
and are not checked here.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Book, Context, Segment, VoiceRequest
from ssml.paths import resolve_inside
from voices.packs import PACK_SUFFIXES

__all__ = ["confine_voices", "document_file", "inside", "is_pack_path"]


def inside(base_dir: Path | None, ref: str) -> Path:
    """The file ``ref`` names in the document's folder ``base_dir``; ``ValueError`` says why not."""
    return resolve_inside(base_dir, ref)


def document_file(base_dir: Path | None, ref: str, what: str, where: str | None, reporter: Reporter) -> Path | None:
    """``inside``, with a refusal reported as ``what`` at ``where`` (``None`` returned: read nothing)."""
    try:
        return inside(base_dir, ref)
    except ValueError as exc:
        reporter.report("outside-folder", f"{what} refused: {exc}; it is not read", where)
        return None


def is_pack_path(name: str) -> bool:
    """Whether a voice name is a pack file's path rather than a name looked up on the voice path."""
    name = name.strip()
    return (
        "/" in name
        or "\\" in name
        or os.sep in name
        or name.startswith((".", "~"))
        or name.lower().endswith(PACK_SUFFIXES)
    )


def _blend_parts(spec: str) -> list[tuple[str, str]]:
    """``"a:0.6+b.pt:0.4"`` → ``[("a", ":0.6"), ("b.pt", ":0.4")]``: each name and its written weight."""
    parts = []
    for piece in spec.split("+"):
        name, sep, weight = piece.rpartition(":")
        try:
            float(weight)
        except ValueError:
            name, sep, weight = piece, "", ""
        parts.append((name if sep else piece, f":{weight}" if sep else ""))
    return parts


def confine_voices(book: Book, base_dir: Path | None, reporter: Reporter, source: str | None = None) -> Book:
    """``book`` with every voice pack the document names by path found in its folder.

    A pack path inside the folder becomes absolute (so it does not depend on the working folder);
    one outside it is reported once, where it first stood, and the voice is dropped: the voice in
    force around it (at last the run's default) reads the text instead.
    """
    answers: dict[str, str | None] = {}

    def spec(value: str | None, where: str | None) -> str | None:
        if value is None or not any(is_pack_path(n) for n, _ in _blend_parts(value)):
            return value
        if value not in answers:
            names = []
            for name, weight in _blend_parts(value):
                if is_pack_path(name):
                    found = document_file(base_dir, name.strip(), "voice pack", where, reporter)
                    if found is None:
                        answers[value] = None
                        break
                    name = str(found)
                names.append(name + weight)
            else:
                answers[value] = "+".join(names)
        return answers[value]

    def request(req: VoiceRequest | None, where: str | None) -> VoiceRequest | None:
        if req is None:
            return None
        names = tuple(n for n in (spec(name, req.where or where) for name in req.names) if n is not None)
        return replace(
            req,
            names=names,
            outer=spec(req.outer, req.where or where),
            outer_request=request(req.outer_request, where),
        )

    def context(ctx: Context, where: str | None) -> Context:
        if ctx.voice is None and ctx.voice_request is None:
            return ctx
        voice, req = spec(ctx.voice, where), request(ctx.voice_request, where)
        if voice == ctx.voice and req == ctx.voice_request:
            return ctx
        return replace(ctx, voice=voice, voice_request=req)

    def segment(seg: Segment, where: str | None) -> Segment:
        ctx = getattr(seg, "ctx", None)
        if ctx is None:
            return seg
        where = getattr(seg, "source", None) or where
        if isinstance(seg, Audio):
            return replace(seg, ctx=context(ctx, where), fallback=tuple(segment(s, where) for s in seg.fallback))
        new = context(ctx, where)
        return seg if new is ctx else replace(seg, ctx=new)

    chapters = tuple(
        replace(
            ch,
            blocks=tuple(
                replace(b, segments=tuple(segment(s, ch.source) for s in b.segments)) for b in ch.blocks
            ),
        )
        for ch in book.chapters
    )
    meta = replace(book.meta, voice=spec(book.meta.voice, source))
    return replace(book, meta=meta, chapters=chapters)
