"""One XHTML document (an EPUB content document) → blocks of the document model.

Used by the EPUB reader for every spine item. Parsing is safe (no network, no DTD, no entity
expansion); a malformed document is recovered and reported. EPUB 3 ``ssml:ph`` /
``ssml:alphabet`` attributes become phoneme overrides, ``xml:lang`` / ``lang`` the context's
language. A document can be cut at fragment ids, so several chapters can share one file.

Read as a narrator would: note references, page numbers, reference superscripts, images and
hidden elements are never read; footnotes and endnotes are lifted out of the text (the EPUB
reader reads them at the end of their chapter, or skips them); tables are read row by row;
line breaks in verse are short pauses; a heading's chapter number is said as a word. Everything
left out is noted with its reason in the ledger (``audiobook.coverage``).
"""

from __future__ import annotations

import html.entities
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urldefrag

from lxml import etree

from audiobook.config import Pauses, ReadChoices
from audiobook.diagnostics import Reporter, Skipped
from audiobook.model import Block, Break, Context, Phonemes, Segment, Speech
from audiobook.readers.clean import MAX_XML_DEPTH, decode_xml, flatten_deep, speakable
from audiobook.readers.headings import spoken_heading
from ssml import safe_parser
from ssml.ipa import fold_ipa
from ssml.parse import declared_entities, entity_declaration
from ssml.xsampa import xsampa_to_ipa

__all__ = [
    "XHTML_NS",
    "EPUB_NS",
    "SSML_NS",
    "FRONT_MATTER_TYPES",
    "Note",
    "NoteLinks",
    "XhtmlDocument",
    "parse_xhtml",
    "read_xhtml",
    "read_tree",
    "split_at",
    "block_text",
    "body_text",
    "element_types",
    "find_noterefs",
    "note_element",
    "note_links",
    "page_types",
    "plain_text",
]

log = logging.getLogger(__name__)

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SSML_NS = "http://www.w3.org/2001/10/synthesis"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_NOT_BODY = frozenset("head title script style template".split())
"""Elements that hold no body text at all."""
_IMAGES = frozenset("img svg image".split())
_MEDIA = frozenset("object embed audio video iframe canvas map area noscript".split())
_RUBY = frozenset({"rt", "rp"})
"""Ruby annotations repeat the base text's reading; the base text is read."""
_BLOCK_KIND = {
    **{f"h{n}": "heading" for n in range(1, 7)},
    "li": "item",
    "dt": "item",
    "dd": "item",
    "blockquote": "quote",
    "tr": "cell",
    "caption": "cell",
}
_BLOCKS = frozenset(_BLOCK_KIND) | frozenset(
    "html body p div section article header footer main aside nav figure figcaption address pre "
    "ul ol dl table thead tbody tfoot hr hgroup details summary center fieldset legend".split()
)
_CELLS = frozenset({"td", "th"})
_NOTEREF = frozenset({"noteref"})
_PAGEBREAK = frozenset({"pagebreak"})
_NOTES = frozenset({"footnote", "endnote", "rearnote", "note"})
_NOTE_SECTIONS = frozenset({"footnotes", "endnotes", "rearnotes"})
_BACKLINK = frozenset({"backlink", "referrer"})
_REPEATS = frozenset({"pullquote"})
FRONT_MATTER_TYPES = {
    "cover": "cover",
    "toc": "table of contents",
    "landmarks": "table of contents",
    "page-list": "page list",
    "pagelist": "page list",
    "loi": "list of illustrations",
    "lot": "list of tables",
    "copyright-page": "copyright page",
    "index": "index",
    "titlepage": "title page",
    "title-page": "title page",
    "halftitlepage": "half-title page",
    "imprint": "imprint",
    "colophon": "colophon",
    "uncopyright": "copyright page",
    "se:uncopyright": "copyright page",
}
"""``epub:type`` (and ARIA ``doc-``, EPUB 2 guide) words of pages that are skipped unless front matter
is kept. The publisher's pages, not the author's: a dedication, epigraph, foreword or preface is
read. Endnotes are not here: they are notes, skipped or read where they are referred to."""
_IPA = frozenset({"ipa", "x-ipa"})
_XSAMPA = frozenset({"x-sampa", "xsampa"})
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_REF_MARK = re.compile(r"^[\[(]?(?:\d{1,3}|[*\u2020\u2021\u00a7\u00b6#]{1,3}|[a-z]|[ivxlc]{1,5})[\])]?[.,]?$")
"""What a note reference shows: ``1``, ``[12]``, ``*``, ``†``, ``a``, ``iv``."""
_SUP_MARK = re.compile(r"^[\[(]?(?:\d{1,3}|[*\u2020\u2021\u00a7\u00b6]{1,3})[\])]?$")
_FILE_NAME = re.compile(r"^[\w.-]+\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?)$", re.IGNORECASE)


