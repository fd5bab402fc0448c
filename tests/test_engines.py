"""Every installed engine speaks the same book the same way.

The engine tests run for each engine installed here: ``onnx`` always, ``openvino`` where its extra
is installed (the ``test`` extra pulls it in), ``torch`` only where the official checkpoint is in the
cache (its plumbing is tested on random weights in test_torch_engine.py). The float graph the
openvino engine runs is derived from the shipped int8 model; a small Conv and MatMul model
quantized by ONNX Runtime's own quantizer checks the derivation against the float original.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time

import numpy as np
import pytest
from audio_checks import read_wav, word_error_rate

from audiobook.convert import ConvertOptions, convert
from audiobook.errors import ModelError
from audiobook.files import cache_root
from audiobook.synthesis.distance import mel_distance
from audiobook.synthesis.engines import create_engine
from audiobook.vocab import token_ids

TEXT = "The lighthouse keeper climbed the stairs at dusk and cleaned the great lens before the storm."

# Two units as the passes make them (American English, af_heart's phoneme style).
UNITS = [
    "ðə lˈIthˌWs kˈipəɹ klˈImd ðə stˈɛɹz æt dˈʌsk.",
    "ænd klˈind ðə ɡɹˈAt lˈɛnz bəfˌɔɹ ðə stˈɔɹm.",
]


def _installed() -> list[str]:
    names = ["onnx"]
    if importlib.util.find_spec("openvino") and importlib.util.find_spec("onnx"):
        names.append("openvino")
    if importlib.util.find_spec("torch") and (cache_root() / "torch" / "kokoro-v1_0.pth").is_file():
        names.append("torch")
    return names


ENGINES = _installed()
OTHERS = [name for name in ENGINES if name != "onnx"]


@pytest.fixture(scope="module")
def engines():
    """One engine of each installed kind, built once for the module.

    OpenVINO runs in f32: bf16 (native on CPUs with AVX512-BF16 or AMX) is further from int8
    than the calibration allows (3.4 dB against 3.0 on prose), so ``auto`` never runs it there.
    """
    return {name: create_engine(name, threads=2, precision="f32" if name == "openvino" else None) for name in ENGINES}


@pytest.fixture(scope="module")
def clips(engines, library):
    """name → the two units' audio, in jf_alpha's voice, plus ``onnx-other``: the same in jm_kumo's."""
    vocab = token_ids()
    out = {}
    for name, engine in engines.items():
        pack = library.load("jf_alpha")
        out[name] = [engine.synthesize([vocab[c] for c in u], pack.style(len(u)), 1.0) for u in UNITS]
    other = library.load("jm_kumo")
    out["onnx-other"] = [engines["onnx"].synthesize([vocab[c] for c in u], other.style(len(u)), 1.0) for u in UNITS]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", ENGINES)
def test_every_engine_reads_a_sentence_a_recognizer_understands(name, tmp_path, whisper):
    src = tmp_path / "keeper.txt"
    src.write_text(TEXT)
    out = tmp_path / "keeper.wav"
    result = convert(src, out, ConvertOptions(voice="af_heart", engine=name, threads=2, use_cache=False))
    assert word_error_rate(TEXT, whisper(out)) < 0.15
    seconds = read_wav(out).size / 24000
    # About 16 words: between 2.5 and 4 words a second.
    assert 4.0 < seconds < 7.5, seconds
    assert result.stats.synthesized == result.stats.units


@pytest.mark.slow
@pytest.mark.parametrize("name", OTHERS)
def test_other_engines_sound_like_the_int8_model(name, clips):
    for ours, theirs, voice in zip(clips[name], clips["onnx"], clips["onnx-other"]):
        # Same durations within two frames (50 ms) per unit: the duration predictor agrees.
        assert abs(ours.size - theirs.size) <= 2 * 600
        # Much nearer the int8 rendering than another voice reading the same words is.
        near, far = mel_distance(ours, theirs), mel_distance(voice, theirs)
        assert near < 0.5 * far, (near, far)


@pytest.mark.slow
@pytest.mark.parametrize("name", ENGINES)
def test_every_engine_is_repeatable(name, engines, clips, library):
    vocab = token_ids()
    pack = library.load("jf_alpha")
    again = engines[name].synthesize([vocab[c] for c in UNITS[0]], pack.style(len(UNITS[0])), 1.0)
    assert again.size == clips[name][0].size
    assert mel_distance(again, clips[name][0]) < 0.05


