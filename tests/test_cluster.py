"""A library on a local Ray cluster: the same books as on one machine, a bad book reported, a killed
worker survived, a rerun served from the cache. One cluster for the module; short books."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest
from audio_checks import chapters, duration
from conftest import official_voices_available

from audiobook.cluster import ENGINE_ACTOR, convert_on_cluster
from audiobook.convert import ConvertOptions
from audiobook.library import LibraryOptions, LibraryProgress

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not official_voices_available(), reason="official voice packs not on the voice path"),
]

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Ray cluster on this machine: two CPUs, one engine actor and room for an assembly task."""
    env = {
        "AUDIOBOOK_CACHE": os.environ.get("AUDIOBOOK_CACHE") or str(tmp_path_factory.getbasetemp() / "cache"),
        "AUDIOBOOK_OFFLINE": "1",
        **{k: v for k, v in os.environ.items() if k == "AUDIOBOOK_VOICE_PATH"},
    }
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": env})
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def shelf(library_run):
    return library_run[1]


@pytest.fixture(scope="module")
def local(library_run):
    """The books converted on this machine: the reference."""
    proc, _, out, _ = library_run
    assert proc.returncode == 2, proc.stderr  # the broken book
    return out


def same_book(a: Path, b: Path) -> None:
    """The same chapters at the same times, the same length (the model's noise aside)."""
    assert duration(a) == pytest.approx(duration(b), abs=0.1)
    got, want = chapters(a), chapters(b)
    assert [t for t, _ in got] == [t for t, _ in want]
    for (_, s1), (_, s2) in zip(got, want, strict=True):
        assert s1 == pytest.approx(s2, abs=0.1)


def test_cluster_books_equal_the_local_ones_and_a_bad_book_is_reported(cluster, shelf, local, tmp_path):
    inputs = [shelf / "alpha.md", shelf / "broken.epub", shelf / "beta.md"]
    # No clip cache: every unit is synthesized by the actors and reaches assembly through Ray's store.
    options = ConvertOptions(voice="af_heart", use_cache=False)
    result = convert_on_cluster(inputs, options, LibraryOptions(tmp_path, cluster="auto"))
    assert [b.error is None for b in result.books] == [True, False, True]
    bad = result.books[1]
    assert bad.exit_code == 2 and str(shelf / "broken.epub") in (bad.error or "")
    assert result.exit_code == 2
    assert result.synthesized == 8
    # Every clip reached the assembly through the object store: none was made twice.
    assert all(b.result.stats.synthesized == 0 for b in result.books if b.result is not None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alpha.m4b", "beta.m4b"]
    for name in ("alpha.m4b", "beta.m4b"):
        same_book(tmp_path / name, local / name)


def _actor_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(f"ray::{ENGINE_ACTOR}".encode()):
                pids.append(int(entry.name))
    return pids


def test_a_worker_killed_mid_run_loses_nothing_and_a_rerun_is_served_from_the_cache(cluster, shelf, local, tmp_path):
    killed: list[tuple[int, LibraryProgress]] = []

    def progress(p: LibraryProgress) -> None:
        # After the first clip, while the others are still queued on the actor: kill its process.
        if not killed and p.units_done >= 1:
            for pid in _actor_pids():
                os.kill(pid, signal.SIGKILL)
                killed.append((pid, p))

    inputs = [shelf / "alpha.md", shelf / "beta.md"]
    options = ConvertOptions(voice="af_heart", cache_dir=tmp_path / "clips")
    out = tmp_path / "out"
    out.mkdir()
    result = convert_on_cluster(inputs, options, LibraryOptions(out, cluster="auto", progress=progress))
    assert killed, "no engine actor process was found to kill"
    assert killed[0][1].units_done < killed[0][1].units, "the run had ended before the kill"
    assert result.exit_code == 0, [b.error for b in result.books]
    for book in result.books:
        assert book.result is not None and len(book.result.timings) == 4
        assert book.result.stats.synthesized == 0
        same_book(book.output, local / book.output.name)

    # The same command again (a driver killed and restarted): nothing left to synthesize.
    again = tmp_path / "again"
    again.mkdir()
    rerun = convert_on_cluster(inputs, replace(options), LibraryOptions(again, cluster="auto"))
    assert (rerun.synthesized, rerun.cached) == (0, 8)
    for name in ("alpha.m4b", "beta.m4b"):
        same_book(again / name, out / name)