@dataclass(frozen=True)
class Note:
    """A footnote or endnote lifted out of the running text."""

    id: str | None
    """The note's id (what references point to)."""
    blocks: tuple[Block, ...]
    """Its content, every block of kind ``note``."""
    section: str | None
    """The anchor section of the document it stood in (``None``: before the first anchor)."""
    where: str
    """``file:line`` of the note."""


@dataclass(frozen=True)
class NoteLinks:
    """Which elements of one document are note references, and which are notes (with their id)."""

    refs: frozenset[etree._Element] = frozenset()
    """Note reference elements: never read, their targets noted."""
    notes: dict[etree._Element, str] = field(default_factory=dict)
    """Note elements → the id they are referenced by."""


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
    written: dict[int, str] = field(default_factory=dict)
    """Block index → the heading as written, where it is spoken differently ("Chapter XIV")."""
    skipped: tuple[tuple[str | None, Skipped], ...] = ()
    """(section, what was left out and why), in document order."""
    refs: tuple[tuple[str | None, str], ...] = ()
    """(section, href) of each note reference, in reading order."""
    notes: tuple[Note, ...] = ()
    """Notes lifted out of the text, in document order."""
    source: dict[str | None, str] = field(default_factory=dict)
    """Section → its body text as written, markup removed (for coverage)."""
    types: frozenset[str] = frozenset()
    """``epub:type`` words of the whole page (on ``html``, ``body``, or its only child)."""


