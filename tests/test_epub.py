"""The EPUB reader and the XHTML reader behind it: chapters, titles, spoken text, metadata, errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from epubkit import ENCRYPTION_XML, Doc, TocEntry, build_epub, fixture, png_bytes, rezip

from audiobook.config import ReadOptions
from audiobook.diagnostics import Reporter
from audiobook.errors import InputError, StrictError
from audiobook.model import Block, Book, Break, Chapter, Phonemes, Speech
from audiobook.readers import epub, xhtml

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "tide-clock.epub"


def read(data: bytes, strict: bool = False) -> tuple[Book, Reporter]:
    options = ReadOptions(source="book.epub", reporter=Reporter(strict=strict))
    return epub.read(data, options), options.reporter


def said(chapter: Chapter | Block) -> str:
    """What a listener hears, as text."""
    blocks = chapter.blocks if isinstance(chapter, Chapter) else (chapter,)
    return " ".join(s.text for b in blocks for s in b.segments if isinstance(s, (Speech, Phonemes)))


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
    for ch in book.chapters:
        assert ch.blocks[0].kind == "heading" and said(ch.blocks[0]) == ch.title
        assert 50 <= len(said(ch).split()) <= 90
    assert said(book.chapters[1]).startswith("A Hand That Stuck One grey Tuesday")
    assert reporter.reports == []  # the cover page and the nav are skipped quietly


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
    assert ch.blocks[-1].kind == "note" and said(ch.blocks[-1]) == "A note about tomatoes."


def test_block_kinds_tables_and_verse() -> None:
    doc = xhtml.read_xhtml(fixture("structure.xhtml").encode(), "s.xhtml", Reporter(), lang="en")
    assert doc is not None
    assert [(b.kind, said(b)) for b in doc.blocks[:-1]] == [
        ("heading", "Tide Table"),
        ("item", "Rope"),
        ("item", "Lantern oil"),
        ("cell", "Day"),
        ("cell", "High water"),
        ("cell", "Monday"),
        ("cell", "six"),
        ("quote", "The sea keeps no calendar."),
    ]
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
