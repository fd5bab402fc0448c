"""EPUB 2 and 3 → ``Book``.

The archive and its package document are read directly (zip + lxml, no network, no entity
expansion). Chapters follow the spine; their titles come from the EPUB 3 nav or the EPUB 2 NCX,
else the first heading, else ``Chapter N``. Several table-of-contents entries pointing into one
file split that file; a spine file with no entry continues the chapter before it. Each content
document is handed to the XHTML reader.

Titles a player can show: a title that is only a number becomes "Chapter 12", a numbered part is
named with the entry that holds it, and a book of very many short entries is read in chapters of
the table-of-contents level that makes them a few minutes long (or the level asked for).

The publisher's pages (cover, title and half-title pages, imprint, copyright, table of contents,
colophon, index) are skipped (found by landmarks, the EPUB 2 guide, ``epub:type`` and their
titles) unless front matter is kept; ``linear="no"`` pages are not
read. Footnotes and endnotes, wherever they stand, are skipped or read at the end of the chapter
that first refers to them. The PLS lexicons the package lists apply to the whole book. What is
left out is noted in the ledger with its reason.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import statistics
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urldefrag

import lxml.html
from lxml import etree

from audiobook.config import Limits, ReadOptions
from audiobook.diagnostics import Ledger, Reporter, Skipped
from audiobook.errors import InputError
from audiobook.model import Block, Book, Chapter, Metadata, Phonemes, Segment, Speech
from audiobook.normalize.roman import roman_value
from audiobook.readers.headings import spoken_heading
from audiobook.readers.xhtml import (
    FRONT_MATTER_TYPES,
    XHTML_NS,
    Note,
    NoteLinks,
    XhtmlDocument,
    block_text,
    body_text,
    element_types,
    find_noterefs,
    note_element,
    page_types,
    parse_xhtml,
    plain_text,
    read_tree,
)
from ssml import Diagnostic, SSMLError, safe_parser
from ssml.ipa import fold_ipa
from ssml.lexicon import Lexicon, parse_lexicon, split_text
from ssml.parse import declared_entities, entity_declaration

__all__ = ["read"]

log = logging.getLogger(__name__)

_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_NCX = "http://www.daisy.org/z3986/2005/ncx/"
_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_ENC = "http://www.w3.org/2001/04/xmlenc#"
_XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})
_FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})
_PLS = "application/pls+xml"
_DRM_FILES = {
    "META-INF/rights.xml": "Adobe ADEPT",
    "META-INF/license.lcpl": "Readium LCP",
    "META-INF/sinf.xml": "Apple FairPlay",
}
"""Files that only DRM schemes put in an EPUB, and the scheme each names."""
_HEADINGS = frozenset(f"h{n}" for n in range(1, 7))
_FRONT_TITLES = {
    "cover": "cover",
    "copyright": "copyright page",
    "copyright page": "copyright page",
    "contents": "table of contents",
    "table of contents": "table of contents",
    "index": "index",
    "list of illustrations": "list of illustrations",
    "list of figures": "list of illustrations",
    "list of tables": "list of tables",
}
"""Page titles (lowercase, punctuation removed) that name front or back matter."""
_COPYRIGHT_WORDS = 400
"""A page this short with a copyright notice (and no other title) is a copyright page."""
_NOTES_HEADING = "Notes"
"""Said before the notes read at the end of a chapter."""
_BARE_TITLE = re.compile(r"^(\d{1,4}|[IVXLCDM]{1,8}|[ivxlcdm]{1,8})\.?$")
"""A title that is a number and nothing more."""
_LISTENABLE_WORDS = 450
"""Median chapter length, in words, that a listener can use: about three minutes at 150 words a minute."""
_MANY_CHAPTERS = 30
"""Below this many chapters, short ones are kept as the table of contents has them."""


@dataclass(frozen=True)
class TocItem:
    """One table-of-contents entry, flattened."""

    title: str
    """The entry's label."""
    path: str
    """Archive path of the target document."""
    fragment: str | None
    """Fragment id inside it, if any."""
    key: tuple[int, ...] = ()
    """Positions in the flattened table of its enclosing entries, then its own (its depth is the length)."""
    said: str | None = None
    """How a heading that is only this entry's number is said ("Chapter 1"), when the title is made from it."""

    @property
    def depth(self) -> int:
        """1 for a top-level entry, 2 for an entry nested in one, and so on."""
        return max(len(self.key), 1)


@dataclass(frozen=True)
class _Item:
    """One manifest item."""

    id: str
    path: str
    media_type: str
    properties: frozenset[str]


@dataclass(frozen=True)
class _Page:
    """One spine document, parsed."""

    item: _Item
    linear: bool
    where: str
    root: etree._Element


@dataclass(frozen=True)
class _Placed:
    """A note and the archive path of the page it stands in."""

    path: str
    note: Note


