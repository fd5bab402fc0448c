"""Plain text → ``Book``.

Blank lines separate paragraphs; the lines of a paragraph are joined with spaces. A line that is
only a chapter heading (``Chapter 3``, ``CHAPTER III``, ``Chapter Twelve``, ``Chapter 3: The
Storm``, ``PROLOGUE``, ``Part One``, ``BOOK ONE``, ``Letter 1``, ``STAVE I``, ``ADVENTURE I. A
SCANDAL IN BOHEMIA``) starts a chapter titled with that line, and is read as the chapter's first
block, its number spoken as a word ("CHAPTER III" is read "Chapter three"; the title keeps what is
written). Pause tags (``[pause 2s]``, ``[PAUSE=3]``, ``[pause:1.5]``, see ``pauses``) are pauses,
inside a paragraph or on a line of their own. A paragraph that is only a numeral (``IV.``, ``7``) or a numeral and a title in capitals
(``I. A SCANDAL IN BOHEMIA``) is a heading too when it belongs to a run (I, II, III…). Which
headings start chapters, and what the chapters are called, is decided by ``sections``.

A Project Gutenberg download is recognized by its markers: the header and the licence are skipped
(and noted in the ledger), the header gives title, author and language (``gutenberg``). Text is
UTF-8 (a BOM is allowed); anything else is read as Windows-1252 with a report.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePath

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.model import Block, Book, Break, Metadata, Segment, Speech
from audiobook.readers import gutenberg
from audiobook.readers.clean import clean_text, decode_utf8, speakable
from audiobook.readers.headings import (
    CONTENTS,
    NUMBER_ONLY,
    SUBTITLE,
    bare_numeral,
    heading_level,
    is_heading,
    numbered_title,
    spoken_heading,
)
from audiobook.readers.pauses import HINT, PAUSE, pause_value, shown
from audiobook.readers.sections import Section, chapters

__all__ = ["book_language", "decode", "read", "title_from_source"]

log = logging.getLogger(__name__)

_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
"""A character of more than one byte in UTF-8: text that has them is UTF-8, not Windows-1252."""

def decode(data: bytes, source: str, reporter: Reporter | None = None) -> str:
    """Text of ``data``: UTF-8 (BOM optional) or UTF-16 with a BOM, else Windows-1252 (reported).

    A UTF-8 file with a few bad bytes among many good characters stays UTF-8, the bad bytes
    removed and reported; control characters and ANSI escapes are removed (``clean``).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return clean_text(data.decode("utf-16"), source, reporter)
        except UnicodeDecodeError:
            pass
    text, bad = decode_utf8(data)
    if bad is None:
        return clean_text(text, source, reporter)
    line = data.count(b"\n", 0, bad) + 1
    if len(_UTF8_SEQUENCE.findall(data)) >= text.count("\ufffd"):
        if reporter is not None:
            reporter.report("not-utf8", "bytes that are not UTF-8 removed", f"{source}:{line}")
        return clean_text(text.replace("\ufffd", ""), source, reporter)
    # Old text files are mostly Windows-1252; the five bytes it leaves undefined are removed.
    text = data.decode("cp1252", errors="replace")
    if reporter is not None:
        reporter.report(
            "not-utf8", "not UTF-8; read as Windows-1252 (save the file as UTF-8 to be sure)", f"{source}:{line}"
        )
    return clean_text(text, source, reporter)


def _in_runs(values: list[tuple[int, int]]) -> set[int]:
    """Of (index, number) candidates in order, the indices that belong to a run 1, 2, 3… of two or more."""
    runs: list[list[int]] = []
    last: int | None = None
    for index, value in values:
        if value == 1:
            runs.append([index])
        elif runs and last is not None and value == last + 1:
            runs[-1].append(index)
        else:
            last = None
            continue
        last = value
    return {i for run in runs if len(run) > 1 for i in run}


def book_language(found: str | None, asked: str | None) -> str:
    """The book's language: what the document says, refined by ``--lang`` when it is the same language."""
    asked = asked.lower() if asked else None
    if found is None:
        return asked or "en-us"
    found = found.lower()
    if asked and asked.split("-")[0] == found.split("-")[0]:
        return asked
    # English without a region is read as the project's default English.
    return "en-us" if found == "en" else found


