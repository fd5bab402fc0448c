"""What the lowering does with each SSML element and attribute: the table behind the warnings.

Lowering consults this table for every attribute it meets: an ``ignored`` attribute, or one the
table does not know, is reported where it stood, so nothing is dropped without a word.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUPPORTED", "PARTIAL", "IGNORED", "Capability", "CAPABILITIES", "attribute_support", "format_table"]

SUPPORTED = "supported"
"""Rendered as the specification says (for ``desc``/``meta``: never spoken, as it should be)."""
PARTIAL = "partial"
"""Rendered in part; the note says which part, and the rest is reported where it occurs."""
IGNORED = "ignored"
"""Not rendered; reported where it occurs (the text inside an ignored element is still read)."""


@dataclass(frozen=True)
class Capability:
    """One row of the table: an element, or one attribute of it."""

    element: str
    """Element name as written (``prosody``, ``mstts:silence``)."""
    attribute: str | None
    """Attribute name, or ``None`` for the element's own row."""
    support: str
    """``supported``, ``partial`` or ``ignored``."""
    note: str = ""
    """What is done, in a few words."""


S, P, I = SUPPORTED, PARTIAL, IGNORED

# fmt: off
CAPABILITIES: tuple[Capability, ...] = (
    Capability("speak", None, S, "the document; text outside it is recovered in lenient mode"),
    Capability("speak", "version", S, "no effect on the sound"),
    Capability("speak", "xml:lang", S, "the book's language"),
    Capability("speak", "xml:base", I, "relative files resolve against the document's folder"),
    Capability("speak", "xsi:schemaLocation", S, "no effect on the sound"),
    Capability("speak", "onlangfailure", I),
    Capability("p", None, S, "a paragraph: paragraph gap after it"),
    Capability("s", None, S, "a sentence: sentence gap after it"),
    Capability("token", None, S, "its text is read"),
    Capability("token", "role", I, "lexicon lookup by role"),
    Capability("w", None, S, "same as token"),
    Capability("w", "role", I, "lexicon lookup by role"),
    Capability("lang", None, S, "switches the language (G2P; the voice where the caller can)"),
    Capability("lang", "onlangfailure", I),
    Capability("break", None, S, "consecutive breaks add up; clamped to a maximum with a warning"),
    Capability("break", "time", S, "CSS2 times (3s, 250ms, .5s); wins over strength"),
    Capability("break", "strength", S, "none removes the gap that would stand there; others configurable"),
    Capability("prosody", None, S, "nested relative values compose"),
    Capability("prosody", "rate", S, "keywords, %, numbers; onto the model's speed, clamped to 0.5-2.0"),
    Capability("prosody", "volume", S, "keywords, dB, %, 0-100; applied as gain"),
    Capability("prosody", "pitch", P, "st, % and keywords as a pitch shift; Hz is reported"),
    Capability("prosody", "contour", P, "rendered as its mean pitch shift"),
    Capability("prosody", "range", I, "the model has no pitch-range control"),
    Capability("prosody", "duration", S, "the speed is fitted so the text takes that time"),
    Capability("emphasis", None, S, "strong: slower, louder, stressed; reduced: faster, softer"),
    Capability("emphasis", "level", S, "strong, moderate, reduced, none"),
    Capability("say-as", None, S, "text expanded by the normalize pass"),
    Capability("say-as", "interpret-as", P,
               "cardinal, ordinal, characters/spell-out, digits, date, time, telephone, fraction, "
               "unit, currency, verbatim, expletive (a beep); others read as written"),
    Capability("say-as", "format", S, "e.g. date formats mdy, dmy, ymd"),
    Capability("say-as", "detail", S, "passed to the normalize pass"),
    Capability("sub", None, S, "the alias is read"),
    Capability("sub", "alias", S),
    Capability("phoneme", None, S, "phonemes passed to the model"),
    Capability("phoneme", "ph", S),
    Capability("phoneme", "alphabet", P, "ipa and x-sampa; others read the text"),
    Capability("lexicon", None, S, "W3C PLS files beside the document; never fetched"),
    Capability("lexicon", "uri", P, "local files in the document's folder or below, as paths or file: URIs"),
    Capability("lexicon", "xml:id", S, "named for <lookup>; without it the lexicon applies everywhere"),
    Capability("lexicon", "type", S, "no effect"),
    Capability("lexicon", "fetchtimeout", I, "nothing is fetched"),
    Capability("lexicon", "maxage", I, "nothing is fetched"),
    Capability("lexicon", "maxstale", I, "nothing is fetched"),
    Capability("lookup", None, S, "applies the lexicon inside it"),
    Capability("lookup", "ref", S),
    Capability("voice", None, S, "the outer voice is restored when it closes"),
    Capability("voice", "name", S, "a name, a list in preference order, or a blend a:0.6+b:0.4"),
    Capability("voice", "gender", S, "chooses among the catalogued voices on disk"),
    Capability("voice", "languages", S, "chooses among the catalogued voices on disk"),
    Capability("voice", "variant", S, "the n-th matching voice"),
    Capability("voice", "age", I, "the catalogue does not know ages"),
    Capability("voice", "required", I),
    Capability("voice", "ordering", I),
    Capability("voice", "onvoicefailure", I, "always priority selection"),
    Capability("audio", None, S, "local file inserted; fallback content spoken when it is missing"),
    Capability("audio", "src", P, "local files only; never fetched"),
    Capability("audio", "soundLevel", S, "gain in dB"),
    Capability("audio", "clipBegin", I),
    Capability("audio", "clipEnd", I),
    Capability("audio", "repeatCount", I),
    Capability("audio", "repeatDur", I),
    Capability("audio", "speed", I),
    Capability("audio", "fetchtimeout", I, "nothing is fetched"),
    Capability("audio", "fetchhint", I, "nothing is fetched"),
    Capability("audio", "maxage", I, "nothing is fetched"),
    Capability("audio", "maxstale", I, "nothing is fetched"),
    Capability("mark", None, S, "kept with its time in the timing output, between the words it stands between"),
    Capability("mark", "name", S),
    Capability("desc", None, S, "never spoken"),
    Capability("meta", None, S, "never spoken; title, author, description become tags"),
    Capability("meta", "name", S),
    Capability("meta", "content", S),
    Capability("meta", "http-equiv", S, "no effect"),
    Capability("metadata", None, S, "never spoken"),
    Capability("par", None, P, "children read one after another, not together"),
    Capability("seq", None, S, "children read in order"),
    Capability("media", None, P, "its content is read; timing attributes are reported"),
    Capability("media", "begin", I, "read in document order"),
    Capability("media", "end", I),
    Capability("media", "repeatCount", I),
    Capability("media", "repeatDur", I),
    Capability("media", "soundLevel", I),
    Capability("media", "fadeInDur", I),
    Capability("media", "fadeOutDur", I),
    Capability("mstts:silence", None, P, "Leading and Tailing become pauses; other types reported"),
    Capability("mstts:silence", "type", P),
    Capability("mstts:silence", "value", S),
    Capability("amazon:*, mstts:*, other vendors", None, I, "their text is read, their markup never"),
    Capability("unknown elements", None, I, "their text is read, with a warning"),
)
# fmt: on

_ATTRS: dict[str, dict[str, str]] = {}
for _row in CAPABILITIES:
    if _row.attribute is not None:
        _ATTRS.setdefault(_row.element, {})[_row.attribute] = _row.support
# Every element may carry these without effect on the sound.
_ANYWHERE = {"xml:lang": SUPPORTED, "xml:id": SUPPORTED}
# Aliases from SSML 1.0 and the forms the lowering accepts.
_ATTRS["paragraph"] = _ATTRS.get("p", {})
_ATTRS["sentence"] = _ATTRS.get("s", {})


def attribute_support(element: str, attribute: str) -> str | None:
    """How ``attribute`` of ``element`` is rendered; ``None`` when SSML does not define it there."""
    known = _ATTRS.get(element, {})
    if attribute in known:
        return known[attribute]
    return _ANYWHERE.get(attribute)


def format_table() -> str:
    """The table as aligned text: element, attribute, support, note."""
    label = {SUPPORTED: "supported", PARTIAL: "partly supported", IGNORED: "ignored"}
    rows = [("element", "attribute", "support", "note")]
    rows += [(c.element, c.attribute or "", label[c.support], c.note) for c in CAPABILITIES]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    return "\n".join(line.rstrip() for line in lines)
