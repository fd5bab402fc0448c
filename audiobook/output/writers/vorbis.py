"""FLAC and Ogg Opus: Vorbis comments for tags and chapters, a FLAC picture block for the cover.

Both containers carry the same comment block. Chapters follow the Vorbis chapter-extension
convention that ffmpeg, VLC, foobar2000 and most Android players read::

    CHAPTER001=00:00:00.000
    CHAPTER001NAME=The Storm

so chapter starts are exact to the millisecond, the time base of that convention. FLAC could also
hold a cue sheet (sample-exact), but a player that finds one prefers it and then shows untitled
chapters, so only the comments are written.

ffmpeg encodes the PCM stream as it arrives; mutagen adds the comments and cover afterwards.
"""

from __future__ import annotations

import base64
import logging
from typing import ClassVar

from mutagen import MutagenError
from mutagen.flac import FLAC, Picture
from mutagen.id3 import PictureType
from mutagen.oggopus import OggOpus

from audiobook.errors import EncodingError
from audiobook.output.writers.base import AudioWriter, ChapterMark
from audiobook.output.writers.ffmpeg import Cover, PipeEncoder, cover_image
from audiobook.output.writers.tags import GENRE, artist, title_and_album, year_date

__all__ = ["FlacWriter", "OpusWriter", "chapter_comments", "vorbis_comments", "clock"]

log = logging.getLogger(__name__)


def clock(ms: int) -> str:
    """Milliseconds as ``HH:MM:SS.mmm``."""
    hours, rest = divmod(int(ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def chapter_comments(chapters: list[ChapterMark], sample_rate: int) -> list[tuple[str, str]]:
    """``CHAPTERnnn`` / ``CHAPTERnnnNAME`` pairs for the chapter table (numbered from 001)."""
    out: list[tuple[str, str]] = []
    for number, mark in enumerate(chapters, 1):
        key = f"CHAPTER{number:03d}"
        out.append((key, clock(mark.start_ms(sample_rate))))
        out.append((f"{key}NAME", mark.title.replace("\n", " ")))
    return out


def _picture(cover: Cover) -> Picture:
    picture = Picture()
    picture.type = PictureType.COVER_FRONT
    picture.mime = cover.mime
    picture.desc = "Cover"
    picture.data = cover.data
    return picture


class _VorbisWriter(AudioWriter):
    """Shared part of the FLAC and Opus writers: encode with ffmpeg, then tag with mutagen."""

    codec_args: ClassVar[list[str]] = []
    """ffmpeg output options selecting the codec and container."""

    def _begin(self) -> None:
        bitrate = ["-b:a", str(self.bitrate)] if self.bitrate else []
        self._encoder = PipeEncoder(
            self.sample_rate,
            [*self.codec_args, *bitrate, "-ac", "1", "-ar", str(self.out_rate), str(self.partial)],
            self.path,
        )

    def _write(self, data: bytes) -> None:
        self._encoder.feed(data)

    def _discard(self) -> None:
        self._encoder.kill()

    def _comments(self) -> list[tuple[str, str]]:
        m = self.meta
        title, album = title_and_album(m, self.part)
        pairs = [
            ("TITLE", title),
            ("ALBUM", album),
            ("ARTIST", artist(m)),
            ("ALBUMARTIST", artist(m)),
            # Vorbis has no narrator field; audiobook players read PERFORMER (and some COMPOSER).
            ("PERFORMER", m.narrator or ""),
            ("COMPOSER", m.narrator or ""),
            ("GENRE", GENRE),
            ("DATE", year_date(m.date) or ""),
            ("ORGANIZATION", m.publisher or ""),
            ("DESCRIPTION", m.description or ""),
            ("COMMENT", m.description or ""),
            ("ISBN" if (m.identifier or "").replace("-", "").isdigit() else "IDENTIFIER", m.identifier or ""),
        ]
        if self.track is not None:
            pairs += [("TRACKNUMBER", str(self.track[0])), ("TRACKTOTAL", str(self.track[1]))]
        pairs += chapter_comments(self.chapters, self.sample_rate)
        return [(key, value) for key, value in pairs if value]

    def _finish(self) -> None:
        self._encoder.finish()
        if self.samples_written == 0:
            raise EncodingError(f"cannot write {self.path}: no audio was written")
        cover = cover_image(self.meta.cover, self.meta.cover_mime, self.path)
        try:
            self._tag(self._comments(), cover)
        except MutagenError as err:
            raise EncodingError(f"cannot write tags to {self.path}: {err}") from err

    def _tag(self, comments: list[tuple[str, str]], cover: Cover | None) -> None:
        raise NotImplementedError


def vorbis_comments(audio: FLAC | OggOpus) -> dict[str, list[str]]:
    """The comments of a file read with mutagen, keys upper-cased."""
    out: dict[str, list[str]] = {}
    pairs: list[tuple[str, str]] = list(audio.tags or [])
    for key, value in pairs:
        out.setdefault(key.upper(), []).append(value)
    return out


def _replace_comments(audio: FLAC | OggOpus, comments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The file's comment list, emptied and refilled with ``comments``."""
    if audio.tags is None:
        audio.add_tags()
    tags: list[tuple[str, str]] = audio.tags  # type: ignore[assignment]  # mutagen's comment list
    # ffmpeg's own comments (its encoder name) are replaced rather than merged.
    tags.clear()
    tags.extend(comments)
    return tags


class FlacWriter(_VorbisWriter):
    """Lossless FLAC with Vorbis-comment chapters, tags and a cover picture."""

    fmt: ClassVar[str] = "flac"
    codec_args: ClassVar[list[str]] = ["-c:a", "flac", "-f", "flac"]

    def _tag(self, comments: list[tuple[str, str]], cover: Cover | None) -> None:
        audio = FLAC(self.partial)
        _replace_comments(audio, comments)
        if cover:
            audio.clear_pictures()
            audio.add_picture(_picture(cover))
        audio.save()


class OpusWriter(_VorbisWriter):
    """Opus in Ogg, with Vorbis-comment chapters and tags and a ``METADATA_BLOCK_PICTURE`` cover."""

    fmt: ClassVar[str] = "opus"
    default_bitrate: ClassVar[str | None] = "32k"
    # VoIP mode favours intelligibility of a single voice at low bitrates.
    codec_args: ClassVar[list[str]] = ["-c:a", "libopus", "-application", "voip", "-f", "opus"]

    def _tag(self, comments: list[tuple[str, str]], cover: Cover | None) -> None:
        audio = OggOpus(self.partial)
        tags = _replace_comments(audio, comments)
        if cover:
            # The picture block of FLAC, base64-encoded: the Ogg convention for cover art.
            block = base64.b64encode(_picture(cover).write()).decode("ascii")
            tags.append(("METADATA_BLOCK_PICTURE", block))
        audio.save()
