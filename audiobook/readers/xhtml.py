"""One XHTML document (an EPUB content document) → blocks of the document model.

Used by the EPUB reader for every spine item. Parsing is safe (no network, no DTD, no entity
expansion); a malformed document is recovered and reported. EPUB 3 ``ssml:ph`` /
``ssml:alphabet`` attributes become phoneme overrides, ``xml:lang`` / ``lang`` the context's
language. A document can be cut at fragment ids, so several chapters can share one file.
"""

from __future__ import annotations

import html.entities
import logging
import re
from dataclasses import dataclass, field, replace

from lxml import etree

from ssml.xsampa import xsampa_to_ipa

from ..config import Pauses
from ..diagnostics import Reporter
from ..model import Block, Break, Context, Phonemes, Segment, Speech

__all__ = [
    "XHTML_NS",
    "EPUB_NS",
    "SSML_NS",
    "XhtmlDocument",
    "parse_xhtml",
    "read_xhtml",
    "split_at",
    "block_text",
]

log = logging.getLogger(__name__)

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SSML_NS = "http://www.w3.org/2001/10/synthesis"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Not read at all: code, styling, metadata, pictures (alt text describes, it is not the text),
# ruby annotations (they repeat the base text), embedded media.
_SKIP = frozenset(
    "head title script style template img svg image picture object embed audio video iframe "
    "canvas map area rt rp noscript".split()
)
_BLOCK_KIND = {
    **{f"h{n}": "heading" for n in range(1, 7)},
    "li": "item",
    "dt": "item",
    "dd": "item",
    "blockquote": "quote",
    "td": "cell",
    "th": "cell",
    "caption": "cell",
}
_BLOCKS = frozenset(_BLOCK_KIND) | frozenset(
    "html body p div section article header footer main aside nav figure figcaption address pre "
    "ul ol dl table thead tbody tfoot tr hr hgroup details summary center fieldset legend".split()
)
_NOTEREF = frozenset({"noteref"})
_PAGEBREAK = frozenset({"pagebreak"})
_NOTES = frozenset({"footnote", "endnote", "rearnote", "note"})
_IPA = frozenset({"ipa", "x-ipa"})
_XSAMPA = frozenset({"x-sampa", "xsampa"})
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class XhtmlDocument:
    """The blocks of one XHTML document and where its requested anchors fall among them."""

    blocks: tuple[Block, ...]
    """Everything read, in document order."""
    anchors: dict[str, int] = field(default_factory=dict)
    """Requested fragment id → index of the first block after it (only ids found)."""
    title: str | None = None
    """The document's ``<title>``, if any."""
    has_images: bool = False
    """True when the document shows an image (a cover page, a plate)."""


def _named_entities_to_numeric(data: bytes) -> bytes:
    """HTML named entities (``&nbsp;``) as numeric references, which XML knows without a DTD."""

    def sub(m: re.Match[bytes]) -> bytes:
        name = m.group(1).decode("ascii")
        if name in _XML_ENTITIES:
            return m.group(0)
        char = html.entities.html5.get(name + ";")
        if char is None:
            return m.group(0)
        return "".join(f"&#{ord(c)};" for c in char).encode("ascii")

    return _ENTITY.sub(sub, data)


