"""Pronunciation lexicons: words read the way the user (or the project) says they are.

Three file forms, chosen by extension:

- ``.tsv`` / ``.txt``: ``word<TAB>/IPA/`` (slashes mark IPA) or ``word<TAB>respelling``;
- ``.toml``: ``word = "IPA"``, or ``word = { say = "respelling" }``;
- ``.pls`` / ``.xml``: W3C PLS 1.0 (``<phoneme>`` in IPA or X-SAMPA, ``<alias>``).

An IPA entry becomes a ``Phonemes`` override (mapped onto Kokoro's phoneme style); a respelling
replaces the text before G2P. A lowercase entry matches any case; one with capitals matches its
own case first. The project's own lexicon (``data/lexicon_en.tsv``) holds names espeak-ng gets
wrong and applies to English text after the user's lexicons.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import replace
from importlib import resources
from pathlib import Path

from audiobook.diagnostics import Reporter
from audiobook.errors import InputError
from audiobook.model import Phonemes, Segment, Speech
from ssml.lexicon import Lexicon, Pronunciation, parse_lexicon, split_text

__all__ = ["Lexicon", "apply_lexicons", "load_lexicon", "parse_tsv", "shipped_lexicon"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def parse_tsv(text: str, source: str) -> Lexicon:
    """A lexicon from ``word<TAB>/IPA/`` and ``word<TAB>respelling`` lines (``#`` starts a comment)."""
    lexicon = Lexicon(source=source)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
            raise InputError(
                "a lexicon line is 'word<TAB>/IPA/' or 'word<TAB>respelling'; this one has no tab-separated reading",
                source,
                number,
            )
        lexicon.add(parts[0].strip(), _reading(parts[1].strip()))
    return lexicon


def _reading(value: str) -> Pronunciation:
    if len(value) > 2 and value[0] == "/" and value[-1] == "/":
        return Pronunciation(ph=value[1:-1].replace(" ", ""))
    return Pronunciation(alias=value)


def _parse_toml(text: str, source: str) -> Lexicon:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}; write entries as word = \"IPA\"", source) from None
    lexicon = Lexicon(source=source)
    for word, value in data.items():
        if isinstance(value, str):
            lexicon.add(word, Pronunciation(ph=value.strip("/").replace(" ", "")))
        elif isinstance(value, dict) and isinstance(value.get("say"), str):
            lexicon.add(word, Pronunciation(alias=value["say"]))
        elif isinstance(value, dict) and isinstance(value.get("ipa"), str):
            lexicon.add(word, Pronunciation(ph=value["ipa"].strip("/").replace(" ", "")))
        else:
            raise InputError(f"entry {word!r} is neither \"IPA\" nor {{ say = \"respelling\" }}", source)
    return lexicon


def load_lexicon(path: Path, reporter: Reporter | None = None) -> Lexicon:
    """Read one lexicon file; its form is chosen by its extension."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the lexicon: {exc.strerror}; check the --lexicon path", source) from None
    suffix = path.suffix.lower()
    if suffix in (".pls", ".xml"):
        from ssml.items import SSMLError

        def warn(diagnostic: object) -> None:
            if reporter is not None:
                reporter.report("lexicon-entry", str(diagnostic), source)

        try:
            return parse_lexicon(data, source=source, warn=warn)  # type: ignore[arg-type]
        except SSMLError as exc:
            raise InputError(str(exc), source) from None
    text = data.decode("utf-8-sig", errors="replace")
    if suffix == ".toml":
        return _parse_toml(text, source)
    return parse_tsv(text, source)


@functools.cache
def shipped_lexicon() -> Lexicon:
    """The project's English lexicon: names espeak-ng reads wrongly."""
    path = resources.files("audiobook") / "data" / "lexicon_en.tsv"
    return parse_tsv(path.read_text(encoding="utf-8"), "audiobook/data/lexicon_en.tsv")


_cache: dict[Path, Lexicon] = {}


def lexicons_for(paths: tuple[Path, ...], reporter: Reporter | None = None) -> list[Lexicon]:
    """The lexicons at ``paths``, each read once per process."""
    out = []
    for path in paths:
        key = path.resolve()
        if key not in _cache:
            _cache[key] = load_lexicon(path, reporter)
        out.append(_cache[key])
    return out


def apply_lexicons(seg: Speech, lexicons: list[Lexicon], lang: str, reporter: Reporter) -> list[Segment]:
    """``seg`` with lexicon words replaced: respellings in its text, IPA as ``Phonemes`` overrides."""
    if not lexicons:
        return [seg]
    pieces = split_text(seg.text, lexicons)
    if len(pieces) == 1 and isinstance(pieces[0], str):
        return [seg]
    from audiobook.vocab import to_vocab

    out: list[Segment] = []
    text = ""
    for piece in pieces:
        if isinstance(piece, str):
            text += piece
            continue
        written, pron = piece
        if pron.alias is not None:
            text += pron.alias
            continue
        if text.strip():
            out.append(replace(seg, text=text))
        text = ""
        # Lexicon IPA is written in ordinary IPA ("eɪ", "oʊ"); the same mapping as espeak's output
        # puts it in Kokoro's style, and symbols it still lacks are reported there.
        ph = to_vocab(pron.ph or "", lang, reporter, seg.source)
        out.append(Phonemes(ph, written, seg.ctx, seg.source, override=True))
    if text.strip():
        out.append(replace(seg, text=text))
    return out
