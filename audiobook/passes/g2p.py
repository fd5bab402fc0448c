"""G2P: text to phonemes in Kokoro's vocabulary.

English words come from the dictionaries the model was trained on (``g2p_en``); everything else goes
to espeak-ng (through phonemizer), and its output is mapped onto Kokoro's vocabulary. espeak-ng
comes from the ``espeakng-loader`` wheel, so nothing has to be installed on the system.
Kokoro was trained on misaki's phoneme style, which differs from espeak's output in known ways
(two-letter diphthongs, tie bars, ``ɚ``, ``r``...); ``to_vocab`` rewrites espeak output into that
style and reports every symbol it still has to drop.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace

import espeakng_loader
from phonemizer.backend import EspeakBackend
from phonemizer.backend.espeak.wrapper import EspeakWrapper

from audiobook.diagnostics import Reporter
from audiobook.model import Book, Chapter, Phonemes, Segment, Speech
from audiobook.normalize.english import prepare_for_espeak
from audiobook.passes.g2p_en import phonemize_words
from audiobook.passes.sentences import abbreviations
from audiobook.vocab import VOCAB, known_voice, to_vocab

__all__ = [
    "G2P_CHOICES",
    "espeak_voice",
    "phonemize",
    "phonemize_book",
    "phonemize_english",
    "phonemize_many",
]

log = logging.getLogger(__name__)

# phonemizer warns on every batch about word-count mismatches and language switches; neither is
# actionable here, and what the pipeline loses is reported through the Reporter instead.
_espeak_log = logging.getLogger(__name__ + ".espeak")
_espeak_log.setLevel(logging.ERROR)

_FULLWIDTH = str.maketrans(
    {"。": ". ", "，": ", ", "、": ", ", "！": "! ", "？": "? ", "；": "; ", "：": ": ", "（": " (", "）": ") "}
)
_SPACES = re.compile(r"\s+")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SUFFIX = re.compile(r"^(?:['\u2019]s|e?s)(?![\w'\u2019])")
"""A possessive or plural ending written onto the segment before it (``<i lang="la">anno</i>'s``)."""
_SIBILANTS = frozenset("szʃʒʧʤʦʣ")
_VOICELESS = frozenset("ptkfθxχç")


@functools.lru_cache(maxsize=1)
def _load_espeak() -> None:
    # espeak-ng from the wheel, once per process, before the first backend is made.
    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())


@functools.lru_cache(maxsize=1)
def _espeak_languages() -> frozenset[str]:
    _load_espeak()
    return frozenset(EspeakBackend.supported_languages())


def espeak_voice(lang: str) -> str | None:
    """The espeak-ng voice for a BCP-47 tag, or ``None`` when espeak has none."""
    found = known_voice(lang)
    if found is not None:
        return found
    tag = lang.strip().lower().replace("_", "-")
    known = _espeak_languages()
    for key in (tag, tag.split("-")[0]):
        if key in known:
            return key
    return None


@functools.cache
def _backend(voice: str) -> EspeakBackend:
    _load_espeak()
    # Tie bars mark which letter pairs espeak means as one sound, so that to_vocab merges
    # diphthongs and affricates without touching two vowels that merely stand side by side.
    return EspeakBackend(
        voice,
        preserve_punctuation=True,
        with_stress=True,
        tie=True,
        language_switch="remove-flags",
        logger=_espeak_log,
    )


def _prepare(text: str, voice: str) -> str:
    """Text as espeak should see it: no newlines, no sentence-final period after abbreviations."""
    # Full-width marks are not in phonemizer's punctuation list; as ASCII they shape prosody.
    text = _SPACES.sub(" ", text.translate(_FULLWIDTH)).strip()
    if not voice.startswith("en"):
        return text
    # Text that skipped the normalize stage still must not lose words around a decimal point or
    # hear a sentence end after "Mr."; the rule lives with the other normalization rules.
    return prepare_for_espeak(text, abbreviations("en"))


