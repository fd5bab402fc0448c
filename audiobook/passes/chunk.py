"""Synthesis units: phonemized sentences grouped, split and joined into model calls.

A unit is what one model call speaks. Users of other Kokoro front ends report rushed reading of
long units and odd prosody on very short ones, so a sentence longer than ``soft_max`` tokens is
split at its clause punctuation, and a very short sentence is read together with its neighbour.
No unit ever exceeds ``MAX_TOKENS``; a cut the punctuation does not allow is reported.
Between two units stands at most one ``Pause``: the sum of the explicit breaks between them, or
else the structural gap (clause, sentence, paragraph, heading).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from dataclasses import dataclass, field
from typing import cast

from audiobook.config import MAX_TOKENS, Pauses, UnitOptions
from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Book, Break, Chapter, Mark, Phonemes, Speech
from audiobook.passes.prosody import emphasis_effect, share_durations, stress
from audiobook.plan import Bookmark, ChapterPlan, Insert, Item, Pause, Unit
from audiobook.vocab import VOCAB
from audiobook.words import cut_written

__all__ = ["plan_chapter", "plan_chapters", "split_long"]

log = logging.getLogger(__name__)

_LEVELS = {"none": 0, "clause": 1, "sentence": 2, "paragraph": 3, "heading": 4}
_KINDS = {v: k for k, v in _LEVELS.items()}
_CLAUSE_END = re.compile(r"[,;:\u2014\u2026][\u201d\"')\]]*(?=\s)")
_CLOSERS = ".,;:!?\u2026)]}\u201d\u2019\"'"
_SENTENCE_MARKS = (".", "!", "?", "\u2026")
_QUOTES = ")]}\u201d\u2019\"'"

Key = tuple[str | None, str, float, float, float, int | None]
"""Voice, language, speed, gain, pitch and duration: what must be equal within one unit."""


@dataclass
class _Cand:
    """A run of phonemes of one sentence (or joined sentences) in one context."""

    ph: str
    text: str
    key: Key
    block: int
    source: str | None
    marks: list[tuple[str, int]] = field(default_factory=list)
    """Bookmarks inside the run with the written words before each: timed between those words."""
    tail: list[tuple[str, int]] = field(default_factory=list)
    """Bookmarks after the run's last phonemes (so far), played after it unless more words follow."""
    written: str = ""
    """``text`` as the source wrote it (the same where normalization changed nothing)."""


@dataclass
class _Gap:
    """What separates two candidates: a structural level and the explicit breaks in between."""

    level: int = 0
    explicit: int | None = None


def _words(text: str) -> int:
    """Written words in ``text``, counted as word timings count them."""
    return sum(1 for w in text.split() if any(ch.isalnum() for ch in w))


def _seam(a: str, b: str) -> str:
    # Pieces were stripped by the sentence pass; put back the space, but none before a closer.
    if not a:
        return b
    if not b:
        return a
    return a + b if b[0] in _CLOSERS else a + " " + b


def _in_vocab(ph: str) -> str:
    # Symbols outside the vocabulary were reported by the phonemes pass (overrides included).
    return "".join(ch for ch in ph if ch in VOCAB).strip()


def _scan(chapter: Chapter, default_lang: str) -> list[object]:
    """The chapter as a stream of candidates, gaps, inserts and bookmarks, in order."""
    stream: list[object] = []
    open_: _Cand | None = None
    last_block_kind: str | None = None

    def close() -> None:
        nonlocal open_
        if open_ is not None:
            stream.append(open_)
            stream.extend(Bookmark(m) for m, _ in open_.tail)
            open_.tail = []
            open_ = None

    for bi, block in enumerate(chapter.blocks):
        close()
        if last_block_kind is not None:
            level = _LEVELS["heading"] if last_block_kind == "heading" else _LEVELS["paragraph"]
            stream.append(_Gap(level=level))
        for seg in block.segments:
            if isinstance(seg, Phonemes):
                ph = _in_vocab(seg.ph)
                if not ph:
                    continue
                ctx = seg.ctx
                rate, gain = emphasis_effect(ctx)
                if ctx.emphasis and not seg.override:
                    ph = stress(ph, ctx.emphasis)
                key: Key = (ctx.voice, ctx.lang or default_lang, rate, gain, ctx.pitch, ctx.duration_ms)
                if open_ is not None and open_.key == key:
                    open_.ph = _seam(open_.ph, ph)
                    open_.text = _seam(open_.text, seg.text.strip())
                    open_.written = _seam(open_.written, (seg.written or seg.text).strip())
                    open_.marks += open_.tail
                    open_.tail = []
                else:
                    close()
                    open_ = _Cand(ph, seg.text.strip(), key, bi, seg.source, written=(seg.written or seg.text).strip())
                last_block_kind = block.kind
            elif isinstance(seg, Break):
                if seg.kind == "explicit" and seg.ms == 0 and open_ is not None:
                    # <break strength="none">: no pause, and no cut that would make one.
                    continue
                close()
                if seg.kind == "explicit":
                    stream.append(_Gap(explicit=seg.ms))
                else:
                    stream.append(_Gap(level=_LEVELS.get(seg.kind, _LEVELS["sentence"])))
            elif isinstance(seg, Mark):
                if open_ is not None:
                    open_.tail.append((seg.name, _words(open_.written)))
                else:
                    stream.append(Bookmark(seg.name))
            elif isinstance(seg, Audio):
                close()
                stream.append(Insert(seg.src, seg.ctx.volume_db))
                last_block_kind = block.kind
            elif isinstance(seg, Speech):
                raise TypeError("units need phonemes: run the phonemes pass before the units pass")
    close()
    return stream


