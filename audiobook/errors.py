"""One exception hierarchy; each class's ``exit_code`` is the one source of the CLI's exit codes.

``str(error)`` is the one line a user reads. Only the CLI catches, prints and exits.
"""

from __future__ import annotations

__all__ = [
    "AudiobookError",
    "InputError",
    "VoiceError",
    "ModelError",
    "SynthesisError",
    "EncodingError",
    "StrictError",
    "ClusterError",
]


class AudiobookError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


class InputError(AudiobookError):
    """The input cannot be read: missing, unreadable, malformed. Carries file, line and column."""

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None, column: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.message}"


class VoiceError(AudiobookError):
    """A voice cannot be found or loaded."""

    exit_code = 3


class ModelError(AudiobookError):
    """The speech model cannot be found, assembled or loaded."""

    exit_code = 4


class SynthesisError(AudiobookError):
    """The model failed on a unit."""

    exit_code = 5


class EncodingError(AudiobookError):
    """The audio could not be encoded or written."""

    exit_code = 6


class StrictError(AudiobookError):
    """A report was raised as an error because ``--strict`` is on."""

    exit_code = 7



class ClusterError(AudiobookError):
    """The cluster cannot be reached or used."""

    exit_code = 8
