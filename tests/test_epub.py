"""The EPUB reader and the XHTML reader behind it: chapters, titles, spoken text, metadata, errors.

Every book here is built by ``tests/epubkit.py`` (the sample's builder) for one structure real
books have; the tests assert on the chapter list, the spoken text, the pronunciation overrides,
what is skipped and why, and the errors.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from epubkit import (
    ENCRYPTION_XML,
    Doc,
    Resource,
    TocEntry,
    build_epub,
    fixture,
    matter_page,
    png_bytes,
    rezip,
)

from audiobook.config import ReadChoices, ReadOptions
from audiobook.coverage import measure
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError, StrictError
from audiobook.model import Block, Book, Break, Chapter, Phonemes, Speech
from audiobook.readers import epub, xhtml

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "tide-clock.epub"


def read(data: bytes, strict: bool = False, **choices: object) -> tuple[Book, Reporter]:
    book, run = read_with(data, strict, **choices)
    return book, run.reporter


@dataclass
class Run:
    """What a reading filled beside its options: the reports and the ledger."""

    reporter: Reporter
    ledger: Ledger


def read_with(data: bytes, strict: bool = False, **choices: object) -> tuple[Book, Run]:
    options = ReadOptions(source="book.epub", choices=ReadChoices(**choices))  # type: ignore[arg-type]
    run = Run(Reporter(strict=strict), Ledger())
    return epub.read(data, options, run.reporter, run.ledger), run


def skipped(ledger: Ledger) -> list[tuple[str, str, int | None]]:
    """(reason, text, chapter) of everything left out."""
    return [(s.reason, s.text, s.chapter) for s in ledger.skipped]


def overrides(book: Book) -> list[tuple[str, str]]:
    """(written text, IPA) of every pronunciation override, in reading order."""
    return [(s.text, s.ph) for ch in book.chapters for b in ch.blocks for s in b.segments if isinstance(s, Phonemes)]


def said(chapter: Chapter | Block) -> str:
    """What a listener hears, as text."""
    blocks = chapter.blocks if isinstance(chapter, Chapter) else (chapter,)
    out = ""
    for text in (s.text for b in blocks for s in b.segments if isinstance(s, (Speech, Phonemes))):
        # Joined as the sentence pass joins neighbouring segments.
        if out and text and not out[-1].isspace() and not text[0].isspace() and text[0] not in ",.;:!?)":
            out += " "
        out += text
    return " ".join(out.split())


def titles(book: Book) -> list[str]:
    return [c.title for c in book.chapters]


def chapter(name: str, heading: str, text: str, **kw: object) -> Doc:
    return Doc(name, f"<h1>{heading}</h1><p>{text}</p>", heading, **kw)  # type: ignore[arg-type]


def error_of(data: bytes) -> str:
    with pytest.raises(InputError) as info:
        read(data)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("book.epub")
    return message


# --- the sample book ---------------------------------------------------------------------------


def test_sample_chapters_metadata_and_cover() -> None:
    book, reporter = read(SAMPLE.read_bytes())
    assert titles(book) == ["The Keeper's Hut", "A Hand That Stuck", "What the Clock Knew"]
    assert book.meta.title == "The Tide Clock"
    assert book.meta.authors == ("Wren Alder",)
    assert book.meta.language == "en"
    assert book.meta.identifier == "urn:uuid:5b0e7d3c-2f4a-4c1e-9a57-7d6f0c3e8b21"
    assert book.meta.publisher == "audiobook samples"
    assert book.meta.date == "2024-01-01"
    assert book.meta.description and "crab" in book.meta.description
    assert book.meta.cover_mime == "image/png"
    with zipfile.ZipFile(SAMPLE) as zf:
        assert book.meta.cover == zf.read("OEBPS/cover.png")
    assert book.meta.cover is not None and book.meta.cover.startswith(b"\x89PNG\r\n\x1a\n")
    assert (book.meta.series, book.meta.series_index, book.meta.subtitle) == ("Harbour Tales", "1", None)
    for ch in book.chapters:
        assert ch.blocks[0].kind == "heading" and said(ch.blocks[0]) == ch.title
        assert 50 <= len(said(ch).split()) <= 90
    assert said(book.chapters[1]).startswith("A Hand That Stuck One grey Tuesday")
    # The footnote and its reference mark are not read; the copyright page is skipped.
    assert "small crab wedged" in said(book.chapters[1]) and "thumbnail" not in said(book.chapters[1])
    assert "Copyright" not in " ".join(said(c) for c in book.chapters)
    # The package's lexicon says how the keeper's name is pronounced, everywhere.
    assert overrides(book) == [("Ysolde", "ɪˈzɔldə")] * 3
    assert reporter.reports == []  # the cover page and the nav are skipped quietly


def test_sample_coverage_every_word_spoken_or_skipped_for_a_reason() -> None:
    for notes in ("skip", "end"):
        book, options = read_with(SAMPLE.read_bytes(), notes=notes)
        cov = measure(book, options.ledger)
        assert [c.missing for c in cov.chapters] == [(), (), ()]
        assert [c.source_words for c in cov.chapters] == [71, 87, 65]
        reasons = sorted({s.reason for s in cov.skipped})
        note = "note" if notes == "skip" else "note (read at the end of the chapter that refers to it)"
        assert reasons == sorted(["front matter: cover", "front matter: copyright page", "note reference", note])
    assert said(book.chapters[1]).endswith(
        "Notes 1. A shore crab, no bigger than a thumbnail, of the kind that hides under the weed at low water."
    )


def test_sample_matches_its_build_script(tmp_path: Path) -> None:
    import epubkit

    epubkit._builder.main(tmp_path / "tide-clock.epub")
    assert (tmp_path / "tide-clock.epub").read_bytes() == SAMPLE.read_bytes()


# --- table of contents -------------------------------------------------------------------------


def test_nested_nav_is_flattened_in_order() -> None:
    docs = [
        Doc("part1.xhtml", "<h1>Part One</h1>", "Part One"),
        chapter("ch1.xhtml", "Ebb", "The water left."),
        chapter("ch2.xhtml", "Flow", "The water returned."),
        Doc("part2.xhtml", "<h1>Part Two</h1><p>Later.</p>", "Part Two"),
    ]
    toc = [
        TocEntry("Part One", "part1.xhtml", [TocEntry("1. Ebb", "ch1.xhtml"), TocEntry("2. Flow", "ch2.xhtml")]),
        TocEntry("Part Two", "part2.xhtml"),
    ]
    for version in (3, 2):
        book, _ = read(build_epub(None, docs, toc, title="T", epub_version=version, ncx=version == 2))
        assert titles(book) == ["Part One", "1. Ebb", "2. Flow", "Part Two"]
        assert said(book.chapters[2]) == "Flow The water returned."


def test_two_chapters_in_one_file_split_at_fragments() -> None:
    docs = [
        chapter("intro.xhtml", "Opening", "Gulls circled."),
        Doc("both.xhtml", "", raw=fixture("two-chapters.xhtml")),
    ]
    toc = [
        TocEntry("Opening", "intro.xhtml"),
        TocEntry("First Light", "both.xhtml#first"),
        TocEntry("Last Light", "both.xhtml#second"),
    ]
    book, reporter = read(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["Opening", "First Light", "Last Light"]
    # Text before the first anchor continues the chapter before it.
    assert said(book.chapters[0]) == "Opening Gulls circled. An epigraph before the first chapter."
    assert said(book.chapters[1]) == "First Light The boats went out before dawn."
    assert said(book.chapters[2]) == "Last Light The boats came home after dusk."
    assert book.chapters[2].source == "book.epub!/OEBPS/both.xhtml#second"
    assert reporter.reports == []


def test_missing_anchor_is_reported() -> None:
    docs = [chapter("a.xhtml", "Alpha", "Text.")]
    toc = [TocEntry("Alpha", "a.xhtml"), TocEntry("Gone", "a.xhtml#nowhere")]
    book, reporter = read(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["Alpha"]
    assert [r.code for r in reporter.reports] == ["missing-anchor"]


def test_untitled_spine_files_continue_or_fall_back() -> None:
    docs = [
        Doc("a.xhtml", "<p>No heading here.</p>"),
        chapter("b.xhtml", "Harbour", "Boats."),
        Doc("b2.xhtml", "<p>More boats, same chapter.</p>"),
    ]
    # Only b.xhtml is in the table of contents; a.xhtml comes first and has no title anywhere.
    book, _ = read(build_epub(None, docs, [TocEntry("Harbour", "b.xhtml")], title="T"))
    assert titles(book) == ["Chapter 1", "Harbour"]
    assert said(book.chapters[1]) == "Harbour Boats. More boats, same chapter."

    no_toc = [chapter("x.xhtml", "Heading Title", "Words."), Doc("y.xhtml", "<p>Tail.</p>")]
    book, _ = read(build_epub(None, no_toc, [], title="T"))
    assert titles(book) == ["Heading Title"]
    assert said(book.chapters[0]) == "Heading Title Words. Tail."


def test_linear_no_and_empty_chapters() -> None:
    docs = [
        chapter("a.xhtml", "Alpha", "Read me."),
        chapter("notes.xhtml", "Notes", "Skip me.", linear=False),
        Doc("blank.xhtml", "<div></div>"),
    ]
    toc = [TocEntry("Alpha", "a.xhtml"), TocEntry("Notes", "notes.xhtml"), TocEntry("Blank", "blank.xhtml")]
    book, reporter = read(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["Alpha"]
    assert "Skip me" not in said(book.chapters[0])
    assert [(r.code, r.where) for r in reporter.reports] == [("empty-chapter", "book.epub!/OEBPS/blank.xhtml")]


def test_epub2_ncx_metadata_and_cover() -> None:
    cover = png_bytes(8, 4, (200, 10, 10))
    data = build_epub(
        None,
        [chapter("c1.xhtml", "One", "First."), chapter("c2.xhtml", "Two", "Second.")],
        [TocEntry("Chapter One", "c1.xhtml"), TocEntry("Chapter Two", "c2.xhtml")],
        title="Old Format",
        authors=("A. Writer", "B. Writer"),
        language="en-GB",
        identifier="isbn:0000000000",
        cover_png=cover,
        epub_version=2,
    )
    book, _ = read(data)
    assert titles(book) == ["Chapter One", "Chapter Two"]
    assert book.meta.authors == ("A. Writer", "B. Writer")
    assert book.meta.language == "en-gb"
    assert book.meta.identifier == "isbn:0000000000"
    assert (book.meta.cover, book.meta.cover_mime) == (cover, "image/png")


def test_epub3_creator_roles_keep_authors_only() -> None:
    data = build_epub(None, [chapter("c.xhtml", "C", "Text.")], [], title="T")
    opf = zipfile.ZipFile(io.BytesIO(data)).read("OEBPS/content.opf").decode()
    opf = opf.replace(
        "<dc:language>",
        '<dc:creator id="c1">Ann Author</dc:creator><meta refines="#c1" property="role">aut</meta>'
        '<dc:creator id="c2">Ivan Illustrator</dc:creator><meta refines="#c2" property="role">ill</meta>'
        "<dc:language>",
    )
    book, _ = read(rezip(data, {"OEBPS/content.opf": opf.encode()}))
    assert book.meta.authors == ("Ann Author",)


# --- content documents --------------------------------------------------------------------------


def test_ssml_ph_lang_noterefs_pagebreaks_and_images() -> None:
    data = build_epub(None, [Doc("in.xhtml", "", raw=fixture("inline.xhtml"))], [], title="T", language="en-US")
    book, reporter = read(data)
    (ch,) = book.chapters
    assert ch.title == "The Lighthouse"
    segments = [s for b in ch.blocks for s in b.segments]
    tomato, hello = [s for s in segments if isinstance(s, Phonemes)]
    assert (tomato.ph, tomato.text, tomato.override) == ("təˈmɑːtoʊz", "tomatoes", True)
    # ssml:alphabet is inherited from the paragraph; X-SAMPA is converted to IPA.
    assert (hello.ph, hello.text, hello.override) == ("həˈloʊ", "Hallo", True)
    (french,) = [s for s in segments if isinstance(s, Speech) and s.ctx.lang]
    assert (french.text, french.ctx.lang) == ("bonjour tout le monde", "fr-fr")
    text = said(ch)
    assert "gallery. She" in text and "gallery.1" not in text and " 1 " not in text
    assert "Night fell over the quiet harbour, and the lamp turned." in text
    assert "The tower stood alone." in text
    for absent in ("never read", "margin", "engraving", "Inline content", "7"):
        assert absent not in text
    # An alphabet that cannot be converted: the written word is read, and the loss is reported.
    assert "hullo again." in text
    assert [r.code for r in reporter.reports] == ["unsupported-alphabet"]
    # The footnote is lifted out of the text: skipped by default, read at the chapter's end on request.
    assert "A note about tomatoes" not in text
    book, _ = read(data, notes="end")
    assert [(b.kind, said(b)) for b in book.chapters[0].blocks[-2:]] == [
        ("heading", "Notes"),
        ("note", "A note about tomatoes."),
    ]


def test_block_kinds_tables_and_verse() -> None:
    doc = xhtml.read_xhtml(fixture("structure.xhtml").encode(), "s.xhtml", Reporter(), lang="en")
    assert doc is not None
    assert [(b.kind, said(b)) for b in doc.blocks[:-1]] == [
        ("heading", "Tide Table"),
        ("item", "Rope"),
        ("item", "Lantern oil"),
        ("cell", "Day High water"),
        ("cell", "Monday six"),
        ("quote", "The sea keeps no calendar."),
    ]
    # A table is read row by row, a short pause between the cells of a row.
    assert doc.blocks[4].segments[1] == Break(250, "clause")
    verse = doc.blocks[-1]
    assert verse.segments == (
        Speech("Grey water rising,", source="s.xhtml:15"),
        Break(250, "clause"),
        Speech("grey water gone,", source="s.xhtml:15"),
        Break(250, "clause"),
        Speech("the clock keeps counting", source="s.xhtml:15"),
    )


def test_split_at_returns_blocks_between_anchors() -> None:
    data = fixture("two-chapters.xhtml").encode()
    doc = xhtml.read_xhtml(data, "t.xhtml", Reporter(), anchors={"first", "second"})
    assert doc is not None
    parts = xhtml.split_at(doc, ["second", "first"])
    assert [said(b) for b in parts[None]] == ["An epigraph before the first chapter."]
    assert [said(b) for b in parts["first"]] == ["First Light", "The boats went out before dawn."]
    assert [said(b) for b in parts["second"]] == ["Last Light", "The boats came home after dusk."]


def test_malformed_chapter_is_recovered_and_reported() -> None:
    docs = [
        Doc("bad.xhtml", "", raw=fixture("malformed.xhtml")),
        chapter("good.xhtml", "Morning", "The storm passed."),
    ]
    toc = [TocEntry("Broken Shutters", "bad.xhtml"), TocEntry("Morning", "good.xhtml")]
    book, reporter = read(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["Broken Shutters", "Morning"]
    assert "The wind found every gap in the boards." in said(book.chapters[0])
    (report,) = reporter.reports
    assert report.code == "malformed-xhtml"
    assert report.where is not None and report.where.startswith("book.epub!/OEBPS/bad.xhtml:6:")
    with pytest.raises(StrictError, match="bad.xhtml:6"):
        read(build_epub(None, docs, toc, title="T"), strict=True)


# --- errors -------------------------------------------------------------------------------------


def test_not_a_zip_and_truncated_zip() -> None:
    assert "is not a valid EPUB (zip) file" in error_of(b"plain text, not an archive")
    whole = SAMPLE.read_bytes()
    assert "is not a valid EPUB (zip) file" in error_of(whole[: len(whole) // 2])


def test_missing_container_and_package() -> None:
    data = SAMPLE.read_bytes()
    assert "META-INF/container.xml is missing" in error_of(rezip(data, {"META-INF/container.xml": None}))
    assert "package document OEBPS/content.opf is missing" in error_of(rezip(data, {"OEBPS/content.opf": None}))


def test_malformed_package_names_line_and_column() -> None:
    broken = b'<?xml version="1.0"?>\n<package xmlns="http://www.idpf.org/2007/opf">\n  <metadata>\n</package>\n'
    message = error_of(rezip(SAMPLE.read_bytes(), {"OEBPS/content.opf": broken}))
    assert message.startswith("book.epub!/OEBPS/content.opf:4:")
    assert "malformed package document" in message


def test_drm_protected_book_is_refused() -> None:
    docs = [chapter("ch1.xhtml", "Locked", "Secret.")]
    data = build_epub(None, docs, [], title="T", extra_files={"META-INF/encryption.xml": ENCRYPTION_XML})
    assert error_of(data) == (
        "book.epub: is protected by DRM (encrypted content); remove the protection with a tool you are "
        "entitled to use, then retry"
    )


def test_obfuscated_fonts_are_not_drm() -> None:
    fonts = ENCRYPTION_XML.replace(
        b"http://www.w3.org/2001/04/xmlenc#aes128-cbc", b"http://www.idpf.org/2008/embedding"
    )
    fonts = fonts.replace(b"OEBPS/ch1.xhtml", b"OEBPS/fonts/serif.otf")
    docs = [chapter("ch1.xhtml", "Open", "Readable.")]
    book, _ = read(build_epub(None, docs, [], title="T", extra_files={"META-INF/encryption.xml": fonts}))
    assert said(book.chapters[0]) == "Open Readable."


# --- structures real books have ------------------------------------------------------------------


def test_nested_toc_with_parts_and_chapters_sharing_files() -> None:
    part = (
        '<section id="p1"><h1>Part I</h1><p>Before the sea.</p></section>'
        '<section id="c1"><h2>Chapter XIV</h2><p>The harbour froze.</p></section>'
        '<section id="c2"><h2>CHAPTER 15</h2><p>It thawed.</p></section>'
    )
    docs = [Doc("part1.xhtml", part, "Part I"), chapter("epilogue.xhtml", "Epilogue", "Calm.")]
    toc = [
        TocEntry(
            "Part I",
            "part1.xhtml#p1",
            [
                TocEntry("Chapter XIV", "part1.xhtml#c1", [TocEntry("Deeper", "part1.xhtml#nowhere")]),
                TocEntry("CHAPTER 15", "part1.xhtml#c2"),
            ],
        ),
        TocEntry("Epilogue", "epilogue.xhtml"),
    ]
    for version in (3, 2):
        book, reporter = read(build_epub(None, docs, toc, title="T", epub_version=version))
        # Titles as the table of contents writes them; headings as a narrator says them.
        assert titles(book) == ["Part I", "Chapter XIV", "CHAPTER 15", "Epilogue"]
        assert [said(c.blocks[0]) for c in book.chapters] == [
            "Part one",
            "Chapter fourteen",
            "Chapter fifteen",
            "Epilogue",
        ]
        assert said(book.chapters[1]) == "Chapter fourteen The harbour froze."
        assert [r.code for r in reporter.reports] == ["missing-anchor"]


def test_one_chapter_spread_over_several_files() -> None:
    docs = [
        chapter("ch1_split_000.xhtml", "The Long Chapter", "It began here."),
        Doc("ch1_split_001.xhtml", "<p>It went on here.</p>"),
        Doc("ch1_split_002.xhtml", "<p>It ended here.</p>"),
        chapter("ch2.xhtml", "Short", "Brief."),
    ]
    toc = [TocEntry("The Long Chapter", "ch1_split_000.xhtml"), TocEntry("Short", "ch2.xhtml")]
    book, options = read_with(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["The Long Chapter", "Short"]
    assert said(book.chapters[0]) == "The Long Chapter It began here. It went on here. It ended here."
    cov = measure(book, options.ledger)
    assert [(c.source_words, c.spoken_words, c.missing) for c in cov.chapters] == [(13, 13, ()), (2, 2, ())]


def test_without_a_table_of_contents_headings_start_chapters() -> None:
    docs = [
        chapter("a.xhtml", "CHAPTER I", "One."),
        Doc("a2.xhtml", "<p>Still one.</p>"),
        chapter("b.xhtml", "II", "Two."),
    ]
    book, _ = read(build_epub(None, docs, [], title="T"))
    # The heading as written is the title, a bare number named as a chapter; it is spoken as words.
    assert titles(book) == ["CHAPTER I", "Chapter 2"]
    assert [said(c) for c in book.chapters] == ["Chapter one One. Still one.", "Chapter two Two."]


def test_linear_no_page_of_endnotes_is_read_at_the_referring_chapter() -> None:
    notes = (
        "<h1>Notes</h1>"
        '<p id="n1"><a href="ch1.xhtml#r1">1.</a> The first endnote.</p>'
        '<p id="n2"><a href="ch2.xhtml#r2">2.</a> The second endnote.</p>'
    )
    docs = [
        chapter("ch1.xhtml", "One", 'A claim.<sup><a id="r1" href="notes.xhtml#n1">1</a></sup> More.'),
        chapter("ch2.xhtml", "Two", 'Another.<a id="r2" href="notes.xhtml#n2"><sup>2</sup></a> End.'),
        Doc("notes.xhtml", notes, "Notes", linear=False),
    ]
    toc = [TocEntry("One", "ch1.xhtml"), TocEntry("Two", "ch2.xhtml")]
    data = build_epub(None, docs, toc, title="T", epub_version=2)
    book, options = read_with(data)
    assert [said(c) for c in book.chapters] == ["One A claim. More.", "Two Another. End."]
    assert sorted(skipped(options.ledger), key=str) == sorted(
        [
            ("note reference", "1", 0),
            ("note reference", "2", 1),
            ('not in the reading order (linear="no")', "Notes", None),
            ("note", "1. The first endnote.", None),
            ("note", "2. The second endnote.", None),
        ],
        key=str,
    )
    book, options = read_with(data, notes="end")
    assert [said(c) for c in book.chapters] == [
        "One A claim. More. Notes 1. The first endnote.",
        "Two Another. End. Notes 2. The second endnote.",
    ]
    assert [b.kind for b in book.chapters[0].blocks] == ["heading", "paragraph", "heading", "note"]


def test_footnotes_both_modes_and_notes_section() -> None:
    ch1 = (
        '<p>The lamp<a epub:type="noteref" href="#fn1">*</a> burned and the bell<a epub:type="noteref"'
        ' href="notes.xhtml#en1">1</a> rang.</p>'
        '<aside epub:type="footnote" id="fn1"><p>* Whale oil, then paraffin.</p></aside>'
        "<p>Second paragraph.</p>"
    )
    notes = (
        '<section epub:type="endnotes"><h2>Endnotes</h2><ol>'
        '<li id="en1"><p>Cast in 1820. <a epub:type="backlink" href="ch1.xhtml">\u21a9</a></p></li>'
        '<li id="en2"><p>Never referred to.</p></li>'
        "</ol></section>"
    )
    docs = [Doc("ch1.xhtml", "<h1>Lamp</h1>" + ch1, "Lamp"), Doc("notes.xhtml", notes, "Endnotes")]
    toc = [TocEntry("Lamp", "ch1.xhtml"), TocEntry("Endnotes", "notes.xhtml")]
    data = build_epub(None, docs, toc, title="T")

    book, options = read_with(data)
    assert titles(book) == ["Lamp"]  # the notes page holds only notes
    assert said(book.chapters[0]) == "Lamp The lamp burned and the bell rang. Second paragraph."
    assert sorted(r for r, _, _ in skipped(options.ledger)) == sorted(
        ["note reference", "note reference", "note", "note backlink", "notes heading", "note", "note"]
    )

    book, options = read_with(data, notes="end")
    # Referenced notes in reference order; a note nobody refers to is read where it stands (a
    # page with no chapter of its own, here: so it is skipped, with its reason).
    assert said(book.chapters[0]) == (
        "Lamp The lamp burned and the bell rang. Second paragraph. Notes * Whale oil, then paraffin. Cast in 1820."
    )
    assert ("note", "Never referred to.", None) in skipped(options.ledger)
    assert all(c.missing == () for c in measure(book, options.ledger).chapters)


def test_reference_numbers_page_numbers_hidden_and_images() -> None:
    body = (
        "<h1>Odds</h1>"
        "<p>As Smith said<sup>12</sup>, the tide is 10<sup>3</sup> tonnes.</p>"
        '<p>Turn<span epub:type="pagebreak" id="p5">5</span> the page<span role="doc-pagebreak" title="6"/>.</p>'
        '<p hidden="">Not shown, not read.</p>'
        '<figure><img src="a.png" alt="A lighthouse at dusk"/><figcaption>Plate 1</figcaption></figure>'
        '<p><img src="b.png"/>Only text is read.</p>'
        "<p>Tea<ruby>茶<rt>ちゃ</rt></ruby>.</p>"
    )
    data = build_epub(None, [Doc("c.xhtml", body, "Odds")], [], title="T")
    book, options = read_with(data)
    assert [said(b) for b in book.chapters[0].blocks] == [
        "Odds",
        "As Smith said, the tide is 103 tonnes.",
        "Turn the page.",
        "Plate 1",
        "Only text is read.",
        "Tea茶.",
    ]
    assert skipped(options.ledger) == [
        ("reference number", "12", 0),
        ("page number", "5", 0),
        ("page number", "6", 0),
        ("hidden", "Not shown, not read.", 0),
        ("alt text", "A lighthouse at dusk", 0),
        ("image", "", 0),
        ("ruby annotation", "ちゃ", 0),
    ]
    assert measure(book, options.ledger).chapters[0].missing == ()
    book, _ = read(data, read_alt=True)
    assert [said(b) for b in book.chapters[0].blocks][3:5] == ["A lighthouse at dusk", "Plate 1"]


def _front_matter_book(version: int) -> bytes:
    docs = [
        Doc("title.xhtml", "<h1>The Tide Clock</h1><p>Wren Alder</p>", "Title"),
        Doc("rights.xhtml", "<p>\u00a9 2024 Wren Alder. All rights reserved.</p><p>ISBN 978-0-00-000000-0</p>", "T"),
        Doc("contents.xhtml", "<h1>Contents</h1><p>One ... 1</p>", "T"),
        chapter("one.xhtml", "One", "The story."),
        Doc("idx.xhtml", '<section epub:type="index"><h1>Index</h1><p>tide, 1</p></section>', "T"),
        Doc("credits.xhtml", "<h1>Credits</h1><p>Thanks to the keepers.</p>", "T"),
    ]
    toc = [TocEntry("Title Page", "title.xhtml"), TocEntry("One", "one.xhtml"), TocEntry("Credits", "credits.xhtml")]
    marks = [("toc", "contents.xhtml", "Contents")]
    return build_epub(None, docs, toc, title="T", cover_png=png_bytes(), epub_version=version, landmarks=marks)


@pytest.mark.parametrize("version", [3, 2])
def test_front_matter_skipped_unless_kept(version: int) -> None:
    data = _front_matter_book(version)
    book, options = read_with(data)
    assert titles(book) == ["Title Page", "One", "Credits"]
    assert [r for r, _, c in skipped(options.ledger) if c is None] == [
        "front matter: cover",
        "front matter: copyright page",
        "front matter: table of contents",
        "front matter: index",
    ]
    assert options.reporter.reports == []
    book, options = read_with(data, skip_front_matter=False)
    # Kept, each page is a chapter of its own, named for what it is when nothing names it.
    assert titles(book) == ["Title Page", "Copyright page", "Table of contents", "One", "Index", "Credits"]
    assert [said(c) for c in book.chapters[1:3]] == [
        "© 2024 Wren Alder. All rights reserved. ISBN 978-0-00-000000-0",
        "Contents One ... 1",
    ]
    assert said(book.chapters[4]) == "Index tide, 1"


# --- the publisher's pages and the chapter list a player shows ---------------------------------------


def _publisher_pages_book() -> bytes:
    """A book laid out as Standard Ebooks' are: title page, imprint, half-title page, the author's
    front matter, chapters numbered "I", "II" under the half title, endnotes, colophon, uncopyright."""
    docs = [
        matter_page("titlepage.xhtml", "titlepage", "<h1>The Tide Clock</h1><p>By Wren Alder.</p>", part="frontmatter"),
        matter_page(
            "imprint.xhtml",
            "imprint",
            '<h2>Imprint</h2><p>Produced by <a href="https://example.org/">volunteers</a>.</p>',
            part="frontmatter",
        ),
        matter_page("dedication.xhtml", "dedication", "<p>For the keepers of lights.</p>", part="frontmatter"),
        matter_page("epigraph.xhtml", "epigraph", "<blockquote><p>Time and tide.</p></blockquote>", part="frontmatter"),
        matter_page("preface.xhtml", "preface", "<h2>Preface</h2><p>I wrote this by the sea.</p>", part="frontmatter"),
        matter_page("halftitle.xhtml", "halftitlepage", "<h2>The Tide Clock</h2>", part="frontmatter"),
        matter_page(
            "chapter-1.xhtml",
            "chapter",
            '<h2>I</h2><p>The clock stopped.<a href="endnotes.xhtml#note-1" id="noteref-1" epub:type="noteref">1</a></p>',
        ),
        matter_page("chapter-2.xhtml", "chapter", "<h2>II</h2><p>It started again.</p>"),
        matter_page(
            "endnotes.xhtml",
            "endnotes",
            '<h2>Endnotes</h2><ol><li id="note-1"><p>At noon.</p></li></ol>',
            part="backmatter",
        ),
        matter_page(
            "colophon.xhtml",
            "colophon",
            '<h2>Colophon</h2><p>Typeset at <a href="https://example.org/">example.org</a>.</p>',
            part="backmatter",
        ),
        matter_page("uncopyright.xhtml", "se:uncopyright", "<h2>Uncopyright</h2><p>May you share freely.</p>",
                    part="backmatter"),
    ]
    toc = [
        TocEntry("Titlepage", "titlepage.xhtml"),
        TocEntry("Imprint", "imprint.xhtml"),
        TocEntry("Dedication", "dedication.xhtml"),
        TocEntry("Epigraph", "epigraph.xhtml"),
        TocEntry("Preface", "preface.xhtml"),
        TocEntry(
            "The Tide Clock", "halftitle.xhtml", [TocEntry("I", "chapter-1.xhtml"), TocEntry("II", "chapter-2.xhtml")]
        ),
        TocEntry("Endnotes", "endnotes.xhtml"),
        TocEntry("Colophon", "colophon.xhtml"),
        TocEntry("Uncopyright", "uncopyright.xhtml"),
    ]
    marks = [("bodymatter", "chapter-1.xhtml", "The Tide Clock"), ("backmatter endnotes", "endnotes.xhtml", "Endnotes")]
    return build_epub(None, docs, toc, title="The Tide Clock", landmarks=marks)


def test_publisher_pages_are_skipped_and_the_authors_front_matter_read() -> None:
    book, options = read_with(_publisher_pages_book())
    assert titles(book) == ["Dedication", "Epigraph", "Preface", "Chapter 1", "Chapter 2"]
    assert [said(c) for c in book.chapters] == [
        "For the keepers of lights.",
        "Time and tide.",
        "Preface I wrote this by the sea.",
        "Chapter one The clock stopped.",
        "Chapter two It started again.",
    ]
    assert [(r, t) for r, t, c in skipped(options.ledger) if r.startswith("front matter")] == [
        ("front matter: title page", "The Tide Clock By Wren Alder."),
        ("front matter: imprint", "Imprint Produced by volunteers."),
        ("front matter: half-title page", "The Tide Clock"),
        ("front matter: colophon", "Colophon Typeset at example.org."),
        ("front matter: copyright page", "Uncopyright May you share freely."),
    ]
    assert measure(book, options.ledger).missing == 0
    assert options.reporter.reports == []


def test_publisher_pages_kept_on_request_and_endnotes_stay_notes() -> None:
    book, options = read_with(_publisher_pages_book(), skip_front_matter=False, notes="end")
    assert titles(book) == [
        "Titlepage",
        "Imprint",
        "Dedication",
        "Epigraph",
        "Preface",
        "The Tide Clock",
        "Chapter 1",
        "Chapter 2",
        "Colophon",
        "Uncopyright",
    ]
    # The endnote is read where it is referred to, never as a chapter of its own.
    assert said(book.chapters[6]) == "Chapter one The clock stopped. Notes At noon."
    assert measure(book, options.ledger).missing == 0


def _stories_in_parts(version: int) -> bytes:
    """A collection whose stories are in numbered parts, as in Standard Ebooks' short stories."""
    def story(ident: str, name: str, parts: list[str]) -> Doc:
        sections = "".join(
            f'<section id="{ident}-{n}" epub:type="z3998:subchapter"><h3>{numeral}</h3><p>{text}</p></section>'
            for n, (numeral, text) in enumerate(zip(["I", "II", "III"], parts), start=1)
        )
        body = f'<article id="{ident}" epub:type="se:short-story"><h2>{name}</h2>{sections}</article>'
        return Doc(f"{ident}.xhtml", body, name)

    docs = [
        story("scandal", "A Scandal in Bohemia", ["She is always the woman.", "The photograph.", "The note."]),
        Doc("league.xhtml", "<h2>The Red-Headed League</h2><p>A red head.</p>", "League"),
    ]
    toc = [
        TocEntry(
            "A Scandal in Bohemia",
            "scandal.xhtml",
            [TocEntry(numeral, f"scandal.xhtml#scandal-{n}") for n, numeral in enumerate(["I", "II", "III"], start=1)],
        ),
        TocEntry("The Red-Headed League", "league.xhtml"),
    ]
    return build_epub(None, docs, toc, title="Adventures", epub_version=version)


