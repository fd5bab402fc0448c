"""The ``ssml`` package: lowering fixtures, safety, recovery and strict errors.

Each ``tests/fixtures/ssml/<case>.txt`` is one case::

    # what the case shows (comment lines come first)
    options: {"strict": true, "positions": true}
    <speak>SSML input ...</speak>
    ---
    expected JSON

The expected JSON is a list of paragraphs (each a list of items), or an object with ``blocks`` and
``warnings`` (each ``code@line:column``), or an object with ``error``
(a piece of the message), ``line`` and ``column`` for a case that must raise ``SSMLError``.
Items are ``{"text": ...}``, ``{"phoneme": ipa, "text": ...}``, ``{"pause": ms}`` (plus
``"kind": "sentence"``), ``{"audio": src, "fallback": [...]}`` and ``{"mark": name}``; context
fields that differ from the default (voice, lang, rate, pitch, volume_db, emphasis, say_as,
duration_ms, and ``query`` for a voice asked for by list or description) are added.
``"positions": true`` adds ``"at": "line:column"`` to text and phoneme items; ``"base_dir"`` is
relative to the fixtures folder (lexicon files live in ``lexicons/``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ssml
from ssml import AudioRef, Bookmark, Ctx, Diagnostic, Pause, Phoneme, SSMLError, Text

FIXTURES = Path(__file__).parent / "fixtures" / "ssml"
CASES = sorted(FIXTURES.glob("*.txt"))
DEFAULT = Ctx()


def _ctx_json(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("voice", "lang", "rate", "pitch", "volume_db", "emphasis", "say_as", "duration_ms"):
        value = getattr(ctx, name)
        if value != getattr(DEFAULT, name):
            out[name] = list(value) if isinstance(value, tuple) else value
    query = ctx.voice_query
    if query is not None:
        out["query"] = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in (
                ("names", query.names),
                ("gender", query.gender),
                ("variant", query.variant),
                ("languages", query.languages),
                ("outer", query.outer),
            )
            if v
        }
    return out


def item_json(item: ssml.Item, positions: bool = False) -> dict[str, Any]:
    """The fixture form of one lowered item."""
    if isinstance(item, Text):
        out: dict[str, Any] = {"text": item.text, **_ctx_json(item.ctx)}
    elif isinstance(item, Phoneme):
        out = {"phoneme": item.ph, "text": item.text, **_ctx_json(item.ctx)}
    elif isinstance(item, Pause):
        return {"pause": item.ms} if item.kind == "explicit" else {"pause": item.ms, "kind": item.kind}
    elif isinstance(item, AudioRef):
        return {"audio": item.src, "fallback": [item_json(i, positions) for i in item.fallback], **_ctx_json(item.ctx)}
    else:
        assert isinstance(item, Bookmark)
        return {"mark": item.name}
    if positions:
        out["at"] = f"{item.line}:{item.column}"
    return out


def load_case(path: Path) -> tuple[dict[str, Any], str, Any]:
    """Split a fixture file into options, SSML input and expected JSON."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    options: dict[str, Any] = {}
    while lines and (lines[0].startswith("#") or lines[0].startswith("options:")):
        head = lines.pop(0)
        if head.startswith("options:"):
            options = json.loads(head[len("options:") :])
    source, _, expected = "\n".join(lines).rpartition("\n---\n")
    return options, source, json.loads(expected)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_fixture(path: Path) -> None:
    options, source, expected = load_case(path)
    positions = options.pop("positions", False)
    if "base_dir" in options:
        options["base_dir"] = FIXTURES / options["base_dir"]
    seen: list[Diagnostic] = []
    if isinstance(expected, dict) and "error" in expected:
        with pytest.raises(SSMLError) as caught:
            ssml.lower(source, source="case.ssml", warn=seen.append, **options)
        error = caught.value
        assert expected["error"] in error.message
        assert (error.line, error.column) == (expected.get("line"), expected.get("column"))
        assert str(error).startswith(f"case.ssml:{error.line}")
        return
    blocks = ssml.lower(source, source="case.ssml", warn=seen.append, **options)
    got = [[item_json(i, positions) for i in block] for block in blocks]
    want = expected["blocks"] if isinstance(expected, dict) else expected
    assert got == want
    if isinstance(expected, dict) and "warnings" in expected:
        assert [f"{d.code}@{d.line}:{d.column}" for d in seen] == expected["warnings"], [str(d) for d in seen]
        # Problems inside a lexicon file name that file.
        assert all(d.source == "case.ssml" or d.source.endswith(".pls") for d in seen)


