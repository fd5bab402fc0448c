"""Throughput of a library run: audio hours per wall hour for 1, 2 and 4 books, locally and on a
local Ray cluster, and what the cluster path costs over the local one on this machine.

    python bench/bench_library.py [--books 1,2,4] [--paragraphs 1] [--voice af_heart] [--threads N]
                                  [--no-cluster] [--no-sequential]

Each book is ``--paragraphs`` paragraphs of bench/prose_en.txt (a different slice per book, so no
clip is shared), one chapter per paragraph. Every run starts from an empty clip cache, so every
unit is synthesized. The local runs go through one pool of engine sessions sized to the machine;
the ``one by one`` row converts the same books with ``convert``, one after another, for
comparison. The cluster is started once on this machine (``ray.init`` with every core) and its
start-up is printed apart; the cluster rows time ``convert_on_cluster`` alone. ``plan s`` is the
time the driver spent reading and planning the books (the text passes), which no worker shares.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from audiobook.convert import ConvertOptions, convert
from audiobook.library import LibraryOptions, LibraryResult, convert_library, pool_size

ROOT = Path(__file__).resolve().parent.parent
PROSE = ROOT / "bench" / "prose_en.txt"


def make_books(folder: Path, count: int, paragraphs: int) -> list[Path]:
    """``count`` Markdown books of ``paragraphs`` paragraphs each, no two alike."""
    paras = [p.strip() for p in PROSE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    books = []
    for b in range(count):
        chosen = [paras[(b * paragraphs + i) % len(paras)] for i in range(paragraphs)]
        path = folder / f"book{b + 1}.md"
        path.write_text("\n\n".join(f"# Part {i + 1}\n\n{text}" for i, text in enumerate(chosen)), encoding="utf-8")
        books.append(path)
    return books


def row(label: str, books: int, audio_s: float, wall_s: float, sessions: int | str, plan_s: float | None) -> None:
    rate = audio_s / wall_s if wall_s else 0.0
    cores = os.cpu_count() or 1
    plan = f"{plan_s:7.2f}" if plan_s is not None else f"{'-':>7}"
    print(f"{label:22} {books:5d} {audio_s:9.1f} {wall_s:8.1f} {rate:10.2f} {rate / cores:10.2f} {sessions!s:>8} {plan}")


def report(label: str, result: LibraryResult) -> float:
    """Print a library run's row; its audio seconds per wall second."""
    assert not result.failed, [b.error for b in result.failed]
    row(label, len(result.books), result.audio_s, result.wall_s, result.sessions, result.plan_s)
    return result.audio_s / result.wall_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--books", default="1,2,4", help="book counts to run (default 1,2,4)")
    parser.add_argument("--paragraphs", type=int, default=1, help="paragraphs per book (default 1)")
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--threads", type=int, help="threads per engine session, local and on the cluster "
                        "(default: the pool's choice locally, one per actor on the cluster)")
    parser.add_argument("--no-cluster", action="store_true", help="local runs only")
    parser.add_argument("--no-sequential", action="store_true", help="skip the one-by-one comparison")
    args = parser.parse_args()
    counts = [int(n) for n in args.books.split(",")]
    sessions, threads = pool_size()
    threads = args.threads or threads
    print(f"{os.cpu_count()} cores; local pool: {sessions} session(s) x {threads} thread(s); "
          f"{args.paragraphs} paragraph(s) a book")
    print(f"{'run':22} {'books':>5} {'audio s':>9} {'wall s':>8} {'audio h/h':>10} {'per core':>10} {'sessions':>8}"
          f" {'plan s':>7}")
    local: dict[int, float] = {}
    cluster: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        root = Path(tmp)
        shelf = root / "shelf"
        shelf.mkdir()
        books = make_books(shelf, max(counts), args.paragraphs)
        options = ConvertOptions(voice=args.voice, use_cache=False, threads=args.threads)
        for n in counts:
            out = root / f"local-{n}"
            out.mkdir()
            local[n] = report("local pool", convert_library(books[:n], options, LibraryOptions(out)))
        if not args.no_sequential:
            n = max(counts)
            out = root / "one-by-one"
            out.mkdir()
            start = time.perf_counter()
            audio = sum(convert(b, out / f"{b.stem}.m4b", options).duration for b in books[:n])
            row("one by one (convert)", n, audio, time.perf_counter() - start, 1, None)
        if args.no_cluster:
            return
        import ray

        from audiobook.cluster import convert_on_cluster

        start = time.perf_counter()
        env = {k: v for k, v in os.environ.items() if k.startswith("AUDIOBOOK_")}
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
        print(f"(local Ray cluster started in {time.perf_counter() - start:.1f} s, not counted below)")
        try:
            for n in counts:
                out = root / f"cluster-{n}"
                out.mkdir()
                lib = LibraryOptions(out, cluster="auto")
                cluster[n] = report("local Ray cluster", convert_on_cluster(books[:n], replace(options), lib))
        finally:
            ray.shutdown()
    print("cluster overhead over local (wall time, same books): " + ", ".join(
        f"{n} book(s) {local[n] / cluster[n] - 1:+.0%}" for n in counts if cluster.get(n)
    ))


if __name__ == "__main__":
    main()
