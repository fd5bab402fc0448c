"""The Markdown reader: chapters from headings, front matter, inline SSML, skipped content.

Each ``tests/fixtures/markdown/<case>.md`` is read and compared with ``<case>.json``: the book's
metadata, its chapters as ``{"title", "blocks"}`` where a block is ``[kind, segment, ...]`` and a
segment is a string (speech in the default context), ``{"speech": text, ...context}``,
``{"phonemes": ipa, "text": ...}`` or ``{"break": ms}``; ``reports`` as ``code@where``; and
``skipped`` (content left out by choice) as ``reason@where``. An optional ``options`` object in
the ``.json`` sets the reader's choices (``{"code_blocks": "read"}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.config import ReadChoices, ReadOptions
from audiobook.coverage import measure
from audiobook.diagnostics import Ledger, Reporter
from audiobook.errors import StrictError
from audiobook.model import Audio, Book, Break, Context, Mark, Phonemes, Segment, Speech
from audiobook.readers import markdown, read_path

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
CASES = sorted(FIXTURES.glob("*.md"))
DEFAULT = Context()


def _ctx(ctx: Context) -> dict[str, Any]:
    return {
        name: getattr(ctx, name)
        for name in ("voice", "lang", "rate", "pitch", "volume_db", "emphasis")
        if getattr(ctx, name) != getattr(DEFAULT, name)
    }


def segment(seg: Segment) -> Any:
    """The compact fixture form of a segment."""
    if isinstance(seg, Speech):
        extra = _ctx(seg.ctx)
        return {"speech": seg.text, **extra} if extra else seg.text
    if isinstance(seg, Phonemes):
        return {"phonemes": seg.ph, "text": seg.text, **_ctx(seg.ctx)}
    if isinstance(seg, Break):
        return {"break": seg.ms} if seg.kind == "explicit" else {"break": seg.ms, "kind": seg.kind}
    if isinstance(seg, Audio):
        return {"audio": seg.src}
    assert isinstance(seg, Mark)
    return {"mark": seg.name}


def book_form(book: Book, reporter: Reporter, skipped: list[Any] | None = None) -> dict[str, Any]:
    """What a fixture's ``.json`` holds."""
    m = book.meta
    return {
        "title": m.title,
        "authors": list(m.authors),
        "language": m.language,
        "voice": m.voice,
        "chapters": [
            {"title": ch.title, "blocks": [[b.kind, *(segment(s) for s in b.segments)] for b in ch.blocks]}
            for ch in book.chapters
        ],
        "reports": [f"{r.code}@{r.where}" for r in reporter.reports],
        "skipped": [f"{s.reason}@{s.where}" for s in skipped or ()],
    }


@dataclass
class Run:
    """What a reading filled beside its options: the reports and the ledger."""

    reporter: Reporter = field(default_factory=Reporter)
    ledger: Ledger = field(default_factory=Ledger)


def read_case(path: Path, choices: dict[str, Any]) -> tuple[Book, Run]:
    options = ReadOptions(source=f"{path.stem}.md", choices=ReadChoices(**choices))
    run = Run()
    return markdown.read(path.read_bytes(), options, run.reporter, run.ledger), run


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture(path: Path) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    book, options = read_case(path, expected.pop("options", {}))
    assert book_form(book, options.reporter, options.ledger.skipped) == expected


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture_coverage(path: Path) -> None:
    """Every word of the source is spoken, or skipped for a reason."""
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    book, options = read_case(path, expected.pop("options", {}))
    cov = measure(book, options.ledger)
    assert [c.missing for c in cov.chapters] == [()] * len(book.chapters)
    assert all(c.source_words is not None for c in cov.chapters)


def test_strict_mode_names_file_and_line() -> None:
    options = ReadOptions(source="bad.md")
    with pytest.raises(StrictError) as caught:
        markdown.read(b"# T\n\nText.\n\nThen <break time='soon'/> more.\n", options, Reporter(strict=True))
    assert str(caught.value).startswith("bad.md:5: ")


