"""Sentence splitting: each run of text in a block is cut into sentences with a sentence break between.

Punkt (nltk) does the work with parameters the project ships (``data/punkt_<lang>.txt``); nothing is
trained or downloaded at run time. A language without a list gets Punkt with no abbreviations;
Chinese and Japanese, written without spaces, are cut after their full-width end marks.

A sentence starts with a capital: where the next word begins in lower case, the mark before it did
not end a sentence. That keeps a speech tag with its quotation (“Come in!” said Holmes), an
exclamation inside a sentence ("Oh! it's nothing") and a sentence after an abbreviation the list
lacks ("the MSS. were found") whole. In English, a quotation's "I" and a verb of speaking from
``data/speech_verbs_en.txt`` (“Where is she?” I asked) is a speech tag too.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
from dataclasses import dataclass, replace
from importlib import resources

from nltk.tokenize.punkt import (
    PunktLanguageVars,
    PunktParameters,
    PunktSentenceTokenizer,
)

from audiobook.config import Pauses
from audiobook.diagnostics import Reporter
from audiobook.model import Block, Book, Break, Mark, Phonemes, Segment, Speech
from audiobook.words import cut_written

__all__ = ["abbreviations", "split_sentences", "split_text"]

log = logging.getLogger(__name__)

_CJK = {"zh", "ja", "cmn", "yue"}
_CJK_END = re.compile(r"[。！？!?]+[」』”’）)]*")
_NO_BEFORE_NUMBER = re.compile(r"\bNo\.\s*$", re.IGNORECASE)
_CLOSERS = ".,;:!?…)]}”’\"'"
# What follows a cut when the sentence goes on: a lowercase word, perhaps after a dash
# (“Oh!” — and he left).
_GOES_ON = re.compile(r"\s*(?:[\u2014\u2013-]+\s*)?(\w)")
# A quotation that ends in ! or ? right before the cut, and "I" with the word after it.
_QUOTE_END = re.compile(r"[!?][\u201d\u2019\"']+\s*\Z")
_I_VERB = re.compile(r"\s*I\s+([a-z]+)\b")


def _primary(lang: str) -> str:
    return lang.lower().replace("_", "-").split("-")[0]


@functools.cache
def abbreviations(lang: str) -> frozenset[str]:
    """The shipped abbreviation list for ``lang`` (lower case, no final period); empty if none."""
    name = f"punkt_{_primary(lang)}.txt"
    path = resources.files("audiobook") / "data" / name
    if not path.is_file():
        return frozenset()
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


class _LangVars(PunktLanguageVars):
    """Punkt's defaults plus the Devanagari danda as a sentence end."""

    sent_end_chars = (".", "?", "!", "\u0964")


@functools.cache
def _tokenizer(lang: str) -> PunktSentenceTokenizer:
    params = PunktParameters()
    params.abbrev_types = set(abbreviations(lang))
    return PunktSentenceTokenizer(params, lang_vars=_LangVars())


def _boundaries(text: str, lang: str) -> list[int]:
    """Offsets in ``text`` where a new sentence starts (never 0)."""
    if _primary(lang) in _CJK:
        cuts = [m.end() for m in _CJK_END.finditer(text)]
    else:
        cuts = [start for start, _ in _tokenizer(lang).span_tokenize(text)][1:]
        # "No." is not in the abbreviation list because "she said no." ends a sentence;
        # before a number it is the abbreviation of "number".
        cuts = [
            c for c in cuts if not (_NO_BEFORE_NUMBER.search(text[:c]) and text[c:].lstrip()[:1].isdigit())
        ]
        english = _primary(lang) == "en"
        cuts = [c for c in cuts if not _goes_on(text, c) and not (english and _first_person_tag(text, c))]
    return [c for c in cuts if 0 < c < len(text.rstrip())]


def _goes_on(text: str, cut: int) -> bool:
    """Whether the sentence before ``cut`` continues after it: the next word starts in lower case."""
    match = _GOES_ON.match(text, cut)
    return bool(match) and match.group(1).islower()


def _first_person_tag(text: str, cut: int) -> bool:
    """Whether ``cut`` falls between a quotation and its speech tag "I asked" (“Why?” I asked)."""
    if _QUOTE_END.search(text, max(0, cut - 8), cut) is None:
        return False
    match = _I_VERB.match(text, cut)
    return bool(match) and match.group(1).lower() in _speech_verbs()


