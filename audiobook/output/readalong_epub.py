"""Read-along from an EPUB 3 source: its own content documents, each sentence wrapped where it stands.

The source package is copied entry by entry. Each content document that was read gets a
``<span id>`` around every sentence that was spoken (the markup otherwise unchanged), and an
overlay; the package document gains the overlays, the chapter audio and the ``media:`` metadata.
Pages that were skipped (front matter, notes not read) stay in the book as text, without audio.

Sentences are found in a document by their letters and digits alone, in reading order, so the
typography the normalize stage changed (quotes, dashes, spaces) does not matter. A sentence that
crosses inline markup (``<em>``, ``<a>``) is wrapped at the level where its two ends meet, when
that level holds nothing but the sentence; otherwise only its first stretch of text is wrapped,
and the highlight starts there. A sentence that cannot be found (a heading the reader renamed)
keeps its audio but gets no ``par``.
"""

from __future__ import annotations

import io
import logging
import posixpath
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote, unquote

from lxml import etree

from ssml import safe_parser

__all__ = ["Located", "SourceEpub", "wrap_sentences", "write_source_read_along"]

log = logging.getLogger(__name__)

_OPF = "http://www.idpf.org/2007/opf"
_XHTML = "http://www.w3.org/1999/xhtml"
_OPS = "http://www.idpf.org/2007/ops"
_CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
_SKIP = frozenset({"script", "style", "rt", "rp", "head"})
_OPENERS = frozenset("“\"'‘([¿¡")


@dataclass(frozen=True)
class Located:
    """A sentence to wrap: its span id and its text as written."""

    span: str
    """The id given to its span (unique in the document)."""
    text: str
    """Its words as the source wrote them."""


def _local(tag: object) -> str:
    return tag.split("}")[-1] if isinstance(tag, str) else ""


Piece = tuple[etree._Element, str]
"""A run of text: (element, "text") is the element's own text, (element, "tail") the text after it."""


def _get(piece: Piece) -> str:
    el, kind = piece
    return (el.text if kind == "text" else el.tail) or ""


def _set(piece: Piece, value: str) -> None:
    el, kind = piece
    if kind == "text":
        el.text = value
    else:
        el.tail = value


def _is_noteref(el: etree._Element) -> bool:
    """A note reference ("crab<a epub:type="noteref">1</a>"): its mark is not read, so not matched."""
    kinds = (el.get(f"{{{_OPS}}}type") or "").split() + (el.get("role") or "").split()
    return "noteref" in kinds or "doc-noteref" in kinds


def _pieces(body: etree._Element) -> list[Piece]:
    out: list[Piece] = []

    def walk(el: etree._Element) -> None:
        if el.text:
            out.append((el, "text"))
        for child in el:
            if isinstance(child.tag, str) and _local(child.tag) not in _SKIP and not _is_noteref(child):
                walk(child)
            if child.tail:
                out.append((child, "tail"))

    walk(body)
    return out


def _key(ch: str) -> str:
    return ch.lower()[:1]


def _container(piece: Piece) -> etree._Element:
    el, kind = piece
    return el if kind == "text" else el.getparent()


