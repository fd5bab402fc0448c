"""``audiobook voices``: the catalogue as a table, and downloads of official packs."""

from __future__ import annotations

import logging
from pathlib import Path

from audiobook.errors import InputError
from voices import catalogue as catalogue_pkg
from voices.choice import default_voice, same_language
from voices.hub import pull_voices
from voices.packs import VoiceLibrary

__all__ = ["pull", "voice_table"]

log = logging.getLogger(__name__)


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB"


def voice_table(
    library: VoiceLibrary, lang: str | None = None, gender: str | None = None
) -> list[str]:
    """Lines listing the default voice and why, the catalogued voices (on disk or not) and presets."""
    default, why = default_voice(library)
    on_disk = library.available()
    lines = [f"default voice: {default} ({why})", f"{'name':16} {'language':8} {'gender':7} where"]
    shown = 0
    for name, info in catalogue_pkg.catalogue().items():
        if lang and not (same_language(info.language, lang) and ("-" not in lang or info.language == lang.lower())):
            continue
        if gender and info.gender != gender:
            continue
        where = on_disk.get(name)
        if where is None:
            size = f", {_size(info.hub.size)}" if info.hub else ""
            where = f"not on disk (audiobook voices pull {name}{size})"
        mark = "*" if name == default else " "
        lines.append(f"{name:15}{mark} {info.language:8} {info.gender:7} {where}")
        shown += 1
    if not (lang or gender):
        for name in sorted(set(on_disk) - set(catalogue_pkg.catalogue())):
            lines.append(f"{name:16} {'?':8} {'?':7} {on_disk[name]}")
        for name, spec in catalogue_pkg.presets().items():
            lines.append(f"preset {name}: {spec}")
    elif not shown:
        lines.append("(no catalogued voice matches)")
    return lines


def pull(names: list[str], every: bool, no_network: bool = False, folder: Path | None = None) -> list[Path]:
    """Download the named official packs (or all of them) into the voice cache."""
    if every:
        names = [n for n, info in catalogue_pkg.catalogue().items() if info.hub is not None]
    if not names:
        raise InputError("name the voices to download, or pass --all")
    return pull_voices(names, folder, no_network=no_network)
