"""SSML through the audiobook pipeline: voices chosen by description, say-as, lexicons, prosody
carried into units, the pitch shifter and the beep, the ``audiobook ssml`` command, large inputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import official_voices_available

import ssml
from audiobook.cli import main
from audiobook.cli.ssml import validate
from audiobook.config import SAMPLE_RATE, ReadOptions, UnitOptions
from audiobook.diagnostics import Reporter
from audiobook.errors import StrictError
from audiobook.model import Audio, Phonemes, Speech, beep_ms, beep_src, is_beep
from audiobook.passes import run_passes
from audiobook.passes.prosody import share_durations, stress
from audiobook.passes.voices import resolve_voices
from audiobook.plan import Pause, Unit
from audiobook.readers import read_path
from audiobook.readers import ssml as ssml_reader
from audiobook.synthesis.effects import beep, shift_pitch
from voices.packs import VoiceLibrary

FIXTURES = Path(__file__).parent / "fixtures" / "ssml"


def read(text: str, tmp_path: Path | None = None, strict: bool = False) -> tuple[list, Reporter]:
    """Read a document and answer its voice requests from the voices on disk, as a run does."""
    reporter = Reporter(strict=strict)
    book = ssml_reader.read(text.encode(), ReadOptions(source="t.ssml", base_dir=tmp_path), reporter)
    book = resolve_voices(book, VoiceLibrary(), reporter)
    return [s for b in book.chapters[0].blocks for s in b.segments], reporter


@pytest.fixture
def embedded_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the voices that ship with the install are on the voice path."""
    monkeypatch.setenv("AUDIOBOOK_VOICE_PATH", str(tmp_path / "no-voices"))
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))


# -- voice selection ---------------------------------------------------------------------------------


def test_voice_by_gender_picks_a_voice_on_disk_and_restores_the_outer_one(embedded_only: None) -> None:
    segs, reporter = read(
        '<speak><voice name="jf_alpha">Before. <voice gender="male" languages="ja">Middle.</voice> After.</voice></speak>'
    )
    assert [(s.text, s.ctx.voice) for s in segs] == [
        ("Before. ", "jf_alpha"),
        ("Middle.", "jm_kumo"),
        (" After.", "jf_alpha"),
    ]
    assert reporter.reports == []


def test_voice_variant_counts_among_the_matches(embedded_only: None) -> None:
    segs, _ = read(
        '<speak><voice gender="female" languages="ja">One.</voice>'
        '<voice gender="female" languages="ja" variant="2">Two.</voice></speak>'
    )
    first, second = (s.ctx.voice for s in segs)
    assert first != second and first.startswith("jf_") and second.startswith("jf_")


def test_voice_name_list_takes_the_first_on_disk(embedded_only: None) -> None:
    segs, reporter = read('<speak><voice name="af_nobody jf_nezumi jm_kumo">Hi.</voice></speak>')
    assert segs[0].ctx.voice == "jf_nezumi" and reporter.reports == []


def test_unmet_voice_name_falls_back_by_priority_and_is_reported_once(embedded_only: None) -> None:
    # SSML 1.1 priority selection: no named voice is on disk, so the gender the name implies
    # (af_: female) and the language in scope choose among the voices that are.
    segs, reporter = read(
        '<speak><voice name="jm_kumo"><p>A.</p>\n<voice name="af_nobody xx_none"><p>B.</p><p>C.</p></voice></voice></speak>'
    )
    voices = [s.ctx.voice for s in segs]
    assert voices[0] == "jm_kumo" and voices[1] == voices[2] and voices[1].startswith("af_")
    assert [(r.code, r.where) for r in reporter.reports] == [("voice-unmatched", "t.ssml:2:1")]
    assert "af_nobody" in reporter.reports[0].message and voices[1] in reporter.reports[0].message


def test_unmet_voice_name_takes_the_language_in_scope() -> None:
    if not official_voices_available():
        pytest.skip("official voices not on the voice path")
    segs, reporter = read(
        '<speak><voice name="fm_nobody"><s xml:lang="fr-FR">Bonjour.</s></voice>'
        '<voice name="bm_nobody">Hello.</voice></speak>'
    )
    french, british = (s.ctx.voice for s in segs if isinstance(s, Speech))
    assert french == "ff_siwis" and british.startswith("bm_")
    assert [r.code for r in reporter.reports] == ["voice-unmatched", "voice-unmatched"]


