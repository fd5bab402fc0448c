"""Chapter plans made one chapter at a time and kept on disk: the same plans, in bounded memory."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from audiobook.convert import ConvertOptions, load_book, plan_book, plan_store, prepare
from audiobook.diagnostics import Reporter
from audiobook.planstore import PlanStore, units_in

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize("name", ["three-chapters.md", "tide-clock.epub", "two-voices.ssml", "radio-play.md"])
def test_planning_chapter_by_chapter_gives_the_whole_book_plans(name):
    options = ConvertOptions()
    book = load_book(SAMPLES / name, options, Reporter())
    whole, apart = Reporter(), Reporter()
    expected = plan_book(book, options, whole)
    store = plan_store(book, options, apart)
    assert list(store) == expected
    assert apart.reports == whole.reports
    assert store.titles == [p.title for p in expected]
    assert units_in(store) == units_in(expected) > 0


def test_a_missing_voice_used_in_several_chapters_is_reported_once(tmp_path):
    src = tmp_path / "book.md"
    src.write_text(
        "# One\n\n<voice name=\"af_nobody\">A missing voice reads this.</voice> The narrator goes on.\n\n"
        "# Two\n\n<voice name=\"af_nobody\">The same missing voice again.</voice> And on.\n",
        encoding="utf-8",
    )
    reporter = Reporter()
    store = plan_store(load_book(src, ConvertOptions(), Reporter()), ConvertOptions(), reporter)
    assert len(store) == 2
    assert [r.code for r in reporter.reports] == ["voice-unmatched"]


def test_the_store_reads_back_what_was_written_and_pickles_as_plans():
    options = ConvertOptions()
    plans = plan_book(load_book(SAMPLES / "three-chapters.md", options, Reporter()), options, Reporter())
    store = PlanStore(plans)
    assert len(store) == len(plans) == 3
    assert store[-1] == plans[-1] and store[0:2] == plans[0:2]
    assert store.unit_counts == [sum(1 for i in p.items if type(i).__name__ == "Unit") for p in plans]
    copy = pickle.loads(pickle.dumps(store))
    assert isinstance(copy, PlanStore) and list(copy) == plans
    store.close()
    assert list(copy) == plans


def test_a_prepared_run_keeps_its_plans_on_disk_not_the_chapters_as_read():
    ready = prepare(SAMPLES / "three-chapters.md", ConvertOptions(voice="jf_alpha", engine="onnx"))
    assert isinstance(ready.plans, PlanStore) and ready.plans.units > 0
    assert ready.book.chapters == () and ready.book.meta.title
