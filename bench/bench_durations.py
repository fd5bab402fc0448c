"""What the durations output costs: the one-time graph edit, and synthesis with and without it.

    python bench/bench_durations.py [--voice NAME] [--rounds N]

Edits the int8 model into a temporary cache (timed), then speaks the same three units (about 30,
120 and 300 phoneme tokens) through a session of the published graph and one of the edited graph,
alternating, ``--rounds`` times each, and prints seconds of compute per second of audio for both.
It also checks that every call's durations add up to its audio (frames × 600 samples).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

SENTENCES = [
    "The keeper climbed the stairs at dusk.",
    "All night the ships passed safely by the rocks, their lanterns swinging, while the old clock "
    "in the hut leaned toward low and the gulls slept on the breakwater.",
    "Ysolde wound the clock every morning before the gulls woke, because her grandmother had, and "
    "because nobody else in the harbour remembered how; and when the brass hand stuck one grey "
    "Tuesday, halfway between high and low, she opened the case, found a small crab wedged among the "
    "gears, carried it down to the rocks, said sorry twice, and watched the hand swing slowly back.",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        os.environ["AUDIOBOOK_CACHE"] = cache
        import onnxruntime as ort

        from audiobook.diagnostics import Reporter
        from audiobook.passes.g2p import phonemize_english
        from audiobook.synthesis.modelfiles import (
            default_model_path,
            model_digest,
            onnx_run_path,
        )
        from audiobook.vocab import token_ids
        from voices.packs import VoiceLibrary

        plain = default_model_path()
        start = time.perf_counter()
        edited = onnx_run_path(plain, model_digest())
        edit_s = time.perf_counter() - start
        assert edited is not None
        print(f"graph edit (once, then cached): {edit_s:.2f} s; {edited.stat().st_size / 1e6:.1f} MB written")

        vocab = token_ids()
        pack = VoiceLibrary().load(args.voice)
        phonemes = phonemize_english(SENTENCES, "en-us", Reporter())
        units = [[vocab[c] for c in ph if c in vocab] for ph in phonemes]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = os.cpu_count() or 1
        opts.inter_op_num_threads = 1
        sessions = {
            "published graph": ort.InferenceSession(str(plain), opts, providers=["CPUExecutionProvider"]),
            "with durations": ort.InferenceSession(str(edited), opts, providers=["CPUExecutionProvider"]),
        }
        compute = {name: 0.0 for name in sessions}
        audio = {name: 0 for name in sessions}
        for _ in range(args.rounds):
            for tokens in units:
                feeds = {
                    "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                    "style": pack.style(len(tokens)).reshape(1, -1).astype(np.float32),
                    "speed": np.array([1.0], dtype=np.float32),
                }
                for name, session in sessions.items():
                    t = time.perf_counter()
                    out = session.run(None, feeds)
                    compute[name] += time.perf_counter() - t
                    audio[name] += out[0].size
                    if len(out) > 1:
                        assert int(out[1].sum()) * 600 == out[0].size, "durations do not add up to the audio"
        print(f"units: {', '.join(str(len(u)) for u in units)} tokens; {args.rounds} rounds; voice {args.voice}")
        for name in sessions:
            print(f"{name:16s} real-time factor {compute[name] / (audio[name] / 24000):.3f}")


if __name__ == "__main__":
    main()
