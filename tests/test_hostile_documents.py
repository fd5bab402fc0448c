"""Hostile documents, run through the command line as a user would: nothing outside the document's
folder is read, no XML entity is expanded, no front matter or archive is allowed to grow without
bound, and no value in a document crashes the run. Each case checks what the user sees: the exit
code, the one-line warning or error with its place, and that the rest of the book is still read.
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from epubkit import Doc, Resource, TocEntry, build_epub, rezip, xhtml_page

from audiobook.cli import main
from audiobook.config import ReadOptions
from audiobook.diagnostics import Reporter
from audiobook.model import Audio, Speech
from audiobook.readers import read_path

CLI = [sys.executable, "-c", "import sys; from audiobook.cli import main; sys.exit(main(sys.argv[1:]))"]
"""The command line in a process of its own, to run it under a memory limit."""

SECRET = "TOKEN-7f3a-outside-the-folder"
"""Written in every file outside the document's folder: it must never reach the book."""

_OPENED: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    # Every file Python opens while a case runs, to prove the ones outside the folder never are.
    if _OPENED is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def opened():
    """The paths opened during the test."""
    global _OPENED
    _OPENED = []
    try:
        yield _OPENED
    finally:
        _OPENED = None


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """``(folder, outside)``: the document's folder, and a sibling folder of private files."""
    folder, outside = tmp_path / "book", tmp_path / "private"
    folder.mkdir()
    outside.mkdir()
    for name in ("secret.wav", "secret.pls", "cast.toml", "voice.pt", "secret.txt"):
        (outside / name).write_text(SECRET)
    return folder, outside


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``audiobook ARGV``: exit code, stdout, stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def inspect_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[dict, list[str]]:
    """The document model ``audiobook inspect --json`` prints, and its warning lines."""
    code, out, err = run("inspect", str(path), "--json", *extra, capsys=capsys)
    assert code == 0, err
    assert SECRET not in out
    return json.loads(out), [line for line in err.splitlines() if line.startswith("warning: ")]


def segments(model: dict) -> list[dict]:
    return [s for ch in model["chapters"] for s in ch["segments"]]


def spoken(model: dict) -> str:
    return " ".join(s["text"] for s in segments(model) if s["type"] == "speech")


def never_opened(opened: list[str], outside: Path) -> None:
    assert not [p for p in opened if p.startswith(str(outside)) or "/etc/passwd" in p]


# -- 1. a document reads only what is beside it ---------------------------------------------------


@pytest.mark.parametrize(
    ("src", "reason"),
    [
        ("../private/secret.wav", "leads out of the document's folder"),
        ("sounds/../../private/secret.wav", "leads out of the document's folder"),
        ("{outside}/secret.wav", "is an absolute path"),
        ("~/secret.wav", "is an absolute path"),
        ("file://{outside}/secret.wav", "is a URL"),
        ("http://example.com/chime.wav", "is a URL"),
        ("data:audio/wav;base64,UklGRg==", "is a URL"),
        ("link.wav", "is a link that leads out"),
    ],
)
def test_ssml_audio_outside_the_folder_is_refused(layout, capsys, opened, src: str, reason: str) -> None:
    folder, outside = layout
    (folder / "link.wav").symlink_to(outside / "secret.wav")
    src = src.format(outside=outside)
    doc = folder / "play.ssml"
    doc.write_text(f'<speak>\n<p>Listen.</p>\n  <audio src="{src}">the bell rings</audio>\n</speak>\n')
    model, warnings = inspect_json(doc, capsys)
    assert not [s for s in segments(model) if s["type"] == "audio"]
    assert "Listen. the bell rings" == spoken(model)
    [warning] = warnings
    assert warning.startswith(f"warning: {doc}:3:3: <audio> refused: ") and reason in warning and src[:30] in warning
    never_opened(opened, outside)


def test_audio_inside_the_folder_is_still_played(layout, capsys) -> None:
    folder, _ = layout
    (folder / "sounds").mkdir()
    (folder / "sounds" / "bell.wav").write_bytes(b"RIFF")
    (folder / "bell-link.wav").symlink_to(folder / "sounds" / "bell.wav")
    doc = folder / "play.ssml"
    doc.write_text('<speak><audio src="sounds/../sounds/bell.wav">a</audio><audio src="bell-link.wav">b</audio></speak>')
    model, warnings = inspect_json(doc, capsys)
    assert [s["src"] for s in segments(model) if s["type"] == "audio"] == [str(folder / "sounds" / "bell.wav")] * 2
    assert warnings == []


