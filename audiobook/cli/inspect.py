"""``audiobook inspect`` and ``--list-chapters``: read a book and show what will be spoken.

The reading and the passes are the ones ``convert`` runs (``convert.read_options``,
``convert.load_book``, ``convert.run_stages``); only the printing lives here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from audiobook.convert import ConvertOptions, load_book, read_options, run_stages
from audiobook.coverage import coverage_json, format_coverage, measure
from audiobook.diagnostics import Ledger, Reporter
from audiobook.model import Book, book_to_json
from audiobook.passes.select import format_chapter_list
from audiobook.readers import read_path

__all__ = ["coverage_text", "inspect", "list_chapters"]


def list_chapters(path: Path, options: ConvertOptions, reporter: Reporter | None = None) -> str:
    """The numbered chapter list ``--list-chapters`` prints (chapters outside ``--chapters`` marked)."""
    book = read_path(path, read_options(options), reporter)
    return format_chapter_list(book, options.reading.chapters)


def coverage_text(path: Path, options: ConvertOptions, reporter: Reporter, as_json: bool = False) -> str:
    """What ``inspect --coverage`` prints: per chapter, source words against spoken words."""
    ledger = Ledger()
    book = read_path(path, read_options(options), reporter, ledger)
    cov = measure(book, ledger, options.reading.chapters)
    return json.dumps(coverage_json(cov), ensure_ascii=False, indent=1) if as_json else format_coverage(cov)


def _outline(data: dict) -> str:
    lines = [f"{data['title']} — {', '.join(data['authors'])} [{data['language']}]"]
    for i, ch in enumerate(data["chapters"], 1):
        words = sum(len(s.get("text", "").split()) for s in ch["segments"])
        lines.append(f"{i:3d}. {ch['title']}  ({words} words)")
    return "\n".join(lines)


def inspect(path: Path, options: ConvertOptions, stop_after: str, as_json: bool, coverage: bool, chapters: bool) -> int:
    """Print the document model after ``stop_after`` (or the chapter list, or the coverage report)."""
    reporter = Reporter()
    if chapters:
        print(list_chapters(path, options, reporter))
    elif coverage:
        print(coverage_text(path, options, reporter, as_json))
    else:
        book = load_book(path, options, reporter)
        out = book if stop_after == "read" else run_stages(book, options, reporter, stop_after)
        if isinstance(out, Book):
            data = book_to_json(out)
            if data.get("cover"):
                data["cover"].pop("data", None)
            print(json.dumps(data, ensure_ascii=False, indent=1) if as_json else _outline(data))
        else:
            plans = [
                {"title": p.title, "items": [{"type": type(i).__name__.lower(), **i.__dict__} for i in p.items]}
                for p in out
            ]
            print(json.dumps(plans, ensure_ascii=False, indent=1))
    for rep in reporter.reports:
        print(f"warning: {rep}", file=sys.stderr)
    return 0
