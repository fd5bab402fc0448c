"""``audiobook ssml``: check an SSML document, or print what SSML is supported.

``validate FILE`` reads the document as ``convert`` would (lenient mode) and prints every problem
as ``file:line:column: code: message``; it exits 0 when there is none and 1 otherwise.
``capabilities`` prints the table of elements and attributes: supported, partly supported, ignored.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["add_ssml_parser", "run", "validate", "capabilities"]


def add_ssml_parser(sub: Any) -> None:
    """Add the ``ssml`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("ssml", help="check SSML documents; list the SSML that is supported")
    ss = p.add_subparsers(dest="ssml_command", required=True)
    vp = ss.add_parser("validate", help="print each problem as file:line:column: code: message; exit 1 if any")
    vp.add_argument("file", type=Path)
    vp.add_argument("--lang", help="language where the document does not say")
    cp = ss.add_parser("capabilities", help="print the supported, partly supported and ignored elements")
    cp.add_argument("--json", action="store_true", help="print JSON rows instead of a table")


def validate(path: Path, lang: str | None = None, out: TextIO | None = None) -> int:
    """Print the diagnostics of one SSML file; 0 when clean, 1 when it has problems.

    A file that cannot be opened raises ``InputError`` (exit code 2 from the CLI); a document
    that is refused (a DOCTYPE, say) is a problem like the others.
    """
    from audiobook.config import ReadOptions
    from audiobook.diagnostics import Reporter
    from audiobook.errors import InputError
    from audiobook.passes.voices import resolve_voices
    from audiobook.readers import ssml as ssml_reader
    from voices.packs import VoiceLibrary

    out = out or sys.stdout
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}; check the path", str(path)) from None
    reporter = Reporter()
    options = ReadOptions(source=str(path), base_dir=path.parent, lang=lang)
    problems = 0
    try:
        # Voice requests are answered as a conversion would, so an unmet one is listed too.
        resolve_voices(ssml_reader.read(data, options, reporter), VoiceLibrary(), reporter)
    except InputError as exc:
        place = (exc.line, exc.column) if exc.line is not None else ()
        where = ":".join(str(x) for x in (exc.file or path, *place) if x is not None)
        print(f"{where}: error: {exc.message}", file=out)
        problems += 1
    for rep in reporter.reports:
        print(f"{rep.where or path}: {rep.code}: {rep.message}", file=out)
        problems += 1
    return 1 if problems else 0


def capabilities(as_json: bool = False, out: TextIO | None = None) -> int:
    """Print the capability table."""
    from ssml import CAPABILITIES, format_table

    out = out or sys.stdout
    if as_json:
        rows = [
            {"element": c.element, "attribute": c.attribute, "support": c.support, "note": c.note} for c in CAPABILITIES
        ]
        print(json.dumps(rows, indent=1), file=out)
    else:
        print(format_table(), file=out)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``audiobook ssml ...`` from parsed arguments."""
    if args.ssml_command == "validate":
        return validate(args.file, args.lang)
    return capabilities(args.json)
