"""Odd bytes and markup debris out of the text, in one place for every reader.

Documents come from anywhere: text pasted from a terminal keeps its ANSI colour codes
(``\\x1b[0m`` would be read "zero meters"), files carry NULs, control characters, lone UTF-16
surrogates and noncharacters, and markup that no parser recovered stands in the text
(``<break time="2s>``, a CDATA section's tags, a stray ``]]>``, a ``[pause`` that never closed).
None of it is speech. ``clean_text`` runs on every decoded document before it is parsed;
``decode_xml`` decodes XML (XHTML, SSML) for it; ``strip_markup`` runs on the text a reader is
about to hand on as speech. Each removal is reported with its place, never silent: under
``--strict`` it is an error.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from audiobook.diagnostics import Reporter

__all__ = [
    "MAX_XML_DEPTH",
    "MarkupDebris",
    "clean_text",
    "decode_utf8",
    "decode_xml",
    "flatten_deep",
    "line_at",
    "markup_words",
    "speakable",
    "strip_markup",
]

MAX_XML_DEPTH = 2000
"""Elements nested deeper than this are read as the text of the element that holds them.

libxml2 refuses documents deeper than 2048 levels even with ``huge_tree``; below that our own
walks are iterative, so the limit is the parser's, kept with a margin."""

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves ("\x1b[0m", "\x1b[2J")
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # two-character escapes ("\x1b(B", "\x1bc")
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the 8-bit CSI
    # Colour codes whose ESC was lost on the way ("[0m", "[1;31m"): terminal debris, never prose.
    r"|\[\d{1,3}(?:;\d{1,3})*m(?!\])"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\ufffd]")
"""Characters that are never text: C0 and C1 controls (not tab, newlines, form feed), lone
surrogates, noncharacters, and U+FFFD, which stands for bytes that were not text."""
_XML_SPACE = str.maketrans("\x0c", " ")
"""Form feed separates pages in plain text; XML does not allow it, so there it is a space."""
_STRAY_CDATA_END = re.compile(r"(<!\[CDATA\[.*?\]\]>)|\]\]>", re.DOTALL)
"""A CDATA section (kept) or a ``]]>`` that closes none (markup debris, which XML forbids in text)."""
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_XML_DECL_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")

_ELEMENTS = frozenset(
    # SSML 1.1 and the vendor elements seen in the wild
    "speak p s paragraph sentence break prosody emphasis say-as sayas sub phoneme voice audio mark lang "
    "lexicon lookup meta metadata desc token w par seq media "
    # HTML and XHTML
    "a abbr address area article aside b base bdi bdo blockquote body br button canvas caption cite code "
    "col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure "
    "font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins "
    "kbd label legend li link main map mark math menu meter nav noscript object ol optgroup option output "
    "param picture pre progress q rp rt ruby samp script section select slot small source span strike "
    "strong style sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var "
    "video wbr center big marquee blink".split()
)
"""Names that make ``<name ...>`` in text markup rather than prose ("a <b> c" is broken markup;
"if a <= b" is not)."""
_TAG_DEBRIS = re.compile(
    r"""<!\[CDATA\[|\]\]>|<!--|<![A-Za-z][^<>]*>?|<\?[^<>]*\??>?"""
    # A declaration whose "<" a recovering parser dropped ("!DOCTYPE x>").
    r"""|!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)\b[^<>]*>?"""
    r"""|</?(?P<name>[A-Za-z][\w.-]*(?::[A-Za-z][\w.-]*)?)"""
    r"""(?:(?P<rest>(?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:"[^"<>]*"?|'[^'<>]*'?|[^\s<>"']*))?)*\s*/?)>|(?P<attrs>(?:\s+[\w:.-]+\s*=\s*(?:"[^"\s<>]*"?|'[^'\s<>]*'?|[^\s<>]*))+))"""
    r"""|(?P<entity>&(?:amp;){0,8}(?:lt|gt|amp|quot|apos|nbsp|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});)"""
    r"""|\[pause(?![\w-])(?:[^\[\]\n]{0,40}\]|(?:[ \t]*[=:][ \t]*|[ \t]+)?[\w.]*)"""
    # A bracket left by a tag a parser half recovered ("2s>"); "a < b" with spaces is a comparison.
    r"""|(?<!\s)[<>]|[<>](?!\s)""",
    re.IGNORECASE,
)
_SCRIPT_URL = re.compile(r"\b(?:javascript|vbscript|livescript):[^\s<>]+", re.IGNORECASE)

Report = Callable[[str, str, "str | None"], None]