def _join_short(stream: list[object], min_tokens: int) -> list[object]:
    """Join each candidate shorter than ``min_tokens`` with the next (else previous) sentence."""

    def joinable(i: int, j: int) -> bool:
        # stream[i] and stream[j] are candidates with exactly one sentence gap between them.
        if i < 0 or j >= len(stream) or j != i + 2:
            return False
        a, gap, b = stream[i], stream[i + 1], stream[j]
        return (
            isinstance(a, _Cand)
            and isinstance(b, _Cand)
            and isinstance(gap, _Gap)
            and gap.explicit is None
            and gap.level == _LEVELS["sentence"]
            and a.key == b.key
            and a.block == b.block
            and not a.tail
            and len(a.ph) + 1 + len(b.ph) <= MAX_TOKENS
        )

    def merge(i: int) -> None:
        a, b = cast(_Cand, stream[i]), cast(_Cand, stream[i + 2])  # checked by joinable
        # A sentence without its own final mark (an SSML <s>, a list item) still ends where it
        # ends: the full stop makes the model close the sentence and leave its gap.
        ends = a.ph.rstrip(_QUOTES).endswith(_SENTENCE_MARKS)
        a.ph = a.ph + ("" if ends else ".") + " " + b.ph
        a.text = a.text + " " + b.text
        before = _words(a.written)
        a.written = a.written + " " + b.written
        a.marks += [(m, n + before) for m, n in b.marks]
        a.tail = b.tail
        del stream[i + 1 : i + 3]

    i = 0
    while i < len(stream):
        cand = stream[i]
        if isinstance(cand, _Cand) and len(cand.ph) < min_tokens:
            if joinable(i, i + 2):
                merge(i)
                continue
            if joinable(i - 2, i):
                merge(i - 2)
                i -= 2
                continue
        i += 1
    return stream


def _cut(s: str, cuts: list[int]) -> list[str]:
    bounds = [0, *cuts, len(s)]
    return [s[a:b].strip() for a, b in itertools.pairwise(bounds)]


def _share_text(text: str, ph_pieces: list[str]) -> list[str]:
    """Cut ``text`` at word boundaries in proportion to the lengths of ``ph_pieces``."""
    words = text.split()
    total = sum(len(p) for p in ph_pieces) or 1
    out: list[str] = []
    done = 0
    start = 0
    for k, piece in enumerate(ph_pieces):
        done += len(piece)
        end = len(words) if k == len(ph_pieces) - 1 else round(done / total * len(words))
        end = max(end, start + (1 if start < len(words) else 0))
        out.append(" ".join(words[start:end]))
        start = end
    return out


def _pack(atoms: list[str], soft_max: int, total: int) -> list[list[int]]:
    """Group consecutive atoms into pieces as even as possible, none over ``soft_max`` unless one atom is.

    Minimizes the squared distance of each piece from the even share, so that a sentence a little
    over the limit becomes two halves rather than a long piece and a stub.
    """
    target = total / max(1, math.ceil(total / soft_max))
    n = len(atoms)
    best = [0.0] + [math.inf] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        length = -1
        for start in range(end - 1, -1, -1):
            length += len(atoms[start]) + 1
            if length > soft_max and start < end - 1:
                break
            cost = best[start] + (length - target) ** 2
            if cost < best[end]:
                best[end], back[end] = cost, start
    groups: list[list[int]] = []
    end = n
    while end > 0:
        groups.append(list(range(back[end], end)))
        end = back[end]
    return groups[::-1]


def _split_words(ph: str, text: str, soft_max: int) -> list[tuple[str, str]]:
    """Cut at word boundaries into pieces of at most ``MAX_TOKENS`` (a longer word is chopped)."""
    words: list[str] = []
    for word in ph.split(" "):
        words += [word[i : i + MAX_TOKENS] for i in range(0, len(word), MAX_TOKENS)] or [word]
    groups = _pack(words, min(soft_max, MAX_TOKENS), len(ph))
    pieces = [" ".join(words[i] for i in g) for g in groups]
    return list(zip(pieces, _share_text(text, pieces)))


