"""English words to phonemes from the pronunciation lexicon Kokoro was trained on.

Kokoro-82M v1.0 learned its English from misaki's phonemes: a gold and a silver dictionary per
dialect (about 180,000 words each, shipped in the ``misaki`` wheel's ``data`` folder, Apache-2.0).
Reading a word from the same dictionary gives the model the exact symbols, stress and reduced vowels
it heard in training; espeak-ng is asked only for the words the dictionaries lack, and its answer
goes through ``g2p.to_vocab`` like before.

On top of the dictionary: regular endings of known words (-s, -'s, -ed, -ing), the reduced forms of
a few function words that depend on the next sound ("the apple", "to eat"), a part-of-speech cue
for the entries that have one reading as a noun and another as a verb, and stress of hyphenated
compounds on their last part ("forty-three", "F-B-I").
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

__all__ = ["EnglishLexicon", "Token", "lexicon", "tokenize"]

Entry = str | dict[str, str | None]

PRIMARY, SECONDARY = "ˈ", "ˌ"
VOWELS = frozenset("AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻɐ")
_SIBILANTS = frozenset("szʃʒʧʤ")
_VOICELESS = frozenset("ptkfθ")
_US_FLAPPABLE = frozenset("AIOWYiuæɑəɛɪɹʊʌ")
"""Sounds after which an American t between vowels becomes a flap ("waited")."""
KEEP_PUNCTUATION = frozenset(';:,.!?—…"()“”')
"""Punctuation Kokoro's vocabulary has: it shapes the intonation and stays in the phonemes."""

