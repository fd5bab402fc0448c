"""Loudness: an EBU R128 / ITU-R BS.1770-4 meter, a true-peak limiter and a room-tone bed.

The meter is fed audio in pieces of any size and keeps a fixed amount of state, whatever the
length of the book: K-weighting is a streaming FFT convolution with the filter's impulse response,
the gated blocks go into a loudness histogram of 0.01 LU bins instead of a list, and the true peak
is found on an oversampled signal (to 192 kHz, as ffmpeg's ``ebur128`` filter does).

    meter = LoudnessMeter(24000)
    for pcm in stream:
        meter.feed(pcm)
    figures = meter.result()      # integrated LUFS, true peak dBTP, sample peak, RMS
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = [
    "Loudness",
    "LoudnessMeter",
    "LimiterForecast",
    "k_weighting",
    "measure",
    "limit",
    "true_peak_envelope",
    "room_tone",
    "db",
    "TARGET_LUFS",
    "MAX_TRUE_PEAK",
    "LIMITER_HEADROOM",
]

log = logging.getLogger(__name__)

TARGET_LUFS = -18.0
"""Default integrated loudness of a book (EBU R128 for speech on headphones and small speakers)."""
MAX_TRUE_PEAK = -3.0
"""Highest true peak allowed in a normalized book, in dBTP."""
LIMITER_HEADROOM = 0.5
"""dB the limiter keeps below ``MAX_TRUE_PEAK``: lossy encoders overshoot the peaks they are given."""

_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_OFFSET = -0.691  # BS.1770's constant relating K-weighted mean square to LKFS
_BIN = 0.01  # histogram resolution in LU
_BIN_FLOOR = _ABSOLUTE_GATE
_BINS = int((10.0 - _BIN_FLOOR) / _BIN) + 1
_TRUE_PEAK_RATE = 192_000
_TAPS_PER_PHASE = 16


def _dbfs(amplitude: float) -> float:
    if math.isnan(amplitude):
        return amplitude
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def db(power_ratio: float) -> float:
    """A power ratio in decibels; ``-inf`` for zero."""
    return 10.0 * math.log10(power_ratio) if power_ratio > 0 else -math.inf


@dataclass(frozen=True)
class Loudness:
    """The figures of one measured signal."""

    integrated: float
    """Gated integrated loudness in LUFS (``-inf`` when nothing is above the absolute gate)."""
    true_peak: float
    """Highest oversampled peak in dBTP (``nan`` from a meter that does not measure it)."""
    sample_peak: float
    """Highest sample magnitude in dBFS."""
    rms: float
    """Unweighted RMS of the whole signal, silences included, in dBFS."""
    duration: float
    """Seconds measured."""


@lru_cache(maxsize=8)
def k_weighting(sample_rate: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting biquads (high shelf, then high pass) as ((b, a), (b, a)) for a rate.

    BS.1770 tabulates the coefficients for 48 kHz only; these come from the analog prototypes
    behind that table through the bilinear transform, so they match it at 48 kHz and hold the same
    response at any other rate.
    """
    # High shelf: +4 dB above about 1.7 kHz (the head's acoustic effect).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh ** 0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf_b = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0])
    shelf_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    # High pass: the revised low-frequency B-curve (RLB), about 38 Hz.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    pass_b = np.array([1.0, -2.0, 1.0])
    pass_a = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return (shelf_b, shelf_a), (pass_b, pass_a)


def _biquad_impulse(b: np.ndarray, a: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n)
    x1 = x2 = y1 = y2 = 0.0
    for i in range(n):
        x0 = 1.0 if i == 0 else 0.0
        y0 = b[0] * x0 + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        out[i] = y0
        x2, x1, y2, y1 = x1, x0, y1, y0
    return out


@lru_cache(maxsize=8)
def _k_impulse(sample_rate: int) -> np.ndarray:
    # The high pass is the slower of the two filters: its response falls below 1e-12 of its start
    # well within 0.25 s at any rate, so the truncated impulse response is the filter.
    n = max(256, int(0.25 * sample_rate))
    (b1, a1), (b2, a2) = k_weighting(sample_rate)
    return np.convolve(_biquad_impulse(b1, a1, n), _biquad_impulse(b2, a2, n))[:n]


