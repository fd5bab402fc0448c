"""Reading hostile documents as ``audiobook inspect`` does, and checking what would be spoken.

``outcome`` reads a file in this process through convert's own steps (read, coverage, the
passes up to ``normalize``) and returns the text that would be spoken, the reports and the
coverage; ``run_cli`` runs the real command in a child process under a memory cap. ``MARKUP``
finds markup in spoken text.
"""

from __future__ import annotations

import hashlib
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from audiobook.convert import ConvertOptions, read_options, run_stages
from audiobook.coverage import Coverage, measure
from audiobook.diagnostics import Ledger, Report, Reporter
from audiobook.errors import AudiobookError
from audiobook.model import Book, Speech
from audiobook.readers import read_path

__all__ = ["MARKUP", "Outcome", "digest", "outcome", "run_cli", "markup_in"]

MARKUP = re.compile(
    r"[<>]|&(?:lt|gt|amp);|\[pause|\x1b|\[\d*(?:;\d+)*m\b|javascript:|\]\]|CDATA|zero meters",
    re.IGNORECASE,
)
"""What must never be spoken: brackets of tags, escaped entities, pause tags, ANSI colour codes
(and what they sound like read as text, "[0m" → "zero meters"), script addresses, CDATA."""

MEMORY_CAP = 1 << 30
"""Address space a command may use (1 GiB): the interpreter and its libraries take about a third."""


@dataclass
class Outcome:
    """What reading one document gave."""

    spoken: list[str]
    """The text each speech segment would speak, after normalization."""
    reports: list[Report]
    """Everything reported."""
    coverage: Coverage | None
    """Source words against spoken words (``None`` when the document was refused)."""
    error: AudiobookError | None = None
    """The error the document was refused with, if it was."""

    @property
    def text(self) -> str:
        return " ".join(self.spoken)

    def codes(self) -> set[str]:
        return {r.code for r in self.reports}


def _spoken(book: Book) -> list[str]:
    return [s.text for c in book.chapters for b in c.blocks for s in b.segments if isinstance(s, Speech)]


def outcome(
    path: Path, stop_after: str = "normalize", options: ConvertOptions | None = None, coverage: bool = True
) -> Outcome:
    """Read ``path`` and run the passes to ``stop_after``, as ``inspect --json`` does."""
    options = options or ConvertOptions()
    reporter, ledger = Reporter(strict=options.strict), Ledger()
    try:
        book = read_path(path, read_options(options), reporter, ledger)
        cov = measure(book, ledger) if coverage else None
        done = run_stages(book, options, reporter, stop_after) if stop_after != "read" else book
    except AudiobookError as exc:
        return Outcome([], list(reporter.reports), None, exc)
    assert isinstance(done, Book)
    return Outcome(_spoken(done), list(reporter.reports), cov)


def markup_in(texts: list[str]) -> list[str]:
    """The markup found in spoken texts (empty when there is none)."""
    return [m.group(0) for text in texts for m in MARKUP.finditer(text)]


def digest(path: Path) -> str:
    """SHA-256 of a file, to show it was not changed."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m audiobook ARGS`` in a child process whose address space is capped at ``MEMORY_CAP``."""
    return subprocess.run(
        [sys.executable, "-m", "audiobook", *args],
        capture_output=True,
        text=True,
        errors="replace",
        cwd=cwd,
        timeout=timeout,
        preexec_fn=_cap_memory,
    )
