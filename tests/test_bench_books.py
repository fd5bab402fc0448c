"""The real-book bench counts what a listener hears: a right reading counts right, a wrong one wrong.

Each judge is given one written passage and two spoken forms of it, the one a narrator would say
and the mistake the issue describes; then a small book runs through the whole bench.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from epubkit import Doc, TocEntry, build_epub

_SPEC = importlib.util.spec_from_file_location("bench_books", Path(__file__).resolve().parent.parent / "bench" / "bench_books.py")
assert _SPEC is not None and _SPEC.loader is not None
bench = importlib.util.module_from_spec(_SPEC)
sys.modules["bench_books"] = bench
_SPEC.loader.exec_module(bench)

B = bench._BREAK


def _count(judge, written: str, spoken: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    tally = bench.Tally()
    judge(written, bench.Finder(spoken), tally)
    return tally.right, tally.total


@pytest.mark.parametrize(
    ("judge", "written", "right", "wrong"),
    [
        (bench.judge_dialogue, "\u201cCome in!\u201d said Holmes.",
         "\u201cCome in!\u201d said Holmes.", f"\u201cCome in!\u201d {B} said Holmes."),
        (bench.judge_dialogue, "\u201cIs it you?\u201d she asked, and sat down.",
         "\u201cIs it you?\u201d she asked, and sat down.", f"\u201cIs it you?\u201d {B} she asked, and sat down."),
        (bench.judge_saint_doctor, "It was Lord St. Simon who came.",
         "It was Lord Saint Simon who came.", "It was Lord Street Simon who came."),
        (bench.judge_saint_doctor, "Then Rev. Dr. Grantly spoke.",
         "Then Reverend Doctor Grantly spoke.", "Then Reverend Drive Grantly spoke."),
        (bench.judge_money, "It cost \u00a312 10s. 0d. in all.",
         "It cost twelve pounds ten shillings in all.", "It cost twelve pounds tens. zeroth. in all."),
        (bench.judge_money, "He paid 2s. 6d. for it.",
         "He paid two shillings and sixpence for it.", "He paid two s. sixth. for it."),
        (bench.judge_money, "A bun was 1\u00bdd. then.",
         "A bun was a penny ha'penny then.", "A bun was one and a halfd. then."),
        (bench.judge_references, "As in Deut. 33:25 we read.",
         "As in Deuteronomy thirty-three, verse twenty-five we read.",
         "As in Deuteronomy thirty-three colon twenty-five we read."),
        (bench.judge_references, "See John 3:00 now.", "See John three, verse zero now.", "See John three o'clock now."),
        (bench.judge_references, "As Gen. xliii. 31 says.",
         "As Genesis forty-three, verse thirty-one says.", "As Gen x-l-i-i-i thirty-one says."),
        (bench.judge_ranges, "He lived there 1659\u2060\u2013\u206060 and left.",
         "He lived there sixteen fifty-nine to sixty and left.", "He lived there sixteen fifty-nine sixty and left."),
        (bench.judge_ranges, "Read pp. 12\u201319 tonight.",
         "Read pages twelve to nineteen tonight.", "Read pages twelve nineteen tonight."),
    ],
)
def test_each_judge_tells_the_right_reading_from_the_mistake(judge, written: str, right: str, wrong: str) -> None:  # type: ignore[no-untyped-def]
    assert _count(judge, bench.clean(written), right) == (1, 1)
    assert _count(judge, bench.clean(written), wrong) == (0, 1)


@pytest.mark.parametrize(
    ("judge", "written"),
    [
        (bench.judge_dialogue, "\u201cCome in!\u201d Holmes was there."),  # no speech tag follows
        (bench.judge_saint_doctor, "He lived on Baker St. The fog was thick."),
        (bench.judge_money, "She was in her 20s."),
        (bench.judge_money, "It was the 2d. of May."),
        (bench.judge_ranges, "The score was 2-1."),
    ],
)
def test_what_is_not_a_candidate_is_not_counted(judge, written: str) -> None:  # type: ignore[no-untyped-def]
    assert _count(judge, written, written) == (0, 0)


def test_a_candidate_found_again_by_its_own_punctuation() -> None:
    # The same words stand earlier with a comma: that is not the quotation being judged.
    spoken = f"\u201cGood afternoon,\u201d said Scrooge.\n\u201cGood afternoon!\u201d {B} said Scrooge."
    assert _count(bench.judge_dialogue, "\u201cGood afternoon!\u201d said Scrooge.", spoken) == (0, 1)


def _source(*entries: bench.TocEntry, sections: tuple[bench.Section, ...] = ()) -> bench.Source:
    return bench.Source(title="The Memoirs", toc=list(entries), sections=list(sections),
                        matter_files={s.path: s.kind for s in sections})


def test_titles_bare_numerals_and_nameless_parts() -> None:
    story = bench.TocEntry("A Scandal in Bohemia", "scandal.xhtml", None, None)
    part = bench.TocEntry("I", "scandal.xhtml", "part-1", story)
    novel = bench.TocEntry("II", "ch2.xhtml", None, None)
    src = _source(story, part, novel)
    fixed = bench.Heard({}, [("A Scandal in Bohemia", "scandal.xhtml", None),
                            ("A Scandal in Bohemia, part 1", "scandal.xhtml", "part-1"), ("Chapter 2", "ch2.xhtml", None)])
    broken = bench.Heard({}, [("A Scandal in Bohemia", "scandal.xhtml", None), ("I", "scandal.xhtml", "part-1"),
                             ("II", "ch2.xhtml", None)])
    for heard, right in ((fixed, 3), (broken, 1)):
        tally = bench.Tally()
        bench.judge_titles(src, heard, tally)
        assert (tally.right, tally.total) == (right, 3)


def test_matter_skipped_and_kept() -> None:
    sections = (
        bench.Section("imprint.xhtml", "imprint", ["this ebook is the product of many hours"]),
        bench.Section("preface.xhtml", "preface", ["i have endeavoured in this ghostly little book"]),
    )
    src = _source(sections=sections)
    read_all = bench.Heard({"imprint.xhtml": "This ebook is the product of many hours of work.",
                            "preface.xhtml": "I have endeavoured in this Ghostly little book."}, [])
    skipped = bench.Heard({"preface.xhtml": "I have endeavoured in this Ghostly little book."}, [])
    for heard, right in ((read_all, 1), (skipped, 2)):
        tally = bench.Tally()
        bench.judge_matter(src, heard, tally)
        assert (tally.right, tally.total) == (right, 2)


def test_a_whole_book_through_the_bench(tmp_path: Path) -> None:
    docs = [
        Doc("imprint.xhtml", '<section epub:type="imprint"><h2>Imprint</h2>'
            "<p>This ebook is the product of many hours of hard work.</p></section>"),
        Doc("ch1.xhtml", '<section epub:type="chapter"><h2>I</h2>'
            "<p>\u201cCome in!\u201d said Holmes, and Dr. Watson came in with Lord St. Simon.</p>"
            "<p>The fee was \u00a312 10s. 6d., and the cab 2s. 6d. He paid 6d. for the paper.</p>"
            '<p>It was in 1659\u201360 that he read John 3:16.<a epub:type="noteref" href="#n1">1</a></p></section>'),
    ]
    toc = [TocEntry("Imprint", "imprint.xhtml"), TocEntry("I", "ch1.xhtml")]
    book = tmp_path / "book.epub"
    build_epub(book, docs, toc, title="A Book", language="en-GB")
    tallies = bench.bench_book(book)
    totals = {name: t.total for name, t in tallies.items()}
    assert totals == {"dialogue": 1, "saint/doctor": 2, "money": 3, "references": 1, "ranges": 1, "matter": 1, "titles": 1}
    # Pounds, shillings and pence are read with their words.
    assert tallies["money"].right == 3
    # Every candidate was found again in what the pipeline produced.
    assert not [m for t in tallies.values() for m in t.misses if m.endswith("-> None")]