@pytest.mark.parametrize("version", [3, 2])
def test_numbered_parts_are_named_with_their_story(version: int) -> None:
    book, options = read_with(_stories_in_parts(version))
    assert titles(book) == [
        "A Scandal in Bohemia, part 1",
        "A Scandal in Bohemia, part 2",
        "A Scandal in Bohemia, part 3",
        "The Red-Headed League",
    ]
    # The story's title page is heard at the start of its first part; each part says its number once.
    assert [said(c) for c in book.chapters[:2]] == [
        "A Scandal in Bohemia Part one She is always the woman.",
        "Part two The photograph.",
    ]
    assert measure(book, options.ledger).missing == 0


def test_bare_numbers_become_chapters_and_numerals_that_look_like_letters_too() -> None:
    numerals = ["XLIX", "L", "LI", "C"]
    docs = [chapter(f"c{n}.xhtml", numeral, f"Text {n}.") for n, numeral in enumerate(numerals)]
    docs.append(Doc("c9.xhtml", "<p>No heading here.</p>"))
    toc = [TocEntry(numeral, f"c{n}.xhtml") for n, numeral in enumerate(numerals)] + [TocEntry("12.", "c9.xhtml")]
    book, _ = read(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["Chapter 49", "Chapter 50", "Chapter 51", "Chapter 100", "Chapter 12"]
    # "L" was said as a letter; a chapter with no heading of its own says its number.
    assert [said(c.blocks[0]) for c in book.chapters] == [
        "Chapter forty-nine",
        "Chapter fifty",
        "Chapter fifty-one",
        "Chapter one hundred",
        "Chapter twelve",
    ]
    assert said(book.chapters[4]) == "Chapter twelve No heading here."


def test_letters_stay_letters_and_numbered_chapters_in_volumes() -> None:
    docs = [chapter(f"{letter}.xhtml", letter, f"Words under {letter}.") for letter in "ABCI"]
    toc = [TocEntry(letter, f"{letter}.xhtml") for letter in "ABCI"]
    book, _ = read(build_epub(None, docs, toc, title="Glossary"))
    assert titles(book) == ["A", "B", "C", "I"]
    assert said(book.chapters[3].blocks[0]) == "One"  # the book's own heading, unchanged

    volume = '<section id="v1" epub:type="part"><h2>Volume I</h2></section>'
    docs = [
        Doc("v1.xhtml", volume, "Volume I"),
        Doc("v1c1.xhtml", '<section epub:type="chapter"><h3>I</h3><p>First.</p></section>', "I"),
        Doc("v1c2.xhtml", '<section epub:type="chapter"><h3>II</h3><p>Second.</p></section>', "II"),
    ]
    toc = [TocEntry("Volume I", "v1.xhtml", [TocEntry("I", "v1c1.xhtml"), TocEntry("II", "v1c2.xhtml")])]
    book, _ = read(build_epub(None, docs, toc, title="T"))
    assert titles(book) == ["Volume I, chapter 1", "Volume I, chapter 2"]
    assert [said(c) for c in book.chapters] == ["Volume one Chapter one First.", "Chapter two Second."]


def _poems(sections: int = 6, poems: int = 12, lines: int = 8) -> bytes:
    """A book of short poems, numbered within its sections, the table of contents listing every one."""
    docs, toc = [], []
    for s in range(1, sections + 1):
        body = f'<section id="s{s}" epub:type="part"><h2>Book {s}</h2>'
        entries = []
        for p in range(1, poems + 1):
            verse = "<br/>".join(f"line {k} of poem {p} in book {s} goes on" for k in range(lines))
            body += f'<article id="s{s}p{p}" epub:type="z3998:poem"><h3>{p}</h3><p>{verse}</p></article>'
            entries.append(TocEntry(str(p), f"book{s}.xhtml#s{s}p{p}"))
        docs.append(Doc(f"book{s}.xhtml", body + "</section>", f"Book {s}"))
        toc.append(TocEntry(f"Book {s}", f"book{s}.xhtml#s{s}", entries))
    return build_epub(None, docs, toc, title="Poems")


def test_many_short_poems_are_read_in_chapters_of_their_sections() -> None:
    data = _poems()
    book, options = read_with(data)
    # 72 poems of about 70 words: the sections, of about 14 minutes each, are the chapters.
    assert titles(book) == [f"Book {s}" for s in range(1, 7)]
    assert said(book.chapters[0]).startswith("Book one One line 0 of poem 1 in book 1 goes on")
    assert measure(book, options.ledger).missing == 0
    # The user may ask for every poem, named with its section (whose title opens its first poem).
    book, _ = read_with(data, chapter_level=2)
    assert len(book.chapters) == 72 and titles(book)[:3] == ["Book 1, part 1", "Book 1, part 2", "Book 1, part 3"]
    assert said(book.chapters[1]).startswith("Part two line 0 of poem 2")
    book, _ = read_with(data, chapter_level=1, skip_front_matter=False)
    assert len(book.chapters) == 6
    # Long poems are chapters of their own.
    book, _ = read_with(_poems(sections=3, poems=12, lines=80))
    assert len(book.chapters) == 36


def test_words_with_note_references_glued_to_them_are_not_missing() -> None:
    def ref(mark: str) -> str:
        return f'<a epub:type="noteref" href="#n1">{mark}</a>'

    text = (
        f"<h2>Chapter XIV{ref('1')}</h2><p>As in Deut. 33:25{ref('3')}, and ACT I{ref('2')}, the NOTE{ref('X')}"
        f" of Holmes’s{ref('4')} friend, in 1850{ref('5')}.</p><aside epub:type=\"footnote\" id=\"n1\"><p>A note.</p></aside>"
    )
    for notes in ("skip", "end"):
        book, options = read_with(build_epub(None, [Doc("a.xhtml", text, "A")], [], title="T"), notes=notes)
        assert said(book.chapters[0]).startswith("Chapter fourteen As in Deut. 33:25, and ACT I, the NOTE of Holmes’s")
        assert [c.missing for c in measure(book, options.ledger).chapters] == [()]
        # Each reference is accounted for as skipped, with its reason.
        assert [t for r, t, _ in skipped(options.ledger) if r == "note reference"] == ["1", "3", "2", "X", "4", "5"]


def test_an_ending_after_a_word_in_another_language_stays_on_it() -> None:
    from audiobook.config import UnitOptions
    from audiobook.convert import run_passes
    from audiobook.plan import Pause, Unit

    text = (
        '<p>It was the <i xml:lang="la">anno</i>’s last day; the <i xml:lang="fr">café</i>s were shut, '
        'and <i xml:lang="de">Bach</i>’s organ and the <i xml:lang="fr">Marseillaise</i>’s tune '
        "and <em>Gwen</em>’s boat.</p>"
    )
    for language, hiss in (("en-US", "ᵻz"), ("en-GB", "ɪz")):
        book, _ = read(build_epub(None, [Doc("a.xhtml", text, "A")], [], title="T", language=language))
        reporter = Reporter()
        (plan,) = run_passes(book, lang=language.lower(), unit_options=UnitOptions(), reporter=reporter)
        items = [(i.text, i.lang, i.phonemes) for i in plan.items if isinstance(i, Unit)]
        # The foreign word is read in its language, its ending said onto it as the book's language says it.
        assert [(t, lang) for t, lang, _ in items] == [
            ("It was the", language.lower()),
            ("anno's", "la"),
            ("last day; the", language.lower()),
            ("cafés", "fr"),
            ("were shut, and", language.lower()),
            ("Bach's", "de"),
            ("organ and the", language.lower()),
            ("Marseillaise's", "fr"),
            ("tune and Gwen's boat.", language.lower()),
        ]
        endings = {t: ph for t, _, ph in items}
        assert endings["anno's"].endswith("ɔz") and endings["cafés"].endswith("ez") and endings["Bach's"].endswith("xs")
        assert endings["Marseillaise's"].endswith("z" + hiss) and "ɛs" not in " ".join(endings.values())
        # No pause, no sentence break between a word and its ending.
        assert not any(isinstance(i, Pause) for i in plan.items)
        assert reporter.reports == []


# --- pronunciation lexicons -----------------------------------------------------------------------

PLS = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en">
  <lexeme><grapheme>Ysolde</grapheme><phoneme>ɪˈzɔldə</phoneme></lexeme>
  <lexeme><grapheme>tomato</grapheme><phoneme alphabet="x-sampa">t@"mA:t@U</phoneme></lexeme>
  <lexeme><grapheme>Port Isaac</grapheme><phoneme>pɔːt ˈaɪzək</phoneme></lexeme>
  <lexeme><grapheme>RNLI</grapheme><alias>Royal National Lifeboat Institution</alias></lexeme>
</lexicon>
"""


def test_pls_lexicon_applies_to_the_whole_book() -> None:
    docs = [
        chapter(
            "a.xhtml",
            "Ysolde",
            'Ysolde sailed from Port   Isaac with a Tomato. <span ssml:ph="jəˈsɔld">Ysolde</span> said so.',
        ),
        chapter("b.xhtml", "Rescue", "The RNLI came for ysolde, not for Ysoldes."),
    ]
    lexicon = Resource("lexicon.pls", "application/pls+xml", PLS.encode("utf-8"))
    book, options = read_with(build_epub(None, docs, [], title="T", resources=[lexicon]))
    # Exact case first, then any case; the markup's own ssml:ph wins; whole words only.
    assert [(text, ph.replace(" ", "")) for text, ph in overrides(book)] == [
        ("Ysolde", "ɪˈzɔldə"),
        ("Ysolde", "ɪˈzɔldə"),
        ("Port Isaac", "pɔːtˈaɪzək"),
        ("Tomato", "təˈmɑːtəʊ"),
        ("Ysolde", "jəˈsɔld"),
        ("ysolde", "ɪˈzɔldə"),
    ]
    assert said(book.chapters[1]) == "Rescue The Royal National Lifeboat Institution came for ysolde, not for Ysoldes."
    assert options.reporter.reports == []
    assert all(c.missing == () for c in measure(book, options.ledger).chapters)


def test_pronunciations_typed_with_ascii_look_alikes_lose_no_phoneme() -> None:
    from audiobook.passes.g2p import VOCAB, phonemize_book

    typed = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en">
  <lexeme><grapheme>Gwen</grapheme><phoneme>'gwen</phoneme></lexeme>
  <lexeme><grapheme>Ysolde</grapheme><phoneme>ɪ'zɔl.də</phoneme></lexeme>
</lexicon>
"""
    text = (
        "<p>Gwen drove to <span ssml:ph=\"'gɪld,fɔ:d\">Guildford</span> with Ysolde, "
        "past <span ssml:ph=\"ˈbɜːkli\">Berkeley</span>.</p>"
    )
    lexicon = Resource("names.pls", "application/pls+xml", typed.encode("utf-8"))
    book, options = read_with(build_epub(None, [Doc("a.xhtml", text, "A")], [], title="T", resources=[lexicon]))
    assert overrides(book) == [
        ("Gwen", "ˈɡwen"),
        ("Guildford", "ˈɡɪldˌfɔːd"),
        ("Ysolde", "ɪˈzɔldə"),
        ("Berkeley", "ˈbɜːkli"),
    ]
    # Every symbol reaches the model: nothing is dropped, nothing is read as punctuation.
    reporter = Reporter()
    phonemized = phonemize_book(book, reporter)
    assert [r.code for r in reporter.reports] == []
    kept = [s.ph for b in phonemized.chapters[0].blocks for s in b.segments if isinstance(s, Phonemes) and s.override]
    assert kept == [ph for _, ph in overrides(book)]
    assert all(set(ph) <= VOCAB and not set(ph) & set(",.:;'") for ph in kept)


def test_broken_lexicon_is_reported_and_the_book_still_read() -> None:
    lexicon = Resource("bad.pls", "application/pls+xml", b"<lexicon><lexeme>")
    book, reporter = read(build_epub(None, [chapter("a.xhtml", "A", "Words.")], [], title="T", resources=[lexicon]))
    assert said(book.chapters[0]) == "A Words."
    assert [r.code for r in reporter.reports] == ["lexicon-malformed"]
    assert reporter.reports[0].where is not None and reporter.reports[0].where.startswith("book.epub!/OEBPS/bad.pls")


# --- metadata ------------------------------------------------------------------------------------


def test_subtitle_and_series_from_epub3_and_calibre() -> None:
    doc = [chapter("a.xhtml", "A", "Text.")]
    epub3 = [
        '<dc:title id="sub">Being a Keeper\'s Account</dc:title>',
        '<meta refines="#sub" property="title-type">subtitle</meta>',
        '<meta property="belongs-to-collection" id="c1">Harbour Tales</meta>',
        '<meta refines="#c1" property="collection-type">series</meta>',
        '<meta refines="#c1" property="group-position">2</meta>',
    ]
    book, _ = read(build_epub(None, doc, [], title="The Tide Clock", extra_metadata=epub3))
    m = book.meta
    assert (m.title, m.subtitle, m.series, m.series_index) == (
        "The Tide Clock",
        "Being a Keeper's Account",
        "Harbour Tales",
        "2",
    )
    calibre = [
        '<meta name="calibre:series" content="Harbour Tales"/>',
        '<meta name="calibre:series_index" content="3.5"/>',
    ]
    book, _ = read(build_epub(None, doc, [], title="T", epub_version=2, extra_metadata=calibre))
    assert (book.meta.series, book.meta.series_index) == ("Harbour Tales", "3.5")


# --- damaged and protected books ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "scheme"),
    [
        ("META-INF/rights.xml", "Adobe ADEPT"),
        ("META-INF/license.lcpl", "Readium LCP"),
        ("META-INF/sinf.xml", "Apple FairPlay"),
    ],
)
def test_drm_scheme_is_named(member: str, scheme: str) -> None:
    docs = [chapter("ch1.xhtml", "Locked", "Secret.")]
    data = build_epub(
        None, docs, [], title="T", extra_files={member: b"<rights/>", "META-INF/encryption.xml": ENCRYPTION_XML}
    )
    assert error_of(data).startswith(f"book.epub: is protected by DRM ({scheme});")


