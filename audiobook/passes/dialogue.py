"""Dialogue in prose: quoted speech read with a second voice (``--dialogue-voice``).

Each ``Speech`` segment is cut at its double quotes (“…” or "…"); the quoted pieces get the
dialogue voice, the narration around them keeps its own. The quote marks go with the quoted piece
(they shape the model's intonation), and so does punctuation right after a closing quote (“Wait,”
she said). Quotes are tracked through a whole block, so a quotation may span several segments; a
paragraph that opens a quotation without closing it (the convention for speeches running over
several paragraphs) is read in the dialogue voice to its end. Text whose voice was chosen by
markup keeps that voice.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from audiobook.model import Block, Book, Phonemes, Segment, Speech, with_context
from audiobook.words import cut_written

__all__ = ["split_dialogue", "split_quotes"]

log = logging.getLogger(__name__)

_OPEN = "\u201c"
_CLOSE = "\u201d"
_STRAIGHT = '"'
_TRAILING = ",.;:!?\u2026"


def split_quotes(text: str, inside: bool = False) -> tuple[list[tuple[str, bool]], bool]:
    """``text`` cut into (piece, quoted) runs, and whether a quotation is still open at its end."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        opens = ch == _OPEN or (ch == _STRAIGHT and not inside)
        closes = ch == _CLOSE or (ch == _STRAIGHT and inside)
        if opens and not inside:
            pieces.append((text[start:i], False))
            start, inside = i, True
        elif closes and inside:
            end = i + 1
            while end < len(text) and text[end] in _TRAILING:
                end += 1
            pieces.append((text[start:end], True))
            start, inside = end, False
            i = end
            continue
        i += 1
    pieces.append((text[start:], inside))
    return [(p, q) for p, q in pieces if p.strip()], inside


def _split_block(block: Block, voice: str) -> Block:
    out: list[Segment] = []
    inside = False
    for seg in block.segments:
        if isinstance(seg, Speech):
            pieces, after = split_quotes(seg.text, inside)
            if seg.ctx.voice is not None:
                # Markup chose this voice: keep it, but follow the quotes through it.
                out.append(seg)
            else:
                shares = cut_written(seg.text, seg.written, [text.strip() for text, _ in pieces])
                for (text, quoted), written in zip(pieces, shares):
                    piece = replace(seg, text=text.strip(), written=written)
                    out.append(with_context(piece, voice=voice) if quoted else piece)
            inside = after
        elif isinstance(seg, Phonemes) and inside and seg.ctx.voice is None:
            out.append(with_context(seg, voice=voice))
        else:
            out.append(seg)
    return replace(block, segments=tuple(out))


def split_dialogue(book: Book, voice: str | None) -> Book:
    """Return ``book`` with its quoted speech in ``voice``; unchanged when ``voice`` is ``None``."""
    if not voice:
        return book
    chapters = tuple(replace(ch, blocks=tuple(_split_block(b, voice) for b in ch.blocks)) for ch in book.chapters)
    return replace(book, chapters=chapters)