@dataclass
class _Draft:
    """A chapter being assembled from spine documents."""

    title: str | None
    blocks: list[Block] = field(default_factory=list)
    where: str = ""
    heading: str | None = None
    """The first heading as written, the title when the table of contents gives none."""
    source: list[str] = field(default_factory=list)
    """Body text of each section read into it."""
    skipped: list[Skipped] = field(default_factory=list)
    """What its sections left out."""
    refs: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, id) of the notes it refers to, in order."""
    notes: list[_Placed] = field(default_factory=list)
    """Notes that stand inside it."""
    key: tuple[int, ...] = ()
    """The table-of-contents key of the entry that starts it (``()``: none does)."""
    said: str | None = None
    """The entry's ``said``: a heading that is only the chapter's number is said so."""
    written: dict[int, str] = field(default_factory=dict)
    """Block index → a heading as written, where it is spoken differently."""

    def take(self, other: _Draft) -> None:
        """Append ``other``'s content: it continues this chapter."""
        self.written.update({n + len(self.blocks): text for n, text in other.written.items()})
        self.blocks.extend(other.blocks)
        self.heading = self.heading or other.heading
        self.source.extend(other.source)
        self.skipped.extend(other.skipped)
        self.refs.extend(other.refs)
        self.notes.extend(other.notes)


class _TooLarge(InputError):
    """A member, or the members read together, past a limit: the archive is a bomb, not a book."""


class _Archive:
    """The zip, with member look-ups that name the EPUB in every error.

    What is read is capped (``Limits``): members in the archive, decompressed bytes of one member
    and of all members read. The sizes the archive declares are checked first, and reading stops at
    the cap whatever they say, since a crafted archive can declare a small size and inflate to gigabytes.
    """

    def __init__(self, data: bytes, source: str, limits: Limits | None = None):
        self.source = source
        self.limits = limits or Limits()
        self.total = 0
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            raise InputError("is not a valid EPUB (zip) file; it may be truncated or another format", source) from None
        infos = self.zip.infolist()
        if len(infos) > self.limits.epub_members:
            raise _TooLarge(
                f"holds {len(infos)} files, over the limit of {self.limits.epub_members} "
                "(--limit epub-members=...); refused as a zip bomb, not a book",
                source,
            )
        self.names = {i.filename: i for i in infos if not i.is_dir()}
        self.folded = {name.lower(): name for name in self.names}

    def find(self, path: str) -> str | None:
        """The member name for ``path`` (case-insensitively as a fallback), or ``None``."""
        if path in self.names:
            return path
        return self.folded.get(path.lower())

    def read(self, path: str) -> bytes:
        name = self.find(path)
        if name is None:
            raise KeyError(path)
        info = self.names[name]
        member, total = self.limits.epub_member, self.limits.epub_total
        if info.file_size > member:
            raise self._too_large(name, f"is {info.file_size} bytes decompressed", member, "epub-member")
        if self.total + info.file_size > total:
            raise self._too_large(name, "brings what is read past the limit of the whole book", total, "epub-total")
        cap = min(member, total - self.total)
        try:
            with self.zip.open(info) as stream:
                data = stream.read(cap + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise InputError(
                f"is not a valid EPUB (zip) file; member {name} cannot be read ({exc})", self.source
            ) from None
        if len(data) > cap:
            # The declared size lied: the member inflates past it.
            which = ("epub-member", member) if cap == member else ("epub-total", total)
            raise self._too_large(name, "inflates past the size it declares", which[1], which[0])
        self.total += len(data)
        return data

    def _too_large(self, name: str, what: str, limit: int, option: str) -> _TooLarge:
        return _TooLarge(
            f"member {name} {what}, over the {limit}-byte limit (--limit {option}=...); refused as a zip bomb",
            self.source,
        )

    def xml(self, path: str, what: str) -> etree._Element:
        """Parse an XML member strictly; a syntax error names the member, line and column."""
        data = self.read(path)
        where = f"{self.source}!/{path}"
        declared = entity_declaration(data)
        if declared is not None:
            raise InputError(f"{what} declares entities (<!ENTITY>), which are refused; re-export the book", where, *declared)
        try:
            root = etree.fromstring(data, safe_parser(remove_comments=True, huge_tree=False))
        except etree.XMLSyntaxError as exc:
            line, column = exc.position if exc.position else (exc.lineno, None)
            raise InputError(
                f"malformed {what} ({exc.msg}); fix the XML or re-export the book",
                where,
                line,
                column,
            ) from None
        if declared_entities(root):
            raise InputError(f"{what} declares entities (<!ENTITY>), which are refused; re-export the book", where)
        return root


def _localname(el: etree._Element) -> str:
    """An element's local name; a recovered page may keep a prefix it could not resolve (``amazon:effect``),
    which ``etree.QName`` refuses."""
    return el.tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(el.tag, str) else ""


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(str(t) for t in el.itertext()).split()) if el is not None else ""


def _resolve(base: str, href: str) -> tuple[str, str | None]:
    """Archive path and fragment of ``href`` written in the member at ``base``."""
    url, frag = urldefrag(href.strip())
    path = posixpath.normpath(posixpath.join(posixpath.dirname(base), unquote(url))) if url else base
    return path.lstrip("/"), (unquote(frag) or None)


def _container(archive: _Archive) -> str:
    if archive.find("META-INF/container.xml") is None:
        raise InputError("is not a valid EPUB: META-INF/container.xml is missing; re-export the book", archive.source)
    root = archive.xml("META-INF/container.xml", "META-INF/container.xml")
    for rootfile in root.iter(f"{{{_CONTAINER}}}rootfile", "rootfile"):
        full = rootfile.get("full-path")
        if full and rootfile.get("media-type", "application/oebps-package+xml") == "application/oebps-package+xml":
            if archive.find(full) is None:
                raise InputError(
                    f"is not a valid EPUB: its package document {full} is missing; re-export the book",
                    archive.source,
                )
            return full
    raise InputError(
        "is not a valid EPUB: META-INF/container.xml names no package document (OPF); re-export the book",
        archive.source,
    )


