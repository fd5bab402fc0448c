"""G2P with the real espeak-ng: Kokoro's vocabulary, misaki-style mapping, nothing lost silently."""

from __future__ import annotations

import pytest

from audiobook.diagnostics import Reporter
from audiobook.model import (
    Block,
    Book,
    Break,
    Chapter,
    Context,
    Metadata,
    Phonemes,
    Speech,
)
from audiobook.passes.g2p import phonemize, phonemize_book, phonemize_many
from audiobook.vocab import VOCAB, to_vocab


def kokoro(text: str, lang: str = "en-us", reporter: Reporter | None = None) -> str:
    return to_vocab(phonemize(text, lang), lang, reporter or Reporter(), "test")


def _book(*segments, lang: str = "en-us") -> Book:
    return Book(Metadata(language=lang), (Chapter("One", (Block(tuple(segments)),)),))


@pytest.mark.parametrize(
    ("word", "lang", "expected"),
    [
        ("eye", "en-us", "I"),
        ("now", "en-us", "W"),
        ("day", "en-us", "A"),
        ("go", "en-us", "O"),
        ("go", "en-gb", "Q"),
        ("boy", "en-us", "Y"),
        ("judge", "en-us", "ʤ"),
        ("church", "en-us", "ʧ"),
        ("butter", "en-us", "əɹ"),
        ("bird", "en-us", "ɜɹ"),
        ("water", "en-us", "T"),
        ("button", "en-us", "tᵊn"),
        ("loch", "en-us", "k"),
        ("give", "en-us", "ɡ"),
        ("pizza", "it", "ʦ"),
    ],
)
def test_espeak_output_mapped_to_training_style(word: str, lang: str, expected: str) -> None:
    assert expected in kokoro(word, lang)


def test_mapping_removes_what_the_model_never_saw() -> None:
    ph = kokoro("The bird and the girl ate rice in the car, about a mile from the church.")
    for symbol in ("ː", "\u0361", "g", "ɚ", "ɐ", "r", "aɪ", "eɪ", "oʊ", "dʒ", "tʃ"):
        assert symbol not in ph
    assert "ː" in kokoro("car", "en-gb")  # British English keeps length marks
    assert "x" in kokoro("jamón", "es")  # only English maps x to k


def test_linking_r_is_not_doubled() -> None:
    assert "ɹɹ" not in kokoro("the winter of despair")


PARAGRAPH = (
    "On a bright, cold morning in January — the 14th, I think — Dr. Ada Finch (née Price) "
    "asked: “Where’s the quay? Is it far?” The boatman shrugged… “Not far; forty yards, perhaps!” "
    "Judge, jury, measure, vision, thought, though, bathe, hue, usual, azure, strength, rhythm, "
    "squirrel, colonel, Worcestershire, naïve café, façade, Bach, Loch Ness, 1,234.5 and 3 p.m."
)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en-us", PARAGRAPH),
        ("en-gb", PARAGRAPH),
        ("fr", "« Bonjour », dit-il. L’homme est là ; il mange des crêpes, du pain et un œuf. Où est la gare ?"),
        ("es", "¿Dónde está el jamón? ¡Hola, señor! El niño come churros y bebe agua en la playa."),
        ("it", "Buongiorno, come stai? Grazie mille, gli gnocchi sono buoni."),
        ("pt-br", "Olá, como vai você? Obrigado, não sei."),
        ("hi", "नमस्ते, आप कैसे हैं? मैं ठीक हूँ।"),
    ],
)
def test_every_symbol_is_in_the_vocabulary(lang: str, text: str) -> None:
    reporter = Reporter()
    ph = kokoro(text, lang, reporter)
    assert ph and set(ph) <= VOCAB
    assert reporter.reports == []


def test_punctuation_survives_for_prosody() -> None:
    ph = kokoro("Wait; look: here, there. Really?! “Yes” — (maybe)… \"fine\"")
    for mark in (";", ":", ",", ".", "!", "?", "—", "…", "“", "”", "(", ")", '"'):
        assert mark in ph
    assert "\n" not in kokoro("One.\nTwo.")


