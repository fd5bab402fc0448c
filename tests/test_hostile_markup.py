"""Hostile documents written by hand: odd bytes, broken markup, deep structure.

Each case is one family of issue 14 on each format that can carry it. What is checked is what a
listener would hear (the normalized spoken text), what the run says (its reports), and what
``inspect --coverage`` shows (no source word lost without a reason).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from epubkit import Doc, TocEntry, build_epub
from hostile import markup_in, outcome

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter
from audiobook.model import Break
from audiobook.readers import read_path


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return path


def epub(tmp_path: Path, body: str, name: str = "book.epub") -> Path:
    path = tmp_path / name
    build_epub(path, [Doc("c1.xhtml", f"<h1>One</h1>{body}")], [TocEntry("One", "c1.xhtml")], title="T")
    return path


def heard(tmp_path: Path, name: str, content: str | bytes) -> tuple[str, set[str]]:
    """What would be spoken (headings left out) and the codes of what was reported."""
    got = outcome(write(tmp_path, name, content))
    assert got.error is None, got.error
    assert markup_in(got.spoken) == []
    assert got.coverage is not None and got.coverage.missing == 0
    spoken = got.spoken[1:] if got.spoken[:1] == ["T"] else got.spoken  # the chapter heading "# T"
    return " ".join(spoken), got.codes()


# --- odd bytes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.txt", "Hello \x1b[31mred\x1b[0m world.\n"),
        ("a.md", "# T\n\nHello \x1b[31mred\x1b[0m world.\n"),
        ("a.ssml", "<speak>Hello \x1b[31mred\x1b[0m world.</speak>"),
        ("a.txt", "Hello [31mred[0m world.\n"),  # the ESC lost on the way, the code left
    ],
)
def test_ansi_escapes_are_removed_never_read_as_zero_meters(tmp_path: Path, name: str, content: str) -> None:
    text, codes = heard(tmp_path, name, content)
    assert text.endswith("Hello red world.")
    assert "ansi-escape" in codes


def test_ansi_escapes_in_an_epub_chapter(tmp_path: Path) -> None:
    got = outcome(epub(tmp_path, "<p>Hello \x1b[1;32mgreen\x1b[0m world.</p>"))
    assert got.spoken[-1] == "Hello green world." and "ansi-escape" in got.codes()


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.ssml", "<speak>Hello &#xD800; world &#0; again.</speak>"),
        ("a.md", "# T\n\nHello &#xD800; world &#0; again.\n"),
        ("a.txt", "Hello \udcff world\udc80 again.\n"),  # surrogate escapes written out as bytes
        ("a.md", "# T\n\nHello \x00world\x07 again.\x0b\n"),
    ],
)
def test_surrogates_nul_and_control_characters_are_dropped_with_a_warning(
    tmp_path: Path, name: str, content: str
) -> None:
    text, codes = heard(tmp_path, name, content)
    assert text.endswith("Hello world again.")
    assert codes & {"bad-character", "not-utf8"}


def test_a_lone_surrogate_in_xhtml_is_dropped_not_a_traceback(tmp_path: Path) -> None:
    got = outcome(epub(tmp_path, "<p>Hello &#xD800; world &#xDFFF;.</p>"))
    assert got.error is None and got.spoken[-1] == "Hello world."
    assert "bad-character" in got.codes()


def test_a_strict_ssml_document_with_a_surrogate_is_a_one_line_error(tmp_path: Path) -> None:
    from audiobook.convert import ConvertOptions

    got = outcome(write(tmp_path, "a.ssml", "<speak>\nHello &#xD800;</speak>"), options=ConvertOptions(strict=True))
    assert got.error is not None and "\n" not in str(got.error) and "a.ssml:2" in str(got.error)


def test_invalid_utf8_among_good_utf8_keeps_the_good_characters(tmp_path: Path) -> None:
    content = "# T\n\nThe café, the crêpe and the déjà vu\n\nare open".encode() + b" \xff\xfe today.\n"
    text, codes = heard(tmp_path, "a.md", content)
    assert "café, the crêpe and the déjà vu" in text and text.endswith("are open today.")
    assert "not-utf8" in codes


# --- markup is never spoken ------------------------------------------------------------------------


def test_broken_ssml_attributes_in_markdown_are_reported_and_their_text_read(tmp_path: Path) -> None:
    text, codes = heard(tmp_path, "a.md", '# T\n\nWait<break time="2s>for it. And <voice name=>this</voice> too.\n')
    assert text == "Wait for it. And this too."
    assert "markup-dropped" in codes


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.md", '# T\n\nBefore.\n\n<script>\nalert("x")\n</script>\n\n<style>p { color: red }</style>\n\nAfter.\n'),
        ("a.md", "# T\n\nBefore <script>alert(1)</script> and <style>b{}</style> after.\n"),
        ("a.ssml", "<speak>Before <script>alert(1)</script> and <style>b{}</style> after.</speak>"),
    ],
)
def test_script_and_style_are_never_spoken(tmp_path: Path, name: str, content: str) -> None:
    text, _ = heard(tmp_path, name, content)
    assert "alert" not in text and "color" not in text and "b{}" not in text
    assert text.startswith("Before") and (text.endswith("after.") or text.endswith("After."))


def test_script_in_markdown_is_listed_as_skipped(tmp_path: Path) -> None:
    got = outcome(write(tmp_path, "a.md", "# T\n\nBefore.\n\n<script>alert(1)</script>\n"))
    assert got.coverage is not None
    assert {s.reason for s in got.coverage.skipped} >= {"script"}


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.md", '# T\n\nPress <span onclick="steal()" onmouseover="x()">here</span> now.\n'),
        ("a.ssml", '<speak>Press <span onclick="steal()">here</span> now.</speak>'),
    ],
)
def test_event_handlers_are_never_spoken(tmp_path: Path, name: str, content: str) -> None:
    text, _ = heard(tmp_path, name, content)
    assert text.endswith("Press here now.")


def test_event_handlers_in_xhtml_are_never_spoken(tmp_path: Path) -> None:
    got = outcome(epub(tmp_path, '<p onclick="steal()">Press here.</p><script>alert(1)</script>'))
    assert got.spoken[-1] == "Press here." and "steal" not in got.text and "alert" not in got.text


def test_a_javascript_link_is_read_as_its_text(tmp_path: Path) -> None:
    text, _ = heard(tmp_path, "a.md", "# T\n\nA [safe link](javascript:alert(1)) and <javascript:alert(2)> here.\n")
    assert text == "A safe link and here."


def test_a_markdown_table_is_read_as_rows_of_cells(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", "# T\n\n| Name | Age |\n|:-----|----:|\n| Ann | ten |\n| Bo | nine |\n")
    reading = Reporter(), Ledger()
    book = read_path(path, ReadOptions(), *reading)
    rows = [b for b in book.chapters[0].blocks if b.kind == "cell"]
    assert [[s.text for s in b.segments if not isinstance(s, Break)] for b in rows] == [
        ["Name", "Age"],
        ["Ann", "ten"],
        ["Bo", "nine"],
    ]
    assert all(any(isinstance(s, Break) for s in b.segments) for b in rows)
    text, _ = heard(tmp_path, "a.md", path.read_text())
    assert "|" not in text and "-" not in text


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.md", "# T\n\nSome <![CDATA[inner <b>bold</b> words]]> and a stray ]]> end.\n"),
        ("a.ssml", "<speak>Some <![CDATA[inner <b>bold</b> words]]> and a stray ]]> end.</speak>"),
    ],
)
def test_cdata_is_read_as_text_without_its_tags(tmp_path: Path, name: str, content: str) -> None:
    text, codes = heard(tmp_path, name, content)
    assert text.endswith("Some inner bold words and a stray end.")
    assert "markup-dropped" in codes


def test_cdata_in_xhtml_is_read_without_its_tags(tmp_path: Path) -> None:
    got = outcome(epub(tmp_path, "<p>Some <![CDATA[inner <b>bold</b>]]> words.</p>"))
    assert got.spoken[-1] == "Some inner bold words." and markup_in(got.spoken) == []


def test_pause_tags_that_never_close_are_not_spoken(tmp_path: Path) -> None:
    text, codes = heard(tmp_path, "a.txt", "Wait [pause 2s and then go.\n")
    assert text == "Wait and then go." and "markup-dropped" in codes


def test_prose_comparisons_are_not_markup(tmp_path: Path) -> None:
    from audiobook.readers.clean import strip_markup

    assert strip_markup("if a < b then y > 2") == ("if a < b then y > 2", [])
    assert strip_markup('a time="2s> b')[0] == 'a time="2s b'


# --- deep structure --------------------------------------------------------------------------------


def test_a_list_nested_a_dozen_levels_is_read_whole(tmp_path: Path) -> None:
    lines = "\n".join("    " * d + f"- level{d} word" for d in range(12))
    text, _ = heard(tmp_path, "a.md", f"# T\n\n{lines}\n")
    assert all(f"level{d}" in text for d in range(12))


def test_blockquotes_25_deep_are_read_whole(tmp_path: Path) -> None:
    quotes = "".join(">" * d + f" quote{d}\n" + ">" * d + "\n" for d in range(1, 26))
    text, _ = heard(tmp_path, "a.md", f"# T\n\n{quotes}\n\n" + ">" * 25 + " deepest words\n")
    assert all(f"quote{d}" in text for d in range(1, 26)) and "deepest words" in text


def test_markdown_nested_past_the_limit_reports_the_words_it_skips(tmp_path: Path) -> None:
    from audiobook.readers.markdown import MAX_NESTING

    path = write(tmp_path, "a.md", "# T\n\n" + ">" * (MAX_NESTING + 20) + " lost in the depths\n\nAfter.\n")
    got = outcome(path)
    assert got.spoken[-1] == "After."
    (report,) = [r for r in got.reports if r.code == "too-deep"]
    assert report.message.startswith("4 words") and report.where == f"{path}:3"
    assert got.coverage is not None and got.coverage.missing == 0
    (skip,) = [s for s in got.coverage.skipped if "deeper" in s.reason]
    assert skip.text == "lost in the depths"


@pytest.mark.parametrize("depth", [600, 3000])
def test_xhtml_nested_hundreds_of_levels_is_read(tmp_path: Path, depth: int) -> None:
    deep = "<div>" * depth + "<span>deep words</span>" + "</div>" * depth
    got = outcome(epub(tmp_path, f"<p>Before.</p>{deep}<p>After.</p>"))
    assert got.spoken[-3:] == ["Before.", "deep words", "After."]
    assert ("too-deep" in got.codes()) == (depth > 2000)
    assert got.coverage is not None and got.coverage.missing == 0


def test_html_nested_past_the_parser_limit_is_read(tmp_path: Path) -> None:
    page = "<html><body><h1>One</h1>" + "<div>" * 3000 + "deep words" + "</div>" * 3000 + "<p>After.</p></body></html>"
    got = outcome(write(tmp_path, "a.htm", page))
    assert got.spoken[-2:] == ["deep words", "After."] and "too-deep" in got.codes()


def test_a_paragraph_of_megabytes_in_an_epub_is_read_whole(tmp_path: Path) -> None:
    # Past libxml2's 10 MB text-node limit, which without huge_tree cuts the text without a word.
    words = 1_900_000
    path = epub(tmp_path, "<p>" + "lorem " * words + "</p><p>After.</p>")
    start = time.perf_counter()
    got = outcome(path, stop_after="read", coverage=False)
    assert time.perf_counter() - start < 30
    assert len(got.spoken[-2].split()) == words and got.spoken[-1] == "After."
    assert got.codes() == set()
