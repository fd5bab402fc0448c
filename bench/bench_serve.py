"""A bounded load test of ``audiobook serve``: concurrent speech requests against a local server.

    python bench/bench_serve.py [--requests 20] [--rounds 3] [--max-speech 4] [--format mp3] [--url URL]

Starts a server on a free loopback port (or uses ``--url``; memory is then not measured), fires
``--requests`` speech requests at once, ``--rounds`` times, each a different two-sentence text so
the clip cache does not answer them (three sentences each). Prints, per round, how many succeeded and how many got 429
(the server's ``--max-speech`` cap), the latency to the first audio and to the last byte (median
and worst), and the server's resident memory after each round: flat rounds mean nothing piles up.
"First audio" is the first byte for ``pcm`` and ``wav``; for the compressed formats it is the
moment 2 KiB have arrived, since ffmpeg writes its container header before any sound.
Every request must end in 200 or 429; anything else is reported and the exit status is 1.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servekit import Server

# Figures appear as each round ends, also when the output is a file.
print = functools.partial(print, flush=True)

SUBJECTS = ["harbour", "library", "orchard", "station", "kitchen", "garden", "market", "bridge", "valley", "tower"]


def text_for(round_no: int, n: int) -> str:
    """A text of its own for each request: three sentences, each long enough to be a unit of its own."""
    subject = SUBJECTS[n % len(SUBJECTS)]
    return (
        f"This is round {round_no + 1} and request number {n + 1} of the test. "
        f"The {subject} was quiet for most of the long afternoon. "
        "Then the rain came in from the sea and nobody stayed outside."
    )


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children now, MiB (ffmpeg encoders are children)."""
    total = 0.0
    pids = [str(pid)]
    try:
        for child in Path(f"/proc/{pid}/task").iterdir():
            kids = Path(f"/proc/{pid}/task/{child.name}/children")
            if kids.exists():
                pids += kids.read_text().split()
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def one(url: str, body: dict, results: list[dict], start: threading.Barrier) -> None:
    start.wait()
    began = time.perf_counter()
    first = None
    size = 0
    # Past the container header: the first encoded sound.
    threshold = 1 if body["response_format"] in ("pcm", "wav") else 2048
    try:
        with httpx.Client(timeout=600) as client, client.stream("POST", f"{url}/v1/audio/speech", json=body) as r:
            status = r.status_code
            retry = r.headers.get("retry-after")
            for block in r.iter_raw():
                size += len(block)
                if first is None and size >= threshold:
                    first = time.perf_counter() - began
    except httpx.HTTPError as err:
        results.append({"status": f"error: {err}", "first": None, "last": time.perf_counter() - began, "bytes": 0})
        return
    results.append({"status": status, "retry": retry, "first": first, "last": time.perf_counter() - began, "bytes": size})


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):5.2f} s, worst {max(values):5.2f} s"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-speech", type=int, default=4, help="the server's --max-speech (ignored with --url)")
    ap.add_argument("--format", default="mp3")
    ap.add_argument("--url", help="an already running server")
    args = ap.parse_args()

    server = None
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        if args.url:
            url = args.url
        else:
            server = Server(Path(tmp) / "data", "--cache-dir", str(Path(tmp) / "clips"), "--rate", "0",
                            "--max-speech", str(args.max_speech)).start()
            url = server.url
            # Load the model once, so round 1 measures requests, not the start-up.
            httpx.post(f"{url}/v1/audio/speech", json={"model": "kokoro", "input": "Warm up.", "response_format": "pcm"},
                       timeout=600)
        print(f"server {url}, {args.requests} concurrent requests x {args.rounds} rounds, format {args.format}, "
              f"cpus {os.cpu_count()}, max-speech {args.max_speech if server else '?'}")
        if server is not None and server.proc is not None:
            print(f"memory before: {rss_mib(server.proc.pid):.0f} MiB")
        bad = 0
        try:
            for round_no in range(args.rounds):
                results: list[dict] = []
                barrier = threading.Barrier(args.requests)
                threads = [
                    threading.Thread(target=one, args=(url, {"model": "kokoro", "input": text_for(round_no, n),
                                                             "response_format": args.format}, results, barrier))
                    for n in range(args.requests)
                ]
                began = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                wall = time.perf_counter() - began
                ok = [r for r in results if r["status"] == 200]
                limited = [r for r in results if r["status"] == 429]
                others = [r for r in results if r not in ok and r not in limited]
                bad += len(others)
                memory = f", server memory {rss_mib(server.proc.pid):.0f} MiB" if server and server.proc else ""
                print(f"round {round_no + 1}: {len(ok)} ok, {len(limited)} got 429 "
                      f"(Retry-After {sorted({r['retry'] for r in limited}) or '-'}), {len(others)} other; "
                      f"wall {wall:.1f} s{memory}")
                print(f"  first audio: {fmt([r['first'] for r in ok if r['first'] is not None])}")
                print(f"  last byte:   {fmt([r['last'] for r in ok])}")
                print(f"  429 in:      {fmt([r['last'] for r in limited])}")
                for r in others:
                    print(f"  unexpected: {r['status']}")
                if any(r["bytes"] == 0 for r in ok):
                    print("  a 200 came with no audio")
                    bad += 1
        finally:
            if server is not None:
                server.stop()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