def test_a_single_voice_name_not_on_disk_falls_back_too(embedded_only: None) -> None:
    segs, reporter = read('<speak>One. <voice name="am_nobody">Two.</voice></speak>')
    assert [s.ctx.voice for s in segs if isinstance(s, Speech)][-1] == "am_michael"
    assert [r.code for r in reporter.reports] == ["voice-unmatched"] and "am_nobody" in reporter.reports[0].message


def test_unmet_voice_name_is_an_error_under_strict(embedded_only: None) -> None:
    with pytest.raises(StrictError, match="af_nobody"):
        read('<speak><voice name="af_nobody">Hi.</voice></speak>', strict=True)


def test_voice_language_falls_back_to_gender_with_a_report(embedded_only: None) -> None:
    segs, reporter = read('<speak><voice languages="fr-FR" gender="male">Bonjour.</voice></speak>')
    assert segs[0].ctx.voice == "am_michael"
    assert [r.code for r in reporter.reports] == ["voice-unmatched"]
    assert "fr-fr" in reporter.reports[0].message


def test_voice_by_language_and_gender_with_official_voices() -> None:
    if not official_voices_available():
        pytest.skip("official voices not on the voice path")
    segs, reporter = read(
        '<speak><voice languages="en-GB" gender="male">Hello.</voice>'
        '<voice languages="en-GB" gender="male" variant="2">Hello.</voice>'
        '<voice xml:lang="fr-FR" gender="female">Bonjour.</voice></speak>'
    )
    first, second, french = (s.ctx.voice for s in segs)
    assert first.startswith("bm_") and second.startswith("bm_") and first != second
    assert french == "ff_siwis" and reporter.reports == []


# -- say-as, expletive, lexicons, prosody in the model -------------------------------------------------


def test_say_as_and_duration_reach_the_model_context() -> None:
    segs, _ = read(
        '<speak><prosody duration="3s">On <say-as interpret-as="date" format="dmy" detail="1">1/2/24</say-as></prosody></speak>'
    )
    date = segs[1]
    assert isinstance(date, Speech) and date.ctx.say_as == ("date", "dmy", "1") and date.ctx.duration_ms == 3000
    assert segs[0].ctx.say_as is None


def test_expletive_becomes_a_beep_of_about_its_length() -> None:
    segs, _ = read('<speak>Oh <say-as interpret-as="expletive">darn</say-as> it.</speak>')
    speech, bleep, rest = segs
    assert isinstance(bleep, Audio) and is_beep(bleep.src) and bleep.fallback == ()
    assert 200 <= beep_ms(bleep.src) <= 600
    assert "darn" not in speech.text + rest.text
    assert beep_ms(beep_src("a" * 100)) == 2000  # long words are capped


def test_beep_is_one_kilohertz_and_as_long_as_asked() -> None:
    tone = beep(500)
    assert tone.size == SAMPLE_RATE // 2
    spectrum = np.abs(np.fft.rfft(tone))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE / tone.size - 1000) < 5
    assert abs(20 * np.log10(np.sqrt(np.mean(tone**2))) + 14) < 0.5
    assert abs(tone[0]) < 1e-3 and abs(tone[-1]) < 1e-3  # ramps: no click


def test_lexicon_beside_the_document_is_applied_in_lookup(tmp_path: Path) -> None:
    (tmp_path / "names.pls").write_bytes((FIXTURES / "lexicons" / "names.pls").read_bytes())
    doc = tmp_path / "doc.ssml"
    doc.write_text('<speak><lexicon uri="names.pls" xml:id="n"/><lookup ref="n">Hello Siobhan.</lookup></speak>')
    reporter = Reporter()
    book = read_path(doc, ReadOptions(), reporter)
    segs = book.chapters[0].blocks[0].segments
    assert any(isinstance(s, Phonemes) and s.override and s.text == "Siobhan" and s.ph == "ʃəˈvɔːn" for s in segs)
    assert reporter.reports == []


