"""Text normalization: what a narrator says for what is written (numbers, dates, money, units,
abbreviations, Roman numerals, addresses), SSML say-as, and pronunciation lexicons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiobook.cli import main
from audiobook.diagnostics import Reporter
from audiobook.errors import InputError
from audiobook.model import Block, Book, Chapter, Context, Metadata, Phonemes, Speech
from audiobook.normalize import RULES, NormalizeOptions, expand, say_as, shipped_lexicon
from audiobook.normalize.numbers import cardinal, fraction, ordinal, year
from audiobook.passes import run_passes
from audiobook.passes.g2p import phonemize
from audiobook.passes.normalize import normalize, normalize_text
from audiobook.passes.sentences import split_sentences
from audiobook.vocab import to_vocab

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"


def _cases(name: str) -> list[tuple[str, str]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


EN = _cases("en.tsv") + _cases("en-everyday.tsv")
GB = _cases("en-gb.tsv")
OTHER = _cases("other.tsv")


def _book(*segments, lang: str = "en-us", kind: str = "paragraph") -> Book:
    return Book(Metadata(language=lang), (Chapter("One", (Block(tuple(segments), kind),)),))


def _segments(book: Book) -> tuple:
    return book.chapters[0].blocks[0].segments


def _said(text: str, lang: str = "en-us", options: NormalizeOptions | None = None) -> str:
    out = _segments(normalize(_book(Speech(text), lang=lang), options))
    return " ".join("".join(s.text for s in out).split())


@pytest.mark.parametrize(("written", "spoken"), EN, ids=[w for w, _ in EN])
def test_english_fixture(written: str, spoken: str) -> None:
    assert _said(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), GB, ids=[w for w, _ in GB])
def test_british_fixture(written: str, spoken: str) -> None:
    assert _said(written, "en-gb") == spoken


@pytest.mark.parametrize(("lang", "written", "spoken"), OTHER, ids=[f"{lang}:{w}" for lang, w, _ in OTHER])
def test_other_language_fixture(lang: str, written: str, spoken: str) -> None:
    assert _said(written, lang) == spoken


def test_other_languages_cover_every_language_the_model_speaks() -> None:
    assert {lang.split("-")[0] for lang, _, _ in OTHER} >= {"es", "fr", "it", "pt", "hi", "ja", "zh"}


@pytest.mark.parametrize(
    ("lang", "kind", "fmt", "text", "said"),
    [
        ("it", "date", "dmy", "2/1/2000", "due gennaio duemila"),
        ("fr", "date", "mdy", "1/4/1999", "quatre janvier mille neuf cent quatre-vingt-dix-neuf"),
        ("es", "cardinal", None, "21", "veintiuno"),
        ("fr", "ordinal", None, "2", "deuxième"),
        ("es", "currency", None, "€10", "diez euros"),
        ("hi", "cardinal", None, "21", "21"),
    ],
)
def test_say_as_in_other_languages(lang: str, kind: str, fmt: str | None, text: str, said: str) -> None:
    out = _segments(normalize(_book(Speech(text, Context(say_as=(kind, fmt, None))), lang=lang)))
    assert "".join(s.text for s in out).strip() == said


def test_every_rule_has_a_fixture_case() -> None:
    inputs = [normalize_text(w) for w, _ in EN + GB]
    unused = [rule.name for rule in RULES if not any(rule.pattern.search(text) for text in inputs)]
    assert unused == []


def test_fixture_is_big_enough() -> None:
    assert len(EN) >= 100


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (99, "ninety-nine"),
        (101, "one hundred one"),
        (1000, "one thousand"),
        (1_000_001, "one million one"),
        (-12, "minus twelve"),
        (2_000_000_000, "two billion"),
    ],
)
def test_cardinals(n: int, words: str) -> None:
    assert cardinal(n) == words


def test_ordinals_years_fractions() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 5, 8, 9, 12, 20, 21, 100, 111)] == [
        "first", "second", "third", "fifth", "eighth", "ninth", "twelfth", "twentieth",
        "twenty-first", "one hundredth", "one hundred eleventh",
    ]  # fmt: skip
    assert [year(n) for n in (1066, 1881, 1900, 1905, 2000, 2005, 2010, 2024)] == [
        "ten sixty-six", "eighteen eighty-one", "nineteen hundred", "nineteen oh five",
        "two thousand", "two thousand five", "twenty ten", "twenty twenty-four",
    ]  # fmt: skip
    assert cardinal(105, british=True) == "one hundred and five"
    assert [fraction(1, 2), fraction(3, 4), fraction(2, 3), fraction(1, 16)] == [
        "one half", "three quarters", "two thirds", "one sixteenth",
    ]  # fmt: skip


def test_date_order_is_configurable() -> None:
    assert _said("Due 11/12/2024.", options=NormalizeOptions(date_order="dmy")) == (
        "Due the eleventh of December, twenty twenty-four."
    )
    assert _said("Due 11/12/2024.", options=NormalizeOptions(date_order="mdy")) == (
        "Due November twelfth, twenty twenty-four."
    )
    # A date that fits only one order is read in that order whatever the setting.
    assert _said("Due 25/12/2024.") == "Due the twenty-fifth of December, twenty twenty-four."


def test_titles_can_be_left_to_espeak() -> None:
    assert _said("Dr. Watson and St. Paul.", options=NormalizeOptions(expand_titles=False)) == "Dr. Watson and St. Paul."


def test_abbreviation_periods_and_sentences() -> None:
    book = normalize(_book(Speech("Mr. Holmes lives at 221B Baker St. in London. I live on Baker St. The fog is thick.")))
    sentences = [s.text for s in _segments(split_sentences(book, Reporter())) if isinstance(s, Speech)]
    assert sentences == [
        "Mister Holmes lives at two hundred twenty-one B Baker Street in London.",
        "I live on Baker Street.",
        "The fog is thick.",
    ]


def test_pounds_shillings_and_pence_keep_their_sentences() -> None:
    text = "He paid 2s. 6d. for it. It cost £12 10s. 6d. The clerk smiled. “Only 6d.,” said he. A loaf was 1½d."
    book = normalize(_book(Speech(text), lang="en-gb"))
    sentences = [s.text for s in _segments(split_sentences(book, Reporter())) if isinstance(s, Speech)]
    assert sentences == [
        "He paid two shillings and sixpence for it.",
        "It cost twelve pounds ten shillings and sixpence.",
        "The clerk smiled.",
        "\u201cOnly sixpence,\u201d said he.",
        "A loaf was a penny ha'penny.",
    ]


def test_old_money_words_reach_the_model_as_words() -> None:
    # The pence words are in the training dictionaries ("threepence" as THREP-ence), or in the
    # shipped lexicon where espeak-ng would stress them wrongly ("sevenpence").
    text = "A bun cost 1½d., a paper 3d., a seat 7d. and a box 10s. 6d."
    book = run_passes(_book(Speech(text), lang="en-gb"), stop_after="phonemes")
    ph = " ".join(s.ph for s in _segments(book) if isinstance(s, Phonemes))
    for word in ("pˈɛni hˈApni", "θɹˈɛpᵊns", "sˈɛvənpəns", "ʃˈɪlɪŋz", "sˈɪkspəns"):
        assert word in ph
    assert "dˈiː" not in ph and "ˈɛs" not in ph


def test_heading_that_is_only_a_numeral() -> None:
    out = _segments(normalize(_book(Speech("XIV."), kind="heading")))
    assert [s.text for s in out] == ["Fourteen."]
    # The same letters in a paragraph stay as written: a numeral needs its context there.
    assert _said("XIV.") == "XIV."


def test_other_languages_are_read_in_their_own_words() -> None:
    french = "Il a 21 ans, pèse 3,5 kg et habite au 12 rue de la Paix depuis 1881."
    assert _said(french, "fr") == (
        "Il a vingt et un ans, pèse trois virgule cinq kg et habite au douze rue de la Paix depuis"
        " mille huit cent quatre-vingt-un."
    )
    segments = _segments(normalize(_book(Speech("Il a 21 ans.", Context(lang="fr")), Speech("He is 21."))))
    assert [s.text for s in segments] == ["Il a vingt et un ans.", "He is twenty-one."]


@pytest.mark.parametrize(
    ("text", "kind", "fmt", "spoken"),
    [
        ("123", "cardinal", None, "one hundred twenty-three"),
        ("XIV", "cardinal", None, "fourteen"),
        ("21", "ordinal", None, "twenty-first"),
        ("3rd", "number", "ordinal", "third"),
        ("FBI", "characters", None, "F-B-I"),
        ("abc", "spell-out", None, "A-B-C"),
        ("abc@1+2-3*", "spell-out", None, "A-B-C at one plus two dash three asterisk"),
        ("a§b", "characters", None, "A section sign B"),
        ("2024", "digits", None, "two zero two four"),
        ("1234", "number", "digits", "one two three four"),
        ("11/12/2024", "date", "dmy", "the eleventh of December, twenty twenty-four"),
        ("11/12/2024", "date", "mdy", "November twelfth, twenty twenty-four"),
        ("2024-03-15", "date", "ymd", "March fifteenth, twenty twenty-four"),
        ("3/15", "date", "md", "March fifteenth"),
        ("1881", "date", "y", "eighteen eighty-one"),
        ("10:30 pm", "time", "hms12", "ten thirty p-m"),
        ("14:05", "time", "hms24", "fourteen oh five"),
        ("555-0142", "telephone", None, "five five five, zero one four two"),
        ("3/4", "fraction", None, "three quarters"),
        ("1+1/2", "fraction", None, "one and one half"),
        ("5km", "unit", None, "five kilometers"),
        ("$3.50", "currency", None, "three dollars and fifty cents"),
        ("a.b", "verbatim", None, "A dot B"),
    ],
)
def test_say_as_kinds(text: str, kind: str, fmt: str | None, spoken: str) -> None:
    seg = Speech(text, Context(say_as=(kind, fmt, None)))
    (out,) = _segments(normalize(_book(seg)))
    assert out == Speech(spoken, Context())


def test_say_as_expletive_is_left_for_its_stage() -> None:
    seg = Speech("darn", Context(say_as=("expletive", None, None)))
    assert _segments(normalize(_book(seg))) == (seg,)
    assert say_as("darn", "expletive", None, None, NormalizeOptions().for_lang("en-us"), "en-us") is None


def test_say_as_outside_english() -> None:
    seg = Speech("42", Context(lang="fr", say_as=("cardinal", None, None)))
    assert _segments(normalize(_book(seg))) == (Speech("quarante-deux", Context(lang="fr")),)
    seg = Speech("SNCF", Context(lang="fr", say_as=("characters", None, None)))
    assert _segments(normalize(_book(seg)))[0].text == "S N C F"


def test_user_lexicons_tsv_toml_pls() -> None:
    options = NormalizeOptions(lexicons=(FIXTURES / "user.tsv", FIXTURES / "user.toml", FIXTURES / "user.pls"))
    book = _book(Speech("Nguyen met Aoife, Siobhan and Saoirse at the W3C about Kokoro."))
    out = _segments(normalize(book, options))
    overrides = {s.text: s.ph for s in out if isinstance(s, Phonemes)}
    assert overrides == {"Nguyen": "wˈɪn", "Siobhan": "ʃɪvˈɔn", "Saoirse": "ˈsɪəɹʃə"}
    assert all(s.override for s in out if isinstance(s, Phonemes))
    text = " ".join(s.text for s in out if isinstance(s, Speech))
    assert "ee fa" in text and "World Wide Web Consortium" in text and "koh koh roh" in text
    # The user's lexicon wins over the project's own.
    out = _segments(normalize(_book(Speech("Tolkien wrote.")), options))
    assert out[0] == Phonemes("tˈOlkin", "Tolkien", override=True)


def test_lexicon_overrides_survive_the_whole_line() -> None:
    options = NormalizeOptions(lexicons=(FIXTURES / "user.tsv",))
    book = run_passes(_book(Speech("Nguyen smiled.")), stop_after="phonemes", normalize_options=options)
    ph = "".join(s.ph for s in _segments(book) if isinstance(s, Phonemes))
    assert ph.startswith("wˈɪn")


def test_bad_lexicon_names_file_and_line() -> None:
    with pytest.raises(InputError) as err:
        normalize(_book(Speech("x")), NormalizeOptions(lexicons=(FIXTURES / "bad.tsv",)))
    assert "bad.tsv:1:" in str(err.value)


@pytest.mark.parametrize("word", sorted(shipped_lexicon().entries))
def test_shipped_lexicon_entry_replaces_espeak(word: str) -> None:
    reporter = Reporter()
    pron = shipped_lexicon().entries[word]
    expected = to_vocab(pron.ph or "", "en-us", reporter)
    out = _segments(normalize(_book(Speech(f"We read {word} today."))))
    assert Phonemes(expected, word, override=True) in out
    # Each entry exists because espeak-ng says something else.
    assert to_vocab(phonemize(word, "en-us"), "en-us", reporter) != expected
    assert reporter.reports == []


def test_cli_options_reach_the_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "dates.txt"
    src.write_text("It is due 11/12/2024 from Nguyen.\n", encoding="utf-8")
    code = main(
        ["inspect", str(src), "--json", "--stop-after", "normalize", "--date-order", "dmy",
         "--lexicon", str(FIXTURES / "user.tsv")]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    segments = [s for ch in data["chapters"] for s in ch["segments"]]
    text = " ".join(s["text"] for s in segments)
    assert "the eleventh of December, twenty twenty-four" in text
    assert any(s["type"] == "phonemes" and s["text"] == "Nguyen" for s in segments)


def test_spoken_forms_are_left_alone() -> None:
    # Text already written as words (a say-as result, a respelling) passes through unchanged.
    changed = [spoken for _, spoken in EN if expand(spoken) != spoken]
    assert changed == []


def test_say_as_through_the_ssml_reader() -> None:
    from audiobook.config import ReadOptions
    from audiobook.readers import read

    ssml = (
        '<speak>Call <say-as interpret-as="telephone">555-0142</say-as> on '
        '<say-as interpret-as="date" format="dmy">11/12/2024</say-as>; spell '
        '<say-as interpret-as="characters">abc</say-as> and come <say-as interpret-as="ordinal">3</say-as>.</speak>'
    )
    book = normalize(read(ssml.encode(), "ssml", ReadOptions(lang="en-us")))
    speech = [s for ch in book.chapters for b in ch.blocks for s in b.segments if isinstance(s, Speech)]
    text = " ".join(" ".join(s.text for s in speech).split())
    assert "five five five, zero one four two" in text
    assert "the eleventh of December, twenty twenty-four" in text
    assert "A-B-C" in text and "third" in text
    assert all(s.ctx.say_as is None for s in speech)


@pytest.mark.parametrize(
    ("text", "word", "ph"),
    [
        ("She read it yesterday.", "read", "ɹˈɛd"),
        ("He read the letter.", "read", "ɹˈɛd"),
        ("A lead pipe burst.", "lead", "lˈɛd"),
        ("It was made of lead.", "lead", "lˈɛd"),
        ("Wind the clock.", "Wind", "wˈInd"),
        ("Tear it up.", "Tear", "tˈɛɹ"),
    ],
)
def test_heteronym_by_context(text: str, word: str, ph: str) -> None:
    out = _segments(normalize(_book(Speech(text))))
    assert Phonemes(ph, word, override=True) in out
    # espeak-ng alone reads the other word.
    assert ph not in to_vocab(phonemize(text, "en-us"), "en-us", Reporter())


@pytest.mark.parametrize("text", ["I will read it.", "They lead the way.", "The wind blew.", "A tear fell."])
def test_heteronym_left_to_espeak(text: str) -> None:
    assert _segments(normalize(_book(Speech(text)))) == (Speech(text),)


def test_round_trip_scorer_accepts_other_writings_but_no_misreading() -> None:
    english = pytest.importorskip("whisper_normalizer.english")
    from audio_checks import closest_reading, hard_set

    norm = english.EnglishTextNormalizer()
    forms = {row[0]: row for row in hard_set()}
    meet = [forms["We meet at 10:30 a.m. sharp."]]
    assert closest_reading(meet, norm("We meet at 10.30 AM sharp.").split(), norm)[0] == 0
    third = [forms["Add 1/3 of the flour."]]
    errors, _ = closest_reading(third, norm("Add one slash three of the flour.").split(), norm)
    assert errors >= 1
    louis = [forms["Louis XIV reigned from 1643–1715."]]
    errors, _ = closest_reading(louis, norm("Louis Roman fourteen reigned from 1643 to 1715.").split(), norm)
    assert errors >= 1
