"""Heteronyms espeak-ng reads the wrong way, chosen by the words around them.

espeak-ng already gets "have read", "live show", "an object" and "a record" right; this table holds
the cases it misses, each decided by a part-of-speech cue: "she read it" (past after he/she/it),
"a lead pipe" (the metal), "wind the clock" (the verb), "tear the paper" (the verb). What a cue
cannot decide ("bass" the fish or the voice) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HETERONYMS", "Heteronym", "find"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PAST_SUBJECTS = _words("he she it He She It")
_PARTICIPLE_BEFORE = _words("was were been being is are had has")
_METAL_AFTER = _words(
    "pipe pipes poisoning paint weight weights pencil pencils shot soldier soldiers ore mine mines roof crystal "
    "bullet bullets sheet sheets"
)
_METAL_BEFORE = _words("of with molten red white into")
_VERB_BEFORE = _words("to will would can could must should shall please and not never don't didn't won't To")
_WIND_AFTER = _words("the up it a your his her my our their down around round through back")
_TEAR_AFTER = _words("up down apart off open the it a through into out your his her my")


@dataclass(frozen=True)
class Heteronym:
    """One word, the reading espeak-ng misses, and when that reading is meant."""

    word: str
    """The word as written (matched in any case)."""
    ipa: str
    """The reading to use, in ordinary IPA."""
    meant: Callable[[str | None, str | None], bool]
    """Given the word before and after (or ``None``), whether this reading is meant."""


HETERONYMS = [
    Heteronym("read", "ɹˈɛd", lambda before, after: before in _PAST_SUBJECTS or before in _PARTICIPLE_BEFORE),
    Heteronym("lead", "lˈɛd", lambda before, after: after in _METAL_AFTER or (before in _METAL_BEFORE and after is None)),
    Heteronym("wind", "wˈaɪnd", lambda before, after: after in _WIND_AFTER and (before is None or before in _VERB_BEFORE)),
    Heteronym("tear", "tˈɛɹ", lambda before, after: after in _TEAR_AFTER and (before is None or before in _VERB_BEFORE)),
]
"""The heteronyms read by context; a new one is a line here and a test."""

_BY_WORD = {h.word: h for h in HETERONYMS}
_PATTERN = re.compile(r"\b(" + "|".join(_BY_WORD) + r")\b", re.IGNORECASE)
_BEFORE = re.compile(r"([A-Za-z']+)[^\S\n]*$")
_AFTER = re.compile(r"[^\S\n]*([A-Za-z']+)")
_CLAUSE = re.compile(r"[.!?;:,\u2014(]\s*$")


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, IPA) of each heteronym in ``text`` whose context picks the reading espeak-ng misses."""
    out = []
    for match in _PATTERN.finditer(text):
        heteronym = _BY_WORD[match.group(1).lower()]
        head = text[: match.start()]
        before_m = None if (not head.strip() or _CLAUSE.search(head)) else _BEFORE.search(head)
        after_m = _AFTER.match(text, match.end())
        before = before_m.group(1) if before_m else None
        after = after_m.group(1) if after_m else None
        if heteronym.meant(before, after):
            out.append((match.start(), match.end(), heteronym.ipa))
    return out
