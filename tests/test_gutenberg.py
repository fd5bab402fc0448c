"""Project Gutenberg downloads, as text and as HTML: boilerplate skipped, metadata from the
header, chapters from the headings these books use, the same chapters from both editions.

Every book here is a small Gutenberg-shaped file written by the test."""

from __future__ import annotations

import html as html_lib
from pathlib import Path

import pytest
from reading import Reading

from audiobook.config import ReadChoices, ReadOptions
from audiobook.coverage import measure
from audiobook.model import Book, Speech
from audiobook.readers import format_for, html, read_path, text

LICENCE = (
    "*** START: FULL LICENSE ***\n\nTHE FULL PROJECT GUTENBERG LICENSE\n"
    "PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK\n\n"
    "To protect the Project Gutenberg-tm mission of promoting the free distribution of electronic works.\n"
)

PROSE = (
    "The tide came in over the flats and the gulls rose from the mud in a long grey cloud, "
    "crying over the harbour wall while the boats swung round on their moorings."
)


def header(
    title: str = "Tales of the Harbour",
    author: str = "Ann Example",
    language: str = "English",
    start: str = "*** START OF THE PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***",
) -> str:
    return (
        f"The Project Gutenberg eBook of {title}, by {author}\n\n"
        "This eBook is for the use of anyone anywhere in the United States and\n"
        "most other parts of the world at no cost and with almost no restrictions\n"
        "whatsoever.\n\n"
        f"Title: {title}\n\nAuthor: {author}\n\nRelease Date: May 1, 2001 [eBook #99999]\n\n"
        f"Language: {language}\n\nCharacter set encoding: UTF-8\n\n{start}\n\n\n"
    )


def gutenberg_text(
    body: str,
    end: str = "*** END OF THE PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***",
    **kw: str,
) -> str:
    return header(**kw) + "Produced by A. Volunteer and the Online Distributed\nProofreading Team.\n\n\n" + body + (
        f"\n\n\n{end}\n\n" + LICENCE
    )


def read_text(data: str, source: str = "harbour.txt", **kw: object) -> tuple[Book, Reading]:
    run = Reading(ReadOptions(source=source, **kw))  # type: ignore[arg-type]
    return text.read(data.encode("utf-8"), run.options, run.reporter, run.ledger), run


def read_html(data: str, source: str = "harbour.htm", **kw: object) -> tuple[Book, Reading]:
    run = Reading(ReadOptions(source=source, **kw))  # type: ignore[arg-type]
    return html.read(data.encode("utf-8"), run.options, run.reporter, run.ledger), run


def spoken(book: Book) -> str:
    return " ".join(s.text for c in book.chapters for b in c.blocks for s in b.segments if isinstance(s, Speech))


def titles(book: Book) -> list[str]:
    return [c.title for c in book.chapters]


def novel_body(headings: list[str]) -> str:
    parts = ["TALES OF THE HARBOUR\n\nby\n\nAnn Example"]
    for n, heading in enumerate(headings):
        parts.append(f"{heading}\n\n{PROSE}\nIt was morning number {n + 1}.\n\n{PROSE}")
    return "\n\n\n\n".join(parts)