@functools.cache
def _speech_verbs() -> frozenset[str]:
    path = resources.files("audiobook") / "data" / "speech_verbs_en.txt"
    lines = (line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w.lower() for line in lines for w in line.split())


def split_text(text: str, lang: str) -> list[str]:
    """``text`` cut into sentences (stripped, none empty)."""
    cuts = [0, *_boundaries(text, lang), len(text)]
    return [p for p in (text[a:b].strip() for a, b in itertools.pairwise(cuts)) if p]


@dataclass
class _Entry:
    """A segment (or piece of one) of a run, with where it starts in the joined text."""

    seg: Segment
    start: int
    speaks: bool


def _split_run(run: list[Segment], lang: str, gap: int) -> list[Segment]:
    # Join the run's text so that a sentence spanning several segments (emphasis, a voice
    # change, a pronunciation override) is seen whole by the splitter.
    joined = ""
    spans: list[tuple[Segment, int, int]] = []
    for seg in run:
        text = seg.text if isinstance(seg, (Speech, Phonemes)) else ""
        if text and joined and not joined[-1].isspace() and not text[0].isspace() and text[0] not in _CLOSERS:
            joined += " "
        spans.append((seg, len(joined), len(joined) + len(text)))
        joined += text
    # A mark belongs to the text after it: with a boundary right there, it opens the new sentence.
    for k, (seg, start, end) in enumerate(spans):
        if isinstance(seg, Mark):
            later = [s for s in spans[k + 1 :] if not isinstance(s[0], Mark)]
            at = later[0][1] if later else len(joined)
            spans[k] = (seg, at, at)
    cuts = _boundaries(joined, lang)
    # A pronunciation override is never cut: a boundary inside one moves to its end.
    for seg, start, end in spans:
        if isinstance(seg, Phonemes):
            cuts = [end if start < c < end else c for c in cuts]
    cuts = sorted(set(cuts))

    entries: list[_Entry] = []
    for seg, start, end in spans:
        if isinstance(seg, Speech):
            inner = [c - start for c in cuts if start < c < end]
            bounds = [0, *inner, len(seg.text)]
            kept = [(a, seg.text[a:b]) for a, b in itertools.pairwise(bounds) if seg.text[a:b].strip()]
            # Each sentence keeps the written words its spoken ones came from ("£12").
            shares = cut_written(seg.text, seg.written, [piece.strip() for _, piece in kept])
            for (a, piece), written in zip(kept, shares):
                lead = len(piece) - len(piece.lstrip())
                entries.append(_Entry(replace(seg, text=piece.strip(), written=written), start + a + lead, True))
        else:
            entries.append(_Entry(seg, start, isinstance(seg, Phonemes)))

    out: list[Segment] = []
    pending = iter(cuts)
    next_cut = next(pending, None)
    spoken = False
    for entry in entries:
        crossed = False
        while next_cut is not None and entry.start >= next_cut:
            crossed = True
            next_cut = next(pending, None)
        # A boundary crossed at a mark puts the break before the mark: the mark starts the sentence.
        if crossed and spoken:
            out.append(Break(gap, "sentence"))
            spoken = False
        out.append(entry.seg)
        spoken = spoken or entry.speaks
    return out


def _split_block(block: Block, default_lang: str, gap: int) -> Block:
    out: list[Segment] = []
    run: list[Segment] = []

    def flush() -> None:
        speaking = [s for s in run if isinstance(s, (Speech, Phonemes))]
        if speaking:
            lang = speaking[0].ctx.lang or default_lang
            out.extend(_split_run(run, lang, gap))
        else:
            out.extend(run)
        run.clear()

    for seg in block.segments:
        if isinstance(seg, (Speech, Phonemes, Mark)):
            run.append(seg)
        else:
            flush()
            out.append(seg)
    flush()
    return replace(block, segments=tuple(out))


def split_sentences(book: Book, reporter: Reporter, pauses: Pauses | None = None) -> Book:
    """Return ``book`` with its text cut into sentences and ``Break(kind="sentence")`` between them."""
    gap = (pauses or Pauses()).sentence
    chapters = tuple(
        replace(ch, blocks=tuple(_split_block(b, book.meta.language, gap) for b in ch.blocks))
        for ch in book.chapters
    )
    return replace(book, chapters=chapters)