def test_markdown_inline_audio_and_lexicon_outside_are_refused(layout, capsys, opened) -> None:
    folder, outside = layout
    (folder / "names.pls").write_text(
        '<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" version="1.0" alphabet="ipa" xml:lang="en">'
        "<lexeme><grapheme>Siobhan</grapheme><phoneme>ʃɪvˈɔːn</phoneme></lexeme></lexicon>"
    )
    doc = folder / "notes.md"
    doc.write_text(
        "# One\n\n"
        'Hear <audio src="../private/secret.wav">a gull</audio> now.\n\n'
        '<lexicon uri="../private/secret.pls"/><lexicon uri="names.pls"/>Siobhan came.\n'
    )
    model, warnings = inspect_json(doc, capsys)
    assert "a gull" in spoken(model)
    assert any(s["type"] == "phonemes" and s["text"] == "Siobhan" for s in segments(model))
    lexicon, audio = sorted(warnings, key=lambda w: "<audio>" in w)
    assert audio.startswith(f"warning: {doc}:3: <audio> refused: '../private/secret.wav' leads out")
    assert lexicon.startswith(f"warning: {doc}:5: lexicon '../private/secret.pls' leads out")
    never_opened(opened, outside)


def test_ssml_lexicon_by_absolute_path_or_link_is_refused(layout, capsys, opened) -> None:
    folder, outside = layout
    (folder / "linked.pls").symlink_to(outside / "secret.pls")
    doc = folder / "a.ssml"
    doc.write_text(f'<speak><lexicon uri="{outside}/secret.pls"/>\n<lexicon uri="linked.pls"/>Words.</speak>')
    model, warnings = inspect_json(doc, capsys)
    assert spoken(model) == "Words."
    assert "is an absolute path" in warnings[0] and f"{doc}:1:" in warnings[0]
    assert "is a link that leads out" in warnings[1] and f"{doc}:2:" in warnings[1]
    never_opened(opened, outside)


@pytest.mark.parametrize("cast", ["../private/cast.toml", "{outside}/cast.toml", "link.toml"])
def test_script_cast_file_outside_the_folder_is_an_error(layout, capsys, opened, cast: str) -> None:
    folder, outside = layout
    (folder / "link.toml").symlink_to(outside / "cast.toml")
    doc = folder / "play.script.md"
    doc.write_text(f"---\ntitle: Play\ncast: {cast.format(outside=outside)}\n---\n\nMARA: Hello.\n")
    code, _, err = run("inspect", str(doc), capsys=capsys)
    assert code == 2
    assert err.startswith(f"audiobook: error: {doc}:3: the cast file is refused: ") and err.count("\n") == 1
    never_opened(opened, outside)


def test_cast_toml_beside_the_script_that_links_away_is_refused(layout, capsys, opened) -> None:
    folder, outside = layout
    (folder / "cast.toml").symlink_to(outside / "cast.toml")
    doc = folder / "play.script.md"
    doc.write_text("# Scene\n\nMARA: Hello.\n")
    code, _, err = run("inspect", str(doc), capsys=capsys)
    assert code == 2 and "is a link that leads out" in err
    never_opened(opened, outside)


def test_voice_packs_named_by_path_stay_in_the_folder(layout, capsys, opened) -> None:
    folder, outside = layout
    doc = folder / "a.md"
    doc.write_text(
        f"---\nvoice: {outside}/voice.pt\n---\n\n# One\n\n"
        '<voice name="../private/voice.pt">Far.</voice>\n\n'
        '<voice name="packs/mine.pt:0.5+af_heart:0.5">Near.</voice>\n'
    )
    model, warnings = inspect_json(doc, capsys)
    assert model["voice"] is None
    far, near = [s for s in segments(model) if s["type"] == "speech" and s["text"] in ("Far.", "Near.")]
    assert far["voice"] is None and near["voice"] == f"{folder}/packs/mine.pt:0.5+af_heart:0.5"
    assert sorted(warnings) == [
        f"warning: {doc}: voice pack refused: '{outside}/voice.pt' is an absolute path; "
        "only files in the document's folder are read; it is not read",
        f"warning: {doc}:7: voice pack refused: '../private/voice.pt' leads out of the document's folder; "
        "copy the file beside the document; it is not read",
    ]
    never_opened(opened, outside)


