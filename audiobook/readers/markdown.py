"""Markdown (CommonMark) → ``Book``, with SSML elements allowed inline.

YAML front matter (between ``---`` lines) gives title, author(s), language and voice. Headings of
the top level in the file start chapters; a file with a single top heading above deeper ones is
split at the next level down, and that heading titles the book when the front matter does not.
Each chapter is rendered to one SSML string (text escaped, HTML passed through, each paragraph,
list item, quote and heading a ``<p>``) and lowered by the ``ssml`` package, so ``<break>``,
``<voice>``, ``<phoneme>``, ``<prosody>``, ``<emphasis>`` and ``<sub>`` work as in SSML. The SSML
keeps the Markdown's line numbers, so every report names the Markdown file and line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

import ssml as ssml_lib

from ..config import ReadOptions
from ..errors import InputError
from ..model import Block, Book, Chapter, Metadata
from .ssml import segments_from
from .text import decode

__all__ = ["read", "split_front_matter"]

log = logging.getLogger(__name__)

_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_DECLARATION = re.compile(r"<![A-Za-z][^>]*>")
_TAG = re.compile(r"^<(/?)([A-Za-z][\w:.-]*)(?:\s[^>]*?)?(/?)>$", re.DOTALL)
_KINDS = {"blockquote_open": "quote", "list_item_open": "item"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def split_front_matter(text: str) -> tuple[str | None, str]:
    """``(yaml, body)``; the front matter's lines are left blank in ``body`` so line numbers hold."""
    if not text.startswith("---\n"):
        return None, text
    end = _FRONT_END.search(text, 4)
    if end is None:
        return None, text
    stop = text.find("\n", end.end())
    stop = len(text) if stop < 0 else stop + 1
    front = text[4 : end.start()]
    return front, "\n" * text.count("\n", 0, stop) + text[stop:]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(inline: Token) -> str:
    """The words of an inline token (a heading), markup left out."""
    words = [
        c.content if c.type in ("text", "code_inline") else " "
        for c in inline.children or ()
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    ]
    return " ".join("".join(words).split())


@dataclass
class _Render:
    """One chapter rendered to SSML whose line N is line N of the Markdown file."""

    where: str
    options: ReadOptions
    parts: list[str] = field(default_factory=list)
    line: int = 1
    blocks: list[tuple[int, int, str]] = field(default_factory=list)
    """(first line, last line, kind) of each ``<p>`` written."""
    open_tags: list[tuple[str, str, int]] = field(default_factory=list)
    """Inline elements opened and not yet closed: (name, start tag, line)."""

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.line += text.count("\n")

    def goto(self, line: int) -> None:
        if line > self.line:
            self.emit("\n" * (line - self.line))

    def report(self, code: str, message: str, line: int) -> None:
        self.options.reporter.report(code, message, f"{self.where}:{line}")

    def block(self, tokens: list[Token], i: int, kind: str) -> None:
        """Write the paragraph or heading whose inline content is ``tokens[i]``."""
        inline = tokens[i]
        first, last = (inline.map[0] + 1, inline.map[1]) if inline.map else (self.line, self.line)
        self.goto(first)
        # Inline elements left open by an earlier paragraph go on here (a voice may span paragraphs).
        self.emit("<p>" + "".join(tag for _, tag, _ in self.open_tags))
        for child in inline.children or ():
            self.inline(child)
        self.emit("".join(f"</{name}>" for name, _, _ in reversed(self.open_tags)) + "</p>")
        self.blocks.append((first, max(first, last), kind))

    def inline(self, tok: Token) -> None:
        if tok.type in ("text", "code_inline"):
            self.emit(_escape(tok.content))
        elif tok.type in ("softbreak", "hardbreak"):
            self.emit("\n")
        elif tok.type == "html_inline":
            self.html_inline(tok.content)
        elif tok.type == "image":
            self.report("image-skipped", f"skipped image {tok.content!r}", self.line)

    def html_inline(self, tag: str) -> None:
        if tag.startswith("<!--"):
            self.emit("\n" * tag.count("\n"))
            return
        if _DECLARATION.match(tag):
            self.report("declaration-skipped", f"skipped {tag[:40]!r}", self.line)
            self.emit("\n" * tag.count("\n"))
            return
        m = _TAG.match(tag)
        if m and m.group(2).lower() in _VOID:
            # HTML's empty elements (<br>, <img>) have no end tag, which XML would read as unclosed.
            if m.group(2).lower() == "img":
                self.report("image-skipped", "skipped image", self.line)
            self.emit(" ")
            return
        if m and not m.group(3):
            closing, name = m.group(1), m.group(2)
            if not closing:
                self.open_tags.append((name, tag, self.line))
            else:
                for n in range(len(self.open_tags) - 1, -1, -1):
                    if self.open_tags[n][0] == name:
                        del self.open_tags[n]
                        break
        self.emit(tag)

    def html_block(self, tok: Token) -> None:
        if tok.map:
            self.goto(tok.map[0] + 1)
        content = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), tok.content)
        declaration = _DECLARATION.search(content)
        if declaration:
            self.report("declaration-skipped", f"skipped {declaration.group(0)[:40]!r}", self.line)
            content = _DECLARATION.sub("", content)
        self.emit(content)

    def render(self, tokens: list[Token]) -> str:
        kinds: list[str] = []
        for i, tok in enumerate(tokens):
            if tok.type in _KINDS:
                kinds.append(_KINDS[tok.type])
            elif tok.type in ("blockquote_close", "list_item_close"):
                kinds.pop()
            elif tok.type == "heading_open":
                self.block(tokens, i + 1, "heading")
            elif tok.type == "paragraph_open":
                self.block(tokens, i + 1, kinds[-1] if kinds else "paragraph")
            elif tok.type == "html_block":
                self.html_block(tok)
            elif tok.type in ("fence", "code_block"):
                self.report("code-skipped", "skipped code block", tok.map[0] + 1 if tok.map else self.line)
        for name, _, line in self.open_tags:
            self.report("unclosed-element", f"<{name}> is not closed by the end of the chapter", line)
        return f'<speak xmlns="{ssml_lib.SSML_NS}">' + "".join(self.parts) + "</speak>"

    def kind_at(self, line: int | None) -> str:
        for first, last, kind in self.blocks:
            if line is not None and first <= line <= last:
                return kind
        return "paragraph"


