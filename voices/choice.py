"""Choosing a voice by language and gender, and telling which language a voice speaks.

The catalogue knows the language of every official voice; a pack of the user's own is placed by
the official naming convention when its name follows it (``af_mine``: American English, female).
Languages match on their primary subtag (``en-us`` and ``en-gb`` are both English), and a voice of
the exact region is preferred.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from audiobook.errors import VoiceError
from audiobook.model import VoiceRequest
from voices import catalogue as catalogue_pkg
from voices.packs import (
    DEFAULT_VOICE,
    FALLBACK_VOICE,
    PACK_SUFFIXES,
    VoiceLibrary,
    parse_blend,
)

__all__ = [
    "choose_voice",
    "default_voice",
    "is_spec",
    "matching_voice",
    "primary_language",
    "resolve_request",
    "run_voice",
    "same_language",
    "voice_gender",
    "voice_language",
]

log = logging.getLogger(__name__)

# The official naming convention: first letter the language, second the gender.
_LETTERS = {
    "a": "en-us",
    "b": "en-gb",
    "e": "es",
    "f": "fr-fr",
    "h": "hi",
    "i": "it",
    "j": "ja",
    "p": "pt-br",
    "z": "zh",
}
_CONVENTION = re.compile(r"^([abefhijpz])([fm])_\w+$")
# Tags that name the same language under another primary subtag.
_ALIASES = {
    "cmn": "zh",
    "yue": "zh",
    "jpn": "ja",
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "ita": "it",
    "por": "pt",
    "hin": "hi",
}


def primary_language(tag: str) -> str:
    """The primary subtag of a BCP-47 tag, lower case, with aliases folded (``cmn`` → ``zh``)."""
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return _ALIASES.get(primary, primary)


def same_language(a: str, b: str) -> bool:
    """Whether two tags name the same language (regions aside)."""
    return primary_language(a) == primary_language(b)


def _single_name(spec: str) -> str:
    """The voice that dominates a spec: the heaviest part of a blend, the stem of a file."""
    spec = catalogue_pkg.presets().get(spec.strip(), spec.strip())
    try:
        parts = parse_blend(spec)
    except VoiceError:
        parts = [(spec, 1.0)]
    name = max(parts, key=lambda p: p[1])[0] if parts else spec
    path = Path(name)
    return path.stem if path.suffix else name


def voice_language(spec: str) -> str | None:
    """The language a voice (name, preset, blend or file) was trained on, or ``None`` if unknown."""
    name = _single_name(spec)
    info = catalogue_pkg.catalogue().get(name)
    if info is not None:
        return info.language
    m = _CONVENTION.match(name)
    return _LETTERS[m.group(1)] if m else None


def voice_gender(spec: str) -> str | None:
    """``female`` or ``male`` for a catalogued or conventionally named voice, else ``None``."""
    name = _single_name(spec)
    info = catalogue_pkg.catalogue().get(name)
    if info is not None:
        return info.gender
    m = _CONVENTION.match(name)
    return {"f": "female", "m": "male"}[m.group(2)] if m else None


def _candidates(library: VoiceLibrary, available_only: bool) -> list[str]:
    names = list(catalogue_pkg.catalogue())
    if available_only:
        on_disk = library.available()
        names = [n for n in names if n in on_disk] + [n for n in on_disk if n not in names]
    return names


def choose_voice(
    language: str | None = None,
    gender: str | None = None,
    available_only: bool = True,
    *,
    library: VoiceLibrary | None = None,
) -> str | None:
    """The best voice for a language and gender, or ``None`` when no voice fits.

    ``language`` is a BCP-47 tag (``None``: any); ``gender`` is ``female`` or ``male`` (anything
    else, such as SSML's ``neutral``, places no condition). With ``available_only`` only voices
    that load without a download are considered. Preference: the catalogue's default voice for
    the exact language and gender, then any voice of the exact language, then of the same
    primary language, in catalogue order.
    """
    gender = gender.lower() if gender and gender.lower() in ("female", "male") else None
    library = library or VoiceLibrary()
    defaults = catalogue_pkg.language_defaults()
    ranked: list[tuple[tuple[int, int, int], str]] = []
    for order, name in enumerate(_candidates(library, available_only)):
        lang = voice_language(name)
        if language is not None and (lang is None or not same_language(lang, language)):
            continue
        sex = voice_gender(name)
        if gender is not None and sex != gender:
            continue
        exact = (
            language is None
            or (lang or "").lower() == language.lower()
            or ("-" not in language and lang is not None and _is_main_region(lang))
        )
        preferred = lang is not None and name in defaults.get(lang, {}).values()
        ranked.append(((0 if exact else 1, 0 if preferred else 1, order), name))
    if not ranked:
        return None
    return min(ranked)[1]


def _is_main_region(lang: str) -> bool:
    # A bare "en" or "pt" asks for no region: prefer the one the catalogue holds most voices of.
    return lang.lower() in ("en-us", "pt-br", "fr-fr")


def matching_voice(current: str, language: str, library: VoiceLibrary) -> str | None:
    """A voice of ``language`` to use instead of ``current``, or ``None`` to keep ``current``.

    ``current`` is kept when it already speaks the language, when its language is unknown (a
    pack of the user's own), or when no voice of the language can be loaded without a download.
    The replacement has the same gender as ``current`` where one is on disk.
    """
    own = voice_language(current)
    if own is None or same_language(own, language):
        return None
    found = choose_voice(language, voice_gender(current), library=library) or choose_voice(language, library=library)
    if found is not None:
        log.info("voice %s speaks %s; %s reads %s instead", current, own, found, language)
    return found


def is_spec(name: str) -> bool:
    """Whether ``name`` is a blend or a pack file, which need no catalogue to be chosen."""
    return "+" in name or ":" in name or "/" in name or Path(name).suffix.lower() in PACK_SUFFIXES


def _described(query: VoiceRequest, library: VoiceLibrary) -> tuple[str | None, str | None]:
    """The voice that fits a request's gender, languages and variant, and what had to be relaxed."""
    gender = query.gender if query.gender in ("female", "male") else None
    first: str | None = None
    relaxed: str | None = None
    chosen_lang: str | None = None
    for lang in query.languages or (None,):  # type: ignore[arg-type]
        first = choose_voice(lang, gender, library=library)
        if first is not None:
            chosen_lang = lang
            break
    if first is None and gender is not None and query.languages:
        for lang in query.languages:
            first = choose_voice(lang, None, library=library)
            if first is not None:
                chosen_lang = lang
                relaxed = f"no {gender} voice of {lang} is on disk"
                break
    if first is None and query.languages:
        first = choose_voice(None, gender, library=library)
        relaxed = f"no voice of {' or '.join(query.languages)} is on disk"
    if first is None or not query.variant or query.variant == 1:
        return first, relaxed
    # The n-th variant: the best match first, then the others that fit (exact region first).
    others: list[tuple[int, str]] = []
    for name in library.available():
        lang = voice_language(name)
        if name == first or lang is None:
            continue
        if chosen_lang is not None and not same_language(lang, chosen_lang):
            continue
        if gender is not None and relaxed is None and voice_gender(name) != gender:
            continue
        others.append((0 if chosen_lang is None or lang == chosen_lang else 1, name))
    ranked = [first] + [name for _, name in sorted(others)]
    return ranked[(query.variant - 1) % len(ranked)], relaxed


def _resolve(query: VoiceRequest, library: VoiceLibrary, lang: str | None = None) -> tuple[str | None, str | None]:
    missing = []
    presets = catalogue_pkg.presets()
    for name in query.names:
        if is_spec(name) or name in presets or library.has(name):
            return name, None
        missing.append(name)
    problem = f"none of the voices {', '.join(missing)} is on disk" if missing else None
    if missing and not (query.gender or query.languages or query.variant):
        # SSML 1.1 priority selection: with no name on disk, the other features choose, and the
        # language in scope is one of them. A conventional name still says its gender and accent.
        implied = voice_language(missing[0])
        langs = [x for x in (implied if implied and lang and same_language(implied, lang) else None, lang) if x]
        query = VoiceRequest(gender=voice_gender(missing[0]), languages=tuple(dict.fromkeys(langs)))
    if query.gender or query.languages or query.variant:
        found, relaxed = _described(query, library)
        if found is not None:
            notes = [n for n in (problem, relaxed) if n]
            return found, f"{'; '.join(notes)}; {found} chosen" if notes else None
    return None, f"{problem or 'no voice on disk fits it'}; the voice outside the element is kept"


def resolve_request(
    query: VoiceRequest, library: VoiceLibrary, lang: str | None = None
) -> tuple[str | None, str | None]:
    """The voice that answers a request and, when it could not be met as written, why.

    A list of names gives the first on disk; a description (gender, languages, variant) picks
    among the catalogued voices on disk; names none of which is on disk fall back, as SSML 1.1's
    priority selection does, to the best voice for ``lang`` (the language in scope) and the gender
    the name implies; when nothing fits, the voice outside the element stays.
    """
    found, problem = _resolve(query, library, lang)
    if found is not None:
        return found, problem
    outer = query.outer_request
    while outer is not None:
        found, _ = _resolve(outer, library)
        if found is not None:
            return found, problem
        if outer.outer_request is None:
            return outer.outer, problem
        outer = outer.outer_request
    return query.outer, problem


def default_voice(library: VoiceLibrary) -> tuple[str, str]:
    """The voice used when nothing names one, and why: ``af_heart``, which ships with the package.

    Only an install whose copy of it is missing or damaged falls back to the embedded ``jf_alpha``.
    """
    where = library.available().get(DEFAULT_VOICE)
    if where == "embedded":
        return DEFAULT_VOICE, "ships with audiobook"
    if where is not None:
        return DEFAULT_VOICE, f"{DEFAULT_VOICE} is on disk"
    return FALLBACK_VOICE, (
        f"{DEFAULT_VOICE} is not on disk (the package's copy is missing or damaged; reinstall audiobook "
        f"or run `audiobook voices pull {DEFAULT_VOICE}`); using the embedded {FALLBACK_VOICE}"
    )


def run_voice(asked: str | None, document: str | None, library: VoiceLibrary) -> tuple[str, str]:
    """The voice a run speaks with where nothing else is asked, and why.

    ``--voice`` wins, then the voice the document names, then the default voice.
    """
    if asked:
        return asked, "asked for with --voice"
    if document:
        return document, "named by the document"
    return default_voice(library)
