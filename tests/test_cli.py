"""The command line: one-line errors with exit codes, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import SAMPLES


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "audiobook", *args], capture_output=True, text=True)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_missing_file(tmp_path):
    proc = cli("convert", str(tmp_path / "nope.epub"))
    line = one_line_error(proc)
    assert proc.returncode == 2
    assert "nope.epub" in line and "no such file" in line


def test_broken_epub(tmp_path):
    bad = tmp_path / "bad.epub"
    bad.write_bytes(b"this is not a zip file at all")
    line = one_line_error(cli("convert", str(bad)))
    assert "bad.epub" in line


def test_malformed_ssml_in_strict_mode_names_line_and_column(tmp_path):
    bad = tmp_path / "bad.ssml"
    bad.write_text('<speak>\n  <p>Hello <break time="1s">\n</speak>\n')
    line = one_line_error(cli("convert", str(bad), "--strict", "--quiet"))
    assert "bad.ssml:" in line
    assert any(f"bad.ssml:{n}:" in line for n in (2, 3, 4))


def test_unknown_voice(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Hello there.")
    proc = cli("convert", str(src), "--voice", "zz_nobody", "--quiet")
    line = one_line_error(proc)
    assert proc.returncode == 3 and "zz_nobody" in line


def test_speed_out_of_range(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Hello there.")
    line = one_line_error(cli("convert", str(src), "--speed", "5"))
    assert "--speed" in line


def test_inspect_json_has_the_document_model():
    proc = cli("inspect", str(SAMPLES / "three-chapters.md"), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {"title", "authors", "language", "chapters"} <= set(data)
    assert len(data["chapters"]) == 3
    kinds = {s["type"] for ch in data["chapters"] for s in ch["segments"]}
    assert {"speech", "break"} <= kinds
    assert any(s.get("voice") == "jm_kumo" for ch in data["chapters"] for s in ch["segments"])
    assert any(s["type"] == "break" and s["ms"] == 2000 for ch in data["chapters"] for s in ch["segments"])


@pytest.mark.parametrize("sample", ["three-chapters.md", "two-voices.ssml", "tide-clock.epub"])
def test_inspect_reads_every_sample(sample):
    proc = cli("inspect", str(SAMPLES / sample))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()


def test_voices_lists_the_default_and_the_embedded_set(monkeypatch):
    proc = cli("voices")
    assert proc.returncode == 0
    assert "default voice:" in proc.stdout
    for name in ("jf_alpha", "jm_kumo"):
        assert name in proc.stdout
