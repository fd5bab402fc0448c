"""Read-along books: an EPUB 3 whose text is tied to its audio by media overlays.

Each chapter becomes one XHTML content document made from the synthesis plan (one paragraph per
paragraph of the source, one heading per heading, each spoken sentence a ``<span id>``), one MP3
of its audio (a core media type of EPUB 3), and one SMIL overlay with a ``<par>`` per sentence:
the span and the stretch of the chapter's audio that speaks it. A reading system that plays media
overlays highlights each sentence with the ``media:active-class`` while it is heard.

The clip times come from the sample positions the writer recorded for each sentence (``Placed``),
the very numbers the subtitles and the JSON timing file use, so overlay and audio cannot drift.

The package (manifest, spine, nav document, metadata) is written with ``ebooklib``; what it does
not know about overlays is added here: the ``media:duration`` of each overlay and of the whole
book, ``media:active-class`` and ``media:narrator`` (all in the ``media:`` prefix EPUB 3 reserves,
so the package needs no prefix declaration).
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook.config import SAMPLE_RATE
from audiobook.errors import EncodingError
from audiobook.model import Metadata
from audiobook.plan import ChapterPlan, Pause, Unit

__all__ = ["ACTIVE_CLASS", "CSS", "Par", "clock", "smil_document", "write_read_along"]

log = logging.getLogger(__name__)

ACTIVE_CLASS = "-epub-media-overlay-active"
"""Class a reading system puts on the sentence being read; the stylesheet highlights it."""

_SECTION = "chapter"
"""Id of the section that holds a chapter's text: the overlay's sequence points at it."""

CSS = f"""body {{ font-family: serif; line-height: 1.5; margin: 1em; }}
.{ACTIVE_CLASS} {{ background-color: #fff3a0; color: inherit; }}
"""


@dataclass(frozen=True)
class Par:
    """One sentence of the overlay: where its text is and which stretch of which audio file speaks it."""

    chapter: int
    """Chapter index."""
    span: str
    """The id of its span in the chapter's content document."""
    start: int
    """First sample of its audio, counted from the start of the chapter's file."""
    end: int
    """One past its last sample."""


def clock(samples: int) -> str:
    """A SMIL clock value (``h:mm:ss.mmm``) for a sample count."""
    ms = (int(samples) * 1000 + SAMPLE_RATE // 2) // SAMPLE_RATE
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _blocks(plan: ChapterPlan) -> Iterator[tuple[str, list[tuple[int, Unit]]]]:
    """(``p`` or ``h2``, (position among the items, unit) each) per paragraph or heading of a
    chapter, from the pauses between units."""
    block: list[tuple[int, Unit]] = []
    for pos, item in enumerate(plan.items):
        if isinstance(item, Unit):
            block.append((pos, item))
        elif isinstance(item, Pause) and item.kind in ("paragraph", "heading") and block:
            yield ("h2" if item.kind == "heading" else "p"), block
            block = []
    if block:
        yield "p", block


def _span_text(unit: Unit) -> str:
    return html.escape(unit.written or unit.text, quote=False)


def _chapter_xhtml(title: str, lang: str, blocks: list[tuple[str, list[tuple[str, Unit]]]]) -> str:
    body = []
    for tag, spans in blocks:
        inner = " ".join(f'<span id="{sid}">{_span_text(u)}</span>' for sid, u in spans)
        body.append(f"<{tag}>{inner}</{tag}>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="{html.escape(lang)}" '
        f'xml:lang="{html.escape(lang)}">\n<head><title>{html.escape(title)}</title>'
        '<link rel="stylesheet" type="text/css" href="style.css"/></head>\n'
        f'<body><section id="{_SECTION}" epub:type="chapter">\n' + "\n".join(body) + "\n</section></body>\n</html>\n"
    )


def smil_document(textref: str, rows: list[tuple[str, str, int, int]]) -> str:
    """A SMIL overlay: one ``par`` per (text src, audio src, first sample, one past the last)."""
    pars = [
        f'<par id="par{k + 1}"><text src="{html.escape(text)}"/>'
        f'<audio src="{html.escape(audio)}" clipBegin="{clock(start)}" clipEnd="{clock(end)}"/></par>'
        for k, (text, audio, start, end) in enumerate(rows)
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">\n'
        f'<body><seq id="seq1" epub:textref="{html.escape(textref)}">\n' + "\n".join(pars) + "\n</seq></body>\n</smil>\n"
    )


def write_read_along(
    path: Path,
    meta: Metadata,
    plans: Sequence[ChapterPlan],
    audio_files: list[Path],
    placed: dict[tuple[int, int], tuple[int, int]],
) -> list[Par]:
    """Write the read-along EPUB to ``path``; the overlay's pars, in reading order.

    ``audio_files`` holds one MP3 per chapter; ``placed`` maps each spoken unit, as (chapter, position
    among the chapter's items), to its (first sample, one past the last) in its chapter's file. A unit that made no sound stays in the
    text without a par.
    """
    from ebooklib import epub

    if len(audio_files) != len(plans):
        raise EncodingError(f"a read-along book needs one audio file per chapter; got {len(audio_files)} for {len(plans)}")
    book = epub.EpubBook()
    identifier = meta.identifier or "urn:audiobook:" + hashlib.sha256(
        "\n".join([meta.title, *meta.authors, *(p.title for p in plans)]).encode()
    ).hexdigest()[:32]
    book.set_identifier(identifier)
    book.set_title(meta.title or (plans[0].title if plans else "Audiobook"))
    book.set_language(meta.language or "en")
    for author in meta.authors:
        book.add_author(author)
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=CSS.encode())
    book.add_item(style)

    pars: list[Par] = []
    docs = []
    total = 0
    for index, (plan, audio) in enumerate(zip(plans, audio_files)):
        name = f"chapter{index + 1:03d}"
        doc_name, smil_name, audio_name = f"{name}.xhtml", f"{name}.smil", f"audio/{name}.mp3"
        blocks: list[tuple[str, list[tuple[str, Unit]]]] = []
        chapter_pars: list[Par] = []
        count = 0
        for tag, units in _blocks(plan):
            spans = []
            for pos, u in units:
                count += 1
                sid = f"s{count}"
                spans.append((sid, u))
                where = placed.get((index, pos))
                if where is not None and where[1] > where[0]:
                    chapter_pars.append(Par(index, sid, where[0], where[1]))
            blocks.append((tag, spans))
        title = plan.title or f"Chapter {index + 1}"
        doc = epub.EpubHtml(uid=name, title=title, file_name=doc_name, lang=meta.language or "en")
        doc.content = _chapter_xhtml(title, meta.language or "en", blocks).encode()
        doc.add_item(style)
        try:
            sound = audio.read_bytes()
        except OSError as err:
            raise EncodingError(f"cannot read the chapter audio {audio}: {err.strerror or err}") from err
        book.add_item(epub.EpubItem(uid=f"{name}_audio", file_name=audio_name, media_type="audio/mpeg", content=sound))
        if chapter_pars:
            doc.media_overlay = f"{name}_overlay"
            book.add_item(epub.EpubSMIL(uid=f"{name}_overlay", file_name=smil_name,
                                        content=smil_document(f"{doc_name}#{_SECTION}", [
                                            (f"{doc_name}#{p.span}", audio_name, p.start, p.end) for p in chapter_pars
                                        ]).encode()))
            # What the overlay plays: its clips one after another. The total is the sum of these
            # very figures, so the two agree to the millisecond as EPUBCheck asks.
            duration = sum(p.end - p.start for p in chapter_pars)
            total += duration
            book.add_metadata(None, "meta", clock(duration), {"property": "media:duration", "refines": f"#{name}_overlay"})
        book.add_item(doc)
        docs.append(doc)
        pars += chapter_pars

    book.add_metadata(None, "meta", clock(total), {"property": "media:duration"})
    book.add_metadata(None, "meta", ACTIVE_CLASS, {"property": "media:active-class"})
    if meta.narrator:
        book.add_metadata(None, "meta", meta.narrator, {"property": "media:narrator"})
    book.toc = [epub.Link(d.file_name, d.title, d.id) for d in docs]
    # The NCX serves reading systems of EPUB 2; EPUB 3 ones read the nav document.
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *docs]

    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        epub.write_epub(str(tmp), book, {"epub3_pages": False})
        os.replace(tmp, path)
    except OSError as err:
        raise EncodingError(f"cannot write {path}: {err.strerror or err}; check the folder and free space") from err
    finally:
        tmp.unlink(missing_ok=True)
    log.info("wrote %s (%d chapters, %d pars)", path, len(plans), len(pars))
    return pars
