"""Lowering: an SSML tree becomes paragraphs of items, each carrying the context in force.

The walk is iterative (an explicit stack), so deep nesting cannot exhaust Python's recursion, and
text is joined once per paragraph, so large documents lower in linear time. Every attribute is
checked against the capability table: what is not rendered is reported where it stood.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from lxml import etree

from .capabilities import IGNORED, attribute_support
from .items import (
    AudioRef,
    Bookmark,
    Ctx,
    Diagnostic,
    Item,
    Pause,
    Phoneme,
    SSMLError,
    Text,
    VoiceQuery,
)
from .lexicon import Lexicon, read_lexicon, split_text
from .parse import SSML_NS, XML_NS, Document, parse, sourceline, split_tag
from .values import (
    DEFAULT_STRENGTHS,
    MAX_DURATION_MS,
    PITCH_LIMIT_ST,
    RATE_LIMITS,
    VOLUME_LIMITS,
    parse_contour,
    parse_pitch,
    parse_range,
    parse_rate,
    parse_time,
    parse_volume,
)
from .xsampa import xsampa_to_ipa

__all__ = ["lower"]

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
_MASK = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
_START_TAG = re.compile(r"""<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)(?:\s(?:[^"'<>]|"[^"<]*"|'[^'<]*')*)?/?>""")
_LANG = f"{{{XML_NS}}}lang"
_ATTR_PREFIXES = {XML_NS: "xml", "http://www.w3.org/2001/XMLSchema-instance": "xsi"}
_EMPHASIS_LEVELS = ("strong", "moderate", "none", "reduced")
_SPELLED = ("characters", "spell-out", "verbatim")
_SAY_AS = {
    "cardinal", "number", "ordinal", "characters", "spell-out", "digits", "date", "time", "telephone",
    "fraction", "unit", "currency", "verbatim", "expletive", "address", "name", "letters",
}  # fmt: skip
_GENDERS = ("male", "female", "neutral")
_CONTAINERS = {"speak", "lang", "token", "w", "seq"}
_SILENT = {"desc", "meta", "metadata"}
_CODE = {"script", "style", "template"}
"""HTML elements that hold code for a browser: never spoken, in any document."""
_MSTTS = "mstts"
_NO_CHILDREN: Iterator[etree._Element] = iter(())
_VARIANT = re.compile(r"[0-9]{1,6}")


def _shown(value: str) -> str:
    """An attribute value for a message, cut short: a value may be thousands of characters long."""
    return repr(value if len(value) <= 24 else value[:20] + "...")


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


@dataclass
class _Run:
    """Consecutive text in one context, joined once at the end (repeated concatenation is quadratic)."""

    ctx: Ctx
    parts: list[str]
    line: int | None
    column: int | None

    def ends_with_space(self) -> bool:
        return self.parts[-1].endswith(" ")

    def end_with_space(self) -> None:
        self.parts[-1] = self.parts[-1].rstrip() + " "

    def text(self) -> Text:
        return Text(_SPACE.sub(" ", "".join(self.parts)), self.ctx, self.line, self.column)


@dataclass
class _Scope:
    """What an open element undoes when it closes."""

    end: str | None = None
    """``p``, ``s`` or ``audio``: what to emit on closing."""
    lookups: int = 0
    """Lexicons the element made active."""
    where: tuple[int | None, int | None] = (None, None)
    """Line and column of the element's start tag (kept for ``<audio>``, reported when it closes)."""


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
        base_dir: Path | None,
    ):
        self.doc = doc
        self.strict = strict
        self.strengths = strengths
        self.max_break_ms = max_break_ms
        self.warn = warn
        self.base_dir = base_dir
        self.positions = _Positions(doc.text)
        self.blocks: list[list[Item]] = []
        self.collectors: list[list[Item]] = [[]]
        self.ctxs: list[Ctx] = [ctx]
        self.lexicons: dict[str, Lexicon] = {}
        self.lookups: list[Lexicon] = []
        self.leading: int | None = None
        self.tailing: int | None = None

    # -- reporting -----------------------------------------------------------------------------

    def problem(self, code: str, message: str, instead: str, line: int | None, column: int | None) -> None:
        """Raise ``message`` in strict mode; otherwise warn, saying what was done ``instead``."""
        if self.strict:
            raise SSMLError(message, self.doc.source, line, column)
        self.warn(Diagnostic(code, f"{message}; {instead}", self.doc.source, line, column))

    def check_attributes(self, el: etree._Element, local: str, line: int | None, column: int | None) -> None:
        """Report each attribute of an SSML element that is not rendered or not known."""
        for key in el.attrib:
            if not isinstance(key, str):
                continue
            namespace, name = split_tag(key)
            if namespace in _ATTR_PREFIXES:
                name = f"{_ATTR_PREFIXES[namespace]}:{name}"
            elif namespace is not None:
                prefix = next((p for p, uri in el.nsmap.items() if uri == namespace and p), None)
                name = f"{prefix}:{name}" if prefix else name
                self.problem(
                    "attribute-ignored", f"<{local} {name}> is vendor markup, not SSML 1.1", "ignored", line, column
                )
                continue
            support = attribute_support(local, name)
            if support is None:
                self.problem("unknown-attribute", f"<{local}> has no attribute {name!r} in SSML 1.1", "ignored", line, column)
            elif support == IGNORED:
                self.problem("attribute-ignored", f"<{local} {name}> is not rendered", "ignored", line, column)

    def clamp(
        self,
        what: str,
        value: str,
        number: float,
        limits: tuple[float, float],
        unit: str,
        line: int | None,
        column: int | None,
    ) -> float:
        """``number`` held within ``limits``, with a report when it was not (infinite values included)."""
        low, high = limits
        if low <= number <= high:
            return number
        # NaN compares false both ways: it is taken as the low end, never let through.
        held = high if number > high else low
        self.problem(
            "value-clamped",
            f"{what} {_shown(value)} is outside {low:g} to {high:g}{unit}",
            f"clamped to {held:g}{unit}",
            line,
            column,
        )
        return held

    # -- output --------------------------------------------------------------------------------

    def add(self, item: Item) -> None:
        self.collectors[-1].append(item)

    def text(self, text: str | None, ctx: Ctx, line: int | None, column: int | None, lookup: bool = True) -> None:
        if not text:
            return
        if lookup and self.lookups:
            for piece in split_text(text, self.lookups[::-1]):
                if isinstance(piece, str):
                    self.add(Text(piece, ctx, line, column))
                elif piece[1].ph is not None:
                    self.add(Phoneme(piece[1].ph, _SPACE.sub(" ", piece[0]), ctx, line, column))
                else:
                    self.add(Text(piece[1].alias or "", ctx, line, column))
            return
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
        runs: list[Item | _Run] = []
        space = False
        for it in items:
            if isinstance(it, Text):
                text = _SPACE.sub(" ", it.text)
                last = runs[-1] if runs else None
                if not text.strip():
                    # A say-as keeps its text exactly as marked; the space goes to what follows.
                    if isinstance(last, _Run) and last.ctx.say_as is None:
                        last.end_with_space()
                    else:
                        space = True
                    continue
                if isinstance(last, _Run) and last.ctx == it.ctx:
                    last.parts.append(" " + text.lstrip() if space else text)
                    space = False
                    continue
                if space:
                    if it.ctx.say_as is None:
                        text = " " + text.lstrip()
                    elif isinstance(last, _Run) and last.ctx.say_as is None:
                        last.end_with_space()
                space = False
                if isinstance(last, _Run) and last.ends_with_space():
                    text = text.lstrip()
                runs.append(_Run(it.ctx, [text], it.line, it.column))
                continue
            if not isinstance(it, Bookmark):
                space = False
            runs.append(it)
        joined: list[Item] = [r.text() if isinstance(r, _Run) else r for r in runs]
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
        stack: list[tuple[etree._Element, Iterator[etree._Element], _Scope, int | None, int | None]] = []
        scope, descend = self.start(root, *where)
        stack.append((root, iter(root) if descend else _NO_CHILDREN, scope, *where))
        while stack:
            el, children, scope, line, column = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                self.end(el, scope)
                if stack:
                    self.text(el.tail, self.ctxs[-1], line, column)
                continue
            where = self.positions.at(child) if isinstance(child.tag, str) else (line, column)
            scope, descend = self.start(child, *where)
            stack.append((child, iter(child) if descend else _NO_CHILDREN, scope, *where))
        self.flush()
        if self.leading:
            self.blocks.insert(0, [Pause(self.leading)])
        if self.tailing:
            self.blocks.append([Pause(self.tailing)])
        return self.blocks

    def start(self, el: etree._Element, line: int | None, column: int | None) -> tuple[_Scope, bool]:
        """Open ``el``: push its context, emit what it says; return what closing it undoes and whether to descend."""
        ctx = self.ctxs[-1]
        if not isinstance(el.tag, str):
            # Comments and processing instructions: never spoken (their tail is, by the caller).
            return self.leaf(ctx)
        namespace, local = split_tag(el.tag)
        lang = el.get(_LANG) or el.get("lang")
        if lang and lang.strip():
            ctx = replace(ctx, lang=lang.strip().lower())
        if namespace not in (None, SSML_NS):
            if local == "silence" and (el.prefix == _MSTTS or (namespace or "").endswith("/mstts")):
                self.silence(el, line, column)
                return self.leaf(ctx)
            name = f"{el.prefix}:{local}" if el.prefix else local
            self.problem(
                "vendor-element", f"<{name}> is not SSML 1.1", "its text is read, its effect is not", line, column
            )
            return self.enter(el, ctx, None, line, column)
        if local in _CODE:
            self.problem("markup-skipped", f"<{local}> holds code, not speech", "its content is not read", line, column)
            return self.leaf(ctx)
        if local in _KNOWN:
            self.check_attributes(el, local, line, column)
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
            self.text(alias, ctx, line, column, lookup=False)
            return self.leaf(ctx)
        if local == "say-as":
            self.say_as(el, ctx, line, column)
            return self.leaf(ctx)
        if local == "audio":
            src = el.get("src")
            if not src:
                self.problem("bad-value", "<audio> has no src attribute", "its content is read", line, column)
                return self.enter(el, ctx, None, line, column)
            sound_level = el.get("soundLevel")
            if sound_level is not None:
                try:
                    volume = self.clamp("audio soundLevel", sound_level, parse_volume(sound_level, ctx.volume_db),
                                        VOLUME_LIMITS, " dB", line, column)
                    ctx = replace(ctx, volume_db=round(volume, 3))
                except ValueError as exc:
                    self.problem("bad-value", f"audio soundLevel: {exc}", "ignored", line, column)
            self.collectors.append([])
            scope, descend = self.enter(el, ctx, "audio", line, column)
            scope.where = (line, column)
            return scope, descend
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
            self.lexicon(el, line, column)
            return self.leaf(ctx)
        if local == "lookup":
            return self.lookup(el, ctx, line, column)
        if local in ("par", "media"):
            if local == "par":
                self.problem(
                    "par-sequential", "<par> plays its children together", "they are read one after another", line, column
                )
            return self.enter(el, ctx, None, line, column)
        self.problem("unknown-element", f"<{local}> is not an SSML element", "its text is read", line, column)
        return self.enter(el, ctx, None, line, column)

    def enter(
        self, el: etree._Element, ctx: Ctx, end: str | None, line: int | None, column: int | None
    ) -> tuple[_Scope, bool]:
        self.ctxs.append(ctx)
        self.text(el.text, ctx, line, column)
        return _Scope(end), True

    def leaf(self, ctx: Ctx) -> tuple[_Scope, bool]:
        self.ctxs.append(ctx)
        return _Scope(), False

    def end(self, el: etree._Element, scope: _Scope) -> None:
        ctx = self.ctxs.pop()
        if scope.lookups:
            del self.lookups[-scope.lookups :]
        if scope.end == "p":
            self.flush()
        elif scope.end == "s":
            self.add(Pause(0, "sentence"))
        elif scope.end == "audio":
            fallback = self.finish(self.collectors.pop())
            line, column = scope.where
            self.add(AudioRef(el.get("src", ""), tuple(fallback), ctx, line, column))

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
            asked = f"break time {_shown(time)}" if time is not None else f"break of {ms} ms"
            self.problem("break-clamped", f"{asked} is over the {self.max_break_ms} ms limit", "clamped", line, column)
            ms = self.max_break_ms
        return Pause(ms)

    def silence(self, el: etree._Element, line: int | None, column: int | None) -> None:
        """``<mstts:silence type value>``: leading and trailing silence become pauses."""
        kind = (el.get("type") or "").strip().lower()
        try:
            ms = parse_time(el.get("value") or "")
        except ValueError as exc:
            self.problem("bad-value", f"mstts:silence value: {exc}", "ignored", line, column)
            return
        if ms > self.max_break_ms:
            self.problem(
                "break-clamped",
                f"mstts:silence value {_shown(el.get('value') or '')} is over the {self.max_break_ms} ms limit",
                "clamped",
                line,
                column,
            )
            ms = self.max_break_ms
        if kind in ("leading", "leading-exact"):
            self.leading = ms
        elif kind in ("tailing", "tailing-exact", "trailing", "trailing-exact"):
            self.tailing = ms
        else:
            self.problem(
                "silence-ignored",
                f"mstts:silence type {el.get('type')!r} is not rendered (only Leading and Tailing are)",
                "set the gaps with --sentence-pause and --paragraph-pause",
                line,
                column,
            )

    def voice(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> Ctx:
        name = " ".join((el.get("name") or "").split())
        gender = (el.get("gender") or "").strip().lower() or None
        if gender is not None and gender not in _GENDERS:
            self.problem("bad-value", f"voice gender {gender!r} is not one of {', '.join(_GENDERS)}", "ignored", line, column)
            gender = None
        variant: int | None = None
        raw_variant = el.get("variant")
        if raw_variant is not None:
            if _VARIANT.fullmatch(raw_variant.strip()) and int(raw_variant) > 0:
                variant = int(raw_variant)
            else:
                self.problem(
                    "bad-value", f"voice variant {_shown(raw_variant)} is not a positive integer", "ignored", line, column
                )
        # "en-US:ja" means English spoken with a Japanese accent; only the language is used.
        languages = tuple(t.split(":")[0].lower() for t in (el.get("languages") or "").split())
        own_lang = (el.get(_LANG) or el.get("lang") or "").strip().lower()
        if not languages and own_lang and (gender is not None or variant is not None):
            # SSML 1.0 chose a voice by xml:lang on <voice>; SSML 1.1 by languages.
            languages = (own_lang,)
        if "+" in name or ":" in name:
            # A blend ("a:0.6 + b:0.4") is one voice, whatever the spaces.
            names: tuple[str, ...] = (name.replace(" ", ""),)
        else:
            names = tuple(name.split())
        if not names and gender is None and not languages and variant is None:
            return ctx
        if len(names) == 1 and gender is None and not languages and variant is None:
            return replace(ctx, voice=names[0], voice_query=None)
        query = VoiceQuery(
            names, gender, None, variant, languages, ctx.voice, line, column, ctx.voice_query
        )
        return replace(ctx, voice=names[0] if names else ctx.voice, voice_query=query)

    def prosody(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> Ctx:
        for attr, value in el.attrib.items():
            if not isinstance(attr, str) or not isinstance(value, str):
                continue
            try:
                if attr == "rate":
                    rate = self.clamp("prosody rate", value, ctx.rate * parse_rate(value), RATE_LIMITS, "×", line, column)
                    ctx = replace(ctx, rate=round(rate, 6))
                elif attr == "pitch":
                    pitch = self.clamp("prosody pitch", value, parse_pitch(value, ctx.pitch), _PITCHES, " st", line, column)
                    ctx = replace(ctx, pitch=round(pitch, 3))
                elif attr == "volume":
                    volume = self.clamp(
                        "prosody volume", value, parse_volume(value, ctx.volume_db), VOLUME_LIMITS, " dB", line, column
                    )
                    ctx = replace(ctx, volume_db=round(volume, 3))
                elif attr == "duration":
                    ms = parse_time(value)
                    if ms <= 0:
                        raise ValueError(f"duration {_shown(value)} is not above zero")
                    ms = int(self.clamp("prosody duration", value, ms, (1, MAX_DURATION_MS), " ms", line, column))
                    ctx = replace(ctx, duration_ms=ms)
                elif attr == "contour":
                    points = parse_contour(value)
                    mean = sum(p for _, p in points) / len(points)
                    pitch = self.clamp("prosody contour", value, ctx.pitch + mean, _PITCHES, " st", line, column)
                    ctx = replace(ctx, pitch=round(pitch, 3))
                    if len(points) > 1 and max(p for _, p in points) - min(p for _, p in points) > 0.5:
                        self.problem(
                            "contour-flattened",
                            f"prosody contour {value!r} changes pitch within the text",
                            f"rendered as its mean shift of {mean:+.2f} st",
                            line,
                            column,
                        )
                elif attr == "range":
                    parse_range(value)
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
        fmt = (el.get("format") or "").strip().lower() or None
        detail = (el.get("detail") or "").strip().lower() or None
        if not kind:
            self.problem("bad-value", "<say-as> has no interpret-as attribute", "read as written", line, column)
            self.text(text, ctx, line, column, lookup=False)
            return
        if kind not in _SAY_AS:
            self.problem(
                "say-as-unhandled", f"say-as interpret-as={kind!r} is not known", "read as written", line, column
            )
        if kind in _SPELLED:
            # Letters one by one: the spaces make the front end say each as a word.
            text = " ".join(c for c in text if not c.isspace())
        elif kind == "expletive":
            text = " ".join(text.split())
        self.text(_SPACE.sub(" ", text).strip(), replace(ctx, say_as=(kind, fmt, detail)), line, column, lookup=False)

    def lexicon(self, el: etree._Element, line: int | None, column: int | None) -> None:
        uri = (el.get("uri") or "").strip()
        if not uri:
            self.problem("bad-value", "<lexicon> has no uri attribute", "ignored", line, column)
            return
        if self.base_dir is None:
            self.problem(
                "lexicon-ignored", f"<lexicon uri={uri!r}> cannot be found: no folder to look in", "ignored", line, column
            )
            return
        try:
            lexicon = read_lexicon(uri, self.base_dir, source=self.doc.source, strict=self.strict, warn=self.warn)
        except ValueError as exc:
            self.problem("lexicon-ignored", str(exc), "ignored", line, column)
            return
        except SSMLError as exc:
            if self.strict:
                raise
            self.problem("lexicon-ignored", str(exc), "ignored", line, column)
            return
        ident = el.get(f"{{{XML_NS}}}id") or el.get("id")
        if ident:
            self.lexicons[ident.strip()] = lexicon
        else:
            # SSML 1.0 lexicons had no name and applied to the whole document.
            self.lookups.insert(0, lexicon)

    def lookup(self, el: etree._Element, ctx: Ctx, line: int | None, column: int | None) -> tuple[_Scope, bool]:
        ref = (el.get("ref") or "").strip()
        lexicon = self.lexicons.get(ref)
        if lexicon is None:
            self.problem(
                "lookup-unknown", f"<lookup ref={ref!r}> names no <lexicon xml:id> read before it", "its text is read", line, column
            )
            return self.enter(el, ctx, None, line, column)
        self.lookups.append(lexicon)
        scope, descend = self.enter(el, ctx, None, line, column)
        scope.lookups = 1
        return scope, descend


_PITCHES = (-PITCH_LIMIT_ST, PITCH_LIMIT_ST)

_KNOWN = {
    "speak", "p", "paragraph", "s", "sentence", "token", "w", "lang", "break", "prosody", "emphasis", "say-as",
    "sub", "phoneme", "lexicon", "lookup", "voice", "audio", "mark", "desc", "meta", "metadata", "par", "seq", "media",
}  # fmt: skip


def lower(
    data: str | bytes | Document,
    *,
    source: str = "<ssml>",
    strict: bool = False,
    lang: str | None = None,
    voice: str | None = None,
    strengths: dict[str, int] | None = None,
    max_break_ms: int = 60_000,
    base_dir: str | Path | None = None,
    warn: Callable[[Diagnostic], None] | None = None,
) -> list[list[Item]]:
    """Lower SSML into paragraphs of items.

    ``lang`` and ``voice`` are the context outside any markup; ``strengths`` overrides break
    strengths in milliseconds; ``base_dir`` is the folder ``<lexicon uri>`` files are read from
    (never above it, never from the network; ``None`` reads none). In lenient mode (the default)
    problems go to ``warn`` (or the log) and the content is read as well as it can be; with
    ``strict=True`` each raises ``SSMLError``.
    """
    report: Callable[[Diagnostic], None] = warn or (lambda d: log.warning("%s", d))
    doc = data if isinstance(data, Document) else parse(data, source=source, strict=strict, warn=report)
    table = {**DEFAULT_STRENGTHS, **(strengths or {})}
    folder = Path(base_dir) if base_dir is not None else None
    lowerer = _Lowerer(
        doc, strict, Ctx(voice=voice, lang=lang.lower() if lang else None), table, max_break_ms, report, folder
    )
    return lowerer.run()
