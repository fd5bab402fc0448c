"""Pause tags people already type — ``[PAUSE=3]``, ``[pause:1.5]``, ``[pause 2s]`` — in Markdown,
plain text and ``say``: each is a pause of exactly that length, and one that cannot be read is
reported with its place and never spoken."""

from __future__ import annotations

import pytest
from reading import Reading

from audiobook.cli import build_parser
from audiobook.config import ReadOptions
from audiobook.diagnostics import Reporter
from audiobook.errors import StrictError
from audiobook.model import Book, Break, Speech
from audiobook.readers import markdown, text

FORMS = [
    ("[PAUSE=3]", 3000),
    ("[pause=3]", 3000),
    ("[pause:1.5]", 1500),
    ("[Pause: 1.5]", 1500),
    ("[pause 2s]", 2000),
    ("[pause 2]", 2000),
    ("[Pause=500ms]", 500),
    ("[pause:.25s]", 250),
    ("[pause = 0.75 s]", 750),
    ("[PAUSE]", 750),
    ("[pause weak]", 250),
    ("[pause=x-strong]", 1200),
]

READERS = {
    "markdown": (markdown.read, "# Harbour\n\n{}\n", "notes.md", 3),
    "text": (text.read, "{}\n", "notes.txt", 1),
}


def read(reader: str, body: str, strict: bool = False, **kw: object) -> tuple[Book, Reading]:
    fn, layout, source, _ = READERS[reader]
    run = Reading(ReadOptions(source=source, **kw), Reporter(strict=strict))  # type: ignore[arg-type]
    return fn(layout.format(body).encode("utf-8"), run.options, run.reporter, run.ledger), run


def breaks(book: Book) -> list[int]:
    return [s.ms for c in book.chapters for b in c.blocks for s in b.segments if isinstance(s, Break)]


def words(book: Book) -> str:
    return " ".join(s.text for c in book.chapters for b in c.blocks for s in b.segments if isinstance(s, Speech))


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize(("tag", "ms"), FORMS)
def test_each_form_is_a_pause_of_that_length(reader: str, tag: str, ms: int) -> None:
    book, options = read(reader, f"Wait {tag} for it.")
    assert breaks(book) == [ms]
    assert "pause" not in words(book).lower() and words(book).replace("# Harbour", "").split()[-3:] == [
        "Wait",
        "for",
        "it.",
    ]
    assert options.reporter.reports == []


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_pause_on_a_line_of_its_own_is_a_pause_between_paragraphs(reader: str) -> None:
    book, _ = read(reader, "The tide turned.\n\n[PAUSE=2]\n\nIt came back.")
    assert breaks(book) == [2000]
    paragraphs = [b for b in book.chapters[-1].blocks if b.kind == "paragraph"]
    assert [[type(s).__name__ for s in b.segments] for b in paragraphs] == [["Speech"], ["Break"], ["Speech"]]


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("tag", ["[pause=abc]", "[pause:]", "[PAUSE=]", "[pause forever]", "[pause:2 minutes]"])
def test_a_tag_that_cannot_be_read_is_reported_and_never_spoken(reader: str, tag: str) -> None:
    book, options = read(reader, f"Before.\n\nWait {tag} for it.")
    line = READERS[reader][3] + 2
    assert breaks(book) == []
    assert "pause" not in words(book).lower()
    assert words(book).endswith("Before. Wait for it.")
    [report] = options.reporter.reports
    assert f"{READERS[reader][2]}:{line}" in str(report) and tag in str(report)
    with pytest.raises(StrictError, match=f"{READERS[reader][2]}:{line}"):
        read(reader, f"Before.\n\nWait {tag} for it.", strict=True)


@pytest.mark.parametrize("reader", sorted(READERS))
def test_words_in_brackets_that_are_not_pause_tags_are_read(reader: str) -> None:
    book, options = read(reader, "He [paused] and read [Pauses of the Sea].")
    assert breaks(book) == []
    assert "[paused]" in words(book) and "[Pauses of the Sea]" in words(book)
    assert options.reporter.reports == []


def test_text_pause_longer_than_the_limit_is_clamped_with_a_report() -> None:
    book, options = read("text", "Wait [pause=90] for it.")
    assert breaks(book) == [options.pauses.max_break]
    assert [r.code for r in options.reporter.reports] == ["break-clamped"]


def test_text_coverage_counts_no_pause_tag_as_a_missing_word() -> None:
    from audiobook.coverage import measure

    book, options = read("text", "Wait [PAUSE=3] for it.\n\n[pause:1.5]\n\nDone.")
    assert [c.missing for c in measure(book, options.ledger).chapters] == [()]


def test_say_has_no_closing_chapter_silence_unless_asked() -> None:
    parser = build_parser()
    assert parser.parse_args(["say", "Hi.", "-o", "x.wav"]).chapter_pause == 0
    assert parser.parse_args(["say", "Hi.", "-o", "x.wav", "--chapter-pause", "900"]).chapter_pause == 900
    assert parser.parse_args(["convert", "a.md"]).chapter_pause == 1500
