"""Word timings: the model's durations, the words they belong to, and where those words land."""

from __future__ import annotations

import difflib
import json
import re
import statistics

import numpy as np
import pytest
from tone_engine import render, synthesizer, unit

from audiobook.errors import InputError
from audiobook.model import Metadata
from audiobook.output.assemble import (
    OutputOptions,
    check_output_options,
    write_audiobook,
)
from audiobook.output.timings import Cue, subtitle_text
from audiobook.plan import ChapterPlan, Pause, Unit
from audiobook.synthesis.cache import ClipCache
from audiobook.synthesis.engines import FRAME_SAMPLES
from audiobook.synthesis.synthesizer import word_times
from audiobook.words import cut_written, word_spans

RATE = 24_000

PARAGRAPH = (
    "The keeper climbed the stairs at dusk and lit the great lamp. "
    "It had cost £12 in 1875, a fortune for a keeper. "
    "All night the ships passed safely by the rocks."
)


def units_of(text: str) -> list[Unit]:
    from audiobook.config import ReadOptions
    from audiobook.passes import run_passes
    from audiobook.readers import read

    book = read(text.encode(), "text", ReadOptions())
    plans = run_passes(book)
    return [item for plan in plans for item in plan.items if isinstance(item, Unit)]


# -- words and tokens ---------------------------------------------------------------------------


def test_words_expanded_by_normalization_keep_their_written_form():
    (first, second) = units_of("It cost £12 on 3 May. “I read the 2nd book,” she said.")
    words = word_spans(first.phonemes, first.text, first.written)
    assert [w.text for w in words] == ["It", "cost", "£12", "on", "3", "May"]
    # "£12" became "twelve pounds": both spoken words' tokens, and no punctuation token.
    pound = words[2]
    assert first.phonemes[pound.first : pound.end].count(" ") == 1
    assert first.phonemes[words[-1].first : words[-1].end].isalpha() or "ˈ" in first.phonemes[words[-1].first : words[-1].end]
    assert [w.text for w in word_spans(second.phonemes, second.text, second.written)] == [
        "I", "read", "the", "2nd", "book", "she", "said",
    ]


def test_every_spoken_word_gets_tokens_in_order():
    for u in units_of(PARAGRAPH):
        spans = word_spans(u.phonemes, u.text, u.written)
        assert spans, u.text
        assert all(a.end <= b.first for a, b in zip(spans, spans[1:]))
        assert all(0 <= s.first < s.end <= len(u.phonemes) for s in spans)


def test_cutting_a_rewritten_text_shares_out_its_written_words():
    spoken = "It cost twelve pounds. He paid twenty twenty-four."
    assert cut_written(spoken, "It cost £12. He paid 2024.", ["It cost twelve pounds.", "He paid twenty twenty-four."]) == [
        "It cost £12.", "He paid 2024.",
    ]
    assert cut_written(spoken, None, ["a", "b"]) == [None, None]


def test_word_times_follow_frames_trim_and_pitch():
    u = Unit("ab cd", "one two", None, "en-us")
    durations = np.array([4, 2, 3, 1, 5, 6, 10])  # pad, a, b, space, c, d, pad
    words = word_times(u, durations, head=0, length=10**6)
    assert [(w.text, w.start, w.end) for w in words] == [
        ("one", 4 * FRAME_SAMPLES, 9 * FRAME_SAMPLES), ("two", 10 * FRAME_SAMPLES, 21 * FRAME_SAMPLES),
    ]
    # Trimming cut 1000 samples off the head; a pitch shift of factor 2 halved the clip.
    shifted = word_times(u, durations, head=1000, length=10**6, factor=2.0)
    assert shifted[0].start == round((4 * FRAME_SAMPLES - 1000) / 2)
    # Nothing lands outside the clip.
    short = word_times(u, durations, head=0, length=7000)
    assert all(0 <= w.start <= w.end <= 7000 for w in short)


# -- cache and output ---------------------------------------------------------------------------


