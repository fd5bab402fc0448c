"""Nothing lost: what of the source is spoken, and what is skipped and why.

Readers fill a ``Ledger`` while they read: the body text of each chapter as the source has it
(markup removed), and every piece of content they leave out by choice (front matter, notes,
code blocks, alt text, page numbers), with its reason. Choices are not losses, so they are not
reports and ``--strict`` does not fail on them. ``measure`` compares each chapter's source words
with the words its segments will speak; any source word that is neither spoken nor skipped for a
reason is listed as missing. ``audiobook inspect FILE --coverage`` prints the result (``Ledger`` and ``Skipped`` live in
``diagnostics``, beside the reports).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from audiobook.diagnostics import Ledger, Skipped
from audiobook.model import Book, Chapter, Phonemes, Speech
from audiobook.normalize.numbers import cardinal
from audiobook.normalize.roman import roman_value
from audiobook.passes.select import parse_selection
from audiobook.readers.clean import markup_words

__all__ = [
    "ChapterCoverage",
    "Coverage",
    "words",
    "spoken_text",
    "measure",
    "format_coverage",
    "coverage_json",
]

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SHOWN_MISSING = 12
"""Missing words listed per chapter; the count covers them all."""


def words(text: str) -> list[str]:
    """The words of ``text`` for comparison: lowercased, punctuation dropped, numerals as words.

    Digits and Roman numerals in capitals become number words on both sides of a comparison, so
    a heading read as "Chapter fourteen" matches its source "CHAPTER XIV". Markup that no parser
    recovered (``<break time="2s>``) is not counted: it is reported where it stood, not spoken.
    """
    out: list[str] = []
    # Markup debris is never spoken (``readers.clean``), so it is no word of the source either.
    for token in _WORD.findall(markup_words(text).translate(_INVISIBLE)):
        value = int(token) if token.isdigit() and len(token) <= 4 else roman_value(token)
        if value is not None and value < 10_000:
            out.extend(_WORD.findall(cardinal(value)))
        else:
            out.append(token.lower())
    return out


def spoken_text(chapter: Chapter) -> str:
    """The words a chapter's segments will speak (the written text behind phoneme overrides)."""
    return " ".join(s.text for b in chapter.blocks for s in b.segments if isinstance(s, (Speech, Phonemes)))


@dataclass(frozen=True)
class ChapterCoverage:
    """One chapter's source words against its spoken words."""

    number: int
    """Number from 1, as ``--list-chapters`` shows it."""
    title: str
    """Chapter title."""
    selected: bool
    """False when ``--chapters`` leaves it out."""
    source_words: int | None
    """Words (as spaces separate them) of the source body text; ``None``: not recorded (SSML)."""
    spoken_words: int
    """Words that will be spoken."""
    skipped_words: int
    """Words of the content skipped by choice inside the chapter."""
    missing: tuple[str, ...]
    """Source words neither spoken nor skipped for a reason (should be empty)."""


@dataclass(frozen=True)
class Coverage:
    """A book's coverage: per chapter, and everything skipped with its reason."""

    title: str
    """The book's title."""
    chapters: tuple[ChapterCoverage, ...]
    """One row per chapter read."""
    skipped: tuple[Skipped, ...]
    """Everything left out by choice, chapters not selected included."""

    @property
    def missing(self) -> int:
        """Source words lost without a reason, over the whole book."""
        return sum(len(c.missing) for c in self.chapters)


def measure(book: Book, ledger: Ledger, selection: str | None = None) -> Coverage:
    """Compare each chapter's source with what will be spoken; ``selection`` as ``--chapters``."""
    chosen = set(parse_selection(selection, len(book.chapters))) if selection else set(range(len(book.chapters)))
    skipped = list(ledger.skipped)
    rows = []
    for index, chapter in enumerate(book.chapters):
        spoken = spoken_text(chapter)
        inside = [s for s in ledger.skipped if s.chapter == index]
        skipped_count = sum(len(s.text.split()) for s in inside)
        source = ledger.source.get(index)
        missing: tuple[str, ...] = ()
        if source is not None:
            apart = _apart(markup_words(source), [spoken, *(item.text for item in inside)])
            left = Counter(words(apart))
            left.subtract(Counter(words(spoken)))
            for item in inside:
                left.subtract(Counter(words(item.text)))
            lost: list[tuple[str, list[str]]] = []
            for token in _WORD.findall(apart):
                gone = []
                for word in words(token):
                    if left[word] > 0:
                        gone.append(word)
                        left[word] -= 1
                if gone:
                    lost.append((token, gone))
            missing = tuple(_unjoined(lost, left))
        if index not in chosen:
            skipped.append(Skipped("not selected (--chapters)", spoken, chapter.source, index))
        rows.append(
            ChapterCoverage(
                index + 1,
                chapter.title,
                index in chosen,
                len(source.split()) if source is not None else None,
                len(spoken.split()),
                skipped_count,
                missing,
            )
        )
    return Coverage(book.meta.title, tuple(rows), tuple(skipped))


def _apart(source: str, said: list[str]) -> str:
    """``source`` with each token that is spoken or skipped tokens written together written apart.

    Inline markup joins text without a space: "NOTE<a>X</a>" is "NOTEX" in the source and "25<a>3</a>"
    is "253", which as words would be "two hundred fifty-three"; the reader keeps "NOTE" and "X",
    "25" and "3" apart. Tokens are compared as written, before they become words.
    """
    tokens = _WORD.findall(source.translate(_INVISIBLE))
    have = Counter(_WORD.findall(" ".join(said).translate(_INVISIBLE)))
    unsaid = Counter(tokens) - have
    spare = have - Counter(tokens)
    if not unsaid:
        return source
    out = []
    for token in tokens:
        pieces = _pieces(token, spare) if unsaid[token] > 0 else None
        if pieces:
            unsaid[token] -= 1
            spare -= Counter(pieces)
            out.extend(pieces)
        else:
            out.append(token)
    return " ".join(out)


def _pieces(token: str, spare: Counter[str], most: int = 3) -> list[str] | None:
    """``token`` cut into at most ``most`` tokens that ``spare`` holds, else ``None``."""
    if spare[token] > 0:
        return [token]
    if most < 2:
        return None
    for cut in range(len(token) - 1, 0, -1):  # longest first: "253" is "25" and "3" before "2", "5", "3"
        head = token[:cut]
        if spare[head] > 0:
            tail = _pieces(token[cut:], spare - Counter([head]), most - 1)
            if tail is not None:
                return [head, *tail]
    return None


def _unjoined(lost: list[tuple[str, list[str]]], left: Counter[str]) -> list[str]:
    """The lost words, less those of source tokens that are two spoken or skipped words written together.

    Inline markup joins text without a space ("stuck<sup>3</sup>" is "stuck3" in the source)
    while the reader keeps the parts apart; such a token is accounted for when both parts are.
    The token is cut as written, so a numeral keeps its capitals ("XIV1" is "fourteen", "one").
    """
    spare = Counter({w: -n for w, n in left.items() if n < 0})
    out = []
    for token, gone in lost:
        # The token's words that did match go back to the pool: its parts are matched instead.
        pool = spare + Counter(words(token)) - Counter(gone)
        for cut in range(1, len(token)):
            parts = Counter(words(token[:cut]) + words(token[cut:]))
            if all(pool[w] >= n for w, n in parts.items()):
                spare = pool - parts
                break
        else:
            out.extend(gone)
    return out


def _summary(items: list[Skipped]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for item in items:
        count, total = out.get(item.reason, (0, 0))
        out[item.reason] = (count + 1, total + len(item.text.split()))
    return out


def format_coverage(cov: Coverage) -> str:
    """The report ``inspect --coverage`` prints."""
    lines = [f"{cov.title}: words of the source and words spoken, per chapter", ""]
    lines.append(f"{'#':>4}  {'source':>7} {'spoken':>7} {'skipped':>7}  title")
    for c in cov.chapters:
        source = "?" if c.source_words is None else str(c.source_words)
        flag = "" if c.selected else "  (not selected)"
        lines.append(f"{c.number:>4}. {source:>7} {c.spoken_words:>7} {c.skipped_words:>7}  {c.title}{flag}")
        if c.missing:
            shown = " ".join(c.missing[:_SHOWN_MISSING]) + (" ..." if len(c.missing) > _SHOWN_MISSING else "")
            lines.append(f"{'':6}MISSING {len(c.missing)} words: {shown}")
    summary = _summary(list(cov.skipped))
    lines += ["", "skipped by choice:" if summary else "nothing skipped"]
    for reason, (count, total) in summary.items():
        lines.append(f"  {reason}: {count} item{'s' if count != 1 else ''}, {total} word{'s' if total != 1 else ''}")
    details = [s for s in cov.skipped if s.reason != "not selected (--chapters)"]
    if details:
        lines += ["", "where:"]
        for s in details:
            chapter = f"chapter {s.chapter + 1}" if s.chapter is not None else "outside chapters"
            text = f' "{s.text[:60]}{"..." if len(s.text) > 60 else ""}"' if s.text else ""
            lines.append(f"  {chapter}: {s.reason} at {s.where or '?'}{text}")
    lines.append("")
    lines.append(
        "every source word is spoken or skipped for a reason"
        if cov.missing == 0
        else f"{cov.missing} source words are neither spoken nor skipped for a reason"
    )
    return "\n".join(lines)


def coverage_json(cov: Coverage) -> dict[str, Any]:
    """The JSON form of a coverage report."""
    return {
        "title": cov.title,
        "chapters": [
            {
                "number": c.number,
                "title": c.title,
                "selected": c.selected,
                "source_words": c.source_words,
                "spoken_words": c.spoken_words,
                "skipped_words": c.skipped_words,
                "missing": list(c.missing),
            }
            for c in cov.chapters
        ],
        "skipped": [
            {"reason": s.reason, "words": len(s.text.split()), "text": s.text, "where": s.where, "chapter": s.chapter}
            for s in cov.skipped
        ],
        "missing": cov.missing,
    }