def test_there_are_fixtures() -> None:
    assert len(CASES) >= 30


XXE = """<?xml version="1.0"?>
<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<speak>&xxe;</speak>"""

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">\n' for i in range(1, 10))
    + "]>\n<speak>&lol9;</speak>"
)


@pytest.mark.parametrize("document", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
@pytest.mark.parametrize("strict", [False, True])
def test_entity_declarations_are_refused_fast(document: str, strict: bool) -> None:
    began = time.perf_counter()
    with pytest.raises(SSMLError) as caught:
        ssml.lower(document.encode(), source="evil.ssml", strict=strict)
    assert time.perf_counter() - began < 1.0
    assert "DOCTYPE" in caught.value.message
    assert (caught.value.line, caught.value.column) == (2, 1)
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd leaked into the message


def test_external_entity_without_doctype_reads_no_file() -> None:
    # An undeclared entity reference must stay text, never a file read.
    blocks = ssml.lower("<speak>a &xxe; b</speak>", warn=lambda d: None)
    assert [[item_json(i) for i in b] for b in blocks] == [[{"text": "a &xxe; b"}]]


@pytest.mark.parametrize("strict", [False, True])
def test_deep_nesting_does_not_crash(strict: bool) -> None:
    depth = 5000
    document = "<speak>" + "<prosody>" * depth + "deep" + "</prosody>" * depth + "</speak>"
    began = time.perf_counter()
    if strict:
        with pytest.raises(SSMLError) as caught:
            ssml.lower(document, strict=True)
        assert caught.value.line == 1
    else:
        seen: list[Diagnostic] = []
        blocks = ssml.lower(document, warn=seen.append)
        assert [[item_json(i) for i in b] for b in blocks] == [[{"text": "deep"}]]
        assert [d.code for d in seen] == ["too-deep"]
    assert time.perf_counter() - began < 2.0


def test_deep_nesting_within_parser_limit_keeps_context() -> None:
    depth = 200
    # +0.5% compounded 200 times stays inside the rate limits (0.25-4x), so nothing is clamped.
    document = "<speak>" + '<prosody rate="+0.5%">' * depth + "deep" + "</prosody>" * depth + "</speak>"
    [[item]] = ssml.lower(document)
    assert isinstance(item, Text) and item.ctx.rate == pytest.approx(1.005**depth, rel=1e-3)


def test_bytes_with_declared_encoding() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<speak>café</speak>'.encode("latin-1")
    [[item]] = ssml.lower(data, strict=True)
    assert isinstance(item, Text) and item.text == "café"


def test_bad_utf8_is_located() -> None:
    with pytest.raises(SSMLError) as caught:
        ssml.lower(b"<speak>\nok \xff</speak>", strict=True, source="x.ssml")
    assert str(caught.value).startswith("x.ssml:2:4: ")
    blocks = ssml.lower(b"<speak>\nok \xff</speak>", warn=lambda d: None)
    assert isinstance(blocks[0][0], Text) and blocks[0][0].text == "ok \ufffd"


def test_error_string_names_source_line_column() -> None:
    error = SSMLError("broken", "book.ssml", 3, 7)
    assert str(error) == "book.ssml:3:7: broken"
    assert (error.message, error.source, error.line, error.column) == ("broken", "book.ssml", 3, 7)


def test_document_meta_and_lang() -> None:
    doc = ssml.parse('<speak xml:lang="ja-JP"><meta name="title" content="A Title"/>x</speak>')
    assert doc.lang == "ja-jp" and doc.meta == {"title": "A Title"}


def test_custom_strengths() -> None:
    [[pause]] = ssml.lower('<speak><break strength="weak"/></speak>', strengths={"weak": 123})
    assert pause == Pause(123)


def test_xsampa() -> None:
    assert ssml.xsampa_to_ipa('t@"mA:toU') == "təˈmɑːtoʊ"
    assert ssml.xsampa_to_ipa("r\\`{N") == "ɻæŋ"


@pytest.mark.parametrize(
    ("value", "ms"), [("3s", 3000), ("250ms", 250), ("1.5s", 1500), (".5s", 500), ("0ms", 0), (" 2S ", 2000)]
)
def test_times(value: str, ms: int) -> None:
    assert ssml.parse_time(value) == ms


@pytest.mark.parametrize("value", ["", "3", "-1s", "1m", "s", "1.5.5s"])
def test_bad_times(value: str) -> None:
    with pytest.raises(ValueError):
        ssml.parse_time(value)


# fmt: off
FRAGMENTS = [
    "<speak>", "</speak>", "<p>", "</p>", "<s>", "</s>", '<break time="1s"/>', "<break/>",
    '<break time="x"/>', '<voice name="a">', "</voice>", '<prosody rate="150%">', '<prosody pitch="+2st">',
    "</prosody>", '<phoneme ph="a">', "</phoneme>", '<sub alias="x">', "</sub>", "<emphasis>", "</emphasis>",
    "<amazon:effect>", "</amazon:effect>", '<audio src="a.wav">', "</audio>", '<mark name="m"/>', "<say-as>",
    "</say-as>", "<unknown>", "&", "&amp;", "&nbsp;", "<", ">", "<!-- c -->", "<?pi x?>", '"', "'", "=",
    "Hello", " ", "\n", "é", "<![CDATA[x]]>", '<speak xml:lang="fr">', "<lexicon/>", "<meta/>", "<a:b:c>",
    # Every element, with attribute values that must never be spoken (the marker Zqj).
    '<break strength="Zqj"/>', '<break strength="none"/>', '<break time="99999s"/>', '<voice name="Zqj">',
    '<voice gender="female" languages="en-US Zqj" age="Zqj" variant="Zqj">', '<voice name="a:0.5 + b:0.5">',
    '<prosody rate="Zqj" volume="Zqj" pitch="Zqj" range="Zqj" contour="Zqj" duration="Zqj">',
    '<prosody duration="2s" contour="(0%,+1st) (100%,-1st)" volume="+6dB" range="x-high">',
    '<emphasis level="Zqj">', '<emphasis level="reduced">', '<say-as interpret-as="Zqj" format="Zqj" detail="Zqj">',
    '<say-as interpret-as="characters">', '<say-as interpret-as="expletive">', '<say-as interpret-as="date" format="mdy">',
    '<sub alias="spoken">', '<phoneme alphabet="x-sampa" ph="t@\'mA:toU">', '<phoneme alphabet="Zqj" ph="Zqj">',
    '<lexicon uri="Zqj.pls" xml:id="Zqj"/>', '<lookup ref="Zqj">', "</lookup>", '<mark name="Zqj"/>',
    '<audio src="Zqj.wav" soundLevel="Zqj" clipBegin="Zqj">', '<meta name="Zqj" content="Zqj"/>',
    "<desc>words</desc>", "<metadata>", "</metadata>", '<lang xml:lang="Zqj">', "</lang>", '<token role="Zqj">',
    "</token>", "<w>", "</w>", "<par>", "</par>", "<seq>", "</seq>", '<media begin="Zqj">', "</media>",
    '<mstts:silence type="Leading" value="300ms"/>', '<mstts:silence type="Zqj" value="Zqj"/>',
    '<mstts:express-as style="Zqj">', "</mstts:express-as>", '<amazon:breath duration="Zqj"/>',
    '<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:base="Zqj">', '<p foo="Zqj">',
    '<s xml:lang="de">', "<sentence>", "</sentence>", "<paragraph>", "</paragraph>",
]
# fmt: on

def _spoken(items: Sequence[ssml.Item]) -> Iterator[tuple[ssml.Item, str]]:
    for item in items:
        if isinstance(item, (Text, Phoneme)):
            yield item, item.text
        if isinstance(item, Phoneme):
            yield item, item.ph
        if isinstance(item, AudioRef):
            yield from _spoken(item.fallback)


@settings(
    max_examples=int(os.environ.get("SSML_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40))
def test_lenient_never_raises_and_speaks_no_markup(parts: list[str]) -> None:
    document = "".join(parts)
    if "<!doctype" in document.lower() or "<!entity" in document.lower():
        return
    blocks = ssml.lower(document, warn=lambda d: None, base_dir=FIXTURES / "lexicons")
    for block in blocks:
        assert block
        for item in block:
            assert isinstance(item, (Text, Phoneme, Pause, AudioRef, Bookmark))
            if isinstance(item, Text):
                assert item.text.strip() and "  " not in item.text and "\n" not in item.text
        for item, text in _spoken(block):
            # A "<" is spoken only where the author wrote one as text.
            assert "<" not in text or re.search(r"&lt;|&#0*60;|&#[xX]0*3[cC];|CDATA", document), (item, document)
            assert "Zqj" not in text, (item, document)


# -- the audiobook SSML reader ---------------------------------------------------------------------

from audiobook.config import ReadOptions  # noqa: E402
from audiobook.diagnostics import Reporter  # noqa: E402
from audiobook.errors import InputError  # noqa: E402
from audiobook.model import Audio, Break, Mark, Phonemes, Speech  # noqa: E402
from audiobook.readers import read_path  # noqa: E402
from audiobook.readers import ssml as ssml_reader  # noqa: E402

SAMPLES = Path(__file__).parent.parent / "samples"


def test_reader_maps_items_onto_the_model(tmp_path: Path) -> None:
    data = b"""<speak xml:lang="en-US"><meta name="title" content="Mapped"/>
<p>Hi <phoneme alphabet="ipa" ph="h\xc9\x99">huh</phoneme><break time="1s"/><mark name="m"/>
<audio src="ding.wav">ding</audio> <voice name="jm_kumo"><lang xml:lang="ja">konnichiwa</lang></voice></p></speak>"""
    (tmp_path / "ding.wav").write_bytes(b"RIFF")
    book = ssml_reader.read(data, ReadOptions(source="dir/mapped.ssml", base_dir=tmp_path))
    assert book.meta.title == "Mapped" and book.meta.language == "en-us"
    [chapter] = book.chapters
    assert chapter.title == "Mapped"
    [block] = chapter.blocks
    speech, phonemes, pause, mark, audio, japanese = block.segments
    assert speech == Speech("Hi ", source="dir/mapped.ssml:2:1")
    assert isinstance(phonemes, Phonemes) and phonemes.override and (phonemes.ph, phonemes.text) == ("hə", "huh")
    assert (pause, mark) == (Break(1000), Mark("m"))
    assert isinstance(audio, Audio) and audio.src == str(tmp_path / "ding.wav")
    assert audio.fallback[0].text == "ding"  # type: ignore[union-attr]
    assert isinstance(japanese, Speech) and (japanese.ctx.voice, japanese.ctx.lang) == ("jm_kumo", "ja")
    # The book's own language stays implicit in the context.
    assert speech.ctx.lang is None


def test_reader_title_from_file_stem_and_language_from_options() -> None:
    book = ssml_reader.read(b"<speak>Hello.</speak>", ReadOptions(source="books/my-script.ssml", lang="en-gb"))
    assert book.chapters[0].title == "my-script" and book.meta.language == "en-gb"


def test_reader_reports_with_file_line_column() -> None:
    reporter = Reporter()
    ssml_reader.read(b"<speak>\n  <blink>x</blink></speak>", ReadOptions(source="w.ssml"), reporter)
    assert [(r.code, r.where) for r in reporter.reports] == [("unknown-element", "w.ssml:2:3")]


def test_reader_strict_error_is_input_error() -> None:
    options = ReadOptions(source="s.ssml")
    with pytest.raises(InputError) as caught:
        ssml_reader.read(b"<speak>\n<p>open</speak>", options, Reporter(strict=True))
    assert (caught.value.file, caught.value.line) == ("s.ssml", 2)
    assert str(caught.value).startswith("s.ssml:2:")


def test_reader_refuses_entities_as_input_error() -> None:
    with pytest.raises(InputError) as caught:
        ssml_reader.read(XXE.encode(), ReadOptions(source="e.ssml"))
    assert str(caught.value).startswith("e.ssml:2:1: ")


def test_sample_two_voices() -> None:
    reporter = Reporter()
    book = read_path(SAMPLES / "two-voices.ssml", ReadOptions(), reporter)
    assert reporter.reports == []
    segments = [s for b in book.chapters[0].blocks for s in b.segments]
    voices = {s.ctx.voice for s in segments if isinstance(s, Speech)}
    assert voices == {"jf_alpha", "jm_kumo"}
    assert any(isinstance(s, Break) and s.ms >= 1000 for s in segments)
    assert any(isinstance(s, Speech) and s.ctx.rate != 1.0 for s in segments)
    words = sum(len(s.text.split()) for s in segments if isinstance(s, Speech))
    assert 60 <= words <= 140