def _named_entities_to_numeric(text: str) -> str:
    """HTML named entities (``&nbsp;``) as numeric references, which XML knows without a DTD."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        char = html.entities.html5.get(name + ";")
        if char is None:
            return m.group(0)
        return "".join(f"&#{ord(c)};" for c in char)

    return _ENTITY.sub(sub, text)


def parse_xhtml(data: bytes, where: str, reporter: Reporter) -> etree._Element | None:
    """Parse safely; a malformed document is recovered and reported; ``None`` if nothing is left.

    A document that declares entities is not read at all (reported): a declaration is how entity
    bombs and external entities (a local file pulled into the text) start, and no book needs one.
    The text is decoded and cleaned first (``clean``: control characters, ANSI escapes, references
    to characters XML refuses). Long paragraphs and deep nesting are read (``huge_tree``): the
    document's size is capped where it is taken from the archive, and elements nested deeper than
    ``MAX_XML_DEPTH`` are read as text of the element above them, with a report.
    """
    declared = entity_declaration(data)
    if declared is not None:
        reporter.report(
            "entities-refused", "the document declares entities (<!ENTITY>), which are refused; not read",
            f"{where}:{declared[0]}:{declared[1]}",
        )
        return None
    root = _parse_tree(data, where, reporter)
    if root is not None and declared_entities(root):
        reporter.report("entities-refused", "the document declares entities (<!ENTITY>), which are refused; not read", where)
        return None
    return root


def _parse_tree(data: bytes, where: str, reporter: Reporter) -> etree._Element | None:
    text = _named_entities_to_numeric(decode_xml(data, where, reporter))
    raw = text.encode("utf-8")
    try:
        return etree.fromstring(raw, safe_parser(remove_comments=True))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, None)
        place = f"{where}:{line}" + (f":{column}" if column is not None else "")
        msg = exc.msg or str(exc)
        if "Excessive depth" in msg:
            flat, dropped = flatten_deep(text)
            reporter.report(
                "too-deep",
                f"elements nested deeper than {MAX_XML_DEPTH} levels; {dropped} tags below that are read as "
                "plain text of the element above them",
                place,
            )
            raw = flat.encode("utf-8")
            try:
                return etree.fromstring(raw, safe_parser(remove_comments=True))
            except etree.XMLSyntaxError as again:
                line, column = again.position if again.position else (again.lineno, None)
                place = f"{where}:{line}" + (f":{column}" if column is not None else "")
                msg = again.msg or str(again)
        try:
            root = etree.fromstring(raw, safe_parser(recover=True, remove_comments=True))
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


def element_types(el: etree._Element) -> set[str]:
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


def plain_text(el: etree._Element) -> str:
    """All text inside ``el``, whitespace normalized and invisible characters removed."""
    return " ".join("".join(str(t) for t in el.itertext()).translate(_INVISIBLE).split())


def block_text(block: Block) -> str:
    """The written text of a block (speech and the text behind phonemes), space-joined."""
    return " ".join(s.text for s in block.segments if isinstance(s, (Speech, Phonemes)) and s.text)


def find_noterefs(root: etree._Element) -> list[etree._Element]:
    """Note references: ``epub:type="noteref"`` (or ``doc-noteref``), or a link showing a reference
    mark ("1", "[2]", "*") inside or around a superscript, or with a note-like class."""
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if element_types(el) & _NOTEREF:
            out.append(el)
            continue
        if _local(el) != "a" or "#" not in (el.get("href") or ""):
            continue
        if not _REF_MARK.match(plain_text(el)):
            continue
        parent = el.getparent()
        in_sup = parent is not None and _local(parent) == "sup"
        has_sup = any(_local(c) == "sup" for c in el)
        classes = (el.get("class") or "").lower()
        if in_sup or has_sup or any(w in classes for w in ("note", "fn", "footnote")):
            out.append(el)
    return out


def note_element(target: etree._Element) -> etree._Element:
    """The note a reference's target stands for: itself, or the block around an inline anchor."""
    el = target
    while _local(el) not in _BLOCKS and _local(el) not in _CELLS:
        parent = el.getparent()
        if parent is None or _local(parent) in ("body", "html"):
            break
        el = parent
    return el


def note_links(root: etree._Element) -> NoteLinks:
    """The note references of a lone document and the notes they point to inside it."""
    refs = find_noterefs(root)
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    notes: dict[etree._Element, str] = {}
    for ref in refs:
        url, frag = urldefrag(ref.get("href") or "")
        target = by_id.get(unquote(frag)) if not url and frag else None
        if target is not None:
            notes.setdefault(note_element(target), unquote(frag))
    return NoteLinks(frozenset(refs), notes)


@dataclass(frozen=True)
class _Entered:
    """What the children of an element are read with."""

    ctx: Context
    kind: str
    alphabet: str
    block: bool
    """True when the element is a block: what was read is flushed when it closes."""


