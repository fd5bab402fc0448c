"""Kokoro's phoneme vocabulary, and the one mapping of IPA (espeak-ng's or a user's) onto it.

Every engine reads its token ids from here and every G2P path maps its output through
``to_vocab``. Kokoro was trained on misaki's phoneme style, which differs from espeak's output in
known ways (two-letter diphthongs, tie bars, ``ɚ``, ``r``...); ``to_vocab`` rewrites IPA into that
style and reports every symbol it still has to drop.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from audiobook.diagnostics import Reporter

__all__ = ["ESPEAK_VOICES", "STYLES", "TIE", "VOCAB", "known_voice", "to_vocab", "token_ids"]


@lru_cache(maxsize=1)
def token_ids() -> dict[str, int]:
    """Kokoro v1.0's phoneme vocabulary: symbol → token id."""
    return json.loads((resources.files("audiobook") / "data" / "vocab.json").read_text(encoding="utf-8"))


VOCAB: frozenset[str] = frozenset(token_ids())
"""Every symbol Kokoro's model knows."""

TIE = "\u0361"

# BCP-47 tag (lower case) → espeak-ng voice. Tags not listed fall back to espeak's own names.
ESPEAK_VOICES: dict[str, str] = {
    "en": "en-us",
    "en-us": "en-us",
    "en-gb": "en-gb",
    "en-uk": "en-gb",
    "en-au": "en-gb",
    "en-nz": "en-gb",
    "en-ie": "en-gb",
    "en-za": "en-gb",
    "es": "es",
    "fr": "fr-fr",
    "it": "it",
    "pt": "pt-br",
    "pt-br": "pt-br",
    "pt-pt": "pt",
    "hi": "hi",
    "zh": "cmn",
    "cmn": "cmn",
    "ja": "ja",
}

"""BCP-47 tag (lower case) → espeak-ng voice; other tags fall back to espeak's own names."""

# Rewrites for every language: espeak's tied pairs become misaki's one-letter symbols.
_COMMON = [
    (f"a{TIE}ɪ", "I"),
    (f"a{TIE}ʊ", "W"),
    (f"e{TIE}ɪ", "A"),
    (f"o{TIE}ʊ", "O"),
    (f"ə{TIE}ʊ", "Q"),
    (f"ɔ{TIE}ɪ", "Y"),
    (f"d{TIE}ʒ", "ʤ"),
    (f"t{TIE}ʃ", "ʧ"),
    (f"t{TIE}s", "ʦ"),
    (f"d{TIE}z", "ʣ"),
    (f"t{TIE}ɕ", "ʨ"),
    (f"d{TIE}ʑ", "ʥ"),
    ("ɚɹ", "əɹ"),  # a linking r after ɚ ("winter of") must not double
    ("ɚ", "əɹ"),
    ("ɝ", "ɜɹ"),
    ("ɬ", "l"),
    ("g", "ɡ"),
    ("\n", " "),
    ("«", "“"),
    ("»", "”"),
    ("[", "("),
    ("]", ")"),
    ("{", "("),
    ("}", ")"),
    # Kokoro has no inverted marks; the closing ? or ! carries the intonation.
    ("¡", ""),
    ("¿", ""),
    # espeak joins clitics with a hyphen (French "lə-"); it is not a sound.
    ("-", ""),
]

# English only: misaki's fallback rules, and what espeak writes without a tie bar.
_ENGLISH = [
    (f"ʔn{chr(0x329)}", "tᵊn"),
    (f"ə{TIE}l", "ᵊl"),
    (f"n{chr(0x329)}", "ᵊn"),
    (f"l{chr(0x329)}", "ᵊl"),
    ("aɪ", "I"),
    ("aʊ", "W"),
    ("eɪ", "A"),
    ("ɔɪ", "Y"),
    ("dʒ", "ʤ"),
    ("tʃ", "ʧ"),
    ("ʔ", "t"),
    ("r", "ɹ"),
    ("x", "k"),
    ("ç", "k"),
    ("ɐ", "ə"),
]
_EN_US = [("oʊ", "O"), ("ɜːɹ", "ɜɹ"), ("ɜː", "ɜɹ"), ("ː", ""), ("ɾ", "T")]
_EN_GB = [("əʊ", "Q")]

