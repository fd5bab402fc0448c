"""Text cleanup before sentence splitting: whitespace, control characters, typography.

Deliberately modest: it only rewrites what would make espeak-ng or the sentence splitter stumble.
Numbers, dates and other say-as work belong to a later pass.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace

from ..model import Audio, Block, Book, Segment, Speech

__all__ = ["normalize", "normalize_text"]

log = logging.getLogger(__name__)

# Typographic characters espeak-ng reads badly or that Kokoro's vocabulary lacks, mapped to ones
# it handles. Curly double quotes stay: the vocabulary has them and they shape prosody.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote / apostrophe
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier letter apostrophe
        "\u201e": "\u201c",  # low double quote opens a quotation in German and Polish
        "\u00ab": "\u201c",  # guillemets: the vocabulary has curly quotes, not « »
        "\u00bb": "\u201d",
        "\u2039": "'",
        "\u203a": "'",
        "\u2015": "\u2014",  # horizontal bar reads as a dash
        "\u2012": "\u2013",  # figure dash behaves like an en dash
        "\u2212": "-",  # minus sign
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
    }
)

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
"""Soft hyphen, zero-width characters, BOM: they split words for espeak without being seen."""

_ELLIPSIS = re.compile(r"\.(?:\s?\.){2,}")
_DIGIT_RANGE = re.compile(r"(?<=\d)\s*\u2013\s*(?=\d)")
_DASH = re.compile(r"\s*(?:\u2014|\u2013|(?<=\w)--(?=\w)|\s--\s)\s*")
_SPACE = re.compile(r"\s+")


def _drop_controls(text: str) -> str:
    # Control characters (C0/C1) except whitespace, which is collapsed below.
    return "".join(
        " " if ch in "\t\n\r\v\f" else ch
        for ch in text
        if ch in "\t\n\r\v\f" or unicodedata.category(ch) != "Cc"
    )


def normalize_text(text: str) -> str:
    """Clean one run of text; leading and trailing whitespace is kept as a single space."""
    text = unicodedata.normalize("NFC", text)
    text = _drop_controls(text)
    text = _INVISIBLE.sub("", text)
    text = text.translate(_TRANSLATE)
    text = _ELLIPSIS.sub("\u2026", text)
    # "1990–1995": a range of numbers keeps a plain hyphen; everywhere else a dash is a pause.
    text = _DIGIT_RANGE.sub("-", text)
    text = _DASH.sub(" \u2014 ", text)
    return _SPACE.sub(" ", text)


def _segment(seg: Segment) -> Segment | None:
    if isinstance(seg, Speech):
        text = normalize_text(seg.text)
        # A segment of only whitespace carries nothing to speak; the sentence pass re-inserts
        # spaces between neighbouring segments where the words would otherwise touch.
        return replace(seg, text=text) if text.strip() else None
    if isinstance(seg, Audio):
        fallback = tuple(s for s in (_segment(f) for f in seg.fallback) if s is not None)
        return replace(seg, fallback=fallback)
    return seg


def _block(block: Block) -> Block:
    return replace(block, segments=tuple(s for s in (_segment(x) for x in block.segments) if s is not None))


def normalize(book: Book) -> Book:
    """Return ``book`` with the text of every ``Speech`` cleaned (overrides are left untouched)."""
    chapters = tuple(
        replace(ch, blocks=tuple(_block(b) for b in ch.blocks)) for ch in book.chapters
    )
    return replace(book, chapters=chapters)

