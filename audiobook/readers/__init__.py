"""Readers: one module per input format, each ``read(data: bytes, options) -> Book``."""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Callable

from ..config import ReadOptions
from ..errors import InputError
from ..model import Book

__all__ = ["READERS", "EXTENSIONS", "read", "read_path", "format_for"]

Reader = Callable[[bytes, ReadOptions], Book]


def _load() -> dict[str, Reader]:
    from . import epub, html, markdown, script, ssml, text

    return {
        "epub": epub.read,
        "html": html.read,
        "markdown": markdown.read,
        "script": script.read,
        "ssml": ssml.read,
        "text": text.read,
    }


READERS: dict[str, Reader] = {}
"""Format name → reader, filled on first use."""

EXTENSIONS = {
    ".epub": "epub",
    ".md": "markdown",
    ".markdown": "markdown",
    ".ssml": "ssml",
    ".xml": "ssml",
    ".htm": "html",
    ".html": "html",
    ".txt": "text",
    ".text": "text",
}
"""File extension → format name."""


def title_from_source(source: str) -> str:
    """A book title from its file name, for documents that do not name themselves."""
    if not source or source.startswith("<"):
        return "Untitled"
    return PurePath(source).stem or "Untitled"


def format_for(path: Path, data: bytes | None = None) -> str:
    """The format of ``path`` by extension; an unknown one is sniffed or an error."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt == "markdown":
        from .script import is_script

        # A script is Markdown by name (*.script.md) or by front matter (format: script).
        return "script" if is_script(path.name, data or b"") else fmt
    if fmt:
        return fmt
    if data is not None:
        head = data[:512].lstrip()
        if data[:2] == b"PK":
            return "epub"
        if head.startswith(b"<speak") or (head.startswith(b"<?xml") and b"<speak" in data[:2048]):
            return "ssml"
        if re.match(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html)", head, re.IGNORECASE):
            return "html"
        return "text"
    raise InputError(
        f"unknown input format {path.suffix!r}; use one of: {', '.join(sorted(EXTENSIONS))}", str(path)
    )


def read(data: bytes, fmt: str, options: ReadOptions) -> Book:
    """Read ``data`` in format ``fmt``."""
    if not READERS:
        READERS.update(_load())
    try:
        reader = READERS[fmt]
    except KeyError:
        raise InputError(f"unknown format {fmt!r}; valid formats: {', '.join(sorted(READERS))}") from None
    return reader(data, options)


def read_path(path: Path, options: ReadOptions, fmt: str | None = None) -> Book:
    """Read a file, naming it in every error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file; check the path", str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file; name the book file inside it", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", str(path)) from None
    options.source = str(path)
    if options.base_dir is None:
        options.base_dir = path.parent
    return read(data, fmt or format_for(path, data), options)