def test_front_matter_keeps_line_numbers() -> None:
    data = b"---\ntitle: X\n---\n\nSay <phoneme ph='a'>b</phoneme>.\n"
    book = markdown.read(data, ReadOptions(source="f.md"))
    [block] = book.chapters[0].blocks
    assert [s.source for s in block.segments if isinstance(s, (Speech, Phonemes))][0] == "f.md:5"


def test_bad_front_matter_is_reported_not_read() -> None:
    options = Run()
    book = markdown.read(b"---\ntitle: [unclosed\n---\n\nBody.\n", ReadOptions(source="y.md"), options.reporter)
    assert [r.code for r in options.reporter.reports] == ["front-matter"]
    assert [segment(s) for s in book.chapters[0].blocks[0].segments] == ["Body."]


def test_sample_three_chapters() -> None:
    options = Run()
    book = read_path(ROOT / "samples" / "three-chapters.md", ReadOptions(), options.reporter)
    assert options.reporter.reports == []
    assert book.meta.title and book.meta.authors and book.meta.language == "en-us"
    assert len(book.chapters) == 3
    segments = [s for ch in book.chapters for b in ch.blocks for s in b.segments]
    assert Break(2000) in segments
    assert any(isinstance(s, Speech) and s.ctx.voice == "jm_kumo" for s in segments)
    for chapter in book.chapters:
        assert chapter.blocks[0].kind == "heading"
        assert 2 <= sum(b.kind == "paragraph" for b in chapter.blocks) <= 4
    words = sum(len(s.text.split()) for s in segments if isinstance(s, Speech))
    assert words < 250


# fmt: off
PIECES = [
    "# H\n", "## h\n", "\n\n", "text ", "<break time='1s'/>", "<voice name='a'>", "</voice>", "<br>",
    "<phoneme ph='x'>", "</phoneme>", "<!-- c -->", "<!--", "-->", "- item\n", "> quote\n", "```\n", "&", "<",
    "*em*", "[l](u)", "![i](p)", "<prosody rate='slow'>", "</prosody>", "<div>", "</div>", "---\n", "<x:y>",
    "<!DOCTYPE html>", "<!ENTITY x 'y'>",
]
# fmt: on


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), max_size=30))
def test_any_markdown_reads(parts: list[str]) -> None:
    text = "".join(parts)
    book = markdown.read(text.encode("utf-8", "surrogatepass"), ReadOptions(source="fuzz.md"))
    for chapter in book.chapters:
        assert chapter.title
        for block in chapter.blocks:
            assert block.segments


@pytest.mark.parametrize(
    ("shortcut", "ssml"),
    [
        ("[pause 2s]", '<break time="2s"/>'),
        ("[pause 500ms]", '<break time="500ms"/>'),
        ("[pause]", '<break strength="strong"/>'),
        ("[Pause x-weak]", '<break strength="x-weak"/>'),
    ],
)
def test_pause_shortcuts_lower_to_the_same_breaks_as_ssml(shortcut: str, ssml: str) -> None:
    for layout in ("# T\n\nBefore.\n\n{}\n\nAfter.\n", "# T\n\nBefore {} after.\n"):
        short = markdown.read(layout.format(shortcut).encode(), ReadOptions(source="a.md"))
        tagged = markdown.read(layout.format(ssml).encode(), ReadOptions(source="a.md"))
        assert short.chapters == tagged.chapters
        assert any(isinstance(s, Break) and s.kind == "explicit" for b in short.chapters[0].blocks for s in b.segments)


def test_bad_pause_is_reported_and_strict_fails() -> None:
    with pytest.raises(StrictError, match="p.md:3"):
        markdown.read(
            b"# T\n\nWait [pause forever] here.\n", ReadOptions(source="p.md"), Reporter(strict=True)
        )


def test_skipped_by_choice_is_not_a_strict_error() -> None:
    options = Run(Reporter(strict=True))
    book = markdown.read(
        b"# T\n\n![map](m.png)\n\n```\ncode\n```\n\nText.\n", ReadOptions(source="c.md"), options.reporter, options.ledger
    )
    assert [s.reason for s in options.ledger.skipped] == ["alt text", "code block"]
    assert [c.title for c in book.chapters] == ["T"]
