"""A standalone SSML 1.1 library: safe parsing, value grammars and lowering into items.

>>> from ssml import lower
>>> lower('<speak>Hello<break time="500ms"/>world</speak>')[0][1]
Pause(ms=500, kind='explicit')
"""

from __future__ import annotations

from .capabilities import CAPABILITIES, Capability, attribute_support, format_table
from .items import (
    AudioRef,
    Bookmark,
    Ctx,
    Diagnostic,
    Item,
    Pause,
    Phoneme,
    SSMLError,
    Text,
    VoiceQuery,
)
from .lexicon import Lexicon, Pronunciation, parse_lexicon, read_lexicon
from .lower import lower
from .parse import SSML_NS, Document, parse, safe_parser
from .values import DEFAULT_STRENGTHS, parse_pitch, parse_rate, parse_time, parse_volume
from .xsampa import xsampa_to_ipa

__all__ = [
    "SSMLError",
    "safe_parser",
    "Diagnostic",
    "Ctx",
    "VoiceQuery",
    "Text",
    "Phoneme",
    "Pause",
    "AudioRef",
    "Bookmark",
    "Item",
    "Document",
    "SSML_NS",
    "DEFAULT_STRENGTHS",
    "lower",
    "parse",
    "parse_time",
    "parse_rate",
    "parse_pitch",
    "parse_volume",
    "xsampa_to_ipa",
    "Lexicon",
    "Pronunciation",
    "parse_lexicon",
    "read_lexicon",
    "Capability",
    "CAPABILITIES",
    "attribute_support",
    "format_table",
]
