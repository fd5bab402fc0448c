"""The graph cut at its Snake activations runs as the whole graph does.

A small vocoder-like graph (convolutions, Snakes in both operand orders, a branch that skips a
Snake, a value read three stages later) is cut, each stage run by ONNX Runtime and the Snakes by
numpy; the outputs must match the whole graph run by ONNX Runtime within float rounding. The real
model's stages are compared with its whole graph by ear in test_engines.py.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from audiobook.synthesis.snake_stages import (  # noqa: E402
    load_stages,
    save_stages,
    snake_,
    split_at_snakes,
)

C = 6


def _snake_nodes(x: str, tag: str, alpha: str, inverse: str, swap: bool) -> list:
    """The chain as Kokoro's export writes it: Mul α, Sin, Pow 2, Mul 1/α, Add x."""
    scaled = [alpha, x] if swap else [x, alpha]
    weighted = [f"{tag}/p", inverse] if swap else [inverse, f"{tag}/p"]
    return [
        helper.make_node("Mul", scaled, [f"{tag}/ax"]),
        helper.make_node("Sin", [f"{tag}/ax"], [f"{tag}/s"]),
        helper.make_node("Pow", [f"{tag}/s", "two"], [f"{tag}/p"]),
        helper.make_node("Mul", weighted, [f"{tag}/w"]),
        helper.make_node("Add", [x, f"{tag}/w"], [f"{tag}/out"]),
    ]


def _vocoder(rng: np.random.Generator):
    inits = []
    for name in ("w1", "w2", "w3"):
        inits.append(numpy_helper.from_array(rng.normal(0, 0.4, (C, C, 3)).astype(np.float32), name))
    for name in ("a1", "a2", "a3"):
        alpha = rng.uniform(0.2, 3.0, (1, C, 1)).astype(np.float32)
        inits.append(numpy_helper.from_array(alpha, name))
        inits.append(numpy_helper.from_array((1 / alpha).astype(np.float32), name + "i"))
    conv = {"pads": [1, 1], "kernel_shape": [3]}
    nodes = [
        helper.make_node("Constant", [], ["two"], value=numpy_helper.from_array(np.array(2.0, dtype=np.float32))),
        helper.make_node("Conv", ["x", "w1"], ["c1"], **conv),
        *_snake_nodes("c1", "s1", "a1", "a1i", swap=False),
        helper.make_node("Conv", ["s1/out", "w2"], ["c2"], **conv),
        *_snake_nodes("c2", "s2", "a2", "a2i", swap=True),
        helper.make_node("Conv", ["s2/out", "w3"], ["c3"], **conv),
        *_snake_nodes("c3", "s3", "a3", "a3i", swap=False),
        # Read long after it was made: the input; and a Snake's output read twice.
        helper.make_node("Relu", ["x"], ["rx"]),
        helper.make_node("Add", ["s3/out", "rx"], ["y"]),
        helper.make_node("ReduceSum", ["s1/out"], ["total"], keepdims=0),
        # A Sin that is no Snake (its result is read twice) stays in the graph.
        helper.make_node("Sin", ["y"], ["sy"]),
        helper.make_node("Mul", ["sy", "sy"], ["z"]),
    ]
    graph = helper.make_graph(
        nodes,
        "vocoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, None])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, None), helper.make_tensor_value_info("total", TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _run_stages(stages, feeds):
    sessions = {
        k: ort.InferenceSession(
            stage.model.SerializeToString() if hasattr(stage.model, "SerializeToString") else str(stage.model),
            providers=["CPUExecutionProvider"],
        )
        for k, stage in enumerate(stages.stages)
        if stage.model is not None
    }
    return stages.run(dict(feeds), lambda k, names, f: sessions[k].run(names, f))


def test_the_cut_graph_computes_what_the_whole_graph_does():
    rng = np.random.default_rng(3)
    model = _vocoder(rng)
    stages = split_at_snakes(model)
    assert stages is not None
    assert sum(len(stage.snakes) for stage in stages.stages) == 3
    kept = [node.op_type for stage in stages.stages if stage.model is not None for node in stage.model.graph.node]
    assert kept.count("Sin") == 1 and "Pow" not in kept
    whole = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for length in (1, 7, 3000):
        x = rng.normal(0, 1, (1, C, length)).astype(np.float32)
        expected = whole.run(["z", "total"], {"x": x})
        got = _run_stages(stages, {"x": x.copy()})
        for a, b in zip(expected, got):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_numpy_snake_is_the_graphs_formula_and_threads_change_nothing():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, (1, 128, 5000)).astype(np.float32)
    alpha = rng.uniform(0.1, 4, 128).astype(np.float32)
    inverse = (1 / alpha).astype(np.float32)
    expected = x + np.sin(alpha[:, None] * x) ** 2 * inverse[:, None]
    alone = snake_(x.copy(), alpha, inverse)
    with ThreadPoolExecutor(2) as pool:
        shared = snake_(x.copy(), alpha, inverse, pool, 2)
    np.testing.assert_allclose(alone, expected, rtol=1e-6, atol=1e-6)
    assert np.array_equal(alone, shared)
    with pytest.raises(ValueError, match="float32"):
        snake_(x[:, :5], alpha, inverse)


def test_a_graph_without_snakes_is_not_cut():
    model = _vocoder(np.random.default_rng(1))
    for node in model.graph.node:
        if node.op_type == "Pow":
            node.op_type = "Mul"  # sin·2 is no Snake
    assert split_at_snakes(model) is None


def test_saved_stages_are_read_back_and_damaged_ones_refused(tmp_path):
    rng = np.random.default_rng(9)
    stages = split_at_snakes(_vocoder(rng))
    save_stages(stages, tmp_path, "stamp-1")
    loaded = load_stages(tmp_path, "stamp-1")
    assert loaded is not None and load_stages(tmp_path, "stamp-2") is None
    x = rng.normal(0, 1, (1, C, 50)).astype(np.float32)
    for a, b in zip(_run_stages(stages, {"x": x.copy()}), _run_stages(loaded, {"x": x.copy()})):
        assert np.array_equal(a, b)
    # A stage file cut short, a manifest pointing outside its folder, a manifest of junk.
    first = next(stage.model for stage in loaded.stages if stage.model is not None)
    first.write_bytes(first.read_bytes()[:100])
    assert load_stages(tmp_path, "stamp-1") is None
    save_stages(stages, tmp_path, "stamp-1")
    manifest = json.loads((tmp_path / "stages.json").read_text())
    manifest["stages"][0]["file"] = "../../etc/passwd"
    (tmp_path / "stages.json").write_text(json.dumps(manifest))
    assert load_stages(tmp_path, "stamp-1") is None
    (tmp_path / "stages.json").write_text('{"stamp": "stamp-1", "stages": 5}')
    assert load_stages(tmp_path, "stamp-1") is None