class _Walker:
    """Walks the element tree, collecting inline content and cutting it into blocks."""

    def __init__(
        self,
        where: str,
        reporter: Reporter,
        base_lang: str | None,
        pauses: Pauses,
        anchors: set[str],
        choices: ReadChoices,
        links: NoteLinks,
        in_note: bool = False,
    ):
        self.where = where
        self.reporter = reporter
        self.base_lang = (base_lang or "").lower()
        self.pauses = pauses
        self.wanted = anchors
        self.choices = choices
        self.links = links
        self.in_note = in_note
        self.blocks: list[Block] = []
        self.anchors: dict[str, int] = {}
        self.pending: list[tuple[str, Context, str | None] | Segment] = []
        self.kind = "paragraph"
        self.has_images = False
        self.written: dict[int, str] = {}
        self.section: str | None = None
        self.skipped: list[tuple[str | None, Skipped]] = []
        self.refs: list[tuple[str | None, str]] = []
        self.notes: list[Note] = []

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

    def skip(self, el: etree._Element, reason: str, text: str | None = None) -> None:
        """Note that ``el`` (or ``text`` standing for it) is left out, and why."""
        said = plain_text(el) if text is None else " ".join(text.split())
        self.skipped.append((self.section, Skipped(reason, said, self.at(el))))
        log.debug("%s: skipped %s", self.at(el), reason)

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
            if text:
                # CDATA sections and escaped tags are text to the parser; as speech they are markup.
                text = speakable(text, buf_src, self.reporter)
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
        if not tidy:
            return
        if self.kind == "heading" and isinstance(tidy[0], Speech):
            spoken = spoken_heading(tidy[0].text)
            if spoken != tidy[0].text:
                self.written[len(self.blocks)] = block_text(Block(tuple(tidy)))
                tidy[0] = replace(tidy[0], text=spoken)
        self.blocks.append(Block(tuple(tidy), self.kind))

    def last_text(self) -> str:
        for item in reversed(self.pending):
            if isinstance(item, tuple):
                return item[0]
            return ""
        return ""

    def image(self, el: etree._Element, name: str, ctx: Context, kind: str) -> None:
        self.has_images = True
        alt = " ".join((el.get("alt") or "").split()) if name == "img" else ""
        if alt and not _FILE_NAME.match(alt):
            if self.choices.read_alt:
                self.text(f" {alt} ", ctx, kind, _line(el))
            else:
                self.skip(el, "alt text", alt)
        else:
            self.skip(el, "image")

    def lift_note(self, el: etree._Element, ctx: Context, alphabet: str) -> None:
        """Take a note out of the text: its blocks go to ``notes``, read or skipped later."""
        self.flush()
        ident = self.links.notes.get(el) or el.get("id")
        sub = _Walker(
            self.where, self.reporter, self.base_lang, self.pauses, set(), self.choices, self.links, in_note=True
        )
        sub.element(el, ctx, "note", alphabet, lifting=True)
        sub.flush()
        blocks = tuple(replace(b, kind="note") for b in sub.blocks)
        self.skipped.extend((self.section, s) for _, s in sub.skipped)
        self.notes.append(Note(ident, blocks, self.section, self.at(el)))

    def notes_section(self, el: etree._Element, ctx: Context, alphabet: str) -> None:
        """A footnotes/endnotes section: each item with an id is a note; its heading is not read."""
        self.flush()
        if el.text and el.text.strip():
            self.skip(el, "notes heading", el.text)
        # Sections inside sections are walked with a stack: nesting has no bound in a hostile book.
        stack: list[tuple[Iterator[etree._Element], etree._Element | None]] = [(iter(el), None)]
        while stack:
            children, owner = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if owner is not None and owner.tail and owner.tail.strip():
                    self.skip(owner, "notes heading", owner.tail)
                continue
            name = _local(child)
            if not name:
                pass
            elif name == "li" or child.get("id") or element_types(child) & _NOTES or child in self.links.notes:
                self.lift_note(child, ctx, alphabet)
            elif name in ("ol", "ul", "div", "section", "dl"):
                if child.text and child.text.strip():
                    self.skip(child, "notes heading", child.text)
                stack.append((iter(child), child))
                continue
            elif plain_text(child):
                self.skip(child, "notes heading")
            if child.tail and child.tail.strip():
                self.skip(child, "notes heading", child.tail)

    def element(self, el: etree._Element, ctx: Context, kind: str, alphabet: str, lifting: bool = False) -> None:
        """Read ``el`` and everything inside it.

        The walk keeps its own stack rather than recursing, so a document nested as deep as the
        parser allows cannot exhaust Python's.
        """
        entered = self.enter(el, ctx, kind, alphabet, lifting)
        if entered is None:
            return
        stack: list[tuple[etree._Element, Iterator[etree._Element], _Entered]] = [(el, iter(el), entered)]
        self.text(el.text, entered.ctx, entered.kind, _line(el))
        while stack:
            parent, children, inside = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if inside.block:
                    self.flush()
                if stack:
                    outer = stack[-1][2]
                    self.text(parent.tail, outer.ctx, outer.kind, _line(parent))
                continue
            entered = self.enter(child, inside.ctx, inside.kind, inside.alphabet)
            if entered is None:
                self.text(child.tail, inside.ctx, inside.kind, _line(child))
                continue
            self.text(child.text, entered.ctx, entered.kind, _line(child))
            stack.append((child, iter(child), entered))

    def enter(
        self, el: etree._Element, ctx: Context, kind: str, alphabet: str, lifting: bool = False
    ) -> _Entered | None:
        """Read what ``el`` itself says; what its children are read with, or ``None`` if they are not."""
        ident = el.get("id")
        if ident is not None and ident in self.wanted and ident not in self.anchors:
            self.flush()
            self.anchors[ident] = len(self.blocks)
            self.section = ident
        name = _local(el)
        if not name:
            if isinstance(el, etree._Entity):
                self.reporter.report("entity-skipped", f"entity {el.text} is not expanded", self.at(el))
            return None
        if name in _NOT_BODY:
            return None
        if el.get("hidden") is not None:
            self.skip(el, "hidden")
            return None
        if name in _IMAGES:
            self.image(el, name, ctx, kind)
            return None
        if name in _MEDIA:
            if plain_text(el):
                self.skip(el, "media fallback text")
            return None
        if name in _RUBY:
            self.skip(el, "ruby annotation")
            return None
        if name == "math":
            alt = el.get("alttext")
            if alt:
                self.text(f" {alt} ", ctx, kind, _line(el))
                self.skip(el, "MathML (its alttext is read)")
            else:
                self.reporter.report("math-skipped", "MathML without alttext is not read", self.at(el))
                self.skip(el, "MathML without alttext")
            return None
        types = element_types(el)
        if types & _NOTEREF or el in self.links.refs:
            self.skip(el, "note reference")
            self.refs.append((self.section, el.get("href") or ""))
            return None
        if types & _PAGEBREAK:
            self.skip(el, "page number", plain_text(el) or el.get("title") or "")
            return None
        if self.in_note and name == "a" and (types & _BACKLINK or not re.search(r"\w", plain_text(el))):
            # "↩" back to the reference: a link for the eye, not a word.
            self.skip(el, "note backlink")
            return None
        if self.choices.skip_front_matter and types & set(FRONT_MATTER_TYPES):
            reason = FRONT_MATTER_TYPES[min(types & set(FRONT_MATTER_TYPES))]
            self.skip(el, f"front matter: {reason}")
            return None
        if types & _REPEATS:
            self.skip(el, "pull quote (repeats the text)")
            return None
        if not lifting and not self.in_note:
            if el in self.links.notes or types & _NOTES:
                self.lift_note(el, ctx, alphabet)
                return None
            if types & _NOTE_SECTIONS:
                self.notes_section(el, ctx, alphabet)
                return None
        if name == "sup" and len(el) == 0 and _SUP_MARK.match(plain_text(el)):
            before = self.last_text().rstrip()
            if before and not before[-1].isdigit():
                self.skip(el, "reference number")
                return None
        lang = el.get(_XML_LANG) or el.get("lang")
        if lang is not None:
            ctx = replace(ctx, lang=self.lang(lang))
        alphabet = (_attr(el, SSML_NS, "ssml", "alphabet") or alphabet).strip().lower()
        ph = _attr(el, SSML_NS, "ssml", "ph")
        if ph and ph.strip():
            written = plain_text(el)
            where = self.at(el)
            if alphabet in _IPA or alphabet in _XSAMPA:
                # Typed IPA ("'gɪld,fɔ:d") is folded onto IPA's own symbols: none is lost.
                ipa = fold_ipa(ph.strip() if alphabet in _IPA else xsampa_to_ipa(ph.strip()))
                self.segment(Phonemes(ipa, written, ctx, where, override=True), kind)
                return None
            self.reporter.report(
                "unsupported-alphabet",
                f"ssml:alphabet {alphabet!r} is not supported (use ipa or x-sampa); "
                f"the text {written!r} is read instead",
                where,
            )
        if name == "br":
            self.segment(Break(self.pauses.clause, "clause"), kind)
            return None
        if name in _CELLS:
            # Cells of a row are read in one breath, a short pause between them.
            if self.pending:
                self.segment(Break(self.pauses.clause, "clause"), kind)
            return _Entered(ctx, kind, alphabet, False)
        block = name in _BLOCKS
        if block:
            self.flush()
            kind = _BLOCK_KIND.get(name, kind)
            if name == "aside" and types and not self.in_note:
                kind = "note"
        return _Entered(ctx, kind, alphabet, block)


