"""Safe parsing of SSML text into an lxml tree, strict or with recovery.

Safety comes first: a document that declares a DOCTYPE or an ENTITY is refused before any parser
sees it, so entity-expansion bombs and external entities (which can read local files) never run;
the parser itself is also built with entity resolution, DTD loading and network access off.
"""

from __future__ import annotations

import codecs
import html.entities
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from .items import Diagnostic, SSMLError

__all__ = ["SSML_NS", "XML_NS", "Document", "declared_entities", "entity_declaration", "parse", "sourceline", "split_tag"]

log = logging.getLogger(__name__)

SSML_NS = "http://www.w3.org/2001/10/synthesis"
"""The SSML 1.1 namespace; elements in it and in no namespace are both read as SSML."""

XML_NS = "http://www.w3.org/XML/1998/namespace"
"""The namespace of ``xml:lang``."""

_XML_DECL = re.compile(r"^\s*<\?xml\b[^>]*\?>")
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)\b", re.IGNORECASE)
_BAD_CHARS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_ENTITY = re.compile(r"&(?:(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};)|([A-Za-z_][\w.-]*);)?")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_LOOSE_LT = re.compile(r"<(?![A-Za-z_/!?])")
_PREFIX = re.compile(r"</?([A-Za-z_][\w.-]*):[A-Za-z_]|\s([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*\s*=")
_TAG = re.compile(r"<[^>]*>")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_MAX_DEPTH_HINT = "Excessive depth"
_HINTS = {
    "EntityRef": " (write a literal & as &amp;)",
    "Namespace prefix": ' (declare the prefix with xmlns:name="..." on <speak>)',
    "tag mismatch": " (close the elements in the order they were opened)",
    "Start tag expected": " (an SSML document is a <speak> element)",
}

Warn = Callable[[Diagnostic], None]


@dataclass
class Document:
    """A parsed SSML document and the text its line and column numbers refer to."""

    root: etree._Element
    """The root element (a ``<speak>``, or one added around the content during recovery)."""
    text: str
    """The document text as parsed (newlines normalized, XML declaration blanked out)."""
    source: str = "<ssml>"
    """Name of the document for messages."""
    wrapped: bool = False
    """True when ``root`` was added during recovery and stands nowhere in ``text``."""
    meta: dict[str, str] = field(default_factory=dict)
    """``<meta name content>`` pairs."""

    @property
    def lang(self) -> str | None:
        """``xml:lang`` of the document's ``<speak>``, lower case."""
        speak = self.root
        if self.wrapped:
            speak = next((el for el in self.root.iter() if el is not self.root and _local(el) == "speak"), self.root)
        value = speak.get(f"{{{XML_NS}}}lang") or speak.get("lang")
        return value.strip().lower() if value else None


def split_tag(tag: str) -> tuple[str | None, str]:
    """``"{ns}local"`` → ``(ns, local)``; recovery can leave odd names that ``etree.QName`` refuses."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def sourceline(el: etree._Element) -> int | None:
    """The line lxml recorded for ``el`` (where its start tag ends), if any."""
    line = el.sourceline
    return line if isinstance(line, int) else None


def _local(el: etree._Element) -> str:
    return split_tag(el.tag)[1] if isinstance(el.tag, str) else ""


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def safe_parser(recover: bool = False, *, remove_comments: bool = False, huge_tree: bool = True) -> etree.XMLParser:
    """An lxml parser that never reads a DTD, expands an entity or touches the network.

    Every XML the project parses (SSML, PLS lexicons, EPUB package and content documents) goes
    through this one factory, so the safety settings live in one place. ``huge_tree`` lifts
    libxml2's 10 MB text-node limit, which would otherwise cut a long text without a word; the
    bombs that limit guards against need entities, which are refused before parsing.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        recover=recover,
        remove_comments=remove_comments,
        remove_pis=True,
        collect_ids=False,
    )


_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY\b", re.IGNORECASE)


def entity_declaration(data: str | bytes) -> tuple[int, int] | None:
    """Line and column of the first ``<!ENTITY`` declaration in an XML document, or ``None``.

    Documents that are not SSML (XHTML, EPUB package files) may carry a harmless DOCTYPE, but no
    document a book needs declares entities: a declaration is how entity bombs and external
    entities (XXE) start, so callers refuse the document before it is parsed.
    """
    if isinstance(data, str):
        raw = data.encode("utf-8", errors="surrogatepass")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raw = data.decode("utf-16", errors="replace").encode("utf-8")
    else:
        raw = data
    found = _ENTITY_DECLARATION.search(raw)
    if found is None:
        return None
    start = found.start()
    return raw.count(b"\n", 0, start) + 1, start - (raw.rfind(b"\n", 0, start) + 1) + 1


def declared_entities(root: etree._Element) -> list[str]:
    """Names of the entities a parsed document's internal DTD declares (none in a safe document).

    The check after parsing, for encodings the byte scan of ``entity_declaration`` cannot read.
    """
    dtd = root.getroottree().docinfo.internalDTD
    return [] if dtd is None else [str(e.name) for e in dtd.iterentities()]


def _decode(data: str | bytes, source: str, strict: bool, warn: Warn) -> str:
    if isinstance(data, str):
        return data
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        m = _ENCODING.match(data)
        encoding = m.group(1).decode("ascii") if m else "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError:
            if strict:
                raise SSMLError(f"unknown encoding {encoding!r}; save the file as UTF-8", source, 1, 1) from None
            warn(Diagnostic("encoding", f"unknown encoding {encoding!r}; read as UTF-8", source, 1, 1))
            encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"bytes are not valid {encoding}; save the file as UTF-8"
        if strict:
            raise SSMLError(message, source, line, column) from None
        warn(Diagnostic("encoding", message + " (bad bytes replaced)", source, line, column))
        return data.decode(encoding, errors="replace")