def test_text_given_to_say_reaches_no_file(layout) -> None:
    # ``say`` writes its text to a temporary file and reads it detached from that folder.
    folder, _ = layout
    (folder / "chime.wav").write_bytes(b"RIFF")
    doc = folder / "say.ssml"
    doc.write_text('<speak>Hi <audio src="chime.wav">a chime</audio></speak>')
    reporter = Reporter()
    book = read_path(doc, ReadOptions(detached=True), reporter)
    segs = [s for ch in book.chapters for b in ch.blocks for s in b.segments]
    assert not any(isinstance(s, Audio) for s in segs) and any(isinstance(s, Speech) and s.text == "a chime" for s in segs)
    assert [r.code for r in reporter.reports] == ["outside-folder"] and "has no folder" in reporter.reports[0].message


def test_refused_reference_is_an_error_under_strict(layout, capsys) -> None:
    folder, _ = layout
    doc = folder / "a.md"
    doc.write_text('# One\n\nHear <audio src="/etc/passwd">this</audio>.\n')
    code, _, err = run("convert", str(doc), "-o", str(folder / "a.wav"), "--strict", capsys=capsys)
    assert code == 7 and f"{doc}:3: <audio> refused: '/etc/passwd' is an absolute path" in err
    assert not (folder / "a.wav").exists()


# -- 2. XML: no DTD, no entity, nothing fetched ------------------------------------------------------

_LAUGHS = "".join(
    f'<!ENTITY l{n} "{("&l%d;" % (n - 1)) * 10 if n else "lol"}">' for n in range(10)
)


def _doctype(root: str, outside: Path) -> str:
    return f'<!DOCTYPE {root} [{_LAUGHS}<!ENTITY xxe SYSTEM "file://{outside}/secret.txt">]>\n'


def _book(extra: dict[str, bytes] | None = None, **kwargs: object) -> bytes:
    docs = [
        Doc("c1.xhtml", "<h1>One</h1><p>First words.</p>", "One"),
        Doc("c2.xhtml", "<h1>Two</h1><p>Second words.</p>", "Two"),
    ]
    toc = [TocEntry("One", "c1.xhtml"), TocEntry("Two", "c2.xhtml")]
    return build_epub(None, docs, toc, title="T", extra_files=extra, **kwargs)  # type: ignore[arg-type]


def _with_doctype(data: bytes, member: str, root: str, outside: Path, where: str = "</title>") -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = z.read(member).decode()
    text = text.replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n", "")
    text = _doctype(root, outside) + text.replace(where, f"&l9;&xxe;{where}", 1)
    return rezip(data, {member: text.encode()})


def test_content_document_with_entity_bomb_and_xxe_is_not_read(layout, capsys, opened) -> None:
    folder, outside = layout
    book = folder / "b.epub"
    book.write_bytes(_with_doctype(_book(), "OEBPS/c1.xhtml", "html", outside, "</p>"))
    model, warnings = inspect_json(book, capsys)
    assert "Second words." in spoken(model) and "lol" not in spoken(model) and "First" not in spoken(model)
    assert warnings == [
        f"warning: {book}!/OEBPS/c1.xhtml:1:17: the document declares entities (<!ENTITY>), which are refused; not read"
    ]
    never_opened(opened, outside)


@pytest.mark.parametrize(
    ("member", "root", "what"),
    [
        ("OEBPS/content.opf", "package", "package document"),
        ("OEBPS/nav.xhtml", "html", "navigation document"),
        ("META-INF/container.xml", "container", "META-INF/container.xml"),
    ],
)
def test_package_files_with_entities_stop_with_an_error(layout, capsys, opened, member: str, root: str, what: str) -> None:
    folder, outside = layout
    data = _book()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        end = "</rootfiles>" if "container" in member else "</title>" if "nav" in member else "</dc:title>"
        assert end in z.read(member).decode()
    book = folder / "b.epub"
    book.write_bytes(_with_doctype(data, member, root, outside, end))
    code, out, err = run("inspect", str(book), capsys=capsys)
    assert code == 2 and SECRET not in out
    assert err.startswith(f"audiobook: error: {book}!/{member}:1:") and what in err and "declares entities" in err
    never_opened(opened, outside)