def split_long(
    ph: str, text: str, soft_max: int, reporter: Reporter, where: str | None = None, hard_max: int = MAX_TOKENS
) -> list[tuple[str, str]]:
    """``(phonemes, text)`` pieces of one sentence: cut at clause punctuation near ``soft_max``, and
    at word boundaries where a clause is over ``hard_max`` (never over ``MAX_TOKENS``)."""
    hard_max = min(hard_max, MAX_TOKENS)
    if len(ph) <= soft_max:
        return [(ph, text)]
    ph_cuts = [m.end() for m in _CLAUSE_END.finditer(ph)]
    text_cuts = [m.end() for m in _CLAUSE_END.finditer(text)]
    atoms = _cut(ph, ph_cuts)
    groups = _pack(atoms, soft_max, len(ph))
    pieces_ph = [" ".join(atoms[i] for i in g) for g in groups]
    if len(text_cuts) == len(ph_cuts):
        text_atoms = _cut(text, text_cuts)
        pieces_text = [" ".join(text_atoms[i] for i in g) for g in groups]
    else:
        # espeak changed the punctuation (rare); share the words out by length instead.
        pieces_text = _share_text(text, pieces_ph)
    out: list[tuple[str, str]] = []
    for p, t in zip(pieces_ph, pieces_text):
        if len(p) <= hard_max:
            out.append((p, t))
            continue
        parts = _split_words(p, t, soft_max)
        reporter.report(
            "unit-split",
            f"{len(p)} phonemes without clause punctuation cut at word boundaries into "
            f"{len(parts)} units: '{t[:60]}'",
            where,
        )
        out += parts
    return out


def _gap_pause(gap: _Gap, pauses: Pauses) -> Pause | None:
    if gap.explicit is not None:
        return Pause(gap.explicit, "explicit") if gap.explicit > 0 else None
    if gap.level <= 0:
        return None
    kind = _KINDS[gap.level]
    return Pause(getattr(pauses, kind), kind)


def plan_chapter(
    chapter: Chapter, options: UnitOptions, reporter: Reporter, default_lang: str
) -> ChapterPlan:
    """The synthesis plan of one phonemized chapter."""
    stream = _join_short(_scan(chapter, default_lang), options.min_tokens)
    items: list[Item] = []
    gap = _Gap()
    marks: list[str] = []
    started = False

    def flush(before_unit: bool) -> None:
        nonlocal gap
        # Structural gaps only stand between two sounds; explicit breaks also at the edges.
        if gap.explicit is not None or (started and before_unit):
            pause = _gap_pause(gap, options.pauses)
            if pause is not None:
                items.append(pause)
        gap = _Gap()
        items.extend(Bookmark(m) for m in marks)
        marks.clear()

    for entry in stream:
        if isinstance(entry, _Gap):
            if entry.explicit is not None:
                gap.explicit = (gap.explicit or 0) + entry.explicit
            gap.level = max(gap.level, entry.level)
        elif isinstance(entry, Bookmark):
            # A mark before any pause stays where it is; one after a pause waits for the next sound.
            if gap.explicit is None and gap.level == 0 and not marks:
                items.append(entry)
            else:
                marks.append(entry.name)
        elif isinstance(entry, Insert):
            flush(True)
            items.append(entry)
            started = True
        elif isinstance(entry, _Cand):
            flush(True)
            voice, lang, rate, gain, pitch, duration = entry.key
            where = entry.source or chapter.source or chapter.title
            # Slower speech makes more audio per token: cutting at clauses sooner keeps each call's
            # audio, and the model's memory, near what it is at normal speed. A cut between words
            # stays for clauses over ``hard_max`` whatever the speed.
            slow = min(1.0, options.speed * rate)
            soft_max = max(options.min_tokens, round(options.soft_max * slow))
            pieces = split_long(entry.ph, entry.text, soft_max, reporter, where, options.hard_max)
            rewritten = entry.written if entry.written.split() != entry.text.split() else None
            shares = cut_written(entry.text, rewritten, [text for _, text in pieces])
            marks = sorted(entry.marks, key=lambda m: m[1])
            seen = 0
            for k, ((ph, text), written) in enumerate(zip(pieces, shares)):
                if k:
                    items.append(Pause(options.pauses.clause, "clause"))
                # A mark between two words goes with the piece that holds the word after it.
                count = _words(written or text)
                last = k == len(pieces) - 1
                while marks and (last or marks[0][1] < seen + count):
                    name, n = marks.pop(0)
                    items.append(Bookmark(name, max(0, n - seen) or None))
                seen += count
                items.append(Unit(ph, text, voice, lang, rate, gain, entry.source, pitch, duration, written))
            started = True
    flush(False)
    return ChapterPlan(chapter.title, tuple(share_durations(items)))


def plan_chapters(
    book: Book, options: UnitOptions, reporter: Reporter, default_lang: str | None = None
) -> list[ChapterPlan]:
    """One plan per chapter of a phonemized book; ``default_lang`` defaults to the book's language."""
    lang = default_lang or book.meta.language
    return [plan_chapter(ch, options, reporter, lang) for ch in book.chapters]
