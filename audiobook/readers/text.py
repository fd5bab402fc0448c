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

from ..config import ReadOptions
from ..diagnostics import Reporter
from ..errors import InputError
from ..model import Block, Book, Break, Metadata, Segment, Speech
from . import gutenberg, title_from_source
from .pauses import HINT, PAUSE, pause_value

__all__ = [
    "read",
    "decode",
    "is_heading",
    "heading_level",
    "bare_numeral",
    "numbered_title",
    "number_words",
    "roman_value",
    "spoken_heading",
    "book_language",
]

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
        (?:chapter|part|book|volume|letter|adventure|stave|canto)\s+{_NUMBER}\.?(?:\s*[:.\-\u2013\u2014]\s*\S.*)?
      | (?:prologue|epilogue|preface|foreword|introduction|afterword|interlude)\.?(?:\s*[:.\-\u2013\u2014]\s*\S.*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_HEADING = 80
"""A longer line is prose that happens to start with "Chapter", not a heading."""

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_UPPER = re.compile(r"^(?=[MDCLXVI])M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
_HEADING_WORD = r"(?i:chapter|part|book|section|volume|act|scene|canto|appendix|letter|adventure|stave)"
_NUMERAL = r"\d{1,4}|[IVXLCDM]+"
_NUMBERED = re.compile(
    rf"^(?P<lead>\s*)(?P<word>{_HEADING_WORD})(?P<space>\s+)(?P<num>{_NUMERAL})(?P<rest>(?![\w'\u2019-]).*)$", re.DOTALL
)
# Capitals that make a valid numeral but, standing alone as a heading, are more likely a word.
_NOT_BARE = frozenset(
    {"MIX", "DIX", "DIV", "CIV", "LIV", "CLI", "MI", "DI", "LI", "CI", "XL", "MD", "DC", "CD", "CM", "MC"}
)
_BARE_HEADING = re.compile(r"^(?P<num>\d{1,3}|[IVXLC]{1,7})\.?$")
_NUMBERED_TITLE = re.compile(r"^(?P<num>\d{1,3}|[IVXLC]{1,7})\.\s+(?P<title>[^a-z]*[A-Z][^a-z]*)$")
"""``I. A SCANDAL IN BOHEMIA``: a numeral, a period and a title in capitals."""
_NUMBER_ONLY = re.compile(
    rf"^(?:chapter|part|book|volume|letter|adventure|stave|canto)\s+{_NUMBER}\.?$", re.IGNORECASE
)
"""A heading that gives a number and no title (``CHAPTER I.``): its title may be on the next line."""
_SUBTITLE = re.compile(r"^[\"'\u201c\u2018(]?[A-Z].{0,58}[^,;:\-\u2013\u2014]$")
_PART_WORDS = frozenset({"part", "book", "volume"})
"""Heading words of the level above chapters."""
_CONTENTS = re.compile(r"^(?:table\s+of\s+)?contents?\W*$", re.IGNORECASE)
_BARE = re.compile(rf"^(?P<lead>\s*)(?P<num>{_NUMERAL})(?P<rest>\s*(?:[.:]\s*(?:\S.*)?)?)$", re.DOTALL)


def number_words(n: int) -> str:
    """``n`` (0-9999) in English words: 14 → "fourteen", 1998 → "one thousand nine hundred ninety-eight"."""
    ones = ["zero", *_UNITS]
    if n < 20:
        return ones[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens - 2] + (f"-{ones[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{ones[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def roman_value(text: str) -> int | None:
    """The value of a Roman numeral written in capitals ("XIV" → 14), else ``None``."""
    if not _ROMAN_UPPER.match(text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        total += -value if i + 1 < len(text) and value < _ROMAN_VALUES[text[i + 1]] else value
    return total


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
        return f"{m.group('lead')}{word}{m.group('space')}{number_words(value)}{m.group('rest')}"
    m = _BARE.match(text)
    if m:
        num = m.group("num")
        value = _numeral(num)
        if value is None or num in _NOT_BARE or not (num.isdigit() or set(num) & set("IVX")):
            return text
        return f"{m.group('lead')}{number_words(value).capitalize()}{m.group('rest')}"
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


def heading_level(line: str) -> int | None:
    """0 for a part's heading (``BOOK ONE``, ``PART II``), 1 for a chapter's, ``None`` for prose."""
    if not is_heading(line):
        return None
    return 0 if line.split()[0].lower() in _PART_WORDS else 1


def _numeral_value(num: str) -> int | None:
    if num.isdigit():
        return int(num)
    if num in _NOT_BARE:
        return None
    return roman_value(num)


def bare_numeral(line: str) -> int | None:
    """The value of a line that is only a numeral (``IV.``, ``7``, ``XII``), else ``None``."""
    m = _BARE_HEADING.match(" ".join(line.split()))
    return _numeral_value(m.group("num")) if m else None


def numbered_title(line: str) -> int | None:
    """The number of a heading such as ``I. A SCANDAL IN BOHEMIA`` (numeral, title in capitals)."""
    line = " ".join(line.split())
    m = _NUMBERED_TITLE.match(line)
    if m is None or len(line) > _MAX_HEADING:
        return None
    return _numeral_value(m.group("num"))


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


def read(data: bytes, options: ReadOptions) -> Book:
    """Read plain text into a book with one chapter per heading (or one chapter in all)."""
    from .sections import Section, chapters

    source = options.source
    text = decode(data, source, options.reporter)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    if not text.strip():
        raise InputError("no text to read; the file is empty", source)
    lines = text.split("\n")
    lo, hi, header = _gutenberg(lines, options)

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
            and _NUMBER_ONLY.match(prev[0])
            and _SUBTITLE.match(body[0].strip())
        ):
            items[i - 1] = ("heading", prev_number, [f"{prev[0]} {' '.join(body[0].split())}"])
            del items[i]
    if lo > 0 and items and items[0][0] == "para" and gutenberg.is_credit(" ".join(items[0][2])):
        kind, number, credit = items.pop(0)
        options.ledger.skip("Project Gutenberg credits", " ".join(credit), f"{source}:{number}")

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
        contents = len(body) == 1 and _CONTENTS.match(line) is not None
        if kind == "heading" or i in bare or i in titled or contents:
            end_section()
            title, where, raw, blocks = line, f"{source}:{number}", [line], []
            level = 2 if i in bare else (heading_level(line) or 0) if kind == "heading" else 1
            recognized = not contents
            blocks.append(Block((Speech(spoken_heading(line), source=where),), "heading"))
        else:
            block, written = _paragraph(body, number, options)
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
    return Book(meta, tuple(chapters(sections, options, book_title, header.authors)))


def _paragraph(body: list[str], first: int, options: ReadOptions) -> tuple[Block | None, str]:
    """A paragraph's block, its pause tags made breaks, and its text as written without them."""
    segments: list[Segment] = []
    words: list[str] = []
    written: list[str] = []
    where = f"{options.source}:{first}"

    def flush() -> None:
        text = " ".join(" ".join(words).split())
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
                options.reporter.report("bad-pause", f"{m.group(0)!r} is not a pause ({HINT}); dropped", place)
                continue
            kind, value = found
            ms = int(value) if kind == "time" else options.pauses.strengths.get(str(value), 0)
            if ms > options.pauses.max_break:
                options.reporter.report(
                    "break-clamped", f"pause of {ms} ms is over the {options.pauses.max_break} ms limit", place
                )
                ms = options.pauses.max_break
            flush()
            segments.append(Break(ms, "explicit"))
            where = place
        words.append(line[at:])
        written.append(line[at:])
    flush()
    return (Block(tuple(segments), "paragraph") if segments else None), " ".join(written)


def _gutenberg(lines: list[str], options: ReadOptions) -> tuple[int, int, gutenberg.GutenbergHeader]:
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
    options.ledger.skip("Project Gutenberg header", "\n".join(header), f"{source}:1")
    if end < len(lines):
        options.ledger.skip("Project Gutenberg licence", "\n".join(lines[end:]), f"{source}:{end + 1}")
    return start + 1, end, gutenberg.parse_header(header)