@pytest.mark.parametrize("uri", ["file:names.pls", "file:///{folder}/names.pls", "file://localhost/{folder}/names.pls"])
def test_lexicon_file_uri_in_the_document_folder_is_applied(tmp_path: Path, uri: str) -> None:
    (tmp_path / "names.pls").write_bytes((FIXTURES / "lexicons" / "names.pls").read_bytes())
    doc = tmp_path / "doc.ssml"
    uri = uri.format(folder=str(tmp_path).lstrip("/"))
    doc.write_text(f'<speak><lexicon uri="{uri}" xml:id="n"/><lookup ref="n">Hello Siobhan.</lookup></speak>')
    reporter = Reporter()
    book = read_path(doc, ReadOptions(), reporter)
    segs = book.chapters[0].blocks[0].segments
    assert any(isinstance(s, Phonemes) and s.override and s.text == "Siobhan" for s in segs)
    assert reporter.reports == []


def test_lexicon_file_uri_of_another_machine_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "doc.ssml"
    doc.write_text('<speak><lexicon uri="file://server/names.pls" xml:id="n"/><lookup ref="n">Hello.</lookup></speak>')
    reporter = Reporter()
    read_path(doc, ReadOptions(), reporter)
    assert any("another machine" in r.message for r in reporter.reports)


def plan_of(text: str) -> list:
    book = ssml_reader.read(text.encode(), ReadOptions(source="t.ssml"))
    (chapter,) = run_passes(book, lang="en-us", unit_options=UnitOptions(), reporter=Reporter())
    return list(chapter.items)


def test_prosody_and_emphasis_reach_the_units() -> None:
    items = plan_of(
        "<speak><p>Plain words here for a start.</p>"
        '<p><prosody pitch="+2st" volume="+6dB" rate="150%">Shifted words here for a test.</prosody></p>'
        '<p><emphasis level="strong">Strong words here for a test.</emphasis></p>'
        '<p><emphasis level="reduced">Reduced words here for a test.</emphasis></p></speak>'
    )
    plain, shifted, strong, reduced = [i for i in items if isinstance(i, Unit)]
    assert (plain.rate, plain.gain_db, plain.pitch) == (1.0, 0.0, 0.0)
    assert (shifted.rate, shifted.gain_db, shifted.pitch) == (1.5, 6.0, 2.0)
    assert (strong.rate, strong.gain_db) == (0.9, 2.0)
    assert (reduced.rate, reduced.gain_db) == (1.05, -2.0)
    # Strong emphasis stresses every word; reduced keeps no primary stress.
    assert all("ˈ" in w for w in strong.phonemes.rstrip(".").split())
    assert "ˈ" not in reduced.phonemes


def test_stress() -> None:
    assert stress("ðə kˈæt", "strong") == "ðˈə kˈæt"
    assert stress("ˌOvəɹ", "strong") == "ˈOvəɹ"
    assert stress("ðə kˈæt", "reduced") == "ðə kˌæt"
    assert stress("ðə kˈæt", "moderate") == "ðə kˈæt"


def test_duration_is_shared_among_the_units_of_the_element() -> None:
    items = plan_of(
        '<speak><prosody duration="6s">The first sentence is here. And a second, longer sentence follows it.</prosody>'
        " Outside.</speak>"
    )
    units = [i for i in items if isinstance(i, Unit)]
    timed = [u for u in units if u.duration_ms]
    assert len(timed) == 2 and units[-1].duration_ms is None
    first, last = (next(k for k, i in enumerate(items) if i is u) for u in (timed[0], timed[-1]))
    gaps = sum(i.ms for i in items[first:last] if isinstance(i, Pause))
    assert sum(u.duration_ms for u in timed) + gaps == pytest.approx(6000, abs=2)
    assert timed[1].duration_ms > timed[0].duration_ms


def test_share_durations_leaves_a_lone_unit_alone() -> None:
    unit = Unit("ab", "ab", None, "en-us", duration_ms=1200)
    assert share_durations([unit]) == [unit]


