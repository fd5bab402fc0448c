"""What each tag of an audiobook says, shared by the container writers."""

from __future__ import annotations

import re

from audiobook.model import Metadata

__all__ = ["GENRE", "artist", "year_date", "title_and_album", "track_text"]

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


def title_and_album(meta: Metadata, part: str | None) -> tuple[str, str]:
    """The file's title and album: the book's title for both, or the part's title and the book's.

    A book split into one file per chapter keeps the book as the album, so players group the files.
    """
    if part is None:
        return meta.title, meta.title
    return part, meta.title


def track_text(track: tuple[int, int] | None) -> str | None:
    """``"3/12"`` for track 3 of 12, as ID3 ``TRCK`` and MP4 ``trkn`` readers expect."""
    return None if track is None else f"{track[0]}/{track[1]}"
