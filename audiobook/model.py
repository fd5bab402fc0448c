"""The document model: what every reader produces and every later stage consumes.

A ``Book`` holds ``Chapter``s; a chapter holds ``Block``s (paragraphs, headings, list items);
a block holds segments, the leaves. Every segment carries the ``Context`` in force where it
stood (voice, language, prosody), so a voice switch is not a node: it is the ``voice`` of the
segments that follow it.

The JSON form (``to_json``) carries ``SCHEMA_VERSION``; ``audiobook inspect --json`` prints it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field, replace
from typing import Any, Union

__all__ = [
    "SCHEMA_VERSION",
    "BEEP_PREFIX",
    "beep_ms",
    "beep_src",
    "is_beep",
    "Context",
    "VoiceRequest",
    "Speech",
    "Phonemes",
    "Break",
    "Audio",
    "Mark",
    "Segment",
    "Block",
    "Chapter",
    "Metadata",
    "Book",
    "book_to_json",
    "book_from_json",
    "segment_to_json",
    "segment_from_json",
    "with_context",
]

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class VoiceRequest:
    """A voice asked for by preference list or description (SSML ``<voice>``), chosen later.

    Readers record what the document asks; which pack answers it depends on the voices on disk,
    so it is decided once, by ``voices.choice``, in the ``voices`` pass.
    """

    names: tuple[str, ...] = ()
    """Names in preference order."""
    gender: str | None = None
    """``female``, ``male`` or ``neutral``."""
    variant: int | None = None
    """1-based index among the voices that match the rest."""
    languages: tuple[str, ...] = ()
    """Language tags the voice should speak (lower case)."""
    outer: str | None = None
    """The voice in force outside the element: kept when nothing matches."""
    outer_request: VoiceRequest | None = None
    """The request in force outside the element, when the outer voice was asked for this way."""
    where: str | None = None
    """``file:line:column`` of the ``<voice>`` element, for the report when it is not met."""


@dataclass(frozen=True)
class Context:
    """The speaking context in force where a segment stands."""

    voice: str | None = None
    """Voice name or blend (``"jf_alpha:0.6+jm_kumo:0.4"``); ``None`` means the run's default."""
    lang: str | None = None
    """BCP-47 language tag (``en-us``); ``None`` means the book's language."""
    rate: float = 1.0
    """Speaking-rate multiplier applied on top of the run's speed (1.0 = unchanged)."""
    pitch: float = 0.0
    """Pitch shift in semitones requested by markup (0 = unchanged)."""
    volume_db: float = 0.0
    """Gain in decibels applied to the synthesized audio."""
    emphasis: str | None = None
    """SSML emphasis level in force (``strong``, ``moderate``, ``reduced``, ``none``) or ``None``."""
    say_as: tuple[str, str | None, str | None] | None = None
    """SSML ``say-as`` in force: (interpret-as, format, detail); the normalize pass expands it."""
    duration_ms: int | None = None
    """SSML ``<prosody duration>`` in force: the time the enclosed text should take."""
    voice_request: VoiceRequest | None = None
    """A voice asked for by list or description, not yet chosen; ``voice`` holds the fallback."""


DEFAULT_CONTEXT = Context()


@dataclass(frozen=True)
class Speech:
    """Text to be spoken."""

    text: str
    """The text, as written (whitespace normalized)."""
    ctx: Context = DEFAULT_CONTEXT
    """Voice, language and prosody in force."""
    source: str | None = None
    """Where the text came from (``file:line:column`` or ``file#anchor``), for reports."""
    written: str | None = field(default=None, compare=False)
    """The text as the source wrote it, where normalization changed it ("£12" for "twelve
    pounds"); ``None`` when ``text`` is as written. Word timings name the written words."""


@dataclass(frozen=True)
class Phonemes:
    """A pronunciation: IPA in Kokoro's vocabulary, and the text it stands for."""

    ph: str
    """Phonemes (IPA); an override from markup is passed to the model untouched."""
    text: str
    """The written text these phonemes replace (for subtitles and reports)."""
    ctx: Context = DEFAULT_CONTEXT
    """Voice, language and prosody in force."""
    source: str | None = None
    """Where the pronunciation came from, for reports."""
    override: bool = False
    """True when the phonemes were written by the user (``<phoneme>``), not made by G2P."""
    written: str | None = field(default=None, compare=False)
    """The text as the source wrote it, where normalization changed ``text``; ``None``: the same."""


@dataclass(frozen=True)
class Break:
    """A pause."""

    ms: int
    """Length of the silence in milliseconds."""
    kind: str = "explicit"
    """``explicit`` (markup asked for it) or a structural gap: ``sentence``, ``clause``."""


@dataclass(frozen=True)
class Audio:
    """A sound file inserted into the reading (SSML ``<audio src>``)."""

    src: str
    """Path of the sound file, relative to the input document."""
    fallback: tuple["Segment", ...] = ()
    """What to speak instead when the file cannot be used."""
    ctx: Context = DEFAULT_CONTEXT
    """Context in force (its volume applies to the sound)."""


