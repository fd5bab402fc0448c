"""Many books in one command: inputs, names, refusals (fast); a real library run on this machine (slow)."""

from __future__ import annotations

import pytest
from audio_checks import chapters, duration
from conftest import ALPHA, official_voices_available, write_shelf
from conftest import run_cli as cli

from audiobook.convert import ConvertOptions
from audiobook.errors import InputError
from audiobook.library import LibraryOptions, collect_inputs, library_outputs, pool_size

# -- fast: inputs and names ---------------------------------------------------------------------


def test_folder_and_glob_inputs_expand_sorted_once(tmp_path):
    shelf = write_shelf(tmp_path / "shelf")
    (shelf / "cover.jpg").write_bytes(b"\xff\xd8")  # not a document: a folder skips it
    found = collect_inputs([shelf, str(shelf / "*.md"), shelf / "beta.md"])
    assert [p.name for p in found] == ["alpha.md", "beta.md", "broken.epub"]


def test_missing_input_and_empty_glob_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        collect_inputs([tmp_path / "nope.md"])
    with pytest.raises(InputError, match="matches no file"):
        collect_inputs([str(tmp_path / "*.epub")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no readable document"):
        collect_inputs([tmp_path / "empty"])


def test_books_of_one_name_are_refused_before_anything_runs(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "story.md").write_text(ALPHA)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputError, match=r"a/story\.md and .*b/story\.md would both be written to .*story\.m4b"):
        library_outputs([tmp_path / "a/story.md", tmp_path / "b/story.md"], LibraryOptions(out), ConvertOptions())


def test_an_output_that_would_overwrite_an_input_is_refused(tmp_path):
    src = tmp_path / "notes.wav"
    src.write_text("Plain text, oddly named.")
    with pytest.raises(InputError, match="is the input"):
        library_outputs([src], LibraryOptions(tmp_path, format="wav"), ConvertOptions())


def test_cli_refuses_one_output_file_for_several_books(tmp_path):
    shelf = write_shelf(tmp_path / "shelf")
    proc = cli("convert", str(shelf / "alpha.md"), str(shelf / "beta.md"), "-o", str(tmp_path / "x.m4b"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("audiobook: error: -o names one file; ")
    proc = cli("convert", str(shelf), "--out-dir", str(tmp_path / "missing"))
    assert proc.returncode == 2 and "is not a folder; create it first" in proc.stderr
    assert not list(tmp_path.glob("*.m4b"))


def test_pool_is_sized_to_the_cores():
    assert pool_size(2) == (1, 2)
    assert pool_size(16) == (8, 2)
    assert pool_size(16, sessions=4) == (4, 4)
    assert pool_size(1) == (1, 1)


# -- slow: the real model -------------------------------------------------------------------------

needs_voices = pytest.mark.skipif(not official_voices_available(), reason="official voice packs not on the voice path")


@pytest.mark.slow
@needs_voices
def test_library_writes_the_good_books_and_reports_the_bad_one(library_run):
    proc, shelf, out, _ = library_run
    assert proc.returncode == 2, proc.stderr
    assert f"failed {shelf / 'broken.epub'}: " in proc.stderr
    assert "2 of 3 books written" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["alpha.m4b", "beta.m4b"]
    assert [t for t, _ in chapters(out / "alpha.m4b")] == ["One", "Two"]
    assert [t for t, _ in chapters(out / "beta.m4b")] == ["First", "Second"]
    for book in ("alpha", "beta"):
        assert 6.0 < duration(out / f"{book}.m4b") < 14.0


@pytest.mark.slow
@needs_voices
def test_a_library_book_equals_its_single_conversion(library_run, tmp_path):
    _, shelf, out, clips = library_run
    single = tmp_path / "alpha.m4b"
    proc = cli("convert", str(shelf / "alpha.md"), "-o", str(single), "--voice", "af_heart", "--cache-dir", str(clips),
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    # The same clips from the cache: the same chapters and length to the frame.
    assert "0 synthesized" in proc.stdout
    assert duration(single) == pytest.approx(duration(out / "alpha.m4b"), abs=0.05)
    for (t1, s1), (t2, s2) in zip(chapters(single), chapters(out / "alpha.m4b"), strict=True):
        assert t1 == t2 and s1 == pytest.approx(s2, abs=0.05)


@pytest.mark.slow
@needs_voices
def test_a_library_run_again_synthesizes_nothing(library_run, tmp_path):
    _, shelf, out, clips = library_run
    proc = cli("convert", str(shelf / "alpha.md"), str(shelf / "beta.md"), "--out-dir", str(tmp_path), "--voice", "af_heart",
               "--cache-dir", str(clips), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "2 of 2 books written" in proc.stdout and "0 units synthesized, 8 from cache" in proc.stdout
    for name in ("alpha.m4b", "beta.m4b"):
        assert duration(tmp_path / name) == pytest.approx(duration(out / name), abs=0.05)
