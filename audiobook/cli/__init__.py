"""The command line. Only here are errors caught, printed as one line, and turned into exit codes."""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import sys
from pathlib import Path
from typing import Sequence

from audiobook import __version__
from audiobook.config import Pauses
from audiobook.errors import AudiobookError, InputError

__all__ = ["main", "build_parser", "MAX_THREADS", "MAX_PAUSE_MS", "BITRATE_KBPS", "max_threads"]

log = logging.getLogger("audiobook")

MAX_THREADS = 64
"""Most engine threads ``--threads`` takes (four per core on machines with more than 16)."""
MAX_PAUSE_MS = Pauses.max_break
"""Longest structural pause ``--sentence-pause``, ``--paragraph-pause`` and ``--chapter-pause`` take,
in milliseconds: the same minute a ``<break>`` in a document is clamped to."""
BITRATE_KBPS = (8, 512)
"""Lowest and highest encoder bitrate ``--bitrate`` takes, in kbit/s."""

_BITRATE = re.compile(r"(\d{1,7})(k?)", re.IGNORECASE)
_LANG_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")


def max_threads() -> int:
    """The ``--threads`` cap on this machine: ``MAX_THREADS``, or four per core where that is more."""
    return max(MAX_THREADS, 4 * (os.cpu_count() or 1))


def _check_numbers(args: argparse.Namespace) -> None:
    """Numbers and codes from the command line, checked before anything is read or synthesized."""
    from audiobook.synthesis.synthesizer import MAX_SPEED, MIN_SPEED

    speed = getattr(args, "speed", 1.0)
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise InputError(f"--speed {speed:g} is outside {MIN_SPEED}-{MAX_SPEED}; pick a speed in that range")
    threads = getattr(args, "threads", None)
    if threads is not None and not 1 <= threads <= max_threads():
        raise InputError(f"--threads {threads} is outside 1-{max_threads()}; leave it out to use every core")
    for option in ("sentence_pause", "paragraph_pause", "chapter_pause"):
        ms = getattr(args, option, None)
        if ms is not None and not 0 <= ms <= MAX_PAUSE_MS:
            raise InputError(f"--{option.replace('_', '-')} {ms} is outside 0-{MAX_PAUSE_MS} ms")
    loudness = getattr(args, "loudness", None)
    if loudness is not None and not math.isfinite(loudness):
        raise InputError(f"--loudness {loudness} is not a number; pick a target such as -18")
    bitrate = getattr(args, "bitrate", None)
    if bitrate is not None:
        m = _BITRATE.fullmatch(bitrate.strip())
        kbps = (int(m.group(1)) if m.group(2) else int(m.group(1)) / 1000) if m else -1.0
        low, high = BITRATE_KBPS
        if not low <= kbps <= high:
            raise InputError(f"--bitrate {bitrate!r} is not a bitrate from {low}k to {high}k; write it like 64k")
    lang = getattr(args, "lang", None)
    if lang is not None:
        from audiobook.passes.g2p import espeak_voice

        if not _LANG_TAG.fullmatch(lang) or espeak_voice(lang) is None:
            raise InputError(
                f"--lang {lang!r} is not a language espeak-ng reads; use a code such as en-us, en-gb, es, fr, it, pt-br or hi"
            )


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


def _add_voice_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--offline", action="store_true", help="never touch the network (also $AUDIOBOOK_OFFLINE=1)")
    p.add_argument("--engine", choices=["auto", "onnx", "openvino", "torch"], default="auto",
                   help="auto (default: the fastest installed engine that sounds the same here, calibrated once), "
                   "onnx (int8, CPU), openvino (a float graph derived from it; pip install '.[openvino]') "
                   "or torch (the official checkpoint; pip install '.[torch]')")
    p.add_argument("--precision", choices=["f32", "bf16", "f16"],
                   help="openvino engine precision (default: bf16 where the CPU has it natively, else f32)")
    p.add_argument("--device", help="torch engine device: cpu, cuda (or cuda:N) or mps (default: the best present)")
    p.add_argument("--model", help="model file: .onnx for the onnx engine, the .pth checkpoint (config.json beside it) for torch")
    p.add_argument("--dialogue-voice", metavar="NAME", help="read quoted speech in prose with this voice")
    p.add_argument("--stage-directions", choices=["skip", "read"], default="skip",
                   help="scripts: skip bracketed stage directions, or have the narrator read them")