def _meta(front: str | None, where: str, options: ReadOptions) -> dict[str, Any]:
    if front is None:
        return {}
    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening ---
        options.reporter.report("front-matter", f"front matter is not valid YAML ({exc}); ignored", f"{where}:{line}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        options.reporter.report(
            "front-matter", "front matter is not a mapping of keys to values; ignored", f"{where}:1"
        )
        return {}
    return {str(k).lower(): v for k, v in data.items()}


def _text(value: Any) -> str | None:
    return None if value is None else str(value).strip() or None


def _authors(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(a).strip() for a in value if str(a).strip())
    return (str(value).strip(),) if value is not None and str(value).strip() else ()


def _chapter_starts(tokens: list[Token]) -> tuple[list[int], str | None]:
    """Token indices where chapters start, and a book title from a lone top heading."""
    headings = [(i, int(t.tag[1])) for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0]
    if not headings:
        return [], None
    levels = sorted({level for _, level in headings})
    top = [i for i, level in headings if level == levels[0]]
    if len(top) == 1 and len(levels) > 1:
        return [i for i, level in headings if level == levels[1]], _plain(tokens[top[0] + 1])
    return top, None


def read(data: bytes, options: ReadOptions) -> Book:
    """Read a Markdown file into a book, one chapter per top-level heading."""
    where = options.source
    text = decode(data, where, options.reporter).replace("\r\n", "\n").replace("\r", "\n")
    front, body = split_front_matter(text)
    fm = _meta(front, where, options)
    tokens = MarkdownIt("commonmark").parse(body)
    starts, heading_title = _chapter_starts(tokens)
    title = _text(fm.get("title")) or heading_title or _stem(where)
    language = (_text(fm.get("language")) or _text(fm.get("lang")) or options.lang or "en-us").lower()

    def warn(d: ssml_lib.Diagnostic) -> None:
        # Columns in the rendered SSML are not columns of the Markdown, so only the line is named.
        options.reporter.report(d.code, d.message, f"{where}:{d.line}" if d.line else where)

    bounds = [0, *starts, len(tokens)]
    chapters: list[Chapter] = []
    for n, (begin, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        part = tokens[begin:end]
        if not part:
            continue
        render = _Render(where, options)
        document = render.render(part)
        try:
            lowered = ssml_lib.lower(
                document,
                source=where,
                strengths=options.pauses.strengths,
                max_break_ms=options.pauses.max_break,
                warn=warn,
            )
        except ssml_lib.SSMLError as exc:
            raise InputError(exc.message, where, exc.line) from None
        blocks = tuple(
            Block(tuple(segments_from(items, where, language, columns=False, options=options)), render.kind_at(_first_line(items)))
            for items in lowered
        )
        is_preamble = n == 0 and (not starts or starts[0] != 0)
        if is_preamble:
            if blocks:
                chapters.append(Chapter(title, blocks, where))
            continue
        heading = _plain(part[1]) or f"Chapter {len(chapters) + 1}"
        chapters.append(Chapter(heading, blocks, f"{where}:{part[0].map[0] + 1 if part[0].map else 1}"))
    meta = Metadata(
        title=title,
        authors=_authors(fm.get("author", fm.get("authors"))),
        language=language,
        voice=_text(fm.get("voice")),
        identifier=_text(fm.get("identifier") or fm.get("isbn")),
        description=_text(fm.get("description")),
        publisher=_text(fm.get("publisher")),
        date=_text(fm.get("date")),
    )
    return Book(meta, tuple(chapters))


def _first_line(items: list[ssml_lib.Item]) -> int | None:
    return next((i.line for i in items if isinstance(i, (ssml_lib.Text, ssml_lib.Phoneme))), None)


def _stem(source: str) -> str:
    if not source or source.startswith("<"):
        return "Untitled"
    return PurePath(source).stem or "Untitled"
