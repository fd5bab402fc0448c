"""Abbreviations, dotted initialisms and initials, read by their neighbours.

The table is ``data/abbreviations_en.tsv``. A period that belongs to an abbreviation is dropped
unless it also ends the sentence: "Baker St. in London" → "Baker Street in London", "on Baker
St. The fog" → "on Baker Street. The fog". The sentence splitter then sees only real sentence ends.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from audiobook.normalize.base import Options, Rule
from audiobook.normalize.numbers import cardinal
from audiobook.normalize.roman import roman_value

__all__ = ["RULES", "Abbreviation", "ends_sentence", "table"]

KINDS = ("title", "place", "number", "any", "inner")


@dataclass(frozen=True)
class Abbreviation:
    """One line of the abbreviation table."""

    written: str
    """As written, with its period(s): ``"St."``."""
    spoken: str
    """What is said: ``"Street"``."""
    kind: str
    """``title``, ``place``, ``number``, ``any`` or ``inner`` (see the table's header)."""


@functools.cache
def table() -> dict[str, dict[str, Abbreviation]]:
    """Written form → kind → entry, from ``data/abbreviations_en.tsv``."""
    path = resources.files("audiobook") / "data" / "abbreviations_en.tsv"
    out: dict[str, dict[str, Abbreviation]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        written, spoken, kind = (part.strip() for part in line.split("\t"))
        if kind not in KINDS:
            raise ValueError(f"abbreviations_en.tsv:{number}: kind {kind!r} is not one of {', '.join(KINDS)}")
        out.setdefault(written, {})[kind] = Abbreviation(written, spoken, kind)
    return out


# Capitalized words that open sentences far more often than they follow an abbreviation inside
# one: after "St." or "etc." they mean the period was also the sentence's end.
_STARTERS = frozenset(
    ["A", "An", "The", "This", "That", "These", "Those", "It", "Its", "He", "She", "We", "They", "You", "I", "His", "Her", "Their", "Our", "My", "Your", "There", "Then", "But", "And", "Or", "So", "Yet", "If", "When", "While", "After", "Before", "As", "At", "In", "On", "Of", "For", "From", "To", "By", "With", "Without", "Once", "Now", "Here", "Still", "Nor", "No", "Not", "Yes", "Why", "What", "Where", "Who", "How", "Which", "Although", "Though", "Because", "Since", "Until", "Soon", "Later", "Meanwhile", "However", "Perhaps", "Maybe", "Finally", "Next", "Each", "Every", "All", "Some", "Many", "Most", "One", "Two", "Three"]
)
_NEXT = re.compile(r"\s*([^\s]*)")
_PREV = re.compile(r"(\S+)\s+$")
_CLOSERS = "\"'\u201d\u2019)]}"


def ends_sentence(text: str, end: int) -> bool:
    """Whether an abbreviation's period ending at ``end`` also ends the sentence."""
    rest = text[end:].lstrip(_CLOSERS)
    if not rest.strip():
        return True
    if not rest[:1].isspace():
        return False
    word = _NEXT.match(rest).group(1).lstrip("\"'\u201c\u2018(")  # type: ignore[union-attr]
    return word.rstrip(",;:.!?") in _STARTERS


def _prev_word(text: str, start: int) -> str | None:
    match = _PREV.search(text[:start])
    return match.group(1) if match else None


def _next_word(text: str, end: int) -> str:
    match = _NEXT.match(text, end)
    return match.group(1).lstrip("\"'\u201c\u2018(") if match else ""


def _is_name(word: str | None) -> bool:
    # "Baker", "5th", "221B": what stands before a street type. A word that ends a sentence, or
    # a capitalized function word ("In St. Louis"), does not.
    if not word or word[-1] in ".!?:;\u201c\"(":
        return False
    return (word[0].isupper() or word[0].isdigit()) and word not in _STARTERS


def _name_follows(word: str) -> bool:
    # A capitalized word that does not usually open a sentence: "St. Simon", "Dr. Petty.".
    core = word.rstrip(",;:.!?\"'\u201d\u2019)")
    return core[:1].isupper() and core not in _STARTERS


_PAIR = re.compile(r"\s+(?:and|or|&)\s+(\S+)")


def _title_follows(text: str, end: int) -> bool:
    # "Mr. and Mrs. Smith", "Dr. or Mrs. Jones": a title joined to the next one before the name.
    match = _PAIR.match(text, end)
    return bool(match) and "title" in table().get(match.group(1), {})


def _number_follows(word: str) -> bool:
    return bool(word) and (word[0].isdigit() or bool(re.match(r"[IVXLC]+\b", word)))


def _say(match: re.Match[str], opts: Options) -> str:
    text, written = match.string, match.group(0)
    kinds = table()[written]
    prev, nxt = _prev_word(text, match.start()), _next_word(text, match.end())
    # Sentence start: no word before, or the word before ends a sentence.
    sentence_start = prev is None or prev[-1] in ".!?"
    entry: Abbreviation | None = None
    glued = text[match.end() : match.end() + 1].isdigit()
    if "number" in kinds and _number_follows(nxt):
        if glued:
            return kinds["number"].spoken + " "
        entry = kinds["number"]
    elif glued:
        return written
    elif "title" in kinds and "place" in kinds and _name_follows(nxt):
        # Before a name the title wins, whatever stands before it: "Lord St. Simon", "Neville
        # St. Clair", "Presently Dr. Petty". After a street name with no name following, the place.
        entry = kinds["title"] if opts.expand_titles else None
    elif "place" in kinds and _is_name(prev) and not sentence_start:
        entry = kinds["place"]
    elif "title" in kinds and (nxt[:1].isupper() or _title_follows(text, match.end())):
        entry = kinds["title"] if opts.expand_titles else None
    elif "any" in kinds or "inner" in kinds:
        entry = kinds.get("any") or kinds["inner"]
    if entry is None:
        return written
    if entry.kind in ("place", "any") and ends_sentence(text, match.end()):
        return entry.spoken + "."
    return entry.spoken


@functools.cache
def _pattern() -> re.Pattern[str]:
    words = sorted(table(), key=len, reverse=True)
    # A digit may follow at once: "p.132", "vol.1".
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(w) for w in words) + r")(?![^\W\d])")