def test_header_and_licence_are_skipped_and_give_the_metadata() -> None:
    book, options = read_text(gutenberg_text(novel_body(["CHAPTER 1. Loomings.", "CHAPTER 2. The Carpet-Bag."])))
    assert titles(book) == ["CHAPTER 1. Loomings.", "CHAPTER 2. The Carpet-Bag."]
    assert (book.meta.title, book.meta.authors, book.meta.language) == ("Tales of the Harbour", ("Ann Example",), "en-us")
    words = spoken(book)
    for boilerplate in ("Gutenberg", "eBook", "Release Date", "LICENSE", "Produced by", "Proofreading"):
        assert boilerplate not in words
    assert words.startswith("Chapter one. Loomings. The tide came in")
    reasons = {s.reason: s for s in options.ledger.skipped}
    assert set(reasons) == {
        "Project Gutenberg header",
        "Project Gutenberg licence",
        "Project Gutenberg credits",
        "front matter: title page",
    }
    assert reasons["Project Gutenberg header"].where == "harbour.txt:1"
    assert "FULL PROJECT GUTENBERG LICENSE" in reasons["Project Gutenberg licence"].text
    assert reasons["front matter: title page"].text == "TALES OF THE HARBOUR by Ann Example"
    # Nothing of the book is lost: every source word is spoken or skipped for a reason.
    assert all(not c.missing for c in measure(book, options.ledger).chapters)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("*** START OF THIS PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***",
         "*** END OF THIS PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***"),
        ("***START OF THE PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR***",
         "End of the Project Gutenberg EBook of Tales of the Harbour, by Ann Example"),
        ("*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*",
         "End of Project Gutenberg's Tales of the Harbour, by Ann Example"),
        ("*END*THE SMALL PRINT! FOR PUBLIC DOMAIN EBOOKS*Ver.02/11/02*END*",
         "End of Project Gutenberg Etext of Tales of the Harbour"),
    ],
)
def test_older_markers(start: str, end: str) -> None:
    book, options = read_text(gutenberg_text(novel_body(["CHAPTER I.", "CHAPTER II."]), end=end, start=start))
    assert titles(book) == ["CHAPTER I.", "CHAPTER II."]
    assert "Gutenberg" not in spoken(book) and "SMALL PRINT" not in spoken(book)
    licence = next(s for s in options.ledger.skipped if s.reason == "Project Gutenberg licence")
    assert licence.text.startswith(end[:20])


def test_title_and_language_from_the_header() -> None:
    data = gutenberg_text(novel_body(["Chapter 1", "Chapter 2"]), language="French")
    data = data.replace("Title: Tales of the Harbour", "Title: Tales of the Harbour\n       or The Grey Gulls")
    book, _ = read_text(data)
    assert (book.meta.title, book.meta.subtitle, book.meta.language) == ("Tales of the Harbour", "or The Grey Gulls", "fr")
    # --lang refines the header's language when it is the same language.
    book, _ = read_text(gutenberg_text(novel_body(["Chapter 1", "Chapter 2"])), lang="en-gb")
    assert book.meta.language == "en-gb"


@pytest.mark.parametrize(
    ("headings", "expected"),
    [
        (["CHAPTER 1. Loomings.", "CHAPTER 2. The Carpet-Bag."], ["CHAPTER 1. Loomings.", "CHAPTER 2. The Carpet-Bag."]),
        (["CHAPTER I.", "CHAPTER II."], ["CHAPTER I.", "CHAPTER II."]),
        (["Chapter 1", "Chapter 2"], ["Chapter 1", "Chapter 2"]),
        (["Letter 1", "Letter 2", "Chapter 1"], ["Letter 1", "Letter 2", "Chapter 1"]),
        (["STAVE I", "STAVE II"], ["STAVE I", "STAVE II"]),
        (["STAVE ONE: MARLEY'S GHOST", "STAVE TWO: THE FIRST SPIRIT"],
         ["STAVE ONE: MARLEY'S GHOST", "STAVE TWO: THE FIRST SPIRIT"]),
        (["BOOK ONE", "BOOK TWO"], ["BOOK ONE", "BOOK TWO"]),
        (["ADVENTURE I. A SCANDAL IN BOHEMIA", "ADVENTURE II. THE RED-HEADED LEAGUE"],
         ["ADVENTURE I. A SCANDAL IN BOHEMIA", "ADVENTURE II. THE RED-HEADED LEAGUE"]),
        (["I. A SCANDAL IN BOHEMIA", "II. THE RED-HEADED LEAGUE"], ["I. A SCANDAL IN BOHEMIA", "II. THE RED-HEADED LEAGUE"]),
        # A numeral alone is a chapter, named as one.
        (["I.", "II.", "III."], ["Chapter 1", "Chapter 2", "Chapter 3"]),
        (["1", "2"], ["Chapter 1", "Chapter 2"]),
    ],
)
def test_heading_forms(headings: list[str], expected: list[str]) -> None:
    book, options = read_text(gutenberg_text(novel_body(headings)))
    assert titles(book) == expected
    assert all(not c.missing for c in measure(book, options.ledger).chapters)


