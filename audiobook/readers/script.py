"""Scripts for several voices (dialogue, radio plays) → ``Book``.

A script is a Markdown file named ``*.script.md``, or any Markdown file whose front matter says
``format: script``. Its cast maps each speaker to a voice, a speed and a language, in the front
matter (``cast:``) or in a TOML file (``cast: other.toml`` in the front matter, else a
``cast.toml`` beside the script)::

    cast:
      ALICE: jf_alpha                                   # a voice alone
      BOB: {voice: jm_kumo, speed: 0.9, language: en-gb}
      NARRATOR: jf_nezumi                               # reads headings, narration, directions

In the body, ``ALICE: Hello.`` (also ``**ALICE:**``) gives a speaker a line; following lines
without a blank line continue it. A blockquote may carry a speech too: ``> ALICE: Hello.``, or
a first line holding only the speaker's name. Headings start scenes, and scenes are chapters,
exactly as in Markdown. A paragraph in square brackets is a stage direction, skipped or read by
the narrator (``ReadOptions.stage_directions``); brackets inside a line (``[whispers]``) are
always skipped. Other paragraphs are narration. A name in capitals before a colon that is not in
the cast is an error naming the file and line.

The script is rewritten into plain Markdown (one paragraph per speech) and read by the Markdown
reader, so inline SSML works in every line; each segment then gets its speaker's voice, speed
(``Context.rate``) and language (``Context.lang``), unless markup inside the line chose its own.
Every location reported names the script's own lines.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import InputError
from audiobook.model import (
    Audio,
    Block,
    Book,
    Chapter,
    Context,
    Phonemes,
    Segment,
    Speech,
)
from audiobook.readers import markdown
from audiobook.readers.markdown import split_front_matter
from audiobook.readers.paths import inside
from audiobook.readers.text import decode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["STAGE_DIRECTIONS", "Role", "is_script", "read", "read_cast"]

log = logging.getLogger(__name__)

STAGE_DIRECTIONS = ("skip", "read")
"""What may be done with stage directions."""

NARRATOR = "NARRATOR"
"""The cast member (any case) who reads headings, narration and stage directions."""

_FORMAT = re.compile(r"^format:\s*['\"]?script['\"]?\s*$", re.MULTILINE | re.IGNORECASE)
_QUOTE = re.compile(r"^ {0,3}> ?(.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
_SPEAKER = re.compile(r"^\s*(?:\*\*)?(?P<name>[^\W\d_][\w .'\-]{0,40}?)(?:\*\*)?\s*:(?:\*\*)?(?:\s+(?P<text>.*))?$")
_BARE_NAME = re.compile(r"^\s*(?:\*\*)?(?P<name>[^\W\d_][\w .'\-]{0,40}?)(?:\*\*)?\s*$")
_INLINE_DIRECTION = re.compile(r"\[[^\]\n]*\](?!\()")
_MARKDOWN_START = re.compile(r"^([#>+*\-=`~|])|^(\d+)([.)])")
_SOURCE_LINE = re.compile(r"^(?P<file>.*):(?P<line>\d+)$")
_CAST_KEYS = {"voice", "speed", "rate", "language", "lang"}


@dataclass(frozen=True)
class Role:
    """One member of a script's cast."""

    name: str
    """The speaker's name as the cast writes it."""
    voice: str | None = None
    """Voice name, preset, pack file or blend; ``None``: the run's default voice."""
    speed: float = 1.0
    """Speed multiplier for this speaker's lines (0.5-2.0)."""
    language: str | None = None
    """BCP-47 language of the speaker's lines; ``None``: the script's language."""


@dataclass
class _Piece:
    """A run of script lines spoken by one role (or a heading, or a stage direction)."""

    kind: str
    role: Role | None
    lines: list[tuple[int, str]] = field(default_factory=list)


