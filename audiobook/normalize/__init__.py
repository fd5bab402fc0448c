"""Text normalization: what is written, turned into what a careful narrator says.

``expand`` runs the English rule table (numbers, dates, times, money, units, symbols,
abbreviations, Roman numerals, addresses); ``say_as`` reads an SSML ``<say-as>`` segment;
lexicons override single words. ``NormalizeOptions`` holds what a run may change; the pass that
applies all this to a book is ``audiobook.passes.normalize``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.english import RULES, expand, prepare_for_espeak, rule_names
from audiobook.normalize.lexicon import apply_lexicons, load_lexicon, shipped_lexicon
from audiobook.normalize.sayas import say_as

__all__ = [
    "DATE_ORDERS",
    "RULES",
    "NormalizeOptions",
    "Options",
    "Rule",
    "apply_lexicons",
    "expand",
    "load_lexicon",
    "prepare_for_espeak",
    "rule_names",
    "say_as",
    "shipped_lexicon",
]

DATE_ORDERS = ("mdy", "dmy")
"""Valid day/month orders for numeric dates."""


@dataclass(frozen=True)
class NormalizeOptions:
    """What a run may change about how text is read."""

    date_order: str | None = None
    """``mdy`` or ``dmy`` for dates like 11/12/2024; ``None``: ``dmy`` for en-gb and the like, else ``mdy``."""
    british: bool | None = None
    """British forms ("one hundred and five", "metres"); ``None``: from the language (en-gb, en-au...)."""
    expand_titles: bool = True
    """Spell out titles ("Dr." → "Doctor"); off leaves them to espeak-ng."""
    lexicons: tuple[Path, ...] = ()
    """User pronunciation lexicons (TSV, TOML or PLS), applied before the project's own."""
    english: bool = True
    """Apply the English rules to English text; off keeps only typography cleanup and say-as."""
    g2p: str = "lexicon"
    """English words: ``lexicon`` (the dictionaries Kokoro was trained on, espeak-ng for the rest) or ``espeak``."""

    def for_lang(self, lang: str) -> Options:
        """The rule options for text in ``lang``."""
        tag = lang.lower().replace("_", "-")
        british = self.british if self.british is not None else (tag.startswith("en-") and tag not in ("en-us", "en-ca"))
        order = self.date_order or ("dmy" if british else "mdy")
        return Options(british=british, date_order=order, expand_titles=self.expand_titles)
