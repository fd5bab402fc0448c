"""The command line. Only here are errors caught, printed as one line, and turned into exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .config import Pauses
from .errors import AudiobookError, InputError

__all__ = ["main", "build_parser"]

log = logging.getLogger("audiobook")


def _pauses(args: argparse.Namespace) -> Pauses:
    return Pauses(
        sentence=args.sentence_pause,
        paragraph=args.paragraph_pause,
        chapter=args.chapter_pause,
    )


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--voice", help="voice name, .pt/.npy/.npz/.bin file, preset, or blend like 'jf_alpha:0.6+jm_kumo:0.4'")
    p.add_argument("--speed", type=float, default=1.0, help="speaking speed, 0.5-2.0 (default 1.0)")
    p.add_argument("--lang", help="language where the document does not say (en-us, en-gb, fr, es, it, pt-br, hi)")
    p.add_argument("--voice-path", action="append", type=Path, default=[], metavar="DIR",
                   help="folder of voice packs to search (repeatable; also $AUDIOBOOK_VOICE_PATH)")
    p.add_argument("--threads", type=int, help="engine threads (default: all cores)")
    p.add_argument("--cache-dir", type=Path, help="clip cache folder (default: $AUDIOBOOK_CACHE/clips)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the clip cache")
    p.add_argument("--strict", action="store_true", help="treat every warning about unrendered content as an error")
    p.add_argument("--sentence-pause", type=int, default=Pauses.sentence, metavar="MS", help="pause between sentences")
    p.add_argument("--paragraph-pause", type=int, default=Pauses.paragraph, metavar="MS", help="pause between paragraphs")
    p.add_argument("--chapter-pause", type=int, default=Pauses.chapter, metavar="MS", help="silence at each chapter's end")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``audiobook``."""
    parser = argparse.ArgumentParser(prog="audiobook", description="Turn books and scripts into audiobooks with Kokoro-82M.")
    parser.add_argument("--version", action="version", version=f"audiobook {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="print progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert a book (EPUB, Markdown, SSML, text) into an audiobook")
    p.add_argument("input", type=Path)
    p.add_argument("-o", "--output", type=Path, help="output file; .m4b (default), .mp3 or .wav")
    p.add_argument("--bitrate", help="encoder bitrate, e.g. 64k")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_run_options(p)

    p = sub.add_parser("say", help="speak a string of text or SSML into a file")
    p.add_argument("text", help="text, or SSML starting with <speak>")
    p.add_argument("-o", "--output", type=Path, required=True)
    _add_run_options(p)

    p = sub.add_parser("inspect", help="print the document model of an input")
    p.add_argument("input", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON (default: a readable outline)")
    p.add_argument("--stop-after", choices=["read", "normalize", "sentences", "phonemes", "units"], default="read",
                   help="show the document after this stage")
    p.add_argument("--lang")

    p = sub.add_parser("voices", help="list the voices, or download official ones")
    vs = p.add_subparsers(dest="voices_command")
    lp = vs.add_parser("list", help="list catalogued voices and which are on disk")
    for q in (p, lp):
        q.add_argument("--lang", help="only voices of this language (en-us, en-gb, ja, ...)")
        q.add_argument("--gender", choices=["female", "male"])
        q.add_argument("--voice-path", action="append", type=Path, default=[], metavar="DIR")
    pp = vs.add_parser("pull", help="download official voice packs from the Hugging Face hub")
    pp.add_argument("names", nargs="*")
    pp.add_argument("--all", action="store_true")
    return parser


def _convert_options(args: argparse.Namespace):
    from .convert import ConvertOptions

    if not 0.5 <= args.speed <= 2.0:
        raise InputError(f"--speed {args.speed} is outside 0.5-2.0; pick a speed in that range")
    return ConvertOptions(
        voice=args.voice,
        speed=args.speed,
        lang=args.lang,
        threads=args.threads,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        voice_path=list(args.voice_path),
        strict=args.strict,
        pauses=_pauses(args),
        bitrate=getattr(args, "bitrate", None),
    )


def _cmd_convert(args: argparse.Namespace) -> int:
    from .convert import convert

    options = _convert_options(args)
    bars: list = []
    if not args.quiet:
        from tqdm import tqdm

        def progress(done: int, total: int, audio_s: float) -> None:
            if not bars:
                bars.append(tqdm(total=total, unit=" sentences", dynamic_ncols=True, file=sys.stderr))
            bars[0].update(done - bars[0].n)
            bars[0].set_postfix_str(f"{audio_s:.0f} s of audio", refresh=False)

        options.progress = progress
    try:
        result = convert(args.input, args.output, options)
    finally:
        for bar in bars:
            bar.close()
    print(f"voice: {result.voice} ({result.voice_reason})", file=sys.stderr)
    for rep in result.reports:
        print(f"warning: {rep}", file=sys.stderr)
    rtf = result.stats.compute_s / result.duration if result.duration else 0.0
    print(
        f"wrote {result.output}: {result.duration:.1f} s, {len(result.chapters)} chapters, "
        f"{result.stats.units} sentences ({result.stats.synthesized} synthesized, "
        f"{result.stats.units - result.stats.synthesized} from cache), real-time factor {rtf:.2f}"
    )
    return 0


def _cmd_say(args: argparse.Namespace) -> int:
    import tempfile

    from .convert import convert

    text = args.text
    suffix = ".ssml" if text.lstrip().startswith(("<speak", "<?xml")) else ".txt"
    options = _convert_options(args)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"say{suffix}"
        src.write_text(text, encoding="utf-8")
        result = convert(src, args.output, options)
    print(f"voice: {result.voice} ({result.voice_reason})", file=sys.stderr)
    for rep in result.reports:
        print(f"warning: {rep}", file=sys.stderr)
    print(f"wrote {result.output}: {result.duration:.2f} s")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from .config import ReadOptions, UnitOptions
    from .diagnostics import Reporter
    from .model import Book, book_to_json
    from .passes import run_passes
    from .readers import read_path

    reporter = Reporter()
    book = read_path(args.input, ReadOptions(lang=args.lang, reporter=reporter))
    lang = args.lang or book.meta.language or "en-us"
    out = book if args.stop_after == "read" else run_passes(
        book, lang=lang, unit_options=UnitOptions(), reporter=reporter, stop_after=args.stop_after
    )
    if isinstance(out, Book):
        data = book_to_json(out)
        if data.get("cover"):
            data["cover"].pop("data", None)
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            print(f"{data['title']} — {', '.join(data['authors'])} [{data['language']}]")
            for i, ch in enumerate(data["chapters"], 1):
                words = sum(len(s.get("text", "").split()) for s in ch["segments"])
                print(f"{i:3d}. {ch['title']}  ({words} words)")
    else:
        plans = [
            {"title": p.title, "items": [{"type": type(i).__name__.lower(), **i.__dict__} for i in p.items]}
            for p in out
        ]
        print(json.dumps(plans, ensure_ascii=False, indent=1))
    for rep in reporter.reports:
        print(f"warning: {rep}", file=sys.stderr)
    return 0


def _cmd_voices(args: argparse.Namespace) -> int:
    import voices as catalogue_pkg

    from .voicepacks import VoiceLibrary

    if getattr(args, "voices_command", None) == "pull":
        from .hub import pull_voices

        names = list(catalogue_pkg.catalogue()) if args.all else args.names
        if not names:
            raise InputError("name the voices to download, or pass --all")
        for path in pull_voices(names):
            print(f"ok {path}")
        return 0
    library = VoiceLibrary(args.voice_path)
    default, why = library.default_voice()
    on_disk = library.available()
    print(f"default voice: {default} ({why})")
    print(f"{'name':16} {'language':8} {'gender':7} where")
    for name, info in catalogue_pkg.catalogue().items():
        if args.lang and info.language != args.lang.lower():
            continue
        if args.gender and info.gender != args.gender:
            continue
        print(f"{name:16} {info.language:8} {info.gender:7} {on_disk.get(name, 'not on disk (voices pull)')}")
    extra = sorted(set(on_disk) - set(catalogue_pkg.catalogue()))
    for name in extra if not (args.lang or args.gender) else []:
        print(f"{name:16} {'?':8} {'?':7} {on_disk[name]}")
    for name, spec in catalogue_pkg.presets().items():
        if not (args.lang or args.gender):
            print(f"preset {name}: {spec}")
    return 0


COMMANDS = {"convert": _cmd_convert, "say": _cmd_say, "inspect": _cmd_inspect, "voices": _cmd_voices}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    try:
        return COMMANDS[args.command](args)
    except AudiobookError as exc:
        print(f"audiobook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("audiobook: interrupted; the output was not written (rerun to resume from the cache)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os._exit(1)


if __name__ == "__main__":
    sys.exit(main())
