"""Synthesis units: sizes, joins, splits and the pauses between them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.config import MAX_TOKENS, Pauses, UnitOptions
from audiobook.diagnostics import Reporter
from audiobook.model import (
    Audio,
    Block,
    Book,
    Break,
    Chapter,
    Context,
    Mark,
    Metadata,
    Speech,
    book_from_json,
)
from audiobook.passes import STAGE_NAMES, run_passes
from audiobook.plan import Bookmark, Insert, Pause, Unit
from audiobook.vocab import VOCAB

FIXTURES = Path(__file__).parent / "fixtures" / "passes"

LONG = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, "
    "it was the season of Darkness, it was the spring of hope, it was the winter of despair."
)


def plan(*blocks: Block, options: UnitOptions | None = None, reporter: Reporter | None = None) -> tuple:
    book = Book(Metadata(language="en-us"), (Chapter("One", tuple(blocks)),))
    (chapter,) = run_passes(book, unit_options=options, reporter=reporter or Reporter())
    return chapter.items


def para(*segments: object, kind: str = "paragraph") -> Block:
    return Block(tuple(segments), kind)  # type: ignore[arg-type]


def units(items: tuple) -> list[Unit]:
    return [i for i in items if isinstance(i, Unit)]


def test_long_sentence_split_at_commas_near_soft_max() -> None:
    items = plan(para(Speech(LONG)), options=UnitOptions(soft_max=120))
    pieces = units(items)
    assert len(pieces) >= 3
    assert all(len(u.phonemes) <= 120 for u in pieces)
    for u in pieces[:-1]:
        assert u.phonemes.endswith(",") and u.text.endswith(",")
    assert " ".join(u.text for u in pieces) == LONG
    pauses = [i for i in items if isinstance(i, Pause)]
    assert pauses == [Pause(Pauses().clause, "clause")] * (len(pieces) - 1)


def test_no_unit_exceeds_the_model_limit() -> None:
    reporter = Reporter()
    words = " ".join(["extraordinary"] * 400)
    items = plan(para(Speech(words + "."), Speech(LONG * 3)), options=UnitOptions(soft_max=600), reporter=reporter)
    assert all(0 < len(u.phonemes) <= MAX_TOKENS for u in units(items))
    assert all(set(u.phonemes) <= VOCAB for u in units(items))
    assert "unit-split" in {r.code for r in reporter.reports}
    assert " ".join(u.text for u in units(items)).split()[:400] == (words + ".").split()


def test_short_sentence_joins_the_next_one_without_pause() -> None:
    items = plan(para(Speech("Yes. I will come to the party tomorrow evening.")))
    assert [type(i) for i in items] == [Unit]
    assert items[0].text == "Yes. I will come to the party tomorrow evening."


def test_sentences_without_final_marks_keep_their_end_when_joined() -> None:
    # SSML "<s>hello there</s><s>world again</s>": two sentences, even in one model call.
    items = plan(para(Speech("hello there"), Break(0, "sentence"), Speech("world again")))
    (unit,) = units(items)
    assert unit.text == "hello there world again"
    assert unit.phonemes.split(" ")[1].endswith(".") and not unit.phonemes.endswith(".")


def test_short_sentence_at_the_end_joins_the_previous_one() -> None:
    items = plan(para(Speech("I will come to the party tomorrow evening. Yes.")), para(Speech("Next paragraph here.")))
    assert [u.text for u in units(items)] == ["I will come to the party tomorrow evening. Yes.", "Next paragraph here."]
    assert items[1] == Pause(Pauses().paragraph, "paragraph")


def test_sentences_get_sentence_pauses_and_headings_heading_pauses() -> None:
    items = plan(
        para(Speech("Chapter One"), kind="heading"),
        para(Speech("The rain fell all night on the town. Nobody went out at all that evening.")),
    )
    assert items == (
        Unit("ʧˈæptəɹ wˈʌn", "Chapter One", None, "en-us"),
        Pause(1000, "heading"),
        items[2],
        Pause(400, "sentence"),
        items[4],
    )
    assert items[2].text == "The rain fell all night on the town."


def test_explicit_breaks_sum_and_replace_the_structural_gap() -> None:
    items = plan(
        para(Break(200), Speech("The rain fell all night on the town."), Break(300), Break(450)),
        para(Speech("Nobody went out at all that evening."), Break(0), Speech("Not one soul, not one dog."), Break(900)),
    )
    kinds = [(type(i).__name__, getattr(i, "ms", None)) for i in items]
    assert kinds == [
        ("Pause", 200),
        ("Unit", None),
        ("Pause", 750),
        ("Unit", None),
        ("Pause", 900),
    ]
    assert all(p.kind == "explicit" for p in items if isinstance(p, Pause))
    # A break of 0 ms (strength="none") neither pauses nor cuts the reading in two.
    assert items[3].text == "Nobody went out at all that evening. Not one soul, not one dog."


def test_context_change_starts_a_new_unit() -> None:
    adam = Context(voice="am_michael")
    loud = Context(volume_db=3.0)
    items = plan(para(Speech("She said that "), Speech("nobody would ever come back here", adam), Speech(" again, and left.", loud)))
    assert [(u.text, u.voice, u.gain_db) for u in units(items)] == [
        ("She said that", None, 0.0),
        ("nobody would ever come back here", "am_michael", 0.0),
        ("again, and left.", None, 3.0),
    ]
    assert not any(isinstance(i, Pause) for i in items)


def test_marks_and_audio_become_bookmarks_and_inserts() -> None:
    items = plan(para(Mark("start"), Speech("The rain fell all night on the town."), Audio("bell.wav", ctx=Context(volume_db=-3.0)), Speech("Nobody went out at all that evening.")))
    assert items[0] == Bookmark("start")
    assert isinstance(items[1], Unit)
    # The sound itself separates the sentences: no structural pause around it.
    assert items[2] == Insert("bell.wav", -3.0)
    assert isinstance(items[3], Unit) and len(items) == 4


def test_a_mark_between_words_keeps_its_place_in_the_sentence() -> None:
    # SSML "The rain fell <mark name="m"/>all night on the town.": the mark stands after three words.
    items = plan(para(Speech("The rain fell "), Mark("m"), Speech("all night on the town.")))
    assert items[0] == Bookmark("m", 3) and isinstance(items[1], Unit) and len(items) == 2
    # Joined with a short sentence before it, the count takes that sentence's words in.
    items = plan(para(Speech("Yes."), Break(0, "sentence"), Speech("The rain fell "), Mark("m"), Speech("all night long here.")))
    assert items[0] == Bookmark("m", 4) and units(items)[0].text.startswith("Yes.")
    # A mark at a sentence's start or end stays before or after it.
    items = plan(para(Mark("a"), Speech("The rain fell all night on the town."), Mark("b")))
    assert items[0] == Bookmark("a") and items[-1] == Bookmark("b")


def test_unit_language_from_context_or_book() -> None:
    items = plan(para(Speech("Good morning to all of you here."), Speech("Bonjour à tous, mes amis.", Context(lang="fr"))))
    assert [u.lang for u in units(items)] == ["en-us", "fr"]


def test_stop_after_returns_the_book() -> None:
    book = Book(Metadata(), (Chapter("One", (para(Speech("Hi there. Bye.")),)),))
    out = run_passes(book, stop_after="sentences")
    assert isinstance(out, Book)
    assert STAGE_NAMES == ("voices", "normalize", "sentences", "phonemes", "units")


def _describe(item: object) -> str:
    if isinstance(item, Unit):
        extra = "".join(f" [{k}={v}]" for k, v in (("voice", item.voice), ("lang", item.lang)) if v and v != "en-us")
        return f"unit: {item.text}{extra}"
    if isinstance(item, Pause):
        return f"pause: {item.ms} {item.kind}"
    if isinstance(item, Insert):
        return f"insert: {item.src}"
    if isinstance(item, Bookmark):
        return f"bookmark: {item.name}"
    raise TypeError(item)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_fixture_plans(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    book = book_from_json(case["book"])
    options = UnitOptions(**case.get("unit_options", {}))
    plans = run_passes(book, unit_options=options, reporter=Reporter())
    got = [[_describe(i) for i in chapter.items] for chapter in plans]
    assert got == case["expected"]
    assert all(len(u.phonemes) <= MAX_TOKENS for chapter in plans for u in units(chapter.items))


def test_a_clause_longer_than_hard_max_is_cut_between_words_and_reported() -> None:
    reporter = Reporter()
    clause = " ".join(["the lighthouse keeper climbed the narrow stairs"] * 8) + "."
    items = plan(para(Speech(clause)), reporter=reporter)
    pieces = units(items)
    assert len(pieces) >= 2
    assert all(len(u.phonemes) <= UnitOptions().hard_max for u in pieces)
    assert " ".join(u.text for u in pieces).split() == clause.split()
    assert [r.code for r in reporter.reports] == ["unit-split"]


def test_slow_speed_cuts_sentences_at_more_of_their_clauses() -> None:
    normal = units(plan(para(Speech(LONG))))
    slow = units(plan(para(Speech(LONG)), options=UnitOptions(speed=0.5)))
    assert len(slow) > len(normal)
    assert all(len(u.phonemes) <= UnitOptions().soft_max // 2 for u in slow)
    assert " ".join(u.text for u in slow) == LONG
