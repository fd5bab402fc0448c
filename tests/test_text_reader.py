"""The plain-text reader: decoding, paragraphs, chapter headings."""

from __future__ import annotations

import pytest

from audiobook.config import ReadOptions
from audiobook.coverage import measure
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.model import Book, Chapter, Speech
from audiobook.normalize.numbers import cardinal
from audiobook.normalize.roman import roman_value
from audiobook.readers import text
from audiobook.readers.headings import spoken_heading


def read(data: str | bytes, source: str = "books/harbour-tales.txt", **kw: object) -> tuple[Book, Reporter]:
    options = ReadOptions(source=source, **kw)  # type: ignore[arg-type]
    raw = data.encode("utf-8") if isinstance(data, str) else data
    reporter = Reporter()
    return text.read(raw, options, reporter), reporter


def said(chapter: Chapter) -> list[str]:
    return [" ".join(s.text for s in b.segments if isinstance(s, Speech)) for b in chapter.blocks]


@pytest.mark.parametrize(
    ("heading", "spoken"),
    [
        ("Chapter 3", "Chapter three"),
        ("CHAPTER III", "Chapter three"),
        ("Chapter Twelve", "Chapter Twelve"),
        ("Chapter Twenty-One", "Chapter Twenty-One"),
        ("Chapter 3: The Storm", "Chapter three: The Storm"),
        ("CHAPTER I.", "Chapter one."),
        ("PROLOGUE", "PROLOGUE"),
        ("EPILOGUE", "EPILOGUE"),
        ("Prologue: Before the Flood", "Prologue: Before the Flood"),
        ("Part One", "Part One"),
        ("BOOK II", "Book two"),
    ],
)
def test_each_heading_style_starts_a_titled_chapter(heading: str, spoken: str) -> None:
    book, _ = read(f"Some opening words.\n\n{heading}\n\nThe wind rose.\nIt kept rising.\n")
    # The title keeps what is written; the heading read aloud says its number as a word.
    assert [c.title for c in book.chapters] == ["harbour-tales", heading]
    first = book.chapters[1].blocks[0]
    assert first.kind == "heading" and said(book.chapters[1]) == [spoken, "The wind rose. It kept rising."]


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Chapter XIV", "Chapter fourteen"),
        ("CHAPTER 3", "Chapter three"),
        ("Part IV: The Return", "Part four: The Return"),
        ("Section 12", "Section twelve"),
        ("XII.", "Twelve."),
        ("7", "Seven"),
        ("IX. The Flood", "Nine. The Flood"),
        ("Book 1998", "Book one thousand nine hundred ninety-eight"),
        # Left alone: no heading word before the numeral, a word that only looks like one, prose.
        ("MIX", "MIX"),
        ("Chapter Ivy", "Chapter Ivy"),
        ("The Part V", "The Part V"),
        ("Prologue", "Prologue"),
    ],
)
def test_heading_numbers_are_spoken_as_words(written: str, spoken: str) -> None:
    assert spoken_heading(written) == spoken


def test_number_words() -> None:
    assert [cardinal(n) for n in (0, 14, 21, 100, 115, 1000, 9999)] == [
        "zero",
        "fourteen",
        "twenty-one",
        "one hundred",
        "one hundred fifteen",
        "one thousand",
        "nine thousand nine hundred ninety-nine",
    ]
    assert [roman_value(r) for r in ("XIV", "MCMXCVIII", "IIII", "xiv", "")] == [14, 1998, None, None, None]


def test_coverage_every_word_is_spoken() -> None:
    ledger = Ledger()
    book = text.read(b"CHAPTER XIV\n\nThe boats went out.\n\nChapter 2: Home\n\nThey came back.\n", ReadOptions(source="t.txt"), None, ledger)
    cov = measure(book, ledger)
    assert [(c.title, c.source_words, c.spoken_words, c.missing) for c in cov.chapters] == [
        ("CHAPTER XIV", 6, 6, ()),
        ("Chapter 2: Home", 6, 6, ()),
    ]


@pytest.mark.parametrize(
    "line",
    ["Chapter and verse were quoted at him.", "Part of the wall fell.", "Chapter did", "The Prologue was long."],
)
def test_prose_that_mentions_chapters_is_not_a_heading(line: str) -> None:
    book, _ = read(f"{line}\n\nMore text.\n", source="notes.txt")
    assert [c.title for c in book.chapters] == ["notes"]
    assert said(book.chapters[0]) == [line, "More text."]


def test_chapters_paragraphs_and_no_empty_preamble() -> None:
    story = (
        "\n\nCHAPTER I\n\nThe boats  went out\nbefore dawn.\n\nThe gulls followed.\n"
        "CHAPTER II\nThey came home\r\nafter dusk.\r\n\r\n\r\nEPILOGUE\n\nThe end.   \n"
    )
    book, reporter = read(story)
    assert [c.title for c in book.chapters] == ["CHAPTER I", "CHAPTER II", "EPILOGUE"]
    assert said(book.chapters[0]) == ["Chapter one", "The boats went out before dawn.", "The gulls followed."]
    assert said(book.chapters[1]) == ["Chapter two", "They came home after dusk."]
    assert [b.kind for b in book.chapters[1].blocks] == ["heading", "paragraph"]
    assert book.chapters[1].source == "books/harbour-tales.txt:9"
    assert reporter.reports == []


def test_no_headings_makes_one_chapter_named_after_the_file() -> None:
    book, _ = read("A short note.\n\nSigned, the keeper.", lang="en-GB")
    assert book.meta.title == "harbour-tales"
    assert book.meta.language == "en-gb"
    assert [c.title for c in book.chapters] == ["harbour-tales"]
    assert said(book.chapters[0]) == ["A short note.", "Signed, the keeper."]


def test_default_language_and_bom() -> None:
    book, reporter = read("\ufeffCafé at noon.".encode("utf-8"))
    assert book.meta.language == "en-us"
    assert said(book.chapters[0]) == ["Café at noon."]
    assert reporter.reports == []


def test_windows_1252_falls_back_with_a_report() -> None:
    book, reporter = read("line one\n\n\u201cQuoted,\u201d she said \u2014 caf\u00e9.".encode("cp1252"))
    assert said(book.chapters[0]) == ["line one", "\u201cQuoted,\u201d she said \u2014 caf\u00e9."]
    (report,) = reporter.reports
    assert report.code == "not-utf8" and report.where == "books/harbour-tales.txt:3"


def test_utf16_with_bom() -> None:
    book, _ = read("Chapter 1\n\nTide.".encode("utf-16"))
    assert said(book.chapters[0]) == ["Chapter one", "Tide."]


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\r\n", b"\xef\xbb\xbf"])
def test_empty_input_is_an_error_naming_the_file(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        read(data, source="empty.txt")
    assert str(info.value) == "empty.txt: no text to read; the file is empty"
