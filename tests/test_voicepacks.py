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
def test_offline_falls_back_to_an_embedded_voice_without_a_socket(how, monkeypatch, empty_voice_path, no_network):
    from audiobook.hub import default_voice_for_run

    if how == "env":
        monkeypatch.setenv("AUDIOBOOK_OFFLINE", "1")
    voice, reason = default_voice_for_run(VoiceLibrary(), no_network=how == "flag")
    assert voice == "jf_alpha"
    assert reason == "af_heart is not on disk (offline mode forbids downloading it); using the embedded jf_alpha"


def test_a_failed_first_download_is_tried_once(monkeypatch, empty_voice_path):
    import socket

    pytest.importorskip("huggingface_hub")
    from audiobook.hub import default_voice_for_run

    # A port on this machine that nobody listens on: the connection is refused at once.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    voice, reason = default_voice_for_run(VoiceLibrary())
    assert voice == "jf_alpha" and "the download failed: cannot reach 127.0.0.1" in reason
    assert "\n" not in reason

    def refuse(*args, **kwargs):
        pytest.fail("a second download was attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    voice, reason = default_voice_for_run(VoiceLibrary())
    assert voice == "jf_alpha" and "an earlier download failed" in reason and "voices pull af_heart" in reason


def test_a_download_that_does_not_match_its_checksum_is_refused(tmp_path):
    from audiobook.hub import install_pack

    fake = tmp_path / "af_heart.pt"
    fake.write_bytes(b"not a voice pack")
    with pytest.raises(VoiceError, match="does not match its SHA-256"):
        install_pack(fake, "af_heart", tmp_path / "voices")
    assert not (tmp_path / "voices" / "af_heart.pt").exists()


@pytest.mark.skipif(not (SHARED / "jf_alpha.pt").exists(), reason="official voice packs not present")
def test_a_verified_download_lands_in_the_voice_cache(tmp_path):
    from audiobook.hub import install_pack

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
    from audiobook.voice_choice import choose_voice

    assert choose_voice(language, gender, available_only=False) == expected


def test_choose_voice_among_voices_on_disk(monkeypatch):
    from audiobook.voice_choice import choose_voice

    monkeypatch.delenv("AUDIOBOOK_VOICE_PATH", raising=False)
    assert choose_voice("en-us") is None
    assert choose_voice("ja", "male") == "jm_kumo"
    assert choose_voice("ja", "neutral") == "jf_alpha"


def test_the_language_of_names_blends_presets_and_files():
    from audiobook.voice_choice import voice_gender, voice_language

    assert voice_language("jf_alpha:0.3+bm_george:0.7") == "en-gb"
    assert voice_language("narrator-low") == "ja"
    assert voice_language("/packs/af_mine.pt") == "en-us"
    assert voice_language("my_narrator") is None
    assert voice_gender("narrator-low") == "male"
