"""The voice catalogue the project ships: which voices exist, their language and gender, where
their packs come from (shipped with the install, or downloadable with a SHA-256), and presets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["VoiceInfo", "HubFile", "Embedded", "catalogue", "presets", "language_defaults", "HUB_REPO"]

HUB_REPO = "hexgrad/Kokoro-82M"
"""The hub repository holding the official voice packs."""


@dataclass(frozen=True)
class HubFile:
    """Where an official pack is downloaded from."""

    repo: str
    """Hub repository (``hexgrad/Kokoro-82M``)."""
    file: str
    """Path inside the repository."""
    sha256: str
    """Digest of the file."""
    size: int
    """Size of the file in bytes."""


@dataclass(frozen=True)
class Embedded:
    """Where a pack that ships with the install lives."""

    package: str
    """Python package holding it."""
    file: str
    """Path of the ``.pt`` or ``.npz`` inside the package."""
    sha256: str
    """Digest of the ``.pt`` file, or of the ``.npz`` array's little-endian float32 bytes."""
    key: str | None = None
    """Array name inside the ``.npz``; ``None`` for a ``.pt`` file."""


@dataclass(frozen=True)
class VoiceInfo:
    """One catalogued voice."""

    name: str
    """Official name (``af_heart``): first letter the language, second the gender."""
    language: str
    """BCP-47 tag of the language it was trained on."""
    gender: str
    """``female`` or ``male``."""
    hub: HubFile | None = None
    """Download location, for official packs."""
    embedded: Embedded | None = None
    """Install location, for packs that always work offline."""


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads((resources.files("voices") / "catalogue.json").read_text(encoding="utf-8"))


def catalogue() -> dict[str, VoiceInfo]:
    """Every catalogued voice by name."""
    out = {}
    for v in _data()["voices"]:
        hub = HubFile(**v["hub"]) if v.get("hub") else None
        emb = Embedded(**v["embedded"]) if v.get("embedded") else None
        out[v["name"]] = VoiceInfo(v["name"], v["language"], v["gender"], hub, emb)
    return out


def presets() -> dict[str, str]:
    """Named blends: preset name → blend spec (``"a:0.6+b:0.4"``)."""
    return {name: p["blend"] for name, p in _data()["presets"].items()}


def language_defaults() -> dict[str, dict[str, str]]:
    """The voice preferred for each catalogue language and gender: language → gender → name."""
    return {lang: dict(by_gender) for lang, by_gender in _data().get("language_defaults", {}).items()}