def is_script(name: str, data: bytes) -> bool:
    """Whether a Markdown file is a script: named ``*.script.md`` or front matter ``format: script``."""
    if name.lower().endswith(".script.md"):
        return True
    head = data[:4096].decode("utf-8", errors="replace").replace("\r\n", "\n")
    front, _ = split_front_matter(head)
    return front is not None and _FORMAT.search(front) is not None


def _line_of(text: str, name: str, offset: int = 0) -> int | None:
    m = re.search(rf"^\s*['\"]?{re.escape(name)}['\"]?\s*[:=]", text, re.MULTILINE)
    if m is None:
        m = re.search(rf"^\s*\[{re.escape(name)}\]", text, re.MULTILINE)
    return None if m is None else offset + text.count("\n", 0, m.start()) + 1


def _role(name: str, entry: Any, where: str, line: int | None) -> Role:
    def bad(message: str) -> InputError:
        return InputError(f"cast entry {name!r}: {message}", where, line)

    if isinstance(entry, str):
        return Role(name, entry.strip() or None)
    if entry is None:
        return Role(name)
    if not isinstance(entry, dict):
        raise bad("give a voice name or a table of voice, speed and language")
    unknown = sorted(str(k) for k in entry if str(k) not in _CAST_KEYS)
    if unknown:
        raise bad(f"unknown key {', '.join(unknown)}; a cast entry has voice, speed and language")
    voice = entry.get("voice")
    raw_speed = entry.get("speed", entry.get("rate", 1.0))
    try:
        speed = float(str(raw_speed))
    except ValueError:
        raise bad(f"speed {raw_speed!r} is not a number") from None
    if not 0.5 <= speed <= 2.0:
        raise bad(f"speed {speed} is outside 0.5-2.0")
    language = entry.get("language", entry.get("lang"))
    return Role(
        name,
        str(voice).strip() if voice else None,
        speed,
        str(language).strip().lower() if language else None,
    )


def read_cast(data: Any, where: str, text: str = "", offset: int = 0) -> dict[str, Role]:
    """The cast from a front-matter or TOML mapping: upper-cased speaker name → role.

    ``text`` is the source the mapping came from and ``offset`` its first line's number minus
    one, so that an error names the line of the faulty entry.
    """
    if not isinstance(data, dict):
        raise InputError("the cast must map speaker names to voices", where, offset + 1 if text else None)
    cast: dict[str, Role] = {}
    for key, entry in data.items():
        name = str(key).strip()
        role = _role(name, entry, where, _line_of(text, name, offset) if text else None)
        cast[name.upper()] = role
    return cast


def _load_cast(fm: dict[str, Any], front: str | None, options: ReadOptions) -> dict[str, Role]:
    where = options.source
    value = fm.get("cast")
    if isinstance(value, dict):
        return read_cast(value, where, front or "", 1)
    if isinstance(value, str):
        ref = value.strip()
    elif value is None:
        ref = "cast.toml"
        if options.base_dir is None or not (options.base_dir / ref).is_file():
            raise InputError(
                "the script has no cast: add `cast:` to its front matter or put a cast.toml beside it", where
            )
    else:
        raise InputError("`cast:` must be a mapping of speakers or the name of a TOML file", where)
    try:
        # The cast file is read from the script's folder only, like every file a document names.
        path = inside(options.base_dir, ref)
    except ValueError as exc:
        raise InputError(f"the cast file is refused: {exc}", where, _line_of(front or "", "cast", 1)) from None
    if not path.is_file():
        raise InputError(f"cannot read the cast file: {ref!r} is not a file beside the script", where)
    if path.stat().st_size > options.limits.front_matter:
        raise InputError(
            f"the cast file is over the {options.limits.front_matter}-byte limit (--limit front-matter=...)", str(path)
        )
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the cast file: {exc.strerror or exc}", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("the cast file is not UTF-8 text; save it as UTF-8", str(path)) from None
    try:
        table = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"the cast file is not valid TOML ({exc})", str(path)) from None
    # ``[cast]`` around the entries is allowed, so one TOML file may hold other settings too.
    if set(table) == {"cast"} and isinstance(table["cast"], dict):
        table = table["cast"]
    return read_cast(table, str(path), raw, 0)


