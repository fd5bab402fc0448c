"""audiobook: turn books and scripts into chaptered audiobooks with Kokoro-82M."""

from __future__ import annotations

import logging

from audiobook.errors import AudiobookError
from audiobook.model import Book, Chapter

__all__ = ["AudiobookError", "Book", "Chapter", "__version__"]

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
