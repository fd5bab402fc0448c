"""The normalize stage: typography cleanup, then what is written turned into what is said.

Every ``Speech`` is cleaned (whitespace, control characters, quotes and dashes); English text then
goes through the rule table of ``audiobook.normalize`` (numbers, dates, money, units, abbreviations,
Roman numerals...), a segment inside SSML ``<say-as>`` is read as its ``interpret-as`` says, and
lexicon words become respellings or ``Phonemes`` overrides. It runs before sentence splitting, so
"Baker St. in London" is one sentence and "on Baker St. The fog" two.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import replace

from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Block, Book, Phonemes, Segment, Speech
from audiobook.normalize import (
    NormalizeOptions,
    apply_lexicons,
    expand,
    say_as,
    shipped_lexicon,
)
from audiobook.normalize.heteronyms import find as find_heteronyms
from audiobook.normalize.languages import expand_language
from audiobook.normalize.lexicon import Lexicon, lexicons_for
from audiobook.words import cut_written

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

_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Soft hyphen, zero-width characters, word joiner, direction marks, invisible operators, BOM: they
split words and numbers ("1659\u2060–\u206060") for the rules and espeak without being seen."""

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


def _keep_written(pieces: list[Segment], written: str) -> list[Segment]:
    """``pieces`` (of one segment) with the written text each came from, where it differs."""
    texts = [p.text for p in pieces if isinstance(p, (Speech, Phonemes))]
    spoken = " ".join(texts)
    if spoken.split() == written.split():
        return [replace(p, written=None) if isinstance(p, (Speech, Phonemes)) else p for p in pieces]
    shares = iter(cut_written(spoken, written, texts))
    out: list[Segment] = []
    for p in pieces:
        if isinstance(p, (Speech, Phonemes)):
            share = next(shares)
            p = replace(p, written=share if share is not None and share.split() != p.text.split() else None)
        out.append(p)
    return out


class _Run:
    """What the stage needs while it walks one book."""

    def __init__(self, lang: str, options: NormalizeOptions, reporter: Reporter) -> None:
        self.lang = lang
        self.options = options
        self.reporter = reporter
        self.user: list[Lexicon] = lexicons_for(options.lexicons, reporter)
        # The user's own words are read as their lexicon says, not rewritten by a rule first.
        self.keep = frozenset(word for lexicon in self.user for word in lexicon.entries)

    def speech(self, seg: Speech, heading: bool) -> list[Segment]:
        text = normalize_text(seg.text)
        if not seg.written:
            seg = replace(seg, written=text)
        # A segment of only whitespace carries nothing to speak; the sentence pass re-inserts
        # spaces between neighbouring segments where the words would otherwise touch.
        if not text.strip():
            return []
        lang = seg.ctx.lang or self.lang
        english = lang.lower().startswith("en") and self.options.english
        opts = replace(self.options.for_lang(lang), keep=self.keep)
        ctx = seg.ctx
        if ctx.say_as is not None:
            kind, fmt, detail = ctx.say_as
            spoken = say_as(text, kind, fmt, detail, opts, lang)
            if spoken is not None:
                text, ctx = spoken, replace(ctx, say_as=None)
            # Other kinds (expletive) stay marked for the stage that handles them.
        elif english:
            text = expand(text, opts, heading=heading)
        elif not lang.lower().startswith("en"):
            text = expand_language(text, lang)
        lexicons = [*self.user, shipped_lexicon()] if english else self.user
        out = apply_lexicons(replace(seg, text=text, ctx=ctx), lexicons, lang, self.reporter)
        if english:
            out = [piece for s in out for piece in self.heteronyms(s, lang)]
        return _keep_written(out, seg.written or text)


    def heteronyms(self, seg: Segment, lang: str) -> list[Segment]:
        """``seg`` with each heteronym espeak-ng would misread as a ``Phonemes`` override."""
        if not isinstance(seg, Speech):
            return [seg]
        spans = find_heteronyms(seg.text)
        if not spans:
            return [seg]
        from audiobook.vocab import to_vocab

        out: list[Segment] = []
        at = 0
        for start, end, ipa in spans:
            if seg.text[at:start].strip():
                out.append(replace(seg, text=seg.text[at:start]))
            out.append(Phonemes(to_vocab(ipa, lang, self.reporter, seg.source), seg.text[start:end], seg.ctx, seg.source, override=True))
            at = end
        if seg.text[at:].strip():
            out.append(replace(seg, text=seg.text[at:]))
        return out

    def segment(self, seg: Segment, heading: bool) -> list[Segment]:
        if isinstance(seg, Speech):
            return self.speech(seg, heading)
        if isinstance(seg, Audio):
            fallback = tuple(s for f in seg.fallback for s in self.segment(f, heading))
            return [replace(seg, fallback=fallback)]
        return [seg]

    def block(self, block: Block) -> Block:
        heading = block.kind == "heading"
        return replace(block, segments=tuple(s for x in block.segments for s in self.segment(x, heading)))


def normalize(
    book: Book,
    options: NormalizeOptions | None = None,
    *,
    lang: str | None = None,
    reporter: Reporter | None = None,
) -> Book:
    """Return ``book`` with every ``Speech`` cleaned and, where English, written as it is said.

    ``lang`` is the language where a segment does not say (default: the book's). Overrides
    (``Phonemes``) are left untouched.
    """
    run = _Run(lang or book.meta.language or "en-us", options or NormalizeOptions(), reporter or Reporter())
    chapters = tuple(replace(ch, blocks=tuple(run.block(b) for b in ch.blocks)) for ch in book.chapters)
    return replace(book, chapters=chapters)