@pytest.mark.skipif("openvino" not in ENGINES, reason="the openvino extra is not installed")
def test_openvino_caches_its_float_graph_and_compiled_model(engines):
    engine = engines["openvino"]
    assert engine.precision in ("f32", "bf16")
    folder = cache_root() / "model"
    assert (folder / "kokoro-v1.0.float.onnx").is_file()
    assert any((cache_root() / "openvino").iterdir())
    # A second engine finds both and compiles nothing: it starts fast and gets the same identity.
    assert create_engine("openvino", threads=2, precision=engine.precision).digest == engine.digest


@pytest.mark.skipif("openvino" not in ENGINES, reason="the openvino extra is not installed")
def test_a_damaged_float_graph_is_derived_again(engines):
    from audiobook.synthesis.modelfiles import float_model_path

    path = float_model_path()
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    assert float_model_path() == path
    assert path.stat().st_size == size


def _quantized_pair(tmp_path):
    """A small float model (Conv with bias, then MatMul) and its dynamic int8 quantization."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    rng = np.random.default_rng(7)
    w = rng.normal(0, 0.2, (16, 8, 3)).astype(np.float32)
    b = rng.normal(0, 0.1, 16).astype(np.float32)
    m = rng.normal(0, 0.2, (20, 12)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1], kernel_shape=[3]),
            helper.make_node("MatMul", ["y", "m"], ["z"]),
        ],
        "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 20])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 16, 12])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b"), numpy_helper.from_array(m, "m")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    float_path, int8_path = tmp_path / "small.onnx", tmp_path / "small.int8.onnx"
    onnx.save(model, str(float_path))
    quantize_dynamic(str(float_path), str(int8_path), weight_type=QuantType.QUInt8, op_types_to_quantize=["Conv", "MatMul"])
    return float_path, int8_path


def test_dequantize_restores_the_float_model(tmp_path):
    import onnx
    import onnxruntime as ort

    from audiobook.synthesis.floatgraph import dequantize, integer_ops

    float_path, int8_path = _quantized_pair(tmp_path)
    quantized = onnx.load(str(int8_path))
    assert integer_ops(quantized) == {"ConvInteger": 1, "MatMulInteger": 1}
    derived = dequantize(quantized)
    assert derived.replaced == {"ConvInteger": 1, "MatMulInteger": 1}
    assert integer_ops(derived.model) == {"ConvInteger": 0, "MatMulInteger": 0}
    x = {"x": np.random.default_rng(1).normal(0, 1, (1, 8, 20)).astype(np.float32)}

    def run(model_bytes: bytes) -> np.ndarray:
        return ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"]).run(None, x)[0]

    exact = run(float_path.read_bytes())
    ours = run(derived.model.SerializeToString())
    int8 = run(int8_path.read_bytes())
    # The derived graph computes with the dequantized weights and an unrounded input: nearer the
    # float original than the int8 graph is, and within the weights' rounding of it.
    assert np.abs(ours - exact).max() < np.abs(int8 - exact).max()
    assert np.abs(ours - exact).max() < 0.05 * np.abs(exact).max()


def test_dequantize_refuses_a_chain_it_does_not_know(tmp_path):
    import onnx

    from audiobook.synthesis.floatgraph import dequantize

    _, int8_path = _quantized_pair(tmp_path)
    quantized = onnx.load(str(int8_path))
    # Make the convolution's weights a graph input instead of a constant.
    conv = next(n for n in quantized.graph.node if n.op_type == "ConvInteger")
    weight = next(t for t in quantized.graph.initializer if t.name == conv.input[1])
    quantized.graph.initializer.remove(weight)
    quantized.graph.input.append(onnx.helper.make_tensor_value_info(weight.name, weight.data_type, list(weight.dims)))
    with pytest.raises(ModelError, match="not constants"):
        dequantize(quantized)


def test_a_precision_the_engine_cannot_run_is_a_one_line_error(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("A line.")
    proc = subprocess.run(
        [sys.executable, "-m", "audiobook", "convert", str(src), "-o", str(tmp_path / "a.wav"),
         "--engine", "onnx", "--precision", "bf16", "--voice", "jf_alpha"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == ModelError.exit_code
    assert "Traceback" not in proc.stderr
    assert "--engine openvino" in proc.stderr


@pytest.mark.slow
def test_auto_calibrates_once_and_says_why():
    import json

    from audiobook.convert import resolve_engine
    from audiobook.synthesis.calibrate import (
        MAX_ENGINE_MB,
        SAME_SOUND_DB,
        choose_engine,
        machine_key,
    )

    # Measured here, or read back when a conversion earlier in the session calibrated already (the
    # default engine is auto): calibrating costs some seconds of model time, once per session.
    record = cache_root() / "calibration.json"
    choice = choose_engine(2)
    assert choice.engine in ENGINES
    if "openvino" in ENGINES:
        # The reason gives the figures: the candidate's memory, its distance or its time.
        assert "openvino" in choice.reason
        assert any(f in choice.reason for f in (f"limit {MAX_ENGINE_MB}", f"over {SAME_SOUND_DB:.1f}", "×")), choice.reason
    assert json.loads(record.read_text(encoding="utf-8"))[machine_key(2)]["engine"] == choice.engine
    # The next run reads the outcome instead of measuring again.
    started = time.perf_counter()
    assert choose_engine(2) == choice
    assert time.perf_counter() - started < 1.0
    assert resolve_engine(ConvertOptions(threads=2))[0] == choice.engine
    # Pinned engines and other models bypass the calibration.
    assert resolve_engine(ConvertOptions(engine="onnx")) == ("onnx", None)
    assert resolve_engine(ConvertOptions(model="other.onnx"))[0] == "onnx"


def _convolutions():
    """A model of uint8 convolutions as the shipped graph has them (constant weights and weight zero
    point, the input's zero point computed), one per shape of kernel, dilation and padding, and one
    strided."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(3)
    shapes = [(3, 1, 1), (7, 3, 9), (11, 5, 25), (1, 1, 0), (5, 1, 2)]
    nodes, inits, outputs = [], [], []
    for i, (kernel, dilation, pad) in enumerate(shapes):
        inits += [
            numpy_helper.from_array(rng.integers(0, 256, (6, 4, kernel), dtype=np.uint8), f"w{i}"),
            numpy_helper.from_array(np.uint8(rng.integers(100, 156)), f"wz{i}"),
        ]
        nodes.append(
            helper.make_node("ConvInteger", ["x", f"w{i}", "xz", f"wz{i}"], [f"y{i}"],
                             dilations=[dilation], pads=[pad, pad], kernel_shape=[kernel])
        )
        outputs.append(helper.make_tensor_value_info(f"y{i}", TensorProto.INT32, None))
    inits += [numpy_helper.from_array(rng.integers(0, 256, (6, 4, 3), dtype=np.uint8), "ws"),
              numpy_helper.from_array(np.uint8(128), "wzs")]
    nodes.append(helper.make_node("ConvInteger", ["x", "ws", "xz", "wzs"], ["ys"], pads=[1, 1], strides=[2]))
    outputs.append(helper.make_tensor_value_info("ys", TensorProto.INT32, None))
    graph = helper.make_graph(
        nodes, "convolutions",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 4, None]),
         helper.make_tensor_value_info("xz", TensorProto.UINT8, [])],
        outputs, inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model, len(shapes)


