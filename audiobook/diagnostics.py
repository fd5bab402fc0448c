"""What a run tells the user about content: reports and skips.

A ``Report`` is content that is not rendered as written: never silent, an error under
``--strict``. A ``Skipped`` entry in the ``Ledger`` is content left out by the user's choice
(front matter, notes, code blocks): not a loss, so not a report. Readers also note in the ledger
each chapter's source text, from which ``coverage`` shows that nothing was lost unseen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from audiobook.errors import StrictError

__all__ = ["Ledger", "Report", "Reporter", "Skipped"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """One thing the pipeline could not render as written."""

    code: str
    """Short stable identifier (``unknown-element``, ``phoneme-dropped``, ``unit-split``)."""
    message: str
    """What happened, in one line."""
    where: str | None = None
    """``file:line:column`` or another locator."""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class Reporter:
    """Collects reports; in strict mode the first one raises ``StrictError``."""

    strict: bool = False
    """Turn every report into an error."""
    reports: list[Report] = field(default_factory=list)
    """What was reported so far, in order."""

    def report(self, code: str, message: str, where: str | None = None) -> None:
        """Record (and log) one report; raise under strict mode."""
        rep = Report(code, message, where)
        if self.strict:
            raise StrictError(str(rep))
        self.reports.append(rep)
        log.warning("%s", rep)


@dataclass(frozen=True)
class Skipped:
    """Source content a reader chose not to speak, and why."""

    reason: str
    """Why: ``front matter: copyright page``, ``note``, ``code block``, ``alt text``..."""
    text: str = ""
    """The words left out (empty for an image without alt text)."""
    where: str | None = None
    """``file:line`` or ``book.epub!/path#anchor``."""
    chapter: int | None = None
    """Index of the chapter it stood in (in the book as read); ``None``: outside every chapter."""


@dataclass
class Ledger:
    """What a reader saw of its source: each chapter's body text, and what it skipped by choice."""

    source: dict[int, str] = field(default_factory=dict)
    """Chapter index → that chapter's body text as written, markup removed."""
    skipped: list[Skipped] = field(default_factory=list)
    """Content left out by choice, in reading order."""

    def skip(self, reason: str, text: str = "", where: str | None = None, chapter: int | None = None) -> None:
        """Note one piece of content left out."""
        text = " ".join(text.split())
        self.skipped.append(Skipped(reason, text, where, chapter))
        log.info("%s: skipped %s%s", where or "<input>", reason, f" ({len(text.split())} words)" if text else "")
