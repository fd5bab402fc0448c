"""From a book's headings to its chapters, the same way for plain text and HTML.

A reader cuts its document at every heading into ``Section``s; ``chapters`` decides which of them
start chapters and what each chapter is called, so the text and the HTML edition of one book give
the same chapter list:

- a "Contents" heading and the entries listed under it are the table of contents;
- what comes before the first heading of the book proper is its title page when it is short and
  names the book or its author; both are skipped (and noted) unless front matter is kept;
- the chapter level is the shallowest level at which at least two headings are followed by
  prose; a deeper heading starts a chapter only when it is a heading form of its own (``Chapter
  3``, a numeral in sequence), otherwise it stays inside its chapter;
- a heading followed directly by a deeper one (``BOOK ONE`` then ``CHAPTER 1``, a story's title
  then its part ``I.``) is read at the start of that chapter, which is named after both;
- a bare numeral is named after the heading it belongs to (``A Scandal in Bohemia, part 2``), or
  ``Chapter N`` when it belongs to none.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from audiobook.config import ReadOptions
from audiobook.diagnostics import Ledger, Skipped
from audiobook.model import Block, Chapter, Phonemes, Speech
from audiobook.readers.headings import bare_numeral

__all__ = ["Section", "chapters", "is_contents", "BODY_WORDS", "TITLE_PAGE_WORDS"]

BODY_WORDS = 20
"""Words of prose after a heading that make it the heading of a chapter, not of a title page."""
TITLE_PAGE_WORDS = 60
"""The most words a title page holds (title, author, edition, illustrator, publisher)."""

_CONTENTS = re.compile(r"^(?:table\s+of\s+)?contents?\W*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Section:
    """A heading and what follows it up to the next heading (or the text before the first)."""

    title: str | None
    """The heading as written; ``None`` for what stands before the first heading."""
    level: int
    """Depth: 0 for the shallowest headings (``BOOK ONE``, ``<h1>``), larger for deeper ones."""
    blocks: tuple[Block, ...]
    """The heading's block first (when there is a heading), then the body."""
    where: str
    """``file:line`` of the heading."""
    source: str = ""
    """The section's text as written, for coverage."""
    recognized: bool = False
    """True when the heading has a form of its own (``Chapter 3``, ``STAVE I``, a numeral in sequence)."""
    skipped: tuple[Skipped, ...] = field(default=())
    """What the reader left out inside the section."""

    @property
    def body_words(self) -> int:
        """Words of the blocks that are not headings."""
        return sum(len(_WORD.findall(_text(b))) for b in self.blocks if b.kind != "heading")


def _text(block: Block) -> str:
    return " ".join(s.text for s in block.segments if isinstance(s, (Speech, Phonemes)))


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def is_contents(title: str) -> bool:
    """True for a table of contents' heading ("CONTENTS", "Table of Contents")."""
    return _CONTENTS.match(" ".join(title.split())) is not None


@dataclass
class _Open:
    """A chapter being assembled."""

    title: str
    where: str
    blocks: list[Block] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, section: Section) -> None:
        self.blocks.extend(section.blocks)
        self.source.append(section.source)
        self.skipped.extend(section.skipped)


def _toc(sections: list[Section]) -> set[int]:
    """Indices of the table of contents: each "Contents" section and the bare headings it lists."""
    out: set[int] = set()
    i = 0
    while i < len(sections):
        s = sections[i]
        if s.title is None or not is_contents(s.title):
            i += 1
            continue
        out.add(i)
        listed = _norm(s.source)
        seen: set[str] = set()
        j = i + 1
        # Entries written as headings ("CHAPTER I. Down the Rabbit-Hole" on lines of their own)
        # have no prose after them; the listing ends at the first heading that repeats an entry
        # or is followed by prose.
        while j < len(sections) and sections[j].title is not None and sections[j].body_words == 0:
            name = _norm(sections[j].title or "")
            if name in seen or (name and f" {name} " in f" {listed} "):
                break
            seen.add(name)
            out.add(j)
            j += 1
        i = j
    return out