def _dotted(match: re.Match[str], opts: Options) -> str:
    # "U.S.", "a.m.", "J.R.R.": letters joined by hyphens, which espeak-ng reads letter by letter.
    letters = "-".join(match.group(0).replace(".", ""))
    return letters + "." if ends_sentence(match.string, match.end()) else letters


def _initials(match: re.Match[str], opts: Options) -> str:
    # "J. R. R. Tolkien" → "J-R-R Tolkien"; a single "J. Smith" → "J Smith".
    if ends_sentence(match.string, match.start() + len(match.group(0).rstrip())):
        return match.group(0)
    letters = re.findall(r"[A-Z]", match.group(0))
    return "-".join(letters) + " "


@functools.cache
def _roman_pattern() -> re.Pattern[str]:
    words = sorted((w for w, kinds in table().items() if "number" in kinds), key=len, reverse=True)
    return re.compile(
        r"(?<![\w.])(?P<abbr>" + "|".join(re.escape(w) for w in words) + r")\s+(?P<num>[ivxlc]+)\b(?P<dot>\.)?"
    )


def _roman_number(match: re.Match[str], opts: Options) -> str:
    # "chap. iv.", "p. xiv", "vol. ii.": the lowercase numerals of references. The numeral's own
    # period goes with it unless it also ends the sentence.
    value = roman_value(match.group("num").upper())
    if value is None:
        return match.group(0)
    said = f"{table()[match.group('abbr')]['number'].spoken} {cardinal(value, opts.british)}"
    if match.group("dot") and ends_sentence(match.string, match.end()):
        said += "."
    return said


_DOTTED = re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}(?![\w])")
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\.\s+)+(?=[A-Z][a-z])")

RULES = [
    Rule("abbreviation-roman", _roman_pattern(), _roman_number),
    Rule("abbreviation", _pattern(), _say),
    Rule("dotted-initialism", _DOTTED, _dotted),
    Rule("initials", _INITIALS, _initials),
]
"""Lowercase numerals after a number abbreviation, abbreviations from the table, then dotted
initialisms, then initials before a name."""