def _check_encryption(archive: _Archive, manifest: dict[str, _Item]) -> None:
    """Refuse books whose content documents are encrypted (DRM); obfuscated fonts are fine."""
    scheme = next((name for path, name in _DRM_FILES.items() if archive.find(path) is not None), None)
    encrypted = False
    if archive.find("META-INF/encryption.xml") is not None:
        root = archive.xml("META-INF/encryption.xml", "META-INF/encryption.xml")
        content = {item.path for item in manifest.values() if item.media_type in _XHTML_TYPES}
        for data in root.iter(f"{{{_ENC}}}EncryptedData"):
            method = data.find(f"{{{_ENC}}}EncryptionMethod")
            if method is not None and method.get("Algorithm") in _FONT_OBFUSCATION:
                continue
            ref = data.find(f".//{{{_ENC}}}CipherReference")
            uri = unquote(ref.get("URI", "")) if ref is not None else ""
            path = posixpath.normpath(uri).lstrip("/")
            if path in content or path.lower().endswith((".xhtml", ".html", ".htm", ".opf")):
                encrypted = True
                break
    if encrypted or scheme is not None:
        raise InputError(
            f"is protected by DRM ({scheme or 'encrypted content'}); remove the protection with a tool you are "
            "entitled to use, then retry",
            archive.source,
        )


def _metadata(opf: etree._Element, options: ReadOptions) -> Metadata:
    meta = opf.find(f"{{{_OPF}}}metadata")
    if meta is None:
        meta = opf.find("metadata")
    if meta is None:
        return Metadata(language=(options.lang or "en-us").lower())

    def dc(name: str) -> list[etree._Element]:
        return meta.findall(f".//{{{_DC}}}{name}")

    def first(name: str) -> str | None:
        for el in dc(name):
            value = _text(el)
            if value:
                return value
        return None

    # EPUB 3 refines elements by id (roles, title types, series positions); EPUB 2 uses opf:role.
    refined: dict[str, dict[str, str]] = {}
    calibre: dict[str, str] = {}
    for el in meta.iter(f"{{{_OPF}}}meta", "meta"):
        if el.get("refines", "").startswith("#") and el.get("property"):
            refined.setdefault(el.get("refines", "")[1:], {})[el.get("property", "")] = _text(el)
        elif el.get("name", "").startswith("calibre:"):
            calibre[el.get("name", "")] = el.get("content", "").strip()
    roles = {ident: props["role"] for ident, props in refined.items() if "role" in props}
    creators = []
    for el in dc("creator"):
        role = el.get(f"{{{_OPF}}}role") or roles.get(el.get("id", ""), "")
        if _text(el):
            creators.append((_text(el), role))
    authors = tuple(name for name, role in creators if role in ("", "aut")) or tuple(n for n, _ in creators)

    identifier = None
    unique = opf.get("unique-identifier")
    for el in dc("identifier"):
        if unique and el.get("id") == unique and _text(el):
            identifier = _text(el)
    identifier = identifier or first("identifier")

    description = first("description")
    if description and "<" in description:
        # Descriptions are often HTML escaped into the OPF; read its text only.
        try:
            description = " ".join(
                lxml.html.fragment_fromstring(description, create_parent="div").text_content().split()
            )
        except (etree.XMLSyntaxError, etree.ParserError):
            pass

    titles = [(_text(el), refined.get(el.get("id", ""), {}).get("title-type", "")) for el in dc("title") if _text(el)]
    title = next((t for t, kind in titles if kind == "main"), titles[0][0] if titles else "")
    subtitle = next((t for t, kind in titles if kind == "subtitle"), None)

    series, series_index = calibre.get("calibre:series") or None, calibre.get("calibre:series_index") or None
    for el in meta.iter(f"{{{_OPF}}}meta", "meta"):
        if el.get("property") == "belongs-to-collection" and _text(el):
            props = refined.get(el.get("id", ""), {})
            if props.get("collection-type", "series") == "series":
                series, series_index = _text(el), props.get("group-position") or series_index
                break

    language = first("language") or options.lang or "en-us"
    return Metadata(
        title=title,
        subtitle=subtitle,
        series=series,
        series_index=series_index,
        authors=authors,
        language=language.replace("_", "-").lower(),
        identifier=identifier,
        description=description or None,
        publisher=first("publisher"),
        date=first("date"),
    )


def _manifest(opf: etree._Element, opf_path: str) -> dict[str, _Item]:
    items: dict[str, _Item] = {}
    for el in opf.iter(f"{{{_OPF}}}item", "item"):
        ident, href = el.get("id"), el.get("href")
        if ident and href:
            path, _ = _resolve(opf_path, href)
            items[ident] = _Item(ident, path, el.get("media-type", ""), frozenset(el.get("properties", "").split()))
    return items


def _cover(opf: etree._Element, manifest: dict[str, _Item], archive: _Archive) -> tuple[bytes | None, str | None]:
    item = next((i for i in manifest.values() if "cover-image" in i.properties), None)
    if item is None:
        for meta in opf.iter(f"{{{_OPF}}}meta", "meta"):
            if meta.get("name") == "cover" and meta.get("content") in manifest:
                item = manifest[meta.get("content", "")]
                break
    if item is None or not item.media_type.startswith("image/"):
        return None, None
    try:
        return archive.read(item.path), item.media_type
    except KeyError:
        return None, None