_INNER_PERIOD = re.compile(r"(?<=[^\s.…])\.(?=[^\s.…,;:!?\"”)])|\.(?=[,;:!?])")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9]")
_SYLLABLE_DOT = re.compile(r"\.(?=\S)")

# Only what the vocabulary forces: ASCII g, and punctuation Kokoro lacks. Used to measure the
# training-style rewrites against espeak's own symbols (bench/bench_phoneme_map.py).
_MINIMAL = [("g", "ɡ"), *(rule for rule in _COMMON if not any(c.isalpha() or c == TIE for c in rule[0]))]

STYLES = ("kokoro", "minimal")
"""``to_vocab`` styles: misaki's training style, or only what keeps espeak output in the vocabulary."""


def known_voice(lang: str) -> str | None:
    """The espeak-ng voice the table above gives a BCP-47 tag (by the tag, then its primary subtag)."""
    tag = lang.strip().lower().replace("_", "-")
    return ESPEAK_VOICES.get(tag) or ESPEAK_VOICES.get(tag.split("-")[0])


def _rules(lang: str, style: str = "kokoro") -> list[tuple[str, str]]:
    if style == "minimal":
        return list(_MINIMAL)
    voice = known_voice(lang) or lang.lower()
    rules = list(_COMMON)
    if voice.startswith("en"):
        # espeak writes an r-coloured vowel and then the linking r ("jury": dʒˈʊ͡ɹɹi).
        rules += _ENGLISH + (_EN_GB if voice == "en-gb" else _EN_US) + [("ɹɹ", "ɹ")]
    return rules


def _strip_marks(ph: str) -> str:
    # A letter with a diacritic Kokoro lacks keeps its base letter (espeak's "ä" → "a");
    # combining marks that are in the vocabulary (nasal tilde) stay.
    out = []
    for ch in ph:
        if ch in VOCAB:
            out.append(ch)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        if unicodedata.combining(decomposed[0]):
            continue
        if len(decomposed) > 1 and decomposed[0] in VOCAB:
            out.append(decomposed[0] + "".join(c for c in decomposed[1:] if c in VOCAB))
            continue
        out.append(ch)
    return "".join(out)


def to_vocab(ph: str, lang: str, reporter: Reporter, where: str | None = None, *, style: str = "kokoro") -> str:
    """espeak-ng output rewritten into Kokoro's phoneme style; symbols still unknown are dropped and reported.

    ``style="minimal"`` keeps espeak's own symbols and rewrites only what the vocabulary lacks.
    """
    if style not in STYLES:
        raise ValueError(f"unknown phoneme style {style!r}; use one of {', '.join(STYLES)}")
    for old, new in _rules(lang, style):
        ph = ph.replace(old, new)
    ph = ph.replace(TIE, "")
    if known_voice(lang) == "cmn":
        # espeak writes Mandarin tones as digits (and syllable dots); Kokoro's style has neither.
        ph = _DIGITS.sub("", _SYLLABLE_DOT.sub("", ph))
    ph = _strip_marks(ph)
    # A period inside a word ("ˈeɪ.ˈɛm" for a.m.) is no sentence end.
    ph = _INNER_PERIOD.sub("", ph)
    ph = _SPACES.sub(" ", ph).strip()
    unknown = {ch for ch in ph if ch not in VOCAB}
    if not unknown:
        return ph
    for word in ph.split(" "):
        for ch in sorted({c for c in word if c in unknown}):
            reporter.report(
                "phoneme-dropped",
                f"phoneme {ch!r} (U+{ord(ch):04X}) in '{word}' is not in Kokoro's vocabulary; dropped",
                where,
            )
    return _SPACES.sub(" ", "".join(ch for ch in ph if ch in VOCAB)).strip()


