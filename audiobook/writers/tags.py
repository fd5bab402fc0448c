"""What each tag of an audiobook says, shared by the container writers."""

from __future__ import annotations

import re

from ..model import Metadata

__all__ = ["GENRE", "artist", "year_date"]

GENRE = "Audiobook"
"""The genre tag every audiobook carries; players sort books into their own shelf by it."""


def artist(meta: Metadata) -> str:
    """The authors as one artist string (``"A, B"``)."""
    return ", ".join(a for a in meta.authors if a)


def year_date(date: str | None) -> str | None:
    """The leading ``YYYY[-MM[-DD]]`` of a free-form date, or ``None`` when it has none.

    ID3 timestamps accept only that form; ``"2020-03-01T00:00:00Z"`` gives ``"2020-03-01"``.
    """
    if not date:
        return None
    match = re.match(r"\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)", date)
    return match.group(1) if match else None
