"""Downloading official voice packs from the Hugging Face hub, on request only.

Nothing here touches the network when offline mode is on (``--offline``, ``$AUDIOBOOK_OFFLINE`` or
``$HF_HUB_OFFLINE``). Every downloaded pack is checked against the SHA-256 in the catalogue before
it is moved into the voice cache, so a partial or altered file never lands there.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

from audiobook.errors import VoiceError
from audiobook.files import cache_root, file_digest
from voices import catalogue as catalogue_pkg

__all__ = [
    "hub_endpoint",
    "install_pack",
    "offline",
    "pull_voices",
]

log = logging.getLogger(__name__)

_TRUE = ("1", "true", "yes", "on")


def offline(flag: bool = False) -> bool:
    """Whether network access is forbidden (``flag``, ``$AUDIOBOOK_OFFLINE`` or ``$HF_HUB_OFFLINE``)."""
    return flag or any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("AUDIOBOOK_OFFLINE", "HF_HUB_OFFLINE"))


def hub_endpoint() -> str:
    """The hub's address: ``$HF_ENDPOINT`` (as the hub client reads it), else huggingface.co."""
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or "https://huggingface.co"


def _check_reachable(timeout: float) -> None:
    # The hub client retries for half a minute before it gives up; one short probe says more.
    url = urlsplit(hub_endpoint())
    host = url.hostname or "huggingface.co"
    port = url.port or (80 if url.scheme == "http" else 443)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise VoiceError(
            f"cannot reach {host} ({exc.strerror or type(exc).__name__}); connect to the network, "
            "or copy the .pt files into a folder on AUDIOBOOK_VOICE_PATH"
        ) from None


def _voice_cache() -> Path:
    return cache_root() / "voices"


def install_pack(src: Path, name: str, folder: Path | None = None) -> Path:
    """Copy a downloaded pack into the voice cache after checking it against the catalogue's SHA-256."""
    info = catalogue_pkg.catalogue().get(name)
    if info is None or info.hub is None:
        raise VoiceError(f"not an official voice: {name}; see `audiobook voices list`")
    got = file_digest(src)
    if got != info.hub.sha256:
        raise VoiceError(
            f"{name}: the downloaded file {src} does not match its SHA-256 "
            f"(expected {info.hub.sha256[:12]}…, got {got[:12]}…); try again"
        )
    dest = folder or _voice_cache()
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{name}.pt"
    tmp = dest / f".{name}.{os.getpid()}.partial"
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def pull_voices(
    names: list[str], folder: Path | None = None, *, timeout: float = 10.0, no_network: bool = False
) -> list[Path]:
    """Download official packs into the voice cache, each checked against its SHA-256."""
    known = catalogue_pkg.catalogue()
    unknown = [n for n in names if n not in known or known[n].hub is None]
    if unknown:
        raise VoiceError(f"not an official voice: {', '.join(unknown)}; see `audiobook voices list`")
    dest = folder or _voice_cache()
    todo = []
    out = []
    for name in names:
        hub = known[name].hub
        target = dest / f"{name}.pt"
        if (
            hub is not None
            and target.is_file()
            and target.stat().st_size == hub.size
            and file_digest(target) == hub.sha256
        ):
            out.append(target)
        else:
            todo.append(name)
    if not todo:
        return out
    if offline(no_network):
        raise VoiceError(
            f"offline mode is on (--offline, AUDIOBOOK_OFFLINE or HF_HUB_OFFLINE); cannot download {', '.join(todo)}"
        )
    from huggingface_hub import hf_hub_download

    _check_reachable(timeout)
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    for name in todo:
        hub = known[name].hub
        if hub is None:
            continue
        try:
            got = Path(hf_hub_download(repo_id=hub.repo, filename=hub.file, etag_timeout=timeout))
        except Exception as exc:  # the hub client raises many network error types
            raise VoiceError(
                f"cannot download {name} from {hub.repo} at {hub_endpoint()} ({type(exc).__name__}); check the network"
            ) from exc
        out.append(install_pack(got, name, dest))
    return out