def test_ncx_with_entities_stops_with_an_error(layout, capsys) -> None:
    folder, outside = layout
    data = _with_doctype(_book(epub_version=2), "OEBPS/toc.ncx", "ncx", outside, "</text>")
    book = folder / "b.epub"
    book.write_bytes(data)
    code, _, err = run("inspect", str(book), capsys=capsys)
    assert code == 2 and f"{book}!/OEBPS/toc.ncx:1:" in err and "NCX" in err


def test_pls_lexicon_in_epub_with_doctype_is_reported_and_the_book_read(layout, capsys) -> None:
    folder, outside = layout
    pls = _doctype("lexicon", outside) + (
        '<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" version="1.0" alphabet="ipa" xml:lang="en">'
        "<lexeme><grapheme>First</grapheme><phoneme>&xxe;</phoneme></lexeme></lexicon>"
    )
    data = _book(resources=[Resource("words.pls", "application/pls+xml", pls.encode())])
    book = folder / "b.epub"
    book.write_bytes(data)
    model, warnings = inspect_json(book, capsys)
    assert "First words." in spoken(model)
    assert warnings == [
        f"warning: {book}!/OEBPS/words.pls:1:1: <!DOCTYPE> declarations are refused in lexicons; "
        "remove it; the lexicon is not applied"
    ]


def test_ssml_and_html_with_xxe_never_read_the_file(layout, capsys, opened) -> None:
    folder, outside = layout
    ssml = folder / "a.ssml"
    ssml.write_text(_doctype("speak", outside) + "<speak>Hi &xxe;</speak>")
    code, out, err = run("inspect", str(ssml), capsys=capsys)
    assert code == 2 and f"{ssml}:1:1: <!DOCTYPE> declarations are refused" in err
    page = folder / "a.htm"
    page.write_text(_doctype("html", outside) + "<html><body><h1>T</h1><p>Hi &xxe; &l9; there.</p></body></html>")
    code, out, err = run("inspect", str(page), capsys=capsys)
    assert code == 2 and err == f"audiobook: error: {page}:1:17: declares entities (<!ENTITY>), which are refused; " \
        "remove the DOCTYPE's [...] part\n"
    never_opened(opened, outside)


# -- 3. YAML front matter ------------------------------------------------------------------------------

_YAML_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
    f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
    for n in range(12)
)


