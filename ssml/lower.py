"""Lowering: an SSML tree becomes paragraphs of items, each carrying the context in force.

The walk is iterative (an explicit stack), so deep nesting cannot exhaust Python's recursion.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import replace

from lxml import etree

from .items import AudioRef, Bookmark, Ctx, Diagnostic, Item, Pause, Phoneme, SSMLError, Text
from .parse import SSML_NS, XML_NS, Document, parse, sourceline, split_tag
from .values import DEFAULT_STRENGTHS, parse_pitch, parse_rate, parse_time, parse_volume
from .xsampa import xsampa_to_ipa

__all__ = ["lower"]

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
_MASK = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
_START_TAG = re.compile(r"""<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)(?:\s(?:[^"'<>]|"[^"<]*"|'[^'<]*')*)?/?>""")
_LANG = f"{{{XML_NS}}}lang"
_EMPHASIS_LEVELS = ("strong", "moderate", "none", "reduced")
_SPELLED = ("characters", "spell-out", "verbatim")
_CONTAINERS = {"speak", "lang", "token", "w"}
_SILENT = {"desc", "meta", "metadata"}
_NO_CHILDREN: Iterator[etree._Element] = iter(())


class _Positions:
    """Line and column of each start tag, handed out in document order.

    lxml knows an element's line (the line where its start tag ends) but not its column, so the
    start tags are found in the text and matched to elements by that line and their name.
    """

    def __init__(self, text: str):
        masked = _MASK.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        starts = [0] + [m.end() for m in re.finditer("\n", masked)]
        self._tags: dict[tuple[int, str], deque[tuple[int, int]]] = defaultdict(deque)
        for m in _START_TAG.finditer(masked):
            line = bisect.bisect_right(starts, m.start())
            end_line = bisect.bisect_right(starts, m.end() - 1)
            self._tags[(end_line, m.group(1))].append((line, m.start() - starts[line - 1] + 1))

    def at(self, el: etree._Element) -> tuple[int | None, int | None]:
        qname = split_tag(el.tag)[1]
        if el.prefix:
            qname = f"{el.prefix}:{qname}"
        line = sourceline(el)
        found = self._tags.get((line or 0, qname))
        if found:
            return found.popleft()
        return line, None


class _Lowerer:
    """State of one lowering walk."""

    def __init__(
        self,
        doc: Document,
        strict: bool,
        ctx: Ctx,
        strengths: dict[str, int],
        max_break_ms: int,
        warn: Callable[[Diagnostic], None],
    ):
        self.doc = doc
        self.strict = strict
        self.strengths = strengths
        self.max_break_ms = max_break_ms
        self.warn = warn
        self.positions = _Positions(doc.text)
        self.blocks: list[list[Item]] = []
        self.collectors: list[list[Item]] = [[]]
        self.ctxs: list[Ctx] = [ctx]

    # -- reporting -----------------------------------------------------------------------------

    def problem(self, code: str, message: str, instead: str, line: int | None, column: int | None) -> None:
        """Raise ``message`` in strict mode; otherwise warn, saying what was done ``instead``."""
        if self.strict:
            raise SSMLError(message, self.doc.source, line, column)
        self.warn(Diagnostic(code, f"{message}; {instead}", self.doc.source, line, column))

    # -- output --------------------------------------------------------------------------------

    def add(self, item: Item) -> None:
        items = self.collectors[-1]
        if isinstance(item, Text) and items:
            last = items[-1]
            if isinstance(last, Text) and last.ctx == item.ctx:
                items[-1] = replace(last, text=last.text + item.text)
                return
        items.append(item)

    def text(self, text: str | None, ctx: Ctx, line: int | None, column: int | None) -> None:
        if text:
            self.add(Text(text, ctx, line, column))

    def flush(self) -> None:
        # A paragraph inside <audio> is part of the fallback, not a paragraph of the document.
        if len(self.collectors) == 1:
            items = self.finish(self.collectors[0])
            if items:
                self.blocks.append(items)
            self.collectors[0] = []

    def finish(self, items: list[Item]) -> list[Item]:
        """Collapse whitespace, trim it at edges and around pauses, merge pauses that touch."""
        # A lone space between differently-marked words joins the word before (or after) rather
        # than standing as an item of its own, which would make a unit of silence.
        joined: list[Item] = []
        space = False
        for it in items:
            if isinstance(it, Text):
                text = _SPACE.sub(" ", it.text)
                if not text.strip():
                    if joined and isinstance(joined[-1], Text):
                        joined[-1] = replace(joined[-1], text=joined[-1].text.rstrip() + " ")
                    else:
                        space = True
                    continue
                if space:
                    text = " " + text.lstrip()
                if joined and isinstance(joined[-1], Text) and joined[-1].ctx == it.ctx:
                    last = joined[-1]
                    joined[-1] = replace(last, text=_SPACE.sub(" ", last.text + text))
                    space = False
                    continue
                if joined and isinstance(joined[-1], Text) and joined[-1].text.endswith(" "):
                    text = text.lstrip()
                it = replace(it, text=text)
            if not isinstance(it, Bookmark):
                space = False
            joined.append(it)
        solid = [i for i, it in enumerate(joined) if not isinstance(it, Bookmark)]
        for n, i in enumerate(solid):
            it = joined[i]
            if not isinstance(it, Text):
                continue
            before = joined[solid[n - 1]] if n > 0 else None
            after = joined[solid[n + 1]] if n + 1 < len(solid) else None
            text = it.text
            if before is None or isinstance(before, Pause):
                text = text.lstrip()
            if after is None or isinstance(after, Pause):
                text = text.rstrip()
            joined[i] = replace(it, text=text)
        out: list[Item] = []
        for it in joined:
            if isinstance(it, Pause) and out and isinstance(out[-1], Pause):
                out[-1] = self.merge(out[-1], it)
                continue
            out.append(it)
        # A sentence gap at a paragraph's edge is covered by the paragraph gap.
        while out and isinstance(out[0], Pause) and out[0].kind == "sentence":
            out.pop(0)
        while out and isinstance(out[-1], Pause) and out[-1].kind == "sentence":
            out.pop()
        return out

    def merge(self, a: Pause, b: Pause) -> Pause:
        if a.kind == "explicit" and b.kind == "explicit":
            ms = a.ms + b.ms
            if ms > self.max_break_ms:
                self.problem(
                    "break-clamped",
                    f"breaks in a row add up to {ms} ms, over the {self.max_break_ms} ms limit",
                    "clamped",
                    None,
                    None,
                )
                ms = self.max_break_ms
            return Pause(ms)
        return a if a.kind == "explicit" else b

    # -- the walk ------------------------------------------------------------------------------

    def run(self) -> list[list[Item]]:
        root = self.doc.root
        # Text directly in a <speak> added by recovery starts where the document starts.
        where = (1, 1) if self.doc.wrapped else self.positions.at(root)
        stack: list[tuple[etree._Element, Iterator[etree._Element], str | None, int | None, int | None]] = []
        end, descend = self.start(root, *where)
        stack.append((root, iter(root) if descend else _NO_CHILDREN, end, *where))
        while stack:
            el, children, end, line, column = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                self.end(el, end)
                if stack:
                    self.text(el.tail, self.ctxs[-1], line, column)
                continue
            where = self.positions.at(child) if isinstance(child.tag, str) else (line, column)
            end, descend = self.start(child, *where)
            stack.append((child, iter(child) if descend else _NO_CHILDREN, end, *where))
        self.flush()
        return self.blocks

    def start(self, el: etree._Element, line: int | None, column: int | None) -> tuple[str | None, bool]:
        """Open ``el``: push its context, emit what it says; return its end action and whether to descend."""
        ctx = self.ctxs[-1]
        if not isinstance(el.tag, str):
            # Comments and processing instructions: never spoken (their tail is, by the caller).
            self.ctxs.append(ctx)
            return None, False
        namespace, local = split_tag(el.tag)
        lang = el.get(_LANG) or el.get("lang")
        if lang and lang.strip():
            ctx = replace(ctx, lang=lang.strip().lower())
        if namespace not in (None, SSML_NS):
            name = f"{el.prefix}:{local}" if el.prefix else local
            self.problem(
                "vendor-element", f"<{name}> is not SSML 1.1", "its text is read, its effect is not", line, column
            )
            return self.enter(el, ctx, None, line, column)
        if local in _CONTAINERS:
            return self.enter(el, ctx, None, line, column)
        if local in ("p", "paragraph"):
            self.flush()
            return self.enter(el, ctx, "p", line, column)
        if local in ("s", "sentence"):
            return self.enter(el, ctx, "s", line, column)
        if local == "break":
            self.add(self.pause(el, line, column))
            return self.leaf(ctx)
        if local == "voice":
            return self.enter(el, self.voice(el, ctx, line, column), None, line, column)
        if local == "prosody":
            return self.enter(el, self.prosody(el, ctx, line, column), None, line, column)
        if local == "emphasis":
            level = (el.get("level") or "moderate").strip().lower()
            if level not in _EMPHASIS_LEVELS:
                self.problem(
                    "bad-value",
                    f"emphasis level {level!r} is not one of {', '.join(_EMPHASIS_LEVELS)}",
                    "using moderate",
                    line,
                    column,
                )
                level = "moderate"
            return self.enter(el, replace(ctx, emphasis=level), None, line, column)
        if local == "phoneme":
            self.phoneme(el, ctx, line, column)
            return self.leaf(ctx)
        if local == "sub":
            alias = el.get("alias")
            if alias is None:
                self.problem("bad-value", "<sub> has no alias attribute", "its text is read", line, column)
                return self.enter(el, ctx, None, line, column)
            self.text(alias, ctx, line, column)
            return self.leaf(ctx)
        if local == "say-as":
            self.say_as(el, ctx, line, column)
            return self.leaf(ctx)
        if local == "audio":
            src = el.get("src")
            if not src:
                self.problem("bad-value", "<audio> has no src attribute", "its content is read", line, column)
                return self.enter(el, ctx, None, line, column)
            self.collectors.append([])
            return self.enter(el, ctx, "audio", line, column)
        if local == "mark":
            mark = el.get("name")
            if mark:
                self.add(Bookmark(mark))
            else:
                self.problem("bad-value", "<mark> has no name attribute", "ignored", line, column)
            return self.leaf(ctx)
        if local in _SILENT:
            return self.leaf(ctx)
        if local == "lexicon":
            self.problem(
                "lexicon-ignored",
                f"<lexicon uri={el.get('uri')!r}> is not applied yet",
                "use <phoneme> for the words it covers",
                line,
                column,
            )
            return self.leaf(ctx)
        self.problem("unknown-element", f"<{local}> is not an SSML element", "its text is read", line, column)
        return self.enter(el, ctx, None, line, column)

    def enter(
        self, el: etree._Element, ctx: Ctx, end: str | None, line: int | None, column: int | None
    ) -> tuple[str | None, bool]:
        self.ctxs.append(ctx)
        self.text(el.text, ctx, line, column)
        return end, True

    def leaf(self, ctx: Ctx) -> tuple[str | None, bool]:
        self.ctxs.append(ctx)
        return None, False

    def end(self, el: etree._Element, end: str | None) -> None:
        ctx = self.ctxs.pop()
        if end == "p":
            self.flush()
        elif end == "s":
            self.add(Pause(0, "sentence"))
        elif end == "audio":
            fallback = self.finish(self.collectors.pop())
            self.add(AudioRef(el.get("src", ""), tuple(fallback), ctx))

    # -- elements --------------------------------------------------------------------------------

    def pause(self, el: etree._Element, line: int | None, column: int | None) -> Pause:
        ms: int | None = None
        time, strength = el.get("time"), el.get("strength")
        if time is not None:
            try:
                ms = parse_time(time)
            except ValueError as exc:
                self.problem("bad-value", str(exc), "using the strength instead", line, column)
        if ms is None and strength is not None:
            ms = self.strengths.get(strength.strip().lower())
            if ms is None:
                self.problem(
                    "bad-value",
                    f"break strength {strength!r} is not one of {', '.join(self.strengths)}",
                    "using medium",
                    line,
                    column,
                )
        if ms is None:
            ms = self.strengths.get("medium", DEFAULT_STRENGTHS["medium"])
        if ms > self.max_break_ms:
            self.problem(
                "break-clamped", f"break of {ms} ms is over the {self.max_break_ms} ms limit", "clamped", line, column
            )
            ms = self.max_break_ms
        return Pause(ms)

    def voice(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> Ctx:
        name = el.get("name")
        if name and name.strip():
            return replace(ctx, voice="".join(name.split()))
        others = sorted(str(k) for k in el.attrib if k not in (_LANG, "lang"))
        if others:
            self.problem(
                "voice-unsupported",
                f"<voice> chooses by {', '.join(others)}, which is not supported (give a name)",
                "the voice in force is kept",
                line,
                column,
            )
        return ctx

    def prosody(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> Ctx:
        for attr, value in el.attrib.items():
            if not isinstance(attr, str) or not isinstance(value, str):
                continue
            try:
                if attr == "rate":
                    ctx = replace(ctx, rate=round(ctx.rate * parse_rate(value), 6))
                elif attr == "pitch":
                    ctx = replace(ctx, pitch=round(parse_pitch(value, ctx.pitch), 3))
                elif attr == "volume":
                    ctx = replace(ctx, volume_db=round(parse_volume(value, ctx.volume_db), 3))
                elif attr in ("duration", "contour", "range"):
                    self.problem("prosody-unsupported", f"prosody {attr} is not supported", "ignored", line, column)
            except ValueError as exc:
                self.problem("bad-value", f"prosody {attr}: {exc}", "ignored", line, column)
        return ctx

    def phoneme(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> None:
        text = _SPACE.sub(" ", "".join(str(t) for t in el.itertext())).strip()
        ph = el.get("ph")
        alphabet = (el.get("alphabet") or "ipa").strip().lower()
        if not ph or not ph.strip():
            self.problem("bad-value", "<phoneme> has no ph attribute", "its text is read", line, column)
            self.text(text, ctx, line, column)
            return
        if alphabet == "x-sampa":
            ph = xsampa_to_ipa(ph.strip())
        elif alphabet != "ipa":
            self.problem(
                "phoneme-alphabet",
                f"phoneme alphabet {alphabet!r} is not supported (use ipa or x-sampa)",
                "its text is read",
                line,
                column,
            )
            self.text(text, ctx, line, column)
            return
        self.add(Phoneme(ph.strip(), text, ctx, line, column))

    def say_as(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> None:
        text = "".join(str(t) for t in el.itertext())
        kind = (el.get("interpret-as") or "").strip().lower()
        if kind in _SPELLED:
            # Letters one by one: the spaces make the front end say each as a word.
            text = " ".join(c for c in text if not c.isspace())
        else:
            self.problem(
                "say-as-unhandled", f"say-as interpret-as={kind!r} is not handled", "read as written", line, column
            )
        self.text(text, ctx, line, column)


def lower(
    data: str | bytes | Document,
    *,
    source: str = "<ssml>",
    strict: bool = False,
    lang: str | None = None,
    voice: str | None = None,
    strengths: dict[str, int] | None = None,
    max_break_ms: int = 60_000,
    warn: Callable[[Diagnostic], None] | None = None,
) -> list[list[Item]]:
    """Lower SSML into paragraphs of items.

    ``lang`` and ``voice`` are the context outside any markup; ``strengths`` overrides break
    strengths in milliseconds. In lenient mode (the default) problems go to ``warn`` (or the log)
    and the content is read as well as it can be; with ``strict=True`` each raises ``SSMLError``.
    """
    report: Callable[[Diagnostic], None] = warn or (lambda d: log.warning("%s", d))
    doc = data if isinstance(data, Document) else parse(data, source=source, strict=strict, warn=report)
    table = {**DEFAULT_STRENGTHS, **(strengths or {})}
    lowerer = _Lowerer(doc, strict, Ctx(voice=voice, lang=lang.lower() if lang else None), table, max_break_ms, report)
    return lowerer.run()