@dataclass(frozen=True)
class Mark:
    """A named bookmark (SSML ``<mark>``), carried to the timing output."""

    name: str
    """The mark's name."""


Segment = Union[Speech, Phonemes, Break, Audio, Mark]


@dataclass(frozen=True)
class Block:
    """A run of segments read as one unit of structure: a paragraph, heading or list item."""

    segments: tuple[Segment, ...]
    """The leaves, in reading order."""
    kind: str = "paragraph"
    """``paragraph``, ``heading``, ``item``, ``quote``, ``cell`` or ``note``."""


@dataclass(frozen=True)
class Chapter:
    """A chapter: a titled, ordered list of blocks; each becomes one chapter marker."""

    title: str
    """Title shown in the player's chapter list."""
    blocks: tuple[Block, ...]
    """The chapter's content; a heading that was read aloud is its first block."""
    source: str | None = None
    """Where the chapter came from (file, EPUB item), for reports."""


@dataclass(frozen=True)
class Metadata:
    """What the audiobook's tags say."""

    title: str = ""
    """The book's title."""
    subtitle: str | None = None
    """The book's subtitle."""
    series: str | None = None
    """The series the book belongs to."""
    series_index: str | None = None
    """Its place in the series, as written (``"2"``, ``"2.5"``)."""
    authors: tuple[str, ...] = ()
    """Authors, in order."""
    language: str = "en-us"
    """Main language (BCP-47)."""
    narrator: str | None = None
    """Narrator tag; by default the voice that reads the book."""
    voice: str | None = None
    """Voice asked for by the document itself (front matter); the CLI's ``--voice`` wins."""
    identifier: str | None = None
    """ISBN, UUID or other identifier from the source."""
    description: str | None = None
    """A description or blurb."""
    publisher: str | None = None
    """Publisher."""
    date: str | None = None
    """Publication date as written in the source."""
    cover: bytes | None = field(default=None, repr=False)
    """Cover image bytes."""
    cover_mime: str | None = None
    """MIME type of the cover (``image/jpeg``, ``image/png``)."""


@dataclass(frozen=True)
class Book:
    """A whole document, lowered from any input format."""

    meta: Metadata
    """Title, authors, language, cover."""
    chapters: tuple[Chapter, ...]
    """Chapters in reading order."""


def with_context(segment: Segment, **changes: Any) -> Segment:
    """Return ``segment`` with fields of its context replaced (marks and breaks unchanged)."""
    if isinstance(segment, (Speech, Phonemes, Audio)):
        return replace(segment, ctx=replace(segment.ctx, **changes))
    return segment


