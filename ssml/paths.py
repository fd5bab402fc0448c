"""Where a file a document names may be: inside the document's folder, and nowhere else.

A document from a stranger must not be able to pull other files of the machine into the
audiobook (``<audio src="/home/me/diary.wav">``, ``../../etc/passwd``, a symbolic link placed
beside it that points away, ``file:``, ``http:`` or ``data:`` URLs). ``resolve_inside`` is the one
check every reader and the lexicon loader use; it raises ``ValueError`` with the reason in one line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["resolve_inside"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def resolve_inside(base_dir: str | Path | None, ref: str) -> Path:
    """The file ``ref`` names, relative to ``base_dir``, resolved; ``ValueError`` when it is not inside.

    ``base_dir`` ``None`` is a document without a folder (text given on the command line): it may
    name no file. A ``..`` that stays inside the folder and a link that points inside are allowed;
    the file need not exist (the caller says what it does when it does not).
    """
    if base_dir is None:
        raise ValueError(f"{ref!r}: the document has no folder (it was given as text), so it can name no file")
    if not ref.strip():
        raise ValueError("an empty file name")
    if "\x00" in ref:
        raise ValueError(f"{ref!r} holds a NUL character")
    if _SCHEME.match(ref) or ref.startswith(("//", "\\\\")):
        # A drive letter (C:\...) is absolute too; URLs of every scheme are never fetched or opened.
        raise ValueError(f"{ref!r} is a URL or drive path, not a file beside the document (nothing is fetched)")
    if ref.startswith(("/", "\\", "~")) or os.path.isabs(ref):
        raise ValueError(f"{ref!r} is an absolute path; only files in the document's folder are read")
    try:
        base = Path(base_dir).resolve()
        lexical = Path(os.path.normpath(base / ref))
        if not lexical.is_relative_to(base):
            raise ValueError(f"{ref!r} leads out of the document's folder; copy the file beside the document")
        # resolve() follows every link on the way: one placed beside the document may point anywhere.
        path = lexical.resolve()
    except (OSError, RuntimeError) as exc:
        # A name too long for the file system, a loop of links.
        raise ValueError(f"{ref!r} cannot be resolved ({exc.__class__.__name__})") from None
    if not path.is_relative_to(base):
        raise ValueError(f"{ref!r} is a link that leads out of the document's folder; copy the file there instead")
    return path