def _wrap(start: tuple[Piece, int], end: tuple[Piece, int], span_id: str) -> bool:
    """Wrap text from ``start`` to ``end`` (exclusive) in a span; False when nothing could be."""
    (s_piece, a), (e_piece, b) = start, end
    # Lift an end that sits at the very edge of an inline element up to the element's own level.
    while _container(s_piece) is not _container(e_piece):
        s_el = _container(s_piece)
        e_el = _container(e_piece)
        s_depth = len(list(s_el.iterancestors()))
        e_depth = len(list(e_el.iterancestors()))
        if s_depth >= e_depth and s_piece[1] == "text" and not _get(s_piece)[:a].strip() and s_el.getparent() is not None:
            prev = s_el.getprevious()
            s_piece = (prev, "tail") if prev is not None else (s_el.getparent(), "text")
            a = len(_get(s_piece))
            continue
        if e_depth >= s_depth and e_el.getparent() is not None and not _get(e_piece)[b:].strip() and (
            (e_piece[1] == "text" and len(e_el) == 0) or (e_piece[1] == "tail" and e_piece[0] is e_el[-1])
        ):
            e_piece = (e_el, "tail")
            tail = _get(e_piece)
            b = 0
            # The sentence's closing punctuation after the element ("<i>nothing</i>.").
            while b < len(tail) and not tail[b].isspace() and not tail[b].isalnum():
                b += 1
            continue
        # The ends meet only across markup that holds other text: wrap the first stretch alone.
        text = _get(start[0])
        e_piece, b = start[0], len(text.rstrip())
        s_piece, a = start
        if b <= a:
            return False
        log.info("sentence crosses markup; only its first stretch is highlighted")
        break
    parent = _container(s_piece)
    span = etree.Element(f"{{{_XHTML}}}span", id=span_id)
    text = _get(s_piece)
    if s_piece == e_piece:
        span.text = text[a:b]
        _set(s_piece, text[:a])
        span.tail = text[b:]
        if s_piece[1] == "text":
            parent.insert(0, span)
        else:
            s_piece[0].addnext(span)
        return True
    # Same container, different pieces: the children between move into the span.
    first = 0 if s_piece[1] == "text" else parent.index(s_piece[0]) + 1
    last = parent.index(e_piece[0])
    tail = _get(e_piece)
    span.text = text[a:]
    _set(s_piece, text[:a])
    moved = list(parent)[first : last + 1]
    for child in moved:
        span.append(child)
    moved[-1].tail = tail[:b]
    span.tail = tail[b:]
    parent.insert(first, span)
    return True


def wrap_sentences(data: bytes, sentences: list[Located]) -> tuple[bytes, set[str], str] | None:
    """The document with each sentence it holds wrapped in its span, the ids wrapped, and the id of
    its body (given one when it had none: an overlay's sequence points at it); ``None`` when the
    document cannot be parsed."""
    try:
        tree = etree.parse(io.BytesIO(data), safe_parser())
    except etree.XMLSyntaxError as exc:
        log.warning("cannot parse a content document to wrap its sentences: %s", exc)
        return None
    root = tree.getroot()
    body = next((el for el in root.iter() if _local(el.tag) == "body"), None)
    if body is None:
        return None
    if not body.get("id"):
        ids = {el.get("id") for el in root.iter() if el.get("id")}
        body.set("id", next(f"ab-body{n or ''}" for n in range(len(ids) + 1) if f"ab-body{n or ''}" not in ids))
    body_id = str(body.get("id"))
    pieces = _pieces(body)
    keys: list[str] = []
    owners: list[tuple[int, int]] = []
    for index, piece in enumerate(pieces):
        for offset, ch in enumerate(_get(piece)):
            if ch.isalnum():
                keys.append(_key(ch))
                owners.append((index, offset))
    flat = "".join(keys)
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, Located]] = []
    cursor = 0
    for sentence in sentences:
        key = "".join(_key(ch) for ch in unicodedata.normalize("NFC", sentence.text) if ch.isalnum())
        if not key:
            continue
        at = flat.find(key, cursor)
        if at < 0:
            # Notes read at the end of a chapter stand earlier in the document than the cursor.
            at = flat.find(key)
            while at >= 0 and any(a < at + len(key) and at < b for a, b in taken):
                at = flat.find(key, at + 1)
        if at < 0:
            log.info("sentence not found in its document: %r", sentence.text[:60])
            continue
        taken.append((at, at + len(key)))
        found.append((at, at + len(key), sentence))
        cursor = at + len(key)
    wrapped: set[str] = set()
    # Last first: wrapping keeps the text before a span where it was, so earlier offsets hold.
    for at, stop, sentence in sorted(found, key=lambda f: f[0], reverse=True):
        s_index, a = owners[at]
        e_index, b = owners[stop - 1]
        b += 1
        s_text, e_text = _get(pieces[s_index]), _get(pieces[e_index])
        # Closing punctuation and quotes belong to the sentence; so do its opening quotes.
        while b < len(e_text) and not e_text[b].isspace() and not e_text[b].isalnum():
            b += 1
        while a > 0 and s_text[a - 1] in _OPENERS:
            a -= 1
        if _wrap((pieces[s_index], a), (pieces[e_index], b), sentence.span):
            wrapped.add(sentence.span)
    out = etree.tostring(tree, xml_declaration=True, encoding="utf-8")
    return out, wrapped, body_id


