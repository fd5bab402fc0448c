"""Markdown (CommonMark) → ``Book``, with SSML elements allowed inline.

YAML front matter (between ``---`` lines) gives title, subtitle, author(s), language, voice and
series. Headings of the top level in the file start chapters (or of every level down to
``heading_level``); a file with a single top heading above deeper ones is split at the next level
down, and that heading titles the book when the front matter does not. Each chapter is rendered
to one SSML string (text escaped, HTML passed through, each paragraph, list item, quote and
heading a ``<p>``) and lowered by the ``ssml`` package, so ``<break>``, ``<voice>``,
``<phoneme>``, ``<prosody>``, ``<emphasis>`` and ``<sub>`` work as in SSML. The SSML keeps the
Markdown's line numbers, so every report names the Markdown file and line.

``*emphasis*`` and ``**strong**`` become SSML emphasis; links are read as their text; code blocks
and images' alt text are read or skipped by choice; HTML comments are never read. Writers who do
not want XML can write pauses as ``[pause 2s]``, ``[pause 500ms]``, ``[PAUSE=3]``, ``[pause:1.5]``,
``[pause strong]`` or ``[pause]`` (a strong pause), on a line of their own or inside a paragraph:
they become the same ``<break>`` as in SSML (see ``pauses``).
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

import ssml as ssml_lib
from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter, Skipped
from audiobook.errors import InputError
from audiobook.model import Block, Book, Chapter, Metadata
from audiobook.readers.clean import clean_text, speakable
from audiobook.readers.headings import spoken_heading
from audiobook.readers.pauses import HINT, PAUSE, pause_value, shown, ssml_break
from audiobook.readers.ssml import segments_from
from audiobook.readers.text import decode, title_from_source

__all__ = ["FrontMatterError", "load_front_matter", "read", "split_front_matter"]

log = logging.getLogger(__name__)

_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_DECLARATION = re.compile(r"<![A-Za-z][^>]*>")
_TAG = re.compile(r"^<(/?)([A-Za-z][\w:.-]*)(?:\s[^>]*?)?(/?)>$", re.DOTALL)
_KINDS = {"blockquote_open": "quote", "list_item_open": "item"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_PAUSE = PAUSE
"""The pause shortcut: ``[pause]``, ``[pause 2s]``, ``[PAUSE=3]``, ``[pause:1.5]``, ``[pause weak]``."""
_EMPHASIS = {"em_open": "moderate", "strong_open": "strong"}
_TAG_TEXT = re.compile(r"<[^>]*>")
_VOID_TAG = re.compile(rf"<({'|'.join(sorted(_VOID))})\b[^>]*>", re.IGNORECASE)
MAX_NESTING = 100
"""Deepest nesting of block quotes and lists read (each list level counts two: list and item).

The parser gives up below it (its guard against stack exhaustion); the words nested deeper are
reported with their count and listed by ``inspect --coverage``, never dropped unseen."""
_HIDDEN = {"script": "script", "style": "style sheet", "template": "template"}
"""Elements whose content is code for a browser, never speech: element → what the ledger calls it."""
_HIDDEN_BLOCK = re.compile(r"<(script|style|template)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_CDATA = re.compile(r"^<!\[CDATA\[(.*?)\]\]>$", re.DOTALL)
_WHOLE_TAG = re.compile(
    r"""(</?[A-Za-z][\w:.-]*(?:\s+[\w:.-]+(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)*\s*/?>)"""
)
"""A well-formed start or end tag; anything else that looks like one is broken markup, read as text."""
_CDATA_IN = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_SCRIPT_SCHEME = re.compile(r"^\s*(?:javascript|vbscript|livescript|data):", re.IGNORECASE)
_CONTAINER_MARK = re.compile(r"^(?:[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))+[ \t]?")
"""Block quote and list markers at the start of a line."""


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


MAX_FRONT_MATTER_DEPTH = 32
"""Deepest nesting of lists and mappings front matter may have (it needs two or three levels)."""


class FrontMatterError(ValueError):
    """Front matter that is refused: not YAML, too large, an alias, too deep. ``line`` is the file's."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


class _Loader(yaml.SafeLoader):
    """YAML's safe loader without aliases, nested at most ``MAX_FRONT_MATTER_DEPTH`` deep.

    An alias repeats what its anchor holds: a few lines of aliases of aliases expand to gigabytes
    (the YAML "billion laughs"). Front matter needs none, so they are refused where they stand;
    the depth cap keeps the loader's recursion far from Python's limit.
    """

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter; write the value out", mark
            )
        self.depth += 1
        try:
            if self.depth > MAX_FRONT_MATTER_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_FRONT_MATTER_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.depth -= 1


