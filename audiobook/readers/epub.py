"""EPUB 2 and 3 → ``Book``.

The archive and its package document are read directly (zip + lxml, no network, no entity
expansion). Chapters follow the spine; their titles come from the EPUB 3 nav or the EPUB 2 NCX,
else the first heading, else ``Chapter N``. Several table-of-contents entries pointing into one
file split that file; a spine file with no entry continues the chapter before it. Each content
document is handed to the XHTML reader.
"""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urldefrag

import lxml.html
from lxml import etree

from ..config import ReadOptions
from ..diagnostics import Reporter
from ..errors import InputError
from ..model import Block, Book, Chapter, Metadata
from .xhtml import XhtmlDocument, block_text, read_xhtml, split_at

__all__ = ["read"]

log = logging.getLogger(__name__)

_OPF = "http://www.idpf.org/2007/opf"
_DC = "http://purl.org/dc/elements/1.1/"
_NCX = "http://www.daisy.org/z3986/2005/ncx/"
_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_ENC = "http://www.w3.org/2001/04/xmlenc#"
_XHTML_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/x-dtbook+xml"})
_FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})
_MAX_MEMBER = 256 * 1024 * 1024
"""Largest archive member read; bigger ones are refused (a compressed bomb, not a book)."""


@dataclass(frozen=True)
class TocItem:
    """One table-of-contents entry, flattened."""

    title: str
    """The entry's label."""
    path: str
    """Archive path of the target document."""
    fragment: str | None
    """Fragment id inside it, if any."""


@dataclass(frozen=True)
class _Item:
    """One manifest item."""

    id: str
    path: str
    media_type: str
    properties: frozenset[str]


@dataclass
class _Draft:
    """A chapter being assembled from spine documents."""

    title: str | None
    blocks: list[Block] = field(default_factory=list)
    where: str = ""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )


