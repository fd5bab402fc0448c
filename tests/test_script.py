"""Scripts for several voices, dialogue in prose, and voices chosen by language."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from audio_checks import RATE, chapters, decode, median_f0

from audiobook.config import ReadOptions
from audiobook.diagnostics import Reporter
from audiobook.errors import InputError
from audiobook.model import Block, Book, Chapter, Metadata, Speech
from audiobook.passes import run_passes
from audiobook.passes.dialogue import split_quotes
from audiobook.readers import format_for, read_path

FIXTURES = Path(__file__).parent / "fixtures" / "script"


def _lines(book: Book) -> dict:
    """What the fixtures' expected files hold: per chapter, each spoken line's text, voice, language, rate and line."""
    return {
        "title": book.meta.title,
        "chapters": [
            {
                "title": ch.title,
                "lines": [
                    [s.text, s.ctx.voice, s.ctx.lang, s.ctx.rate, int((s.source or ":0").rsplit(":", 1)[1])]
                    for b in ch.blocks
                    if b.kind != "heading"
                    for s in b.segments
                    if isinstance(s, Speech)
                ],
            }
            for ch in book.chapters
        ],
    }


@pytest.mark.parametrize("name", ["two-speakers.script.md", "toml-cast/play.md"])
def test_script_fixtures(name):
    path = FIXTURES / name
    expected = json.loads(path.with_name(path.name.split(".")[0] + ".json").read_text(encoding="utf-8"))
    reporter = Reporter()
    book = read_path(path, ReadOptions(), reporter)
    assert _lines(book) == expected
    assert not reporter.reports


def test_a_script_is_known_by_its_name_or_its_front_matter(tmp_path):
    assert format_for(FIXTURES / "two-speakers.script.md", b"") == "script"
    assert format_for(FIXTURES / "toml-cast" / "play.md", (FIXTURES / "toml-cast" / "play.md").read_bytes()) == "script"
    plain = tmp_path / "notes.md"
    plain.write_text("---\ntitle: Notes\n---\n\nALICE: not a script here.\n")
    assert format_for(plain, plain.read_bytes()) == "markdown"


def test_headings_start_scenes_read_by_the_narrator():
    book = read_path(FIXTURES / "two-speakers.script.md", ReadOptions())
    assert [ch.title for ch in book.chapters] == ["Scene 1: Fog", "Scene 2: Night"]
    heading = book.chapters[0].blocks[0]
    assert heading.kind == "heading"
    assert {s.ctx.voice for s in heading.segments if isinstance(s, Speech)} == {"jf_nezumi"}
    assert book.chapters[1].source and book.chapters[1].source.endswith(":27")


def test_stage_directions_are_read_by_the_narrator_on_request():
    book = read_path(FIXTURES / "two-speakers.script.md", ReadOptions(stage_directions="read"))
    spoken = [
        (s.text, s.ctx.voice) for ch in book.chapters for b in ch.blocks for s in b.segments if isinstance(s, Speech)
    ]
    assert ("Foghorns. Gulls.", "jf_nezumi") in spoken
    assert ("A bell rings twice.", "jf_nezumi") in spoken
    # A direction inside a line tells the actor how to speak: it is never read.
    assert not any("squinting" in text for text, _ in spoken)


def test_unknown_speaker_names_the_file_and_line():
    with pytest.raises(InputError) as info:
        read_path(FIXTURES / "unknown-speaker.script.md", ReadOptions())
    message = str(info.value)
    assert "unknown-speaker.script.md:10:" in message
    assert "'CAROL'" in message and "ALICE" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "cast, message, line",
    [
        ("  ALICE: {voice: jf_alpha, speed: 3}", "speed 3.0 is outside 0.5-2.0", 3),
        ("  ALICE: {voice: jf_alpha, pitch: 2}", "unknown key pitch", 3),
    ],
)
def test_bad_cast_entries_name_their_line(tmp_path, cast, message, line):
    src = tmp_path / "bad.script.md"
    src.write_text(f"---\ncast:\n{cast}\n---\n\nALICE: Hi.\n")
    with pytest.raises(InputError, match=message) as info:
        read_path(src, ReadOptions())
    assert info.value.line == line


def test_a_script_without_a_cast_says_where_to_put_one(tmp_path):
    src = tmp_path / "bare.script.md"
    src.write_text("ALICE: Hi.\n")
    with pytest.raises(InputError, match="cast.toml beside it"):
        read_path(src, ReadOptions())


def test_reports_name_the_script_lines(tmp_path):
    src = tmp_path / "typo.script.md"
    src.write_text(
        '---\ncast:\n  ALICE: jf_alpha\n---\n\n# One\n\nALICE: Look.\n\nALICE: Wait <break time="abc"/> here.\n'
    )
    reporter = Reporter()
    read_path(src, ReadOptions(), reporter)
    assert [r.where for r in reporter.reports if r.code == "bad-value"] == [f"{src}:10"]


def test_blend_voices_pass_through_ssml_voice_names(library):
    from audiobook.readers import read

    data = b'<speak>Plain. <voice name="jf_alpha:0.6+jm_kumo:0.4">Blended.</voice></speak>'
    book = read(data, "ssml", ReadOptions())
    voices = [s.ctx.voice for s in book.chapters[0].blocks[0].segments if isinstance(s, Speech)]
    assert voices == [None, "jf_alpha:0.6+jm_kumo:0.4"]
    blend = library.load(voices[1])
    expected = 0.6 * library.load("jf_alpha").rows + 0.4 * library.load("jm_kumo").rows
    assert np.allclose(blend.rows, expected, atol=1e-6)


@pytest.mark.parametrize(
    "text, pieces",
    [
        (
            "He said, “Come here.” And she came.",
            [("He said, ", False), ("“Come here.”", True), (" And she came.", False)],
        ),
        ('"Wait," she said. "Why?"', [('"Wait,"', True), (" she said. ", False), ('"Why?"', True)]),
        ("“It runs on", [("“It runs on", True)]),
        ("No quotes at all.", [("No quotes at all.", False)]),
    ],
)
def test_quotes_split_prose(text, pieces):
    assert split_quotes(text)[0] == pieces


def test_dialogue_voice_reads_quoted_speech_only_when_asked():
    para = Block((Speech("“Is it late?” asked Tom. The clock said “yes”, and he left."),))
    book = Book(Metadata(title="t"), (Chapter("One", (para,)),))
    plain = run_passes(book, stop_after="sentences")
    assert {s.ctx.voice for s in plain.chapters[0].blocks[0].segments if isinstance(s, Speech)} == {None}
    split = run_passes(book, stop_after="sentences", dialogue_voice="jm_kumo")
    got = [(s.text, s.ctx.voice) for s in split.chapters[0].blocks[0].segments if isinstance(s, Speech)]
    assert got == [
        ("“Is it late?”", "jm_kumo"),
        ("asked Tom.", None),
        ("The clock said", None),
        ("“yes”,", "jm_kumo"),
        ("and he left.", None),
    ]


def test_voice_follows_the_language_unless_pinned(tmp_path, monkeypatch, library):
    from audiobook.plan import Unit
    from audiobook.synthesis.cache import ClipCache
    from audiobook.synthesis.synthesizer import Synthesizer
    from voices.packs import VoiceLibrary

    # A pack named by the official convention (e = Spanish) is the only Spanish voice on disk.
    np.save(tmp_path / "ef_stand_in.npy", library.load("jf_nezumi").rows)
    monkeypatch.setenv("AUDIOBOOK_VOICE_PATH", str(tmp_path))
    lib = VoiceLibrary()
    spanish = Unit("ˈola", "hola", None, "es")
    japanese = Unit("koɲɲitɕiwa", "konnichiwa", None, "ja")
    free = Synthesizer(None, lib, ClipCache(None), default_voice="jm_kumo", pinned=False)  # type: ignore[arg-type]
    assert free.voice_name(japanese) == "jm_kumo"
    assert free.voice_name(spanish) == "ef_stand_in"
    assert len(free.notices) == 1 and "ef_stand_in reads the es text" in free.notices[0]
    # English text finds an English voice of the same gender among those that ship with the package.
    assert free.voice_name(Unit("hˈɛloʊ", "hello", None, "en-gb")) == "bm_george"
    pinned = Synthesizer(None, lib, ClipCache(None), default_voice="jm_kumo", pinned=True)  # type: ignore[arg-type]
    assert pinned.voice_name(spanish) == "jm_kumo"
    # A voice named by markup is the author's choice, whatever the language.
    assert free.voice_name(Unit("hˈɛloʊ", "hello", "jf_alpha", "en-us")) == "jf_alpha"


@pytest.mark.slow
def test_two_speaker_script_renders_with_distinct_voices_speeds_and_scenes(tmp_path, monkeypatch):
    from audiobook.convert import ConvertOptions, convert

    monkeypatch.setenv("AUDIOBOOK_OFFLINE", "1")
    src = tmp_path / "duet.script.md"
    shutil.copy(FIXTURES / "duet.script.md", src)
    out = tmp_path / "duet.m4b"
    result = convert(src, out, ConvertOptions(cache_dir=tmp_path / "clips"))

    # Chapters follow the scenes, each starting where its first sample is.
    found = chapters(out)
    assert [title for title, _ in found] == ["Scene 1: The Cave", "Scene 2: The Echo"]
    assert [round(start, 2) for _, start in found] == [round(s / RATE, 2) for _, s in result.chapters]

    audio = decode(out)
    lines = {}
    for timing in result.timings:
        if timing.text.startswith("Scene"):
            continue
        lines.setdefault(timing.text, []).append(audio[timing.start : timing.end])
    ship = "The lighthouse keeper counted every ship that passed."
    alice, bob, echo = lines[ship]
    # jf_alpha (female) and jm_kumo (male) speak the same words at clearly different pitches.
    f_alice, f_bob = median_f0(alice), median_f0(bob)
    assert f_alice > 1.4 * f_bob, (f_alice, f_bob)
    assert 70 < f_bob < 180 and 160 < f_alice < 350, (f_alice, f_bob)
    # ECHO is ALICE's voice at the cast's speed 1.6: the same line takes about 1/1.6 of the time.
    ratio = len(alice) / len(echo)
    assert 1.25 < ratio < 2.1, ratio
    assert abs(median_f0(echo) - f_alice) < 0.2 * f_alice


def test_the_sample_radio_play_reads_as_a_script():
    from conftest import SAMPLES

    book = read_path(SAMPLES / "radio-play.md", ReadOptions())
    assert [ch.title for ch in book.chapters] == ["Scene 1: The Storm", "Scene 2: Morning"]
    voices = {s.ctx.voice for ch in book.chapters for b in ch.blocks for s in b.segments if isinstance(s, Speech)}
    assert voices == {"jf_nezumi", "jf_alpha", "jm_kumo", "jf_tebukuro:0.7+jm_kumo:0.3"}
