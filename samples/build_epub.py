"""Build ``samples/tide-clock.epub``, a tiny EPUB 3 book, with nothing but the standard library.

Run ``python samples/build_epub.py``. ``build_epub`` is general enough for tests to build their
own EPUBs (EPUB 2 or 3, nested tables of contents, several chapters in one file, ``linear="no"``
items, landmarks and guide entries, extra manifest items such as PLS lexicons, extra metadata,
extra files such as ``META-INF/encryption.xml``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Doc", "Resource", "TocEntry", "png_bytes", "xhtml_page", "build_epub", "main"]

_STAMP = (2024, 1, 1, 0, 0, 0)
"""Fixed member timestamps, so the same input always gives the same bytes."""


@dataclass
class Doc:
    """One content document in the spine."""

    name: str
    """File name inside the OEBPS folder (``ch1.xhtml``)."""
    body: str
    """Markup inside ``<body>``; ignored when ``raw`` is set."""
    title: str = ""
    """The page's ``<title>``."""
    linear: bool = True
    """False writes ``linear="no"`` on the spine item."""
    lang: str | None = None
    """``xml:lang`` of the page; ``None`` uses the book's language."""
    raw: str | None = None
    """The whole document, written as is (for malformed-markup cases)."""
    in_spine: bool = True
    """False lists the document in the manifest only."""


@dataclass
class Resource:
    """A manifest item outside the spine: a lexicon, an image, a style sheet."""

    name: str
    """File name inside the OEBPS folder."""
    media_type: str
    """Its media type (``application/pls+xml``)."""
    data: bytes
    """Its bytes."""


@dataclass
class TocEntry:
    """One entry of the table of contents."""

    title: str
    """Label shown in the table of contents."""
    href: str
    """Target, relative to the OEBPS folder (``ch1.xhtml#part2``)."""
    children: list[TocEntry] = field(default_factory=list)
    """Nested entries."""


def png_bytes(width: int = 64, height: int = 64, rgb: tuple[int, int, int] = (32, 96, 160)) -> bytes:
    """A solid-colour RGB PNG image."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def xhtml_page(body: str, title: str = "", lang: str = "en") -> str:
    """A complete XHTML 1.1 / EPUB 3 content document around ``body``."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"'
        ' xmlns:ssml="http://www.w3.org/2001/10/synthesis"'
        f" xml:lang={quoteattr(lang)} lang={quoteattr(lang)}>\n"
        f"<head><title>{escape(title)}</title></head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _flatten(toc: list[TocEntry]) -> list[TocEntry]:
    out: list[TocEntry] = []
    for entry in toc:
        out.append(entry)
        out.extend(_flatten(entry.children))
    return out


def _nav_list(toc: list[TocEntry], indent: str) -> str:
    lines = [f"{indent}<ol>"]
    for entry in toc:
        link = f"<a href={quoteattr(entry.href)}>{escape(entry.title)}</a>"
        if entry.children:
            lines.append(f"{indent}  <li>{link}\n{_nav_list(entry.children, indent + '    ')}\n{indent}  </li>")
        else:
            lines.append(f"{indent}  <li>{link}</li>")
    lines.append(f"{indent}</ol>")
    return "\n".join(lines)


def _nav_points(toc: list[TocEntry], counter: list[int], indent: str) -> str:
    out = []
    for entry in toc:
        counter[0] += 1
        n = counter[0]
        inner = _nav_points(entry.children, counter, indent + "  ") if entry.children else ""
        out.append(
            f'{indent}<navPoint id="np{n}" playOrder="{n}">'
            f"<navLabel><text>{escape(entry.title)}</text></navLabel>"
            f"<content src={quoteattr(entry.href)}/>" + (f"\n{inner}\n{indent}" if inner else "") + "</navPoint>"
        )
    return "\n".join(out)