_DETERMINERS = frozenset(
    "a an the this that these those my your his her its our their some any no every each another".split()
)
_VERB_CUES = frozenset(
    "to will would can could may might must shall should i you we they don't didn't won't can't never please".split()
)

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*(?:-[^\W\d_]+(?:['’][^\W\d_]+)*)*['’]?")
_TOKEN = re.compile(rf"(?P<word>{_WORD.pattern})|(?P<space>\s+)|(?P<other>[^\W_]+|\S)")


@dataclass(frozen=True)
class Token:
    """A piece of text: a word (letters, inner apostrophes and hyphens), a space, or anything else."""

    text: str
    kind: str
    """``word``, ``space`` or ``other``."""


def tokenize(text: str) -> list[Token]:
    """Words, spaces and the rest, in order; joined back they give ``text``."""
    return [Token(m.group(0), m.lastgroup or "other") for m in _TOKEN.finditer(text)]


def _load(name: str) -> dict[str, Entry]:
    data = resources.files("misaki") / "data" / name
    loaded: dict[str, Entry] = json.loads(data.read_text(encoding="utf-8"))
    return loaded


class EnglishLexicon:
    """Look words up in the training dictionaries of one dialect (American or British)."""

    def __init__(self, british: bool) -> None:
        self.british = british
        prefix = "gb" if british else "us"
        # Gold entries were checked by hand; silver ones fill the gaps.
        self.entries: dict[str, Entry] = {**_load(f"{prefix}_silver.json"), **_load(f"{prefix}_gold.json")}

    # -- whole words ------------------------------------------------------------------------

    def _entry(self, word: str) -> Entry | None:
        for form in dict.fromkeys((word, word.lower(), word.capitalize())):
            entry = self.entries.get(form)
            if entry is not None:
                return entry
        return None

    def known(self, word: str) -> bool:
        return self._entry(word) is not None

    def _pick(self, entry: Entry, pos: str | None) -> str | None:
        if isinstance(entry, str):
            return entry
        chosen = entry.get(pos) if pos else None
        return chosen if chosen is not None else entry.get("DEFAULT")

    def lookup(self, word: str, pos: str | None = None) -> str | None:
        """Phonemes of one word (no hyphens), with its regular endings; ``None`` when unknown."""
        word = word.replace("’", "'")
        if len(word) > 1 and word.isupper():
            # Capitals the dictionary lacks as written ("THE END"), or has both as a word and as
            # letters ("US", "ID", "LED"), are espeak-ng's: it knows which to spell out, where the
            # lower-case word ("us") would be wrong.
            caps = self.entries.get(word)
            if caps is None or (isinstance(caps, dict) and None in caps.values()):
                return None
            return self._pick(caps, pos)
        entry = self._entry(word)
        if entry is not None:
            return self._pick(entry, pos)
        return self._inflected(word, pos)

    def _inflected(self, word: str, pos: str | None) -> str | None:
        low = word.lower()
        for ending, stems, attach in (
            ("'s", (low[:-2],), self._s),
            ("s'", (low[:-1],), lambda ph: ph),
            ("ies", (low[:-3] + "y",), self._s),
            ("es", (low[:-2],), self._s),
            ("s", (low[:-1],), self._s),
            ("ied", (low[:-3] + "y",), self._ed),
            ("ed", (low[:-2], low[:-1], low[:-3] if low[-3:-2] == low[-4:-3] else ""), self._ed),
            ("ing", (low[:-3], low[:-3] + "e", low[:-4] if low[-4:-3] == low[-5:-4] else ""), self._ing),
        ):
            # A letter takes a possessive too ("the F-B-I's report").
            shortest = 1 if ending == "'s" else 2
            if not low.endswith(ending) or len(low) - len(ending) < shortest:
                continue
            for stem in stems:
                if len(stem) < shortest or stem.endswith("'"):
                    continue
                entry = self._entry(stem.upper() if len(stem) == 1 else stem)
                if entry is None:
                    continue
                base = self._pick(entry, "VERB" if ending in ("ed", "ied", "ing") else pos)
                if base:
                    return attach(base)
        return None

    # Regular English endings, by the last sound of the stem.
    def _s(self, stem: str) -> str:
        if stem[-1] in _VOICELESS:
            return stem + "s"
        if stem[-1] in _SIBILANTS:
            return stem + ("ɪz" if self.british else "ᵻz")
        return stem + "z"

    def _ed(self, stem: str) -> str:
        if stem[-1] in "pkfθʃsʧ":
            return stem + "t"
        if stem[-1] == "d":
            return stem + ("ɪd" if self.british else "ᵻd")
        if stem[-1] != "t":
            return stem + "d"
        if not self.british and len(stem) > 1 and stem[-2] in _US_FLAPPABLE:
            return stem[:-1] + "ɾᵻd"
        return stem + ("ɪd" if self.british else "ᵻd")

    def _ing(self, stem: str) -> str:
        if not self.british and len(stem) > 1 and stem[-1] == "t" and stem[-2] in _US_FLAPPABLE:
            return stem[:-1] + "ɾɪŋ"
        return stem + "ɪŋ"

    # -- compounds --------------------------------------------------------------------------

    def compound(self, word: str, pos: str | None = None) -> str | None:
        """A word that may be hyphenated: whole if the dictionary has it, else part by part.

        The parts are joined without a space and, as in "forty-three" and "F-B-I", only the last
        keeps its primary stress.
        """
        whole = self.lookup(word, pos)
        if whole is not None or "-" not in word:
            return whole
        # A single letter in a hyphenated run is a letter name: "a-m", "J-R-R".
        parts = [p.upper() if len(p) == 1 else p for p in word.split("-") if p]
        said = [self.lookup(p) for p in parts]
        if any(ph is None for ph in said):
            return None
        phs = [ph for ph in said if ph]
        if len(phs) > 1 and sum(PRIMARY in ph for ph in phs) > 1:
            phs = [ph.replace(PRIMARY, SECONDARY) for ph in phs[:-1]] + phs[-1:]
        return "".join(phs)


@functools.cache
def lexicon(british: bool) -> EnglishLexicon:
    """The dictionaries of one dialect, loaded once per process."""
    return EnglishLexicon(british)


def _starts_with_vowel(ph: str | None) -> bool | None:
    """Whether a word's first sound is a vowel; ``None`` when no sound follows (end, punctuation)."""
    if not ph:
        return None
    for ch in ph:
        if ch in VOWELS:
            return True
        if ch in (PRIMARY, SECONDARY):
            continue
        if ch.isalpha():
            return False
        if ch in KEEP_PUNCTUATION:
            return None
    return None


def _function_word(word: str, following: str | None, before: str | None) -> str | None:
    """Reduced forms of words whose sound depends on what follows."""
    vowel = _starts_with_vowel(following)
    if word in ("the", "The", "THE"):
        return "ði" if vowel else "ðə"
    if word == "a" or (word == "A" and following and (before is None or before in ".!?…")):
        return "ɐ"
    if word in ("an", "An"):
        return "ɐn"
    if word in ("to", "To"):
        return {None: "tu", False: "tə", True: "tʊ"}[vowel]
    if word == "I":
        return SECONDARY + "I"
    return None


def _pos_cue(previous: str | None) -> str | None:
    if previous is None:
        return None
    low = previous.lower()
    if low in _DETERMINERS:
        return "NOUN"
    if low in _VERB_CUES:
        return "VERB"
    return None


def phonemize_words(
    texts: Iterable[str],
    british: bool,
    fallback: Callable[[list[tuple[str, int]]], list[str]],
) -> list[str]:
    """Phonemes of each text: dictionary words as trained, the rest through ``fallback``.

    ``fallback`` gets every piece the dictionaries lack (unknown words, digits, symbols), each once
    with the index of the first text it stands in, in one batch, and returns their phonemes already
    in Kokoro's vocabulary.
    """
    lex = lexicon(british)
    tokenized = [tokenize(t) for t in texts]
    looked: list[list[str | None]] = []
    missing: dict[str, int] = {}
    for index, tokens in enumerate(tokenized):
        row: list[str | None] = []
        previous: str | None = None
        for tok in tokens:
            ph: str | None = None
            if tok.kind == "word":
                ph = lex.compound(tok.text.strip("'’"), _pos_cue(previous))
                previous = tok.text
            elif tok.kind == "other":
                previous = None if tok.text in KEEP_PUNCTUATION else previous
                if tok.text in KEEP_PUNCTUATION or not tok.text.strip():
                    ph = tok.text
                elif not any(ch.isalnum() for ch in tok.text):
                    ph = " "  # a hyphen or slash between words is no sound, only a word gap
            if ph is None and tok.kind != "space":
                missing.setdefault(tok.text, index)
            row.append(ph)
        looked.append(row)
    said = dict(zip(missing, fallback(list(missing.items())))) if missing else {}

    out = []
    for tokens, row in zip(tokenized, looked):
        phs = [said.get(tok.text, "") if ph is None and tok.kind != "space" else ph for tok, ph in zip(tokens, row)]
        # Function words by the sound that follows them, right to left.
        following: str | None = None
        for i in range(len(tokens) - 1, -1, -1):
            tok = tokens[i]
            if tok.kind == "space":
                continue
            if tok.kind == "word":
                before = next((t.text for t in reversed(tokens[:i]) if t.kind != "space"), None)
                reduced = _function_word(tok.text, following, before)
                if reduced is not None:
                    phs[i] = reduced
            following = phs[i] if phs[i] else following
        # v1.0 of the model was trained with the flap written T and the glottal stop as t.
        out.append(_join(tokens, phs).replace("ɾ", "T").replace("ʔ", "t"))
    return out


def _join(tokens: list[Token], phs: list[str | None]) -> str:
    pieces: list[str] = []
    for tok, ph in zip(tokens, phs):
        if tok.kind == "space":
            pieces.append(" ")
        elif ph:
            pieces.append(ph)
    text = "".join(pieces)
    # Punctuation sits on the word before it, as espeak writes it: "wˈɜɹd, ænd".
    text = re.sub(r"\s+([;:,.!?…)”])", r"\1", text)
    text = re.sub(r"([(“])\s+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()
