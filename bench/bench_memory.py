"""Peak memory of a conversion, short against long, side by side.

    python bench/bench_memory.py [--hours 10] [--format m4b] [--repeat 10] [--no-model]

Two kinds of run, each in a fresh process:

- generated: the whole output side — both loudness passes (meters, limiter forecast), gains,
  limiter, encoder, chapter table, subtitles and timing file — fed one minute and then ``--hours``
  hours of generated speech-like audio in one-second clips with pauses, a chapter every 30 minutes;
- model: the real pipeline (read, passes, Kokoro, cache, two passes, encoder) on the sample book
  and on the sample's text repeated ``--repeat`` times;
- a book of over a million words (``--words``), built from the books in ``../shared/books`` (their
  chapters as read, one after another, again and again): read, planned in full, then synthesized
  with af_heart for ``--synth-seconds`` (a whole run would take days here), so the peak covers the
  planning of the whole book and the first units. Skipped where the books are absent.

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
from audiobook.synthesis.engines.onnx import share_threads
share_threads()  # one thread pool for the process, as the command line runs
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


BIG = WATCH + r"""
import json, resource, sys, time
from pathlib import Path
from audiobook.convert import ConvertOptions, convert
from audiobook.synthesis.engines.onnx import share_threads
share_threads()  # one thread pool for the process, as the command line runs
from audiobook.output.assemble import OutputOptions

src, out, budget = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
marks = {"planned": None, "units": 0, "planned_mb": 0.0, "audio_s": 0.0, "first": None}
started = time.perf_counter()

class Enough(Exception):
    pass

def progress(done, total, audio_s):
    now = time.perf_counter()
    if marks["planned"] is None:
        marks["planned"] = now - started
        marks["planned_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        marks["first"] = now
        marks["total"] = total
    marks["units"], marks["audio_s"] = done, audio_s
    if now - marks["first"] > budget:
        raise Enough

try:
    convert(src, out, ConvertOptions(voice="af_heart", use_cache=False, output=OutputOptions(subtitles="srt"), progress=progress))
except Enough:
    pass
print(json.dumps({
    "plan_s": marks["planned"], "units_planned": marks.get("total", 0), "units_done": marks["units"],
    "audio_s": marks["audio_s"], "planned_mb": marks["planned_mb"],
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def million_words(folder: Path, words: int) -> tuple[Path, int, int] | None:
    """A Markdown book of at least ``words`` words from the shared books' chapters; (path, words, chapters)."""
    books = ROOT.parent / "shared" / "books"
    sources = sorted(books.glob("*.epub")) + sorted((books / "gutenberg").glob("*.txt"))
    if not sources:
        return None
    from audiobook.convert import ConvertOptions, load_book
    from audiobook.diagnostics import Reporter
    from audiobook.model import Speech

    chapters = []
    for path in sources:
        book = load_book(path, ConvertOptions(), Reporter())
        for ch in book.chapters:
            paras = [" ".join(s.text for s in b.segments if isinstance(s, Speech)).strip() for b in ch.blocks]
            paras = [p for p in paras if p]
            if paras:
                chapters.append((f"{book.meta.title}: {ch.title}", paras))
    out, total, copy = [], 0, 0
    while total < words:
        copy += 1
        for title, paras in chapters:
            out.append(f"# {title} ({copy})\n\n" + "\n\n".join(paras) + "\n")
            total += sum(len(p.split()) for p in paras)
            if total >= words:
                break
    path = folder / "million.md"
    path.write_text("\n".join(out), encoding="utf-8")
    return path, total, len(out)


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
    parser.add_argument("--words", type=int, default=1_200_000, help="length of the big book (0: skip it)")
    parser.add_argument("--synth-seconds", type=float, default=120.0, help="synthesis time given to the big book")
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
        built = million_words(Path(tmp), args.words) if args.words else None
        if built is None:
            return
        path, words, chapters = built
        r = child(BIG, str(path), str(Path(tmp) / f"million.{args.format}"), str(args.synth_seconds))
        print(
            f"\n{words:,} words in {chapters} chapters ({path.stat().st_size / 1e6:.1f} MB of Markdown), af_heart:"
            f" planned {r['units_planned']:,} units in {r['plan_s']:.0f} s, peak {r['planned_mb']:.0f} MB when"
            f" planned; {r['units_done']} units ({r['audio_s']:.0f} s of audio) synthesized in"
            f" {args.synth_seconds:g} s; peak {r['peak_mb']:.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