def build_epub(
    path: Path | str | None,
    docs: list[Doc],
    toc: list[TocEntry],
    *,
    title: str = "Untitled",
    authors: tuple[str, ...] = (),
    language: str = "en",
    identifier: str = "urn:uuid:00000000-0000-4000-8000-000000000000",
    publisher: str | None = None,
    date: str | None = None,
    description: str | None = None,
    cover_png: bytes | None = None,
    epub_version: int = 3,
    ncx: bool = True,
    extra_files: dict[str, bytes] | None = None,
    resources: list[Resource] | None = None,
    landmarks: list[tuple[str, str, str]] | None = None,
    extra_metadata: list[str] | None = None,
) -> bytes:
    """Write an EPUB (version 2 or 3) to ``path`` (if given) and return its bytes.

    EPUB 3 books get a nav document (and an NCX too unless ``ncx`` is false); EPUB 2 books get an
    NCX only. ``extra_files`` maps archive paths to bytes, added after the rest; ``resources``
    are added to the manifest too. ``landmarks`` are (type, href, title) triples, written as the
    nav's landmarks (EPUB 3) or the package's guide (EPUB 2); ``extra_metadata`` are lines of XML
    added to the package metadata.
    """
    v3 = epub_version >= 3
    manifest: list[str] = []
    spine: list[str] = []
    files: dict[str, bytes] = {}

    for n, doc in enumerate(docs, start=1):
        item_id = f"doc{n}"
        text = doc.raw if doc.raw is not None else xhtml_page(doc.body, doc.title, doc.lang or language)
        files[f"OEBPS/{doc.name}"] = text.encode("utf-8")
        manifest.append(f'<item id="{item_id}" href={quoteattr(doc.name)} media-type="application/xhtml+xml"/>')
        if doc.in_spine:
            spine.append(f'<itemref idref="{item_id}"' + ("" if doc.linear else ' linear="no"') + "/>")
    for n, res in enumerate(resources or [], start=1):
        files[f"OEBPS/{res.name}"] = res.data
        manifest.append(f'<item id="res{n}" href={quoteattr(res.name)} media-type={quoteattr(res.media_type)}/>')

    meta_extra: list[str] = []
    if cover_png is not None:
        files["OEBPS/cover.png"] = cover_png
        props = ' properties="cover-image"' if v3 else ""
        manifest.append(f'<item id="cover-image" href="cover.png" media-type="image/png"{props}/>')
        meta_extra.append('<meta name="cover" content="cover-image"/>')
        cover_page = xhtml_page('<div><img src="cover.png" alt="Cover"/></div>', "Cover", language)
        files["OEBPS/cover.xhtml"] = cover_page.encode("utf-8")
        manifest.append('<item id="cover" href="cover.xhtml" media-type="application/xhtml+xml"/>')
        spine.insert(0, '<itemref idref="cover"/>')

    if v3:
        marks = ""
        if landmarks:
            links = "".join(
                f"<li><a epub:type={quoteattr(kind)} href={quoteattr(href)}>{escape(label)}</a></li>"
                for kind, href, label in landmarks
            )
            marks = f'\n<nav epub:type="landmarks" hidden=""><ol>{links}</ol></nav>'
        nav = xhtml_page(
            f'<nav epub:type="toc" id="toc"><h1>Contents</h1>\n{_nav_list(toc, "  ")}\n</nav>{marks}',
            "Contents",
            language,
        )
        files["OEBPS/nav.xhtml"] = nav.encode("utf-8")
        manifest.append('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>')
    if ncx or not v3:
        points = _nav_points(toc, [0], "    ")
        ncx_text = (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">\n'
            f'  <head><meta name="dtb:uid" content={quoteattr(identifier)}/></head>\n'
            f"  <docTitle><text>{escape(title)}</text></docTitle>\n"
            f"  <navMap>\n{points}\n  </navMap>\n</ncx>\n"
        )
        files["OEBPS/toc.ncx"] = ncx_text.encode("utf-8")
        manifest.append('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>')

    dc = [f'<dc:identifier id="bookid">{escape(identifier)}</dc:identifier>', f"<dc:title>{escape(title)}</dc:title>"]
    for author in authors:
        dc.append(
            f'<dc:creator opf:role="aut">{escape(author)}</dc:creator>'
            if not v3
            else f"<dc:creator>{escape(author)}</dc:creator>"
        )
    dc.append(f"<dc:language>{escape(language)}</dc:language>")
    for tag, value in (("publisher", publisher), ("date", date), ("description", description)):
        if value is not None:
            dc.append(f"<dc:{tag}>{escape(value)}</dc:{tag}>")
    if v3:
        dc.append('<meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>')
    dc.extend(extra_metadata or [])
    spine_attr = ' toc="ncx"' if (ncx or not v3) else ""
    guide = ""
    if landmarks and not v3:
        refs = "".join(
            f"<reference type={quoteattr(kind)} href={quoteattr(href)} title={quoteattr(label)}/>"
            for kind, href, label in landmarks
        )
        guide = f"\n  <guide>{refs}</guide>"
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<package xmlns="http://www.idpf.org/2007/opf" version="{"3.0" if v3 else "2.0"}"'
        ' unique-identifier="bookid">\n'
        '  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">\n    '
        + "\n    ".join(dc + meta_extra)
        + "\n  </metadata>\n  <manifest>\n    "
        + "\n    ".join(manifest)
        + f"\n  </manifest>\n  <spine{spine_attr}>\n    "
        + "\n    ".join(spine)
        + "\n  </spine>"
        + guide
        + "\n</package>\n"
    )
    container = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n'
        '  <rootfiles><rootfile full-path="OEBPS/content.opf"'
        ' media-type="application/oebps-package+xml"/></rootfiles>\n'
        "</container>\n"
    )

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        # The mimetype member comes first and uncompressed, as the OCF spec requires.
        zf.writestr(zipfile.ZipInfo("mimetype", _STAMP), b"application/epub+zip", zipfile.ZIP_STORED)
        members = {"META-INF/container.xml": container.encode(), "OEBPS/content.opf": opf.encode("utf-8")}
        members.update(files)
        members.update(extra_files or {})
        for name, payload in members.items():
            zf.writestr(zipfile.ZipInfo(name, _STAMP), payload, zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


_CHAPTERS = [
    (
        "The Keeper's Hut",
        "At the end of the breakwater stood a hut with one window and one clock. The clock had no "
        "hours painted on its face, only the words high and low, and a single brass hand that "
        "leaned between them as the sea breathed in and out. Ysolde wound it every morning before "
        "the gulls woke, because her grandmother had, and because nobody else in the harbour "
        "remembered how.",
    ),
    (
        "A Hand That Stuck",
        "One grey Tuesday the brass hand stopped halfway, pointing at nothing. The fishing boats "
        "waited at their moorings, their skippers squinting at the hut. Ysolde opened the case and "
        "found a small crab wedged among the gears, holding on as if the clock belonged to it. She "
        "carried it down to the rocks, said sorry twice, and the hand swung slowly toward low.",
    ),
    (
        "What the Clock Knew",
        "That evening the tide went further out than anyone had seen, uncovering a line of old "
        "posts that marked a road to the next village. Children walked it with lanterns, laughing. "
        "Ysolde stayed by the window, watching the hand, and called them back before it turned. "
        "The sea returned quietly and covered the road again, and the clock kept its secret.",
    ),
]


_COPYRIGHT = (
    '<section epub:type="copyright-page">\n<p>Copyright \u00a9 2024 audiobook samples.</p>\n'
    "<p>This story is free to copy, read aloud and change.</p>\n</section>"
)
_FOOTNOTE = (
    '<aside epub:type="footnote" id="n1"><p>1. A shore crab, no bigger than a thumbnail, '
    "of the kind that hides under the weed at low water.</p></aside>"
)
_LEXICON = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en">
  <lexeme><grapheme>Ysolde</grapheme><phoneme>\u026a\u02c8z\u0254ld\u0259</phoneme></lexeme>
</lexicon>
"""
"""How the keeper's name is said; the package lists it, so it applies to the whole book."""


def main(out: Path | None = None) -> None:
    """Write ``tide-clock.epub`` beside this script (or to ``out``).

    Besides its three chapters the sample has what real books have: a cover page, a copyright
    page (skipped unless front matter is kept), a footnote in chapter two (skipped, or read at the
    chapter's end with ``--notes end``) and a PLS lexicon for the keeper's name.
    """
    docs = [Doc("copyright.xhtml", _COPYRIGHT, "Copyright")]
    for n, (title, text) in enumerate(_CHAPTERS, start=1):
        body = f"<h1>{escape(title)}</h1>\n<p>{escape(text)}</p>"
        if n == 2:
            body = body.replace("small crab", 'small crab<a epub:type="noteref" href="#n1">1</a>') + "\n" + _FOOTNOTE
        docs.append(Doc(f"chapter{n}.xhtml", body, title))
    toc = [TocEntry(title, f"chapter{n}.xhtml") for n, (title, _) in enumerate(_CHAPTERS, start=1)]
    out = out or Path(__file__).with_name("tide-clock.epub")
    build_epub(
        out,
        docs,
        toc,
        title="The Tide Clock",
        authors=("Wren Alder",),
        language="en",
        identifier="urn:uuid:5b0e7d3c-2f4a-4c1e-9a57-7d6f0c3e8b21",
        publisher="audiobook samples",
        date="2024-01-01",
        description="A harbour keeper, a clock that tells the tide, and a crab in the works.",
        cover_png=png_bytes(64, 64, (24, 78, 119)),
        resources=[Resource("pronunciation.pls", "application/pls+xml", _LEXICON.encode("utf-8"))],
        landmarks=[
            ("cover", "cover.xhtml", "Cover"),
            ("copyright-page", "copyright.xhtml", "Copyright"),
            ("bodymatter", "chapter1.xhtml", "Start"),
        ],
        extra_metadata=[
            '<meta property="belongs-to-collection" id="series">Harbour Tales</meta>',
            '<meta refines="#series" property="collection-type">series</meta>',
            '<meta refines="#series" property="group-position">1</meta>',
        ],
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