def _allowed_ref(m: re.Match[str]) -> bool:
    """Whether a numeric character reference names a character XML 1.0 allows (not a surrogate, NUL...)."""
    digits = m.group(1) or m.group(2)
    if len(digits) > 8:
        return False
    value = int(digits, 16) if m.group(1) else int(digits)
    return value in (0x9, 0xA, 0xD) or 0x20 <= value <= 0xD7FF or 0xE000 <= value <= 0xFFFD or 0x10000 <= value <= 0x10FFFF


def _fix_entity(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(0)
    name = m.group(2)
    if name is None:
        return "&amp;"
    if name in _XML_ENTITIES:
        return m.group(0)
    codepoint = html.entities.name2codepoint.get(name)
    return f"&#{codepoint};" if codepoint is not None else f"&amp;{name};"


def _plain(text: str) -> etree._Element:
    """Last resort of recovery: the words with every tag dropped."""
    root = etree.Element(f"{{{SSML_NS}}}speak")
    words = html.unescape(_TAG.sub(" ", text).replace("<", " "))
    root.text = _BAD_CHARS.sub(" ", words)
    return root


def _recover(text: str) -> tuple[etree._Element, bool]:
    """Parse malformed SSML: declare stray prefixes, escape loose ``&``, drop loose ``<``, wrap in ``<speak>``."""
    prefixes = {p for m in _PREFIX.finditer(text) for p in m.groups() if p and p not in ("xml", "xmlns")}
    declarations = "".join(f' xmlns:{p}="urn:x-ssml-undeclared:{p}"' for p in sorted(prefixes))
    # A "<" that opens no tag is debris of broken markup (text writes "&lt;"): it is never spoken.
    fixed = _LOOSE_LT.sub(" ", _ENTITY.sub(_fix_entity, text))
    # The wrapper stays on line 1 with no newline, so every line number still matches the input.
    wrapped = f'<speak xmlns="{SSML_NS}"{declarations}>{fixed}</speak>'
    try:
        root = etree.fromstring(wrapped, safe_parser(recover=True))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return _plain(text), True
    return root, True


def parse(
    data: str | bytes,
    *,
    source: str = "<ssml>",
    strict: bool = False,
    warn: Warn | None = None,
) -> Document:
    """Parse SSML safely; in lenient mode recover what can be read and warn, in strict mode raise."""
    report: Warn = warn or (lambda d: log.warning("%s", d))
    line: int | None
    column: int | None
    text = _decode(data, source, strict, report)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    decl = _XML_DECL.match(text)
    if decl:
        # Blank the declaration out rather than cut it, so line and column numbers stay true.
        text = re.sub(r"[^\n]", " ", decl.group(0)) + text[decl.end() :]
    found = _DECLARATION.search(text)
    if found:
        line, column = _line_col(text, found.start())
        raise SSMLError(
            f"<!{found.group(1).upper()}> declarations are refused (they can read files or expand without "
            "bound); remove it, SSML needs none",
            source,
            line,
            column,
        )
    # Recovery would let "&#xD800;" through as bytes that are no text at all; such references go first.
    ref = next((m for m in _CHAR_REF.finditer(text) if not _allowed_ref(m)), None)
    if ref:
        line, column = _line_col(text, ref.start())
        message = f"{ref.group(0)} names a character XML does not allow"
        if strict:
            raise SSMLError(message + "; remove it", source, line, column)
        report(Diagnostic("bad-character", message + "; removed", source, line, column))
        text = _CHAR_REF.sub(lambda m: m.group(0) if _allowed_ref(m) else "", text)
    bad = _BAD_CHARS.search(text)
    if bad:
        line, column = _line_col(text, bad.start())
        message = f"character U+{ord(bad.group(0)):04X} is not allowed in XML"
        if strict:
            raise SSMLError(message + "; remove it", source, line, column)
        report(Diagnostic("bad-character", message + "; replaced by a space", source, line, column))
        text = _BAD_CHARS.sub(" ", text)
    if not text.strip():
        if strict:
            raise SSMLError("empty document; an SSML document is a <speak> element", source, 1, 1)
        return Document(etree.Element(f"{{{SSML_NS}}}speak"), text, source, wrapped=True)
    wrapped = False
    try:
        root = etree.fromstring(text, safe_parser())
    except etree.XMLSyntaxError as exc:
        message = re.sub(r", line \d+, column \d+$", "", exc.msg or "syntax error")
        line, column = exc.position if exc.position else (None, None)
        if strict:
            hint = next((h for key, h in _HINTS.items() if key in message), "")
            raise SSMLError(f"malformed SSML: {message}{hint}", source, line, column) from None
        if _MAX_DEPTH_HINT in message:
            report(Diagnostic("too-deep", "elements nested too deep; markup dropped, text read", source, line, column))
            root, wrapped = _plain(text), True
        else:
            report(Diagnostic("recovered", f"malformed SSML recovered: {message}", source, line, column))
            root, wrapped = _recover(text)
    else:
        if _local(root) != "speak":
            name = f"{root.prefix}:{_local(root)}" if root.prefix else _local(root)
            start = text.find(f"<{name}")
            line, column = _line_col(text, start) if start >= 0 else (sourceline(root), None)
            message = f"the root element is <{name}>, not <speak>"
            if strict:
                raise SSMLError(message + "; wrap the document in <speak>", source, line, column)
            report(Diagnostic("no-speak", message + "; read as if wrapped in <speak>", source, line, column))
    doc = Document(root, text, source, wrapped)
    for el in root.iter("{*}meta"):
        key, content = el.get("name"), el.get("content")
        if key and content is not None:
            doc.meta.setdefault(key.strip().lower(), content.strip())
    return doc