def _enclosing(el: etree._Element, top: etree._Element, name: str) -> list[etree._Element]:
    """The elements named ``name`` around ``el`` and inside ``top``, innermost first."""
    out = []
    for outer in el.iterancestors():
        if outer is top:
            break
        if isinstance(outer.tag, str) and _localname(outer) == name:
            out.append(outer)
    return out


def _nav_toc(archive: _Archive, nav: _Item) -> list[TocItem]:
    root = archive.xml(nav.path, f"navigation document {nav.path}")
    navs = [el for el in root.iter() if isinstance(el.tag, str) and _localname(el) == "nav"]
    toc_nav = next(
        (n for n in navs if "toc" in (n.get("{http://www.idpf.org/2007/ops}type") or "").split()),
        navs[0] if navs else None,
    )
    if toc_nav is None:
        return []
    out: list[TocItem] = []
    entry_of: dict[etree._Element, int] = {}  # list item → the entry it is labelled by
    # Nested lists are flattened in document order: a part, then its chapters.
    for a in toc_nav.iter():
        if isinstance(a.tag, str) and _localname(a) == "a" and a.get("href"):
            path, frag = _resolve(nav.path, a.get("href", ""))
            items = _enclosing(a, toc_nav, "li")
            if items and items[0] not in entry_of:
                entry_of[items[0]] = len(out)
            parents = tuple(entry_of[li] for li in reversed(items[1:]) if li in entry_of)
            out.append(TocItem(_text(a), path, frag, (*parents, len(out))))
    return out


def _ncx_toc(archive: _Archive, ncx: _Item) -> list[TocItem]:
    root = archive.xml(ncx.path, f"NCX table of contents {ncx.path}")
    out: list[TocItem] = []
    entry_of: dict[etree._Element, int] = {}
    for point in root.iter(f"{{{_NCX}}}navPoint", "navPoint"):
        label = point.find(f"{{{_NCX}}}navLabel/{{{_NCX}}}text")
        content = point.find(f"{{{_NCX}}}content")
        if content is not None and content.get("src"):
            path, frag = _resolve(ncx.path, content.get("src", ""))
            outer = _enclosing(point, root, "navPoint")
            parents = tuple(entry_of[p] for p in reversed(outer) if p in entry_of)
            entry_of[point] = len(out)
            out.append(TocItem(_text(label), path, frag, (*parents, len(out))))
    return out


def _table_of_contents(archive: _Archive, opf: etree._Element, manifest: dict[str, _Item]) -> list[TocItem]:
    """The flattened table of contents: the EPUB 3 nav if there is one, else the NCX."""
    nav = next((i for i in manifest.values() if "nav" in i.properties), None)
    if nav is not None and archive.find(nav.path) is not None:
        toc = _nav_toc(archive, nav)
        if toc:
            return toc
    spine = opf.find(f"{{{_OPF}}}spine")
    ncx_id = spine.get("toc") if spine is not None else None
    ncx = manifest.get(ncx_id or "") or next(
        (i for i in manifest.values() if i.media_type == "application/x-dtbncx+xml"), None
    )
    if ncx is not None and archive.find(ncx.path) is not None:
        return _ncx_toc(archive, ncx)
    return []


def _landmarks(archive: _Archive, opf: etree._Element, manifest: dict[str, _Item], opf_path: str) -> dict[str, str]:
    """Archive path → the landmark type the book gives it (EPUB 3 landmarks nav, EPUB 2 guide)."""
    out: dict[str, str] = {}
    for ref in opf.iter(f"{{{_OPF}}}reference", "reference"):
        if ref.get("href") and ref.get("type"):
            path, _ = _resolve(opf_path, ref.get("href", ""))
            out.setdefault(path, ref.get("type", "").strip().lower())
    nav = next((i for i in manifest.values() if "nav" in i.properties), None)
    if nav is None or archive.find(nav.path) is None:
        return out
    root = archive.xml(nav.path, f"navigation document {nav.path}")
    for el in root.iter():
        if isinstance(el.tag, str) and _localname(el) == "nav" and "landmarks" in element_types(el):
            for a in el.iter(f"{{{XHTML_NS}}}a", "a"):
                kinds = element_types(a)
                if a.get("href") and kinds:
                    path, _ = _resolve(nav.path, a.get("href", ""))
                    # The landmarks nav is newer than the guide: it wins. A landmark may carry
                    # several words ("frontmatter titlepage"): the one naming front matter counts.
                    out[path] = min(kinds & set(FRONT_MATTER_TYPES) or kinds)
    return out


def _lexicons(archive: _Archive, manifest: dict[str, _Item], reporter: Reporter) -> list[Lexicon]:
    """The PLS lexicons the package lists; a broken one is reported and left out."""
    out = []
    for item in manifest.values():
        if item.media_type != _PLS or archive.find(item.path) is None:
            continue
        where = f"{archive.source}!/{item.path}"

        def warn(d: Diagnostic) -> None:
            reporter.report(d.code, d.message, d.where)

        try:
            out.append(parse_lexicon(archive.read(item.path), source=where, strict=reporter.strict, warn=warn))
        except SSMLError as exc:
            place = Diagnostic("", "", exc.source, exc.line, exc.column).where
            reporter.report("lexicon-malformed", f"{exc.message}; the lexicon is not applied", place)
    return out