def _source_text(body: etree._Element, wanted: set[str]) -> dict[str | None, str]:
    """Each anchor section's body text as written, markup removed; blocks are kept apart."""
    parts: dict[str | None, list[str]] = {None: []}
    current: list[str | None] = [None]

    def opening(el: etree._Element) -> bool:
        """Note where ``el`` starts; whether its content is body text."""
        ident = el.get("id")
        if ident is not None and ident in wanted and ident not in parts:
            current[0] = ident
            parts[ident] = []
        name = _local(el)
        if not name or name in _NOT_BODY:
            return False
        if name in _BLOCKS or name in _CELLS or name == "br":
            parts[current[0]].append(" ")
        if el.text:
            parts[current[0]].append(el.text)
        return True

    # An explicit stack, as in the walker: nesting depth is the document's to choose.
    stack: list[tuple[etree._Element, Iterator[etree._Element]]] = []
    if opening(body):
        stack.append((body, iter(body)))
    while stack:
        el, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            name = _local(el)
            if name in _BLOCKS or name in _CELLS or name == "br":
                parts[current[0]].append(" ")
            if stack and el.tail:
                parts[current[0]].append(el.tail)
            continue
        if opening(child):
            stack.append((child, iter(child)))
        elif child.tail:
            parts[current[0]].append(child.tail)
    return {key: " ".join("".join(text).split()) for key, text in parts.items()}