def test_heading_is_spoken_with_its_number_as_a_word() -> None:
    book, _ = read_text(gutenberg_text(novel_body(["STAVE I", "ADVENTURE II. THE RED-HEADED LEAGUE", "Letter 3"])))
    assert [c.blocks[0].segments[0].text for c in book.chapters] == [  # type: ignore[union-attr]
        "Stave one",
        "Adventure two. THE RED-HEADED LEAGUE",
        "Letter three",
    ]


def test_stories_in_parts_are_named_after_the_story() -> None:
    body = "\n\n\n".join(
        [
            "THE ADVENTURES OF SHERLOCK HOLMES\n\nby\n\nArthur Conan Doyle",
            f"ADVENTURE I. A SCANDAL IN BOHEMIA\n\n\nI.\n\n\n{PROSE}\n\n\nII.\n\n\n{PROSE}",
            f"ADVENTURE II. THE RED-HEADED LEAGUE\n\n\n{PROSE}",
        ]
    )
    book, _ = read_text(gutenberg_text(body, title="The Adventures of Sherlock Holmes", author="Arthur Conan Doyle"))
    assert titles(book) == [
        "ADVENTURE I. A SCANDAL IN BOHEMIA, part 1",
        "ADVENTURE I. A SCANDAL IN BOHEMIA, part 2",
        "ADVENTURE II. THE RED-HEADED LEAGUE",
    ]
    # The story's heading is read before its first part.
    first = [b.segments[0].text for b in book.chapters[0].blocks[:2]]  # type: ignore[union-attr]
    assert first == ["Adventure one. A SCANDAL IN BOHEMIA", "One."]


def test_book_heading_with_chapters_under_it() -> None:
    body = novel_body([]) + f"\n\nBOOK ONE\n\n\nCHAPTER I.\n\n{PROSE}\n\nCHAPTER II.\n\n{PROSE}\n\nBOOK TWO\n\nCHAPTER I.\n\n{PROSE}"
    book, _ = read_text(gutenberg_text(body))
    assert titles(book) == ["BOOK ONE, CHAPTER I.", "CHAPTER II.", "BOOK TWO, CHAPTER I."]


def test_a_lone_numeral_is_not_a_heading() -> None:
    body = novel_body(["CHAPTER I.", "CHAPTER II."]).replace(PROSE, f"{PROSE}\n\nI.\n\n{PROSE}", 1)
    book, _ = read_text(gutenberg_text(body))
    assert titles(book) == ["CHAPTER I.", "CHAPTER II."]


def test_table_of_contents_is_skipped() -> None:
    toc = "CONTENTS\n\nCHAPTER I. The Tide\n\nCHAPTER II. The Gulls\n\nCHAPTER III. The Wall"
    body = novel_body(["CHAPTER I. The Tide", "CHAPTER II. The Gulls", "CHAPTER III. The Wall"])
    body = body.replace("Ann Example", f"Ann Example\n\n\n{toc}", 1)
    book, options = read_text(gutenberg_text(body))
    assert titles(book) == ["CHAPTER I. The Tide", "CHAPTER II. The Gulls", "CHAPTER III. The Wall"]
    toc_skip = next(s for s in options.ledger.skipped if s.reason == "front matter: table of contents")
    assert toc_skip.text == " ".join(toc.split())
    assert spoken(book).count("The Gulls") == 1


def test_keep_front_matter_reads_the_title_page() -> None:
    data = gutenberg_text(novel_body(["Chapter 1", "Chapter 2"]))
    book, _ = read_text(data, choices=ReadChoices(skip_front_matter=False))
    assert titles(book) == ["Tales of the Harbour", "Chapter 1", "Chapter 2"]
    # The licence is never read, front matter or not.
    assert "Gutenberg" not in spoken(book)