class _Convolver:
    """Streaming overlap-add FFT convolution with a fixed impulse response."""

    def __init__(self, impulse: np.ndarray):
        self.taps = len(impulse)
        self.nfft = max(1 << 15, 1 << (4 * self.taps - 1).bit_length())
        self.block = self.nfft - self.taps + 1
        """Input samples per FFT."""
        self.spectrum = np.fft.rfft(impulse, self.nfft)
        self.tail = np.zeros(self.taps - 1)

    def process(self, x: np.ndarray) -> np.ndarray:
        out = np.empty(len(x))
        for start in range(0, len(x), self.block):
            piece = x[start : start + self.block]
            n = len(piece)
            y = np.fft.irfft(np.fft.rfft(piece, self.nfft) * self.spectrum, self.nfft)[: n + self.taps - 1]
            y[: self.taps - 1] += self.tail
            out[start : start + n] = y[:n]
            self.tail = y[n:].copy()
        return out


@lru_cache(maxsize=8)
def _interpolator(sample_rate: int) -> tuple[int, np.ndarray]:
    """Oversampling factor and polyphase interpolation filters, shape (factor, taps).

    Phase ``p`` interpolates at ``p / factor`` of a sample; phase 0 is the signal itself.
    """
    factor = max(4, math.ceil(_TRUE_PEAK_RATE / sample_rate))
    n = factor * _TAPS_PER_PHASE
    t = (np.arange(n) - n // 2) / factor
    # Windowed sinc at the original Nyquist frequency; the Kaiser window keeps the pass band flat.
    proto = np.sinc(t) * np.kaiser(n, 8.0)
    phases = proto.reshape(_TAPS_PER_PHASE, factor).T.copy()
    # Each phase passes DC at unity, so a constant signal reads its own level.
    phases /= phases.sum(axis=1, keepdims=True)
    return factor, phases


def _oversampled_peak(x: np.ndarray, phases: np.ndarray) -> np.ndarray:
    """Per input sample, the largest magnitude among it and the interpolated values near it."""
    taps = phases.shape[1]
    out = np.abs(x).astype(np.float64)
    if len(x) < taps:
        return out
    # Phase 0 is the signal itself (its taps are 1 and sinc's zeros), already in ``out``.
    between = np.abs(np.convolve(x, phases[1], mode="valid"))
    for phase in phases[2:]:
        np.maximum(between, np.abs(np.convolve(x, phase, mode="valid")), out=between)
    # 'valid' output i is centred half the filter after input i.
    centre = taps // 2
    np.maximum(out[centre : centre + len(between)], between, out=out[centre : centre + len(between)])
    return out


def true_peak_envelope(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Per sample, the highest oversampled magnitude near it (the signal padded with silence)."""
    return _envelope(audio, _interpolator(sample_rate)[1])


def _envelope(audio: np.ndarray, phases: np.ndarray) -> np.ndarray:
    pad = phases.shape[1]
    x = np.concatenate([np.zeros(pad), np.asarray(audio, dtype=np.float64), np.zeros(pad)])
    return _oversampled_peak(x, phases)[pad:-pad]


class LoudnessMeter:
    """Integrated loudness, true peak, sample peak and RMS of a stream fed piece by piece."""

    def __init__(self, sample_rate: int, true_peak: bool = True):
        self.sample_rate = int(sample_rate)
        self.measures_true_peak = true_peak
        """Whether the true peak is measured (oversampling is most of the meter's cost)."""
        self._filter = _Convolver(_k_impulse(self.sample_rate))
        self._segment = max(1, round(self.sample_rate / 10))  # 100 ms: the gating blocks' step
        self._carry = np.zeros(0)  # weighted squares not yet making a whole segment
        self._recent = np.zeros(0)  # the last three whole segments' sums, for 400 ms blocks
        self._counts = np.zeros(_BINS, dtype=np.int64)
        self._energy = np.zeros(_BINS)
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._samples = 0
        self._sum_squares = 0.0
        self._sample_peak = 0.0
        self._factor, self._phases = _interpolator(self.sample_rate)
        self._tp_history = np.zeros(self._phases.shape[1])
        self._true_peak = 0.0
        # A phase's output is at most the input's peak times the sum of its absolute taps: a
        # stretch whose sample peak cannot beat the true peak so far needs no oversampling.
        self._tp_bound = float(np.abs(self._phases).sum(axis=1).max())

    def feed(self, pcm: np.ndarray) -> None:
        """Measure the next samples (mono, float, full scale 1.0)."""
        x = np.asarray(pcm, dtype=np.float64).ravel()
        if not x.size:
            return
        self._samples += x.size
        # Not np.dot: BLAS threads cost more than they save on arrays this size.
        self._sum_squares += float(np.einsum("i,i->", x, x))
        peak = float(np.max(np.abs(x)))
        self._sample_peak = max(self._sample_peak, peak)
        if self.measures_true_peak:
            self._feed_true_peak(x)
        self._pending.append(x)
        self._pending_n += x.size
        # Buffered so the FFT convolution works on long blocks even when fed tiny pieces.
        if self._pending_n >= self._filter.block:
            self._flush()

    def _feed_true_peak(self, x: np.ndarray) -> None:
        taps = self._phases.shape[1]
        joined = np.concatenate([self._tp_history, x])
        self._tp_history = joined[-taps:].copy()
        step = 4096
        for start in range(0, len(joined) - taps + 1, step):
            piece = joined[start : start + step + taps - 1]
            if float(np.max(np.abs(piece))) * self._tp_bound <= self._true_peak:
                continue
            self._true_peak = max(self._true_peak, float(_oversampled_peak(piece, self._phases).max()))

    def _flush(self) -> None:
        if not self._pending:
            return
        x = np.concatenate(self._pending)
        self._pending, self._pending_n = [], 0
        self._add_weighted(self._filter.process(x))

    def _add_weighted(self, y: np.ndarray) -> None:
        squares = np.concatenate([self._carry, y * y])
        whole = len(squares) // self._segment
        self._carry = squares[whole * self._segment :]
        if not whole:
            return
        sums = np.concatenate([self._recent, squares[: whole * self._segment].reshape(whole, self._segment).sum(axis=1)])
        if len(sums) >= 4:
            # 400 ms blocks overlapping by 75 %: each is four consecutive 100 ms segments.
            c = np.concatenate([[0.0], np.cumsum(sums)])
            mean_square = (c[4:] - c[:-4]) / (4 * self._segment)
            self._add_blocks(mean_square)
        self._recent = sums[-3:]

    def _add_blocks(self, mean_square: np.ndarray) -> None:
        with np.errstate(divide="ignore"):
            level = _OFFSET + 10.0 * np.log10(mean_square)
        keep = level > _ABSOLUTE_GATE
        if not keep.any():
            return
        index = np.clip(((level[keep] - _BIN_FLOOR) / _BIN).astype(np.int64), 0, _BINS - 1)
        self._counts += np.bincount(index, minlength=_BINS)
        self._energy += np.bincount(index, weights=mean_square[keep], minlength=_BINS)

    @property
    def samples(self) -> int:
        """Samples measured so far."""
        return self._samples

    def integrated(self) -> float:
        """Gated integrated loudness of everything fed so far, in LUFS."""
        self._flush()
        total = int(self._counts.sum())
        if total == 0:
            return -math.inf
        relative = _OFFSET + db(float(self._energy.sum()) / total) + _RELATIVE_GATE
        centres = _BIN_FLOOR + (np.arange(_BINS) + 0.5) * _BIN
        above = centres > relative
        count = int(self._counts[above].sum())
        if count == 0:
            return -math.inf
        return _OFFSET + db(float(self._energy[above].sum()) / count)

    def result(self) -> Loudness:
        """All the figures of what was fed so far."""
        integrated = self.integrated()
        # The last samples' interpolation reaches past the end: finish it against silence.
        true_peak = math.nan
        if self.measures_true_peak:
            tail = np.concatenate([self._tp_history, np.zeros(self._phases.shape[1])])
            true_peak = max(self._true_peak, self._sample_peak, float(_oversampled_peak(tail, self._phases).max()))
        rms = db(self._sum_squares / self._samples) if self._samples else -math.inf
        return Loudness(
            integrated=integrated,
            true_peak=_dbfs(true_peak),
            sample_peak=_dbfs(self._sample_peak),
            rms=rms,
            duration=self._samples / self.sample_rate,
        )


def measure(audio: np.ndarray, sample_rate: int) -> Loudness:
    """The figures of a whole signal held in memory."""
    meter = LoudnessMeter(sample_rate)
    meter.feed(audio)
    return meter.result()


def _running_min(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[n] = min(x[n - before : n + after + 1]), the signal padded with ones (no reduction)."""
    width = before + after + 1
    n = len(x)
    blocks = -(-(n + width - 1) // width)
    padded = np.ones(blocks * width + width)
    padded[before : before + n] = x
    # Van Herk / Gil-Werman: prefix minima within blocks and suffix minima, two passes.
    grid = padded[: blocks * width].reshape(blocks, width)
    prefix = np.minimum.accumulate(grid, axis=1).ravel()
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    starts = np.arange(n)
    ends = starts + width - 1
    return np.minimum(suffix[starts], prefix[np.minimum(ends, len(prefix) - 1)])


def _running_mean(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[n] = mean(x[n - before : n + after + 1]), the signal padded with ones."""
    padded = np.concatenate([np.ones(before), x, np.ones(after)])
    c = np.concatenate([[0.0], np.cumsum(padded)])
    width = before + after + 1
    return (c[width:] - c[:-width]) / width


def limit(
    audio: np.ndarray,
    sample_rate: int,
    ceiling_db: float = MAX_TRUE_PEAK - LIMITER_HEADROOM,
    attack_ms: float = 5.0,
    release_ms: float = 40.0,
) -> np.ndarray:
    """The clip with its true peaks held at or below ``ceiling_db``; untouched where already below.

    A look-ahead limiter on a whole clip (clips are short, so no state crosses them): the gain each
    sample needs is spread by a running minimum over ``attack_ms`` ahead and ``release_ms`` behind,
    then smoothed by a running mean over the mirror window. Every sample's gain is then at most the
    gain it needs, and gain changes are ramps tens of milliseconds long rather than steps, so
    the limiter neither clicks nor distorts the waveform it turns down.
    """
    x = np.asarray(audio, dtype=np.float32)
    if not x.size:
        return x
    ceiling = 10.0 ** (ceiling_db / 20.0)
    _, phases = _interpolator(sample_rate)
    bound = float(np.abs(phases).sum(axis=1).max())
    if float(np.max(np.abs(x))) * bound <= ceiling:
        return x  # no interpolated value can reach the ceiling
    need = _need(x, phases, ceiling / bound, ceiling)
    if need is None:
        return x
    ahead = max(1, round(attack_ms * sample_rate / 1000))
    behind = max(1, round(release_ms * sample_rate / 1000))
    # A need below 1 lowers the gain up to ``behind + ahead`` samples either side (the running
    # minimum, then the running mean), so only those stretches are computed. The clip is taken
    # with that much silence either side: a peak at its very edge is held like any other, and
    # outside a stretch every need is 1, as the running functions' padding assumes.
    reach = ahead + behind
    wide = np.ones(x.size + 2 * reach)
    wide[reach:-reach] = need
    gain = np.ones(wide.size, dtype=np.float32)
    for lo, hi in _stretches(np.flatnonzero(wide < 1.0), reach, wide.size):
        gain[lo:hi] = _running_mean(_running_min(wide[lo:hi], behind, ahead), ahead, behind)
    return x * gain[reach:-reach]


_LIMIT_BLOCK = 1024


def _need(x: np.ndarray, phases: np.ndarray, quiet: float, ceiling: float) -> np.ndarray | None:
    """Per sample, the gain that keeps its true peak at ``ceiling`` (at most 1); ``None`` if all 1.

    Only blocks holding a sample louder than ``quiet`` (the ceiling over the interpolator's gain)
    can have an interpolated value above the ceiling, so only they are oversampled.
    """
    n = x.size
    blocks = -(-n // _LIMIT_BLOCK)
    padded = np.zeros(blocks * _LIMIT_BLOCK, dtype=np.float32)
    padded[:n] = np.abs(x)
    loud = np.flatnonzero(padded.reshape(blocks, _LIMIT_BLOCK).max(axis=1) > quiet)
    if not loud.size:
        return None
    taps = phases.shape[1]
    need: np.ndarray | None = None
    for first, end in _stretches(loud, 0, blocks):
        # The envelope of a run of blocks is exact when taken with a filter's length of signal
        # either side.
        lo, hi = first * _LIMIT_BLOCK, min(n, end * _LIMIT_BLOCK)
        a, b = max(0, lo - taps), min(n, hi + taps)
        envelope = _envelope(x[a:b], phases)[lo - a : hi - a]
        if float(envelope.max()) <= ceiling:
            continue
        if need is None:
            need = np.ones(n)
        need[lo:hi] = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
    return need


def _stretches(indices: np.ndarray, reach: int, n: int) -> list[tuple[int, int]]:
    """Spans of [0, n) within ``reach`` of sorted ``indices``, merged where their reaches meet."""
    if not indices.size:
        return []
    breaks = np.flatnonzero(np.diff(indices) > 2 * reach + 1)
    firsts = np.concatenate([indices[:1], indices[breaks + 1]])
    lasts = np.concatenate([indices[breaks], indices[-1:]])
    return [(max(0, f - reach), min(n, l + reach + 1)) for f, l in zip(firsts.tolist(), lasts.tolist())]


class LimiterForecast:
    """How much loudness ``limit`` will take from a voice at a given gain, learnt before any gain.

    For every sample, the limiter's gain is about ``ceiling / (gain * M)``, where ``M`` is the
    highest magnitude within its attack and release windows: a property of the clip alone. So the
    measuring pass keeps, per voice, the signal's energy in a histogram over ``M`` (0.05 dB bins),
    and the energy left after limiting at any gain follows from it without another pass.
    """

    _FLOOR, _STEP, _BINS = -100.0, 0.05, 2600  # bins from -100 dBFS to +30 dBFS

    def __init__(self, sample_rate: int, attack_ms: float = 5.0, release_ms: float = 40.0):
        self.sample_rate = int(sample_rate)
        self._ahead = max(1, round(attack_ms * sample_rate / 1000))
        self._behind = max(1, round(release_ms * sample_rate / 1000))
        self._energy = np.zeros(self._BINS)

    def feed(self, clip: np.ndarray) -> None:
        """Learn from one whole clip (as ``limit`` sees it)."""
        x = np.asarray(clip, dtype=np.float64)
        if not x.size:
            return
        # The running minimum of -|x| is minus the running maximum (its padding of ones is inert).
        held = -_running_min(-np.abs(x), self._behind, self._ahead)
        level = 20.0 * np.log10(np.maximum(held, 1e-12))
        index = np.clip(((level - self._FLOOR) / self._STEP).astype(np.int64), 0, self._BINS - 1)
        self._energy += np.bincount(index, weights=x * x, minlength=self._BINS)

    def loss_db(self, gain_db: float, ceiling_db: float = MAX_TRUE_PEAK - LIMITER_HEADROOM) -> float:
        """Loudness (dB, negative) the limiter takes at ``gain_db``."""
        total = float(self._energy.sum())
        if total <= 0:
            return 0.0
        peaks = self._FLOOR + (np.arange(self._BINS) + 1.0) * self._STEP + gain_db
        factor = np.minimum(1.0, 10.0 ** ((ceiling_db - peaks) / 10.0))  # power, so /10
        return db(float(np.einsum("i,i->", self._energy, factor)) / total)

    def gain_for(self, wanted_db: float, ceiling_db: float = MAX_TRUE_PEAK - LIMITER_HEADROOM, most: float = 3.0) -> float:
        """The gain that ends ``wanted_db`` louder after limiting (at most ``most`` dB above it).

        A signal whose peaks are everywhere (a constant buzz) cannot be made louder by limiting
        harder; it then gets ``most`` dB more and stays below the target.
        """
        low, high = wanted_db, wanted_db + most
        if high + self.loss_db(high, ceiling_db) <= wanted_db:
            log.warning("the limiter keeps %.1f dB of the gain asked for", wanted_db - high - self.loss_db(high, ceiling_db))
            return high
        for _ in range(30):
            mid = (low + high) / 2
            if mid + self.loss_db(mid, ceiling_db) < wanted_db:
                low = mid
            else:
                high = mid
        return (low + high) / 2


def room_tone(samples: int, level_db: float, rng: np.random.Generator) -> np.ndarray:
    """``samples`` of quiet noise at ``level_db`` dBFS RMS, like a quiet recording booth.

    The noise is low-passed (a two-point average) so it sounds like a soft hiss, not a fizz.
    """
    if samples <= 0:
        return np.zeros(0, dtype=np.float32)
    white = rng.standard_normal(samples + 1)
    soft = (white[1:] + white[:-1]) / math.sqrt(2.0)
    return (soft * 10.0 ** (level_db / 20.0)).astype(np.float32)