def body_text(el: etree._Element) -> str:
    """The text inside ``el`` as written, blocks kept apart by spaces, head and scripts left out."""
    return _source_text(el, set())[None]


def page_types(root: etree._Element, body: etree._Element | None) -> frozenset[str]:
    """``epub:type`` words of a whole page: on ``html``, ``body``, or the body's only child."""
    types = element_types(root)
    if body is not None:
        types |= element_types(body)
        children = [c for c in body if isinstance(c.tag, str)]
        if len(children) == 1:
            types |= element_types(children[0])
    return frozenset(types)


def read_xhtml(
    data: bytes,
    where: str,
    reporter: Reporter,
    *,
    lang: str | None = None,
    pauses: Pauses | None = None,
    anchors: set[str] | frozenset[str] = frozenset(),
    choices: ReadChoices | None = None,
) -> XhtmlDocument | None:
    """Read one XHTML document into blocks; ``None`` when it cannot be parsed at all.

    ``lang`` is the book's language (a ``lang`` equal to it leaves the context's language unset);
    ``anchors`` are fragment ids to cut the document at (see ``split_at``). Notes referenced
    inside the document are lifted out into ``notes``.
    """
    root = parse_xhtml(data, where, reporter)
    if root is None:
        return None
    return read_tree(root, where, reporter, lang=lang, pauses=pauses, anchors=anchors, choices=choices)


def read_tree(
    root: etree._Element,
    where: str,
    reporter: Reporter,
    *,
    lang: str | None = None,
    pauses: Pauses | None = None,
    anchors: set[str] | frozenset[str] = frozenset(),
    choices: ReadChoices | None = None,
    links: NoteLinks | None = None,
) -> XhtmlDocument:
    """Like ``read_xhtml`` for a tree already parsed; ``links`` defaults to the document's own."""
    walker = _Walker(
        where,
        reporter,
        lang,
        pauses or Pauses(),
        set(anchors),
        choices or ReadChoices(),
        links if links is not None else note_links(root),
    )
    title = None
    body = None
    for el in root.iter():
        name = _local(el)
        if name == "title" and title is None:
            title = plain_text(el) or None
        elif name == "body":
            body = el
            break
    ctx = Context()
    top_lang = root.get(_XML_LANG) or root.get("lang")
    if top_lang is not None:
        ctx = replace(ctx, lang=walker.lang(top_lang))
    top = body if body is not None else root
    walker.element(top, ctx, "paragraph", "ipa")
    walker.flush()
    return XhtmlDocument(
        tuple(walker.blocks),
        dict(walker.anchors),
        title,
        walker.has_images,
        dict(walker.written),
        tuple(walker.skipped),
        tuple(walker.refs),
        tuple(walker.notes),
        _source_text(top, set(anchors)),
        page_types(root, body),
    )


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
