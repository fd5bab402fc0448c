"""What a test reads a document with: the options, and the reporter and ledger beside them."""

from __future__ import annotations

from dataclasses import dataclass, field

from audiobook.config import Pauses, ReadOptions
from audiobook.diagnostics import Ledger, Reporter


@dataclass
class Reading:
    """One reading's options, with the reports and the ledger it filled."""

    options: ReadOptions = field(default_factory=ReadOptions)
    reporter: Reporter = field(default_factory=Reporter)
    ledger: Ledger = field(default_factory=Ledger)

    @property
    def pauses(self) -> Pauses:
        """The pause lengths the reading used."""
        return self.options.pauses