def phonemize_many(texts: list[str], lang: str) -> list[str]:
    """espeak-ng phonemes (with tie bars) for each text, in one batch; blank texts give ``""``."""
    voice = espeak_voice(lang)
    if voice is None:
        raise ValueError(f"espeak-ng has no voice for language {lang!r}")
    prepared = [_prepare(t, voice) for t in texts]
    todo = [i for i, t in enumerate(prepared) if t]
    out = [""] * len(texts)
    if not todo:
        return out
    backend = _backend(voice)
    batch = [prepared[i] for i in todo]
    result = backend.phonemize(batch, strip=True, njobs=1)
    if len(result) != len(batch):
        # phonemizer drops items that phonemize to nothing; redo one by one to stay aligned.
        result = [(backend.phonemize([t], strip=True, njobs=1) or [""])[0] for t in batch]
    for i, ph in zip(todo, result):
        out[i] = ph
    return out


def phonemize(text: str, lang: str) -> str:
    """espeak-ng phonemes (with tie bars) for one text; see ``to_vocab`` for Kokoro's form."""
    return phonemize_many([text], lang)[0]


def _speakable(ph: str) -> bool:
    return any(ch.isalpha() for ch in ph)


G2P_CHOICES = ("lexicon", "espeak")
"""English G2P: the training lexicon with espeak-ng for the words it lacks, or espeak-ng alone."""


def phonemize_english(
    texts: list[str], lang: str, reporter: Reporter, wheres: list[str | None] | None = None
) -> list[str]:
    """English texts through the training lexicon, espeak-ng (mapped by ``to_vocab``) for what it lacks.

    ``wheres`` (one per text) is where a dropped symbol is reported.
    """

    def fallback(pieces: list[tuple[str, int]]) -> list[str]:
        raw = phonemize_many([piece for piece, _ in pieces], lang)
        return [to_vocab(ph, lang, reporter, wheres[first] if wheres else None) for ph, (_, first) in zip(raw, pieces)]

    return phonemize_words(texts, espeak_voice(lang) == "en-gb", fallback)


