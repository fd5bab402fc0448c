"""The ``ssml`` package: lowering fixtures, safety, recovery and strict errors.

Each ``tests/fixtures/ssml/<case>.txt`` is one case::

    # what the case shows (comment lines come first)
    options: {"strict": true, "positions": true}
    <speak>SSML input ...</speak>
    ---
    expected JSON

The expected JSON is a list of paragraphs (each a list of items), or an object with ``blocks`` and
``warnings`` (diagnostic codes, ``code@line:column`` to check where), or an object with ``error``
(a piece of the message), ``line`` and ``column`` for a case that must raise ``SSMLError``.
Items are ``{"text": ...}``, ``{"phoneme": ipa, "text": ...}``, ``{"pause": ms}`` (plus
``"kind": "sentence"``), ``{"audio": src, "fallback": [...]}`` and ``{"mark": name}``; context
fields that differ from the default (voice, lang, rate, pitch, volume_db, emphasis) are added.
``"positions": true`` adds ``"at": "line:column"`` to text and phoneme items.
"""

from __future__ import annotations

import json
import time
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
    for name in ("voice", "lang", "rate", "pitch", "volume_db", "emphasis"):
        value = getattr(ctx, name)
        if value != getattr(DEFAULT, name):
            out[name] = value
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
        codes = [
            f"{d.code}@{d.line}:{d.column}" if "@" in w else d.code for d, w in zip(seen, expected["warnings"])
        ]
        assert codes == expected["warnings"], [str(d) for d in seen]
        assert all(d.source == "case.ssml" for d in seen)


def test_there_are_fixtures() -> None:
    assert len(CASES) >= 30


XXE = """<?xml version="1.0"?>
<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<speak>&xxe;</speak>"""

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10))
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
    document = "<speak>" + '<prosody rate="+1%">' * depth + "deep" + "</prosody>" * depth + "</speak>"
    [[item]] = ssml.lower(document)
    assert isinstance(item, Text) and item.ctx.rate == pytest.approx(1.01**depth, rel=1e-3)


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


FRAGMENTS = [
    "<speak>", "</speak>", "<p>", "</p>", "<s>", "</s>", '<break time="1s"/>', "<break/>",
    '<break time="x"/>', '<voice name="a">', "</voice>", '<prosody rate="150%">', '<prosody pitch="+2st">',
    "</prosody>", '<phoneme ph="a">', "</phoneme>", '<sub alias="x">', "</sub>", "<emphasis>", "</emphasis>",
    "<amazon:effect>", "</amazon:effect>", '<audio src="a.wav">', "</audio>", '<mark name="m"/>', "<say-as>",
    "</say-as>", "<unknown>", "&", "&amp;", "&nbsp;", "<", ">", "<!-- c -->", "<?pi x?>", '"', "'", "=",
    "Hello", " ", "\n", "é", "<![CDATA[x]]>", '<speak xml:lang="fr">', "<lexicon/>", "<meta/>", "<a:b:c>",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40))
def test_lenient_never_raises(parts: list[str]) -> None:
    document = "".join(parts)
    if "<!doctype" in document.lower() or "<!entity" in document.lower():
        return
    blocks = ssml.lower(document, warn=lambda d: None)
    for block in blocks:
        assert block
        for item in block:
            assert isinstance(item, (Text, Phoneme, Pause, AudioRef, Bookmark))
            if isinstance(item, Text):
                assert item.text and item.text == " ".join(item.text.split(" ")) and "\n" not in item.text
