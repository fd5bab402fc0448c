"""Project Gutenberg downloads: where the book starts and ends, and what the header says.

Every Project Gutenberg text and HTML file wraps the book in boilerplate: a header (the eBook's
title, author, dates, language, "This eBook is for the use of anyone anywhere…") ending at a
``*** START OF THE PROJECT GUTENBERG EBOOK …`` line, and a licence of some 3,000 words starting at
``*** END OF THE PROJECT GUTENBERG EBOOK …`` (or, in older files, ``End of Project Gutenberg's …``
and ``End of the Project Gutenberg EBook of …``). Files from the 1990s end their header with the
"small print" licence, closed by ``*END*THE SMALL PRINT!…``. None of it is part of the book: the
readers skip it, noting what they skipped, and take title, author and language from the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "GutenbergHeader",
    "is_start",
    "is_end",
    "is_credit",
    "parse_header",
    "language_code",
    "split_title",
]

_START = re.compile(
    r"^\W*(?:\*{3}\s*START\s+OF\s+(?:THE|THIS)\s+PROJECT\s+GUTENBERG|\*END\*\s*THE\s+SMALL\s+PRINT)", re.IGNORECASE
)
"""The line that ends the header: ``*** START OF THE/THIS PROJECT GUTENBERG EBOOK …``, or the end
of the old small print."""
_END = re.compile(
    r"^\W*(?:\*{3}\s*END\s+OF\s+(?:THE|THIS)\s+PROJECT\s+GUTENBERG"
    r"|END\s+OF\s+(?:THE\s+)?PROJECT\s+GUTENBERG(?:'S|\u2019S)?\s+(?:E-?BOOK|E-?TEXT|\S))",
    re.IGNORECASE,
)
"""The line that starts the licence: ``*** END OF THE PROJECT GUTENBERG EBOOK …``, ``End of the
Project Gutenberg EBook of …``, ``End of Project Gutenberg's …``."""
_CREDIT = re.compile(
    r"^(?:produced\s+by|e-?text\s+(?:was\s+)?(?:prepared|produced|scanned)\s+by|prepared\s+by"
    r"|this\s+e-?(?:text|book)\s+was\s+(?:produced|prepared|scanned|transcribed)|transcribed\s+(?:from|by))\b",
    re.IGNORECASE,
)
"""The volunteers' credit that opens many books right after the start marker."""
_FIELD = re.compile(r"^\s*(title|author|language|translator|editor|illustrator)\s*:\s*(.*)$", re.IGNORECASE)
_TITLE_LINE = re.compile(
    r"^\W*(?:the\s+)?project\s+gutenberg(?:'s|\u2019s)?\s+(?:e-?book|e-?text)?\s*(?:of\s+)?(?P<rest>.+)$",
    re.IGNORECASE,
)
_BY = re.compile(r",?\s+by\s+", re.IGNORECASE)

_LANGUAGES = {
    "english": "en",
    "french": "fr",
    "german": "de",
    "spanish": "es",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "latin": "la",
    "finnish": "fi",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "polish": "pl",
    "russian": "ru",
    "greek": "el",
    "hungarian": "hu",
    "czech": "cs",
    "chinese": "zh",
    "japanese": "ja",
    "hindi": "hi",
    "esperanto": "eo",
    "catalan": "ca",
    "welsh": "cy",
    "irish": "ga",
    "tagalog": "tl",
}
"""The language names Project Gutenberg headers use → ISO 639-1."""


@dataclass(frozen=True)
class GutenbergHeader:
    """What the header of a Project Gutenberg file says about the book."""

    title: str | None = None
    """The ``Title:`` line (its first line when the title runs on)."""
    subtitle: str | None = None
    """Lines that continue the ``Title:`` field (``or The Modern Prometheus``)."""
    authors: tuple[str, ...] = ()
    """The ``Author:`` field, split at "and" / ";"."""
    language: str | None = None
    """The ``Language:`` field as a language code (``en``), when it names a known language."""


def is_start(line: str) -> bool:
    """True for the line that ends the header."""
    return _START.match(line) is not None


def is_end(line: str) -> bool:
    """True for the line that starts the licence at the end."""
    return _END.match(line) is not None


def is_credit(paragraph: str) -> bool:
    """True for a "Produced by …" credit paragraph."""
    return _CREDIT.match(paragraph.strip()) is not None


def language_code(name: str) -> str | None:
    """``English`` → ``en``; a code is kept; an unknown name gives ``None``."""
    name = name.strip().lower()
    first = re.split(r"[,;/]| and ", name)[0].strip()
    if first in _LANGUAGES:
        return _LANGUAGES[first]
    if re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*", first):
        return first
    return None


def split_title(line: str) -> tuple[str | None, tuple[str, ...]]:
    """Title and authors from a line such as ``Project Gutenberg's Frankenstein, by Mary Shelley``
    or an HTML ``<title>`` (``The Project Gutenberg eBook of Alice's Adventures…, by Lewis Carroll``)."""
    line = " ".join(line.split())
    m = _TITLE_LINE.match(line)
    if m:
        line = m.group("rest")
    parts = _BY.split(line, maxsplit=1)
    title = parts[0].strip(" ,.;:") or None
    authors = _authors(parts[1]) if len(parts) > 1 else ()
    return title, authors


def _authors(value: str) -> tuple[str, ...]:
    names = re.split(r"\s*;\s*|\s+and\s+", value.strip().rstrip("."))
    return tuple(n.strip() for n in names if n.strip())


def parse_header(lines: list[str]) -> GutenbergHeader:
    """The book's title, authors and language from the header's ``Field: value`` lines.

    A field runs on over following indented lines (``Title: Frankenstein`` / ``       or The
    Modern Prometheus``). Without a ``Title:`` line, the first line of the header
    ("Project Gutenberg's Alice's Adventures in Wonderland, by Lewis Carroll") is used.
    """
    fields: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        m = _FIELD.match(line)
        if m:
            current = m.group(1).lower()
            fields.setdefault(current, []).append(m.group(2).strip())
        elif current is not None and line[:1] in (" ", "\t") and line.strip():
            fields[current].append(line.strip())
        else:
            current = None
    title_lines = [t for t in fields.get("title", []) if t]
    title = title_lines[0] if title_lines else None
    subtitle = " ".join(title_lines[1:]) or None
    authors = _authors(" and ".join(fields["author"])) if fields.get("author") else ()
    if title is None:
        first = next((line for line in lines if line.strip()), "")
        if _TITLE_LINE.match(first.strip()):
            title, found = split_title(first)
            authors = authors or found
    language = language_code(" ".join(fields.get("language", []))) if fields.get("language") else None
    return GutenbergHeader(title, subtitle, authors, language)
