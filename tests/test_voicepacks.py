"""Voices: found by name, path and blend; loaded from every file type; errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audiobook.errors import VoiceError
from voices import catalogue as catalogue_pkg
from voices.packs import VoiceLibrary, load_pack_file, parse_blend

SHARED = Path(__file__).resolve().parents[2] / "shared" / "voices"


def test_catalogue_lists_every_official_voice_with_checksums():
    cat = catalogue_pkg.catalogue()
    assert len(cat) == 54
    assert sum(1 for v in cat.values() if v.embedded) == 13
    heart = cat["af_heart"]
    assert (heart.language, heart.gender) == ("en-us", "female")
    assert heart.hub is not None and len(heart.hub.sha256) == 64
    assert {v.language for v in cat.values()} >= {"en-us", "en-gb", "es", "fr-fr", "hi", "it", "ja", "pt-br", "zh"}


def test_embedded_voices_load_offline(monkeypatch):
    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    from voices.choice import default_voice

    lib = VoiceLibrary()
    shipped = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
    english = ("af_heart", "af_bella", "af_nicole", "am_michael", "am_fenrir", "bf_emma", "bm_george", "bm_fable")
    for name in shipped + english:
        pack = lib.load(name)
        assert pack.rows.shape == (510, 256) and pack.rows.dtype == np.float32
        assert lib.available()[name] == "embedded"
    assert default_voice(lib) == ("af_heart", "ships with audiobook")


def test_shipped_english_packs_are_the_official_files():
    """Each pack in the package is byte for byte the hub's file (its SHA-256 in the catalogue)."""
    import hashlib
    from importlib import resources

    packs = resources.files("voices") / "packs"
    for name, info in catalogue_pkg.catalogue().items():
        if info.embedded is None or info.embedded.package != "voices":
            continue
        data = (packs / f"{name}.pt").read_bytes()
        assert info.hub is not None and hashlib.sha256(data).hexdigest() == info.hub.sha256 == info.embedded.sha256
        assert len(data) == info.hub.size
    assert "Apache License" in (packs / "LICENSE").read_text() and "hexgrad/Kokoro-82M" in (packs / "NOTICE").read_text()


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
    with pytest.raises(VoiceError, match="audiobook voices pull bf_isabella"):
        VoiceLibrary().load("bf_isabella")


def test_wrong_shape_is_refused(tmp_path):
    np.save(tmp_path / "small.npy", np.zeros((10, 256), dtype=np.float32))
    with pytest.raises(VoiceError, match=r"shape \[10, 256\], not a voice pack's \[510, 1, 256\]"):
        load_pack_file(tmp_path / "small.npy")


# -- the default voice, downloads and offline mode ---------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a network connection."""
    import socket

    def refuse(*args, **kwargs):
        pytest.fail(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def empty_voice_path(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path / "cache"))
    for var in ("AUDIOBOOK_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("how", ["env", "flag"])
def test_offline_the_default_voice_is_af_heart_without_a_socket(how, monkeypatch, empty_voice_path, no_network):
    from audiobook.convert import ConvertOptions, make_synthesizer
    from audiobook.diagnostics import Reporter
    from audiobook.model import Book, Metadata

    if how == "env":
        monkeypatch.setenv("AUDIOBOOK_OFFLINE", "1")
    synth, reason = make_synthesizer(Book(Metadata(), ()), ConvertOptions(offline=how == "flag"), Reporter())
    assert (synth.default_voice, reason) == ("af_heart", "ships with audiobook")


def test_a_download_that_does_not_match_its_checksum_is_refused(tmp_path):
    from voices.hub import install_pack

    fake = tmp_path / "af_heart.pt"
    fake.write_bytes(b"not a voice pack")
    with pytest.raises(VoiceError, match="does not match its SHA-256"):
        install_pack(fake, "af_heart", tmp_path / "voices")
    assert not (tmp_path / "voices" / "af_heart.pt").exists()


@pytest.mark.skipif(not (SHARED / "jf_alpha.pt").exists(), reason="official voice packs not present")
def test_a_verified_download_lands_in_the_voice_cache(tmp_path):
    from voices.hub import install_pack

    target = install_pack(SHARED / "jf_alpha.pt", "jf_alpha", tmp_path)
    assert target == tmp_path / "jf_alpha.pt"
    assert np.array_equal(VoiceLibrary([tmp_path]).load("jf_alpha").rows, VoiceLibrary().load("jf_alpha").rows)


# -- choosing voices by language and gender ----------------------------------------------------------


@pytest.mark.parametrize(
    "language, gender, expected",
    [
        ("en-us", None, "af_heart"),
        ("en", "male", "am_michael"),
        ("en-gb", "male", "bm_george"),
        ("fr", None, "ff_siwis"),
        ("pt", "male", "pm_alex"),
        ("cmn", "female", "zf_xiaobei"),
        ("fr", "male", None),
        ("xx", None, None),
    ],
)
def test_choose_voice_from_the_catalogue(language, gender, expected):
    from voices.choice import choose_voice

    assert choose_voice(language, gender, available_only=False) == expected


def test_choose_voice_among_voices_on_disk(monkeypatch):
    from voices.choice import choose_voice

    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    assert choose_voice("fr") is None
    assert choose_voice("en-us") == "af_heart" and choose_voice("en-gb", "male") == "bm_george"
    assert choose_voice("ja", "male") == "jm_kumo"
    assert choose_voice("ja", "neutral") == "jf_alpha"


def test_the_language_of_names_blends_presets_and_files():
    from voices.choice import voice_gender, voice_language

    assert voice_language("jf_alpha:0.3+bm_george:0.7") == "en-gb"
    assert voice_language("narrator-low") == "ja"
    assert voice_language("/packs/af_mine.pt") == "en-us"
    assert voice_language("my_narrator") is None
    assert voice_gender("narrator-low") == "male"