def _voice_run_options(args: argparse.Namespace) -> dict:
    return {
        "offline": args.offline,
        "engine": args.engine,
        "precision": args.precision,
        "device": args.device,
        "model": args.model,
        "dialogue_voice": args.dialogue_voice,
        "stage_directions": args.stage_directions,
    }


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--chapters", metavar="LIST", help="only these chapters, numbered as --list-chapters shows them: 3-7,9")
    p.add_argument("--list-chapters", action="store_true", help="print the numbered chapters with word counts, and stop")
    p.add_argument("--notes", choices=["skip", "end"], default="skip",
                   help="footnotes and endnotes: skip them (default) or read them at the end of their chapter")
    p.add_argument("--read-alt", action="store_true", help="read the alt text of images")
    p.add_argument("--keep-front-matter", action="store_true",
                   help="also read cover, copyright, table-of-contents and index pages")
    p.add_argument("--code", choices=["skip", "read"], default="skip", help="code blocks: skip (default) or read")
    p.add_argument("--heading-level", type=int, choices=range(1, 7), metavar="N",
                   help="Markdown: headings of level N and above start chapters (default: the top level used)")
    p.add_argument("--chapter-level", type=int, choices=range(1, 10), metavar="N",
                   help="EPUB: table-of-contents entries down to depth N start chapters "
                        "(default: every entry, or for very many short ones the deepest level of chapters a few minutes long)")
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="raise or lower a cap on the input (repeatable): front-matter=64KiB, epub-member=64MiB, "
                        "epub-total=512MiB, epub-members=10000")


def _limits(args: argparse.Namespace):
    from audiobook.config import parse_limits

    try:
        return parse_limits(getattr(args, "limit", None) or [])
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _read_choices(args: argparse.Namespace):
    from audiobook.config import ReadChoices

    if not hasattr(args, "chapters"):
        return ReadChoices()
    return ReadChoices(
        skip_front_matter=not args.keep_front_matter,
        notes=args.notes,
        read_alt=args.read_alt,
        code_blocks=args.code,
        heading_level=args.heading_level,
        chapters=args.chapters,
        chapter_level=args.chapter_level,
    )


def _print_notices(result) -> None:
    for notice in result.notices:
        print(f"voice: {notice}", file=sys.stderr)


def _add_text_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date-order", choices=["mdy", "dmy"],
                   help="numeric dates like 11/12/2024: month first or day first (default: dmy for en-gb, else mdy)")
    p.add_argument("--lexicon", action="append", type=Path, default=[], metavar="FILE",
                   help="pronunciation lexicon (.tsv, .toml or .pls; repeatable): word → IPA or respelling")
    p.add_argument("--no-expand-titles", action="store_true", help="leave titles such as Dr. and Mr. to espeak-ng")
    p.add_argument("--g2p", choices=["lexicon", "espeak"], default="lexicon",
                   help="English words: from the dictionaries Kokoro was trained on, espeak-ng for the rest "
                        "(default), or espeak-ng alone")


