"""MP3: LAME-encoded audio with an ID3v2.4 tag holding chapters (CHAP/CTOC), tags and cover.

ffmpeg encodes the PCM stream as it arrives and writes a Xing/LAME header that records the
encoder's priming, so gapless decoders (ffmpeg, Apple, most podcast players) trim it and the
audio starts at sample 0. Chapter times are therefore the writer's sample positions in
milliseconds. The ID3 tag is added afterwards with mutagen.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCOM,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPUB,
    TRCK,
    TXXX,
    CTOCFlags,
    Frame,
    PictureType,
)
from mutagen.id3._tags import save_frame

from audiobook.errors import EncodingError
from audiobook.output.writers.base import AudioWriter
from audiobook.output.writers.ffmpeg import PipeEncoder, cover_image
from audiobook.output.writers.tags import (
    GENRE,
    artist,
    title_and_album,
    track_text,
    year_date,
)

__all__ = ["Mp3Writer"]

log = logging.getLogger(__name__)

_UTF8 = 3
"""ID3v2.4 text encoding number for UTF-8."""
_NO_OFFSET = 0xFFFFFFFF
"""CHAP byte offsets meaning "use the times" (the ID3 chapter spec's sentinel)."""


def _frame_order(frame: Frame) -> tuple[int, int]:
    if frame.FrameID == "CTOC":
        return (1, 0)
    if frame.FrameID == "CHAP":
        return (2, int(frame.start_time))
    return (3 if frame.FrameID == "APIC" else 0, 0)


class _OrderedID3(ID3):
    """An ID3 tag that saves its chapters in time order.

    mutagen orders frames by size, which shuffles CHAP frames; ffmpeg and the players built on it
    list chapters in file order and ignore CTOC. This overrides mutagen's frame serializer, a
    private method, so ``test_writers`` checks the order read back.
    """

    def _write(self, config: object) -> bytes:
        frames = sorted(self.values(), key=_frame_order)
        return b"".join(save_frame(frame, config=config) for frame in frames)


class Mp3Writer(AudioWriter):
    """MP3 audio with ID3v2.4 chapters and tags."""

    fmt: ClassVar[str] = "mp3"
    default_bitrate: ClassVar[str | None] = "64k"

    def _begin(self) -> None:
        self._encoder = PipeEncoder(
            self.sample_rate,
            ["-c:a", "libmp3lame", "-b:a", str(self.bitrate), "-ac", "1", "-ar", str(self.out_rate),
             # mutagen writes the one ID3 tag; ffmpeg's own would only be replaced.
             "-id3v2_version", "0", "-write_xing", "1", "-f", "mp3", str(self.partial)],
            self.path,
        )

    def _write(self, data: bytes) -> None:
        self._encoder.feed(data)

    def _discard(self) -> None:
        self._encoder.kill()

    def _finish(self) -> None:
        self._encoder.finish()
        if self.samples_written == 0:
            raise EncodingError(f"cannot write {self.path}: no audio was written")
        tag = self._tag()
        try:
            tag.save(self.partial, v2_version=4)
        except MutagenError as err:
            raise EncodingError(f"cannot write tags to {self.path}: {err}") from err

    def _tag(self) -> ID3:
        m = self.meta
        tag = _OrderedID3()
        title, album = title_and_album(m, self.part)
        if title:
            tag.add(TIT2(encoding=_UTF8, text=[title]))
        if album:
            tag.add(TALB(encoding=_UTF8, text=[album]))
        if self.track is not None:
            tag.add(TRCK(encoding=_UTF8, text=[track_text(self.track)]))
        if artist(m):
            # One joined value: many players show only the first of a multi-valued ID3v2.4 frame.
            tag.add(TPE1(encoding=_UTF8, text=[artist(m)]))
            tag.add(TPE2(encoding=_UTF8, text=[artist(m)]))
        if m.narrator:
            # Audiobook managers read the narrator from the composer; TXXX keeps it unambiguous.
            tag.add(TCOM(encoding=_UTF8, text=[m.narrator]))
            tag.add(TXXX(encoding=_UTF8, desc="NARRATOR", text=[m.narrator]))
        tag.add(TCON(encoding=_UTF8, text=[GENRE]))
        date = year_date(m.date)
        if date:
            tag.add(TDRC(encoding=_UTF8, text=[date]))
        if m.publisher:
            tag.add(TPUB(encoding=_UTF8, text=[m.publisher]))
        if m.identifier:
            tag.add(TXXX(encoding=_UTF8, desc="IDENTIFIER", text=[m.identifier]))
        if m.description:
            tag.add(COMM(encoding=_UTF8, lang="eng", desc="", text=[m.description]))
        cover = cover_image(m.cover, m.cover_mime, self.path)
        if cover:
            tag.add(APIC(encoding=_UTF8, mime=cover.mime, type=PictureType.COVER_FRONT, desc="Cover", data=cover.data))
        chapters = self.chapters
        if chapters:
            ids = [f"chp{i}" for i in range(len(chapters))]
            tag.add(CTOC(
                element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                sub_frames=[TIT2(encoding=_UTF8, text=["Chapters"])],
            ))
            for element_id, mark in zip(ids, chapters):
                tag.add(CHAP(
                    element_id=element_id,
                    start_time=mark.start_ms(self.sample_rate), end_time=mark.end_ms(self.sample_rate),
                    start_offset=_NO_OFFSET, end_offset=_NO_OFFSET,
                    sub_frames=[TIT2(encoding=_UTF8, text=[mark.title])],
                ))
        return tag
