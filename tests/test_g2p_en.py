"""English G2P from the training dictionaries: the words, their endings, context, and the fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_checks import hard_set

from audiobook.diagnostics import Reporter
from audiobook.normalize import NormalizeOptions, expand
from audiobook.passes.g2p import phonemize_english
from audiobook.passes.g2p_en import lexicon, phonemize_words, tokenize
from audiobook.passes.normalize import normalize_text
from audiobook.vocab import VOCAB

ROOT = Path(__file__).resolve().parent.parent


def us(text: str) -> str:
    return phonemize_words([text], False, _refuse)[0]


def _refuse(pieces: list[tuple[str, int]]) -> list[str]:
    raise AssertionError(f"the dictionary should know {pieces}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # espeak-ng stresses "Fourteenth" on its first syllable; the model learned fˌɔɹtˈinθ.
        ("fourteenth", "fˌɔɹtˈinθ"),
        ("Louis", "lˈui"),
        ("tonight", "tənˈIt"),
        # The American flap is written T, as in training.
        ("forty", "fˈɔɹTi"),
        ("tomato", "təmˈATO"),
    ],
)
def test_dictionary_words_are_read_as_trained(text: str, expected: str) -> None:
    assert us(text) == expected


def test_british_words_come_from_the_british_dictionary() -> None:
    assert phonemize_words(["tomato"], True, _refuse) == ["təmˈɑːtQ"]
    assert phonemize_words(["schedule"], True, _refuse) == ["ʃˈɛdjuːl"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the apple", "ði ˈæpᵊl"),
        ("the pear", "ðə pˈɛɹ"),
        ("to eat", "tʊ ˈit"),
        ("to go", "tə ɡˌO"),
        ("go to.", "ɡˌO tu."),
        ("a dog", "ɐ dˈɔɡ"),
        ("an owl", "ɐn ˈWl"),
        ("A dog barked.", "ɐ dˈɔɡ bˈɑɹkt."),
        ("Plan A.", "plˈæn ˈA."),
        ("I said so.", "ˌI sˈɛd sˌO."),
    ],
)
def test_function_words_take_their_reduced_forms_by_the_next_sound(text: str, expected: str) -> None:
    assert us(text) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("unlatched", "ˌʌnlˈæʧt"),
        ("outfoxed", "ˌWtfˈɑkst"),
        ("reglazed", "ɹˌiɡlˈAzd"),
        ("ladled", "lˈAdᵊld"),
        ("ferried", "fˈɛɹid"),
        ("unlatches", "ˌʌnlˈæʧᵻz"),
        ("ferries", "fˈɛɹiz"),
        ("ladle's", "lˈAdᵊlz"),
        ("tallying", "tˈæliɪŋ"),
    ],
)
def test_regular_endings_of_known_words(word: str, expected: str) -> None:
    assert not lexicon(False).known(word)  # derived from the stem, not a dictionary entry
    assert us(word) == expected


def test_hyphenated_compounds_keep_one_primary_stress_on_the_last_part() -> None:
    assert us("forty-three") == "fˌɔɹTiθɹˈi"
    assert us("F-B-I") == "ˌɛfbˌiˈI"
    assert us("the F-B-I's report") == "ði ˌɛfbˌiˈIz ɹəpˈɔɹt"
    assert us("ten a-m") == "tˈɛn ˌAˈɛm"


def test_capitals_the_dictionary_lacks_go_to_espeak() -> None:
    asked: list[str] = []

    def fallback(pieces: list[tuple[str, int]]) -> list[str]:
        asked.extend(p for p, _ in pieces)
        return [f"<{p}>" for p, _ in pieces]

    out = phonemize_words(["NASA paid one hundred US dollars."], False, fallback)
    assert asked == ["US"]  # not the word "us"
    assert out == ["nˈæsə pˈAd wˈʌn hˈʌndɹəd <US> dˈɑləɹz."]
    assert us("well-known").count("ˈ") == 1


def test_noun_and_verb_readings_follow_the_word_before() -> None:
    assert us("I live here.") == "ˌI lˈɪv hˈɪɹ."
    assert us("a live show") == "ɐ lˈIv ʃˈO"


def test_punctuation_stays_on_its_word_and_joins_make_no_sound() -> None:
    assert us('He said, "Stop!" and/or (maybe) left; then… nothing.') == (
        'hi sˈɛd, "stˈɑp!" ænd ɔɹ (mˈAbi) lˈɛft; ðˈɛn… nˈʌθɪŋ.'
    )
    text = us("Stop, look; listen: now! Why? Well… (yes) “quoted” — done.")
    for mark in (",", ";", ":", "!", "?", "…", "(", ")", "“", "”", "—", "."):
        assert mark in text
    assert " ," not in text and "( " not in text
    assert us("up/down") == us("up down")


def test_unknown_pieces_go_to_the_fallback_once_each_with_where_they_first_stand() -> None:
    asked: list[list[tuple[str, int]]] = []

    def fallback(pieces: list[tuple[str, int]]) -> list[str]:
        asked.append(pieces)
        return [f"<{p}>" for p, _ in pieces]

    out = phonemize_words(["The Xyzzy came.", "Xyzzy and 42 plughs."], False, fallback)
    assert asked == [[("Xyzzy", 0), ("42", 1), ("plughs", 1)]]
    assert out == ["ðə <Xyzzy> kˈAm.", "<Xyzzy> ænd <42> <plughs>."]


def test_tokens_join_back_into_the_text() -> None:
    text = "It's 5 o'clock — the dogs' well-known “tricks”, aren't they?"
    assert "".join(t.text for t in tokenize(text)) == text
    assert [t.text for t in tokenize(text) if t.kind == "word"] == [
        "It's", "o'clock", "the", "dogs'", "well-known", "tricks", "aren't", "they"
    ]


def test_everything_the_benchmarks_read_is_in_the_vocabulary() -> None:
    texts = [forms[0] for forms in hard_set()]
    texts += (ROOT / "bench" / "prose_en.txt").read_text(encoding="utf-8").split("\n\n")
    opts = NormalizeOptions().for_lang("en-us")
    for lang in ("en-us", "en-gb"):
        out = phonemize_english([expand(normalize_text(t), opts) for t in texts], lang, Reporter())
        assert all(ph for ph in out)
        assert set("".join(out)) <= VOCAB