def test_yaml_alias_bomb_in_markdown_is_refused_in_a_bounded_process(tmp_path: Path) -> None:
    doc = tmp_path / "bomb.md"
    doc.write_text(f"---\ntitle: Bomb\n{_YAML_BOMB}---\n\n# One\n\nStill read.\n")

    def cap() -> None:  # pragma: no cover - runs in the child
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    proc = subprocess.run(
        [*CLI, "inspect", str(doc), "--json"],
        capture_output=True, text=True, timeout=120, preexec_fn=cap, check=False,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "Still read." in proc.stdout
    assert f"warning: {doc}:4: front matter is not valid YAML (aliases (*name) are not allowed" in proc.stderr


def test_yaml_alias_in_a_script_is_an_error_naming_the_line(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "play.script.md"
    doc.write_text("---\nformat: script\nnarrator: &n jf_alpha\ncast:\n  MARA: *n\n---\n\nMARA: Hi.\n")
    code, _, err = run("inspect", str(doc), capsys=capsys)
    assert code == 2 and err.startswith(f"audiobook: error: {doc}:5: front matter is not valid YAML (aliases")


def test_front_matter_over_the_limit_or_too_deep_is_refused(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "big.md"
    doc.write_text("---\ntitle: Big\nnote: " + "x" * 70_000 + "\n---\n\n# One\n\nText.\n")
    model, warnings = inspect_json(doc, capsys)
    assert model["title"] == "big" and spoken(model) == "One Text."
    assert warnings == [f"warning: {doc}:1: front matter is 70018 bytes, over the 65536-byte limit (--limit front-matter=...); ignored"]
    model, warnings = inspect_json(doc, capsys, "--limit", "front-matter=128KiB")
    assert model["title"] == "Big" and warnings == []
    deep = tmp_path / "deep.md"
    deep.write_text("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n\nText.\n")
    model, warnings = inspect_json(deep, capsys)
    assert spoken(model) == "Text." and "nested more than 32 levels deep" in warnings[0]


def test_bad_limit_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("Text.\n")
    for bad in ("epub-total", "epub-total=lots", "nothing=5", "epub-members=0"):
        code, _, err = run("inspect", str(doc), "--limit", bad, capsys=capsys)
        assert code == 2 and err.startswith(f"audiobook: error: --limit {bad!r}") and err.count("\n") == 1


# -- 4. EPUB archives that inflate ----------------------------------------------------------------------


def _bomb_member(size: int) -> bytes:
    return xhtml_page("<p>" + "a " * (size // 2) + "</p>").encode()


def _with_bomb(data: bytes, member: str, mib: int) -> bytes:
    """The archive with ``member`` replaced by a page of ``mib`` MiB of words, written compressed in pieces."""
    out = io.BytesIO()
    head, tail = xhtml_page("<p>SPLIT</p>").encode().split(b"SPLIT")
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info, src.read(info))
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(info, "w", force_zip64=True) as stream:
            stream.write(head)
            words = b"a " * 2**19
            for _ in range(mib):
                stream.write(words)
            stream.write(tail)
    return out.getvalue()


def test_member_over_the_size_cap_is_refused_by_name(tmp_path: Path, capsys) -> None:
    book = tmp_path / "b.epub"
    book.write_bytes(_with_bomb(_book(), "OEBPS/c2.xhtml", 70))
    assert book.stat().st_size < 1_000_000
    code, _, err = run("inspect", str(book), capsys=capsys)
    assert code == 2
    assert err.startswith(f"audiobook: error: {book}: member OEBPS/c2.xhtml is ") and "(--limit epub-member=...)" in err
    code, out, _ = run("inspect", str(book), "--limit", "epub-member=80MiB", capsys=capsys)
    assert code == 0 and "Two" in out


def test_total_and_member_count_caps(tmp_path: Path, capsys) -> None:
    book = tmp_path / "b.epub"
    book.write_bytes(rezip(_book(), {"OEBPS/c1.xhtml": _bomb_member(2**20), "OEBPS/c2.xhtml": _bomb_member(2**20)}))
    code, _, err = run("inspect", str(book), "--limit", "epub-total=1500KiB", capsys=capsys)
    assert code == 2 and "member OEBPS/c2.xhtml brings what is read past the limit of the whole book" in err
    code, _, err = run("inspect", str(book), "--limit", "epub-members=5", capsys=capsys)
    assert code == 2 and err.startswith(f"audiobook: error: {book}: holds ") and "over the limit of 5" in err


def _lie_about_size(data: bytes, member: str, declared: int) -> bytes:
    """The archive with ``member``'s uncompressed size rewritten to ``declared`` in both headers."""
    out = bytearray(data)
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(signature)
        while at >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", out, at + offset, declared)
            at = out.find(signature, at + 4)
    return bytes(out)


def test_member_that_inflates_past_its_declared_size_is_not_read_past_it(tmp_path: Path) -> None:
    book = tmp_path / "b.epub"
    data = _with_bomb(_book(), "OEBPS/c1.xhtml", 160)
    book.write_bytes(_lie_about_size(data, "OEBPS/c1.xhtml", 1000))
    # The child prints its own peak memory: reading 160 MiB would show; stopping at the cap does not.
    measured = [
        sys.executable, "-c",
        # VmHWM, not ru_maxrss: Linux carries the parent's peak across fork and exec into ru_maxrss.
        "import re, sys; from audiobook.cli import main; code = main(sys.argv[1:]); "
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
        "print('maxrss', hwm, file=sys.stderr); sys.exit(code)",
    ]
    proc = subprocess.run(
        [*measured, "inspect", str(book), "--limit", "epub-member=8MiB"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "Two" in proc.stdout
    assert f"{book}!/OEBPS/c1.xhtml: is not a valid EPUB (zip) file; member OEBPS/c1.xhtml cannot be read" in proc.stderr
    peak_kib = int(proc.stderr.rsplit("maxrss", 1)[1])
    assert peak_kib < 150 * 1024


# -- 5. values inside documents ------------------------------------------------------------------------


def test_ssml_values_out_of_range_are_clamped_with_their_place(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "v.ssml"
    huge = "9" * 400
    doc.write_text(
        "<speak>\n"
        f'A<break time="{huge}s"/>B<break time="-5s"/>C\n'
        f'<prosody rate="{huge}%" pitch="+{huge}st" volume="+{huge}dB" duration="{huge}s">loud</prosody>\n'
        '<prosody rate="1%"><prosody rate="1%">slow</prosody></prosody>\n'
        f'<voice variant="{huge}">v</voice><voice variant="²">w</voice>\n'
        f'<mstts:silence xmlns:mstts="http://www.w3.org/2001/mstts" type="Leading" value="{huge}ms"/>\n'
        "</speak>\n"
    )
    model, warnings = inspect_json(doc, capsys)
    segs = segments(model)
    assert [s["ms"] for s in segs if s["type"] == "break"] == [60000, 60000, 400]
    loud, slow = (s for s in segs if s["type"] == "speech" and s["text"].strip() in ("loud", "slow"))
    assert (loud["rate"], loud["pitch"], loud["volume_db"], loud["duration_ms"]) == (4.0, 24.0, 24.0, 600000)
    assert slow["rate"] == 0.25
    lines = [int(w.split(": ")[1][len(str(doc)) + 1 :].split(":")[0]) for w in warnings]
    assert lines == [2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6]
    assert warnings[0].endswith(":2:2: break time '99999999999999999999...' is over the 60000 ms limit; clamped")
    assert "time '-5s' is not a number" in warnings[1]
    assert warnings[2].endswith(":3:1: prosody rate '99999999999999999999...' is outside 0.25 to 4×; clamped to 4×")
    assert warnings[5].endswith("prosody duration '99999999999999999999...' is outside 1 to 600000 ms; clamped to 600000 ms")
    assert warnings[6].endswith(":4:1: prosody rate '1%' is outside 0.25 to 4×; clamped to 0.25×")
    assert "voice variant '²' is not a positive integer; ignored" in warnings[9]
    assert "mstts:silence value '99999999999999999999...' is over the 60000 ms limit" in warnings[10]


def test_numbers_of_any_length_are_read(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "n.ssml"
    n = "7" * 5000
    doc.write_text(
        f'<speak><say-as interpret-as="cardinal">{n}</say-as> <say-as interpret-as="ordinal">{n}</say-as> '
        f'<say-as interpret-as="fraction">1/{n}</say-as> <say-as interpret-as="date" format="ymd">{n}-1-1</say-as> '
        f"and {n}.{n} dollars ${n}.</speak>"
    )
    model, _ = inspect_json(doc, capsys, "--stop-after", "normalize")
    text = spoken(model)
    assert text.count("seven") >= 6 * 5000 and "point" in text


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_pause_tags_with_huge_times_are_clamped(tmp_path: Path, capsys, suffix: str) -> None:
    doc = tmp_path / f"p{suffix}"
    doc.write_text("Title\n\nWait [pause " + "9" * 400 + "s] now [pause 2s] then.\n")
    model, warnings = inspect_json(doc, capsys)
    assert [s["ms"] for s in segments(model) if s["type"] == "break" and s["kind"] == "explicit"] == [60000, 2000]
    assert warnings == [
        f"warning: {doc}:3: pause '[pause 99999999999999999999999999999...]' is over the 60000 ms limit; clamped"
    ]


@pytest.mark.slow
def test_say_reaches_no_file(tmp_path: Path) -> None:
    # The text stands in a temporary file; naming that file (or any other) reaches nothing.
    out = tmp_path / "hi.wav"
    proc = subprocess.run(
        [sys.executable, "-m", "audiobook", "say", '<speak>Hi <audio src="say.ssml">there</audio></speak>',
         "-o", str(out), "--voice", "jm_kumo", "--cache-dir", str(tmp_path / "clips")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "<audio> refused: 'say.ssml': the document has no folder (it was given as text)" in proc.stderr
    assert out.stat().st_size > 1000
