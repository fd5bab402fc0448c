"""Which reader a file needs: by its extension, else by its first bytes."""

from __future__ import annotations

import re
from pathlib import Path

from audiobook.errors import InputError
from audiobook.readers.script import is_script

__all__ = ["EXTENSIONS", "format_for"]

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


def format_for(path: Path, data: bytes | None = None) -> str:
    """The format of ``path`` by extension; an unknown one is sniffed from ``data`` or an error."""
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt == "markdown":
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
