"""Reports of content that is not rendered as written: never silent, errors under ``--strict``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .errors import StrictError

__all__ = ["Report", "Reporter"]

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
