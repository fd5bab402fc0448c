"""Normalization and sentence splitting: what a listener would notice as a wrong pause."""

from __future__ import annotations

import pytest

from audiobook.config import Pauses
from audiobook.diagnostics import Reporter
from audiobook.model import (
    Block,
    Book,
    Break,
    Chapter,
    Context,
    Mark,
    Metadata,
    Phonemes,
    Speech,
)
from audiobook.passes.normalize import normalize, normalize_text
from audiobook.passes.sentences import abbreviations, split_sentences, split_text


def _book(*segments, lang: str = "en-us") -> Book:
    return Book(Metadata(language=lang), (Chapter("One", (Block(tuple(segments)),)),))


def _segments(book: Book) -> tuple:
    return book.chapters[0].blocks[0].segments


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Mr. Holmes lives at 221B Baker St. in London."
    assert split_text(text, "en-us") == [text]
    assert split_text("Dr. Watson met Prof. Moriarty at 5 p.m. on Jan. 3 in the U.S. capital.", "en") == [
        "Dr. Watson met Prof. Moriarty at 5 p.m. on Jan. 3 in the U.S. capital."
    ]
    assert split_text("Fruit, e.g. apples, i.e. the red ones, etc. are fine. Yes.", "en-gb") == [
        "Fruit, e.g. apples, i.e. the red ones, etc. are fine.",
        "Yes.",
    ]


def test_number_abbreviation_only_before_a_number() -> None:
    assert split_text("See No. 5 below. Fine.", "en") == ["See No. 5 below.", "Fine."]
    assert split_text("She said no. Then she left.", "en") == ["She said no.", "Then she left."]


def test_questions_exclamations_and_quotes_split() -> None:
    assert split_text("Really? Yes! “Go.” Done.", "en-us") == ["Really?", "Yes!", "“Go.”", "Done."]


def test_shipped_abbreviation_list() -> None:
    abbr = abbreviations("en-us")
    for word in ("mr", "mrs", "dr", "st", "mt", "etc", "e.g", "i.e", "vs", "jan", "dec", "prof", "u.s", "a.m"):
        assert word in abbr
    assert abbreviations("fr") == frozenset()


def test_other_languages_split() -> None:
    assert split_text("Bonjour. Comment ça va ? Très bien.", "fr") == ["Bonjour.", "Comment ça va ?", "Très bien."]
    assert split_text("¿Dónde está? Aquí está.", "es") == ["¿Dónde está?", "Aquí está."]
    assert split_text("你好。我爱北京！再见", "zh") == ["你好。", "我爱北京！", "再见"]
    assert split_text("नमस्ते। आप कैसे हैं?", "hi") == ["नमस्ते।", "आप कैसे हैं?"]


def test_sentence_breaks_inserted_with_configured_length() -> None:
    book = _book(Speech("It rained. We stayed in. The end."), Break(700), Speech("After."))
    out = _segments(split_sentences(book, Reporter(), Pauses(sentence=321)))
    assert out == (
        Speech("It rained."),
        Break(321, "sentence"),
        Speech("We stayed in."),
        Break(321, "sentence"),
        Speech("The end."),
        Break(700),
        Speech("After."),
    )


def test_sentence_across_segments_is_seen_whole() -> None:
    loud = Context(volume_db=6.0)
    book = _book(Speech("He said "), Speech("stop", loud), Speech(". Then Mr. Smith left."))
    out = _segments(split_sentences(book, Reporter()))
    assert out == (
        Speech("He said"),
        Speech("stop", loud),
        Speech("."),
        Break(Pauses().sentence, "sentence"),
        Speech("Then Mr. Smith left."),
    )


def test_override_is_never_cut_and_mark_starts_the_next_sentence() -> None:
    ph = Phonemes("təmˈɑːtO", "tomato.", override=True)
    book = _book(Speech("I like"), ph, Speech("It is red."), Mark("m"), Speech("Yes."))
    out = _segments(split_sentences(book, Reporter()))
    gap = Break(Pauses().sentence, "sentence")
    assert out == (Speech("I like"), ph, gap, Speech("It is red."), gap, Mark("m"), Speech("Yes."))


def test_normalize_text_typography() -> None:
    assert normalize_text("It\u2019s \u2018fine\u2019...  really") == "It's 'fine'\u2026 really"
    assert normalize_text("wait\u2014what\u2013now -- ok") == "wait \u2014 what \u2014 now \u2014 ok"
    assert normalize_text("pages 10\u201312") == "pages 10-12"
    assert normalize_text("a\x00b\u200bc\td\r\ne\u00a0f") == "abc d e f"
    assert normalize_text("\u00abBonjour\u00bb") == "\u201cBonjour\u201d"


def test_normalize_drops_blank_speech_and_keeps_overrides() -> None:
    ph = Phonemes("x’", "x’", override=True)
    out = _segments(normalize(_book(Speech("  \n "), Speech("A\u2026"), ph)))
    assert out == (Speech("A\u2026"), ph)


