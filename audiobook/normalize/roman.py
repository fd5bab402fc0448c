"""Roman numerals, read only where the context says they are numerals.

"Chapter XIV" → "Chapter fourteen", "Henry VIII" → "Henry the Eighth", "Edward V's" → "Edward the
Fifth's", "Henry VIIIth" → "Henry the Eighth", "World War II" → "World War two", "the XIXth century"
→ "the nineteenth century". The pronoun "I", "Mix", "DC" or "CD" stay words: a numeral needs a
heading word, a regnal name, or a capitalized word before it, and outside headings it must hold an
I, V or X; after a regnal name "I" stays the pronoun before a verb it goes with ("John I find").
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal, ordinal

__all__ = ["HEADING_WORDS", "RULES", "heading_numeral", "regnal_names", "roman_value"]

_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_VALID = re.compile(r"^M{0,4}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")

HEADING_WORDS = (
    "chapter|book|part|volume|vol\\.|act|scene|section|canto|article|appendix|psalm|phase|stage|"
    "episode|season|series|level|round|lesson|unit|title|class|type|grade|category|tome|stanza|"
    "movement|sonnet|plate|fig\\.|no\\."
)
"""Words after which a Roman numeral is a plain number ("Chapter IV" → "Chapter four")."""

# Numerals that are common words or acronyms when written in capitals: never numerals outside
# a heading word's reach.
_NOT_NUMERALS = frozenset({"MIX", "DIV", "CIV", "DIX", "LIV", "MIC", "CLI", "DIM", "MID", "MIL", "VIC", "XI'AN"})


def roman_value(text: str) -> int | None:
    """The value of a Roman numeral in capitals ("XIV" → 14), or ``None`` if it is not one."""
    if not text or not _VALID.match(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _VALUES[ch]
        nxt = _VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -value if value < nxt else value
    return total


@functools.cache
def regnal_names() -> frozenset[str]:
    """Names after which a numeral is an ordinal with "the" (kings, queens, popes, pharaohs)."""
    path = resources.files("audiobook") / "data" / "regnal_names_en.txt"
    lines = (line.split("#")[0] for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for line in lines for w in line.split())


_NUMERAL = r"[IVXLCDM]+"
_HEADING = re.compile(rf"\b(?P<word>(?i:{HEADING_WORDS}))(?P<space>\s+)(?P<num>{_NUMERAL})\b(?!['\u2019-])")
_CENTURY = re.compile(rf"\b(?P<num>{_NUMERAL})(?:th|st|nd|rd)?(?=\s+(?:century|centuries|millennium)\b)")
_NAMED = re.compile(
    rf"\b(?P<name>[A-Z][a-zA-Z'\u2019]+)(?P<space>\s+)(?P<num>{_NUMERAL})"
    rf"(?P<suffix>th|st|nd|rd)?(?P<poss>['\u2019]s)?\b(?![-'\u2019])"
)
# Words that follow the pronoun "I" and hardly ever a king: "John I find a bore", "Henry I
# think", "Charles I am sure". A past tense ("Charles I was", "Henry I had") is left to the king.
_PRONOUN_NEXT = frozenset(
    "am do don't can cannot can't will shall would should could must may might have think know find "
    "believe suppose fear hope wish want mean feel say see hear like love hate remember forget "
    "understand trust assure promise confess own dare beg tell guess reckon expect imagine doubt need".split()
)
_AFTER = re.compile(r"\s+([a-z][a-z'\u2019]*)")


def _heading(match: re.Match[str], opts: Options) -> str:
    num = match.group("num")
    value = roman_value(num)
    if value is None or (len(num) == 1 and num not in "IVX"):
        return match.group(0)
    # "the part I liked": a lone letter counts only after a capitalized heading word.
    if len(num) == 1 and not match.group("word")[0].isupper():
        return match.group(0)
    return f"{match.group('word')}{match.group('space')}{cardinal(value, opts.british)}"


def _century(match: re.Match[str], opts: Options) -> str:
    value = roman_value(match.group("num"))
    if value is None or not 1 <= value <= 30:
        return match.group(0)
    return ordinal(value, opts.british)


def _ordinal_suffix(value: int) -> str:
    if value % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def _named(match: re.Match[str], opts: Options) -> str:
    name, num, suffix = match.group("name"), match.group("num"), match.group("suffix")
    value = roman_value(num)
    if value is None or num in _NOT_NUMERALS:
        return match.group(0)
    poss = match.group("poss") or ""
    space = match.group("space")
    if suffix:
        # "Henry VIIIth", "Louis XIVth": the written ending makes it a regnal ordinal, but only
        # when it is the numeral's own ending ("Ind" is no "first").
        if suffix != _ordinal_suffix(value):
            return match.group(0)
        return f"{name}{space}the {ordinal(value, opts.british).capitalize()}{poss}"
    if name in regnal_names():
        if num == "I" and not poss:
            after = _AFTER.match(match.string, match.end())
            if after and after.group(1) in _PRONOUN_NEXT:
                return match.group(0)
        return f"{name}{space}the {ordinal(value, opts.british).capitalize()}{poss}"
    # Any other capitalized word: "World War II", "Super Bowl LVII", "Apollo XI". A lone "I"
    # after a capitalized word is the pronoun ("Then I went"); "DC" or "CD" hold no I, V or X.
    if len(num) < 2 or not set(num) & set("IVX") or value > 100:
        return match.group(0)
    return f"{name}{space}{cardinal(value, opts.british)}{poss}"


RULES = [
    Rule("roman-heading", _HEADING, _heading),
    Rule("roman-century", _CENTURY, _century),
    Rule("roman-name", _NAMED, _named),
]
"""The Roman-numeral rules in the order they apply."""


def heading_numeral(text: str, british: bool = False) -> str | None:
    """A heading that is only a numeral ("XIV.") read as its number, else ``None``."""
    core = text.strip().rstrip(".:")
    value = roman_value(core)
    if value is None or (len(core) == 1 and core not in "IVX"):
        return None
    return text.replace(core, cardinal(value, british).capitalize(), 1)