def _apply_lexicons(book: Book, lexicons: list[Lexicon], ledger: Ledger) -> tuple[Book, int]:
    """Words the lexicons cover, spoken as their phonemes (overrides) or aliases; and how many."""
    count = 0

    def segments(seg: Segment, chapter: int) -> list[Segment]:
        nonlocal count
        if not isinstance(seg, Speech):
            return [seg]
        out: list[Segment] = []
        for piece in split_text(seg.text, lexicons):
            if isinstance(piece, str):
                if piece:
                    out.append(replace(seg, text=piece))
                continue
            written, pron = piece
            count += 1
            if pron.ph:
                out.append(Phonemes(fold_ipa(pron.ph), written, seg.ctx, seg.source, override=True))
            else:
                out.append(replace(seg, text=pron.alias or written))
                ledger.skip(f"read as its lexicon alias {pron.alias!r}", written, seg.source, chapter)
        return out

    chapters = tuple(
        replace(
            ch,
            blocks=tuple(replace(b, segments=tuple(x for s in b.segments for x in segments(s, n))) for b in ch.blocks),
        )
        for n, ch in enumerate(book.chapters)
    )
    return replace(book, chapters=chapters), count


def _first_heading(root: etree._Element) -> str:
    for el in root.iter():
        if isinstance(el.tag, str) and _localname(el) in _HEADINGS:
            return _text(el)
    return ""


def _element(root: etree._Element, name: str) -> etree._Element | None:
    """The first element named ``name`` (any namespace) in document order."""
    return next((el for el in root.iter() if isinstance(el.tag, str) and _localname(el) == name), None)


def _blocks_text(blocks: tuple[Block, ...] | list[Block]) -> str:
    return " ".join(block_text(b) for b in blocks)


def _front_matter(page: _Page, landmark: str | None, toc_titles: list[str]) -> str | None:
    """What kind of front or back matter a whole page is (``copyright page``), or ``None``.

    The book's landmarks (or EPUB 2 guide) say it, or the page's ``epub:type``, or its title in
    the table of contents, its first heading or its ``<title>``; a short page with a copyright
    notice is a copyright page. The navigation document is a table of contents.
    """
    if "nav" in page.item.properties:
        return FRONT_MATTER_TYPES["toc"]
    body = _element(page.root, "body")
    titles = [*toc_titles, _first_heading(page.root), _text(_element(page.root, "title"))]
    for kind in ([landmark] if landmark else []) + sorted(page_types(page.root, body)):
        if kind in FRONT_MATTER_TYPES:
            return FRONT_MATTER_TYPES[kind]
    for title in titles:
        key = " ".join(re.sub(r"[^\w\s]", " ", title.lower()).split())
        if key in _FRONT_TITLES:
            return _FRONT_TITLES[key]
    text = plain_text(body if body is not None else page.root)
    lower = text.lower()
    # A copyright page often has no heading, only the notice; a short page carrying one is it.
    if len(text.split()) <= _COPYRIGHT_WORDS and (
        "all rights reserved" in lower or ("isbn" in lower and ("\u00a9" in text or "copyright" in lower))
    ):
        return "copyright page"
    return None


def _parse_pages(archive: _Archive, opf: etree._Element, manifest: dict[str, _Item], reporter: Reporter) -> list[_Page]:
    spine = opf.find(f"{{{_OPF}}}spine")
    refs = list(spine.iter(f"{{{_OPF}}}itemref", "itemref")) if spine is not None else []
    if not refs:
        raise InputError("has no spine (reading order) in its package document; re-export the book", archive.source)
    pages = []
    for ref in refs:
        item = manifest.get(ref.get("idref", ""))
        if item is None:
            reporter.report("missing-item", f"spine item {ref.get('idref')!r} is not in the manifest", archive.source)
            continue
        where = f"{archive.source}!/{item.path}"
        if item.media_type not in _XHTML_TYPES:
            reporter.report("unsupported-item", f"spine item of type {item.media_type} is not read", where)
            continue
        try:
            raw = archive.read(item.path)
        except KeyError:
            reporter.report("missing-file", "spine file is missing from the archive; skipped", where)
            continue
        except _TooLarge:
            raise
        except InputError as exc:
            # One damaged member: the rest of the book is still worth reading.
            reporter.report("unreadable-file", f"{exc.message}; skipped", where)
            continue
        root = parse_xhtml(raw, where, reporter)
        if root is not None:
            pages.append(_Page(item, ref.get("linear", "yes").strip().lower() != "no", where, root))
    return pages