@dataclass(frozen=True)
class MarkupDebris:
    """One piece of markup found in text meant to be spoken."""

    text: str
    """The piece as it stood."""
    start: int
    """Its offset in the text."""


def line_at(text: str, index: int) -> int:
    """The 1-based line of ``text[index]``."""
    return text.count("\n", 0, index) + 1


def _describe(found: list[str], one: str, many: str) -> str:
    shown = ", ".join(dict.fromkeys(found[:3])) + (", ..." if len(set(found)) > 3 else "")
    return f"{len(found)} {one if len(found) == 1 else many} ({shown})"


def clean_text(text: str, where: str, reporter: Reporter | None = None, *, xml: bool = False) -> str:
    """``text`` without ANSI escape sequences and characters that are never text, each kind reported once.

    ``where`` names the document; the report adds the line of the first removal. With ``xml``,
    character references to characters XML does not allow (``&#xD800;``, ``&#0;``) go too and
    form feeds become spaces. Removal never joins lines, so line numbers still match the file.
    """
    removals: list[tuple[str, str, int]] = []
    ansi = [m for m in _ANSI.finditer(text)]
    if ansi:
        removals.append(("ansi-escape", _describe([repr(m.group(0))[1:-1] for m in ansi], "ANSI escape sequence", "ANSI escape sequences"),
                         line_at(text, ansi[0].start())))
        text = _ANSI.sub("", text)
    if xml:
        refs = [m for m in _CHAR_REF.finditer(text) if not _xml_char(m)]
        if refs:
            removals.append(("bad-character", _describe([m.group(0) for m in refs],
                                                        "reference to a character XML does not allow", "references to characters XML does not allow"), line_at(text, refs[0].start())))
            text = _CHAR_REF.sub(lambda m: m.group(0) if _xml_char(m) else "", text)
        text = text.translate(_XML_SPACE)
        stray = [m for m in _STRAY_CDATA_END.finditer(text) if m.group(1) is None]
        if stray:
            removals.append(("markup-dropped", f"{len(stray)} stray ']]>'",
                             line_at(text, stray[0].start())))
            text = _STRAY_CDATA_END.sub(lambda m: m.group(0) if m.group(1) is not None else "", text)
    bad = [m for m in _CONTROL.finditer(text)]
    if bad:
        removals.append(("bad-character", _describe([f"U+{ord(m.group(0)):04X}" for m in bad],
                                                    "character that is not text", "characters that are not text"), line_at(text, bad[0].start())))
        text = _CONTROL.sub("", text)
    if reporter is not None:
        for code, message, line in removals:
            reporter.report(code, f"{message} removed", f"{where}:{line}")
    return text


def _xml_char(m: re.Match[str]) -> bool:
    """Whether a numeric character reference names a character XML 1.0 allows."""
    digits = m.group(1) or m.group(2)
    if len(digits) > 8:
        return False
    value = int(digits, 16) if m.group(1) else int(digits)
    return (
        value in (0x9, 0xA, 0xD)
        or 0x20 <= value <= 0xD7FF
        or 0xE000 <= value <= 0xFFFD
        or 0x10000 <= value <= 0x10FFFF
    )


def decode_utf8(data: bytes) -> tuple[str, int | None]:
    """``data`` as UTF-8 (BOM optional), and the offset of the first undecodable byte (``None``: clean).

    Surrogates written as three bytes each (CESU-8, or Python's ``surrogatepass``) are decoded and
    paired back into the character they stand for; a surrogate left without its pair is removed
    by ``clean_text``. Other bad bytes become U+FFFD, which ``clean_text`` removes with a report.
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        first = exc.start
    try:
        text = data.decode("utf-8-sig", errors="surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), first
    # Pairs of surrogates are one astral character; UTF-16 joins them, lone ones stay for cleaning.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass"), None


def decode_xml(data: bytes, where: str, reporter: Reporter | None = None) -> str:
    """An XML document's text: by its BOM, else its declared encoding, else UTF-8; then cleaned.

    Bad bytes are reported with their line and removed; the XML declaration is blanked out
    (spaces keep every column), since the text is no longer in the encoding it names.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
        bad = text.find("\ufffd") if "\ufffd" in text else None
    else:
        m = _XML_DECL_ENCODING.match(data)
        encoding = m.group(1).decode("ascii").lower() if m else "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError:
            if reporter is not None:
                reporter.report("encoding", f"unknown encoding {encoding!r}; read as UTF-8", f"{where}:1")
            encoding = "utf-8"
        if codecs.lookup(encoding).name == "utf-8":
            text, first = decode_utf8(data)
            bad = None if first is None else line_at(data.decode("latin-1"), first)
        else:
            try:
                text, bad = data.decode(encoding), None
            except UnicodeDecodeError as exc:
                text, bad = data.decode(encoding, errors="replace"), data.count(b"\n", 0, exc.start) + 1
    if bad is not None and reporter is not None:
        reporter.report("not-utf8", "bytes that are not valid text in its encoding are removed", f"{where}:{bad}")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", lambda d: re.sub(r"[^\n]", " ", d.group(0)), text)
    return clean_text(text, where, reporter, xml=True)