def _parser(recover: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xhtml(data: bytes, where: str, reporter: Reporter) -> etree._Element | None:
    """Parse safely; a malformed document is recovered and reported; ``None`` if nothing is left."""
    data = _named_entities_to_numeric(data)
    try:
        return etree.fromstring(data, _parser(recover=False))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        place = f"{where}:{line}" + (f":{column}" if column is not None else "")
        msg = exc.msg or str(exc)
        try:
            root = etree.fromstring(data, _parser(recover=True))
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            reporter.report("malformed-xhtml", f"malformed XHTML ({msg}); nothing could be recovered", place)
            return None
        reporter.report("malformed-xhtml", f"malformed XHTML ({msg}); read what could be recovered", place)
        return root


def _local(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    name = tag.rsplit("}", 1)[-1]
    # A recovered document may keep a prefix it could not resolve.
    return name.rsplit(":", 1)[-1].lower()


def _types(el: etree._Element) -> set[str]:
    """The element's ``epub:type`` words and ARIA ``doc-`` roles, without prefixes."""
    words = (el.get(f"{{{EPUB_NS}}}type") or el.get("epub:type") or "").split()
    for role in (el.get("role") or "").split():
        if role.startswith("doc-"):
            words.append(role[4:])
    return set(words)


def _attr(el: etree._Element, ns: str, prefix: str, name: str) -> str | None:
    value = el.get(f"{{{ns}}}{name}")
    return value if value is not None else el.get(f"{prefix}:{name}")


def _line(el: etree._Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _all_text(el: etree._Element) -> str:
    """All text inside ``el``, whitespace normalized and invisible characters removed."""
    return " ".join("".join(str(t) for t in el.itertext()).translate(_INVISIBLE).split())


def block_text(block: Block) -> str:
    """The written text of a block (speech and the text behind phonemes), space-joined."""
    return " ".join(s.text for s in block.segments if isinstance(s, (Speech, Phonemes)) and s.text)


class _Walker:
    """Walks the element tree, collecting inline content and cutting it into blocks."""

    def __init__(self, where: str, reporter: Reporter, base_lang: str | None, pauses: Pauses, anchors: set[str]):
        self.where = where
        self.reporter = reporter
        self.base_lang = (base_lang or "").lower()
        self.pauses = pauses
        self.wanted = anchors
        self.blocks: list[Block] = []
        self.anchors: dict[str, int] = {}
        self.pending: list[tuple[str, Context, str | None] | Segment] = []
        self.kind = "paragraph"
        self.has_images = False

    def lang(self, tag: str) -> str | None:
        """A language tag, or ``None`` when it is the book's own language."""
        tag = tag.strip().replace("_", "-").lower()
        base = self.base_lang
        if not tag or base and (tag == base or base.startswith(tag + "-")):
            return None
        return tag

    def at(self, el: etree._Element) -> str:
        """``file:line`` of an element."""
        line = _line(el)
        return f"{self.where}:{line}" if line else self.where

    def text(self, text: str | None, ctx: Context, kind: str, line: int | None) -> None:
        if text:
            if not self.pending:
                self.kind = kind
            src = f"{self.where}:{line}" if line else self.where
            self.pending.append((text, ctx, src))

    def segment(self, seg: Segment, kind: str) -> None:
        if not self.pending:
            self.kind = kind
        self.pending.append(seg)

    def flush(self) -> None:
        segs: list[Segment] = []
        buf: list[str] = []
        buf_ctx: Context | None = None
        buf_src: str | None = None

        def emit() -> None:
            text = " ".join("".join(buf).translate(_INVISIBLE).split())
            if text and buf_ctx is not None:
                segs.append(Speech(text, buf_ctx, buf_src))
            buf.clear()

        for item in self.pending:
            if isinstance(item, tuple):
                text, ctx, src = item
                if buf and ctx != buf_ctx:
                    emit()
                if not buf:
                    buf_ctx, buf_src = ctx, src
                buf.append(text)
            else:
                emit()
                segs.append(item)
        emit()
        self.pending.clear()
        # Breaks only separate spoken things: none at the edges, never two in a row.
        tidy: list[Segment] = []
        for seg in segs:
            if isinstance(seg, Break) and (not tidy or isinstance(tidy[-1], Break)):
                continue
            tidy.append(seg)
        while tidy and isinstance(tidy[-1], Break):
            tidy.pop()
        if tidy:
            self.blocks.append(Block(tuple(tidy), self.kind))

    def element(self, el: etree._Element, ctx: Context, kind: str, alphabet: str) -> None:
        ident = el.get("id")
        if ident is not None and ident in self.wanted and ident not in self.anchors:
            self.flush()
            self.anchors[ident] = len(self.blocks)
        name = _local(el)
        if not name:
            if isinstance(el, etree._Entity):
                self.reporter.report("entity-skipped", f"entity {el.text} is not expanded", self.at(el))
            return
        if name in _SKIP:
            if name in ("img", "svg", "image", "picture"):
                self.has_images = True
            return
        if name == "math":
            alt = el.get("alttext")
            if alt:
                self.text(f" {alt} ", ctx, kind, _line(el))
            else:
                self.reporter.report("math-skipped", "MathML without alttext is not read", self.at(el))
            return
        types = _types(el)
        if types & (_NOTEREF | _PAGEBREAK):
            return
        lang = el.get(_XML_LANG) or el.get("lang")
        if lang is not None:
            ctx = replace(ctx, lang=self.lang(lang))
        alphabet = (_attr(el, SSML_NS, "ssml", "alphabet") or alphabet).strip().lower()
        ph = _attr(el, SSML_NS, "ssml", "ph")
        if ph and ph.strip():
            written = _all_text(el)
            where = self.at(el)
            if alphabet in _IPA or alphabet in _XSAMPA:
                ipa = ph.strip() if alphabet in _IPA else xsampa_to_ipa(ph.strip())
                self.segment(Phonemes(ipa, written, ctx, where, override=True), kind)
                return
            self.reporter.report(
                "unsupported-alphabet",
                f"ssml:alphabet {alphabet!r} is not supported (use ipa or x-sampa); "
                f"the text {written!r} is read instead",
                where,
            )
        if name == "br":
            self.segment(Break(self.pauses.clause, "clause"), kind)
            return
        block = name in _BLOCKS
        if block:
            self.flush()
            kind = _BLOCK_KIND.get(name, kind)
            if types & _NOTES or name == "aside" and types:
                kind = "note"
        self.text(el.text, ctx, kind, _line(el))
        for child in el:
            self.element(child, ctx, kind, alphabet)
            self.text(child.tail, ctx, kind, _line(child))
        if block:
            self.flush()


def read_xhtml(
    data: bytes,
    where: str,
    reporter: Reporter,
    *,
    lang: str | None = None,
    pauses: Pauses | None = None,
    anchors: set[str] | frozenset[str] = frozenset(),
) -> XhtmlDocument | None:
    """Read one XHTML document into blocks; ``None`` when it cannot be parsed at all.

    ``lang`` is the book's language (a ``lang`` equal to it leaves the context's language unset);
    ``anchors`` are fragment ids to cut the document at (see ``split_at``).
    """
    root = parse_xhtml(data, where, reporter)
    if root is None:
        return None
    return read_tree(root, where, reporter, lang=lang, pauses=pauses, anchors=anchors)


def read_tree(
    root: etree._Element,
    where: str,
    reporter: Reporter,
    *,
    lang: str | None = None,
    pauses: Pauses | None = None,
    anchors: set[str] | frozenset[str] = frozenset(),
) -> XhtmlDocument:
    """Like ``read_xhtml`` for a tree already parsed."""
    walker = _Walker(where, reporter, lang, pauses or Pauses(), set(anchors))
    title = None
    body = None
    for el in root.iter():
        name = _local(el)
        if name == "title" and title is None:
            title = _all_text(el) or None
        elif name == "body":
            body = el
            break
    ctx = Context()
    top_lang = root.get(_XML_LANG) or root.get("lang")
    if top_lang is not None:
        ctx = replace(ctx, lang=walker.lang(top_lang))
    walker.element(body if body is not None else root, ctx, "paragraph", "ipa")
    walker.flush()
    return XhtmlDocument(tuple(walker.blocks), dict(walker.anchors), title, walker.has_images)


def split_at(doc: XhtmlDocument, ids: list[str]) -> dict[str | None, tuple[Block, ...]]:
    """Cut a document at anchor ids: ``None`` → blocks before the first anchor, id → its blocks.

    Each anchor's blocks run to the next anchor in document order. Ids the document lacks (or
    that were not requested when it was read) are left out of the result.
    """
    found = sorted((doc.anchors[i], n, i) for n, i in enumerate(dict.fromkeys(ids)) if i in doc.anchors)
    out: dict[str | None, tuple[Block, ...]] = {}
    start = found[0][0] if found else len(doc.blocks)
    out[None] = doc.blocks[:start]
    for k, (pos, _, ident) in enumerate(found):
        end = found[k + 1][0] if k + 1 < len(found) else len(doc.blocks)
        out[ident] = doc.blocks[pos:end]
    return out
