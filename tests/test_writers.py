"""Audio writers: what a player reads back from the files (chapters, duration, tags, cover)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tracemalloc
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from tone_engine import buzz

from audiobook.errors import EncodingError
from audiobook.model import Metadata
from audiobook.output.writers import WRITERS, AudioWriter, open_writer
from audiobook.output.writers.ffmpeg import aac_coder
from audiobook.output.writers.mp3 import Mp3Writer
from audiobook.output.writers.mp4 import Mp4Writer
from audiobook.output.writers.vorbis import FlacWriter, OpusWriter, vorbis_comments
from audiobook.output.writers.wav import WavWriter
from audiobook.synthesis.distance import mel_distance

FIXTURES = Path(__file__).parent / "fixtures" / "writers"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SR = 24000
# Three chapters: (title, seconds, tone in Hz).
CHAPTERS = [("Opening; the = sign", 1.0, 220.0), ("Zweites Kapitel", 2.5, 440.0), ("Three", 0.7, 880.0)]
STARTS = [0, 24000, 84000]
TOTAL = 100800


def meta(cover: str | None = "cover.jpg") -> Metadata:
    data = (FIXTURES / cover).read_bytes() if cover else None
    mime = None if cover is None else ("image/png" if cover.endswith(".png") else "image/jpeg")
    return Metadata(
        title="The Test Book",
        authors=("Ada Writer", "Bo Second"),
        narrator="af_heart",
        date="2021-05-04",
        description="A book\nof tones.",
        publisher="Tone Press",
        cover=data,
        cover_mime=mime,
    )


def chapter_audio() -> list[np.ndarray]:
    """Each chapter's audio: a tone plus seeded noise, so alignment can be measured exactly."""
    rng = np.random.default_rng(7)
    out = []
    for _, seconds, freq in CHAPTERS:
        n = int(round(seconds * SR))
        t = np.arange(n) / SR
        out.append((0.3 * np.sin(2 * np.pi * freq * t) + 0.1 * rng.standard_normal(n)).astype(np.float32))
    return out


def write_book(writer: AudioWriter) -> np.ndarray:
    """Write the three chapters in uneven chunks; return everything written."""
    audio = chapter_audio()
    with writer as out:
        for (title, _, _), pcm in zip(CHAPTERS, audio):
            out.start_chapter(title)
            for piece in np.array_split(pcm, [1000, 1777, 9000]):
                out.write(piece)
    return np.concatenate(audio)


def unescape_lines(text: str) -> list[str]:
    """Logical lines of an FFMETADATA document, with backslash escapes resolved."""
    lines, cur, chars = [], [], iter(text)
    for ch in chars:
        if ch == "\\":
            cur.append(next(chars, ""))
        elif ch == "\n":
            lines.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if cur:
        lines.append("".join(cur))
    return lines


def probe(path: Path) -> tuple[dict[str, str], list[tuple[str, float, float]]]:
    """Tags and chapters (title, start s, end s) as ffmpeg reads them."""
    # -copyts: report chapter times as stored, not shifted by the stream's start time.
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-copyts", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, text=True, check=True,
    )
    tags: dict[str, str] = {}
    chapters: list[tuple[str, float, float]] = []
    section: dict[str, str] | None = None
    for line in unescape_lines(done.stdout)[1:]:
        if line == "[CHAPTER]":
            section = {}
            chapters.append(section)  # type: ignore[arg-type]
        elif "=" in line:
            key, value = line.split("=", 1)
            (tags if section is None else section)[key] = value
    out = []
    for ch in chapters:
        num, den = (int(x) for x in ch["TIMEBASE"].split("/"))  # type: ignore[index]
        out.append((ch["title"], int(ch["START"]) * num / den, int(ch["END"]) * num / den))  # type: ignore[index]
    return tags, out