class SourceEpub:
    """The source EPUB's package: where its content documents are, and whether it can take overlays."""

    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        container = etree.fromstring(self.zip.read("META-INF/container.xml"), safe_parser())
        rootfile = container.find(f".//{{{_CONTAINER}}}rootfile")
        if rootfile is None:
            raise ValueError("no rootfile in META-INF/container.xml")
        self.opf_path = unquote(rootfile.get("full-path", ""))
        self.opf = etree.fromstring(self.zip.read(self.opf_path), safe_parser())
        self.folder = posixpath.dirname(self.opf_path)

    @property
    def version(self) -> str:
        """The package's EPUB version (``3.0``, ``2.0``)."""
        return self.opf.get("version", "")

    def path_of(self, href: str) -> str:
        """A manifest ``href`` as a path in the archive."""
        return posixpath.normpath(posixpath.join(self.folder, unquote(href)))

    def href_of(self, path: str, start: str | None = None) -> str:
        """An archive path as an ``href`` relative to ``start`` (default: the package document's folder)."""
        return quote(posixpath.relpath(path, start if start is not None else self.folder or "."))

    def manifest(self) -> dict[str, etree._Element]:
        """Archive path → manifest item."""
        items = self.opf.find(f"{{{_OPF}}}manifest")
        if items is None:
            return {}
        return {self.path_of(item.get("href", "")): item for item in items.iter(f"{{{_OPF}}}item")}