def load_front_matter(front: str, max_bytes: int) -> object:
    """The data of YAML front matter (the text between the ``---`` lines), loaded safely and capped.

    Raises ``FrontMatterError`` with a one-line reason and the file's line (the front matter's
    first line is line 2 of the file).
    """
    size = len(front.encode("utf-8", errors="surrogatepass"))
    if size > max_bytes:
        raise FrontMatterError(
            f"front matter is {size} bytes, over the {max_bytes}-byte limit (--limit front-matter=...)", 1
        )
    try:
        return yaml.load(front, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # +1 for 1-based lines, +1 for the opening ---.
        raise FrontMatterError(f"front matter is not valid YAML ({problem})", mark.line + 2 if mark else 1) from None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _matching_closes(children: list[Token]) -> dict[int, int]:
    """Index of each emphasis opener → index of its closer."""
    out: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(children):
        if tok.type in _EMPHASIS:
            stack.append(i)
        elif tok.type in ("em_close", "strong_close") and stack:
            out[stack.pop()] = i
    return out


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
    reporter: Reporter
    parts: list[str] = field(default_factory=list)
    line: int = 1
    blocks: list[tuple[int, int, str]] = field(default_factory=list)
    """(first line, last line, kind) of each ``<p>`` written."""
    open_tags: list[tuple[str, str, int]] = field(default_factory=list)
    """Inline elements opened and not yet closed: (name, start tag, line)."""
    skipped: list[Skipped] = field(default_factory=list)
    """Content left out by choice (code, images, alt text)."""
    source: list[str] = field(default_factory=list)
    """The chapter's body text as written, for coverage."""
    plain: set[int] = field(default_factory=set)
    """Indices of emphasis tokens of the current block written as plain text."""
    alias: str | None = None
    """Inside ``<sub alias>``: the alias read instead of the text."""
    hidden: tuple[str, int] | None = None
    """Inside an inline ``<script>``, ``<style>`` or ``<template>``: (its name, its line)."""
    autolink: bool = False
    """Inside an autolink to a script address (``<javascript:...>``): its text is not read."""

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.line += text.count("\n")

    def goto(self, line: int) -> None:
        if line > self.line:
            self.emit("\n" * (line - self.line))

    def report(self, code: str, message: str, line: int) -> None:
        self.reporter.report(code, message, f"{self.where}:{line}")

    def skip(self, reason: str, text: str, line: int) -> None:
        self.skipped.append(Skipped(reason, " ".join(text.split()), f"{self.where}:{line}"))

    def block(self, tokens: list[Token], i: int, kind: str, cells: list[int] | None = None) -> None:
        """Write the paragraph or heading whose inline content is ``tokens[i]``.

        ``cells``: the inline tokens of a table row's cells, read as one block with a short pause
        between cells (``i`` is the first of them).
        """
        inline = tokens[i]
        first, last = (inline.map[0] + 1, inline.map[1]) if inline.map else (self.line, self.line)
        self.goto(first)
        # Inline elements left open by an earlier paragraph go on here (a voice may span paragraphs).
        self.emit("<p>" + "".join(tag for _, tag, _ in self.open_tags))
        self.source.append(" ")
        for n, index in enumerate(cells if cells is not None else [i]):
            if n:
                self.source.append(" ")
                self.emit('<break strength="weak"/>')
            self.inlines(tokens[index], kind)
        if self.hidden is not None:
            name, line = self.hidden
            self.report("unclosed-element", f"<{name}> is not closed in its paragraph; the rest is not read", line)
            self.hidden = None
        self.autolink = False
        self.emit("".join(f"</{name}>" for name, _, _ in reversed(self.open_tags)) + "</p>")
        self.blocks.append((first, max(first, last), kind))

    def inlines(self, inline: Token, kind: str) -> None:
        """The content of one inline token: a heading's words, or text and inline markup."""
        children = list(inline.children or ())
        spoken = self.heading_words(children) if kind == "heading" else None
        if spoken is not None:
            self.source.append(_plain(inline))
            self.emit(_escape(spoken))
            return
        # Emphasis around inline HTML could cross its tags; such emphasis is read plain.
        self.plain = set()
        for start, end in _matching_closes(children).items():
            if any(c.type == "html_inline" for c in children[start:end]):
                self.plain.update((start, end))
        for n, child in enumerate(children):
            self.inline(child, n)

    def heading_words(self, children: list[Token]) -> str | None:
        """A plain heading as spoken ("Chapter XIV" → "Chapter fourteen"), else ``None``."""
        if not children or any(c.type not in ("text", "softbreak") for c in children):
            return None
        written = " ".join("".join(c.content if c.type == "text" else " " for c in children).split())
        if _PAUSE.search(written):
            return None
        spoken = spoken_heading(written)
        return spoken if spoken != written else None

    def inline(self, tok: Token, index: int = -1) -> None:
        if self.hidden is not None and not (tok.type == "html_inline" and tok.content.lower().startswith("</")):
            self.source.append(" " + tok.content + " ")
            self.skip(_HIDDEN[self.hidden[0]], tok.content, self.line)
            self.emit("\n" * tok.content.count("\n") if tok.type != "softbreak" else "\n")
            return
        if tok.type == "link_open" and tok.markup == "autolink" and _SCRIPT_SCHEME.match(tok.attrGet("href") or ""):
            self.autolink = True
        elif tok.type == "link_close":
            self.autolink = False
        elif tok.type == "text" and self.autolink:
            # "<javascript:...>" shows the address as its text: code, never speech.
            self.source.append(" " + tok.content + " ")
            self.skip("script address", tok.content, self.line)
        elif tok.type == "text":
            self.text(tok.content)
        elif tok.type == "code_inline":
            self.source.append(tok.content)
            self.emit(_escape(tok.content))
        elif tok.type in ("softbreak", "hardbreak"):
            self.emit("\n")
        elif tok.type == "html_inline":
            self.html_inline(tok.content)
        elif tok.type in _EMPHASIS and index not in self.plain:
            self.emit(f'<emphasis level="{_EMPHASIS[tok.type]}">')
        elif tok.type in ("em_close", "strong_close") and index not in self.plain:
            self.emit("</emphasis>")
        elif tok.type == "image":
            alt = " ".join(tok.content.split())
            if alt and self.options.choices.read_alt:
                self.emit(f" {_escape(alt)} ")
            elif alt:
                self.skip("alt text", alt, self.line)
            else:
                self.skip("image", "", self.line)

    def text(self, content: str) -> None:
        """Plain text, with its pause shortcuts turned into breaks and markup debris taken out.

        A ``<`` that markdown-it did not take for HTML is text to it; when it has the shape of a
        tag (``<break time="2s>``) it is broken markup: reported, never spoken (``clean``).
        """
        if self.alias is not None and content.strip():
            self.skip(f"read as its alias {self.alias!r}", content, self.line)
        at = 0
        for m in _PAUSE.finditer(content):
            self.source.append(content[at : m.start()])
            self.emit(_escape(self.speakable(content[at : m.start()])))
            limit = self.options.pauses.max_break
            found = pause_value(m)
            if found is None:
                self.report("bad-pause", f"{shown(m.group(0))} is not a pause ({HINT}); dropped", self.line)
                at = m.end()
                continue
            if found[0] == "time" and int(found[1]) > limit:
                self.report("break-clamped", f"pause {shown(m.group(0))} is over the {limit} ms limit; clamped", self.line)
            self.emit(ssml_break(m, limit) or "")
            at = m.end()
        self.source.append(content[at:])
        self.emit(_escape(self.speakable(content[at:])))

    def speakable(self, text: str) -> str:
        """``text`` without markup debris, each piece reported; the spaces at its edges kept."""
        if not text.strip():
            return text
        out = speakable(text, f"{self.where}:{self.line}", self.reporter)
        lead = " " if text[0].isspace() else ""
        tail = " " if text[-1].isspace() else ""
        return lead + out + tail if out else lead or tail

    def html_inline(self, tag: str) -> None:
        # A tag parts words the way SSML reads them ("Wait<break/>for" is two words).
        self.source.append(" ")
        sub = re.match(r"""<sub\b[^>]*\balias\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
        if sub:
            self.alias = sub.group(1) if sub.group(1) is not None else sub.group(2)
        elif tag.startswith("</sub"):
            self.alias = None
        if tag.startswith("<!--"):
            self.emit("\n" * tag.count("\n"))
            return
        cdata = _CDATA.match(tag)
        if cdata:
            # A CDATA section is text that looks like markup: its words are read, its tags are not.
            self.text(cdata.group(1))
            return
        m = _TAG.match(tag)
        name = m.group(2).lower() if m else ""
        if self.hidden is not None:
            if m and m.group(1) and name == self.hidden[0]:
                self.hidden = None
            else:
                self.skip(_HIDDEN[self.hidden[0]], tag, self.line)
            self.emit("\n" * tag.count("\n"))
            return
        if m and name in _HIDDEN:
            if not m.group(1) and not m.group(3):
                self.hidden = (name, self.line)
            self.emit("\n" * tag.count("\n"))
            return
        if m and m.group(1) and not any(open_name == m.group(2) for open_name, _, _ in self.open_tags):
            self.report("unmatched-tag", f"</{m.group(2)}> closes no element opened in its paragraph; dropped", self.line)
            self.emit("\n" * tag.count("\n"))
            return
        if _DECLARATION.match(tag):
            self.report("declaration-skipped", f"skipped {tag[:40]!r}", self.line)
            self.emit("\n" * tag.count("\n"))
            return
        if m and m.group(2).lower() in _VOID:
            self.emit(self.void(tag, m.group(2)))
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

    def void(self, tag: str, name: str) -> str:
        """What stands for one of HTML's empty elements (``<br>``, ``<img>``): they have no end
        tag, which XML would read as unclosed. An image gives its alt text when that is read."""
        if name.lower() == "img":
            alt = re.search(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
            text = " ".join((alt.group(1) or alt.group(2) or "").split()) if alt else ""
            if text and self.options.choices.read_alt:
                return f" {_escape(text)} "
            self.skip("alt text" if text else "image", text, self.line)
        return " " + "\n" * tag.count("\n")

    def html_block(self, tok: Token) -> None:
        if tok.map:
            self.goto(tok.map[0] + 1)
        content = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), tok.content)

        def hide(m: re.Match[str]) -> str:
            self.skip(_HIDDEN[m.group(1).lower()], _TAG_TEXT.sub(" ", m.group(0)), self.line + content.count("\n", 0, m.start()))
            self.source.append(" " + _TAG_TEXT.sub(" ", m.group(0)) + " ")
            return "\n" * m.group(0).count("\n")

        content = _HIDDEN_BLOCK.sub(hide, content)
        # A CDATA section is text that looks like markup: its words are read, its tags are not.
        content = _CDATA_IN.sub(lambda m: _escape(self.speakable(m.group(1))) + "\n" * m.group(0).count("\n"), content)
        declaration = _DECLARATION.search(content)
        if declaration:
            self.report("declaration-skipped", f"skipped {declaration.group(0)[:40]!r}", self.line)
            content = _DECLARATION.sub("", content)
        self.source.append(" " + _TAG_TEXT.sub(" ", content) + " ")
        content = _VOID_TAG.sub(lambda m: self.void(m.group(0), m.group(1)), content)
        parts = _WHOLE_TAG.split(content)
        # The text between the block's tags: pause tags made breaks, markup debris taken out.
        self.emit("".join(part if n % 2 else self.html_text(part) for n, part in enumerate(parts)))

    def html_text(self, raw: str) -> str:
        """SSML for text inside an HTML block (escaped as HTML is): its lines are kept."""
        if not raw.strip():
            return raw
        out: list[str] = []
        at = 0
        text = html.unescape(raw)
        for m in _PAUSE.finditer(text):
            out.append(_escape(self.speakable(text[at : m.start()])))
            tag = ssml_break(m)
            if tag is None:
                self.report("bad-pause", f"{m.group(0)!r} is not a pause ({HINT}); dropped", self.line)
            else:
                out.append(tag)
            at = m.end()
        out.append(_escape(self.speakable(text[at:])))
        written = "".join(out)
        return written + "\n" * max(raw.count("\n") - written.count("\n"), 0)

    def code(self, tok: Token) -> None:
        """A code block: read line by line with short pauses, or skipped, as chosen."""
        first = tok.map[0] + 1 if tok.map else self.line
        self.source.append(" " + tok.content + " ")
        if self.options.choices.code_blocks != "read":
            self.skip("code block", tok.content, first)
            return
        lines = [line for line in tok.content.split("\n") if line.strip()]
        if not lines:
            return
        # A fenced block's text starts on the line after the fence.
        self.goto(first + (1 if tok.type == "fence" else 0))
        self.emit("<p>" + '<break strength="weak"/>\n'.join(_escape(line) for line in lines) + "</p>")
        self.blocks.append((first, self.line, "paragraph"))

    def render(self, tokens: list[Token]) -> str:
        kinds: list[str] = []
        for i, tok in enumerate(tokens):
            if tok.type in _KINDS:
                kinds.append(_KINDS[tok.type])
            elif tok.type in ("blockquote_close", "list_item_close"):
                kinds.pop()
            elif tok.type == "heading_open":
                self.block(tokens, i + 1, "heading")
            elif tok.type == "tr_open":
                cells = []
                for j in range(i + 1, len(tokens)):
                    if tokens[j].type == "tr_close":
                        break
                    if tokens[j].type == "inline":
                        cells.append(j)
                if cells:
                    self.block(tokens, cells[0], "cell", cells)
            elif tok.type == "paragraph_open":
                self.block(tokens, i + 1, kinds[-1] if kinds else "paragraph")
            elif tok.type == "html_block":
                self.html_block(tok)
            elif tok.type in ("fence", "code_block"):
                self.code(tok)
        for name, _, line in self.open_tags:
            self.report("unclosed-element", f"<{name}> is not closed by the end of the chapter", line)
        return f'<speak xmlns="{ssml_lib.SSML_NS}">' + "".join(self.parts) + "</speak>"

    def kind_at(self, line: int | None) -> str:
        for first, last, kind in self.blocks:
            if line is not None and first <= line <= last:
                return kind
        return "paragraph"


def _meta(front: str | None, where: str, reporter: Reporter, max_bytes: int) -> dict[str, Any]:
    if front is None:
        return {}
    try:
        data = load_front_matter(front, max_bytes)
    except FrontMatterError as exc:
        reporter.report("front-matter", f"{exc.message}; ignored", f"{where}:{exc.line}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        reporter.report(
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


def _chapter_starts(tokens: list[Token], level: int | None = None) -> tuple[list[int], str | None]:
    """Token indices where chapters start, and a book title from a lone top heading.

    With ``level``, every heading of that level or above starts a chapter.
    """
    headings = [(i, int(t.tag[1])) for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0]
    if not headings:
        return [], None
    if level is not None:
        return [i for i, n in headings if n <= level], None
    levels = sorted({level for _, level in headings})
    top = [i for i, level in headings if level == levels[0]]
    if len(top) == 1 and len(levels) > 1:
        return [i for i, level in headings if level == levels[1]], _plain(tokens[top[0] + 1])
    return top, None


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read a Markdown file into a book, one chapter per top-level heading."""
    reporter = reporter if reporter is not None else Reporter()
    ledger = ledger if ledger is not None else Ledger()
    where = options.source
    text = decode(data, where, reporter).replace("\r\n", "\n").replace("\r", "\n")
    # Markdown keeps HTML's character references: those to characters XML refuses go here too.
    text = clean_text(text, where, reporter, xml=True)
    front, body = split_front_matter(text)
    fm = _meta(front, where, reporter, options.limits.front_matter)
    tokens = _parser().parse(body)
    too_deep = _too_deep(tokens, body.split("\n"))
    starts, heading_title = _chapter_starts(tokens, options.choices.heading_level)
    title = _text(fm.get("title")) or heading_title or title_from_source(where)
    language = (_text(fm.get("language")) or _text(fm.get("lang")) or options.lang or "en-us").lower()

    def warn(d: ssml_lib.Diagnostic) -> None:
        # Columns in the rendered SSML are not columns of the Markdown, so only the line is named.
        reporter.report(d.code, d.message, f"{where}:{d.line}" if d.line else where)

    bounds = [0, *starts, len(tokens)]
    chapters: list[Chapter] = []
    for n, (begin, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        part = tokens[begin:end]
        if not part:
            continue
        render = _Render(where, options, reporter)
        document = render.render(part)
        try:
            lowered = ssml_lib.lower(
                document,
                source=where,
                strengths=options.pauses.strengths,
                max_break_ms=options.pauses.max_break,
                base_dir=options.base_dir,
                warn=warn,
            )
        except ssml_lib.SSMLError as exc:
            raise InputError(exc.message, where, exc.line) from None
        blocks = tuple(
            Block(
                tuple(
                    segments_from(items, where, language, columns=False, options=options, reporter=reporter, clean=False)
                ),
                render.kind_at(_first_line(items)),
            )
            for items in lowered
        )
        is_preamble = n == 0 and (not starts or starts[0] != 0)
        index = len(chapters)
        if is_preamble:
            if blocks:
                chapters.append(Chapter(title, blocks, where))
        else:
            heading = _plain(part[1]) or f"Chapter {index + 1}"
            chapters.append(Chapter(heading, blocks, f"{where}:{part[0].map[0] + 1 if part[0].map else 1}"))
        kept = len(chapters) > index
        for line, words in too_deep:
            if part[0].map and (n == 0 or part[0].map[0] < line) and (end == len(tokens) or _line_of(tokens, end) > line):
                reporter.report(
                    "too-deep",
                    f"{len(words.split())} words nested deeper than {MAX_NESTING} levels of quotes and lists are not read",
                    f"{where}:{line}",
                )
                render.skip(f"nested deeper than {MAX_NESTING} levels", words, line)
                render.source.append(" " + words + " ")
        for item in render.skipped:
            ledger.skip(item.reason, item.text, item.where, index if kept else None)
        if kept:
            ledger.source[index] = " ".join("".join(render.source).split())
    meta = Metadata(
        title=title,
        subtitle=_text(fm.get("subtitle")),
        series=_text(fm.get("series")),
        series_index=_text(fm.get("series_index", fm.get("series-index"))),
        authors=_authors(fm.get("author", fm.get("authors"))),
        language=language,
        voice=_text(fm.get("voice")),
        identifier=_text(fm.get("identifier") or fm.get("isbn")),
        description=_text(fm.get("description")),
        publisher=_text(fm.get("publisher")),
        date=_text(fm.get("date")),
    )
    return Book(meta, tuple(chapters))


def _parser() -> MarkdownIt:
    """CommonMark with tables, nesting capped at ``MAX_NESTING``, every link address accepted.

    Links are never followed, only their text is read; markdown-it's own check would leave a
    ``javascript:`` link as its raw syntax, which would then be spoken.
    """
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _too_deep(tokens: list[Token], lines: list[str]) -> list[tuple[int, str]]:
    """(line, words) of the content the parser left unread below ``MAX_NESTING`` levels.

    A quote or list item opened at the last level has no content tokens: its lines, markers
    removed, are what was not read.
    """
    out = []
    for i, tok in enumerate(tokens):
        if tok.type not in ("blockquote_open", "list_item_open") or tok.level + 1 < MAX_NESTING or not tok.map:
            continue
        if i + 1 < len(tokens) and tokens[i + 1].type not in ("blockquote_close", "list_item_close"):
            continue
        text = " ".join(_CONTAINER_MARK.sub("", line) for line in lines[tok.map[0] : tok.map[1]])
        if text.split():
            out.append((tok.map[0] + 1, " ".join(text.split())))
    return out


def _line_of(tokens: list[Token], i: int) -> int:
    """The 1-based line where ``tokens[i]`` starts (a chapter's heading)."""
    return tokens[i].map[0] + 1 if tokens[i].map else 0


def _first_line(items: list[ssml_lib.Item]) -> int | None:
    return next((i.line for i in items if isinstance(i, (ssml_lib.Text, ssml_lib.Phoneme))), None)