def title_from_source(source: str) -> str:
    """A book title from its file name, for documents that do not name themselves."""
    if not source or source.startswith("<"):
        return "Untitled"
    return PurePath(source).stem or "Untitled"


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read plain text into a book with one chapter per heading (or one chapter in all)."""
    reporter = reporter if reporter is not None else Reporter()
    ledger = ledger if ledger is not None else Ledger()
    source = options.source
    text = decode(data, source, reporter)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if not text.strip():
        raise InputError("no text to read; the file is empty", source)
    lines = text.split("\n")
    lo, hi, header = _gutenberg(lines, options, ledger)

    # Paragraphs and headings, each with its first line number (1-based).
    items: list[tuple[str, int, list[str]]] = []
    para: list[str] = []
    for number in range(lo + 1, hi + 1):
        line = lines[number - 1]
        if not line.strip():
            para = []
        elif is_heading(line):
            para = []
            items.append(("heading", number, [" ".join(line.split())]))
        else:
            if not para:
                para = []
                items.append(("para", number, para))
            para.append(line)
    # "CHAPTER I." with its title on the very next line ("The Period") is one heading, as the
    # HTML edition of the same book writes it ("CHAPTER I.<br/>The Period").
    for i in range(len(items) - 1, 0, -1):
        (kind, number, body), (prev_kind, prev_number, prev) = items[i], items[i - 1]
        if (
            kind == "para"
            and prev_kind == "heading"
            and number == prev_number + 1
            and len(body) == 1
            and NUMBER_ONLY.match(prev[0])
            and SUBTITLE.match(body[0].strip())
        ):
            items[i - 1] = ("heading", prev_number, [f"{prev[0]} {' '.join(body[0].split())}"])
            del items[i]
    if lo > 0 and items and items[0][0] == "para" and gutenberg.is_credit(" ".join(items[0][2])):
        kind, number, credit = items.pop(0)
        ledger.skip("Project Gutenberg credits", " ".join(credit), f"{source}:{number}")

    # A paragraph that is only a numeral, or a numeral and a title in capitals, is a heading when
    # it belongs to a run: "I." alone once is more likely a line of verse than a heading.
    numerals: dict[str, list[tuple[int, int]]] = {"bare": [], "titled": []}
    for i, (kind, _, body) in enumerate(items):
        if kind == "para" and len(body) == 1:
            for form, value in (("bare", bare_numeral(body[0])), ("titled", numbered_title(body[0]))):
                if value is not None:
                    numerals[form].append((i, value))
    bare = _in_runs(numerals["bare"])
    titled = _in_runs(numerals["titled"])

    sections: list[Section] = []
    title: str | None = None
    level = 0
    where = f"{source}:{lo + 1}"
    blocks: list[Block] = []
    raw: list[str] = []
    recognized = False

    def end_section() -> None:
        if title is not None or blocks:
            sections.append(Section(title, level, tuple(blocks), where, " ".join(raw), recognized))

    for i, (kind, number, body) in enumerate(items):
        line = " ".join(body[0].split())
        contents = len(body) == 1 and CONTENTS.match(line) is not None
        if kind == "heading" or i in bare or i in titled or contents:
            end_section()
            title, where, raw, blocks = line, f"{source}:{number}", [line], []
            level = 2 if i in bare else (heading_level(line) or 0) if kind == "heading" else 1
            recognized = not contents
            blocks.append(Block((Speech(spoken_heading(line), source=where),), "heading"))
        else:
            block, written = _paragraph(body, number, options, reporter)
            raw.append(written)
            if block is not None:
                blocks.append(block)
    end_section()

    book_title = header.title or title_from_source(source)
    meta = Metadata(
        title=book_title,
        subtitle=header.subtitle,
        authors=header.authors,
        language=book_language(header.language, options.lang),
    )
    return Book(meta, tuple(chapters(sections, options, ledger, book_title, header.authors)))


def _paragraph(body: list[str], first: int, options: ReadOptions, reporter: Reporter) -> tuple[Block | None, str]:
    """A paragraph's block, its pause tags made breaks, and its text as written without them."""
    segments: list[Segment] = []
    words: list[str] = []
    written: list[str] = []
    where = f"{options.source}:{first}"

    def flush() -> None:
        text = speakable(" ".join(" ".join(words).split()), where, reporter)
        if text:
            segments.append(Speech(text, source=where))
        words.clear()

    for number, line in enumerate(body, start=first):
        at = 0
        for m in PAUSE.finditer(line):
            words.append(line[at : m.start()])
            written.append(line[at : m.start()])
            at = m.end()
            found = pause_value(m)
            place = f"{options.source}:{number}"
            if found is None:
                reporter.report("bad-pause", f"{shown(m.group(0))} is not a pause ({HINT}); dropped", place)
                continue
            kind, value = found
            ms = int(value) if kind == "time" else options.pauses.strengths.get(str(value), 0)
            if ms > options.pauses.max_break:
                reporter.report(
                    "break-clamped", f"pause {shown(m.group(0))} is over the {options.pauses.max_break} ms limit; clamped", place
                )
                ms = options.pauses.max_break
            flush()
            segments.append(Break(ms, "explicit"))
            where = place
        words.append(line[at:])
        written.append(line[at:])
    flush()
    return (Block(tuple(segments), "paragraph") if segments else None), " ".join(written)


def _gutenberg(
    lines: list[str], options: ReadOptions, ledger: Ledger
) -> tuple[int, int, gutenberg.GutenbergHeader]:
    """The lines of the book proper (``lines[lo:hi]``) and the header of a Project Gutenberg file.

    Without a start marker the whole text is the book. The header and the licence are noted in
    the ledger as skipped, never read.
    """
    source = options.source
    start = next((i for i, line in enumerate(lines) if gutenberg.is_start(line)), None)
    if start is None:
        return 0, len(lines), gutenberg.GutenbergHeader()
    end = next((i for i in range(start + 1, len(lines)) if gutenberg.is_end(lines[i])), len(lines))
    header = lines[: start + 1]
    ledger.skip("Project Gutenberg header", "\n".join(header), f"{source}:1")
    if end < len(lines):
        ledger.skip("Project Gutenberg licence", "\n".join(lines[end:]), f"{source}:{end + 1}")
    return start + 1, end, gutenberg.parse_header(header)
