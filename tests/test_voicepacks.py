"""Voices: found by name, path and blend; loaded from every file type; errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import voices as catalogue_pkg
from audiobook.errors import VoiceError
from audiobook.voicepacks import VoiceLibrary, load_pack_file, parse_blend

SHARED = Path(__file__).resolve().parents[2] / "shared" / "voices"


def test_catalogue_lists_every_official_voice_with_checksums():
    cat = catalogue_pkg.catalogue()
    assert len(cat) == 54
    assert sum(1 for v in cat.values() if v.embedded) == 5
    heart = cat["af_heart"]
    assert (heart.language, heart.gender) == ("en-us", "female")
    assert heart.hub is not None and len(heart.hub.sha256) == 64
    assert {v.language for v in cat.values()} >= {"en-us", "en-gb", "es", "fr-fr", "hi", "it", "ja", "pt-br", "zh"}


def test_embedded_voices_load_offline(monkeypatch):
    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    lib = VoiceLibrary()
    for name in ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"):
        pack = lib.load(name)
        assert pack.rows.shape == (510, 256) and pack.rows.dtype == np.float32
    assert lib.default_voice()[0] == "jf_alpha"
    assert "af_heart is not on disk" in lib.default_voice()[1]


def test_style_row_follows_phoneme_count():
    pack = VoiceLibrary().load("jm_kumo")
    assert np.array_equal(pack.style(1), pack.rows[0])
    assert np.array_equal(pack.style(120), pack.rows[119])
    assert np.array_equal(pack.style(9999), pack.rows[509])


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".bin"])
def test_pack_files_of_each_type_round_trip(tmp_path, suffix):
    rows = VoiceLibrary().load("jf_nezumi").rows.reshape(510, 1, 256)
    path = tmp_path / f"mine{suffix}"
    if suffix == ".npy":
        np.save(path, rows)
    elif suffix == ".npz":
        np.savez(path, mine=rows)
    else:
        rows.astype("<f4").tofile(path)
    pack = load_pack_file(path)
    assert np.array_equal(pack.rows, rows.reshape(510, 256))
    # Named by path on the command line, too.
    assert VoiceLibrary().load(str(path)).digest == pack.digest


def test_search_path_finds_packs_in_a_folder(tmp_path, monkeypatch):
    rows = VoiceLibrary().load("jm_kumo").rows
    np.save(tmp_path / "my_narrator.npy", rows)
    monkeypatch.setenv("AUDIOBOOK_VOICE_PATH", str(tmp_path))
    lib = VoiceLibrary()
    assert "my_narrator" in lib.available()
    assert np.array_equal(lib.load("my_narrator").rows, rows)


@pytest.mark.skipif(not (SHARED / "jf_alpha.pt").exists(), reason="official voice packs not present")
def test_torch_pack_loads_without_torch_and_matches_the_embedded_copy():
    pt = load_pack_file(SHARED / "jf_alpha.pt")
    assert np.array_equal(pt.rows, VoiceLibrary().load("jf_alpha").rows)


def test_a_pickle_that_runs_code_is_refused(tmp_path):
    import pickle
    import zipfile

    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("evil/data.pkl", pickle.dumps(Evil(), protocol=2))
    with pytest.raises(VoiceError, match="cannot read the voice pack"):
        load_pack_file(path)


def test_blends_are_normalized_weighted_sums():
    assert parse_blend("jf_alpha:3+jm_kumo:1") == [("jf_alpha", 0.75), ("jm_kumo", 0.25)]
    assert parse_blend("jf_alpha+jm_kumo") == [("jf_alpha", 0.5), ("jm_kumo", 0.5)]
    lib = VoiceLibrary()
    blend = lib.load("jf_alpha:0.6+jm_kumo:0.4")
    expected = 0.6 * lib.load("jf_alpha").rows + 0.4 * lib.load("jm_kumo").rows
    assert np.allclose(blend.rows, expected, atol=1e-6)
    assert lib.load("warm-duo").rows.shape == (510, 256)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("nobody", "unknown voice 'nobody'; available now:"),
        ("jf_alpha:-1+jm_kumo:1", "negative"),
        ("jf_alpha+", "empty part"),
    ],
)
def test_bad_voice_names_are_one_line_errors(spec, message, monkeypatch):
    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    with pytest.raises(VoiceError, match=message) as info:
        VoiceLibrary().load(spec)
    assert "\n" not in str(info.value)


def test_official_voice_not_on_disk_says_how_to_get_it(monkeypatch):
    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    with pytest.raises(VoiceError, match="audiobook voices pull bf_emma"):
        VoiceLibrary().load("bf_emma")


def test_wrong_shape_is_refused(tmp_path):
    np.save(tmp_path / "small.npy", np.zeros((10, 256), dtype=np.float32))
    with pytest.raises(VoiceError, match="510x256"):
        load_pack_file(tmp_path / "small.npy")