def test_convolutions_as_products_give_the_same_integer_sums():
    pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    from audiobook.synthesis.products_graph import convolutions_as_products, has_vnni

    model, rewritable = _convolutions()
    plain = model.SerializeToString()
    assert convolutions_as_products(model) == rewritable
    assert [n.op_type for n in model.graph.node].count("ConvInteger") == 1  # the strided one stays
    rng = np.random.default_rng(4)
    for frames in (1, 9, 40):
        feeds = {"x": rng.integers(0, 256, (1, 4, frames), dtype=np.uint8), "xz": np.array(rng.integers(0, 256), dtype=np.uint8)}
        expected = ReferenceEvaluator(plain).run(None, feeds)
        got = ReferenceEvaluator(model).run(None, feeds)
        for a, b in zip(expected, got):
            assert a.shape == b.shape and np.array_equal(a, b)
        if has_vnni():
            import onnxruntime as ort

            # ONNX Runtime's uint8-by-int8 products on VNNI are the reference's sums exactly.
            ran = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)
            for a, b in zip(expected, ran):
                assert np.array_equal(a, b)


def test_vnni_is_read_from_the_cpu_flags(tmp_path, monkeypatch):
    from audiobook.synthesis import products_graph

    monkeypatch.setattr(products_graph.platform, "machine", lambda: "x86_64")
    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Some CPU\nflags\t\t: fpu sse avx2 avx512f avx512_vnni\n")
    assert products_graph.has_vnni(str(info))
    info.write_text("model name\t: Some CPU\nflags\t\t: fpu sse avx2 avx512f avx512bw\n")
    assert not products_graph.has_vnni(str(info))
    assert not products_graph.has_vnni(str(tmp_path / "missing"))
    monkeypatch.setattr(products_graph.platform, "machine", lambda: "aarch64")
    info.write_text("flags\t\t: avx512_vnni\n")
    assert not products_graph.has_vnni(str(info))