def test_abbreviation_period_is_not_a_sentence_end() -> None:
    ph = kokoro("Mr. Smith met Dr. Jones at 5 a.m., e.g. early.")
    assert ph.count(".") == 1 and ph.endswith(".")


def test_unknown_symbol_is_dropped_and_reported() -> None:
    reporter = Reporter()
    ph = to_vocab(phonemize("عين", "ar"), "ar", reporter, "book.txt:3")
    assert "ʕ" not in ph and set(ph) <= VOCAB
    (report,) = reporter.reports
    assert report.code == "phoneme-dropped"
    assert "U+0295" in report.message and report.where == "book.txt:3"


def test_batch_stays_aligned_with_blank_items() -> None:
    words = ["one", "", "two", "  ", "three"] * 200
    out = phonemize_many(words, "en-us")
    assert len(out) == len(words)
    assert out[:5] == [phonemize("one", "en-us"), "", phonemize("two", "en-us"), "", phonemize("three", "en-us")]
    assert out[-1] == out[4]


def test_book_speech_becomes_phonemes_and_overrides_pass_untouched() -> None:
    french = Context(lang="fr")
    override = Phonemes("təmˈɑːtO", "tomato", override=True)
    book = _book(Speech("Hello there.", source="a.md:1:1"), override, Break(400), Speech("Bonjour.", french))
    for g2p, english in (("lexicon", "həlˈO ðɛɹ."), ("espeak", kokoro("Hello there."))):
        out = phonemize_book(book, Reporter(), "en-us", g2p).chapters[0].blocks[0].segments
        hello, same, brk, bonjour = out
        assert hello == Phonemes(english, "Hello there.", source="a.md:1:1")
        assert same is override and brk == Break(400)
        # Other languages go to espeak-ng either way.
        assert bonjour == Phonemes(kokoro("Bonjour.", "fr"), "Bonjour.", french)
        assert "ʒ" in bonjour.ph


def test_unknown_g2p_is_refused() -> None:
    with pytest.raises(ValueError, match="lexicon, espeak"):
        phonemize_book(_book(Speech("Hello.")), Reporter(), "en-us", "misaki")


def test_override_outside_vocabulary_is_reported_not_changed() -> None:
    override = Phonemes("ʕajn", "ain", override=True)
    reporter = Reporter()
    out = phonemize_book(_book(override), reporter).chapters[0].blocks[0].segments
    assert out == (override,)
    assert [r.code for r in reporter.reports] == ["phoneme-dropped"]


def test_languages_without_g2p_are_reported() -> None:
    reporter = Reporter()
    book = _book(Speech("漢字です。", Context(lang="ja")), Speech("かなです。", Context(lang="ja")), Speech("你好。", Context(lang="zh")))
    out = phonemize_book(book, reporter).chapters[0].blocks[0].segments
    assert [s.text for s in out] == ["かなです。", "你好。"]
    assert {r.code for r in reporter.reports} == {"no-g2p", "g2p-approximate"}
    assert all(set(s.ph) <= VOCAB for s in out)
    reporter = Reporter()
    phonemize_book(_book(Speech("Hello.", Context(lang="xx-unknown"))), reporter)
    assert [r.code for r in reporter.reports] == ["no-g2p"]


def test_minimal_style_keeps_espeak_symbols_inside_the_vocabulary() -> None:
    ph = phonemize("The judge gave a winter party.", "en-us")
    minimal = to_vocab(ph, "en-us", Reporter(), "test", style="minimal")
    assert set(minimal) <= VOCAB
    # espeak's own letters stay (two-letter diphthong, ɚ, flap); only g becomes the model's ɡ.
    assert "eɪ" in minimal and "ɚ" in minimal and "ɾ" in minimal and "ɡ" in minimal
    assert "A" in to_vocab(ph, "en-us", Reporter(), "test")


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="minimal"):
        to_vocab("a", "en-us", Reporter(), style="ipa")
