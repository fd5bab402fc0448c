"""M4B/M4A: AAC in MP4 with a chapter track, iTunes tags and a cover.

Two ffmpeg passes. The first encodes the PCM stream to AAC as it arrives (the book is never held
in memory). The second copies that audio, without re-encoding, into the final MP4 together with
an FFMETADATA file (chapters in samples, so their starts are exact) and the cover. ffmpeg writes
both a QuickTime chapter track and Nero ``chpl`` chapters, and an edit list that hides the AAC
encoder's priming, so chapter times and duration read back as written.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from mutagen import MutagenError
from mutagen.mp4 import MP4, MP4FreeForm

from audiobook.errors import EncodingError
from audiobook.output.writers.base import AudioWriter, ChapterMark
from audiobook.output.writers.ffmpeg import (
    PipeEncoder,
    aac_coder,
    cover_image,
    run_ffmpeg,
)
from audiobook.output.writers.tags import GENRE, artist, title_and_album, track_text

__all__ = ["Mp4Writer", "ffmetadata"]

log = logging.getLogger(__name__)

# iTunes media kind 2 is "Audiobook": Apple's players then remember the position and list the
# file under books rather than music.
_STIK_AUDIOBOOK = "2"


def _escape(value: str) -> str:
    """Escape a value for an FFMETADATA file (``=``, ``;``, ``#``, ``\\`` and newlines)."""
    out = []
    for ch in value:
        if ch in "=;#\\\n":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def ffmetadata(tags: dict[str, str], chapters: list[ChapterMark], sample_rate: int) -> str:
    """An FFMETADATA1 document: global tags, then chapters timed in samples."""
    lines = [";FFMETADATA1"]
    lines += [f"{key}={_escape(value)}" for key, value in tags.items() if value]
    for mark in chapters:
        lines += [
            "",
            "[CHAPTER]",
            f"TIMEBASE=1/{sample_rate}",
            f"START={mark.start}",
            f"END={mark.end}",
            f"title={_escape(mark.title.replace(chr(10), ' '))}",
        ]
    return "\n".join(lines) + "\n"


class Mp4Writer(AudioWriter):
    """AAC audio in an MP4 container (``.m4b`` audiobook, ``.m4a``)."""

    fmt: ClassVar[str] = "mp4"
    default_bitrate: ClassVar[str | None] = "64k"

    def _begin(self) -> None:
        self._audio = self._temp("audio", ".m4a")
        self._encoder = PipeEncoder(
            self.sample_rate,
            ["-c:a", "aac", "-b:a", str(self.bitrate), *aac_coder(str(self.bitrate)), "-ac", "1",
             "-ar", str(self.out_rate), "-f", "mp4", str(self._audio)],
            self.path,
        )

    def _write(self, data: bytes) -> None:
        self._encoder.feed(data)

    def _discard(self) -> None:
        self._encoder.kill()

    def _tags(self) -> dict[str, str]:
        m = self.meta
        title, album = title_and_album(m, self.part)
        return {
            "title": title,
            "album": album,
            "track": track_text(self.track) or "",
            "artist": artist(m),
            "album_artist": artist(m),
            "composer": m.narrator or "",
            "genre": GENRE,
            "date": m.date or "",
            "comment": m.description or "",
            "description": m.description or "",
            "media_type": _STIK_AUDIOBOOK,
        }

    def _finish(self) -> None:
        self._encoder.finish()
        if self.samples_written == 0:
            raise EncodingError(f"cannot write {self.path}: no audio was written")
        meta_file = self._temp("meta", ".txt")
        meta_file.write_text(ffmetadata(self._tags(), self.chapters, self.sample_rate), encoding="utf-8")
        args = ["-i", str(self._audio), "-f", "ffmetadata", "-i", str(meta_file)]
        maps = ["-map", "0:a", "-map_metadata", "1", "-map_chapters", "1"]
        cover = cover_image(self.meta.cover, self.meta.cover_mime, self.path)
        if cover:
            cover_file = self._temp("cover", cover.suffix)
            cover_file.write_bytes(cover.data)
            args += ["-i", str(cover_file)]
            maps += ["-map", "2:v", "-disposition:v:0", "attached_pic"]
        run_ffmpeg(
            [*args, *maps, "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(self.partial)], self.path
        )
        self._freeform()

    def _freeform(self) -> None:
        """Tags MP4 has no atom for, as iTunes freeform atoms (read by audiobook managers)."""
        extra = {
            "NARRATOR": self.meta.narrator,
            "PUBLISHER": self.meta.publisher,
            "IDENTIFIER": self.meta.identifier,
        }
        extra = {k: v for k, v in extra.items() if v}
        if not extra:
            return
        try:
            mp4 = MP4(self.partial)
            if mp4.tags is None:
                mp4.add_tags()
            for key, value in extra.items():
                mp4.tags[f"----:com.apple.iTunes:{key}"] = [MP4FreeForm(value.encode("utf-8"))]
            mp4.save()
        except MutagenError as err:
            raise EncodingError(f"cannot write tags to {self.path}: {err}") from err
