"""A small deterministic engine for fast tests of everything after synthesis.

It answers like Kokoro does in shape — quiet lead, a voiced stretch, a quiet tail — with a
harmonic buzz whose peaks stand about 15 dB above its loudness (speech's stand 15-20 dB above),
so normalization and the limiter have real work. The voiced stretch lasts 80 ms per token; its level is chosen per
voice by the style row, so two voices can be made to differ in loudness.
"""

from __future__ import annotations

import hashlib

import numpy as np

RATE = 24_000
LEAD_S = 0.25
TAIL_S = 0.5
PER_TOKEN_S = 0.08


def buzz(seconds: float, level: float, f0: float = 120.0, abrupt: bool = False) -> np.ndarray:
    """A harmonic buzz in syllables of uneven level, a 30 ms attack and a slow exponential decay.

    ``abrupt``: no attack and no decay, full level from the first sample to the last.
    """
    n = round(seconds * RATE)
    t = np.arange(n) / RATE
    # Harmonics falling off as 1/k with scattered phases: a voice-like crest factor of about 10 dB.
    phases = np.random.default_rng(5).uniform(0, 2 * np.pi, 20)
    wave = sum(np.cos(2 * np.pi * k * f0 * t + phases[k - 1]) / k for k in range(1, 21))
    wave = wave / max(float(np.abs(wave).max()), 1e-9)
    if abrupt:
        return (level * wave).astype(np.float32)
    # Syllables of 200 ms at uneven levels: like speech, only a few reach the peak level.
    syllable = np.array([1.0, 0.45, 0.7, 0.35, 0.55, 0.4])[(t / 0.2).astype(int) % 6]
    wave = wave * syllable * (0.3 + 0.7 * np.sin(np.pi * (t / 0.2 % 1.0)) ** 2)
    attack = np.minimum(1.0, t / 0.03)
    # 40 ms time constant over the last 300 ms: a decay that crosses every trim threshold slowly.
    decay = np.exp(-np.maximum(0.0, t - (seconds - 0.3)) / 0.04)
    return (level * wave * attack * decay).astype(np.float32)


class ToneEngine:
    """Engine protocol: tokens, style, speed in; 24 kHz float32 out."""

    name = "tone"
    digest = "tone-engine-1"

    def __init__(self, levels: dict[bytes, float] | None = None, default_level: float = 0.3, abrupt: bool = False):
        self.levels = levels or {}
        """Level of the buzz per style row (``style.tobytes()``)."""
        self.default_level = default_level
        self.abrupt = abrupt
        """Clips start and end at full level, with no quiet around them."""
        self.calls = 0

    def synthesize(self, tokens: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        self.calls += 1
        level = self.levels.get(np.asarray(style, dtype=np.float32).tobytes(), self.default_level)
        # The pitch varies with the tokens so clips differ, deterministically.
        f0 = 100.0 + int(hashlib.sha256(bytes(tokens)).hexdigest()[:4], 16) % 60
        voiced = buzz(len(tokens) * PER_TOKEN_S / speed, level, f0, self.abrupt)
        if self.abrupt:
            return voiced
        return np.concatenate([np.zeros(int(LEAD_S * RATE), np.float32), voiced, np.zeros(int(TAIL_S * RATE), np.float32)])


def synthesizer(cache_dir, levels: dict[str, float] | None = None, default_voice: str = "jf_alpha", abrupt: bool = False):
    """A real ``Synthesizer`` over the tone engine; ``levels`` sets the buzz level per voice name."""
    from audiobook.synthesis.cache import ClipCache
    from audiobook.synthesis.synthesizer import Synthesizer
    from voices.packs import VoiceLibrary

    library = VoiceLibrary()
    by_style: dict[bytes, float] = {}
    for voice, level in (levels or {}).items():
        for row in library.load(voice).rows:
            by_style[np.asarray(row, dtype=np.float32).tobytes()] = level
    return Synthesizer(ToneEngine(by_style, abrupt=abrupt), library, ClipCache(cache_dir), default_voice=default_voice)


def unit(text: str, tokens: int = 16, voice: str | None = None, source: str | None = None):
    """A unit of ``tokens`` phonemes (their sound does not matter to the tone engine)."""
    from audiobook.plan import Unit

    phonemes = ("kæt səmˈɪŋ ðə " * tokens)[:tokens]
    return Unit(phonemes, text, voice, "en-us", source=source)


def render(synth, plans):
    """The ``render`` callable the output side takes, over ``plans``."""
    from audiobook.convert import render_plans

    return lambda sink, progress: render_plans(synth, plans, sink, progress)
