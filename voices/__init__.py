"""Voices: the catalogue, the packs on disk, blends, choosing a voice, and downloads.

- ``catalogue``: which voices exist (language, gender, SHA-256, where each pack comes from) and
  the named presets; ``catalogue.json`` is its data.
- ``packs``: finding, checking and loading packs (``.pt`` without PyTorch, ``.npy``, ``.npz``,
  ``.bin``), and blends.
- ``choice``: the one place a voice is chosen: the run's voice, a ``<voice>`` request, and a
  voice for text in another language.
- ``hub``: downloads of official packs, checked by SHA-256 (on request only).
- ``table``: what ``audiobook voices`` prints.

The most used English packs ship in ``packs/`` (Apache-2.0, see ``packs/NOTICE``), so the default
voice ``af_heart`` works offline.
"""

from __future__ import annotations

from voices.catalogue import HUB_REPO, VoiceInfo, language_defaults, presets
from voices.packs import DEFAULT_VOICE, FALLBACK_VOICE, VoiceLibrary, VoicePack

# ``voices.catalogue`` is the module (its function is ``voices.catalogue.catalogue()``).

__all__ = [
    "DEFAULT_VOICE",
    "FALLBACK_VOICE",
    "HUB_REPO",
    "VoiceInfo",
    "VoiceLibrary",
    "VoicePack",
    "catalogue",
    "choice",
    "hub",
    "packs",
    "table",
    "language_defaults",
    "presets",
]
