"""Downloading official voice packs from the Hugging Face hub, on request only."""

from __future__ import annotations

import logging
import os
import shutil
import socket
from pathlib import Path

import voices as catalogue_pkg

from .errors import VoiceError
from .modelfiles import cache_root, file_digest

__all__ = ["pull_voices", "offline"]

log = logging.getLogger(__name__)


def offline() -> bool:
    """Whether network access is forbidden (``$AUDIOBOOK_OFFLINE`` or ``$HF_HUB_OFFLINE``)."""
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("AUDIOBOOK_OFFLINE", "HF_HUB_OFFLINE"))


HUB_HOST = "huggingface.co"
"""Where official packs are downloaded from."""


def _check_reachable(timeout: float = 5.0) -> None:
    # The hub client retries for half a minute before it gives up; one short probe says more.
    try:
        socket.create_connection((HUB_HOST, 443), timeout=timeout).close()
    except OSError as exc:
        raise VoiceError(
            f"cannot reach {HUB_HOST} ({exc.strerror or type(exc).__name__}); connect to the network, "
            "or copy the .pt files into a folder on AUDIOBOOK_VOICE_PATH"
        ) from None


def pull_voices(names: list[str], folder: Path | None = None) -> list[Path]:
    """Download official packs into the voice cache, each checked against its SHA-256."""
    known = catalogue_pkg.catalogue()
    unknown = [n for n in names if n not in known or known[n].hub is None]
    if unknown:
        raise VoiceError(f"not an official voice: {', '.join(unknown)}; see `audiobook voices list`")
    if offline():
        raise VoiceError("offline mode is on (AUDIOBOOK_OFFLINE/HF_HUB_OFFLINE); cannot download voices")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise VoiceError("downloading voices needs huggingface_hub: pip install 'audiobook[hub]'") from None
    _check_reachable()
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    dest = folder or cache_root() / "voices"
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        hub = known[name].hub
        if hub is None:
            continue
        target = dest / f"{name}.pt"
        if target.is_file() and file_digest(target) == hub.sha256:
            out.append(target)
            continue
        try:
            got = Path(hf_hub_download(repo_id=hub.repo, filename=hub.file, etag_timeout=10))
        except Exception as exc:  # the hub client raises many network error types
            raise VoiceError(f"cannot download {name} from {hub.repo} ({type(exc).__name__}); check the network") from exc
        if file_digest(got) != hub.sha256:
            raise VoiceError(f"{name}: downloaded file does not match its SHA-256; try again")
        tmp = target.with_suffix(".partial")
        shutil.copyfile(got, tmp)
        os.replace(tmp, target)
        out.append(target)
    return out