def test_plain_text_without_markers_is_unchanged() -> None:
    book, options = read_text(f"A note before.\n\nChapter 1\n\n{PROSE}\n", source="notes.txt")
    assert titles(book) == ["notes", "Chapter 1"]
    assert options.ledger.skipped == []


# --- HTML -------------------------------------------------------------------------------------


def old_style_html(headings: list[str], heading_tag: str = "h2") -> str:
    """The layout of Gutenberg's HTML files before 2020: header and licence in <pre>, a contents table."""
    head = html_lib.escape(header())
    rows = "".join(f'<tr><td><a href="#c{n}">{html_lib.escape(h)}</a></td></tr>' for n, h in enumerate(headings))
    chapters = "".join(
        f'<p><a name="c{n}" id="c{n}"></a></p><{heading_tag}>\n{html_lib.escape(h)}\n</{heading_tag}>\n'
        f"<p>{PROSE}\nIt was morning number {n + 1}.</p><p>{PROSE}</p>\n"
        for n, h in enumerate(headings)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"\n'
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head>\n'
        "<title>The Project Gutenberg eBook of Tales of the Harbour, by Ann Example</title>\n"
        "<style>p { text-indent: 1em }</style></head>\n<body>\n"
        f"<pre>\n{head}Produced by A. Volunteer and the Online Distributed\nProofreading Team.\n</pre>\n"
        "<h1>TALES OF THE HARBOUR</h1>\n<h2>by</h2>\n<h2>Ann Example</h2>\n"
        f'<h2>Contents</h2>\n<table summary="">{rows}</table>\n{chapters}'
        "<pre>\nEnd of the Project Gutenberg EBook of Tales of the Harbour, by Ann Example\n\n"
        "*** END OF THIS PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***\n\n"
        f"{html_lib.escape(LICENCE)}</pre>\n</body></html>\n"
    )


