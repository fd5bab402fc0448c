"""Hostile input at run time: voice packs, blends, the clip cache, numbers and paths from the user.

Every case is what a user sees: the exit code, one line on stderr naming the file and what is
wrong, no traceback, and the input left as it was.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from packkit import (
    ROWS,
    WIDTH,
    npy_bytes,
    official_rows,
    pt_bytes,
    torch_pickle,
    write_pt,
)

from audiobook.cli import main
from voices.packs import (
    MAX_ARCHIVE_MEMBERS,
    MAX_PACK_BYTES,
    VoiceLibrary,
    load_pack_file,
)

GOOD = official_rows()
"""Stand-in rows of the right shape, type and scale."""
RAW = GOOD.tobytes()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run the command line in this process: its exit code and the lines it wrote to stderr."""
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.splitlines() if line.strip()]


def one_line_error(argv: list[str], capsys: pytest.CaptureFixture[str], code: int) -> str:
    """The single stderr line of a command that must fail with ``code``."""
    got, lines = run(argv, capsys)
    assert got == code, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("audiobook: error: ")
    return lines[0]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A one-sentence text to convert."""
    path = tmp_path / "book.txt"
    path.write_text("The lamp was lit.\n", encoding="utf-8")
    return path


def converting(book: Path, *extra: str) -> list[str]:
    return ["convert", str(book), "-o", str(book.with_suffix(".wav")), "--quiet", "--no-cache", *extra]


# -- voice packs ----------------------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _pickle_with_storage_arg(storage_opcodes: bytes) -> bytes:
    """A tensor pickle whose first argument is whatever ``storage_opcodes`` push, not a storage."""
    shape = b"(M\xfe\x01K\x01M\x00\x01t"
    stride = b"(M\x00\x01M\x00\x01K\x01t"
    return (
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + storage_opcodes + b"K\x00" + shape + stride
        + b"\x89ccollections\nOrderedDict\n)RtR."
    )


def _big_pickle() -> bytes:
    # A 70 kB string pushed and popped before the real tensor: valid, but far too large.
    filler = "x" * 70_000
    return b"\x80\x02X" + len(filler).to_bytes(4, "little") + filler.encode() + b"0" + torch_pickle()[2:]


BAD_PT: dict[str, tuple[bytes, str]] = {
    "stride past the data": (pt_bytes(RAW, torch_pickle(stride=(10**9, 1, 1))), "past the 130560 values stored"),
    "offset past the data": (pt_bytes(RAW, torch_pickle(offset=10**6)), "past the 130560 values stored"),
    "offset one too far": (pt_bytes(RAW, torch_pickle(offset=1)), "reach element 130560, past the 130560"),
    "negative offset": (pt_bytes(RAW, torch_pickle(offset=-5)), "negative offset or stride"),
    "negative stride": (pt_bytes(RAW, torch_pickle(stride=(256, 256, -1))), "negative offset or stride"),
    "huge shape": (pt_bytes(RAW, torch_pickle(size=(10**5, 1, 256))), "shape [100000, 1, 256]"),
    "shape and strides of other lengths": (pt_bytes(RAW, torch_pickle(stride=(256, 1))), "shape and strides"),
    "storage shorter than its header": (pt_bytes(RAW[:1024]), "holds 1024 bytes, its header says 130560 values"),
    "storage header and data both short": (pt_bytes(RAW[:1024], torch_pickle(numel=256)), "past the 256 values stored"),
    "storage header of a trillion values": (pt_bytes(RAW, torch_pickle(numel=10**12)), "its header says 1000000000000"),
    "integer storage": (pt_bytes(RAW, torch_pickle(storage="LongStorage")), "unsupported object torch.LongStorage"),
    "a global that runs code": (pt_bytes(RAW, b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsR."), "unsupported object os.system"),
    "a number as the storage": (pt_bytes(RAW, _pickle_with_storage_arg(b"K\x07")), "a tensor without stored data"),
    "no tensor at all": (pt_bytes(RAW, b"\x80\x02ccollections\nOrderedDict\n)R."), "holds no tensor"),
    "missing storage": (pt_bytes(RAW, torch_pickle(key="7")), "voice/data/7 it names is missing"),
    "no data.pkl": (_zip({"voice/data/0": RAW}), "no data.pkl inside"),
    "a pickle of 70 kB": (pt_bytes(RAW, _big_pickle()), "voice/data.pkl holds 70"),
    "a storage that inflates to 5 MiB": (
        _zip({"voice/data.pkl": torch_pickle(), "voice/data/0": bytes(5 << 20)}, zipfile.ZIP_DEFLATED),
        "voice/data/0 holds 5242880 bytes",
    ),
    "too many members": (
        pt_bytes(RAW, extra={f"voice/x{i}": b"" for i in range(MAX_ARCHIVE_MEMBERS)}),
        f"lists {MAX_ARCHIVE_MEMBERS + 4} files, more than the {MAX_ARCHIVE_MEMBERS} allowed",
    ),
    "a truncated pickle": (pt_bytes(RAW, torch_pickle()[:60]), "cannot read the voice pack"),
    "garbage": (b"\x00\x01 not a zip file at all" * 100, "cannot read the voice pack"),
    "half a file": (pt_bytes(RAW)[: len(pt_bytes(RAW)) // 2], "cannot read the voice pack"),
    "infinite values": (pt_bytes(np.full(ROWS * WIDTH, np.inf, "<f4").tobytes()), "NaN or infinite"),
}


@pytest.mark.parametrize("case", list(BAD_PT))
def test_a_crafted_pt_pack_is_a_one_line_voice_error(case, book, capsys):
    data, message = BAD_PT[case]
    pack = book.parent / "evil.pt"
    pack.write_bytes(data)
    before = book.read_bytes()
    line = one_line_error(converting(book, "--voice", str(pack)), capsys, 3)
    assert str(pack) in line and message in line
    assert book.read_bytes() == before
    assert not book.with_suffix(".wav").exists()


def test_a_pt_pack_that_would_read_past_its_data_does_not_kill_the_process(tmp_path):
    """Before the checks this file made numpy read gigabytes past the buffer: a segmentation fault."""
    pack = write_pt(tmp_path / "evil.pt", RAW, torch_pickle(size=(ROWS, 1, WIDTH), stride=(10**8, 10**8, 10**8)))
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from voices.packs import load_pack_file; load_pack_file(__import__('pathlib').Path(sys.argv[1]))",
         str(pack)], capture_output=True, text=True,
    )
    assert proc.returncode == 1 and "VoiceError" in proc.stderr and "past the 130560 values stored" in proc.stderr


@pytest.mark.parametrize(
    "size, stride",
    [((ROWS, 1, WIDTH), (WIDTH, WIDTH, 1)), ((ROWS, WIDTH), (WIDTH, 1))],
)
def test_a_true_pt_pack_of_either_shape_loads_its_rows(tmp_path, size, stride):
    pack = load_pack_file(write_pt(tmp_path / "mine.pt", RAW, torch_pickle(size=size, stride=stride)))
    assert np.array_equal(pack.rows, GOOD.reshape(ROWS, WIDTH))


def test_a_transposed_pt_pack_is_read_through_its_strides(tmp_path):
    # Stored column by column: the strides, checked, still say where each value is.
    stored = np.ascontiguousarray(GOOD.reshape(ROWS, WIDTH).T).tobytes()
    pack = load_pack_file(write_pt(tmp_path / "t.pt", stored, torch_pickle(size=(ROWS, WIDTH), stride=(1, ROWS))))
    assert np.array_equal(pack.rows, GOOD.reshape(ROWS, WIDTH))


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


BAD_NPY: dict[str, tuple[bytes, str]] = {
    "an object array (a pickle)": (_npy(np.array([{"a": 1}], dtype=object), allow_pickle=True), "holds |O values"),
    "a shape of a trillion rows": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (10**12, 256), }", b""), "not a .npy array"),
    "a huge shape in numbers": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 256), }", b""), "shape [1000000000000, 256]"),
    "cut short": (npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }", RAW[:4000]), "cut short: 4000 of the 522240 bytes"),
    "integers": (_npy(np.zeros((ROWS, WIDTH), dtype=np.int32)), "holds <i4 values"),
    "complex numbers": (_npy(np.zeros((ROWS, WIDTH), dtype=np.complex64)), "holds <c8 values"),
    "a record type": (_npy(np.zeros((ROWS,), dtype=[("a", "<f4", (256,))])), "holds |V1024 values"),
    "not a .npy file": (b"PK\x03\x04 certainly not numpy" * 10, "not a .npy array"),
    "a header that is code": (npy_bytes("__import__('os').system('true')", b""), "not a .npy array"),
    "a wrong row count": (_npy(np.zeros((10, WIDTH), dtype=np.float32)), "shape [10, 256]"),
    "NaN values": (_npy(np.full((ROWS, WIDTH), np.nan, dtype=np.float32)), "NaN or infinite"),
    "float64 beyond float32": (_npy(np.full((ROWS, WIDTH), 1e300)), "NaN or infinite"),
}


@pytest.mark.parametrize("case", list(BAD_NPY))
def test_a_crafted_npy_pack_is_a_one_line_voice_error(case, book, capsys):
    data, message = BAD_NPY[case]
    pack = book.parent / "evil.npy"
    pack.write_bytes(data)
    line = one_line_error(converting(book, "--voice", str(pack)), capsys, 3)
    assert str(pack) in line and message in line


def test_npy_packs_in_fortran_order_half_and_double_precision_load(tmp_path):
    rows = GOOD.reshape(ROWS, WIDTH)
    for name, array in {"f": np.asfortranarray(rows), "h": rows.astype("<f2"), "d": rows.astype(">f8")}.items():
        path = tmp_path / f"{name}.npy"
        path.write_bytes(_npy(array))
        assert np.allclose(load_pack_file(path).rows, rows, atol=1e-3)


def _npz(members: dict[str, bytes]) -> bytes:
    return _zip(members, zipfile.ZIP_DEFLATED)


BAD_NPZ: dict[str, tuple[bytes, str]] = {
    "several voices, none named": (_npz({"a.npy": _npy(GOOD), "b.npy": _npy(GOOD)}), "holds several voices 2 (a, b); name one"),
    "no array": (_npz({}), "holds no array"),
    "a member that is not .npy": (_npz({"evil.pkl": b"cos\nsystem\n"}), "evil.pkl is not a .npy array"),
    "a short member": (_npz({"evil.npy": _npy(GOOD)[:5000]}), "cut short"),
    "a member of the wrong shape": (_npz({"evil.npy": _npy(np.zeros((ROWS, 3), np.float32))}), "shape [510, 3]"),
    "a member that inflates to 5 MiB": (_npz({"evil.npy": bytes(5 << 20)}), "evil.npy holds 5242880 bytes"),
    "a control character in a name": (
        _npz({"a\nb.npy": _npy(GOOD), "c\x1b[0m.npy": _npy(GOOD)}), "(a b, c?[0m); name one",
    ),
    "garbage": (b"PK\x03\x04" + bytes(range(256)) * 4, "cannot read the voice pack"),
}


@pytest.mark.parametrize("case", list(BAD_NPZ))
def test_a_crafted_npz_pack_is_a_one_line_voice_error(case, book, capsys):
    data, message = BAD_NPZ[case]
    pack = book.parent / "evil.npz"
    pack.write_bytes(data)
    line = one_line_error(converting(book, "--voice", str(pack)), capsys, 3)
    assert str(pack) in line and message in line


def test_an_npz_bundle_gives_the_voice_named(tmp_path, monkeypatch):
    other = official_rows(2)
    (tmp_path / "bundle.npz").write_bytes(_npz({"mine.npy": _npy(GOOD), "yours.npy": _npy(other)}))
    assert np.array_equal(load_pack_file(tmp_path / "bundle.npz", key="yours").rows, other.reshape(ROWS, WIDTH))
    with pytest.raises(Exception, match="no voice 'theirs'; it holds 2 \\(mine, yours\\)"):
        load_pack_file(tmp_path / "bundle.npz", key="theirs")


@pytest.mark.parametrize(
    "data, message",
    [(RAW[:-4], "holds 522236 bytes"), (RAW + RAW[:4], "holds 522244 bytes"), (b"", "holds 0 bytes")],
)
def test_a_bin_pack_of_the_wrong_length_is_refused(book, capsys, data, message):
    pack = book.parent / "evil.bin"
    pack.write_bytes(data)
    line = one_line_error(converting(book, "--voice", str(pack)), capsys, 3)
    assert f"{pack}: {message}; a raw float32 voice pack is exactly 522240" in line


@pytest.mark.parametrize("suffix", [".pt", ".npy", ".npz", ".bin"])
def test_a_pack_file_larger_than_the_cap_is_not_read(book, capsys, suffix):
    pack = book.parent / f"huge{suffix}"
    with pack.open("wb") as f:
        f.truncate(MAX_PACK_BYTES + 1)  # sparse: nothing is written to disk
    line = one_line_error(converting(book, "--voice", str(pack)), capsys, 3)
    assert f"{pack}: {MAX_PACK_BYTES + 1} bytes is more than the {MAX_PACK_BYTES}" in line


def test_a_folder_named_like_a_pack_is_refused(book, capsys):
    folder = book.parent / "folder.pt"
    folder.mkdir()
    line = one_line_error(converting(book, "--voice", str(folder)), capsys, 3)
    assert f"{folder}: not a voice file" in line


def _evil_pack(folder: Path) -> Path:
    return write_pt(folder / "evil.pt", RAW, torch_pickle(stride=(10**9, 1, 1)))


@pytest.mark.parametrize("where", ["blend", "ssml", "inline", "front matter", "cast", "cast file"])
def test_a_crafted_pack_is_refused_wherever_a_voice_is_named(tmp_path, capsys, where):
    evil = _evil_pack(tmp_path)
    # A document names the pack beside it (a document reaches nothing outside its folder).
    here = evil.name
    extra: list[str] = []
    if where == "blend":
        src = tmp_path / "book.txt"
        src.write_text("The lamp was lit.\n")
        extra = ["--voice", f"af_heart:0.5+{evil}:0.5"]
    elif where == "ssml":
        src = tmp_path / "book.ssml"
        src.write_text(f'<speak>The lamp <voice name="{here}">was lit.</voice></speak>')
    elif where == "inline":
        src = tmp_path / "book.md"
        src.write_text(f'# One\n\nThe lamp <voice name="{here}">was lit.</voice>\n')
    elif where == "front matter":
        src = tmp_path / "book.md"
        src.write_text(f"---\ntitle: T\nvoice: {here}\n---\n\n# One\n\nThe lamp was lit.\n")
    elif where == "cast":
        src = tmp_path / "play.script.md"
        src.write_text(f"---\ncast:\n  MARA: {here}\n---\n\n# Scene\n\nMARA: The lamp was lit.\n")
    else:
        src = tmp_path / "play.script.md"
        (tmp_path / "cast.toml").write_text(f'[MARA]\nvoice = "{here}"\n')
        src.write_text("# Scene\n\nMARA: The lamp was lit.\n")
    before = src.read_bytes()
    line = one_line_error(converting(src, *extra), capsys, 3)
    assert f"{evil}: the tensor's offset and strides reach element" in line
    assert src.read_bytes() == before


# -- blends ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, message",
    [
        ("af_heart:1e400+bf_emma:1", "weight 1e400 of af_heart is not a finite number"),
        ("af_heart:inf+bf_emma:1", "weight inf of af_heart is not a finite number"),
        ("af_heart:nan+bf_emma:1", "weight nan of af_heart is not a finite number"),
        ("af_heart:0+bf_emma:0", "weight of af_heart is zero"),
        ("af_heart:0+bf_emma:1", "weight of af_heart is zero"),
        ("af_heart:-1+bf_emma:2", "weight -1.0 is negative"),
        ("af_heart:1e308+bf_emma:1e308", "the weights add up to more than a number can hold"),
        ("+".join(["af_heart"] * 33), "33 voices in a blend; at most 32"),
    ],
)
def test_blend_weights_that_are_not_positive_finite_numbers_are_refused(book, capsys, spec, message):
    line = one_line_error(converting(book, "--voice", spec), capsys, 3)
    assert message in line


def test_a_blend_with_a_nan_weight_in_ssml_is_refused(tmp_path, capsys):
    src = tmp_path / "book.ssml"
    src.write_text('<speak>The lamp <voice name="af_heart:nan+bf_emma:1">was lit.</voice></speak>')
    line = one_line_error(converting(src), capsys, 3)
    assert "weight nan of af_heart is not a finite number" in line


def test_tiny_and_large_finite_weights_still_blend(monkeypatch):
    lib = VoiceLibrary()
    a, b = lib.load("jf_alpha").rows, lib.load("jm_kumo").rows
    for spec in ("jf_alpha:1e-300+jm_kumo:3e-300", "jf_alpha:1e300+jm_kumo:3e300"):
        assert np.allclose(lib.load(spec).rows, 0.25 * a + 0.75 * b, atol=1e-6)


# -- the clip cache -------------------------------------------------------------------------------


def _odd(data: bytes) -> bytes:
    return data[:-1]


def _flipped(data: bytes) -> bytes:
    return data[:-100] + bytes([data[-100] ^ 0x40]) + data[-99:]


def _longer(data: bytes) -> bytes:
    return data + data[-64:]


def _headerless(data: bytes) -> bytes:
    # What version 1 stored: bare float16 samples.
    return data[16:]


def _garbage(data: bytes) -> bytes:
    return bytes(np.random.default_rng(3).integers(0, 256, len(data), dtype=np.uint8))


def _nan(data: bytes) -> bytes:
    import struct
    import zlib

    payload = np.full((len(data) - 16) // 2, np.nan, dtype="<f2").tobytes()
    return data[:8] + struct.pack("<II", len(payload) // 2, zlib.crc32(payload)) + payload


DAMAGE = {
    "an odd byte count": _odd,
    "one flipped byte": _flipped,
    "more bytes than the header says": _longer,
    "no header": _headerless,
    "garbage": _garbage,
    "NaN samples with a true checksum": _nan,
    "empty": lambda data: b"",
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_clip_is_synthesized_again_never_played(tmp_path, case):
    from tone_engine import synthesizer, unit

    synth = synthesizer(tmp_path / "clips")
    first = synth.raw_clip(unit("The lamp was lit.", 20))
    [clip] = list((tmp_path / "clips").rglob("*.f16"))
    clip.write_bytes(DAMAGE[case](clip.read_bytes()))
    calls = synth.engine.calls
    again = synth.raw_clip(unit("The lamp was lit.", 20))
    assert np.array_equal(again, first)
    assert synth.engine.calls == calls + 1 and synth.cache.damaged == 1
    # Stored again, whole: the next run reads it from the cache (at the cache's float16 precision).
    assert np.array_equal(synth.raw_clip(unit("The lamp was lit.", 20)), first.astype("<f2").astype(np.float32))
    assert synth.engine.calls == calls + 1 and synth.cache.damaged == 1


def test_a_runaway_clip_file_is_not_read_whole(tmp_path):
    from tone_engine import synthesizer, unit

    from audiobook.synthesis.cache import MAX_CLIP_BYTES

    synth = synthesizer(tmp_path / "clips")
    first = synth.raw_clip(unit("The lamp was lit.", 20))
    [clip] = list((tmp_path / "clips").rglob("*.f16"))
    with clip.open("r+b") as f:
        f.truncate(MAX_CLIP_BYTES * 64)  # a gigabyte, sparse
    assert np.array_equal(synth.raw_clip(unit("The lamp was lit.", 20)), first)
    assert synth.cache.damaged == 1 and clip.stat().st_size == 16 + 2 * first.size


def test_a_book_with_damaged_clips_is_written_whole_on_every_rerun(tmp_path):
    from tone_engine import render, synthesizer, unit

    from audiobook.model import Metadata
    from audiobook.output.assemble import OutputOptions, write_audiobook
    from audiobook.plan import ChapterPlan, Pause

    plans = [ChapterPlan("One", (unit("The lamp was lit.", 20), Pause(400), unit("The sea was calm.", 24)))]
    lengths = []
    for run_no in range(3):
        synth = synthesizer(tmp_path / "clips")
        out = tmp_path / f"book{run_no}.wav"
        written = write_audiobook(out, Metadata(title="T"), 1, synth, render(synth, plans), OutputOptions())
        lengths.append(written.samples)
        for clip in (tmp_path / "clips").rglob("*.f16"):
            clip.write_bytes(_odd(clip.read_bytes()))
    assert lengths[0] == lengths[1] == lengths[2]


# -- numbers from the command line ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threads", "99999999999999999999"], "--threads 99999999999999999999 is outside 1-"),
        (["--threads", "0"], "--threads 0 is outside 1-"),
        (["--threads", "-4"], "--threads -4 is outside 1-"),
        (["--chapter-pause", "999999999"], "--chapter-pause 999999999 is outside 0-60000 ms"),
        (["--sentence-pause", "-1"], "--sentence-pause -1 is outside 0-60000 ms"),
        (["--paragraph-pause", "60001"], "--paragraph-pause 60001 is outside 0-60000 ms"),
        (["--speed", "nan"], "--speed nan is outside 0.5-2.0"),
        (["--speed", "1e400"], "--speed inf is outside 0.5-2.0"),
        (["--speed", "0"], "--speed 0 is outside 0.5-2.0"),
        (["--loudness", "nan"], "--loudness nan is not a number"),
        (["--loudness=-1e400"], "--loudness -inf is not a number"),
        (["--loudness", "3"], "--loudness 3.0 is outside -60 to -5 LUFS"),
        (["--bitrate", "fast"], "--bitrate 'fast' is not a bitrate from 8k to 512k"),
        (["--bitrate", "99999999k"], "--bitrate '99999999k' is not a bitrate"),
        (["--bitrate", "2k"], "--bitrate '2k' is not a bitrate"),
        (["--bitrate=-b:a"], "--bitrate '-b:a' is not a bitrate"),
        (["--lang", "xx-nowhere"], "--lang 'xx-nowhere' is not a language espeak-ng reads"),
        (["--lang", "en;rm -rf"], "--lang 'en;rm -rf' is not a language espeak-ng reads"),
        (["--lang", ""], "--lang '' is not a language"),
    ],
)
def test_numbers_and_codes_out_of_range_stop_before_anything_is_read(book, capsys, args, message):
    clips = book.parent / "clips"
    line = one_line_error(
        ["convert", str(book), "-o", str(book.with_suffix(".m4b")), "--quiet", "--cache-dir", str(clips), *args], capsys, 2
    )
    assert message in line
    assert not clips.exists() and not book.with_suffix(".m4b").exists()


@pytest.mark.parametrize("args", [["--threads", "0"], ["--chapter-pause", "-5"], ["--lang", "zz"], ["--speed", "9"]])
def test_say_checks_the_same_numbers(tmp_path, capsys, args):
    one_line_error(["say", "Hello.", "-o", str(tmp_path / "a.wav"), *args], capsys, 2)
    assert list(tmp_path.iterdir()) == []


def test_inspect_checks_the_language(book, capsys):
    assert "--lang 'qq'" in one_line_error(["inspect", str(book), "--lang", "qq"], capsys, 2)


@pytest.mark.parametrize("args", [["--bitrate", "64k"], ["--bitrate", "96000"], ["--lang", "en-GB"], ["--lang", "fr"],
                                  ["--threads", "2"], ["--chapter-pause", "0"], ["--sentence-pause", "60000"]])
def test_numbers_in_range_are_taken(book, capsys, args):
    from audiobook.cli import _check_numbers, build_parser

    _check_numbers(build_parser().parse_args(["convert", str(book), *args]))


# -- files the tool writes --------------------------------------------------------------------------


def _unchanged(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.mark.parametrize(
    "args, message, code",
    [
        (["--timings", "{input}"], "the timing file {input} is the input; choose another name", 2),
        (["--timings", "{dir}/./book.txt"], "the timing file {input} is the input", 2),
        (["--timings", "{dir}/link.json"], "the timing file {dir}/link.json is the input", 2),
        (["-o", "{dir}/out.m4b", "--timings", "{dir}/out.m4b"], "the timing file and the audio output are both", 2),
        (["-o", "{dir}/out.m4b", "--subtitles", "vtt", "--timings", "{dir}/out.vtt"],
         "the timing file and the subtitles are both {dir}/out.vtt", 2),
        (["-o", "/proc/book.m4b"], "cannot write the audio output /proc/book.m4b:", 6),
        (["-o", "{dir}/folder.m4b"], "cannot write the audio output {dir}/folder.m4b: it is a folder", 6),
        (["-o", "{dir}/missing/book.m4b"], "folder {dir}/missing does not exist", 6),
        (["--timings", "/proc/t.json"], "cannot write the timing file /proc/t.json:", 6),
        (["--timings", "{dir}/folder.m4b"], "cannot write the timing file {dir}/folder.m4b: it is a folder", 6),
        (["--timings", "/dev/null"], "cannot write the timing file /dev/null: it is not a regular file", 6),
        (["-o", "/proc/book.mp3", "--split-chapters"], "cannot write the chapter folder /proc/book:", 6),
        (["-o", "{dir}/book.txt.mp3", "--split-chapters"], "the chapter folder {input} is the input", 2),
    ],
)
def test_outputs_that_would_overwrite_the_input_or_cannot_be_written_stop_at_once(tmp_path, capsys, args, message, code):
    src = tmp_path / "book.txt"
    src.write_text("The lamp was lit.\n")
    (tmp_path / "folder.m4b").mkdir()
    (tmp_path / "link.json").hardlink_to(src)
    before = _unchanged(src)
    argv = ["convert", str(src), "--quiet", "--no-cache", *(a.format(input=src, dir=tmp_path) for a in args)]
    line = one_line_error(argv, capsys, code)
    assert message.format(input=src, dir=tmp_path) in line
    assert _unchanged(src) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.txt", "folder.m4b", "link.json"]


def test_subtitles_that_would_overwrite_the_input_stop_at_once(tmp_path, capsys):
    src = tmp_path / "notes.srt"
    src.write_text("The lamp was lit.\n")
    before = _unchanged(src)
    line = one_line_error(["convert", str(src), "--subtitles", "srt", "--quiet"], capsys, 2)
    assert f"the subtitles {src} is the input" in line
    assert _unchanged(src) == before


def test_say_refuses_an_output_it_cannot_write(capsys):
    line = one_line_error(["say", "Hello.", "-o", "/proc/hello.wav"], capsys, 6)
    assert "cannot write the audio output /proc/hello.wav" in line


# -- two runs, one output ---------------------------------------------------------------------------

CONCURRENT_SCRIPT = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from audiobook.model import Metadata
from audiobook.output.assemble import OutputOptions, write_audiobook
from audiobook.plan import ChapterPlan, Pause
from tone_engine import render, synthesizer, unit

plans = [ChapterPlan(f"Part {c}", tuple(x for i in range(6) for x in (unit(f"Line {c}.{i}.", 20 + i + int(sys.argv[4])), Pause(300))))
         for c in range(3)]
synth = synthesizer(Path(sys.argv[3]))
draw = render(synth, plans)
go = Path(sys.argv[1]).with_name("go")

def held(sink, progress):
    def watch(chunk):
        sink(chunk)
        if chunk.kind == "chapter" and chunk.chapter == 1:
            print("writing", flush=True)
            while not go.exists():
                time.sleep(0.01)
    draw(watch, progress)

written = write_audiobook(Path(sys.argv[1]), Metadata(title="Race"), len(plans), synth, held, OutputOptions(normalize=False))
print(written.samples, flush=True)
"""


