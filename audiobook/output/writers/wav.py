"""WAV: 16-bit mono PCM written incrementally with the standard ``wave`` module.

WAV has no chapter table or tags that players read, so only the audio is stored; the chapter
list is still available from the writer (``chapters``) for subtitles or a sidecar.
"""

from __future__ import annotations

import logging
import wave
from typing import ClassVar

from audiobook.errors import EncodingError
from audiobook.output.writers.base import AudioWriter

__all__ = ["WavWriter"]

log = logging.getLogger(__name__)

# RIFF sizes are 32-bit: about 24.8 hours of 16-bit mono at 24 kHz.
_MAX_DATA_BYTES = 0xFFFFFFFF - 36


class WavWriter(AudioWriter):
    """Uncompressed 16-bit mono WAV."""

    fmt: ClassVar[str] = "wav"
    supports_chapters: ClassVar[bool] = False

    def _begin(self) -> None:
        if self.out_rate != self.sample_rate:
            raise EncodingError(
                f"cannot write {self.path}: WAV is written at the audio's own rate ({self.sample_rate} Hz); "
                "write .flac or .mp3 to resample"
            )
        try:
            self._wav = wave.open(str(self.partial), "wb")
        except OSError as err:
            raise EncodingError(f"cannot write {self.path}: {err.strerror or err}") from err
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(self.sample_rate)
        self._bytes = 0

    def _write(self, data: bytes) -> None:
        if self._bytes + len(data) > _MAX_DATA_BYTES:
            raise EncodingError(f"cannot write {self.path}: WAV files stop at 4 GiB; write .m4b or .mp3 instead")
        # writeframesraw leaves the header alone; close() patches the sizes once.
        self._wav.writeframesraw(data)
        self._bytes += len(data)

    def _finish(self) -> None:
        self._wav.close()
        if len(self._marks) > 1:
            log.info("%s: WAV stores no chapters; %d chapter marks not written", self.path, len(self._marks))

    def _discard(self) -> None:
        try:
            self._wav.close()
        except (OSError, wave.Error):
            pass  # the file is deleted next; a failed header patch does not matter
