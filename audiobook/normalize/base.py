"""What every normalization rule shares: the options in force and the rule record itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Options", "Rule", "apply_rules"]


@dataclass(frozen=True)
class Options:
    """How one language's rules read ambiguous forms; fixed per segment from the language and the run."""

    british: bool = False
    """British forms: "one hundred and five", "the fifth of January", "metres"."""
    date_order: str = "mdy"
    """Order of day and month in numeric dates such as 11/12/2024: ``mdy`` or ``dmy``."""
    expand_titles: bool = True
    """Spell out titles and abbreviations ("Dr." → "Doctor"); off leaves them to espeak-ng."""


@dataclass(frozen=True)
class Rule:
    """One entry of a normalizer's table: where it applies and what it says instead."""

    name: str
    """Short stable name, for tests and debugging."""
    pattern: re.Pattern[str]
    """What the rule rewrites."""
    say: Callable[[re.Match[str], Options], str]
    """The spoken form of one match (returning ``match.group(0)`` leaves it as written)."""


def apply_rules(text: str, rules: list[Rule], options: Options) -> str:
    """Apply each rule in turn over the whole text."""
    for rule in rules:
        say = rule.say
        text = rule.pattern.sub(lambda m: say(m, options), text)  # noqa: B023 - used at once
    return text