def _ctx_json(ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {"voice": ctx.voice, "lang": ctx.lang, "rate": ctx.rate}
    if ctx.pitch:
        out["pitch"] = ctx.pitch
    if ctx.volume_db:
        out["volume_db"] = ctx.volume_db
    if ctx.emphasis:
        out["emphasis"] = ctx.emphasis
    if ctx.say_as:
        out["say_as"] = list(ctx.say_as)
    if ctx.duration_ms:
        out["duration_ms"] = ctx.duration_ms
    if ctx.voice_request:
        out["voice_request"] = _request_json(ctx.voice_request)
    return out


def _request_json(req: VoiceRequest) -> dict[str, Any]:
    return {
        "names": list(req.names),
        "gender": req.gender,
        "variant": req.variant,
        "languages": list(req.languages),
        "outer": req.outer,
        "outer_request": _request_json(req.outer_request) if req.outer_request else None,
        "where": req.where,
    }


def _request_from(d: dict[str, Any] | None) -> VoiceRequest | None:
    if not d:
        return None
    return VoiceRequest(
        names=tuple(d.get("names", ())),
        gender=d.get("gender"),
        variant=int(d["variant"]) if d.get("variant") else None,
        languages=tuple(d.get("languages", ())),
        outer=d.get("outer"),
        outer_request=_request_from(d.get("outer_request")),
        where=d.get("where"),
    )


def segment_to_json(seg: Segment) -> dict[str, Any]:
    """The JSON form of one segment (``type`` names the node)."""
    if isinstance(seg, Speech):
        return {"type": "speech", "text": seg.text, **_ctx_json(seg.ctx)}
    if isinstance(seg, Phonemes):
        out = {"type": "phonemes", "ph": seg.ph, "text": seg.text, **_ctx_json(seg.ctx)}
        if seg.override:
            out["override"] = True
        return out
    if isinstance(seg, Break):
        return {"type": "break", "ms": seg.ms, "kind": seg.kind}
    if isinstance(seg, Audio):
        return {
            "type": "audio",
            "src": seg.src,
            "fallback": [segment_to_json(s) for s in seg.fallback],
            **_ctx_json(seg.ctx),
        }
    return {"type": "mark", "name": seg.name}


def _ctx_from(d: dict[str, Any]) -> Context:
    return Context(
        voice=d.get("voice"),
        lang=d.get("lang"),
        rate=float(d.get("rate", 1.0)),
        pitch=float(d.get("pitch", 0.0)),
        volume_db=float(d.get("volume_db", 0.0)),
        emphasis=d.get("emphasis"),
        say_as=tuple(d["say_as"]) if d.get("say_as") else None,  # type: ignore[arg-type]
        duration_ms=int(d["duration_ms"]) if d.get("duration_ms") else None,
        voice_request=_request_from(d.get("voice_request")),
    )


def segment_from_json(d: dict[str, Any]) -> Segment:
    """Inverse of ``segment_to_json``."""
    kind = d["type"]
    if kind == "speech":
        return Speech(d["text"], _ctx_from(d))
    if kind == "phonemes":
        return Phonemes(d["ph"], d["text"], _ctx_from(d), override=bool(d.get("override")))
    if kind == "break":
        return Break(int(d["ms"]), d.get("kind", "explicit"))
    if kind == "audio":
        return Audio(d["src"], tuple(segment_from_json(s) for s in d.get("fallback", [])), _ctx_from(d))
    if kind == "mark":
        return Mark(d["name"])
    raise ValueError(f"unknown segment type {kind!r}")


def book_to_json(book: Book, blocks: bool = False) -> dict[str, Any]:
    """The JSON form of a book.

    Each chapter lists its ``segments`` flat, with a ``{"type": "block"}`` marker between blocks
    omitted; ``blocks=True`` adds the nested ``blocks`` list as well.
    """
    m = book.meta
    chapters = []
    for ch in book.chapters:
        item: dict[str, Any] = {
            "title": ch.title,
            "segments": [segment_to_json(s) for b in ch.blocks for s in b.segments],
        }
        if blocks:
            item["blocks"] = [
                {"kind": b.kind, "segments": [segment_to_json(s) for s in b.segments]} for b in ch.blocks
            ]
        chapters.append(item)
    return {
        "schema": SCHEMA_VERSION,
        "title": m.title,
        "subtitle": m.subtitle,
        "series": m.series,
        "series_index": m.series_index,
        "authors": list(m.authors),
        "language": m.language,
        "narrator": m.narrator,
        "voice": m.voice,
        "identifier": m.identifier,
        "description": m.description,
        "publisher": m.publisher,
        "date": m.date,
        "cover": (
            {"mime": m.cover_mime, "bytes": len(m.cover), "data": base64.b64encode(m.cover).decode()}
            if m.cover
            else None
        ),
        "chapters": chapters,
    }


def book_from_json(d: dict[str, Any]) -> Book:
    """Inverse of ``book_to_json(book, blocks=True)``."""
    cover = d.get("cover")
    meta = Metadata(
        title=d.get("title", ""),
        subtitle=d.get("subtitle"),
        series=d.get("series"),
        series_index=d.get("series_index"),
        authors=tuple(d.get("authors", ())),
        language=d.get("language", "en-us"),
        narrator=d.get("narrator"),
        voice=d.get("voice"),
        identifier=d.get("identifier"),
        description=d.get("description"),
        publisher=d.get("publisher"),
        date=d.get("date"),
        cover=base64.b64decode(cover["data"]) if cover else None,
        cover_mime=cover["mime"] if cover else None,
    )
    chapters = []
    for ch in d["chapters"]:
        raw_blocks = ch.get("blocks") or [{"kind": "paragraph", "segments": ch["segments"]}]
        blocks = tuple(
            Block(tuple(segment_from_json(s) for s in b["segments"]), b.get("kind", "paragraph"))
            for b in raw_blocks
        )
        chapters.append(Chapter(ch["title"], blocks))
    return Book(meta, tuple(chapters))


BEEP_PREFIX = "beep:"
"""``Audio.src`` of a generated beep (``<say-as interpret-as="expletive">``): ``beep:<milliseconds>``."""

_BEEP_MS_PER_CHAR = 75
_BEEP_MIN_MS, _BEEP_MAX_MS = 200, 2000


def beep_src(text: str) -> str:
    """The ``Audio.src`` of a beep as long as ``text`` takes to say, roughly."""
    letters = sum(ch.isalnum() for ch in text)
    ms = min(max(letters * _BEEP_MS_PER_CHAR, _BEEP_MIN_MS), _BEEP_MAX_MS)
    return f"{BEEP_PREFIX}{ms}"


def is_beep(src: str) -> bool:
    """Whether ``src`` names a generated beep rather than a file."""
    return re.fullmatch(rf"{BEEP_PREFIX}\d+", src) is not None


def beep_ms(src: str) -> int:
    """The length of the beep ``src`` names, in milliseconds."""
    return int(src[len(BEEP_PREFIX) :])