def markup_words(text: str) -> str:
    """``text`` with markup debris removed, for counting words (coverage): nothing reported."""
    return strip_markup(text)[0]


def strip_markup(text: str) -> tuple[str, list[MarkupDebris]]:
    """Text to be spoken with the markup no parser recovered taken out, and the pieces taken.

    Markup is a tag-shaped piece naming an SSML or HTML element (``<break time="2s>``,
    ``</voice>``, ``<b>``, a vendor ``<amazon:effect>``), a CDATA or comment delimiter, a
    declaration or processing instruction, an escaped entity left over from double escaping
    (``&lt;``), a pause tag no reader turned into a pause (``[pause 2s``), and a ``javascript:``
    address, and a ``<`` or ``>`` glued to the text beside it (left by a tag a parser half
    recovered). The text around it (a tag's content) is kept. A comparison written with spaces
    ("a < b") is not markup and stays.
    """
    found: list[MarkupDebris] = []

    def take(m: re.Match[str]) -> str:
        name, rest = m.group("name"), m.group("rest")
        if name is not None and m.group("attrs") is None:
            # A whole tag is markup when it names an element, a vendor prefix or an attribute.
            if name.lower() not in _ELEMENTS and ":" not in name and "=" not in (rest or ""):
                return m.group(0)
        found.append(MarkupDebris(m.group(0), m.start()))
        if m.group("entity"):
            # Escaped twice ("&amp;amp;"): the character meant is kept, unless it is a bracket.
            char = m.group("entity")
            while "&" in char and html.unescape(char) != char:
                char = html.unescape(char)
            return char if char.isprintable() and char not in "<>" else " "
        return " "

    out = _TAG_DEBRIS.sub(take, text)

    def script(m: re.Match[str]) -> str:
        found.append(MarkupDebris(m.group(0), m.start()))
        return " "

    out = _SCRIPT_URL.sub(script, out)
    if not found:
        return text, found
    return " ".join(out.split()) if out.strip() else "", sorted(found, key=lambda d: d.start)


def speakable(text: str, where: str | None, reporter: Reporter | None) -> str:
    """``strip_markup`` with each piece taken out reported where it stood (``markup-dropped``)."""
    out, found = strip_markup(text)
    if reporter is not None:
        for piece in found:
            shown = piece.text if len(piece.text) <= 40 else piece.text[:37] + "..."
            reporter.report("markup-dropped", f"{shown!r} is markup that could not be read; not spoken", where)
    return out


def flatten_deep(text: str, limit: int = MAX_XML_DEPTH, void: frozenset[str] = frozenset()) -> tuple[str, int]:
    """XML text with the tags nested deeper than ``limit`` removed (their text kept), and how many.

    ``void`` names elements that never hold content (HTML's ``br``, ``img``), written without a
    closing tag.

    The parser gives up on deeper documents and recovery drops what lies below; this keeps every
    word and loses only the structure beyond the limit. Tags are found by their shape, skipping
    comments, CDATA sections and quoted attribute values.
    """
    depth = 0
    dropped = 0
    out: list[str] = []
    at = 0
    for m in _XML_TOKEN.finditer(text):
        if m.group("close") is None and m.group("open") is None:
            continue  # a comment, CDATA section or processing instruction: kept as it is
        closing = m.group("close") is not None
        selfclosing = not closing and (m.group("self") == "/" or m.group("open").lower() in void)
        if closing and m.group("close").lower() in void:
            deep = depth >= limit
        elif closing:
            deep = depth > limit
            depth = max(depth - 1, 0)
        else:
            deep = depth + (0 if selfclosing else 1) > limit
            if not selfclosing:
                depth += 1
        if deep:
            out.append(text[at : m.start()])
            # A space keeps words apart; newlines in the tag are kept so line numbers hold.
            out.append(" " + "\n" * m.group(0).count("\n"))
            at = m.end()
            dropped += 1
    out.append(text[at:])
    return "".join(out), dropped


_XML_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    r"|</(?P<close>[^\s>]+)\s*>"
    r"""|<(?P<open>[A-Za-z_][\w:.-]*)(?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*\s*(?P<self>/?)>""",
    re.DOTALL,
)