class _Archive:
    """The zip, with member look-ups that name the EPUB in every error."""

    def __init__(self, data: bytes, source: str):
        self.source = source
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            raise InputError("is not a valid EPUB (zip) file; it may be truncated or another format", source) from None
        self.names = {i.filename: i for i in self.zip.infolist() if not i.is_dir()}
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
        if info.file_size > _MAX_MEMBER:
            raise InputError(f"member {name} is too large ({info.file_size} bytes) to be a book part", self.source)
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise InputError(
                f"is not a valid EPUB (zip) file; member {name} cannot be read ({exc})", self.source
            ) from None

    def xml(self, path: str, what: str) -> etree._Element:
        """Parse an XML member strictly; a syntax error names the member, line and column."""
        data = self.read(path)
        try:
            return etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as exc:
            line, column = exc.position if exc.position else (exc.lineno, None)
            raise InputError(
                f"malformed {what} ({exc.msg}); fix the XML or re-export the book",
                f"{self.source}!/{path}",
                line,
                column,
            ) from None


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
    """Refuse books whose content documents are encrypted; obfuscated fonts are fine."""
    if archive.find("META-INF/encryption.xml") is None:
        return
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
            raise InputError(
                "is protected by DRM (encrypted content); remove the protection with a tool you are "
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

    # EPUB 3 gives roles by refinement, EPUB 2 by opf:role; with no roles, every creator counts.
    roles: dict[str, str] = {}
    for el in meta.iter(f"{{{_OPF}}}meta"):
        if el.get("property") == "role" and el.get("refines", "").startswith("#"):
            roles[el.get("refines", "")[1:]] = _text(el)
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

    language = first("language") or options.lang or "en-us"
    return Metadata(
        title=first("title") or "",
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


def _nav_toc(archive: _Archive, nav: _Item) -> list[TocItem]:
    root = archive.xml(nav.path, f"navigation document {nav.path}")
    navs = [el for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "nav"]
    toc_nav = next(
        (n for n in navs if "toc" in (n.get("{http://www.idpf.org/2007/ops}type") or "").split()),
        navs[0] if navs else None,
    )
    if toc_nav is None:
        return []
    out = []
    # Nested lists are flattened in document order: a part, then its chapters.
    for a in toc_nav.iter():
        if isinstance(a.tag, str) and etree.QName(a).localname == "a" and a.get("href"):
            path, frag = _resolve(nav.path, a.get("href", ""))
            out.append(TocItem(_text(a), path, frag))
    return out


def _ncx_toc(archive: _Archive, ncx: _Item) -> list[TocItem]:
    root = archive.xml(ncx.path, f"NCX table of contents {ncx.path}")
    out = []
    for point in root.iter(f"{{{_NCX}}}navPoint", "navPoint"):
        label = point.find(f"{{{_NCX}}}navLabel/{{{_NCX}}}text")
        content = point.find(f"{{{_NCX}}}content")
        if content is not None and content.get("src"):
            path, frag = _resolve(ncx.path, content.get("src", ""))
            out.append(TocItem(_text(label), path, frag))
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


def read(data: bytes, options: ReadOptions) -> Book:
    """Read an EPUB 2 or 3 book."""
    source = options.source
    reporter = options.reporter
    archive = _Archive(data, source)
    opf_path = _container(archive)
    opf = archive.xml(opf_path, f"package document {opf_path}")
    manifest = _manifest(opf, opf_path)
    _check_encryption(archive, manifest)
    meta = _metadata(opf, options)
    cover, cover_mime = _cover(opf, manifest, archive)
    if cover is not None:
        meta = replace(meta, cover=cover, cover_mime=cover_mime)
    toc = _table_of_contents(archive, opf, manifest)

    by_path: dict[str, list[TocItem]] = {}
    for entry in toc:
        entries = by_path.setdefault(entry.path, [])
        if all(e.fragment != entry.fragment for e in entries):
            entries.append(entry)

    spine = opf.find(f"{{{_OPF}}}spine")
    refs = list(spine.iter(f"{{{_OPF}}}itemref", "itemref")) if spine is not None else []
    if not refs:
        raise InputError("has no spine (reading order) in its package document; re-export the book", source)

    chapters: list[_Draft] = []
    for ref in refs:
        item = manifest.get(ref.get("idref", ""))
        if item is None:
            reporter.report("missing-item", f"spine item {ref.get('idref')!r} is not in the manifest", source)
            continue
        if ref.get("linear", "yes") == "no":
            log.info('%s: skipping %s (linear="no")', source, item.path)
            continue
        if "nav" in item.properties:
            continue
        where = f"{source}!/{item.path}"
        if item.media_type not in _XHTML_TYPES:
            reporter.report("unsupported-item", f"spine item of type {item.media_type} is not read", where)
            continue
        try:
            raw = archive.read(item.path)
        except KeyError:
            reporter.report("missing-file", "spine file is missing from the archive; skipped", where)
            continue
        entries = by_path.get(item.path, [])
        anchors = {e.fragment for e in entries if e.fragment}
        doc = read_xhtml(raw, where, reporter, lang=meta.language, pauses=options.pauses, anchors=anchors)
        if doc is None:
            continue
        if not doc.blocks and (doc.has_images or "cover" in item.path.lower() or "cover" in item.id.lower()):
            log.info("%s: skipping cover page", where)
            continue
        _add_sections(chapters, doc, entries, where, reporter)

    result: list[Chapter] = []
    for draft in chapters:
        title, blocks, where = draft.title, draft.blocks, draft.where
        if not blocks:
            reporter.report("empty-chapter", f"chapter {title or '(untitled)'!r} has no text; dropped", where)
            continue
        if not title:
            heading = next((b for b in blocks if b.kind == "heading"), None)
            title = block_text(heading) if heading is not None else ""
        result.append(Chapter(title or f"Chapter {len(result) + 1}", tuple(blocks), where))
    if not result:
        raise InputError("has no readable text in its spine; nothing to read", source)
    return Book(meta, tuple(result))


def _add_sections(
    chapters: list[_Draft], doc: XhtmlDocument, entries: list[TocItem], where: str, reporter: Reporter
) -> None:
    """Add one document's blocks: its table-of-contents entries start chapters, the rest continues."""
    frag_entries = [e for e in entries if e.fragment]
    whole = next((e for e in entries if not e.fragment), None)
    titles = {e.fragment: e.title for e in frag_entries if e.fragment}
    sections = split_at(doc, list(titles))
    head = sections.get(None, ())
    if whole is not None:
        chapters.append(_Draft(whole.title, list(head), where))
    elif head:
        if chapters:
            chapters[-1].blocks.extend(head)
        else:
            chapters.append(_Draft(None, list(head), where))
    for frag in titles:
        if frag not in sections:
            reporter.report("missing-anchor", f"the table of contents points to #{frag}, which is not there", where)
    for anchor, blocks in sections.items():
        if anchor is not None:
            chapters.append(_Draft(titles[anchor], list(blocks), f"{where}#{anchor}"))