def _unique(prefix: str, taken: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    taken.add(f"{prefix}{n}")
    return f"{prefix}{n}"


def _document_of(source: str | None) -> str | None:
    """The archive path of the content document a unit's ``source`` names (``book.epub!/OEBPS/c1.xhtml:6``)."""
    if not source or "!/" not in source:
        return None
    inner = source.split("!/", 1)[1]
    head, sep, line = inner.rpartition(":")
    return posixpath.normpath(head if sep and line.isdigit() else inner)


def write_source_read_along(
    path: str,
    data: bytes,
    plans: list,
    audio_files: list,
    placed: dict[tuple[int, int], tuple[int, int]],
    narrator: str | None,
) -> list | None:
    """Write the read-along book built on the source EPUB ``data``; its pars, or ``None`` when the
    source cannot carry overlays (not EPUB 3, or no document where its sentences could be found)."""
    import os

    from audiobook.output.readalong import ACTIVE_CLASS, CSS, Par, clock, smil_document
    from audiobook.plan import Unit

    try:
        source = SourceEpub(data)
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        log.info("source EPUB not usable for a read-along book (%s); the text is rebuilt", exc)
        return None
    if not source.version.startswith("3"):
        log.info("source is EPUB %s; media overlays need EPUB 3, the text is rebuilt", source.version or "2")
        return None
    manifest = source.manifest()
    ids = {el.get("id") for el in source.opf.iter() if el.get("id")}

    # Units by the document they were read from, in reading order.
    by_doc: dict[str, list[tuple[int, int, Unit]]] = {}
    for chapter, plan in enumerate(plans):
        for pos, item in enumerate(plan.items):
            if isinstance(item, Unit):
                doc = _document_of(item.source)
                if doc is not None and doc in manifest:
                    by_doc.setdefault(doc, []).append((chapter, pos, item))
    replaced: dict[str, bytes] = {}
    added: dict[str, bytes] = {}
    pars: list[Par] = []
    css_path = posixpath.join(source.folder, "readalong", "readalong.css")
    audio_paths = [posixpath.join(source.folder, "readalong", f"chapter{i + 1:03d}.mp3") for i in range(len(plans))]
    used_audio: set[int] = set()
    metas: list[tuple[str, str | None, str]] = []
    total = 0
    for doc, entries in by_doc.items():
        original = source.zip.read(doc)
        try:
            taken = {str(el.get("id")) for el in etree.fromstring(original, safe_parser()).iter() if el.get("id")}
        except etree.XMLSyntaxError:
            continue
        located = []
        numbered = []
        for chapter, pos, unit in entries:
            span = _unique("ab-s", taken)
            located.append(Located(span, unit.written or unit.text))
            numbered.append((chapter, pos, span))
        result = wrap_sentences(original, located)
        if result is None:
            continue
        page, wrapped, body_id = result
        rows = []
        doc_pars = []
        folder = posixpath.dirname(doc)
        for chapter, pos, span in numbered:
            where = placed.get((chapter, pos))
            if span not in wrapped or where is None or where[1] <= where[0]:
                continue
            used_audio.add(chapter)
            rows.append((f"{source.href_of(doc, folder)}#{span}", source.href_of(audio_paths[chapter], folder), *where))
            doc_pars.append(Par(chapter, span, *where))
        if not rows:
            continue
        page = _link_stylesheet(page, source.href_of(css_path, folder))
        replaced[doc] = page
        smil_path = posixpath.splitext(doc)[0] + ".smil"
        added[smil_path] = smil_document(f"{source.href_of(doc, folder)}#{body_id}", rows).encode()
        overlay_id = _unique("ab-overlay", ids)
        _add_item(source, overlay_id, smil_path, "application/smil+xml")
        manifest[doc].set("media-overlay", overlay_id)
        duration = sum(p.end - p.start for p in doc_pars)
        total += duration
        metas.append(("media:duration", f"#{overlay_id}", clock(duration)))
        pars += doc_pars
    if not pars:
        return None
    for chapter in sorted(used_audio):
        with open(audio_files[chapter], "rb") as f:
            added[audio_paths[chapter]] = f.read()
        _add_item(source, _unique("ab-audio", ids), audio_paths[chapter], "audio/mpeg")
    added[css_path] = CSS.encode()
    _add_item(source, _unique("ab-css", ids), css_path, "text/css")
    metas += [("media:duration", None, clock(total)), ("media:active-class", None, ACTIVE_CLASS)]
    if narrator:
        metas.append(("media:narrator", None, narrator))
    metadata = source.opf.find(f"{{{_OPF}}}metadata")
    if metadata is None:
        return None
    for prop, refines, value in metas:
        # The package's default namespace, written as such rather than under its "opf" prefix.
        meta = etree.SubElement(metadata, f"{{{_OPF}}}meta", property=prop, nsmap={None: _OPF})
        if refines:
            meta.set("refines", refines)
        meta.text = value
    replaced[source.opf_path] = etree.tostring(source.opf, xml_declaration=True, encoding="utf-8")

    tmp = f"{path}.partial-{os.getpid()}"
    try:
        with zipfile.ZipFile(tmp, "w") as out:
            out.writestr(zipfile.ZipInfo("mimetype"), b"application/epub+zip", compress_type=zipfile.ZIP_STORED)
            for info in source.zip.infolist():
                if info.filename == "mimetype" or info.filename in added:
                    continue
                body = replaced.get(info.filename)
                content = body if body is not None else source.zip.read(info.filename)
                out.writestr(info.filename, content, compress_type=zipfile.ZIP_DEFLATED)
            for name, content in added.items():
                # Audio is compressed already.
                kind = zipfile.ZIP_STORED if name.endswith(".mp3") else zipfile.ZIP_DEFLATED
                out.writestr(name, content, compress_type=kind)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return pars


def _add_item(source: SourceEpub, item_id: str, path: str, media_type: str) -> None:
    manifest = source.opf.find(f"{{{_OPF}}}manifest")
    if manifest is not None:
        etree.SubElement(
            manifest, f"{{{_OPF}}}item", id=item_id, href=source.href_of(path), attrib={"media-type": media_type},
            nsmap={None: _OPF},
        )


def _link_stylesheet(page: bytes, href: str) -> bytes:
    tree = etree.parse(io.BytesIO(page), safe_parser())
    head = next((el for el in tree.getroot().iter() if _local(el.tag) == "head"), None)
    if head is None:
        return page
    etree.SubElement(head, f"{{{_XHTML}}}link", rel="stylesheet", type="text/css", href=href)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")
