"""SSML prosody and breaks on the real model, measured in the written file.

One document is converted once; each paragraph is one measurement against the plain reading of
the same sentence: a rate's duration, a volume's gain, a pitch shift's fundamental frequency, a
duration fitted to its time, emphasis, break strengths, and the beep of an expletive.
"""

from __future__ import annotations

import numpy as np
import pytest
from audio_checks import RATE, read_wav, silences

from audiobook.convert import ConvertOptions, ConvertResult, convert
from audiobook.output.assemble import OutputOptions

pytestmark = pytest.mark.slow

FOX = "The quick brown fox jumps over the lazy dog."
DOCUMENT = f"""<speak>
<p>{FOX}</p>
<p><prosody rate="150%">{FOX}</prosody></p>
<p><prosody volume="+6dB">{FOX}</prosody></p>
<p><prosody pitch="+2st">{FOX}</prosody></p>
<p><prosody duration="4s">{FOX}</prosody></p>
<p><emphasis level="strong">{FOX}</emphasis></p>
<p>Bring the lamp.<break strength="x-weak"/>Close the door.<break strength="strong"/>Open the window.<break
strength="x-strong"/>Wait here.<break strength="none"/>Then go.</p>
<p>What the <say-as interpret-as="expletive">heck</say-as> was that?</p>
</speak>"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[ConvertResult, np.ndarray]:
    folder = tmp_path_factory.mktemp("ssml-render")
    src = folder / "prosody.ssml"
    src.write_text(DOCUMENT, encoding="utf-8")
    out = folder / "prosody.wav"
    # The book-wide loudness stage (with its peak limiter) is not what these tests measure.
    options = ConvertOptions(voice="jf_alpha", cache_dir=folder / "clips", output=OutputOptions(normalize=False))
    result = convert(src, out, options)
    return result, read_wav(out)


def _unit(rendered: tuple[ConvertResult, np.ndarray], k: int) -> np.ndarray:
    result, audio = rendered
    timing = result.timings[k]
    return audio[timing.start : timing.end]


def _seconds(clip: np.ndarray) -> float:
    return clip.size / RATE


def _rms_db(clip: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(clip.astype(np.float64) ** 2))))


def median_f0(clip: np.ndarray, fmin: float = 70.0, fmax: float = 400.0) -> float:
    """Median fundamental frequency of the voiced 40 ms frames (autocorrelation peak above 0.5)."""
    frame, hop = int(0.04 * RATE), int(0.01 * RATE)
    lo, hi = int(RATE / fmax), int(RATE / fmin)
    level = np.sqrt(np.mean(clip.astype(np.float64) ** 2))
    found = []
    for start in range(0, clip.size - frame, hop):
        x = clip[start : start + frame].astype(np.float64)
        if np.sqrt(np.mean(x**2)) < 0.5 * level:
            continue
        x -= x.mean()
        ac = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * frame)) ** 2)[:frame]
        if ac[0] <= 0:
            continue
        ac /= ac[0]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.5:
            found.append(RATE / lag)
    assert len(found) > 20, "too few voiced frames to measure"
    return float(np.median(found))


def test_units_are_the_paragraphs(rendered) -> None:
    texts = [t.text for t in rendered[0].timings]
    assert texts[:6] == [FOX] * 6
    assert texts[6:10] == ["Bring the lamp.", "Close the door.", "Open the window.", "Wait here. Then go."]


def test_rate_150_percent_is_two_thirds_as_long(rendered) -> None:
    ratio = _seconds(_unit(rendered, 1)) / _seconds(_unit(rendered, 0))
    assert ratio == pytest.approx(1 / 1.5, rel=0.15)


def test_volume_plus_6_db_is_6_db_louder(rendered) -> None:
    gain = _rms_db(_unit(rendered, 2)) - _rms_db(_unit(rendered, 0))
    assert gain == pytest.approx(6.0, abs=1.0)


def test_pitch_plus_2_semitones_raises_f0_and_keeps_the_length(rendered) -> None:
    plain, shifted = _unit(rendered, 0), _unit(rendered, 3)
    semitones = 12 * np.log2(median_f0(shifted) / median_f0(plain))
    assert semitones == pytest.approx(2.0, abs=0.6)
    assert _seconds(shifted) == pytest.approx(_seconds(plain), rel=0.12)


def test_duration_is_met(rendered) -> None:
    assert _seconds(_unit(rendered, 4)) == pytest.approx(4.0, rel=0.1)


def test_strong_emphasis_is_slower_and_louder(rendered) -> None:
    plain, strong = _unit(rendered, 0), _unit(rendered, 5)
    assert _seconds(strong) / _seconds(plain) > 1.03
    assert _rms_db(strong) - _rms_db(plain) > 1.0


def _silence_between(rendered, k: int) -> float:
    """The length of the silence between unit ``k`` and unit ``k + 1``, as measured in the audio."""
    result, audio = rendered
    middle = (result.timings[k].end + result.timings[k + 1].start) / 2 / RATE
    runs = [length for start, length in silences(audio, min_ms=20) if start <= middle <= start + length]
    assert runs, f"no silence between units {k} and {k + 1}"
    return runs[0]


@pytest.mark.parametrize(("k", "seconds"), [(6, 0.1), (7, 0.75), (8, 1.2)], ids=["x-weak", "strong", "x-strong"])
def test_break_strengths_are_measured_silences(rendered, k: int, seconds: float) -> None:
    assert _silence_between(rendered, k) == pytest.approx(seconds, abs=0.03)


def test_expletive_is_a_beep_between_the_words(rendered) -> None:
    result, audio = rendered
    before, after = result.timings[10], result.timings[11]
    assert (before.text, after.text) == ("What the", "was that?")
    between = audio[before.end : after.start]
    spectrum = np.abs(np.fft.rfft(between))
    assert abs(np.argmax(spectrum) * RATE / between.size - 1000) < 10
    loud = np.abs(between) > 0.05
    assert 0.25 <= loud.sum() / RATE <= 0.4  # four letters, about 300 ms