def _read(text: str) -> list[str]:
    """The sentences a listener hears for ``text``: normalized, split, each as it is spoken."""
    out = _segments(split_sentences(normalize(_book(Speech(text))), Reporter()))
    sentences = [""]
    for seg in out:
        if isinstance(seg, Break) and seg.kind == "sentence":
            sentences.append("")
        elif isinstance(seg, (Speech, Phonemes)):
            sentences[-1] = f"{sentences[-1]} {seg.text}".strip()
    return [" ".join(s.split()) for s in sentences]


@pytest.mark.parametrize(
    "text",
    [
        "\u201cCome in!\u201d said Holmes.",
        "\u201cIs it you?\u201d she asked.",
        "\u2018Go away!\u2019 cried the boy.",
        '"Stop!" he shouted, and ran.',
        "\u201cOh!\u201d \u2014 and he was gone.",
        "\u201cOh! it is nothing,\u201d said the old man.",
        "Alas! she could say nothing of this now.",
    ],
)
def test_speech_tag_stays_with_its_quotation(text: str) -> None:
    assert len(_read(text)) == 1
    assert split_text(text, "en-us") == [text]


def test_a_capital_after_a_quotation_still_starts_a_sentence() -> None:
    assert _read("\u201cStop!\u201d He ran.") == ["\u201cStop!\u201d", "He ran."]
    assert _read("\u201cIs it you?\u201d she asked. Then he left.") == [
        "\u201cIs it you?\u201d she asked.",
        "Then he left.",
    ]


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("The MSS. were found in chap. iv. of the book.", "The manuscripts were found in chapter four of the book."),
        ("It was done, viz. in the second part, cf. the third.", "It was done, namely in the second part, compare the third."),
        ("See ann. 1855 for the details.", "See ann. eighteen fifty-five for the details."),
        ("Mr. and Mrs. Smith came to tea.", "Mister and Missus Smith came to tea."),
        ("They stopped at No. 4 and left.", "They stopped at number four and left."),
        ("She bought 1 lb. of tea and 2 ft. of rope.", "She bought one pound of tea and two feet of rope."),
    ],
)
def test_mid_sentence_abbreviations_do_not_end_it(text: str, spoken: str) -> None:
    assert _read(text) == [spoken]


def test_a_number_that_starts_a_sentence_still_starts_one() -> None:
    # Said as words, the number gets the capital that tells the splitter a sentence began.
    assert _read("They harden their hearts. 3. They presume.") == ["They harden their hearts.", "Three.", "They presume."]
    assert _read("We tried No. 27. No. 27 was full.") == ["We tried number twenty-seven.", "Number twenty-seven was full."]


def test_saint_doctor_street_drive_by_their_neighbours() -> None:
    assert _read("Lord St. Simon came. It was late.") == ["Lord Saint Simon came.", "It was late."]
    assert _read("It was Neville St. Clair.") == ["It was Neville Saint Clair."]
    assert _read("Presently Dr. Petty arrived from St. Petersburg.") == [
        "Presently Doctor Petty arrived from Saint Petersburg."
    ]
    assert _read("He lives on Harley St. The doctor came.") == ["He lives on Harley Street.", "The doctor came."]
    assert _read("She drove down Mulholland Dr. in the rain.") == ["She drove down Mulholland Drive in the rain."]


def test_references_are_chapter_and_verse() -> None:
    assert _read("Read Deut. 33:25. Then pray.") == ["Read Deuteronomy thirty-three, verse twenty-five.", "Then pray."]
    assert _read("See Gen. xliii. 31 for it.") == ["See Genesis forty-three, verse thirty-one for it."]
    assert _read("We met at 10:30. It was John 3:16 he quoted.") == [
        "We met at ten thirty.",
        "It was John three, verse sixteen he quoted.",
    ]


def test_invisible_characters_change_nothing() -> None:
    plain = _read("The captain came in 1659-60. Then he left.")
    hidden = _read("The cap\u00adtain ca\u200bme in 1659\u2060\u2013\u206060.\u200b Then he \ufeffle\u200eft\u2069.")
    assert hidden == plain == ["The captain came in sixteen fifty-nine to sixty.", "Then he left."]


@pytest.mark.parametrize(
    "text",
    [
        "“Where is your mistress?” I asked.",
        "“ 'Five hundred a year!' I shouted, and sat down.",
        "“Oh, it's all right!” I said. “We'll be through.”",
    ],
)
def test_a_quotation_and_its_first_person_speech_tag_are_one_sentence(text: str) -> None:
    first = split_text(text, "en-gb")[0]
    assert " I " in f" {first} " and first.rstrip().endswith((".", ",", "down."))
    assert split_text("“Where is your mistress?” I asked.", "en-us") == ["“Where is your mistress?” I asked."]


def test_a_quotation_then_i_and_another_verb_is_a_new_sentence() -> None:
    assert split_text("“Stop!” I ran to the door.", "en") == ["“Stop!”", "I ran to the door."]
    assert split_text("He left. I asked why.", "en") == ["He left.", "I asked why."]