def _text_rules(args: argparse.Namespace):
    from audiobook.normalize import NormalizeOptions

    return NormalizeOptions(
        date_order=getattr(args, "date_order", None),
        expand_titles=not getattr(args, "no_expand_titles", False),
        lexicons=tuple(getattr(args, "lexicon", None) or ()),
        g2p=getattr(args, "g2p", "lexicon"),
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``audiobook``."""
    parser = argparse.ArgumentParser(prog="audiobook", description="Turn books and scripts into audiobooks with Kokoro-82M.")
    parser.add_argument("--version", action="version", version=f"audiobook {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="print progress details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert a book (EPUB, Markdown, SSML, text) into an audiobook")
    p.add_argument("input", type=Path)
    p.add_argument("-o", "--output", type=Path, help="output file: .m4b (default), .mp3, .opus, .flac or .wav")
    p.add_argument("--bitrate", help="encoder bitrate, e.g. 64k")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_run_options(p)
    _add_voice_options(p)
    _add_read_options(p)
    _add_text_options(p)
    _add_output_options(p)

    p = sub.add_parser("say", help="speak a string of text or SSML into a file")
    p.add_argument("text", help="text, or SSML starting with <speak>")
    p.add_argument("-o", "--output", type=Path, required=True)
    _add_run_options(p)
    # One utterance, not a chapter of a book: no chapter's closing silence unless asked for.
    p.set_defaults(chapter_pause=0)
    _add_voice_options(p)
    _add_text_options(p)

    p = sub.add_parser("inspect", help="print the document model of an input")
    p.add_argument("input", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON (default: a readable outline)")
    p.add_argument("--stop-after", choices=["read", "normalize", "sentences", "phonemes", "units"], default="read",
                   help="show the document after this stage")
    p.add_argument("--lang")
    p.add_argument("--coverage", action="store_true",
                   help="per chapter, the words of the source and the words spoken; what is skipped and why")
    _add_read_options(p)
    _add_text_options(p)

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
    for q in (p, lp, pp):
        q.add_argument("--offline", action="store_true", help="never touch the network (also $AUDIOBOOK_OFFLINE=1)")

    from audiobook.cli.ssml import add_ssml_parser

    add_ssml_parser(sub)

    p = sub.add_parser("check", help="measure audio files against Audible ACX's requirements")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--loudness", type=float, default=-18.0, metavar="LUFS",
                   help="integrated loudness the book is normalized to (default -18; true peak stays at or below -3 dBTP)")
    p.add_argument("--no-normalize", action="store_true", help="write the model's levels as they are")
    p.add_argument("--acx", action="store_true",
                   help="Audible ACX preset: one 192 kbps MP3 per chapter at 44.1 kHz, ACX levels and room tone")
    p.add_argument("--split-chapters", action="store_true",
                   help="one file per chapter, numbered, in a folder named after the output")
    p.add_argument("--subtitles", choices=["srt", "vtt"], help="write sentence subtitles beside the audio")
    p.add_argument("--timings", type=Path, metavar="FILE.json",
                   help="write each sentence's times, text and source position, and the SSML marks, as JSON")


def _output_run_options(args: argparse.Namespace) -> dict:
    from audiobook.output.assemble import OutputOptions, check_output_options

    chosen = {"bitrate": getattr(args, "bitrate", None)}
    if not hasattr(args, "acx"):
        return {"output": OutputOptions(**chosen)}
    chosen |= {
        "normalize": not args.no_normalize,
        "loudness": args.loudness,
        "acx": args.acx,
        "split_chapters": args.split_chapters,
        "subtitles": args.subtitles,
        "timings": args.timings,
    }
    output = OutputOptions(**chosen)
    check_output_options(output)
    return {"output": output}


def _cmd_check(args: argparse.Namespace) -> int:
    from audiobook.output.acx import check_file

    failed = False
    for path in args.files:
        rules = check_file(path)
        print(path)
        for rule in rules:
            print(f"  {'pass' if rule.passed else 'FAIL'}  {rule.name:12} {rule.value}  (ACX: {rule.requirement})")
        failed = failed or not all(rule.passed for rule in rules)
    return 1 if failed else 0


def _convert_options(args: argparse.Namespace):
    from audiobook.convert import ConvertOptions

    _check_numbers(args)
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
        reading=_read_choices(args),
        text_rules=_text_rules(args),
        limits=_limits(args),
        **_voice_run_options(args),
        **_output_run_options(args),
    )


def _cmd_convert(args: argparse.Namespace) -> int:
    from audiobook.convert import convert

    options = _convert_options(args)
    if args.list_chapters:
        from audiobook.cli.inspect import list_chapters

        print(list_chapters(args.input, options))
        return 0
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
    _print_notices(result)
    for rep in result.reports:
        print(f"warning: {rep}", file=sys.stderr)
    rtf = result.stats.compute_s / result.duration if result.duration else 0.0
    print(
        f"wrote {result.output}: {result.duration:.1f} s, {len(result.chapters)} chapters, "
        f"{result.stats.units} sentences ({result.stats.synthesized} synthesized, "
        f"{result.stats.units - result.stats.synthesized} from cache), real-time factor {rtf:.2f}"
    )
    _print_output(result)
    return 0


def _print_output(result) -> None:
    if len(result.files) > 1:
        print(f"  {len(result.files)} files in {result.output}")
    if result.loudness is not None:
        figures = result.loudness
        print(f"  loudness {figures.integrated:.1f} LUFS, true peak {figures.true_peak:.1f} dBTP, RMS {figures.rms:.1f} dBFS")


def _cmd_say(args: argparse.Namespace) -> int:
    import tempfile
    from dataclasses import replace

    from audiobook.convert import convert

    text = args.text
    # Text is read as a Markdown paragraph is: inline SSML and pause tags ([pause 2s]) work.
    suffix = ".ssml" if text.lstrip().startswith(("<speak", "<?xml")) else ".md"
    options = replace(_convert_options(args), detached=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"say{suffix}"
        src.write_text(text, encoding="utf-8")
        result = convert(src, args.output, options)
    print(f"voice: {result.voice} ({result.voice_reason})", file=sys.stderr)
    _print_notices(result)
    for rep in result.reports:
        print(f"warning: {rep}", file=sys.stderr)
    print(f"wrote {result.output}: {result.duration:.2f} s")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from audiobook.cli.inspect import inspect
    from audiobook.convert import ConvertOptions

    _check_numbers(args)
    options = ConvertOptions(lang=args.lang, reading=_read_choices(args), text_rules=_text_rules(args), limits=_limits(args))
    return inspect(args.input, options, args.stop_after, args.json, args.coverage, args.list_chapters)


def _cmd_voices(args: argparse.Namespace) -> int:
    from voices.packs import VoiceLibrary
    from voices.table import pull, voice_table

    if getattr(args, "voices_command", None) == "pull":
        for path in pull(args.names, args.all, no_network=args.offline):
            print(f"ok {path}")
        return 0
    print("\n".join(voice_table(VoiceLibrary(args.voice_path), args.lang, args.gender)))
    return 0


def _cmd_ssml(args: argparse.Namespace) -> int:
    from audiobook.cli.ssml import run

    return run(args)


COMMANDS = {"ssml": _cmd_ssml, "convert": _cmd_convert, "say": _cmd_say, "inspect": _cmd_inspect, "voices": _cmd_voices,
            "check": _cmd_check}


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