@pytest.mark.slow
def test_the_products_graph_speaks_the_shipped_model_to_the_bit(library):
    from audiobook.synthesis.engines.onnx import OnnxEngine
    from audiobook.synthesis.products_graph import has_vnni

    if not has_vnni():
        pytest.skip("this CPU has no VNNI: the onnx engine runs the shipped convolutions")
    vocab = token_ids()
    pack = library.load("jf_alpha")
    plain, products = OnnxEngine(threads=2, products=False), OnnxEngine(threads=2)
    assert products.products and products.digest == plain.digest
    for unit in UNITS:
        tokens = [vocab[c] for c in unit]
        a = plain.render(tokens, pack.style(len(tokens)), 1.0)
        b = products.render(tokens, pack.style(len(tokens)), 1.0)
        assert np.array_equal(a.audio, b.audio)
        assert a.durations is not None and np.array_equal(a.durations, b.durations)


@pytest.mark.slow
def test_snakes_between_stages_sound_like_the_whole_graph(library):
    """numpy's Snakes between stages against the whole graph: the same durations, audio within a
    fraction of a decibel, the same cache key."""
    from audiobook.synthesis.engines.onnx import OnnxEngine

    vocab = token_ids()
    pack = library.load("jf_alpha")
    whole, staged = OnnxEngine(threads=2), OnnxEngine(threads=2, snakes=True)
    assert staged.snakes and not whole.snakes and staged.digest == whole.digest
    for unit in UNITS:
        tokens = [vocab[c] for c in unit]
        a = whole.render(tokens, pack.style(len(tokens)), 1.0)
        b = staged.render(tokens, pack.style(len(tokens)), 1.0)
        assert a.durations is not None and np.array_equal(a.durations, b.durations)
        assert a.audio.shape == b.audio.shape
        assert mel_distance(a.audio, b.audio) < 1.0
    # A unit near the token limit: the longest tensors the Snakes see.
    tokens = [vocab[c] for c in (UNITS[0] + " " + UNITS[1] + " ") * 5][:480]
    a = whole.render(tokens, pack.style(len(tokens)), 1.0)
    b = staged.render(tokens, pack.style(len(tokens)), 1.0)
    assert mel_distance(a.audio, b.audio) < 1.0


SHARED_POOL = """
import json, sys
import numpy as np
from audiobook.synthesis.distance import mel_distance
from audiobook.synthesis.engines.onnx import OnnxEngine, share_threads
from audiobook.vocab import token_ids
from voices.packs import VoiceLibrary

assert share_threads(2) == 2 and share_threads(1) == 2  # the first call fixes the pool
staged, whole = OnnxEngine(), OnnxEngine(snakes=False)
assert staged.snakes and not whole.snakes  # on one pool the Snakes are the default
vocab, pack = token_ids(), VoiceLibrary().load("jf_alpha")
tokens = [vocab[c] for c in sys.argv[1]]
a = whole.render(tokens, pack.style(len(tokens)), 1.0)
b = staged.render(tokens, pack.style(len(tokens)), 1.0)
print(json.dumps({"same_durations": bool(np.array_equal(a.durations, b.durations)),
                  "distance": mel_distance(a.audio, b.audio), "seconds": b.audio.size / 24000}))
"""


@pytest.mark.slow
def test_engines_share_one_thread_pool_when_asked():
    """As the command line runs: on one shared pool the engine computes the Snakes with numpy.
    ``share_threads`` binds the whole process, so it runs in a process of its own."""
    proc = subprocess.run([sys.executable, "-c", SHARED_POOL, UNITS[0]], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["same_durations"] and got["distance"] < 1.0 and got["seconds"] > 1.0
