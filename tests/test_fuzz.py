"""Fuzzing the readers with hostile documents built by Hypothesis, on a bounded budget.

Strategies build Markdown (with YAML front matter), SSML, XHTML inside an EPUB and voice files
out of plain words and hostile pieces: broken tags, scripts, CDATA, control characters, ANSI
escapes, surrogates, deep nesting, references to files outside the document's folder. Each
document is read as ``inspect --json --stop-after normalize`` reads it, in this process (a few
through the real command, under a memory cap), and must give: a result or a one-line error with
its documented exit code, no markup in what would be spoken, every source word spoken or
reported, the input unchanged, and no file outside the document's folder opened.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from epubkit import Doc, TocEntry, build_epub
from hostile import digest, markup_in, outcome, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiobook.errors import AudiobookError, InputError, StrictError, VoiceError

SECRET = "TOPSECRET-7f3a"
"""Planted in files beside the document's folder: it must never reach what is spoken."""

_OPENED: list[str] = []


def _audit(event: str, args: tuple) -> None:
    # Every file this process opens while a document is read, to show none outside its folder is.
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
"""The budget: a fixed set of examples (the same in every run, so CI is repeatable), no deadline."""

words = st.sampled_from("the tide turned and came back slowly over sand while gulls cried above quiet harbour".split())

HOSTILE = [
    '<break time="2s>',
    "<voice name=>",
    "</voice>",
    '<prosody rate="fast"',
    "<script>steal(document.cookie)</script>",
    "<style>p { color: red }</style>",
    '<span onclick="steal()">',
    "</span>",
    "<![CDATA[ <b>",
    "]]>",
    "\x1b[0m",
    "\x1b[1;31m",
    "\x00",
    "\x07",
    "\x0b",
    "\u0085",
    "&#xD800;",
    "&#0;",
    "&amp;lt;",
    "[pause 2s",
    "[pause=abc]",
    "[pause 500ms]",
    "javascript:alert(1)",
    '<audio src="../secret.txt"/>',
    '<audio src="/etc/passwd"/>',
    '<lexicon uri="../secret.pls" xml:id="x"/>',
    "<amazon:effect name=\"whispered\">",
    "<!DOCTYPE x>",
    "<?xml-stylesheet href='x'?>",
]
"""Pieces no listener should hear, each from a family of issue 14."""

pieces = st.sampled_from(HOSTILE)


def _runs(separator: str = " ") -> st.SearchStrategy[str]:
    """Text: plain words with hostile pieces among them."""
    return st.lists(st.one_of(words, words, words, pieces), min_size=1, max_size=24).map(separator.join)


@st.composite
def markdown_docs(draw: st.DrawFn) -> str:
    front = draw(
        st.sampled_from(
            [
                "",
                "---\ntitle: Fuzz\n---\n",
                "---\ntitle: &a Fuzz\nauthor: *a\n---\n",
                "---\ntitle: [unclosed\n---\n",
                "---\n- a list\n---\n",
            ]
        )
    )
    blocks = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["para", "quote", "list", "table", "heading", "html"]))
        text = draw(_runs())
        depth = draw(st.integers(1, 30))
        if kind == "quote":
            blocks.append(">" * depth + " " + text)
        elif kind == "list":
            blocks.append("\n".join("  " * d + "- " + draw(_runs()) for d in range(min(depth, 14))))
        elif kind == "table":
            blocks.append(f"| {text} | {draw(words)} |\n|---|:--:|\n| {draw(_runs())} | {draw(words)} |")
        elif kind == "heading":
            blocks.append("# " + text)
        elif kind == "html":
            blocks.append("<div>\n" + text + "\n</div>")
        else:
            blocks.append(text)
    return front + "\n\n".join(blocks) + "\n"


@st.composite
def ssml_docs(draw: st.DrawFn) -> str:
    inner = []
    for _ in range(draw(st.integers(1, 6))):
        element = draw(st.sampled_from(["", "p", "s", "emphasis", "prosody", "voice", "say-as", "script", "span"]))
        text = draw(_runs())
        inner.append(f"<{element}>{text}</{element}>" if element else text)
    depth = draw(st.integers(0, 40))
    return "<speak>" + "<p>" * depth + " ".join(inner) + "</p>" * depth + "</speak>"


@st.composite
def xhtml_bodies(draw: st.DrawFn) -> str:
    out = []
    for _ in range(draw(st.integers(1, 5))):
        tag = draw(st.sampled_from(["p", "div", "blockquote", "span", "td"]))
        depth = draw(st.sampled_from([1, 3, 40, 300]))
        out.append(f"<{tag}>" * depth + draw(_runs()) + f"</{tag}>" * depth)
    return "".join(out)


