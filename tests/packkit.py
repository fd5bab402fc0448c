"""Building voice pack files byte by byte, the odd and hostile ones included.

A ``.pt`` pack is the zip ``torch.save`` writes: ``NAME/data.pkl`` (a pickle that rebuilds one tensor
from a storage), ``NAME/data/0`` (the storage's raw little-endian bytes) and a few small members.
The pickle is written opcode by opcode here, so any tensor metadata can be stated, true or false,
without PyTorch installed.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["ROWS", "WIDTH", "torch_pickle", "pt_bytes", "write_pt", "npy_bytes", "official_rows"]

ROWS = 510
"""Style rows in a Kokoro pack."""
WIDTH = 256
"""Floats in a style row."""


def _int(value: int) -> bytes:
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    if -(2**31) <= value < 2**31:
        return b"J" + struct.pack("<i", value)
    # LONG1: any size of integer, little-endian two's complement.
    raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def _text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return b"X" + struct.pack("<I", len(raw)) + raw


def _tuple(values: tuple[int, ...]) -> bytes:
    return b"(" + b"".join(_int(v) for v in values) + b"t"


def torch_pickle(
    *,
    storage: str = "FloatStorage",
    key: str = "0",
    numel: int = ROWS * WIDTH,
    offset: int = 0,
    size: tuple[int, ...] = (ROWS, 1, WIDTH),
    stride: tuple[int, ...] = (WIDTH, WIDTH, 1),
) -> bytes:
    """The ``data.pkl`` of a saved tensor, with every field of its metadata as given."""
    persistent_id = b"(" + _text("storage") + b"ctorch\n" + storage.encode() + b"\n" + _text(key) + _text("cpu")
    persistent_id += _int(numel) + b"t"
    return (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n("
        + persistent_id
        + b"Q"
        + _int(offset)
        + _tuple(size)
        + _tuple(stride)
        + b"\x89ccollections\nOrderedDict\n)R"
        + b"tR."
    )


def pt_bytes(data: bytes, pickle: bytes | None = None, *, name: str = "voice", extra: dict[str, bytes] | None = None) -> bytes:
    """A ``torch.save`` zip holding ``pickle`` (default: a true [510, 1, 256] float32 tensor) and ``data``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{name}/data.pkl", torch_pickle() if pickle is None else pickle)
        z.writestr(f"{name}/byteorder", b"little")
        z.writestr(f"{name}/data/0", data)
        z.writestr(f"{name}/version", b"3\n")
        for member, content in (extra or {}).items():
            z.writestr(member, content)
    return out.getvalue()


def write_pt(path: Path, data: bytes, pickle: bytes | None = None, **kwargs: object) -> Path:
    """Write ``pt_bytes(...)`` to ``path`` and return it."""
    path.write_bytes(pt_bytes(data, pickle, **kwargs))  # type: ignore[arg-type]
    return path


def npy_bytes(header: str, data: bytes) -> bytes:
    """A ``.npy`` file (format 1.0) with ``header`` (the dict literal) written as given."""
    text = header.encode("latin1")
    pad = (64 - (10 + len(text) + 1) % 64) % 64
    text = text + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def official_rows(seed: int = 1) -> np.ndarray:
    """Float32 rows of a pack's shape and scale (not a real voice: a deterministic stand-in)."""
    return (np.random.default_rng(seed).standard_normal((ROWS, 1, WIDTH)) * 0.2).astype("<f4")