def _front(text: str, options: ReadOptions) -> tuple[dict[str, Any], str | None, str]:
    front, body = split_front_matter(text)
    if front is None:
        return {}, None, body
    try:
        data = markdown.load_front_matter(front, options.limits.front_matter)
    except markdown.FrontMatterError as exc:
        raise InputError(exc.message, options.source, exc.line) from None
    if data is None:
        return {}, front, body
    if not isinstance(data, dict):
        raise InputError("front matter is not a mapping of keys to values", options.source, 1)
    return {str(k).lower(): v for k, v in data.items()}, front, body


def _speaker(name: str, cast: dict[str, Role], where: str, line: int) -> Role | None:
    """The role a ``NAME:`` prefix names; ``None`` when it is ordinary text (``Note: ...``)."""
    role = cast.get(name.strip().upper())
    if role is not None:
        return role
    letters = [c for c in name if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) >= 2:
        known = ", ".join(r.name for r in cast.values()) or "nobody"
        raise InputError(
            f"unknown speaker {name.strip()!r}; the cast has {known}: add {name.strip()} to the cast", where, line
        )
    return None


def _parse(body: str, cast: dict[str, Role], where: str) -> list[_Piece]:
    """The script's body as pieces: headings, speeches, narration and stage directions."""
    narrator = cast.get(NARRATOR)
    pieces: list[_Piece] = []
    current: _Piece | None = None
    quote_role: Role | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            pieces.append(current)
            current = None

    for number, raw in enumerate(body.split("\n"), 1):
        line = raw.rstrip()
        quoted = _QUOTE.match(line)
        text = quoted.group(1) if quoted else line
        if not text.strip():
            close()
            if not quoted:
                quote_role = None
            continue
        if not quoted:
            quote_role = None
        if not quoted and _HEADING.match(line):
            close()
            pieces.append(_Piece("heading", narrator, [(number, line.strip())]))
            continue
        if current is not None and current.kind == "direction":
            current.lines.append((number, text))
            if text.rstrip().endswith("]"):
                close()
            continue
        if current is None and text.lstrip().startswith("["):
            current = _Piece("direction", narrator, [(number, text)])
            if text.rstrip().endswith("]"):
                close()
            continue
        m = _SPEAKER.match(text)
        role = _speaker(m.group("name"), cast, where, number) if m else None
        if role is not None and m is not None:
            close()
            current = _Piece("speech", role, [(number, m.group("text") or "")])
            quote_role = role if quoted else None
            continue
        if quoted and current is None and quote_role is None:
            bare = _BARE_NAME.match(text)
            role = cast.get(bare.group("name").strip().upper()) if bare else None
            if role is not None:
                current = _Piece("speech", role, [])
                quote_role = role
                continue
        if current is None:
            role = quote_role if quoted and quote_role is not None else narrator
            current = _Piece("speech" if role is not narrator else "narration", role)
        current.lines.append((number, text))
    close()
    return pieces


def _markdown_line(text: str) -> str:
    # A speech is plain text: a leading '#', '>', '-' or "1." must not turn it into structure.
    text = _INLINE_DIRECTION.sub("", text).strip()
    m = _MARKDOWN_START.match(text)
    if m is None:
        return text
    if m.group(1):
        return "\\" + text
    return f"{m.group(2)}\\{text[len(m.group(2)) :]}"


def _render(pieces: list[_Piece], stage_directions: str) -> tuple[list[str], list[tuple[int, Role | None]]]:
    """Markdown lines for the pieces, and for each its (script line, role)."""
    lines: list[str] = []
    origin: list[tuple[int, Role | None]] = []

    def emit(text: str, number: int, role: Role | None) -> None:
        lines.append(text)
        origin.append((number, role))

    for piece in pieces:
        if piece.kind == "direction" and stage_directions != "read":
            continue
        for k, (number, text) in enumerate(piece.lines):
            if piece.kind == "heading":
                emit(_INLINE_DIRECTION.sub("", text).rstrip(), number, piece.role)
                continue
            if piece.kind == "direction":
                text = text.strip()
                text = text[1:] if k == 0 else text
                text = text[:-1] if k == len(piece.lines) - 1 else text
            out = _markdown_line(text)
            if out:
                emit(out, number, piece.role)
        emit("", piece.lines[-1][0] if piece.lines else 0, None)
    return lines, origin


