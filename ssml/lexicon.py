"""W3C Pronunciation Lexicon Specification (PLS 1.0) files: read safely, applied to text.

A lexicon maps graphemes (written words or phrases) to a pronunciation, either phonemes (IPA, or
X-SAMPA converted to IPA) or an alias (other text to read instead). Files are read only from the
local disk, only below the folder they are looked up in, and with the same refusal of DOCTYPE and
ENTITY declarations as SSML documents.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from .items import Diagnostic, SSMLError
from .parse import (
    _DECLARATION,
    _XML_DECL,
    Warn,
    _decode,
    _line_col,
    safe_parser,
    split_tag,
)
from .paths import resolve_inside
from .xsampa import xsampa_to_ipa

__all__ = ["PLS_NS", "Pronunciation", "Lexicon", "split_text", "parse_lexicon", "read_lexicon"]

PLS_NS = "http://www.w3.org/2005/01/pronunciation-lexicon"
"""The PLS 1.0 namespace (elements in no namespace are read the same way)."""

MAX_LEXICON_BYTES = 16 * 1024 * 1024
"""Largest lexicon file read; a bigger one is refused rather than loaded into memory."""

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Pronunciation:
    """How one grapheme is read: phonemes in IPA, or an alias."""

    ph: str | None = None
    """IPA, when the lexeme gives phonemes."""
    alias: str | None = None
    """Text to read instead, when the lexeme gives an alias."""


@dataclass
class Lexicon:
    """Graphemes → pronunciations, matched on word boundaries, exact case first."""

    entries: dict[str, Pronunciation] = field(default_factory=dict)
    """Grapheme (whitespace collapsed) → pronunciation."""
    source: str = "<lexicon>"
    """Where the lexicon came from, for messages."""
    _folded: dict[str, Pronunciation] = field(default_factory=dict, repr=False)
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def add(self, grapheme: str, pron: Pronunciation) -> None:
        """Add one entry; the first pronunciation of a grapheme wins, as PLS asks."""
        key = _SPACE.sub(" ", grapheme).strip()
        if not key:
            return
        self.entries.setdefault(key, pron)
        self._folded.setdefault(key.casefold(), pron)
        self._pattern = None

    def lookup(self, written: str) -> Pronunciation | None:
        """The pronunciation of ``written``: exact case first, then ignoring case."""
        key = _SPACE.sub(" ", written).strip()
        return self.entries.get(key) or self._folded.get(key.casefold())

    def pattern(self) -> re.Pattern[str] | None:
        """One regular expression matching every grapheme on word boundaries, longest first."""
        if self._pattern is None and self.entries:
            words = sorted(self.entries, key=len, reverse=True)
            alternatives = "|".join(r"\s+".join(re.escape(w) for w in g.split(" ")) for g in words)
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return self._pattern


def split_text(text: str, lexicons: list[Lexicon]) -> list[str | tuple[str, Pronunciation]]:
    """``text`` cut into plain pieces and (written, pronunciation) pieces; the innermost lexicon wins."""
    pieces: list[str | tuple[str, Pronunciation]] = [text]
    for lexicon in lexicons:
        pattern = lexicon.pattern()
        if pattern is None:
            continue
        out: list[str | tuple[str, Pronunciation]] = []
        for piece in pieces:
            if not isinstance(piece, str):
                out.append(piece)
                continue
            at = 0
            for m in pattern.finditer(piece):
                pron = lexicon.lookup(m.group(0))
                if pron is None:
                    continue
                if m.start() > at:
                    out.append(piece[at : m.start()])
                out.append((m.group(0), pron))
                at = m.end()
            if at < len(piece):
                out.append(piece[at:])
        pieces = out
    return pieces


def _local(el: etree._Element) -> str:
    return split_tag(el.tag)[1] if isinstance(el.tag, str) else ""


def parse_lexicon(data: str | bytes, *, source: str = "<lexicon>", strict: bool = False, warn: Warn) -> Lexicon:
    """Parse a PLS document; problems with single lexemes are warned about (raised in strict mode)."""
    text = _decode(data, source, strict, warn)
    found = _DECLARATION.search(text)
    if found:
        line, column = _line_col(text, found.start())
        raise SSMLError(f"<!{found.group(1).upper()}> declarations are refused in lexicons; remove it", source, line, column)
    try:
        # Blanked rather than cut, so line numbers stay true; lxml refuses a str that declares an encoding.
        root = etree.fromstring(_XML_DECL.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text), safe_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise SSMLError(f"malformed lexicon: {exc.msg}", source, line, column) from None
    if _local(root) != "lexicon":
        at = root.sourceline if isinstance(root.sourceline, int) else None
        raise SSMLError(f"the root element is <{_local(root)}>, not a PLS <lexicon>", source, at, None)

    def problem(message: str, el: etree._Element) -> None:
        line = el.sourceline if isinstance(el.sourceline, int) else None
        if strict:
            raise SSMLError(message, source, line, None)
        warn(Diagnostic("lexicon-entry", message + "; entry skipped", source, line, None))

    alphabet = (root.get("alphabet") or "ipa").strip().lower()
    lexicon = Lexicon(source=source)
    for lexeme in root:
        if _local(lexeme) != "lexeme":
            continue
        graphemes = [_SPACE.sub(" ", g.text or "").strip() for g in lexeme if _local(g) == "grapheme"]
        graphemes = [g for g in graphemes if g]
        prons: list[tuple[bool, Pronunciation]] = []
        skipped = False
        for child in lexeme:
            kind = _local(child)
            value = _SPACE.sub(" ", child.text or "").strip()
            prefer = (child.get("prefer") or "").strip().lower() == "true"
            if kind == "alias" and value:
                prons.append((prefer, Pronunciation(alias=value)))
            elif kind == "phoneme" and value:
                own = (child.get("alphabet") or alphabet).strip().lower()
                if own == "x-sampa":
                    value = xsampa_to_ipa(value)
                elif own != "ipa":
                    problem(f"phoneme alphabet {own!r} is not supported (use ipa or x-sampa)", child)
                    skipped = True
                    continue
                prons.append((prefer, Pronunciation(ph=value)))
        if not graphemes or not prons:
            if not skipped:
                problem("<lexeme> needs a <grapheme> and a <phoneme> or <alias>", lexeme)
            continue
        chosen = next((p for preferred, p in prons if preferred), prons[0][1])
        for g in graphemes:
            lexicon.add(g, chosen)
    return lexicon


def read_lexicon(
    uri: str, base_dir: str | Path, *, source: str = "<ssml>", strict: bool = False, warn: Warn
) -> Lexicon:
    """Read the PLS file ``uri`` names, relative to ``base_dir`` and never outside it; never fetched.

    ``uri`` is a path or a ``file:`` URI of a file in the document's folder ("file:names.pls",
    "file:///home/me/book/names.pls"); any other URL is refused.
    """
    local = uri
    if uri.lower().startswith("file:"):
        parsed = urlsplit(uri)
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"lexicon {uri!r} names another machine (nothing is fetched); put the file beside the document")
        local = unquote(parsed.path)
        if os.path.isabs(local) and base_dir is not None:
            # An absolute file: URI counts when it names a file in the folder; resolve_inside says if it does.
            local = os.path.relpath(local, Path(base_dir).resolve())
    try:
        path = resolve_inside(base_dir, local)
    except ValueError as exc:
        raise ValueError(f"lexicon {exc}") from None
    if not path.is_file():
        raise ValueError(f"lexicon file {uri!r} not found in {Path(base_dir).resolve()}")
    if path.stat().st_size > MAX_LEXICON_BYTES:
        raise ValueError(f"lexicon {uri!r} is over {MAX_LEXICON_BYTES // 2**20} MiB")
    return parse_lexicon(path.read_bytes(), source=str(path), strict=strict, warn=warn)
