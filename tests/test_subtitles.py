"""Subtitles and the JSON timing file: their format, and their times against the audio."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from audio_checks import decode, frame_db, read_wav
from tone_engine import render, synthesizer, unit

from audiobook.errors import EncodingError
from audiobook.model import Metadata
from audiobook.output.assemble import OutputOptions, write_audiobook
from audiobook.output.timings import Cue, subtitle_text
from audiobook.plan import Bookmark, ChapterPlan, Pause

RATE = 24_000

SSML = (
    '<speak><p><s>The keeper climbed the stairs at dusk.</s><mark name="lamp"/>'
    '<s>He lit the great lamp and trimmed the wick.</s></p><break time="1s"/>'
    "<p><s>All night the ships passed safely by the rocks.</s></p></speak>"
)


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = re.match(r"(\S+) --> (\S+)", lines[1]).groups()
        cues.append((seconds(start), seconds(end), " ".join(lines[2:])))
    return cues


def seconds(stamp: str) -> float:
    h, m, s = stamp.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def onset(audio: np.ndarray, after: float, threshold_db: float = -50.0) -> float:
    """Start of the first 5 ms frame louder than ``threshold_db`` from ``after`` seconds on."""
    levels = frame_db(audio[int(after * RATE):])
    return after + int(np.flatnonzero(levels > threshold_db)[0]) * 0.005


# -- formats ------------------------------------------------------------------------------------


def test_srt_numbers_cues_and_writes_comma_milliseconds():
    cues = [Cue(7200, 31200, "First line."), Cue(3_600 * RATE + 12, 3_600 * RATE + 24_012, "An hour in.")]
    assert subtitle_text(cues, "srt", RATE) == (
        "1\n00:00:00,300 --> 00:00:01,300\nFirst line.\n\n"
        "2\n01:00:00,001 --> 01:00:01,001\nAn hour in.\n"
    )


def test_vtt_has_its_header_dot_milliseconds_and_escapes_markup():
    text = subtitle_text([Cue(0, 24000, "Fish & <chips> --> now")], "vtt", RATE)
    assert text == "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nFish &amp; &lt;chips&gt; → now\n"


def test_long_sentences_wrap_and_empty_cues_are_dropped():
    long = "word " * 30
    text = subtitle_text([Cue(0, 100, "  "), Cue(100, 200, long), Cue(300, 300, "no time")], "srt", RATE)
    body = text.split("\n", 2)[2].strip().splitlines()
    assert text.startswith("1\n") and "2\n" not in text.split("\n", 1)[1]
    assert all(len(line) <= 42 for line in body) and len(body) == 4


def test_unknown_format_lists_the_valid_ones():
    with pytest.raises(EncodingError, match="srt, vtt"):
        subtitle_text([], "ass", RATE)


# -- times from a conversion --------------------------------------------------------------------


def tone_book() -> list[ChapterPlan]:
    return [
        ChapterPlan("One", (unit("The first sentence.", 20, source="book.ssml:1:8"), Bookmark("here"), Pause(400),
                            unit("The second one.", 16, source="book.ssml:1:40"))),
        ChapterPlan("Two", (unit("Chapter two speaks.", 24, source="book.ssml:2:1"), Pause(1000),
                            unit("And stops.", 12))),
    ]


def test_cues_start_where_the_speech_starts(tmp_path):
    synth = synthesizer(tmp_path / "clips")
    plans = tone_book()
    out = tmp_path / "book.wav"
    write_audiobook(out, Metadata(), 2, synth, render(synth, plans), OutputOptions(subtitles="srt"))
    audio = read_wav(out)
    cues = parse_srt((tmp_path / "book.srt").read_text(encoding="utf-8"))
    assert [c[2] for c in cues] == ["The first sentence.", "The second one.", "Chapter two speaks.", "And stops."]
    for start, end, _ in cues:
        assert abs(onset(audio, start - 0.2) - start) <= 0.05
        # Nothing but quiet between a cue's end and the next sound.
        assert frame_db(audio[int(end * RATE):int((end + 0.2) * RATE)]).max() < -50


def test_timing_file_holds_sentences_sources_marks_and_chapters(tmp_path):
    synth = synthesizer(tmp_path / "clips")
    plans = tone_book()
    timings = tmp_path / "meta" / "book.json"
    timings.parent.mkdir()
    written = write_audiobook(tmp_path / "book.m4b", Metadata(), 2, synth, render(synth, plans),
                              OutputOptions(timings=timings, normalize=False))
    data = json.loads(timings.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["sample_rate"] == RATE
    assert data["files"] == ["../book.m4b"]
    assert [c["title"] for c in data["chapters"]] == ["One", "Two"]
    first, _, third, _ = data["sentences"]
    assert first["text"] == "The first sentence." and first["source"] == "book.ssml:1:8"
    assert third["chapter"] == 1 and third["start_s"] == pytest.approx(data["chapters"][1]["start_s"] + 0.29, abs=0.01)
    assert first["start"] == written.sentences[0].start and first["start_s"] == round(first["start"] / RATE, 3)
    (mark,) = data["marks"]
    # The mark stands where the first sentence ends, before the pause.
    assert mark["name"] == "here" and mark["start"] == first["end"] and mark["file"] == "../book.m4b"


def test_a_mark_between_words_is_timed_inside_its_sentence(tmp_path):
    synth = synthesizer(tmp_path / "clips")
    plans = [ChapterPlan("One", (Bookmark("mid", 2), unit("Four words in here.", 20)))]
    timings = tmp_path / "book.json"
    write_audiobook(tmp_path / "book.wav", Metadata(), 1, synth, render(synth, plans), OutputOptions(timings=timings))
    data = json.loads(timings.read_text(encoding="utf-8"))
    (sentence,), (mark,) = data["sentences"], data["marks"]
    # The tone engine gives no durations: the mark stands at its share of the words, halfway.
    assert sentence["start"] < mark["start"] < sentence["end"]
    assert mark["start"] == pytest.approx((sentence["start"] + sentence["end"]) / 2, abs=RATE * 0.01)


def test_split_books_time_each_file_from_its_own_start(tmp_path):
    synth = synthesizer(tmp_path / "clips")
    plans = tone_book()
    written = write_audiobook(tmp_path / "book.mp3", Metadata(), 2, synth, render(synth, plans),
                              OutputOptions(split_chapters=True, subtitles="vtt", timings=tmp_path / "book.json"))
    data = json.loads((tmp_path / "book.json").read_text(encoding="utf-8"))
    assert data["files"] == ["book/01 - One.mp3", "book/02 - Two.mp3"]
    assert [s["file"] for s in data["sentences"]] == ["book/01 - One.mp3"] * 2 + ["book/02 - Two.mp3"] * 2
    assert data["sentences"][2]["start_s"] == pytest.approx(0.29, abs=0.01)
    vtt = (written.output / "02 - Two.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n00:00:00.290 --> ")


@pytest.mark.slow
def test_real_speech_cues_match_the_audio(tmp_path, tmp_path_factory):
    from audiobook.convert import ConvertOptions, convert

    src = tmp_path / "book.ssml"
    src.write_text(SSML)
    clips = tmp_path_factory.getbasetemp() / "real-clips"
    out = tmp_path / "book.mp3"
    result = convert(src, out, ConvertOptions(voice="jf_alpha", cache_dir=clips,
                                              output=OutputOptions(subtitles="srt", timings=tmp_path / "book.json")))
    audio = decode(out)
    cues = parse_srt((tmp_path / "book.srt").read_text(encoding="utf-8"))
    assert len(cues) == len(result.timings) >= 3
    for start, _, text in cues:
        assert abs(onset(audio, max(0.0, start - 0.2)) - start) <= 0.05, text
    data = json.loads((tmp_path / "book.json").read_text(encoding="utf-8"))
    assert [m["name"] for m in data["marks"]] == ["lamp"]
    assert all(s["source"] for s in data["sentences"])


@pytest.mark.slow
def test_real_mark_between_words_stands_where_the_next_word_starts(tmp_path, tmp_path_factory):
    from audiobook.convert import ConvertOptions, convert

    src = tmp_path / "mark.ssml"
    src.write_text('<speak><s>The keeper climbed <mark name="up"/>the stairs at dusk.</s></speak>')
    timings = tmp_path / "mark.json"
    convert(src, tmp_path / "mark.wav", ConvertOptions(voice="jf_alpha", cache_dir=tmp_path_factory.getbasetemp() / "real-clips",
                                                        output=OutputOptions(timings=timings)))
    data = json.loads(timings.read_text(encoding="utf-8"))
    (sentence,), (mark,) = data["sentences"], data["marks"]
    words = sentence["words"]
    assert [w["text"] for w in words][:4] == ["The", "keeper", "climbed", "the"]
    # Timed from the model's own durations: at the start of "the", after "climbed" ends.
    assert mark["name"] == "up" and mark["start_s"] == pytest.approx(words[3]["start_s"], abs=0.002)
    assert words[2]["end_s"] <= mark["start_s"] + 0.002 and sentence["start_s"] < mark["start_s"]
