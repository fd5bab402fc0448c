"""IPA as people type it: ASCII and other look-alikes of IPA symbols, folded onto the symbols.

Pronunciations in books and lexicons are often typed on a keyboard without IPA: ``'`` for the
primary stress ``ˈ``, ``,`` for the secondary stress ``ˌ``, ``:`` for the length mark ``ː``, the
Latin ``g`` for the IPA ``ɡ``, a Greek ``ε`` for ``ɛ``. Inside a pronunciation each of these can
only mean the IPA symbol, so it is folded onto it; a synthesizer that knows only IPA would
otherwise drop it (or read ``:`` and ``,`` as punctuation). A ``?`` is left alone: it is as often a
question mark as a glottal stop ``ʔ``. A period between two symbols is IPA's syllable break,
which marks no sound, and is removed.
"""

from __future__ import annotations

import re

__all__ = ["LOOKALIKES", "fold_ipa"]

LOOKALIKES: dict[str, str] = {
    "g": "\u0261",  # ɡ: IPA's voiced velar stop is the single-storey g
    "'": "\u02c8",  # ˈ
    "\u2019": "\u02c8",  # ’ (a typographic apostrophe)
    "\u00b4": "\u02c8",  # ´
    "\u02b9": "\u02c8",  # ʹ (modifier prime)
    ":": "\u02d0",  # ː
    "\ua789": "\u02d0",  # ꞉ (modifier colon)
    "\u03b5": "\u025b",  # Greek ε → ɛ
    "\u03b1": "\u0251",  # Greek α → ɑ
    "\u01dd": "\u0259",  # ǝ (turned e) → ə
    "\u222b": "\u0283",  # ∫ (integral) → ʃ
}
"""Look-alike → the IPA symbol it stands for, wherever it stands in a pronunciation."""

_TABLE = str.maketrans(LOOKALIKES)
_SECONDARY = re.compile(r",(?=[^\s,])")
"""A comma directly before a symbol marks the syllable's secondary stress; one before a space is a pause."""
_SYLLABLE = re.compile(r"(?<=[^\s.])\.(?=[^\s.])")


def fold_ipa(text: str) -> str:
    """``text`` (a pronunciation in IPA) with look-alikes replaced by the IPA symbols they stand for."""
    return _SYLLABLE.sub("", _SECONDARY.sub("\u02cc", text.translate(_TABLE)))
