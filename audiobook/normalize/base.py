"""What every normalization rule shares: the options in force and the rule record itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DIGITS", "Options", "Rule", "apply_rules"]

DIGITS = "0123456789"
"""``Rule.needs`` of the rules that only ever match a number."""


@dataclass(frozen=True)
class Options:
    """How one language's rules read ambiguous forms; fixed per segment from the language and the run."""

    british: bool = False
    """British forms: "one hundred and five", "the fifth of January", "metres"."""
    date_order: str = "mdy"
    """Order of day and month in numeric dates such as 11/12/2024: ``mdy`` or ``dmy``."""
    expand_titles: bool = True
    """Spell out titles and abbreviations ("Dr." → "Doctor"); off leaves them to espeak-ng."""
    keep: frozenset[str] = frozenset()
    """Words a user's lexicon reads ("W3C"): a rule whose match is exactly one of them leaves it."""


@dataclass(frozen=True)
class Rule:
    """One entry of a normalizer's table: where it applies and what it says instead."""

    name: str
    """Short stable name, for tests and debugging."""
    pattern: re.Pattern[str]
    """What the rule rewrites."""
    say: Callable[[re.Match[str], Options], str]
    """The spoken form of one match (returning ``match.group(0)`` leaves it as written)."""
    needs: str = ""
    """Characters of which every match holds one: a text with none skips the rule unscanned
    (most prose has no digits, and scanning it once per rule is most of a book's time)."""


# A sentence end before a position: its mark, closing quotes or brackets, then space.
_END = r"[\"'\u201d\u2019)\]]*\s+$"
_AFTER_MARK = re.compile(r"[.!?]" + _END)
# A full stop after a short word may be an abbreviation the tables lack ("ann. 1855"), which the
# sentence goes on after; one after a longer word, a number or a closing bracket or quote, or "!"
# and "?", ends it.
_AFTER_SENTENCE = re.compile(r"(?:(?:[^\W\d_]{4,}|[\d)\]\"'\u201d\u2019])\.|[!?])" + _END)
# A list number: "them. 3. They presume".
_LIST_NUMBER = re.compile(r"[.)](?:\s+[A-Z]|\s*$)")


def _starts_sentence(match: re.Match[str]) -> bool:
    start, text = match.start(), match.string
    if _AFTER_SENTENCE.search(text, max(0, start - 16), start):
        return True
    return bool(_AFTER_MARK.search(text, max(0, start - 16), start) and _LIST_NUMBER.match(text, match.end()))


def _spoken(match: re.Match[str], rule: Rule, options: Options) -> str:
    if options.keep and match.group(0) in options.keep:
        return match.group(0)
    said = rule.say(match, options)
    # "It was late. 3 men came." → "… Three men came.": a number or symbol said as a word keeps
    # the capital of a sentence start, which is what tells the sentence splitter a sentence began.
    if said[:1].islower() and not match.group(0)[:1].islower() and _starts_sentence(match):
        return said[0].upper() + said[1:]
    return said


def apply_rules(text: str, rules: list[Rule], options: Options) -> str:
    """Apply each rule in turn over the whole text."""
    for rule in rules:
        if rule.needs and not any(ch in text for ch in rule.needs):
            continue
        text = rule.pattern.sub(lambda m: _spoken(m, rule, options), text)  # noqa: B023 - used at once
    return text
