"""Readers: one module per input format, each ``read(data, options, reporter, ledger) -> Book``.

``READERS`` is the registry: format name → reader. ``sniff`` tells a file's format; the options
are plain frozen data (``ReadOptions``), and the run's ``Reporter`` and ``Ledger`` travel beside
them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.model import Book
from audiobook.readers import epub, html, markdown, script, ssml, text
from audiobook.readers.paths import confine_voices
from audiobook.readers.sniff import EXTENSIONS, format_for
from audiobook.readers.text import title_from_source

__all__ = ["READERS", "EXTENSIONS", "Reader", "read", "read_path", "format_for", "title_from_source"]


class Reader(Protocol):
    """What every reader module offers."""

    def __call__(
        self, data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None
    ) -> Book: ...


READERS: dict[str, Reader] = {
    "epub": epub.read,
    "html": html.read,
    "markdown": markdown.read,
    "script": script.read,
    "ssml": ssml.read,
    "text": text.read,
}
"""Format name → reader."""


def read(
    data: bytes, fmt: str, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None
) -> Book:
    """Read ``data`` in format ``fmt``; an unknown format is an error listing the valid ones.

    Voice packs the document names by path are looked for in its folder only (``paths``).
    """
    try:
        reader = READERS[fmt]
    except KeyError:
        raise InputError(f"unknown format {fmt!r}; valid formats: {', '.join(sorted(READERS))}") from None
    reporter = reporter if reporter is not None else Reporter()
    return confine_voices(reader(data, options, reporter, ledger), options.base_dir, reporter, options.source)


def read_path(
    path: Path,
    options: ReadOptions,
    reporter: Reporter | None = None,
    ledger: Ledger | None = None,
    fmt: str | None = None,
) -> Book:
    """Read a file, naming it in every error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file; check the path", str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file; name the book file inside it", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", str(path)) from None
    # Text given on the command line stands in a temporary file: its folder is not the document's.
    base_dir = None if options.detached else options.base_dir or path.parent
    options = replace(options, source=str(path), base_dir=base_dir)
    return read(data, fmt or format_for(path, data), options, reporter, ledger)
