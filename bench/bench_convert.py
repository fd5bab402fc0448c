"""Convert a sample and print the real-time factor and peak memory.

    python bench/bench_convert.py [INPUT] [--repeat N] [--voice NAME] [--format m4b|mp3|wav]

``--repeat N`` reads the input's body N times over (as N chapters) to show how memory behaves as a
book grows. Each conversion runs in a fresh process with an empty clip cache, so every unit is
synthesized; the figures are the model's compute time over the audio's duration, the wall time
over the audio's duration, and the process's peak resident memory.
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

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from audiobook.convert import ConvertOptions, convert
src, out, voice = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None
result = convert(src, out, ConvertOptions(voice=voice, use_cache=False))
print(json.dumps({
    "audio_s": result.duration,
    "compute_s": result.stats.compute_s,
    "wall_s": result.wall_s,
    "units": result.stats.units,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "voice": result.voice,
}))
"""


def repeated(src: Path, times: int, folder: Path) -> Path:
    """A Markdown book holding ``src``'s text ``times`` times, one chapter each."""
    body = src.read_text(encoding="utf-8")
    if body.startswith("---"):
        body = body.split("---", 2)[2]
    body = "\n".join(line for line in body.splitlines() if not line.startswith("#"))
    path = folder / f"{src.stem}-x{times}.md"
    path.write_text("\n\n".join(f"# Part {i + 1}\n\n{body}" for i in range(times)), encoding="utf-8")
    return path


def run(src: Path, fmt: str, voice: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, AUDIOBOOK_CACHE=os.environ.get("AUDIOBOOK_CACHE", str(Path(tmp) / "cache")))
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(src), str(Path(tmp) / f"out.{fmt}"), voice or ""],
            capture_output=True, text=True, env=env, check=False,
        )
        if proc.returncode != 0:
            sys.exit(proc.stderr.strip().splitlines()[-1])
        return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", type=Path, default=ROOT / "samples" / "three-chapters.md")
    parser.add_argument("--repeat", type=int, default=0, help="also convert the body repeated N times")
    parser.add_argument("--voice")
    parser.add_argument("--format", default="m4b", choices=["m4b", "mp3", "wav"])
    args = parser.parse_args()
    cases = [("sample", args.input)]
    with tempfile.TemporaryDirectory() as tmp:
        if args.repeat > 1:
            cases.append((f"sample x{args.repeat}", repeated(args.input, args.repeat, Path(tmp))))
        print(f"{'input':14} {'audio s':>8} {'units':>6} {'compute RTF':>12} {'wall RTF':>9} {'peak MB':>8}  voice")
        for label, path in cases:
            r = run(path, args.format, args.voice)
            print(
                f"{label:14} {r['audio_s']:8.1f} {r['units']:6d} {r['compute_s'] / r['audio_s']:12.3f} "
                f"{r['wall_s'] / r['audio_s']:9.3f} {r['peak_rss_mb']:8.0f}  {r['voice']}"
            )


if __name__ == "__main__":
    main()