def decode(path: Path) -> np.ndarray:
    """The audio a player hears, as float samples at 24 kHz mono."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-ac", "1",
         "-ar", str(SR), "-"],
        capture_output=True, check=True,
    )
    return np.frombuffer(done.stdout, dtype="<i2").astype(np.float32) / 32767.0


def lag(decoded: np.ndarray, original: np.ndarray, max_lag: int = 3000) -> int:
    """Samples by which ``decoded`` trails ``original`` (cross-correlation peak)."""
    n = min(len(decoded), len(original))
    size = 1 << (2 * n).bit_length()
    corr = np.fft.irfft(np.fft.rfft(decoded[:n], size) * np.conj(np.fft.rfft(original[:n], size)), size)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    values = np.concatenate([corr[: max_lag + 1], corr[-max_lag:]])
    return int(lags[np.argmax(values)])


def only_file(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def check_chapters(chapters: list[tuple[str, float, float]]) -> None:
    assert [c[0] for c in chapters] == [c[0] for c in CHAPTERS]
    for (_, start, end), expected, expected_end in zip(chapters, STARTS, STARTS[1:] + [TOTAL]):
        assert start == pytest.approx(expected / SR, abs=0.001)
        assert end == pytest.approx(expected_end / SR, abs=0.001)


@pytest.mark.parametrize("name", ["book.m4b", "book.m4a"])
def test_m4b_chapters_duration_tags_cover(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    original = write_book(open_writer(path, meta("cover.jpg")))
    assert only_file(tmp_path) == [name]

    tags, chapters = probe(path)
    check_chapters(chapters)
    assert tags["title"] == "The Test Book"
    assert tags["album"] == "The Test Book"
    assert tags["artist"] == "Ada Writer, Bo Second"
    assert tags["genre"] == "Audiobook"
    assert tags["composer"] == "af_heart"
    assert tags["description"] == "A book\nof tones."

    decoded = decode(path)
    assert abs(len(decoded) - TOTAL) / SR < 0.05
    # The encoder's priming is hidden by the edit list: audio sits where the chapter marks say.
    assert abs(lag(decoded, original)) <= 2

    mp4 = MP4(path)
    assert bytes(mp4.tags["covr"][0]) == (FIXTURES / "cover.jpg").read_bytes()
    assert mp4.tags["©gen"] == ["Audiobook"]
    assert mp4.tags["stik"] == [2]
    assert bytes(mp4.tags["----:com.apple.iTunes:NARRATOR"][0]) == b"af_heart"
    assert [round(c.start, 3) for c in mp4.chapters] == [s / SR for s in STARTS]


@pytest.mark.parametrize(("bitrate", "coder", "most_db"), [("64k", "fast", 0.25), ("32k", "twoloop", 0.6)])
def test_m4b_speech_survives_the_aac_coder_chosen_for_its_bitrate(
    tmp_path: Path, bitrate: str, coder: str, most_db: float
) -> None:
    # ffmpeg's fast coder above 48 kb/s mono, its two-loop search below, whatever the build's default.
    assert aac_coder(bitrate) == ["-aac_coder", coder]
    speech = buzz(4.0, 0.5)
    path = tmp_path / "speech.m4b"
    writer = open_writer(path, meta(None), bitrate=bitrate)
    writer.start_chapter("One")
    writer.write(speech)
    writer.close()
    decoded = decode(path)[: speech.size]
    assert decoded.size == speech.size
    assert mel_distance(speech, decoded) < most_db


def test_mp3_id3_chapters_tags_cover(tmp_path: Path) -> None:
    path = tmp_path / "book.mp3"
    original = write_book(open_writer(path, meta("cover.png")))
    assert only_file(tmp_path) == ["book.mp3"]

    tag = ID3(path)
    assert tag.version[:2] == (2, 4)
    toc = tag.getall("CTOC")
    assert len(toc) == 1
    assert toc[0].flags & CTOCFlags.TOP_LEVEL and toc[0].flags & CTOCFlags.ORDERED
    chaps = {c.element_id: c for c in tag.getall("CHAP")}
    ordered = [chaps[i] for i in toc[0].child_element_ids]
    assert [c.sub_frames["TIT2"].text[0] for c in ordered] == [c[0] for c in CHAPTERS]
    assert [c.start_time for c in ordered] == [s * 1000 // SR for s in STARTS]
    assert [c.end_time for c in ordered] == [s * 1000 // SR for s in STARTS[1:] + [TOTAL]]
    assert tag["TIT2"].text == ["The Test Book"]
    assert tag["TPE1"].text == ["Ada Writer, Bo Second"]
    assert tag["TCON"].text == ["Audiobook"]
    assert tag["TXXX:NARRATOR"].text == ["af_heart"]
    assert str(tag["TDRC"].text[0]) == "2021-05-04"
    apic = tag.getall("APIC")
    assert len(apic) == 1 and apic[0].mime == "image/png"
    assert apic[0].data == (FIXTURES / "cover.png").read_bytes()

    tags, chapters = probe(path)
    check_chapters(chapters)
    assert tags["title"] == "The Test Book"
    assert tags["genre"] == "Audiobook"

    decoded = decode(path)
    assert abs(len(decoded) - TOTAL) / SR < 0.05
    # The LAME header's delay lets the decoder drop the priming: no shift against the marks.
    assert abs(lag(decoded, original)) <= 2


def test_wav_exact_samples(tmp_path: Path) -> None:
    path = tmp_path / "book.wav"
    original = write_book(open_writer(path, meta()))
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SR)
        assert wav.getnframes() == TOTAL
        data = np.frombuffer(wav.readframes(TOTAL), dtype="<i2")
    assert np.array_equal(data, np.rint(original * 32767).astype("<i2"))
    assert only_file(tmp_path) == ["book.wav"]


def test_samples_out_of_range_are_clipped(tmp_path: Path) -> None:
    path = tmp_path / "clip.wav"
    with open_writer(path, Metadata()) as out:
        out.write(np.array([2.0, -3.0, 0.5, np.nan], dtype=np.float32))
        assert out.samples_written == 4
    with wave.open(str(path), "rb") as wav:
        assert np.frombuffer(wav.readframes(4), dtype="<i2").tolist() == [32767, -32767, 16384, 0]


def test_chapter_table_ends_at_next_start(tmp_path: Path) -> None:
    out = open_writer(tmp_path / "t.wav", Metadata())
    with out:
        out.start_chapter("a")
        out.write(np.zeros(10, dtype=np.float32))
        out.start_chapter("b")
        out.write(np.zeros(5, dtype=np.float32))
    assert [(c.title, c.start, c.end) for c in out.chapters] == [("a", 0, 10), ("b", 10, 15)]


@pytest.mark.parametrize("name", ["book.m4b", "book.mp3", "book.wav", "book.flac", "book.opus"])
def test_exception_leaves_no_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(RuntimeError):
        with open_writer(tmp_path / name, meta()) as out:
            out.start_chapter("one")
            out.write(chapter_audio()[0])
            raise RuntimeError("synthesis failed")
    assert only_file(tmp_path) == []


@pytest.mark.parametrize("name", ["book.m4b", "book.mp3"])
def test_ffmpeg_failure_is_encoding_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(EncodingError, match="ffmpeg failed writing .*book"):
        with open_writer(tmp_path / name, meta(), bitrate="plenty") as out:
            out.write(chapter_audio()[1])
    assert only_file(tmp_path) == []


def test_formats_by_extension_and_name(tmp_path: Path) -> None:
    assert isinstance(open_writer(tmp_path / "a.m4b", Metadata()), Mp4Writer)
    assert isinstance(open_writer(tmp_path / "a.MP3", Metadata()), Mp3Writer)
    assert isinstance(open_writer(tmp_path / "a.out", Metadata(), fmt="wav"), WavWriter)
    assert isinstance(open_writer(tmp_path / "b.out", Metadata(), fmt="m4b"), Mp4Writer)
    assert isinstance(open_writer(tmp_path / "a.flac", Metadata()), FlacWriter)
    assert isinstance(open_writer(tmp_path / "a.opus", Metadata()), OpusWriter)
    assert set(WRITERS) == {"mp4", "mp3", "wav", "flac", "opus"}


def test_unknown_format_lists_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match=r"\.m4b.*\.mp3.*\.wav|\.m4a"):
        open_writer(tmp_path / "book.ogg", Metadata())
    with pytest.raises(EncodingError, match="flac, mp3, mp4, opus, wav"):
        open_writer(tmp_path / "book.m4b", Metadata(), fmt="aiff")


def test_missing_folder_names_path_and_fix(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "book.m4b"
    with pytest.raises(EncodingError, match="does not exist; create it") as info:
        open_writer(target, Metadata())
    assert str(target.parent) in str(info.value)


@pytest.mark.parametrize("name", ["long.mp3", "long.wav"])
def test_ten_minutes_stream_without_holding_the_book(tmp_path: Path, name: str) -> None:
    second = (0.2 * np.sin(2 * np.pi * 330 * np.arange(SR) / SR)).astype(np.float32)
    tracemalloc.start()
    try:
        with open_writer(tmp_path / name, Metadata(title="Long")) as out:
            for minute in range(10):
                out.start_chapter(f"Minute {minute + 1}")
                for _ in range(60):
                    out.write(second)
            # The encoded audio is on disk before the end: nothing waits in memory for close().
            assert out.partial.stat().st_size > 0.8 * (out.samples_written // SR) * (8000 if name.endswith("mp3") else 48000)
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The whole book as float32 would be 57.6 MB; a stream needs a few chunks at most.
    assert peak < 5_000_000
    assert abs(len(decode(tmp_path / name)) - 600 * SR) / SR < 0.05


KILL_SCRIPT = """
import sys, numpy as np
from pathlib import Path
from audiobook.model import Metadata
from audiobook.output.writers import open_writer
chunk = np.zeros(2400, dtype=np.float32)
with open_writer(Path(sys.argv[1]), Metadata(title="Killed")) as out:
    out.start_chapter("One")
    for i in range(10**9):
        out.write(chunk)
        if i == 20:
            print("writing", flush=True)