def new_style_html(body: str) -> str:
    """The layout of Gutenberg's HTML files since 2020: Dublin Core in the head, boilerplate sections."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        "<title>The Project Gutenberg eBook of Tales of the Harbour, by Ann Example</title>\n"
        '<meta name="dc.title" content="Tales of the Harbour">\n<meta name="dc.creator" content="Ann Example">\n'
        '<meta name="dc.language" content="en">\n</head><body>\n'
        '<section class="pg-boilerplate pgheader" id="pg-header" lang="en">\n'
        '<h2 id="pg-header-heading">The Project Gutenberg eBook of <span lang="en">Tales of the Harbour</span></h2>\n'
        "<p>This ebook is for the use of anyone anywhere in the United States.</p>\n"
        "<p><strong>Title</strong>: Tales of the Harbour</p>\n<p><strong>Author</strong>: Ann Example</p>\n"
        "<p><strong>Language</strong>: English</p>\n"
        '<div id="pg-start-separator"><span>*** START OF THE PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***'
        "</span></div></section>\n"
        f"{body}\n"
        '<section class="pg-boilerplate pgfooter" id="pg-footer">\n'
        '<div id="pg-end-separator"><span>*** END OF THE PROJECT GUTENBERG EBOOK TALES OF THE HARBOUR ***</span></div>\n'
        "<h2>THE FULL PROJECT GUTENBERG LICENSE</h2><p>To protect the Project Gutenberg mission.</p>\n"
        "</section></body></html>\n"
    )


@pytest.mark.parametrize(
    "headings",
    [
        ["CHAPTER I. Down the Rabbit-Hole", "CHAPTER II. The Pool of Tears"],
        ["Letter 1", "Letter 2", "Chapter 1", "Chapter 2"],
        ["STAVE I", "STAVE II", "STAVE III"],
    ],
)
@pytest.mark.parametrize("heading_tag", ["h2", "h3"])
def test_html_and_text_give_the_same_chapters(headings: list[str], heading_tag: str) -> None:
    as_text, _ = read_text(gutenberg_text(novel_body(headings)))
    as_html, options = read_html(old_style_html(headings, heading_tag))
    assert titles(as_html) == titles(as_text) == headings
    assert [[s.text for b in c.blocks for s in b.segments if isinstance(s, Speech)] for c in as_html.chapters] == [
        [s.text for b in c.blocks for s in b.segments if isinstance(s, Speech)] for c in as_text.chapters
    ]
    assert (as_html.meta.title, as_html.meta.authors, as_html.meta.language) == (
        as_text.meta.title,
        as_text.meta.authors,
        as_text.meta.language,
    )
    reasons = [s.reason for s in options.ledger.skipped]
    assert sorted(reasons) == sorted(
        [
            "Project Gutenberg header",
            "Project Gutenberg licence",
            "front matter: title page",
            "front matter: table of contents",
        ]
    )
    assert "Gutenberg" not in spoken(as_html) and "Contents" not in spoken(as_html)
    assert all(not c.missing for c in measure(as_html, options.ledger).chapters)


def test_new_style_html_with_stories_in_parts() -> None:
    body = (
        '<h1>THE ADVENTURES OF SHERLOCK HOLMES</h1>\n<h2>by Arthur Conan Doyle</h2>\n'
        '<div class="chapter"><h2>ADVENTURE I. A SCANDAL IN BOHEMIA</h2>\n'
        f"<h3>I.</h3><p>{PROSE}</p><h3>II.</h3><p>{PROSE}</p></div>\n"
        f'<div class="chapter"><h2>ADVENTURE II. THE RED-HEADED LEAGUE</h2><p>{PROSE}</p>'
        f"<h4>A note in the margin</h4><p>{PROSE}</p></div>\n"
    )
    book, options = read_html(new_style_html(body).replace("Ann Example", "Arthur Conan Doyle"))
    assert titles(book) == [
        "ADVENTURE I. A SCANDAL IN BOHEMIA, part 1",
        "ADVENTURE I. A SCANDAL IN BOHEMIA, part 2",
        "ADVENTURE II. THE RED-HEADED LEAGUE",
    ]
    assert (book.meta.title, book.meta.authors, book.meta.language) == (
        "Tales of the Harbour",
        ("Arthur Conan Doyle",),
        "en-us",
    )
    words = spoken(book)
    assert "Gutenberg" not in words and "LICENSE" not in words and "A note in the margin" in words
    assert {s.reason for s in options.ledger.skipped} >= {"Project Gutenberg header", "Project Gutenberg licence"}


def test_html_chapters_at_a_deeper_level_keep_inner_titles_inside() -> None:
    body = "".join(
        f"<h2>{h}</h2><p>{PROSE}</p><h3>A Song</h3><p>{PROSE}</p>" for h in ("The Tide", "The Gulls")
    )
    book, _ = read_html(new_style_html(body))
    assert titles(book) == ["The Tide", "The Gulls"]


def test_htm_files_are_read_as_html(tmp_path: Path) -> None:
    page = tmp_path / "harbour.htm"
    page.write_text(old_style_html(["Chapter 1", "Chapter 2"]), encoding="utf-8")
    assert format_for(page) == "html"
    assert format_for(tmp_path / "page", b"<!DOCTYPE html>\n<html><body></body></html>") == "html"
    book = read_path(page, ReadOptions())
    assert titles(book) == ["Chapter 1", "Chapter 2"]


def test_a_title_on_the_line_after_the_number_is_part_of_the_heading() -> None:
    body = novel_body(["CHAPTER I.\nThe Period", "CHAPTER II.\nThe Mail"])
    as_text, _ = read_text(gutenberg_text(body))
    assert titles(as_text) == ["CHAPTER I. The Period", "CHAPTER II. The Mail"]
    page = old_style_html(["CHAPTER I.\nThe Period", "CHAPTER II.\nThe Mail"]).replace("\nThe ", "<br/>The ")
    as_html, _ = read_html(page)
    assert titles(as_html) == titles(as_text)
    # Prose right after a heading is not taken for its title.
    as_text, _ = read_text(gutenberg_text(novel_body(["CHAPTER I.", "CHAPTER II."]).replace("CHAPTER I.\n\n", "CHAPTER I.\n")))
    assert titles(as_text) == ["CHAPTER I.", "CHAPTER II."]
