"""An HTML page (``.htm``, ``.html``) → ``Book``, a Project Gutenberg HTML download above all.

The page is parsed leniently (HTML as browsers see it, XHTML too; no network, no DTD) and its body
read by the XHTML reader (``xhtml.read_tree``), so notes, page numbers, images and tables are
treated as in an EPUB chapter. Headings ``h1``-``h3`` cut the body into sections, and ``sections``
turns them into chapters the same way the text reader does, so the HTML and the plain-text
edition of one book give the same chapters: the book's title heading, its title page and its
table of contents are front matter, skipped unless it is kept.

Project Gutenberg's header (up to ``*** START OF THE PROJECT GUTENBERG EBOOK …``) and licence
(from ``*** END OF …`` or ``End of the Project Gutenberg EBook of …``) are removed before
reading and noted in the ledger. Title, author and language come from the head (``<meta
name="dc.title">``, ``dc.creator``, ``dc.language``), else from the header's ``Title:`` /
``Author:`` / ``Language:`` lines, else from ``<title>``.
"""

from __future__ import annotations

import copy as copy_module
import logging
import re
from collections import defaultdict
from collections.abc import Callable

from lxml import etree
from lxml import html as lxml_html

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter, Skipped
from audiobook.errors import InputError
from audiobook.model import Block, Book, Metadata
from audiobook.readers import gutenberg
from audiobook.readers.clean import MAX_XML_DEPTH, flatten_deep
from audiobook.readers.headings import bare_numeral, is_heading, numbered_title
from audiobook.readers.sections import Section, chapters
from audiobook.readers.text import book_language, decode, title_from_source
from audiobook.readers.xhtml import block_text, plain_text, read_tree, split_at
from ssml.parse import entity_declaration

__all__ = ["read"]

log = logging.getLogger(__name__)

_HEADINGS = {"h1": 0, "h2": 1, "h3": 2}
"""Headings that can start chapters, and their depth; ``h4``-``h6`` stay inside chapters."""
_BLOCKS = frozenset(
    "p pre div section article header footer main aside table blockquote ul ol dl h1 h2 h3 h4 h5 h6 hr center".split()
)
_CHARSET = re.compile(rb"""<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)|<meta[^>]*\bcharset\s*=\s*["']?([\w.:-]+)""", re.I)
_ANCHOR = "audiobook-section-{}"


_PARSER_DEPTH = 2047
"""The depth at which libxml2's HTML parser stops reading, even with ``huge_tree``."""
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
"""HTML elements without content or closing tag."""


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _text_of(data: bytes, options: ReadOptions, reporter: Reporter) -> str:
    """The page as text, in the encoding it declares, else UTF-8, else Windows-1252 (reported)."""
    m = _CHARSET.search(data[:4096])
    declared = (m.group(1) or m.group(2)).decode("ascii") if m else None
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, options.source, reporter)


def _parse(data: bytes, options: ReadOptions, reporter: Reporter) -> etree._Element:
    text = _text_of(data, options, reporter)
    # The encoding is settled above; the declaration would only contradict the bytes handed on.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise InputError("no text to read; the file is empty", options.source)
    declared = entity_declaration(text)
    if declared is not None:
        # HTML has no entity declarations: the HTML parser would read one as text ("]>", "&name;").
        raise InputError(
            "declares entities (<!ENTITY>), which are refused; remove the DOCTYPE's [...] part", options.source, *declared
        )
    # huge_tree: long paragraphs and deep nesting are read; the parser's own limit is 256 levels.
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, default_doctype=False, huge_tree=True
    )
    try:
        root = lxml_html.document_fromstring(text.encode("utf-8"), parser=parser)
        if _depth(root) >= _PARSER_DEPTH:
            # The parser stops without a word at its depth limit and drops the rest of the page;
            # the tags below ours go instead, and every word is read.
            flat, dropped = flatten_deep(text, void=_VOID)
            reporter.report(
                "too-deep",
                f"elements nested deeper than {MAX_XML_DEPTH} levels; {dropped} tags below that are read as "
                "plain text of the element above them",
                options.source,
            )
            root = lxml_html.document_fromstring(flat.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"not readable as HTML ({exc})", options.source) from None
    return root


def _depth(root: etree._Element) -> int:
    """How deep the tree goes (the root is level 1), walked with a stack."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        el, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in el)
    return deepest


def _lines(el: etree._Element) -> str:
    """The text of ``el`` with a line break after each block, as the header's fields need."""
    out: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            out.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                walk(child)
                if _local(child) in _BLOCKS or _local(child) == "br":
                    out.append("\n")
            if child.tail:
                out.append(child.tail)

    walk(el)
    return "".join(out)


def _marker(body: etree._Element, test: Callable[[str], bool]) -> etree._Element | None:
    """The block holding the first line that passes ``test``."""
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        pieces = [(el, el.text)] + [(el, c.tail) for c in el]
        for owner, piece in pieces:
            if piece and any(test(line) for line in piece.split("\n")):
                while _local(owner) not in _BLOCKS and owner.getparent() is not None and owner is not body:
                    owner = owner.getparent()
                return owner
    return None


def _cut_before(block: etree._Element, body: etree._Element) -> str:
    """Remove ``block`` and everything before it in the body; return their text."""
    removed: list[str] = []
    node = block
    while node is not body and node.getparent() is not None:
        parent = node.getparent()
        if parent.text:
            removed.append(parent.text)
            parent.text = None
        for sib in list(parent):
            if sib is node:
                break
            removed.append(_lines(sib) + "\n" + (sib.tail or ""))
            parent.remove(sib)
        node = parent
    removed.append(_lines(block))
    parent = block.getparent()
    tail = block.tail
    parent.remove(block)
    if tail and tail.strip():
        parent.text = tail
    return "\n".join(removed)


