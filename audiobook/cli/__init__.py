"""The command line. Only here are errors caught, printed as one line, and turned into exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from audiobook import __version__
from audiobook.config import Pauses

# The bounds live with the options they bound (``convert.check_values``), so the server checks the same.
from audiobook.convert import (
    BITRATE_KBPS,
    MAX_PAUSE_MS,
    MAX_THREADS,
    check_values,
    max_threads,
)
from audiobook.errors import AudiobookError, InputError

__all__ = ["main", "run", "build_parser", "MAX_THREADS", "MAX_PAUSE_MS", "BITRATE_KBPS", "max_threads"]

log = logging.getLogger("audiobook")

def _check_numbers(args: argparse.Namespace) -> None:
    """Numbers and codes from the command line, checked before anything is read or synthesized."""
    check_values(
        speed=getattr(args, "speed", 1.0),
        threads=getattr(args, "threads", None),
        pauses={kind: getattr(args, f"{kind}_pause", None) for kind in ("sentence", "paragraph", "chapter")},
        loudness=getattr(args, "loudness", None),
        bitrate=getattr(args, "bitrate", None),
        lang=getattr(args, "lang", None),
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

    p = sub.add_parser("convert", help="convert books (EPUB, Markdown, SSML, text) into audiobooks")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="a document; several, folders of documents or quoted globs ('books/*.epub') with --out-dir")
    p.add_argument("-o", "--output", type=Path,
                   help="output file: .m4b (default), .mp3, .opus, .flac or .wav; .epub writes a read-along book")
    _add_library_options(p)
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

    _add_serve_parser(sub)
    return parser


def _add_serve_parser(sub) -> None:  # type: ignore[no-untyped-def]
    from audiobook.serve.settings import TOKEN_ENV, ServeSettings

    d = ServeSettings()
    p = sub.add_parser("serve", help="serve the web page and the HTTP API (OpenAI speech, jobs for books)")
    p.add_argument("--host", default=d.host, help=f"address to listen on (default {d.host}; others need --token)")
    p.add_argument("--port", type=int, default=d.port, help=f"TCP port (default {d.port})")
    p.add_argument("--data-dir", type=Path, help="jobs, uploads and results (default: $XDG_DATA_HOME/audiobook/serve)")
    p.add_argument("--token", help=f"bearer token every API request must carry (also ${TOKEN_ENV})")
    p.add_argument("--cache-dir", type=Path, help="clip cache folder (default: $AUDIOBOOK_CACHE/clips)")
    p.add_argument("--threads", type=int, help="engine threads (default: all cores)")
    p.add_argument("--max-upload", default="64MiB", metavar="SIZE", help="largest book a job may upload (default 64MiB)")
    p.add_argument("--max-chars", type=int, default=d.max_speech_chars, metavar="N",
                   help=f"most characters in one speech request (default {d.max_speech_chars})")
    p.add_argument("--max-speech", type=int, default=d.max_speech_running, metavar="N",
                   help=f"speech requests synthesized at once; more get 429 (default {d.max_speech_running})")
    p.add_argument("--max-jobs", type=int, default=d.max_jobs_running, metavar="N",
                   help=f"jobs converted at once; the rest wait in a queue (default {d.max_jobs_running})")
    p.add_argument("--max-queued", type=int, default=d.max_jobs_queued, metavar="N",
                   help=f"jobs waiting before new ones get 429 (default {d.max_jobs_queued})")
    p.add_argument("--rate", type=int, default=d.rate_per_minute, metavar="N",
                   help=f"requests a minute from one address; more get 429, 0 for no limit (default {d.rate_per_minute})")


def _add_library_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("a library of books")
    g.add_argument("--out-dir", type=Path, metavar="DIR", help="write each book as DIR/<name>.<format>")
    g.add_argument("--format", default="m4b", choices=["m4b", "mp3", "opus", "flac", "wav"],
                   help="format of the books written to --out-dir (default m4b)")
    g.add_argument("--sessions", type=int, metavar="N",
                   help="engine sessions the units of all books share (default: one per two cores; on a cluster, "
                        "one actor per core)")
    g.add_argument("--cluster", metavar="ADDRESS",
                   help="run on the Ray cluster at ADDRESS (auto, ray://host:10001, or local to start one here; "
                        "with --out-dir, $RAY_ADDRESS when not given); needs pip install 'audiobook[cluster]'")


def _add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--loudness", type=float, default=-18.0, metavar="LUFS",
                   help="integrated loudness the book is normalized to (default -18; true peak stays at or below -3 dBTP)")
    p.add_argument("--no-normalize", action="store_true", help="write the model's levels as they are")
    p.add_argument("--acx", action="store_true",
                   help="Audible ACX preset: one 192 kbps MP3 per chapter at 44.1 kHz, ACX levels and room tone")
    p.add_argument("--split-chapters", action="store_true",
                   help="one file per chapter, numbered, in a folder named after the output")
    p.add_argument("--subtitles", choices=["srt", "vtt"], help="write sentence subtitles beside the audio")
    p.add_argument("--read-along", action="store_true",
                   help="write an EPUB 3 with the text, the audio and media overlays that tie each sentence to "
                        "its audio (the output's extension becomes .epub)")
    p.add_argument("--words", action="store_true",
                   help="with --subtitles vtt: time every word in the cues (karaoke style), from the model's durations")
    p.add_argument("--timings", type=Path, metavar="FILE.json",
                   help="write each sentence's times, text, source position and words, and the SSML marks, as JSON")


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
        "words": args.words,
        "read_along": args.read_along,
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


def _is_library(args: argparse.Namespace) -> bool:
    """Many books: several inputs, a folder or a glob, ``--out-dir`` or ``--cluster``."""
    if len(args.inputs) > 1 or args.out_dir is not None or (args.cluster and not args.list_chapters):
        return True
    only = Path(args.inputs[0])
    return only.is_dir() or (not only.exists() and any(c in args.inputs[0] for c in "*?["))


def _cmd_library(args: argparse.Namespace, options) -> int:
    from audiobook.library import LibraryOptions, collect_inputs, convert_library

    if args.output is not None:
        raise InputError("-o names one file; for several books name a folder with --out-dir (books go in as <name>.<format>)")
    if args.out_dir is None:
        raise InputError("several books (or --cluster) need --out-dir DIR; each is written as DIR/<name>.<format>")
    if args.list_chapters:
        raise InputError("--list-chapters takes one input")
    if args.sessions is not None and not 1 <= args.sessions <= max_threads():
        raise InputError(f"--sessions {args.sessions} is outside 1-{max_threads()}; leave it out to size the pool to the machine")
    inputs = collect_inputs(args.inputs)
    bars: list = []

    def progress(p) -> None:
        if not bars:
            from tqdm import tqdm

            bars.append(tqdm(total=p.units, unit=" sentences", dynamic_ncols=True, file=sys.stderr))
        bar = bars[0]
        bar.total = p.units
        bar.update(p.units_done - bar.n)
        failed = f", {p.books_failed} failed" if p.books_failed else ""
        bar.set_postfix_str(f"books {p.books_done}/{p.books}{failed}, {p.audio_s / 3600:.2f} h of audio", refresh=True)

    # A library run goes to the cluster RAY_ADDRESS names, as Ray's own tools do; a single book never.
    cluster = args.cluster or os.environ.get("RAY_ADDRESS") or None
    lib = LibraryOptions(out_dir=args.out_dir, format=args.format, sessions=args.sessions, cluster=cluster,
                         progress=None if args.quiet else progress)
    try:
        if cluster:
            from audiobook.cluster import convert_on_cluster

            result = convert_on_cluster(inputs, options, lib)
        else:
            result = convert_library(inputs, options, lib)
    finally:
        for bar in bars:
            bar.close()
    for book in result.books:
        if book.result is None:
            print(f"failed {book.input}: {book.error}", file=sys.stderr)
            continue
        for rep in book.result.reports:
            print(f"warning: {book.input}: {rep}", file=sys.stderr)
        print(f"wrote {book.output}: {book.result.duration:.1f} s, {len(book.result.chapters)} chapters, "
              f"{book.result.stats.units} sentences")
    hours = result.audio_s / 3600
    rate = result.audio_s / result.wall_s if result.wall_s else 0.0
    print(f"{len(result.books) - len(result.failed)} of {len(result.books)} books written to {args.out_dir} "
          f"({result.where}, {result.sessions} engine sessions): {hours:.2f} h of audio in {result.wall_s:.0f} s, "
          f"{rate:.1f} audio hours per wall hour; {result.synthesized} units synthesized, {result.cached} from cache")
    return result.exit_code


def _cmd_convert(args: argparse.Namespace) -> int:
    from audiobook.convert import convert

    options = _convert_options(args)
    if _is_library(args):
        return _cmd_library(args, options)
    args.input = Path(args.inputs[0])
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


def _cmd_serve(args: argparse.Namespace) -> int:
    from audiobook.config import parse_size
    from audiobook.serve import TOKEN_ENV, ServeSettings, run_server

    check_values(threads=args.threads)
    upload = parse_size(args.max_upload)
    if upload is None:
        raise InputError(f"--max-upload {args.max_upload!r} is not a size; write it like 64MiB")
    settings = ServeSettings(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        token=args.token or os.environ.get(TOKEN_ENV) or None,
        cache_dir=args.cache_dir,
        threads=args.threads,
        max_upload_bytes=upload,
        max_speech_chars=args.max_chars,
        max_speech_running=args.max_speech,
        max_jobs_running=args.max_jobs,
        max_jobs_queued=args.max_queued,
        rate_per_minute=args.rate,
    )
    settings.check()
    print(f"audiobook: serving on http://{settings.host}:{settings.port}/ (data in {settings.data})", file=sys.stderr, flush=True)
    run_server(settings)
    return 0


COMMANDS = {"serve": _cmd_serve, "ssml": _cmd_ssml, "convert": _cmd_convert, "say": _cmd_say, "inspect": _cmd_inspect, "voices": _cmd_voices,
            "check": _cmd_check}


_SYNTHESIZING = {"serve", "convert", "say"}
"""Commands that run the model."""


def _share_threads(threads: int | None) -> None:
    """One ONNX Runtime thread pool for the whole process (``share_threads``): every session this
    process makes is the onnx engine's, and on one pool the engine computes the Snakes with numpy.
    A count out of range is left to the command to refuse."""
    from audiobook.convert import max_threads
    from audiobook.synthesis.engines.onnx import share_threads

    if threads is None or 1 <= threads <= max_threads():
        share_threads(threads)


def main(argv: Sequence[str] | None = None, *, share: bool = False) -> int:
    """Entry point; returns the exit code. ``share``: the process is the program itself, whose
    ONNX Runtime sessions are all the engine's, so they may share one thread pool (``run``)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    try:
        if share and args.command in _SYNTHESIZING:
            _share_threads(getattr(args, "threads", None))
        return COMMANDS[args.command](args)
    except AudiobookError as exc:
        print(f"audiobook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("audiobook: interrupted; the output was not written (rerun to resume from the cache)", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os._exit(1)


def run() -> int:
    """The ``audiobook`` program (``python -m audiobook``, the console script): ``main`` in a
    process of its own, whose ONNX Runtime sessions share one thread pool. Code that calls ``main``
    in its own process keeps its sessions' threads apart."""
    return main(share=True)


if __name__ == "__main__":
    sys.exit(run())
