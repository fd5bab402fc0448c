"""Words of a unit: which phoneme tokens each written word became.

A unit's phonemes keep the words apart with spaces, and every phoneme is one token, so a word's
tokens are a run of characters of ``Unit.phonemes``. The spoken text (after normalization) and the
phonemes line up word for word when G2P kept the word count, which it does for dictionary words;
where it did not (espeak-ng merging or splitting a word), the words share the tokens in proportion
to their letters.

Normalization rewrites what is written into what is said ("£12" → "twelve pounds"); the written
text travels beside the spoken one (``written``), and the spoken words are mapped back onto it by
aligning the two word lists: words that stayed map one to one, a rewritten run ("twelve pounds")
becomes one word with the written run's text ("£12") and the union of the tokens.

Nothing here imports the rest of the package: the passes, synthesis and output all use it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = ["WordSpan", "word_spans", "cut_written", "display_word"]

_AROUND = frozenset(".,;:!?¡¿…—–-\"'“”‘’«»‹›()[]{}*_")
"""Punctuation that stands around a word rather than in it."""
_KEY = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class WordSpan:
    """One written word and the phoneme tokens it became."""

    text: str
    """The word as written in the source (without the punctuation around it)."""
    first: int
    """Index of its first token in the unit's phonemes."""
    end: int
    """One past its last token."""


def display_word(word: str) -> str:
    """``word`` without the punctuation and quotes around it ("“Well," → "Well", "U.S." stays)."""
    # Punctuation goes, symbols stay: "£12", "50%", "#3" are read as the whole.
    start, end = 0, len(word)
    while start < end and word[start] in _AROUND:
        start += 1
    while end > start and word[end - 1] in _AROUND:
        end -= 1
    inner = word[start:end]
    # A final period stays on an abbreviation with inner periods ("U.S."), not on a sentence's end.
    if word[end:].startswith(".") and "." in inner:
        return inner + "."
    return inner or word


def _is_word(word: str) -> bool:
    return any(ch.isalnum() for ch in word)


def _key(word: str) -> str:
    return _KEY.sub("", word).lower()


_PH_PUNCTUATION = frozenset(';:,.!?—…"()“”')
"""Punctuation tokens of the vocabulary: they are pauses and intonation, not part of a word's sound."""


def _groups(phonemes: str) -> list[tuple[int, int]]:
    """(start, end) of each space-separated run of ``phonemes`` that holds a letter, without its punctuation."""
    out = []
    for m in re.finditer(r"\S+", phonemes):
        start, end = m.start(), m.end()
        while start < end and phonemes[start] in _PH_PUNCTUATION:
            start += 1
        while end > start and phonemes[end - 1] in _PH_PUNCTUATION:
            end -= 1
        if any(ch.isalpha() for ch in phonemes[start:end]):
            out.append((start, end))
    return out


def _spoken_spans(phonemes: str, spoken: list[str]) -> list[tuple[int, int]]:
    """Token span of each spoken word."""
    groups = _groups(phonemes)
    if not spoken or not groups:
        return []
    if len(groups) == len(spoken):
        return groups
    # The counts differ: share the tokens out by letters, in order, at least one token a word.
    tokens = [i for a, b in groups for i in range(a, b)]
    weights = [max(1, sum(ch.isalnum() for ch in w)) for w in spoken]
    total = sum(weights)
    spans = []
    done = 0
    at = 0
    for k, weight in enumerate(weights):
        done += weight
        stop = len(tokens) if k == len(weights) - 1 else round(done / total * len(tokens))
        stop = min(len(tokens), max(stop, at + 1))
        first = min(at, len(tokens) - 1)
        spans.append((tokens[first], tokens[max(first, stop - 1)] + 1))
        at = stop
    return spans


def _written_runs(spoken: list[str], written: list[str]) -> list[tuple[int, int, int, int]]:
    """(spoken i1, i2, written j1, j2) runs that correspond, in order, covering every spoken word."""
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in spoken], [_key(w) for w in written], autojunk=False)
    runs: list[tuple[int, int, int, int]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        elif i2 > i1:
            if j2 == j1 and runs:
                # Spoken words with nothing written for them belong to the word before.
                a, _, c, d = runs[-1]
                runs[-1] = (a, i2, c, d)
            else:
                runs.append((i1, i2, j1, j2))
        # Written words nobody speaks (a dropped symbol) are not words of the audio.
    return runs


def word_spans(phonemes: str, spoken: str, written: str | None = None) -> list[WordSpan]:
    """The words of a unit in order, each with its token span in ``phonemes``.

    ``spoken`` is the unit's text as phonemized; ``written`` the same text as the source had it,
    where normalization changed it (``None``: the same).
    """
    words = [w for w in spoken.split() if _is_word(w)]
    spans = _spoken_spans(phonemes, words)
    if not spans:
        return []
    if written is None or written.split() == spoken.split():
        return [WordSpan(display_word(w), a, b) for w, (a, b) in zip(words, spans)]
    source = [w for w in written.split() if _is_word(w)]
    out = []
    for i1, i2, j1, j2 in _written_runs(words, source):
        text = " ".join(source[j1:j2]) if j2 > j1 else " ".join(words[i1:i2])
        out.append(WordSpan(display_word(text), spans[i1][0], spans[i2 - 1][1]))
    return out


def cut_written(spoken: str, written: str | None, pieces: list[str]) -> list[str | None]:
    """The written text of each piece of ``spoken`` (consecutive, in order), or ``None`` each.

    Used where a pass cuts a segment whose text normalization rewrote: each piece gets the written
    words its spoken words came from.
    """
    if written is None:
        return [None] * len(pieces)
    words = spoken.split()
    source = written.split()
    owner: list[tuple[int, int] | None] = [None] * len(words)
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in words], [_key(w) for w in source], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        for i in range(i1, i2):
            if op == "equal":
                owner[i] = (j1 + i - i1, j1 + i - i1 + 1)
            elif j2 > j1:
                owner[i] = (j1, j2)
    out: list[str | None] = []
    at = 0
    taken = 0
    for piece in pieces:
        count = len(piece.split())
        mine = [o for o in owner[at : at + count] if o is not None]
        at += count
        if not mine:
            out.append(piece if count else None)
            continue
        start = max(taken, min(a for a, _ in mine))
        stop = max(b for _, b in mine)
        out.append(" ".join(source[start:stop]) or piece)
        taken = max(taken, stop)
    return out