def phonemize_book(book: Book, reporter: Reporter, default_lang: str | None = None, g2p: str = "lexicon") -> Book:
    """Replace every ``Speech`` with ``Phonemes`` in Kokoro's vocabulary; overrides are only checked.

    ``g2p="lexicon"`` reads English words from the dictionaries Kokoro was trained on (espeak-ng
    for the rest); ``"espeak"`` sends every text to espeak-ng and maps its output.
    """
    if g2p not in G2P_CHOICES:
        raise ValueError(f"unknown G2P {g2p!r}; use one of {', '.join(G2P_CHOICES)}")
    default = default_lang or book.meta.language
    if espeak_voice(default) is None:
        reporter.report("no-g2p", f"no espeak-ng voice for the book's language {default!r}; using en-us")
        default = "en-us"

    # Collect every text first so that each language is phonemized in one batch.
    todo: dict[str, list[tuple[int, int, int]]] = {}
    texts: dict[tuple[int, int, int], str] = {}
    endings: dict[tuple[int, int, int], tuple[str, bool]] = {}
    said: set[str] = set()
    for ci, ch in enumerate(book.chapters):
        for bi, block in enumerate(ch.blocks):
            for si, seg in enumerate(block.segments):
                where = _where(seg, ch)
                if isinstance(seg, Phonemes) and seg.override:
                    _check_override(seg, reporter, where)
                if not isinstance(seg, Speech):
                    continue
                lang = _lang_for(seg.ctx.lang or default, default, reporter, said)
                ending = _SUFFIX.match(seg.text) if si and (espeak_voice(lang) or "").startswith("en") else None
                if ending and isinstance(block.segments[si - 1], (Speech, Phonemes)):
                    # "anno" (Latin) + "'s last day": the ending is said onto the word before it.
                    endings[(ci, bi, si)] = (ending.group(), espeak_voice(lang) == "en-gb")
                    if not seg.text[ending.end() :].strip():
                        continue
                    seg = replace(seg, text=seg.text[ending.end() :].strip())
                if lang.lower().startswith("ja") and _KANJI.search(seg.text):
                    reporter.report(
                        "no-g2p",
                        f"Japanese text with kanji needs a Japanese reader that is not installed "
                        f"(pyopenjtalk); not spoken: '{_clip(seg.text)}'",
                        where,
                    )
                    continue
                todo.setdefault(lang, []).append((ci, bi, si))
                texts[(ci, bi, si)] = seg.text

    done: dict[tuple[int, int, int], str] = {}
    for lang, keys in todo.items():
        wheres = [_where(book.chapters[ci].blocks[bi].segments[si], book.chapters[ci]) for ci, bi, si in keys]
        if g2p == "lexicon" and (espeak_voice(lang) or "") in ("en-us", "en-gb"):
            done.update(zip(keys, phonemize_english([texts[k] for k in keys], lang, reporter, wheres)))
            continue
        raw = phonemize_many([texts[k] for k in keys], lang)
        for key, ph, where in zip(keys, raw, wheres):
            done[key] = to_vocab(ph, lang, reporter, where)

    chapters = []
    for ci, ch in enumerate(book.chapters):
        blocks = []
        for bi, block in enumerate(ch.blocks):
            segs: list[Segment] = []
            last = -1  # the segment segs[-1] was made from
            for si, seg in enumerate(block.segments):
                if not isinstance(seg, Speech):
                    segs.append(seg)
                    last = si
                    continue
                if (ci, bi, si) in endings:
                    ending, british = endings[(ci, bi, si)]
                    before = segs[-1] if last == si - 1 else None
                    if isinstance(before, Phonemes):
                        segs[-1] = replace(before, ph=before.ph + _ending(before.ph, british), text=before.text + ending)
                    else:
                        segs.append(Phonemes(_ending("", british), ending, seg.ctx, seg.source))
                    seg = replace(seg, text=seg.text[len(ending) :].strip())
                mapped = done.get((ci, bi, si))
                if mapped is None:
                    continue  # reported above
                if not _speakable(mapped):
                    log.debug("nothing to speak in %r", seg.text)
                    continue
                segs.append(Phonemes(mapped, seg.text, seg.ctx, seg.source, written=seg.written))
                last = si
            blocks.append(replace(block, segments=tuple(segs)))
        chapters.append(replace(ch, blocks=tuple(blocks)))
    return replace(book, chapters=tuple(chapters))


def _ending(ph: str, british: bool) -> str:
    """The English possessive or plural ending after ``ph``: "ɪz" after a hiss, "s" after a voiceless sound, else "z"."""
    last = next((ch for ch in reversed(ph) if ch.isalpha()), "")
    if last in _SIBILANTS:
        return "ɪz" if british else "ᵻz"
    return "s" if last in _VOICELESS else "z"


def _lang_for(lang: str, default: str, reporter: Reporter, said: set[str]) -> str:
    voice = espeak_voice(lang)
    if voice is None:
        if lang not in said:
            said.add(lang)
            reporter.report("no-g2p", f"no espeak-ng voice for language {lang!r}; read as {default!r}")
        return default
    if voice == "cmn" and lang not in said:
        said.add(lang)
        reporter.report(
            "g2p-approximate",
            f"language {lang!r} is phonemized by espeak-ng without tones, not in Kokoro's Mandarin style",
        )
    return lang


def _check_override(seg: Phonemes, reporter: Reporter, where: str | None) -> None:
    for ch in sorted({c for c in seg.ph if c not in VOCAB}):
        reporter.report(
            "phoneme-dropped",
            f"phoneme {ch!r} (U+{ord(ch):04X}) in the pronunciation of '{_clip(seg.text)}' "
            f"is not in Kokoro's vocabulary; it will be dropped",
            where,
        )


def _where(seg: Segment, ch: Chapter) -> str | None:
    source = getattr(seg, "source", None)
    return source or ch.source or (f"chapter '{ch.title}'" if ch.title else None)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"

