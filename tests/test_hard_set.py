"""The whole hard set of the normalization table, spoken by the real model and heard by Whisper.

Every line of ``fixtures/normalize/en.tsv`` (numbers, dates, money, units, Roman numerals,
abbreviations, addresses...) goes through the full pipeline, six sentences to a clip, as in
``bench/bench_normalize.py``; Whisper tiny.en transcribes each clip and the word error rate is
counted after Whisper's English text normalizer, each sentence against its written form, its spoken
form or another writing of the spoken form (``en-transcribed.tsv``: "10.30 AM" for "ten thirty a
m"), whichever is closest, words that sound alike (``homophones.tsv``) counted as one; a
misreading matches none.

The set is long (some six minutes of speech), so its clips go to the session's clip cache (under
``AUDIOBOOK_CACHE``): a clip is keyed by its phonemes, voice, speed and model, so a run after a
change resynthesizes exactly the sentences whose reading changed, and a clip found in the cache is
the model's own rendering of that reading. One engine serves every clip.

The target is the project's, 5 % with af_heart (which ships with the package), held here with
the room that the CPU's own effect on the audio needs (see ``TARGET``). The everyday table
(``en-everyday.tsv``) is sampled one sentence per class, each in its own clip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_checks import closest_reading, everyday_sample, hard_set

from audiobook.convert import ConvertOptions, convert
from audiobook.files import cache_root

pytestmark = pytest.mark.slow

GROUP = 6
# af_heart ships with the package, so the test runs on every machine.
VOICE = "af_heart"
# The project's target is 5 % (bench/bench_normalize.py reports against it). What Whisper hears
# moves with the CPU, because ONNX Runtime's int8 kernels differ between AVX2 and AVX-512 VNNI:
# af_heart on the whole table: at most 5 % on AVX2 CPUs, 5.6-5.8 % (56-58 of 1007 words) on AVX-512
# VNNI ones, two thirds of that in the old-money rows Whisper tiny cannot spell (sixpence heard as
# "six-bents", tuppence as "tuppins", ha'penny as "hapony"). The test's bound keeps ten words of
# room over the highest rate measured; the everyday sample has 68 words, where one word is 1.5 %.
TARGET, EVERYDAY_TARGET = 0.065, 0.10


def test_hard_set_is_heard_as_a_careful_narrator_reads_it(tmp_path: Path, whisper, engine) -> None:
    rows = hard_set()
    assert len(rows) >= 60
    _assert_heard(rows, tmp_path, whisper, engine, TARGET)


def test_everyday_forms_are_heard_as_written(tmp_path: Path, whisper, engine) -> None:
    # One sentence per class of the everyday table (telephone numbers, dotted numbers, money,
    # measures, dates, times, arithmetic, codes), each in its own clip: digit strings read in
    # groups are where the recognizer's own habits differ most, so they are not run together.
    rows = everyday_sample()
    assert len(rows) == 8
    _assert_heard(rows, tmp_path, whisper, engine, EVERYDAY_TARGET, group=1)


def _assert_heard(rows: list[tuple[str, ...]], tmp_path: Path, whisper, engine, target: float, group: int = GROUP) -> None:
    english = pytest.importorskip("whisper_normalizer.english")
    norm = english.EnglishTextNormalizer()
    errors = words = 0
    misheard = []
    options = ConvertOptions(voice=VOICE, cache_dir=cache_root() / "clips", engine_instance=engine)
    for n in range(0, len(rows), group):
        clip = rows[n : n + group]
        src = tmp_path / f"clip{n}.txt"
        src.write_text(" ".join(forms[0] for forms in clip) + "\n", encoding="utf-8")
        wav = tmp_path / f"clip{n}.wav"
        convert(src, wav, options)
        heard = whisper(wav)
        e, w = closest_reading(clip, norm(heard).split(), norm)
        errors, words = errors + e, words + w
        if e:
            misheard.append(f"{e} in: {heard}")
    assert errors / words <= target, f"{errors}/{words} words wrong with {VOICE}:\n" + "\n".join(misheard)