def test_damaged_member_is_reported_and_the_rest_read() -> None:
    docs = [chapter("a.xhtml", "Alpha", "Fine. " * 40), chapter("b.xhtml", "Beta", "Also fine.")]
    data = bytearray(build_epub(None, docs, [TocEntry("Alpha", "a.xhtml"), TocEntry("Beta", "b.xhtml")], title="T"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("OEBPS/a.xhtml")
    # Corrupt the compressed bytes of one chapter: its CRC no longer matches.
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 8
    data[start : start + 8] = b"\x00" * 8
    book, reporter = read(bytes(data))
    assert titles(book) == ["Beta"]
    (report,) = reporter.reports
    assert report.code == "unreadable-file" and report.where == "book.epub!/OEBPS/a.xhtml"


def test_malformed_chapter_does_not_lose_the_rest_of_the_book() -> None:
    docs = [
        chapter("a.xhtml", "Alpha", "Before."),
        Doc("bad.xhtml", "", raw="<html><body><p>Half a document"),
        Doc("worse.xhtml", "", raw="\x00\x01 not XML at all"),
        chapter("c.xhtml", "Gamma", "After."),
    ]
    book, reporter = read(build_epub(None, docs, [], title="T"))
    assert [said(c) for c in book.chapters] == ["Alpha Before. Half a document", "Gamma After."]
    # The NUL and the control character are removed (and said so) before the parser gives up.
    assert [r.code for r in reporter.reports] == ["malformed-xhtml", "bad-character", "malformed-xhtml"]


# --- coverage on every fixture book ----------------------------------------------------------------


def _fixture_books() -> list[tuple[str, bytes]]:
    two = [
        chapter("intro.xhtml", "Opening", "Gulls circled."),
        Doc("both.xhtml", "", raw=fixture("two-chapters.xhtml")),
    ]
    return [
        ("sample", SAMPLE.read_bytes()),
        ("inline", build_epub(None, [Doc("in.xhtml", "", raw=fixture("inline.xhtml"))], [], title="T")),
        ("structure", build_epub(None, [Doc("s.xhtml", "", raw=fixture("structure.xhtml"))], [], title="T")),
        (
            "two-chapters",
            build_epub(
                None, two, [TocEntry("First", "both.xhtml#first"), TocEntry("Last", "both.xhtml#second")], title="T"
            ),
        ),
        ("front-matter", _front_matter_book(3)),
    ]


@pytest.mark.parametrize("name", [n for n, _ in _fixture_books()])
@pytest.mark.parametrize("choices", [{}, {"notes": "end", "read_alt": True, "skip_front_matter": False}])
def test_fixture_books_lose_no_word(name: str, choices: dict[str, object]) -> None:
    data = dict(_fixture_books())[name]
    book, options = read_with(data, **choices)
    cov = measure(book, options.ledger)
    assert cov.missing == 0, [(c.title, c.missing) for c in cov.chapters]


# --- heard, with the real model ---------------------------------------------------------------------


@pytest.mark.slow
def test_selected_chapter_is_heard_with_its_note_at_the_end(tmp_path: Path, whisper) -> None:  # type: ignore[no-untyped-def]
    from audiobook.convert import ConvertOptions, convert

    docs = [
        Doc("rights.xhtml", "<p>Copyright 2024. All rights reserved.</p>", "Copyright"),
        Doc(
            "one.xhtml",
            '<h1>The Lamp</h1><p>The keeper lit the lamp.<a epub:type="noteref" href="#n1">7</a> Then she went to sleep.</p>'
            '<aside epub:type="footnote" id="n1"><p>The lamp came from an old ship.</p></aside>',
            "The Lamp",
        ),
        chapter("two.xhtml", "Morning", "The gulls woke her."),
    ]
    src = tmp_path / "lamp.epub"
    build_epub(src, docs, [TocEntry("The Lamp", "one.xhtml"), TocEntry("Morning", "two.xhtml")], title="T")
    options = ConvertOptions(
        voice="jf_alpha", cache_dir=tmp_path / "clips", reading=ReadChoices(notes="end", chapters="1")
    )
    result = convert(src, tmp_path / "lamp.wav", options)
    assert [title for title, _ in result.chapters] == ["The Lamp"]
    heard = " ".join(whisper(tmp_path / "lamp.wav").lower().replace(",", " ").replace(".", " ").split())
    assert "old ship" in heard and "sleep" in heard
    assert heard.index("sleep") < heard.index("old ship")  # the note comes at the chapter's end
    for unheard in ("copyright", "seven", "gulls"):
        assert unheard not in heard