def _names_book(text: str, title: str | None, authors: tuple[str, ...]) -> bool:
    """Whether ``text`` shows the book's title or an author's name, as a title page does."""
    words = f" {_norm(text)} "
    if title and _norm(title) and f" {' '.join(_norm(title).split()[:4])} " in words:
        return True
    return any(_norm(a) and f" {_norm(a).split()[-1]} " in words for a in authors)


def chapters(
    sections: list[Section], options: ReadOptions, ledger: Ledger, title: str, authors: tuple[str, ...] = ()
) -> list[Chapter]:
    """The chapters of a book cut into ``sections``; the ledger gets their text and what was skipped."""
    keep_front = not options.choices.skip_front_matter
    toc = _toc(sections)
    first = next(
        (
            i
            for i, s in enumerate(sections)
            if i not in toc and s.title is not None and (s.recognized or s.body_words >= BODY_WORDS)
        ),
        None,
    )
    front = [s for i, s in enumerate(sections) if i not in toc and (first is None or i < first)]
    contents = [sections[i] for i in sorted(toc)]
    out: list[_Open] = []
    front_words = sum(len(_WORD.findall(s.source)) for s in front)
    front_text = " ".join(s.source for s in front)
    title_page = (
        first is not None and 0 < front_words <= TITLE_PAGE_WORDS and _names_book(front_text, title, authors)
    )
    # Front matter and contents, in the order they stand.
    pieces: list[tuple[int, str, list[Section]]] = []
    if front:
        pieces.append((next(i for i, s in enumerate(sections) if s is front[0]), "front", front))
    if contents:
        pieces.append((min(toc), "toc", contents))
    pieces.sort(key=lambda p: p[0])
    for _, what, group in pieces:
        blocks = [b for s in group for b in s.blocks]
        if what == "front" and not title_page or keep_front:
            if blocks:
                chapter = _Open(title if what == "front" else " ".join((group[0].title or "").split()), group[0].where)
                for s in group:
                    chapter.add(s)
                out.append(chapter)
            continue
        reason = "front matter: title page" if what == "front" else "front matter: table of contents"
        text = " ".join(s.source for s in group)
        if text.strip():
            ledger.skip(reason, text, group[0].where)
        for s in group:
            for item in s.skipped:
                ledger.skip(item.reason, item.text, item.where)
    if first is not None:
        out.extend(_body([s for i, s in enumerate(sections) if i >= first and i not in toc]))
    result: list[Chapter] = []
    for chapter in out:
        index = len(result)
        result.append(Chapter(chapter.title, tuple(chapter.blocks), chapter.where))
        ledger.source[index] = " ".join(" ".join(chapter.source).split())
        for item in chapter.skipped:
            ledger.skip(item.reason, item.text, item.where, index)
    return result


def _body(sections: list[Section]) -> list[_Open]:
    """Chapters from the sections of the book proper (the first one starts a chapter)."""
    counts = Counter(s.level for s in sections if s.title is not None and s.body_words >= BODY_WORDS)
    levels = sorted(level for level, n in counts.items() if n >= 2) or sorted(counts) or [0]
    chapter_level = levels[0]
    out: list[_Open] = []
    stack: list[tuple[int, str]] = []
    pending: list[Section] = []
    for n, s in enumerate(sections):
        heading = " ".join((s.title or "").split())
        if out and not pending and s.level > chapter_level and not s.recognized:
            # A heading inside a chapter (a letter's or a poem's title) is read in its place.
            out[-1].add(s)
            continue
        while stack and stack[-1][0] >= s.level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        number = bare_numeral(heading)
        if number is not None:
            name = f"{parent}, part {number}" if parent else f"Chapter {number}"
        elif pending and pending[-1].level < s.level:
            name = f"{' '.join((pending[-1].title or '').split()).rstrip('.')}, {heading}"
        else:
            name = heading
        stack.append((s.level, heading.rstrip(".")))
        pending.append(s)
        if s.body_words == 0 and n + 1 < len(sections):
            # A heading with nothing under it but the next heading is read with that chapter.
            continue
        chapter = _Open(name, pending[0].where)
        for p in pending:
            chapter.add(p)
        pending = []
        out.append(chapter)
    return out