def _retarget(
    where: str | None, source: str, origin: list[tuple[int, Role | None]]
) -> tuple[str | None, Role | None, bool]:
    """A location in the rewritten Markdown → (the script's location, its role, found)."""
    if not where:
        return where, None, False
    m = _SOURCE_LINE.match(where)
    if m is None or m.group("file") != source:
        return where, None, False
    n = int(m.group("line"))
    if not 1 <= n <= len(origin):
        return where, None, False
    number, role = origin[n - 1]
    return f"{source}:{number}", role, True


def _apply(ctx: Context, role: Role | None, book_lang: str) -> Context:
    if role is None:
        return ctx
    lang = ctx.lang
    if lang is None and role.language and role.language != book_lang:
        lang = role.language
    return replace(ctx, voice=ctx.voice or role.voice, lang=lang, rate=ctx.rate * role.speed)


def _cast_segments(
    segments: tuple[Segment, ...], source: str, origin: list[tuple[int, Role | None]], book_lang: str
) -> tuple[Segment, ...]:
    out: list[Segment] = []
    role: Role | None = None
    for seg in segments:
        if isinstance(seg, (Speech, Phonemes)):
            where, found_role, found = _retarget(seg.source, source, origin)
            if found:
                role = found_role
            out.append(replace(seg, ctx=_apply(seg.ctx, role, book_lang), source=where))
        elif isinstance(seg, Audio):
            out.append(replace(seg, ctx=_apply(seg.ctx, role, book_lang)))
        else:
            out.append(seg)
    return tuple(out)


def read(data: bytes, options: ReadOptions, reporter: Reporter | None = None, ledger: Ledger | None = None) -> Book:
    """Read a script into a book: one chapter per scene, each line in its speaker's voice."""
    reporter = reporter if reporter is not None else Reporter()
    where = options.source
    mode = getattr(options, "stage_directions", "skip")
    if mode not in STAGE_DIRECTIONS:
        raise InputError(f"stage directions {mode!r}: use one of {', '.join(STAGE_DIRECTIONS)}", where)
    text = decode(data, where, reporter).replace("\r\n", "\n").replace("\r", "\n")
    fm, front, body = _front(text, options)
    cast = _load_cast(fm, front, options)
    # The front matter's lines are blank in ``body``, so its line numbers are the file's.
    pieces = _parse(body, cast, where)
    lines, origin = _render(pieces, mode)
    meta = {k: v for k, v in fm.items() if k not in ("cast", "format")}
    header = ["---", *yaml.safe_dump(meta, allow_unicode=True).splitlines(), "---"] if meta else []
    origin = [(1, None)] * len(header) + origin
    lines = header + lines

    # The rendered Markdown's reports are collected apart, to name the script's lines instead.
    inner = Reporter()
    try:
        book = markdown.read("\n".join(lines).encode("utf-8"), options, inner, ledger)
    except InputError as exc:
        line = origin[exc.line - 1][0] if exc.line and 1 <= exc.line <= len(origin) else exc.line
        raise InputError(exc.message, exc.file, line, None) from None
    finally:
        for rep in inner.reports:
            reporter.report(rep.code, rep.message, _retarget(rep.where, where, origin)[0])

    chapters = []
    for ch in book.chapters:
        blocks = tuple(Block(_cast_segments(b.segments, where, origin, book.meta.language), b.kind) for b in ch.blocks)
        chapters.append(Chapter(ch.title, blocks, _retarget(ch.source, where, origin)[0]))
    log.debug("script %s: %d speakers, %d scenes", where, len(cast), len(chapters))
    return replace(book, chapters=tuple(chapters))