def _cut_after(block: etree._Element, body: etree._Element) -> str:
    """Remove ``block`` and everything after it in the body; return their text."""
    removed = [_lines(block)]
    node = block
    while node is not body and node.getparent() is not None:
        parent = node.getparent()
        if node.tail:
            removed.append(node.tail)
            node.tail = None
        for sib in list(node.itersiblings()):
            removed.append(_lines(sib) + "\n" + (sib.tail or ""))
            parent.remove(sib)
        node = parent
    block.getparent().remove(block)
    return "\n".join(removed)


def _title(heading: etree._Element) -> str:
    """A heading's text, a line break in it read as a space ("CHAPTER I.<br/>The Period")."""
    copy = copy_module.deepcopy(heading)
    for br in copy.iter("br"):
        br.tail = " " + (br.tail or "")
    return plain_text(copy)


def _head(root: etree._Element) -> tuple[dict[str, str], str | None]:
    """The head's Dublin Core ``<meta>`` values (``dc.title`` → …) and its ``<title>``."""
    meta: dict[str, str] = {}
    title = None
    for el in root.iter("meta", "title"):
        if el.tag == "title" and title is None:
            title = " ".join((el.text_content() or "").split()) or None
        elif el.tag == "meta":
            name = (el.get("name") or el.get("property") or "").lower().replace(":", ".")
            content = " ".join((el.get("content") or "").split())
            if name.startswith("dc.") and content and name not in meta:
                meta[name] = content
    return meta, title


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read an HTML page into a book, one chapter per heading of the chapter level."""
    reporter = reporter if reporter is not None else Reporter()
    ledger = ledger if ledger is not None else Ledger()
    source = options.source
    root = _parse(data, options, reporter)
    body = root.find(".//body")
    if body is None:
        raise InputError("no <body> to read", source)

    header = gutenberg.GutenbergHeader()
    start = _marker(body, gutenberg.is_start)
    if start is not None:
        where = f"{source}:{start.sourceline}" if start.sourceline else source
        end = _marker(body, gutenberg.is_end)
        if end is not None and end is not start:
            end_where = f"{source}:{end.sourceline}" if end.sourceline else source
            ledger.skip("Project Gutenberg licence", _cut_after(end, body), end_where)
        text = _cut_before(start, body)
        ledger.skip("Project Gutenberg header", text, where)
        header = gutenberg.parse_header(text.split("\n"))
        _skip_credit(body, options, ledger)

    meta, head_title = _head(root)
    found_title, found_authors = gutenberg.split_title(head_title) if head_title else (None, ())
    title = meta.get("dc.title") or header.title or found_title or title_from_source(source)
    creators = meta.get("dc.creator")
    authors = (creators,) if creators else header.authors or found_authors
    lang_attr = root.get("lang") or root.get("xml:lang")
    declared = meta.get("dc.language") or header.language or lang_attr
    language = book_language(gutenberg.language_code(declared) if declared else None, options.lang)

    ids: list[str] = []
    levels: dict[str, int] = {}
    titles: dict[str, str] = {}
    for el in body.iter(*_HEADINGS):
        ident = _ANCHOR.format(len(ids))
        el.set("id", ident)
        ids.append(ident)
        levels[ident] = _HEADINGS[el.tag]
        titles[ident] = _title(el)
    doc = read_tree(root, source, reporter, lang=language, pauses=options.pauses, anchors=set(ids),
                    choices=options.choices)
    parts = split_at(doc, ids)
    skipped: dict[str | None, list[Skipped]] = defaultdict(list)
    for section, item in doc.skipped:
        skipped[section].append(item)
    notes: dict[str | None, list[Block]] = defaultdict(list)
    for note in doc.notes:
        if options.choices.notes == "end":
            notes[note.section].extend(note.blocks)
        else:
            text = " ".join(block_text(b) for b in note.blocks)
            skipped[note.section].append(Skipped("note", text, note.where))

    sections: list[Section] = []
    for key in [None, *ids]:
        if key not in parts:
            continue
        blocks = parts[key] + tuple(notes.get(key, ()))
        heading = titles.get(key) if key is not None else None
        if key is None and not blocks:
            continue
        recognized = heading is not None and (
            is_heading(heading) or bare_numeral(heading) is not None or numbered_title(heading) is not None
        )
        first = blocks[0].segments[0] if blocks and blocks[0].segments else None
        where = getattr(first, "source", None) or source
        sections.append(
            Section(heading, levels.get(key or "", 0), blocks, where, doc.source.get(key, ""), recognized,
                    tuple(skipped.get(key, ())))
        )
    book_chapters = chapters(sections, options, ledger, title, authors)
    return Book(
        Metadata(title=title, subtitle=header.subtitle, authors=authors, language=language),
        tuple(book_chapters),
    )


def _skip_credit(body: etree._Element, options: ReadOptions, ledger: Ledger) -> None:
    """Skip the "Produced by …" credit that opens many books right after the start marker."""
    for el in body.iter():
        if not isinstance(el.tag, str) or _local(el) not in _BLOCKS:
            continue
        if any(_local(c) in _BLOCKS for c in el):
            continue
        text = plain_text(el)
        if not text:
            continue
        if _local(el) in ("p", "pre", "div") and gutenberg.is_credit(text) and len(text.split()) <= 80:
            where = f"{options.source}:{el.sourceline}" if el.sourceline else options.source
            ledger.skip("Project Gutenberg credits", text, where)
            parent = el.getparent()
            if el.tail and el.tail.strip():
                prev = el.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + el.tail
                else:
                    parent.text = (parent.text or "") + el.tail
            parent.remove(el)
        return