@pytest.mark.parametrize("suffix", [".m4b", ".wav"])
def test_two_runs_writing_one_output_at_once_both_finish_with_one_whole_file(tmp_path, suffix):
    from audio_checks import chapters, decode

    target = tmp_path / f"book{suffix}"
    tests = Path(__file__).parent
    runs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_SCRIPT, str(target), str(tests), str(tmp_path / f"clips{n}"), str(n * 7)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    try:
        # Both are halfway through writing the same output before either may finish.
        for run_ in runs:
            assert run_.stdout is not None and run_.stdout.readline() == "writing\n"
        (tmp_path / "go").touch()
        results = [run_.communicate(timeout=120) for run_ in runs]
    finally:
        for run_ in runs:
            run_.kill()
    assert [r.returncode for r in runs] == [0, 0], [err for _, err in results]
    lengths = {int(out.strip()) for out, _ in results}
    assert len(lengths) == 2  # the two books differ, so the file tells which one it is
    assert len(decode(target)) in lengths
    if suffix == ".m4b":
        assert [title for title, _ in chapters(target)] == ["Part 0", "Part 1", "Part 2"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(["go", target.name])


def test_a_temporary_file_left_by_a_killed_run_is_removed_and_a_live_one_kept(tmp_path):
    from tone_engine import render, synthesizer, unit

    from audiobook.model import Metadata
    from audiobook.output.assemble import OutputOptions, write_audiobook
    from audiobook.plan import ChapterPlan

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".book.partial-{int(dead.stdout)}.wav"
    live = tmp_path / f".book.partial-{os.getppid()}.wav"
    stale.write_bytes(b"left by a killed run")
    live.write_bytes(b"still being written")
    synth = synthesizer(tmp_path / "clips")
    plans = [ChapterPlan("One", (unit("The lamp was lit.", 20),))]
    write_audiobook(tmp_path / "book.wav", Metadata(), 1, synth, render(synth, plans), OutputOptions(normalize=False))
    assert not stale.exists() and live.read_bytes() == b"still being written"


@pytest.mark.slow
def test_two_real_conversions_of_one_output_at_once_leave_one_whole_audiobook(tmp_path):
    from audio_checks import chapters, duration

    src = tmp_path / "tiny.md"
    src.write_text("# One\n\nThe lamp was lit.\n\n# Two\n\nThe sea was calm.\n")
    target = tmp_path / "tiny.m4b"
    # The race is over the output file: the engine is named, so neither run first calibrates ``auto``
    # for one thread (test_engines covers the calibration).
    runs = [
        subprocess.Popen([sys.executable, "-m", "audiobook", "convert", str(src), "-o", str(target), "--quiet",
                          "--threads", "1", "--engine", "onnx", "--cache-dir", str(tmp_path / f"clips{n}")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    results = [run_.communicate(timeout=600) for run_ in runs]
    for run_, (out, err) in zip(runs, results):
        if run_.returncode != 0:
            # A run may lose the race, but only with one line that says so.
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("audiobook: error: ") and "Traceback" not in err
    assert 0 in [run_.returncode for run_ in runs]
    assert [title for title, _ in chapters(target)] == ["One", "Two"]
    wrote = [float(out.split(": ", 1)[1].split(" s,")[0]) for (out, _), run_ in zip(results, runs) if run_.returncode == 0]
    assert any(abs(duration(target) - seconds) < 0.1 for seconds in wrote)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["tiny.m4b", "tiny.md"]


# -- inserted audio ---------------------------------------------------------------------------------


def _tone_file(path: Path, seconds: float, rate: int = 8000) -> Path:
    from imageio_ffmpeg import get_ffmpeg_exe

    subprocess.run([get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=300:sample_rate={rate}:duration={seconds}",
                    str(path)], check=True)
    return path


def test_inserted_audio_is_decoded_up_to_the_cap(tmp_path):
    from imageio_ffmpeg import get_ffmpeg_exe

    from audiobook.synthesis.clips import decode_audio_file

    path = _tone_file(tmp_path / "tone.wav", 3.0)
    audio, cut = decode_audio_file(str(path), get_ffmpeg_exe(), max_seconds=1.0)
    assert cut and audio.size == 24_000
    audio, cut = decode_audio_file(str(path), get_ffmpeg_exe(), max_seconds=5.0)
    assert not cut and abs(audio.size - 72_000) < 100


def test_a_pipe_is_not_decoded(tmp_path):
    from imageio_ffmpeg import get_ffmpeg_exe

    from audiobook.errors import InputError
    from audiobook.synthesis.clips import decode_audio_file

    fifo = tmp_path / "endless.wav"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        decode_audio_file(str(fifo), get_ffmpeg_exe())


def test_a_long_inserted_file_is_cut_at_the_cap_with_one_report(tmp_path):
    from tone_engine import render, synthesizer, unit

    from audiobook.model import Metadata
    from audiobook.output.assemble import OutputOptions, write_audiobook
    from audiobook.plan import ChapterPlan, Insert
    from audiobook.synthesis.clips import MAX_INSERT_SECONDS

    long_file = _tone_file(tmp_path / "long.wav", MAX_INSERT_SECONDS + 20)
    synth = synthesizer(tmp_path / "clips")
    plans = [ChapterPlan("One", (unit("Before.", 20), Insert(str(long_file)), unit("After.", 20)))]
    written = write_audiobook(tmp_path / "book.wav", Metadata(), 1, synth, render(synth, plans), OutputOptions())
    assert MAX_INSERT_SECONDS < written.samples / 24_000 < MAX_INSERT_SECONDS + 10
    cut = [r for r in synth.reporter.reports if r.code == "audio-cut"]
    assert len(cut) == 1 and f"longer than {MAX_INSERT_SECONDS} s" in cut[0].message and cut[0].where == str(long_file)
