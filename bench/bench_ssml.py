"""Lowering speed of large SSML documents: prints seconds and sentences per second for each shape.

    python bench/bench_ssml.py --sentences 20000 40000 100000

Each shape is built at each size; time that grows in proportion to the size is linear lowering.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import ssml

SENTENCE = "The keeper climbed the stairs and lit the lamp at dusk."


def plain(n: int) -> str:
    """One paragraph of plain sentences."""
    return "<speak><p>" + " ".join([SENTENCE] * n) + "</p></speak>"


def marked(n: int) -> str:
    """Each sentence an ``<s>`` with a break, prosody and a voice, ten sentences to a ``<p>``."""
    s = f'<s><prosody rate="110%">{SENTENCE}</prosody><break time="200ms"/><voice name="jm_kumo">Yes.</voice></s>'
    return "<speak>" + "".join("<p>" + s * 10 + "</p>" for _ in range(max(1, n // 10))) + "</speak>"


def words(n: int) -> str:
    """One paragraph in which every word is its own ``<w>`` element (many text pieces to join)."""
    w = "".join(f"<w>{word}</w> " for word in SENTENCE.split())
    return "<speak><p>" + w * n + "</p></speak>"


SHAPES: dict[str, Callable[[int], str]] = {"plain": plain, "marked": marked, "words": words}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, nargs="+", default=[20_000, 40_000, 100_000])
    args = parser.parse_args()
    print(f"{'shape':8} {'sentences':>10} {'MB':>6} {'parse+lower s':>14} {'sentences/s':>12}")
    for name, build in SHAPES.items():
        for n in args.sentences:
            doc = build(n)
            began = time.perf_counter()
            blocks = ssml.lower(doc, warn=lambda d: None)
            took = time.perf_counter() - began
            items = sum(len(b) for b in blocks)
            print(f"{name:8} {n:>10} {len(doc) / 1e6:>6.1f} {took:>14.2f} {n / took:>12.0f}   ({items} items)")


if __name__ == "__main__":
    main()
