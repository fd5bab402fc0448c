"""Plain text → ``Book``.

Blank lines separate paragraphs; the lines of a paragraph are joined with spaces. A line that is
only a chapter heading (``Chapter 3``, ``CHAPTER III``, ``Chapter Twelve``, ``Chapter 3: The
Storm``, ``PROLOGUE``, ``Part One``) starts a chapter titled with that line, and is read as the
chapter's first block, its number spoken as a word ("CHAPTER III" is read "Chapter three"; the
title keeps what is written). Text is UTF-8 (a BOM is allowed); anything else is read as Windows-1252
with a report.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePath

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.model import Block, Book, Chapter, Metadata, Speech
from audiobook.normalize.numbers import cardinal
from audiobook.normalize.roman import roman_value

__all__ = ["read", "decode", "is_heading", "spoken_heading", "title_from_source"]

log = logging.getLogger(__name__)

_UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORD_NUMBER = rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[:9])}))?|{'|'.join(_UNITS)}|hundred)"
_ROMAN = r"(?=[mdclxvi])m{0,4}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_NUMBER = rf"(?:\d{{1,4}}|{_ROMAN}|{_WORD_NUMBER})"
_HEADING = re.compile(
    rf"""^(?:
        (?:chapter|part|book)\s+{_NUMBER}\.?(?:\s*[:.\-\u2013\u2014]\s*\S.*)?
      | (?:prologue|epilogue|preface|foreword|introduction|afterword|interlude)\.?(?:\s*[:.\-\u2013\u2014]\s*\S.*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_HEADING = 80
"""A longer line is prose that happens to start with "Chapter", not a heading."""

_HEADING_WORD = r"(?i:chapter|part|book|section|volume|act|scene|canto|appendix)"
_NUMERAL = r"\d{1,4}|[IVXLCDM]+"
_NUMBERED = re.compile(
    rf"^(?P<lead>\s*)(?P<word>{_HEADING_WORD})(?P<space>\s+)(?P<num>{_NUMERAL})(?P<rest>(?![\w'\u2019-]).*)$", re.DOTALL
)
# Capitals that make a valid numeral but, standing alone as a heading, are more likely a word.
_NOT_BARE = frozenset(
    {"MIX", "DIX", "DIV", "CIV", "LIV", "CLI", "MI", "DI", "LI", "CI", "XL", "MD", "DC", "CD", "CM", "MC"}
)
_BARE = re.compile(rf"^(?P<lead>\s*)(?P<num>{_NUMERAL})(?P<rest>\s*(?:[.:]\s*(?:\S.*)?)?)$", re.DOTALL)


def _numeral(text: str) -> int | None:
    return int(text) if text.isdigit() else roman_value(text)


def spoken_heading(text: str) -> str:
    """A heading as a narrator says it: its chapter number in words, the rest unchanged.

    "Chapter XIV" → "Chapter fourteen", "CHAPTER 3: The Storm" → "Chapter three: The Storm",
    "XII." → "Twelve.". Only a numeral after a heading word, or a heading that is a numeral
    (with an optional title after a period), is changed.
    """
    m = _NUMBERED.match(text)
    if m:
        value = _numeral(m.group("num"))
        if value is None:
            return text
        word = m.group("word")
        word = word.capitalize() if word.isupper() else word
        return f"{m.group('lead')}{word}{m.group('space')}{cardinal(value)}{m.group('rest')}"
    m = _BARE.match(text)
    if m:
        num = m.group("num")
        value = _numeral(num)
        if value is None or num in _NOT_BARE or not (num.isdigit() or set(num) & set("IVX")):
            return text
        return f"{m.group('lead')}{cardinal(value).capitalize()}{m.group('rest')}"
    return text


def decode(data: bytes, source: str, reporter: Reporter | None = None) -> str:
    """Text of ``data``: UTF-8 (BOM optional) or UTF-16 with a BOM, else Windows-1252 (reported)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Old text files are mostly Windows-1252; the five bytes it leaves undefined become U+FFFD.
        text = data.decode("cp1252", errors="replace")
        line = data.count(b"\n", 0, exc.start) + 1
        if reporter is not None:
            reporter.report(
                "not-utf8", "not UTF-8; read as Windows-1252 (save the file as UTF-8 to be sure)", f"{source}:{line}"
            )
        return text


def is_heading(line: str) -> bool:
    """True when ``line`` on its own is a chapter heading."""
    line = line.strip()
    return 0 < len(line) <= _MAX_HEADING and _HEADING.match(line) is not None


def title_from_source(source: str) -> str:
    """A book title from its file name, for documents that do not name themselves."""
    if not source or source.startswith("<"):
        return "Untitled"
    return PurePath(source).stem or "Untitled"


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read plain text into a book with one chapter per heading (or one chapter in all)."""
    ledger = ledger if ledger is not None else Ledger()
    source = options.source
    text = decode(data, source, reporter)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if not text.strip():
        raise InputError("no text to read; the file is empty", source)

    stem = title_from_source(source)
    chapters: list[Chapter] = []
    title: str | None = None
    start_line = 1
    blocks: list[Block] = []
    para: list[str] = []
    para_line = 0
    raw: list[str] = []

    def end_paragraph() -> None:
        if para:
            words = " ".join(" ".join(para).split())
            blocks.append(Block((Speech(words, source=f"{source}:{para_line}"),), "paragraph"))
            para.clear()

    def end_chapter() -> None:
        end_paragraph()
        if blocks:
            ledger.source[len(chapters)] = " ".join(raw)
            chapters.append(Chapter(title or stem, tuple(blocks), f"{source}:{start_line}"))
        blocks.clear()
        raw.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            end_paragraph()
        elif is_heading(line):
            end_chapter()
            title = " ".join(line.split())
            start_line = number
            raw.append(title)
            blocks.append(Block((Speech(spoken_heading(title), source=f"{source}:{number}"),), "heading"))
        else:
            raw.append(line)
            if not para:
                para_line = number
            para.append(line)
    end_chapter()

    meta = Metadata(title=stem, language=(options.lang or "en-us").lower())
    return Book(meta, tuple(chapters))
