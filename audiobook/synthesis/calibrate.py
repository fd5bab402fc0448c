"""``--engine auto``: the fastest installed engine that sounds like the shipped model, on this machine.

A short calibration runs once per machine, model, runtime versions and thread count, and its
outcome is kept in ``<cache>/calibration.json``. Each candidate (ONNX Runtime int8, the
reference; OpenVINO at the precision the CPU has natively, and in f32 when that one fails) reads
the same three units in turn, twice; its time is the sum of its faster run per unit. A candidate
is accepted when it adds at most ``MAX_ENGINE_MB`` of resident memory and its log-mel distance to
the int8 rendering of the same units stays within ``SAME_SOUND_DB``; it is chosen over int8 only
when it takes at most ``MIN_GAIN`` of int8's time, so noise in the timings does not flip the
choice from run to run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from importlib.util import find_spec

import numpy as np

from audiobook.errors import AudiobookError
from audiobook.files import cache_root
from audiobook.synthesis.distance import mel_distance
from audiobook.synthesis.engines import Engine, create_engine
from audiobook.synthesis.modelfiles import FLOAT_GRAPH_VERSION, model_digest
from audiobook.vocab import token_ids

__all__ = ["MAX_ENGINE_MB", "MIN_GAIN", "SAME_SOUND_DB", "Choice", "choose_engine", "machine_key"]

log = logging.getLogger(__name__)

SAME_SOUND_DB = 3.0
"""Largest mean log-mel distance (dB) to the int8 rendering that counts as the same sound. For
scale, measured on prose with af_heart: the int8 graph against its own float version 1.4 dB,
OpenVINO f32 against int8 2.3-2.8 dB, a similar voice reading the same words (af_bella against
af_heart) 3.0-3.4 dB, other voices 4.5-5.9 dB. This model has no noise source, so one engine's
run-to-run spread is 0 and cannot serve as the yardstick."""
MAX_ENGINE_MB = 450
"""Most resident memory (MB) a candidate may add to the process, built and run on the longest
calibration unit: what keeps a whole conversion under 600 MB. ONNX Runtime int8 adds about 300;
OpenVINO f32 on the float graph about 1000 (its weights are float and it holds them twice while it
compiles), so it is not chosen until that comes down."""
MIN_GAIN = 0.95
"""A candidate replaces int8 only when it takes at most this fraction of int8's model time."""
_CALIBRATION_TIMEOUT_S = 900
"""Longest the calibration may take (building OpenVINO's float graph the first time included)."""
CALIBRATION_VERSION = 3
"""Bumped when the calibration's method changes: older outcomes are measured again."""

# Three units of ordinary prose (American English), short to medium, in Kokoro's phonemes: about
# ten seconds of audio in all, so calibrating costs a few seconds of model time per engine.
_UNITS = (
    "ðə kˈæt sˈæt ˌɔn ðə mˈæt.",
    "ðə lˈIthˌWs kˈipəɹ klˈImd ðə stˈɛɹz æt dˈʌsk, ænd klˈind ðə ɡɹˈAt lˈɛnz bəfˌɔɹ ðə stˈɔɹm.",
    "ɪn wˈɪntəɹ ðə stˈɔɹmz wɜɹ fˈɪɹs, bˌʌt ðə lˈIt nˈɛvəɹ fˈAld, ænd ðə ʃˈɪps ðæt pˈæst sˈɔ ɪt ʃˈIn.",
)
_VOICE = "jf_alpha"
"""A voice installed with the package, so calibration needs nothing from the voice path."""


@dataclass(frozen=True)
class Choice:
    """What ``--engine auto`` runs, and why."""

    engine: str
    """Engine name (``onnx``, ``openvino``)."""
    precision: str | None
    """Precision for the openvino engine; ``None`` for the others."""
    reason: str
    """One line for the user: the figures behind the choice."""


def machine_key(threads: int) -> str:
    """What decides the calibration's outcome: CPU, cores, threads, runtimes and model."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            lines = [line for line in f if line.startswith(("model name", "flags"))][:2]
        cpu = "".join(lines) or cpu
    except OSError:
        pass
    versions = []
    for package in ("onnxruntime", "openvino"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} -")
    blob = json.dumps(
        [CALIBRATION_VERSION, platform.machine(), cpu, os.cpu_count(), threads, versions, model_digest(), FLOAT_GRAPH_VERSION]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _candidates() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    if find_spec("openvino") and find_spec("onnx"):
        from audiobook.synthesis.engines.openvino import _core, native_precision

        native = native_precision(_core())
        found.append(("openvino", native))
        if native != "f32":
            found.append(("openvino", "f32"))
    return found


def _resident_mb() -> float:
    """The process's resident memory in MB (0 where /proc is not there: no memory check)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _style(length: int) -> np.ndarray:
    from voices.packs import VoiceLibrary

    return VoiceLibrary().load(_VOICE).style(length)