def _checked(path: Path, tmp_path: Path) -> None:
    """Read ``path`` and check everything issue 14 asks of the result."""
    before = digest(path)
    _OPENED.clear()
    got = outcome(path)
    opened = [p for p in list(_OPENED) if Path(p).name.startswith("secret") or p == "/etc/passwd"]
    assert opened == [], f"opened outside the document's folder: {opened}"
    assert digest(path) == before
    if got.error is not None:
        assert isinstance(got.error, (InputError, StrictError)) and "\n" not in str(got.error)
        return
    assert markup_in(got.spoken) == [], got.spoken
    assert SECRET not in got.text
    assert got.coverage is not None
    # A word lost without a reason must at least have been reported (the Markdown limits are).
    assert got.coverage.missing == 0 or got.reports


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A document folder with a secret planted beside it."""
    for name in ("secret.txt", "secret.pls", "secret.toml"):
        (tmp_path / name).write_text(SECRET)
    doc = tmp_path / "doc"
    doc.mkdir()
    return doc


@FUZZ
@given(doc=markdown_docs())
def test_hostile_markdown(folder: Path, doc: str) -> None:
    path = folder / "book.md"
    path.write_bytes(doc.encode("utf-8", "surrogatepass"))
    _checked(path, folder)


@FUZZ
@given(doc=ssml_docs())
def test_hostile_ssml(folder: Path, doc: str) -> None:
    path = folder / "script.ssml"
    path.write_bytes(doc.encode("utf-8", "surrogatepass"))
    _checked(path, folder)


@FUZZ
@given(body=xhtml_bodies())
def test_hostile_xhtml_in_an_epub(folder: Path, body: str) -> None:
    path = folder / "book.epub"
    # Raw pages: a hostile chapter may be anything, even malformed XML.
    page = f'<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>One</h1>{body}</body></html>'
    build_epub(path, [Doc("c1.xhtml", "", raw=page)], [TocEntry("One", "c1.xhtml")], title="Fuzz")
    _checked(path, folder)


@FUZZ
@given(
    kind=st.sampled_from(["npy", "npz", "bin"]),
    shape=st.sampled_from([(510, 1, 256), (510, 256), (10, 1, 256), (0,), (256,), (3, 3)]),
    dtype=st.sampled_from(["float32", "float64", "int8", "complex64"]),
    cut=st.integers(0, 64),
)
def test_hostile_voice_files_are_refused_or_loaded(folder: Path, kind: str, shape: tuple, dtype: str, cut: int) -> None:
    from voices.packs import load_pack_file

    array = np.zeros(shape, dtype=dtype)
    path = folder / f"voice.{kind}"
    if kind == "npy":
        buffer = io.BytesIO()
        np.save(buffer, array)
        data = buffer.getvalue()
    elif kind == "npz":
        buffer = io.BytesIO()
        np.savez(buffer, **{"af_x": array})
        data = buffer.getvalue()
    else:
        data = array.tobytes()
    path.write_bytes(data[: len(data) - cut] if cut else data)
    try:
        pack = load_pack_file(path)
    except VoiceError as exc:
        assert "\n" not in str(exc)
        return
    # What loads is a Kokoro pack: one 256-wide style row per phoneme count.
    assert pack.rows.shape == (510, 256) and pack.rows.dtype == np.float32


# --- through the real command, a few cases, under a memory cap -------------------------------------


@pytest.mark.parametrize(
    "name, content",
    [
        ("deep.md", "# T\n\n" + ">" * 400 + " deep\n\n" + "- " * 300 + "x\n"),
        ("ansi.txt", "Hello \x1b[31mred\x1b[0m world.\x00\n"),
        ("bomb.md", "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n\nText.\n"),
        ("bad.ssml", "<speak>Hello &#xD800; <script>steal()</script><b>world</b> \x1b[0m</speak>"),
        ("page.ssml", "<!DOCTYPE speak [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><speak>&x;</speak>"),
    ],
)
def test_the_command_exits_cleanly_under_a_memory_cap(folder: Path, name: str, content: str) -> None:
    path = folder / name
    path.write_bytes(content.encode("utf-8"))
    before = digest(path)
    result = run_cli("inspect", str(path), "--json", "--stop-after", "normalize")
    assert result.returncode >= 0, f"killed by signal {-result.returncode}"
    assert "Traceback" not in result.stderr
    assert digest(path) == before
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("audiobook: error:")]
        assert len(errors) == 1 and result.returncode in (InputError.exit_code, StrictError.exit_code), result.stderr
        return
    spoken = [seg["text"] for ch in json.loads(result.stdout)["chapters"] for seg in ch["segments"] if "text" in seg]
    assert spoken and markup_in(spoken) == []
    assert SECRET not in result.stdout and "root:" not in result.stdout
    coverage = run_cli("inspect", str(path), "--coverage")
    assert coverage.returncode == 0 and "Traceback" not in coverage.stderr


def test_a_corrupt_epub_is_a_one_line_error(folder: Path) -> None:
    path = folder / "broken.epub"
    data = build_epub(None, [Doc("c1.xhtml", "<p>Text.</p>")], [TocEntry("One", "c1.xhtml")])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        cut = len(data) - zf.getinfo("OEBPS/c1.xhtml").compress_size
    path.write_bytes(data[: cut // 2])
    result = run_cli("inspect", str(path), "--coverage")
    assert result.returncode == InputError.exit_code and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_errors_are_audiobook_errors() -> None:
    # The suite's exit codes come from the one table in ``errors``.
    assert issubclass(InputError, AudiobookError) and InputError.exit_code == 2 and StrictError.exit_code == 7
