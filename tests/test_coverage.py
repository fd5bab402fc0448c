"""Choosing chapters (``--chapters``, ``--list-chapters``) and the coverage report (``inspect --coverage``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.cli import main
from audiobook.config import ReadChoices, ReadOptions
from audiobook.convert import ConvertOptions, load_book
from audiobook.coverage import format_coverage, measure, words
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.passes.select import (
    format_chapter_list,
    parse_selection,
    select_chapters,
)
from audiobook.readers import read_path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EPUB = SAMPLES / "tide-clock.epub"
MARKDOWN = SAMPLES / "three-chapters.md"


@pytest.mark.parametrize(
    ("spec", "chosen"),
    [("3-7,9", [2, 3, 4, 5, 6, 8]), ("8-", [7, 8, 9]), ("-2", [0, 1]), (" 1 , 3 ,1", [0, 2]), ("9-20", [8, 9])],
)
def test_selection_grammar(spec: str, chosen: list[int]) -> None:
    assert parse_selection(spec, 10) == chosen


@pytest.mark.parametrize(
    ("spec", "fix"),
    [
        ("x", "write e.g. 3-7,9"),
        ("7-3", "from low to high"),
        ("0", "from low to high"),
        ("11", "has 10 chapters"),
        ("2,,3", "write e.g. 3-7,9"),
        ("-", "write e.g. 3-7,9"),
    ],
)
def test_bad_selection_says_how_to_fix_it(spec: str, fix: str) -> None:
    with pytest.raises(InputError) as info:
        parse_selection(spec, 10)
    assert fix in str(info.value) and "\n" not in str(info.value)


def test_selection_applies_to_every_format_after_reading() -> None:
    for path, titles in (
        (EPUB, ["A Hand That Stuck", "What the Clock Knew"]),
        (MARKDOWN, ["The Visitor", "The Morning"]),
    ):
        book = load_book(path, ConvertOptions(reading=ReadChoices(chapters="2-")), Reporter())
        assert [c.title for c in book.chapters] == titles
    book = read_path(EPUB, ReadOptions())
    assert select_chapters(book, None) is book and select_chapters(book, " ") is book


def test_chapter_list_numbers_titles_and_words() -> None:
    book = read_path(EPUB, ReadOptions())
    assert format_chapter_list(book, "1,3").splitlines() == [
        "The Tide Clock — Wren Alder",
        "   1. The Keeper's Hut  (71 words)",
        "-  2. A Hand That Stuck  (67 words)",
        "   3. What the Clock Knew  (65 words)",
        "2 of 3 chapters, 136 words",
    ]


def test_words_compare_numerals_as_spoken() -> None:
    assert words("CHAPTER XIV: the 3 keepers") == words("Chapter fourteen: the three keepers")
    assert words("I went") == ["one", "went"] == words("one went")  # the same on both sides
    assert words("soft\u00adhyphen") == ["softhyphen"]


def test_coverage_report_lists_what_is_skipped_and_why() -> None:
    ledger = Ledger()
    book = read_path(EPUB, ReadOptions(choices=ReadChoices(chapters="2")), Reporter(), ledger)
    cov = measure(book, ledger, "2")
    assert [(c.number, c.selected, c.missing) for c in cov.chapters] == [(1, False, ()), (2, True, ()), (3, False, ())]
    text = format_coverage(cov)
    assert "front matter: copyright page: 1 item, 15 words" in text
    assert "not selected (--chapters): 2 items" in text
    assert "chapter 2: note at " in text and '"1. A shore crab' in text
    assert text.endswith("every source word is spoken or skipped for a reason")


def test_coverage_flags_words_lost_without_a_reason() -> None:
    ledger = Ledger()
    book = read_path(MARKDOWN, ReadOptions(), Reporter(), ledger)
    ledger.source[0] += " vanished words"
    cov = measure(book, ledger)
    assert cov.chapters[0].missing == ("vanished", "words") and cov.missing == 2
    assert "MISSING 2 words: vanished words" in format_coverage(cov)


def test_cli_inspect_coverage_and_list_chapters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(EPUB), "--coverage", "--json", "--notes", "end"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["missing"] == 0
    assert [c["spoken_words"] for c in data["chapters"]] == [71, 88, 65]
    assert main(["inspect", str(EPUB), "--list-chapters", "--keep-front-matter"]) == 0
    out = capsys.readouterr().out
    assert "Copyright" not in out.splitlines()[0] and "4 of 4 chapters" in out
    # convert --list-chapters prints the list and synthesizes nothing.
    assert main(["convert", str(MARKDOWN), "--list-chapters", "--chapters", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("-  1. The Storm") and out[2].startswith("   2. The Visitor")


def test_cli_bad_chapter_selection_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(MARKDOWN), "--chapters", "9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("audiobook: error: --chapters '9': the book has 3 chapters; see them with --list-chapters")


def test_cli_inspect_chapters_and_reading_choices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "code.md"
    src.write_text("# One\n\nRun this:\n\n```\nmake all\n```\n\n# Two\n\nDone.\n")
    assert main(["inspect", str(src), "--json", "--code", "read", "--chapters", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["title"] for c in data["chapters"]] == ["One"]
    assert "make all" in [s.get("text") for s in data["chapters"][0]["segments"]]
