"""Peak memory of a conversion, short against long, side by side.

    python bench/bench_memory.py [--hours 10] [--format m4b] [--repeat 10] [--no-model]

Two kinds of run, each in a fresh process:

- generated: the whole output side — both loudness passes (meters, limiter forecast), gains,
  limiter, encoder, chapter table, subtitles and timing file — fed one minute and then ``--hours``
  hours of generated speech-like audio in one-second clips with pauses, a chapter every 30 minutes;
- model: the real pipeline (read, passes, Kokoro, cache, two passes, encoder) on the sample book
  and on the sample's text repeated ``--repeat`` times.

Peak memory is the Python process's peak resident set (``ru_maxrss``); ffmpeg's encoders run as
child processes and the largest one's peak is shown apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

WATCH = r"""
import os, threading, time

ffmpeg_peak = [0.0]

def _watch():
    # ffmpeg's own peak (VmHWM) read from /proc while it runs: getrusage would also count the
    # memory the child shared with Python between fork and exec.
    me = str(os.getpid())
    while True:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[1] != me:
                        continue
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            ffmpeg_peak[0] = max(ffmpeg_peak[0], int(line.split()[1]) / 1024)
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(0.5)

threading.Thread(target=_watch, daemon=True).start()
"""

GENERATED = WATCH + r"""
import json, resource, sys, time
from pathlib import Path
import numpy as np
from audiobook.model import Metadata
from audiobook.output.assemble import OutputOptions, write_audiobook
from audiobook.plan import Unit
from audiobook.synthesis.synthesizer import Chunk

seconds, out = float(sys.argv[1]), Path(sys.argv[2])
rate = 24000
t = np.arange(rate) / rate
rng = np.random.default_rng(1)
clips = []
for f0 in (105.0, 118.0, 131.0, 97.0):
    phases = rng.uniform(0, 2 * np.pi, 20)
    wave = sum(np.cos(2 * np.pi * k * f0 * t + phases[k - 1]) / k for k in range(1, 21))
    syllables = 0.3 + 0.7 * np.sin(np.pi * (t / 0.2 % 1.0)) ** 2
    clips.append((0.05 * wave / np.abs(wave).max() * syllables).astype(np.float32))
pause = np.zeros(rate * 3 // 10, np.float32)
per_chapter = 1800.0
chapters = max(1, int(np.ceil(seconds / (1.3 * per_chapter))))
units = [Unit("a", f"Sentence {i}.", None, "en-us") for i in range(4)]

def render(sink, progress):
    done, chapter = 0.0, -1
    i = 0
    while done < seconds:
        if int(done // (1.3 * per_chapter)) != chapter:
            chapter += 1
            sink(Chunk(np.zeros(0, np.float32), "chapter", chapter, title=f"Part {chapter + 1}"))
        sink(Chunk(clips[i % 4], "speech", chapter, unit=units[i % 4]))
        sink(Chunk(pause, "pause", chapter))
        done += 1.3
        i += 1

started = time.perf_counter()
written = write_audiobook(out, Metadata(title="Generated"), chapters, None, render,
                          OutputOptions(subtitles="srt", timings=out.with_suffix(".json")))
print(json.dumps({
    "audio_s": written.samples / rate,
    "wall_s": time.perf_counter() - started,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "ffmpeg_mb": ffmpeg_peak[0],
    "loudness": written.loudness.integrated,
    "true_peak": written.loudness.true_peak,
}))
"""

MODEL = WATCH + r"""
import json, resource, sys, time
from pathlib import Path
from audiobook.convert import ConvertOptions, convert
from audiobook.output.assemble import OutputOptions
src, out = Path(sys.argv[1]), Path(sys.argv[2])
result = convert(src, out, ConvertOptions(voice="jf_alpha", use_cache=False, output=OutputOptions(subtitles="srt")))
print(json.dumps({
    "audio_s": result.duration,
    "wall_s": result.wall_s,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "ffmpeg_mb": ffmpeg_peak[0],
    "loudness": result.loudness.integrated,
    "true_peak": result.loudness.true_peak,
}))
"""


def child(script: str, *args: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, AUDIOBOOK_CACHE=os.environ.get("AUDIOBOOK_CACHE", str(Path(tmp) / "cache")))
        proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                              check=False, cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def show(label: str, r: dict) -> None:
    print(
        f"{label:30} {r['audio_s'] / 3600:8.2f} {r['wall_s']:8.1f} {r['peak_mb']:9.0f} {r['ffmpeg_mb']:10.0f}"
        f" {r['loudness']:9.1f} {r['true_peak']:8.1f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=10.0, help="length of the long generated book")
    parser.add_argument("--format", default="m4b", choices=["m4b", "mp3", "opus", "flac", "wav"])
    parser.add_argument("--repeat", type=int, default=10, help="the model runs on the sample and on N copies of it")
    parser.add_argument("--no-model", action="store_true", help="only the generated runs")
    args = parser.parse_args()
    print(f"{'input':30} {'hours':>8} {'wall s':>8} {'peak MB':>9} {'ffmpeg MB':>10} {'LUFS':>9} {'dBTP':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, seconds in (("generated, 1 minute", 60.0), (f"generated, {args.hours:g} hours", args.hours * 3600)):
            show(f"{label}, {args.format}", child(GENERATED, str(seconds), str(Path(tmp) / f"gen.{args.format}")))
        if args.no_model:
            return
        from bench_convert import repeated

        sample = ROOT / "samples" / "three-chapters.md"
        long = repeated(sample, args.repeat, Path(tmp))
        for label, src in (("sample, model", sample), (f"sample x{args.repeat}, model", long)):
            show(f"{label}, {args.format}", child(MODEL, str(src), str(Path(tmp) / f"book.{args.format}")))


if __name__ == "__main__":
    main()