@pytest.mark.parametrize("semitones", [2.0, -3.0])
def test_shift_pitch_moves_a_tone_and_keeps_the_band(semitones: float) -> None:
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    factor = 2 ** (semitones / 12)
    out = shift_pitch(tone, factor)
    assert out.dtype == np.float32 and abs(out.size - SAMPLE_RATE / factor) <= 1
    peak_hz = np.argmax(np.abs(np.fft.rfft(out))) * SAMPLE_RATE / out.size
    assert abs(peak_hz - 200 * factor) < 2
    assert abs(np.sqrt(np.mean(out**2)) - np.sqrt(np.mean(tone**2))) < 0.01


# -- the command ---------------------------------------------------------------------------------------


def test_validate_prints_file_line_column_code_message(tmp_path: Path) -> None:
    doc = tmp_path / "bad.ssml"
    doc.write_text('<speak>\n  <blink>x</blink>\n  <prosody range="+2st" rate="zippy">y</prosody></speak>')
    out = io.StringIO()
    assert validate(doc, out=out) == 1
    assert out.getvalue().splitlines() == [
        f"{doc}:2:3: unknown-element: <blink> is not an SSML element; its text is read",
        f"{doc}:3:3: attribute-ignored: <prosody range> is not rendered; ignored",
        f"{doc}:3:3: bad-value: prosody rate: rate 'zippy' is not a number with an optional sign and unit; ignored",
    ]


def test_validate_clean_document_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "ok.ssml"
    doc.write_text('<speak version="1.1" xml:lang="en-US"><p>Fine.<break time="1s"/></p></speak>')
    assert main(["ssml", "validate", str(doc)]) == 0
    assert capsys.readouterr().out == ""


def test_validate_reports_a_refused_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "evil.ssml"
    doc.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "e">]><speak>&e;</speak>')
    assert main(["ssml", "validate", str(doc)]) == 1
    assert capsys.readouterr().out.startswith(f"{doc}:2:1: error: <!DOCTYPE> declarations are refused")


def test_capabilities_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ssml", "capabilities"]) == 0
    text = capsys.readouterr().out
    for words in ("prosody", "partly supported", "ignored", "mstts:silence", "say-as"):
        assert words in text
    assert main(["ssml", "capabilities", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"element": "break", "attribute": "time", "support": "supported"}.items() <= rows[
        [r["attribute"] for r in rows].index("time")
    ].items()


def test_every_ignored_attribute_in_the_table_is_warned() -> None:
    # Each row the table calls ignored produces a warning naming it where it stood.
    for cap in ssml.CAPABILITIES:
        if cap.support != ssml.capabilities.IGNORED or cap.attribute is None or ":" in cap.element:
            continue
        if cap.element in ("speak",):
            doc = f'<speak {cap.attribute}="x">a</speak>'
        elif cap.element in ("break", "lexicon", "mark"):
            doc = f'<speak><{cap.element} {cap.attribute}="x" name="m" uri="u"/>a</speak>'
        else:
            doc = f'<speak>\n<{cap.element} {cap.attribute}="x" src="s" ref="r">a</{cap.element}></speak>'
        seen: list[ssml.Diagnostic] = []
        ssml.lower(doc, warn=seen.append)
        hits = [d for d in seen if d.code == "attribute-ignored" and cap.attribute in d.message]
        assert hits and hits[0].line is not None, (cap, [str(d) for d in seen])


# -- large input -----------------------------------------------------------------------------------------


def test_a_hundred_thousand_sentences_lower() -> None:
    sentence = "<s>The keeper lit the lamp.</s>"
    para = "<p>" + sentence * 10 + '<break time="300ms"/></p>'
    blocks = ssml.lower("<speak>" + para * 10_000 + "</speak>", warn=lambda d: None)
    assert len(blocks) == 10_000
    texts = sum(isinstance(i, ssml.Text) for b in blocks for i in b)
    assert texts == 100_000


def test_a_text_over_ten_megabytes_is_kept_whole() -> None:
    # libxml2 would cut a text node at 10 MB without a word unless told the tree may be huge.
    text = "The keeper lit the lamp. " * 450_000
    seen: list[ssml.Diagnostic] = []
    [[item]] = ssml.lower(f"<speak><p>{text}</p></speak>", warn=seen.append)
    assert isinstance(item, ssml.Text) and len(item.text) == len(text) - 1 and seen == []