def test_durations_survive_the_cache_and_damage_is_ignored(tmp_path):
    cache = ClipCache(tmp_path)
    audio = np.zeros(600 * 10, np.float32)
    cache.put("ab" * 32, audio, np.array([1, 2, 3, 4]))
    assert cache.get_durations("ab" * 32).tolist() == [1, 2, 3, 4]
    path = tmp_path / "ab" / ("ab" * 32 + ".dur")
    path.write_bytes(path.read_bytes()[:-1] + b"\x7f")
    assert cache.get_durations("ab" * 32) is None
    # A clip stored again without durations drops the old ones: they belong to another take.
    cache.put("ab" * 32, audio, np.array([1, 2, 3, 4]))
    cache.put("ab" * 32, audio)
    assert cache.get_durations("ab" * 32) is None


def test_karaoke_cues_tag_every_word_after_the_first_strictly_inside_the_cue():
    cue = Cue(24_000, 72_000, "One two three", (("One", 24_000, 30_000), ("two", 36_000, 48_000), ("a<b", 36_000, 70_000)))
    text = subtitle_text([cue], "vtt", RATE)
    assert text == "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nOne <00:00:01.500>two a&lt;b\n"


def test_words_need_webvtt_subtitles():
    with pytest.raises(InputError, match="--subtitles vtt"):
        check_output_options(OutputOptions(words=True, subtitles="srt"))
    check_output_options(OutputOptions(words=True, subtitles="vtt"))


def test_an_engine_without_durations_gives_sentences_without_words(tmp_path):
    synth = synthesizer(tmp_path / "clips")
    plans = [ChapterPlan("One", (unit("First sentence."), Pause(400), unit("Second one.")))]
    write_audiobook(tmp_path / "b.wav", Metadata(), 1, synth, render(synth, plans),
                    OutputOptions(timings=tmp_path / "b.json", normalize=False))
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert [s["words"] for s in data["sentences"]] == [[], []]


# -- the real model -----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_edited_graph_returns_durations_that_add_up_to_the_audio(engine, library):
    from audiobook.synthesis.engines import render_tokens
    from audiobook.vocab import token_ids

    vocab = token_ids()
    tokens = [vocab[c] for c in "ðə kˈipəɹ klˈImd."]
    result = render_tokens(engine, tokens, library.load("af_heart").style(len(tokens)), 1.0)
    assert result.durations is not None and len(result.durations) == len(tokens) + 2
    assert (result.durations >= 1).all()
    assert int(result.durations.sum()) * FRAME_SAMPLES == result.audio.size
    slow = render_tokens(engine, tokens, library.load("af_heart").style(len(tokens)), 0.5)
    assert slow.durations.sum() > 1.6 * result.durations.sum()


def _key(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


@pytest.mark.slow
def test_word_times_agree_with_what_whisper_hears(tmp_path, whisper_words):
    from audiobook.convert import ConvertOptions, convert

    src = tmp_path / "para.txt"
    src.write_text(PARAGRAPH, encoding="utf-8")
    out = tmp_path / "para.wav"
    convert(src, out, ConvertOptions(voice="af_heart", cache_dir=tmp_path / "clips",
                                     output=OutputOptions(subtitles="vtt", words=True, timings=tmp_path / "t.json")))
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    ours = []
    for sentence in data["sentences"]:
        words = sentence["words"]
        assert words, sentence["text"]
        # Ordered, and inside their sentence.
        assert all(a["end_s"] <= b["start_s"] for a, b in zip(words, words[1:]))
        assert sentence["start_s"] <= words[0]["start_s"] and words[-1]["end_s"] <= sentence["end_s"]
        ours += [(w["text"], w["start_s"]) for w in words]
    assert [w for w, _ in ours][:4] == ["The", "keeper", "climbed", "the"]
    assert "£12" in [w for w, _ in ours] and "1875" in [w for w, _ in ours]
    vtt = out.with_suffix(".vtt").read_text(encoding="utf-8")
    assert vtt.count("<00:") == len(ours) - len(data["sentences"])

    heard = whisper_words(out)
    matcher = difflib.SequenceMatcher(None, [_key(w) for w, _ in ours], [_key(w) for w, _, _ in heard], autojunk=False)
    pairs = [(ours[a + k][1], heard[b + k][1]) for a, b, n in matcher.get_matching_blocks() for k in range(n)]
    assert len(pairs) >= 0.8 * len(ours)
    median = statistics.median(abs(x - y) for x, y in pairs)
    print(f"word starts vs Whisper: median {median * 1000:.0f} ms over {len(pairs)} words")
    assert median <= 0.1