def _measure(engines: dict[str, Engine]) -> tuple[dict[str, float], dict[str, list[np.ndarray]]]:
    """Model seconds and audio per engine: each unit twice per engine, the engines taking turns."""
    vocab = token_ids()
    feeds = [([vocab[c] for c in u], _style(len(u))) for u in _UNITS]
    for engine in engines.values():
        engine.synthesize(*feeds[0], 1.0)  # the first call allocates; keep it out of the timing
    seconds = dict.fromkeys(engines, 0.0)
    audio: dict[str, list[np.ndarray]] = {label: [] for label in engines}
    for tokens, style in feeds:
        best = dict.fromkeys(engines, float("inf"))
        last: dict[str, np.ndarray] = {}
        for _ in range(2):
            for label, engine in engines.items():
                start = time.perf_counter()
                last[label] = engine.synthesize(tokens, style, 1.0)
                best[label] = min(best[label], time.perf_counter() - start)
        for label in engines:
            seconds[label] += best[label]
            audio[label].append(last[label])
    return seconds, audio


def calibrate(threads: int | None) -> Choice:
    """Run the calibration now (no cache): build each candidate, time it, compare its sound."""
    engines: dict[str, Engine] = {"onnx": create_engine("onnx", threads=threads)}
    int8 = "int8 through ONNX Runtime"
    if getattr(engines["onnx"], "products", False):
        int8 += " (convolutions as VNNI products)"
    skipped = []
    vocab = token_ids()
    longest = max(_UNITS, key=len)
    style = _style(len(longest))
    for name, precision in _candidates():
        before = _resident_mb()
        try:
            engine = create_engine(name, threads=threads, precision=precision)
            engine.synthesize([vocab[c] for c in longest], style, 1.0)
        except (AudiobookError, MemoryError) as exc:
            # Said in the reason; ``choose_engine`` does not keep an outcome reached this way.
            skipped.append(f"{name} {precision} could not start ({exc or type(exc).__name__})")
            continue
        grown = _resident_mb() - before
        if grown > MAX_ENGINE_MB:
            skipped.append(f"{name} {precision} needs {grown:.0f} MB (limit {MAX_ENGINE_MB})")
            del engine
            continue
        engines[f"{name} {precision}"] = engine
    if len(engines) == 1:
        why = "; ".join(skipped) or "no other engine is installed (pip install 'audiobook[openvino]')"
        return Choice("onnx", None, f"{int8}: {why}")
    seconds, audio = _measure(engines)
    base = seconds["onnx"]
    notes = []
    best = ("onnx", None, 1.0, 0.0)
    for label in list(engines)[1:]:
        name, precision = label.split()
        ratio = seconds[label] / base
        distance = float(np.mean([mel_distance(a, b) for a, b in zip(audio[label], audio["onnx"])]))
        if distance > SAME_SOUND_DB:
            notes.append(f"{label} sounds different ({distance:.1f} dB from int8, over {SAME_SOUND_DB:.1f})")
        elif ratio > MIN_GAIN:
            notes.append(f"{label} is not faster ({ratio:.2f}× int8's model time)")
        elif ratio < best[2]:
            best = (name, precision, ratio, distance)
    if best[0] == "onnx":
        return Choice("onnx", None, f"{int8}: " + "; ".join(notes + skipped))
    name, precision, ratio, distance = best
    reason = (
        f"{name} {precision}: {ratio:.2f}× the model time of int8 on this machine, "
        f"{distance:.1f} dB from its sound (limit {SAME_SOUND_DB:.1f})"
    )
    return Choice(name, precision, "; ".join([reason, *notes]))


def _calibrate_apart(threads: int | None) -> Choice:
    """``calibrate`` in a child process: the candidates' memory (OpenVINO's float weights, a
    gigabyte) is given back with the process, not kept by the conversion that asked."""
    command = [sys.executable, "-m", "audiobook.synthesis.calibrate"] + ([str(threads)] if threads else [])
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=_CALIBRATION_TIMEOUT_S, check=False)
        if proc.returncode == 0:
            answer = json.loads(proc.stdout.strip().splitlines()[-1])
            return Choice(str(answer["engine"]), answer.get("precision"), str(answer["reason"]))
        why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError, IndexError, TypeError) as exc:
        why = str(exc) or type(exc).__name__
    # Not kept: the next run measures again.
    return Choice("onnx", None, f"int8 through ONNX Runtime: the calibration could not start ({why[:200]})")


def choose_engine(threads: int | None) -> Choice:
    """The calibrated choice for this machine, measured on first use and then read from the cache."""
    key = machine_key(threads or os.cpu_count() or 1)
    path = cache_root() / "calibration.json"
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    entry = known.get(key)
    if isinstance(entry, dict) and entry.get("engine") in ("onnx", "openvino"):
        try:
            return Choice(entry["engine"], entry.get("precision"), str(entry.get("reason", "")))
        except (TypeError, KeyError):
            pass
    log.info("calibrating the engines on this machine (once)")
    choice = _calibrate_apart(threads)
    if "could not start" in choice.reason:
        # A candidate failed for a reason of this run (memory capped, a broken install): measure
        # again next time rather than settle for int8 for good.
        return choice
    known[key] = asdict(choice)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".calibration.{os.getpid()}.json")
    tmp.write_text(json.dumps(known, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return choice


if __name__ == "__main__":
    # The child of ``_calibrate_apart``: one line of JSON, the choice.
    print(json.dumps(asdict(calibrate(int(sys.argv[1]) if len(sys.argv) > 1 else None))))