"""


@pytest.mark.parametrize("name", ["killed.m4b", "killed.mp3", "killed.wav", "killed.flac", "killed.opus"])
def test_killed_process_leaves_no_final_file(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    child = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "writing\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert not target.exists()
    # A rerun replaces whatever the killed run left behind and cleans up after itself.
    write_book(open_writer(target, meta()))
    assert only_file(tmp_path) == [name]


def test_gif_cover_becomes_png(tmp_path: Path) -> None:
    gif = (FIXTURES / "cover.gif").read_bytes()
    path = tmp_path / "book.m4b"
    with open_writer(path, Metadata(title="Gif", cover=gif, cover_mime="image/gif")) as out:
        out.write(chapter_audio()[2])
    cover = bytes(MP4(path).tags["covr"][0])
    assert cover.startswith(b"\x89PNG")


def test_unreadable_cover_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    with pytest.raises(EncodingError, match="give a JPEG or PNG cover"):
        with open_writer(tmp_path / "book.mp3", Metadata(cover=b"not an image", cover_mime="image/webp")) as out:
            out.write(chapter_audio()[2])
    assert only_file(tmp_path) == []


def check_vorbis_tags(comments: dict[str, list[str]]) -> None:
    assert comments["TITLE"] == ["The Test Book"]
    assert comments["ALBUM"] == ["The Test Book"]
    assert comments["ARTIST"] == ["Ada Writer, Bo Second"]
    assert comments["GENRE"] == ["Audiobook"]
    assert comments["PERFORMER"] == ["af_heart"]
    assert comments["DATE"] == ["2021-05-04"]
    assert comments["DESCRIPTION"] == ["A book\nof tones."]
    # The Vorbis chapter convention, exact to the millisecond.
    assert comments["CHAPTER001"] == ["00:00:00.000"]
    assert comments["CHAPTER002"] == ["00:00:01.000"]
    assert comments["CHAPTER003"] == ["00:00:03.500"]
    assert comments["CHAPTER002NAME"] == ["Zweites Kapitel"]


def test_flac_is_lossless_with_comment_chapters_tags_and_cover(tmp_path: Path) -> None:
    path = tmp_path / "book.flac"
    original = write_book(open_writer(path, meta("cover.png")))
    assert only_file(tmp_path) == ["book.flac"]
    flac = FLAC(path)
    assert flac.info.sample_rate == SR and flac.info.total_samples == TOTAL
    check_vorbis_tags(vorbis_comments(flac))
    assert len(flac.pictures) == 1 and flac.pictures[0].type == 3
    assert flac.pictures[0].data == (FIXTURES / "cover.png").read_bytes()
    tags, chapters = probe(path)
    check_chapters(chapters)
    assert tags["TITLE"] == "The Test Book"
    decoded = decode(path)
    assert len(decoded) == TOTAL
    assert np.abs(decoded - np.rint(original * 32767) / 32767).max() < 1e-4


def test_opus_has_comment_chapters_tags_and_picture_block(tmp_path: Path) -> None:
    import base64

    path = tmp_path / "book.opus"
    original = write_book(open_writer(path, meta("cover.jpg")))
    assert only_file(tmp_path) == ["book.opus"]
    opus = OggOpus(path)
    comments = vorbis_comments(opus)
    check_vorbis_tags(comments)
    picture = Picture(base64.b64decode(comments["METADATA_BLOCK_PICTURE"][0]))
    assert picture.mime == "image/jpeg" and picture.data == (FIXTURES / "cover.jpg").read_bytes()
    _, chapters = probe(path)
    assert [c[0] for c in chapters] == [c[0] for c in CHAPTERS]
    assert [c[1] for c in chapters] == [s / SR for s in STARTS]
    decoded = decode(path)
    assert abs(len(decoded) - TOTAL) / SR < 0.03
    # Opus decoders drop the encoder's pre-skip: the audio sits where the chapter marks say.
    assert abs(lag(decoded, original)) <= 2


def test_a_part_of_a_split_book_is_tagged_as_a_track(tmp_path: Path) -> None:
    for name in ("part.mp3", "part.m4b", "part.flac"):
        with open_writer(tmp_path / name, meta(None), track=(2, 3), part="Zweites Kapitel") as out:
            out.start_chapter("Zweites Kapitel")
            out.write(chapter_audio()[1])
    id3 = ID3(tmp_path / "part.mp3")
    assert id3["TIT2"].text == ["Zweites Kapitel"] and id3["TALB"].text == ["The Test Book"]
    assert id3["TRCK"].text == ["2/3"]
    mp4 = MP4(tmp_path / "part.m4b")
    assert mp4.tags["\xa9nam"] == ["Zweites Kapitel"] and mp4.tags["\xa9alb"] == ["The Test Book"]
    assert mp4.tags["trkn"] == [(2, 3)]
    comments = vorbis_comments(FLAC(tmp_path / "part.flac"))
    assert comments["TRACKNUMBER"] == ["2"] and comments["TRACKTOTAL"] == ["3"]


def test_mp3_resampled_to_44k_keeps_chapters_and_length(tmp_path: Path) -> None:
    path = tmp_path / "book.mp3"
    write_book(open_writer(path, meta(None), bitrate="192k", out_rate=44100))
    info = MP3(path).info
    assert info.sample_rate == 44100 and info.bitrate == 192000
    _, chapters = probe(path)
    check_chapters(chapters)
    assert abs(len(decode(path)) - TOTAL) / SR < 0.05


# -- books split into one file per chapter -------------------------------------------------------


def split_book(chapters: int = 3):
    from tone_engine import unit

    from audiobook.plan import ChapterPlan, Pause

    titles = ["One: the start", "Two / more", "Three"] + [f"Part {i}" for i in range(4, chapters + 1)]
    return [
        ChapterPlan(titles[i], (unit(f"Chapter {i + 1} begins.", 14), Pause(400), unit("It ends.", 10)))
        for i in range(chapters)
    ]


def test_split_chapters_writes_numbered_tracks_into_a_folder(tmp_path: Path) -> None:
    from tone_engine import render, synthesizer

    from audiobook.output.assemble import OutputOptions, write_audiobook

    synth = synthesizer(tmp_path / "clips")
    plans = split_book()
    written = write_audiobook(tmp_path / "book.m4b", meta("cover.jpg"), len(plans), synth, render(synth, plans),
                              OutputOptions(split_chapters=True, subtitles="srt"))
    folder = tmp_path / "book"
    assert written.output == folder
    assert only_file(tmp_path) == ["book", "clips"]
    assert only_file(folder) == ["01 - One the start.m4b", "01 - One the start.srt", "02 - Two more.m4b",
                                 "02 - Two more.srt", "03 - Three.m4b", "03 - Three.srt"]
    assert written.files == [folder / n for n in ("01 - One the start.m4b", "02 - Two more.m4b", "03 - Three.m4b")]
    lengths = []
    for number, (path, plan) in enumerate(zip(written.files, plans), 1):
        mp4 = MP4(path)
        assert mp4.tags["trkn"] == [(number, 3)]
        assert mp4.tags["\xa9nam"] == [plan.title] and mp4.tags["\xa9alb"] == ["The Test Book"]
        assert bytes(mp4.tags["covr"][0]) == (FIXTURES / "cover.jpg").read_bytes()
        lengths.append(len(decode(path)))
    # The files together hold the whole book; each chapter's first sample starts its file.
    assert abs(sum(lengths) - written.samples) / SR < 0.05 * 3
    # Each chapter starts its own file: sentences are timed from their file's first sample.
    firsts = [next(p for p in written.sentences if p.chapter == i) for i in range(3)]
    assert [p.offset for p in firsts] == [start for _, start in written.chapters]
    assert [p.file for p in firsts] == written.files
    assert all(0.25 < (p.start - p.offset) / SR < 0.35 for p in firsts)
    srt = (folder / "02 - Two more.srt").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,") and "Chapter 2 begins." in srt


SPLIT_KILL_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from audiobook.model import Metadata
from audiobook.output.assemble import OutputOptions, write_audiobook
from test_writers import split_book
from tone_engine import render, synthesizer

plans = split_book(400)
synth = synthesizer(Path(sys.argv[3]))
draw = render(synth, plans)

def slow_render(sink, progress):
    def watch(chunk):
        sink(chunk)
        if chunk.kind == "chapter" and chunk.chapter == 3:
            print("writing", flush=True)
    draw(watch, progress)

write_audiobook(Path(sys.argv[1]), Metadata(title="Killed"), len(plans), synth, slow_render,
                OutputOptions(split_chapters=True, normalize=False))
"""


def test_killed_split_conversion_leaves_no_folder_under_the_final_name(tmp_path: Path) -> None:
    from tone_engine import render, synthesizer

    from audiobook.output.assemble import OutputOptions, write_audiobook

    target = tmp_path / "killed.mp3"
    tests = Path(__file__).parent
    child = subprocess.Popen([sys.executable, "-c", SPLIT_KILL_SCRIPT, str(target), str(tests), str(tmp_path / "clips")],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "writing\n"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert not (tmp_path / "killed").exists()
    # Three chapters were complete in the hidden folder; none of them is under the final name.
    assert only_file(tmp_path) == [f".killed.partial-{child.pid}", "clips"]
    synth = synthesizer(tmp_path / "clips")
    plans = split_book()
    write_audiobook(target, Metadata(title="Again"), len(plans), synth, render(synth, plans),
                    OutputOptions(split_chapters=True))
    assert only_file(tmp_path) == ["clips", "killed"]
    assert len(only_file(tmp_path / "killed")) == 3