def _note_links(pages: list[_Page]) -> dict[str, NoteLinks]:
    """Per page, its note references and the notes (anywhere in the book) they point to."""
    by_path = {page.item.path: page for page in pages}
    ids: dict[str, dict[str, etree._Element]] = {}
    refs: dict[str, list[etree._Element]] = {}
    notes: dict[str, dict[etree._Element, str]] = {path: {} for path in by_path}
    for page in pages:
        refs[page.item.path] = find_noterefs(page.root)
        for ref in refs[page.item.path]:
            path, frag = _resolve(page.item.path, ref.get("href") or "")
            target_page = by_path.get(path)
            if frag is None or target_page is None:
                continue
            if path not in ids:
                ids[path] = {
                    el.get("id", ""): el for el in target_page.root.iter() if isinstance(el.tag, str) and el.get("id")
                }
            target = ids[path].get(frag)
            if target is not None:
                notes[path].setdefault(note_element(target), frag)
    return {path: NoteLinks(frozenset(refs.get(path, ())), notes[path]) for path in by_path}


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read an EPUB 2 or 3 book."""
    reporter = reporter if reporter is not None else Reporter()
    ledger = ledger if ledger is not None else Ledger()
    source = options.source
    choices = options.choices
    archive = _Archive(data, source, options.limits)
    opf_path = _container(archive)
    opf = archive.xml(opf_path, f"package document {opf_path}")
    manifest = _manifest(opf, opf_path)
    _check_encryption(archive, manifest)
    meta = _metadata(opf, options)
    cover, cover_mime = _cover(opf, manifest, archive)
    if cover is not None:
        meta = replace(meta, cover=cover, cover_mime=cover_mime)
    toc = _table_of_contents(archive, opf, manifest)
    landmarks = _landmarks(archive, opf, manifest, opf_path)
    lexicons = _lexicons(archive, manifest, reporter)

    pages = _parse_pages(archive, opf, manifest, reporter)
    toc = _numbered_titles(toc, pages, meta.title)
    by_path: dict[str, list[TocItem]] = {}
    for entry in toc:
        entries = by_path.setdefault(entry.path, [])
        if all(e.fragment != entry.fragment for e in entries):
            entries.append(entry)

    links = _note_links(pages)
    drafts: list[_Draft] = []
    outside: list[_Placed] = []  # notes standing on pages that are no chapter's
    for page in pages:
        item, where = page.item, page.where
        entries = by_path.get(item.path, [])
        kind = (
            None
            if any(e.fragment for e in entries)
            else _front_matter(page, landmarks.get(item.path), [e.title for e in entries])
        )
        if kind is not None and choices.skip_front_matter:
            body = _element(page.root, "body")
            ledger.skip(f"front matter: {kind}", body_text(body if body is not None else page.root), where)
            continue
        if kind is not None and not entries:
            # Kept front matter is a chapter of its own, named for what it is.
            entries = [TocItem(kind[0].upper() + kind[1:], item.path, None)]
        anchors = {e.fragment for e in entries if e.fragment}
        doc = read_tree(
            page.root,
            where,
            reporter,
            lang=meta.language,
            pauses=options.pauses,
            anchors=anchors,
            choices=choices,
            links=links.get(item.path),
        )
        notes = [_Placed(item.path, n) for n in doc.notes]
        only_headings = bool(doc.notes) and all(b.kind == "heading" for b in doc.blocks)
        if not page.linear or only_headings or (not doc.blocks and doc.has_images):
            # No chapter of its own: a linear="no" page, a page of notes, a cover or a plate
            # (whose images are in its own skipped list already).
            for _, skipped in doc.skipped:
                ledger.skip(skipped.reason, skipped.text, skipped.where)
            if not page.linear:
                ledger.skip('not in the reading order (linear="no")', _blocks_text(doc.blocks), where)
            elif only_headings and doc.blocks:
                ledger.skip("notes heading", _blocks_text(doc.blocks), where)
            elif not doc.blocks and ("cover" in f"{item.path} {item.id}".lower() or page is pages[0]):
                ledger.skip("front matter: cover", "", where)
            outside.extend(notes)
            continue
        _add_sections(drafts, doc, entries, where, reporter, ledger, item.path, notes, new_chapter=not toc)

    drafts = _join_title_pages(_at_level(drafts, toc, choices.chapter_level, source))
    placed = _place_notes(drafts, outside, choices.notes, ledger)
    chapters: list[Chapter] = []
    for draft in drafts:
        _say_number(draft)
        title, blocks, where = draft.title, draft.blocks, draft.where
        if not blocks:
            reporter.report("empty-chapter", f"chapter {title or '(untitled)'!r} has no text; dropped", where)
            for skipped in draft.skipped:
                ledger.skip(skipped.reason, skipped.text, skipped.where)
            continue
        index = len(chapters)
        if not title:
            number = _bare_number(draft.heading or "")
            title = f"Chapter {number}" if number is not None else draft.heading or f"Chapter {index + 1}"
        for skipped in draft.skipped:
            ledger.skip(skipped.reason, skipped.text, skipped.where, index)
        ledger.source[index] = " ".join(t for t in draft.source if t)
        chapters.append(Chapter(title, tuple(blocks) + placed.get(id(draft), ()), where))
    if not chapters:
        raise InputError("has no readable text in its spine; nothing to read", source)
    book = Book(meta, tuple(chapters))
    if lexicons:
        book, count = _apply_lexicons(book, lexicons, ledger)
        log.info("%s: %d words pronounced from the book's lexicons", source, count)
    return book


def _place_notes(
    drafts: list[_Draft], outside: list[_Placed], mode: str, ledger: Ledger
) -> dict[int, tuple[Block, ...]]:
    """Note blocks to add at the end of each draft (by ``id``); notes not read go to the ledger.

    A note is read at the end of the chapter that first refers to it; a note nobody refers to, at
    the end of the chapter it stands in. Each note is noted in the ledger against the chapter it
    stands in, so that chapter's source is accounted for.
    """
    home: dict[tuple[str, str | None], tuple[int | None, _Placed]] = {}
    for n, draft in enumerate(drafts):
        for placed in draft.notes:
            home.setdefault((placed.path, placed.note.id), (n, placed))
    for placed in outside:
        home.setdefault((placed.path, placed.note.id), (None, placed))
    readers: dict[int, list[_Placed]] = {}
    done: set[tuple[str, str | None]] = set()
    if mode == "end":
        for n, draft in enumerate(drafts):
            for ref in draft.refs:
                if ref in home and ref not in done:
                    done.add(ref)
                    readers.setdefault(n, []).append(home[ref][1])
        for key, (stands, placed) in home.items():
            if key not in done and stands is not None:
                done.add(key)
                readers.setdefault(stands, []).append(placed)
    for key, (stands, placed) in home.items():
        text = " ".join(block_text(b) for b in placed.note.blocks)
        reason = "note" if key not in done else "note (read at the end of the chapter that refers to it)"
        if stands is None:
            ledger.skip(reason, text, placed.note.where)
        else:
            drafts[stands].skipped.append(Skipped(reason, text, placed.note.where))
    out: dict[int, tuple[Block, ...]] = {}
    for n, notes in readers.items():
        blocks = [b for placed in notes for b in placed.note.blocks]
        if blocks:
            out[id(drafts[n])] = (Block((Speech(_NOTES_HEADING),), "heading"), *blocks)
    return out


def _add_sections(
    chapters: list[_Draft],
    doc: XhtmlDocument,
    entries: list[TocItem],
    where: str,
    reporter: Reporter,
    ledger: Ledger,
    path: str,
    notes: list[_Placed],
    new_chapter: bool = False,
) -> None:
    """Add one document's sections: its table-of-contents entries start chapters, the rest continues.

    With no table of contents at all (``new_chapter``), a document that opens with a heading
    starts a chapter of its own.
    """
    frag_entries = [e for e in entries if e.fragment]
    whole = next((e for e in entries if not e.fragment), None)
    by_fragment = {e.fragment: e for e in frag_entries if e.fragment}
    titles = {frag: e.title for frag, e in by_fragment.items()}
    bounds = _bounds(doc, list(titles))
    for frag in titles:
        if frag not in bounds:
            reporter.report("missing-anchor", f"the table of contents points to #{frag}, which is not there", where)
    for anchor, (start, end) in bounds.items():
        blocks = doc.blocks[start:end]
        if anchor is not None:
            entry = by_fragment[anchor]
            draft = _Draft(entry.title, where=f"{where}#{anchor}", key=entry.key, said=entry.said)
            chapters.append(draft)
        elif whole is not None or (blocks and (not chapters or (new_chapter and blocks[0].kind == "heading"))):
            draft = _Draft(whole.title if whole is not None else None, where=where)
            if whole is not None:
                draft.key, draft.said = whole.key, whole.said
            chapters.append(draft)
        elif chapters:
            draft = chapters[-1]
        else:
            # Nothing read before the first anchor and no chapter yet: only skipped things remain.
            for sec, skipped in doc.skipped:
                if sec is None:
                    ledger.skip(skipped.reason, skipped.text, skipped.where)
            continue
        offset = len(draft.blocks) - start
        draft.written.update({n + offset: doc.written[n] for n in range(start, end) if n in doc.written})
        draft.blocks.extend(blocks)
        if draft.heading is None:
            first = next((i for i in range(start, end) if doc.blocks[i].kind == "heading"), None)
            if first is not None:
                draft.heading = doc.written.get(first) or block_text(doc.blocks[first])
        draft.source.append(doc.source.get(anchor, ""))
        draft.skipped.extend(s for sec, s in doc.skipped if sec == anchor)
        for sec, href in doc.refs:
            if sec == anchor:
                draft.refs.append(_resolve(path, href))
        draft.notes.extend(p for p in notes if p.note.section == anchor)


def _bounds(doc: XhtmlDocument, ids: list[str]) -> dict[str | None, tuple[int, int]]:
    """Block ranges of the sections ``split_at`` would make, in document order."""
    found = sorted((doc.anchors[i], n, i) for n, i in enumerate(dict.fromkeys(ids)) if i in doc.anchors)
    start = found[0][0] if found else len(doc.blocks)
    out: dict[str | None, tuple[int, int]] = {None: (0, start)}
    for k, (pos, _, ident) in enumerate(found):
        out[ident] = (pos, found[k + 1][0] if k + 1 < len(found) else len(doc.blocks))
    return out


def _bare_number(title: str, among_numbers: bool = False) -> int | None:
    """The number a title is and nothing more ("XIV", "14", "iv."), else ``None``.

    Alone, "MIX", "CD" or "C" is a word or a letter; ``among_numbers`` (its neighbours are
    numbers) makes it the numeral ("L" between "XLIX" and "LI").
    """
    m = _BARE_TITLE.match(title.strip())
    if m is None:
        return None
    num = m.group(1)
    if num.isdigit():
        return int(num)
    upper = num.upper()
    # Alone, the test a spoken heading uses.
    if not among_numbers and spoken_heading(upper) == upper:
        return None
    return roman_value(upper)


def _numbered_titles(toc: list[TocItem], pages: list[_Page], book_title: str) -> list[TocItem]:
    """The table of contents with titles a player can show: "XIV" becomes "Chapter 14", and an
    entry numbered inside another is named with it ("A Scandal in Bohemia, part 1").

    A numbered entry that holds others is a part; one nested in another is a chapter when its
    target says so (``epub:type="chapter"``), else a part. An entry inside the book's half-title
    page is named as if it stood at the top. Entries among single letters that are not numerals
    ("A", "B", "E" of a glossary) are letters, and keep their titles.
    """
    roots = {page.item.path: page.root for page in pages}
    siblings: dict[tuple[int, ...], list[TocItem]] = {}
    for entry in toc:
        siblings.setdefault(entry.key[:-1], []).append(entry)
    lettered = {
        parent
        for parent, group in siblings.items()
        if any(len(t) == 1 and t.isalpha() and t.upper() not in "IVXLCDM" for t in (e.title.strip() for e in group))
    }
    numbered = {
        parent for parent, group in siblings.items() if sum(_bare_number(e.title) is not None for e in group) > 1
    }
    holders = {k for entry in toc for k in entry.key[:-1]}
    out: list[TocItem] = []
    for entry in toc:
        number = _bare_number(entry.title, entry.key[:-1] in numbered)
        if number is None or entry.key[:-1] in lettered:
            out.append(entry)
            continue
        parent = toc[entry.key[-2]] if len(entry.key) > 1 else None
        if parent is not None and (
            parent.title.casefold() == book_title.casefold()
            or _target_types(roots, parent) & {"titlepage", "halftitlepage"}
        ):
            parent = None
        if entry.key and entry.key[-1] in holders:
            word = "part"
        elif parent is not None and "chapter" not in _target_types(roots, entry):
            word = "part"
        else:
            word = "chapter"
        if parent is not None:
            title = f"{out[entry.key[-2]].title}, {word} {number}"
        else:
            title = f"{word.capitalize()} {number}"
        out.append(replace(entry, title=title, said=f"{word.capitalize()} {number}"))
    return out


def _target_types(roots: dict[str, etree._Element], entry: TocItem) -> frozenset[str]:
    """``epub:type`` words of what a table-of-contents entry points to."""
    root = roots.get(entry.path)
    if root is None:
        return frozenset()
    if entry.fragment:
        target = next((el for el in root.iter() if isinstance(el.tag, str) and el.get("id") == entry.fragment), None)
        return frozenset(element_types(target)) if target is not None else frozenset()
    return page_types(root, _element(root, "body"))


def _draft_words(draft: _Draft) -> int:
    return len(_blocks_text(draft.blocks).split())


def _grouped(drafts: list[_Draft], level: int) -> list[list[_Draft]]:
    """Drafts in chapters of table-of-contents ``level``: a deeper entry continues the chapter of
    the entry it is nested in (or of its first nested entry, when that one has no page of its own)."""
    groups: list[list[_Draft]] = []
    heads: list[tuple[int, ...]] = []
    for draft in drafts:
        if groups and len(draft.key) > level and draft.key[:level] == heads[-1]:
            groups[-1].append(draft)
        else:
            groups.append([draft])
            heads.append(draft.key[:level])
    return groups


def _at_level(drafts: list[_Draft], toc: list[TocItem], level: int | None, source: str) -> list[_Draft]:
    """Chapters of one table-of-contents level: ``level``, or the deepest whose chapters are long enough.

    Without a level asked for, a book of very many short entries (a book of poems) is read in the
    chapters of the deepest level whose median chapter is a few minutes long.
    """
    deepest = max((len(d.key) for d in drafts), default=0)
    if level is None:
        if deepest < 2 or len(drafts) < _MANY_CHAPTERS:
            return drafts
        level = 1
        for depth in range(deepest, 0, -1):
            if statistics.median(sum(map(_draft_words, g)) for g in _grouped(drafts, depth)) >= _LISTENABLE_WORDS:
                level = depth
                break
        if level < deepest:
            log.info("%s: chapters from table-of-contents level %d of %d (--chapter-level)", source, level, deepest)
    if level >= deepest:
        return drafts
    out = []
    for head, *rest in _grouped(drafts, level):
        if len(head.key) > level:
            # Its own entry has no page (a skipped half-title page): the enclosing entry names it.
            entry = toc[head.key[level - 1]]
            head = replace(head, title=entry.title, key=entry.key, said=entry.said)
        for draft in rest:
            head.take(draft)
        out.append(head)
    return out


def _join_title_pages(drafts: list[_Draft]) -> list[_Draft]:
    """A part's title page (headings only) joins its first numbered section, whose title names the part.

    "A Scandal in Bohemia" followed by "A Scandal in Bohemia, part 1" is one chapter, not a
    chapter of four words and then the story.
    """
    out: list[_Draft] = []
    for draft in drafts:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.title
            and prev.key
            and draft.key[: len(prev.key)] == prev.key
            and len(draft.key) > len(prev.key)
            and (draft.title or "").startswith(f"{prev.title}, ")
            and prev.blocks
            and all(b.kind == "heading" for b in prev.blocks)
        ):
            prev.title, prev.key, prev.said = draft.title, draft.key, draft.said
            prev.take(draft)
            continue
        out.append(draft)
    return out


def _say_number(draft: _Draft) -> None:
    """A chapter named by its number alone says "Chapter one" where its heading is only the number,
    or at its start when it has no heading; any other heading is the book's own and is left."""
    said = draft.said
    if said is None and not draft.title and draft.heading is not None:
        number = _bare_number(draft.heading)
        said = f"Chapter {number}" if number is not None else None
    if said is None:
        return
    number = said.rsplit(" ", 1)[-1]
    for n, block in enumerate(draft.blocks):
        if block.kind != "heading":
            if n == 0:
                draft.blocks.insert(0, Block((Speech(spoken_heading(said)),), "heading"))
            return
        first = block.segments[0] if block.segments else None
        written = draft.written.get(n) or block_text(block)
        if isinstance(first, Speech) and _bare_number(written, among_numbers=True) == int(number):
            draft.blocks[n] = replace(block, segments=(replace(first, text=spoken_heading(said)), *block.segments[1:]))
            return
