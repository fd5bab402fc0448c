"""The vocoder's Snake activations computed by numpy, between ONNX Runtime sessions.

Kokoro's vocoder applies Snake, ``x + sin²(αx) / α`` with one α per channel, 48 times, on tensors
of up to 128 channels by the audio's length in samples. ONNX Runtime (1.17 to 1.32) evaluates
``Sin`` one element at a time on one thread, about 2 ns an element: a fifth of the whole model's
time. numpy's ``sin`` is vectorized, four times faster, and the chain done in place, a block of
channels at a time, reads and writes each tensor once instead of five times.

So the graph is cut at its Snakes into stages, each an ONNX Runtime session, and numpy applies the
Snakes between them: the nodes are taken depth first, a branch finished before the next begins,
and each Snake ends a stage. Every value crossing stages is dropped after the last stage that reads
it. The sums are the same; the sines differ from ONNX Runtime's in the last bit, which the next
convolution's 8-bit quantization sometimes rounds the other way: the audio is not the same to the
bit, but within a fraction of a decibel of it (``tests/test_engines.py`` measures the distance).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto

__all__ = ["STAGES_VERSION", "Snake", "Stage", "Stages", "load_stages", "save_stages", "snake_", "split_at_snakes"]

log = logging.getLogger(__name__)

STAGES_VERSION = 2
"""Bumped when the cut changes: stages saved by another version are cut again."""
_MANIFEST = "stages.json"
_MAX_STAGES = 256
"""Most stages a saved manifest may list (the shipped model has 19)."""
_BLOCK = 1 << 16
_SHARE = 1 << 18
"""Fewest elements worth sharing among threads."""
"""Elements numpy computes at a time: a scratch block that stays in the CPU's cache."""


@dataclass(frozen=True)
class Snake:
    """One ``x + sin²(αx) · (1/α)`` chain of the graph."""

    x: str
    """The chain's input, [1, channels, length] float32, read by the chain alone."""
    out: str
    """The chain's output."""
    alpha: np.ndarray
    """α per channel, float32 [channels]."""
    inverse: np.ndarray
    """The graph's 1/α per channel, float32 [channels] (kept as the graph has it, not recomputed)."""


@dataclass
class Stage:
    """A session's share of the graph, and the Snakes that follow it."""

    model: Any
    """The stage's ``ModelProto`` once cut, its file once saved; ``None`` where no node falls in it."""
    inputs: list[str] = field(default_factory=list)
    """Values the stage reads from earlier stages, the Snakes or the graph's inputs."""
    outputs: list[str] = field(default_factory=list)
    """Values it computes that later stages, the Snakes or the graph's outputs read."""
    snakes: list[Snake] = field(default_factory=list)
    """Snakes applied after the stage, in order."""
    drop: list[str] = field(default_factory=list)
    """Values no later step reads, dropped once the stage and its Snakes are done."""


@dataclass
class Stages:
    """The graph cut at its Snakes."""

    stages: list[Stage]
    """In order of execution."""
    outputs: list[str]
    """The graph's outputs."""

    def run(
        self,
        feeds: dict[str, np.ndarray],
        call: Callable[[int, list[str], dict[str, np.ndarray]], list[np.ndarray]],
        pool: Executor | None = None,
        workers: int = 1,
    ) -> list[np.ndarray]:
        """The graph's outputs for ``feeds``: ``call(stage index, output names, inputs)`` runs a
        stage; the Snakes are computed in place, shared among ``workers`` threads of ``pool``."""
        values = dict(feeds)
        for k, stage in enumerate(self.stages):
            if stage.model is not None:
                values.update(zip(stage.outputs, call(k, stage.outputs, {name: values[name] for name in stage.inputs})))
            for snake in stage.snakes:
                values[snake.out] = snake_(values.pop(snake.x), snake.alpha, snake.inverse, pool, workers)
            for name in stage.drop:
                values.pop(name, None)
        return [values[name] for name in self.outputs]


def snake_(
    x: np.ndarray, alpha: np.ndarray, inverse: np.ndarray, pool: Executor | None = None, workers: int = 1
) -> np.ndarray:
    """``x + sin²(αx) · inverse`` per channel of ``x`` [1, channels, length], computed in ``x``
    (in a copy where ``x`` is read-only or not contiguous); with ``pool``, ``workers`` of its
    threads take a share of the channels each (numpy lets go of the GIL)."""
    if x.dtype != np.float32 or x.ndim != 3 or x.shape[0] != 1 or x.shape[1] != alpha.shape[0]:
        raise ValueError(f"a Snake takes float32 [1, {alpha.shape[0]}, length], not {x.dtype} {list(x.shape)}")
    if not (x.flags.c_contiguous and x.flags.writeable):
        x = np.array(x, dtype=np.float32, order="C")
    channels = x.shape[1]
    if pool is None or workers < 2 or x.size < _SHARE:
        _snake_rows(x[0], alpha, inverse)
        return x
    bounds = np.linspace(0, channels, min(workers, channels) + 1).astype(int)
    shares = [
        pool.submit(_snake_rows, x[0, a:b], alpha[a:b], inverse[a:b])
        for a, b in zip(bounds[:-1], bounds[1:])
        if b > a
    ]
    for share in shares:
        share.result()
    return x


def _snake_rows(rows: np.ndarray, alpha: np.ndarray, inverse: np.ndarray) -> None:
    """``snake_`` on [channels, length] rows, in place, a cache-sized block of channels at a time."""
    channels, length = rows.shape
    step = max(1, _BLOCK // max(length, 1))
    scratch = np.empty((min(step, channels), length), dtype=np.float32)
    for start in range(0, channels, step):
        block = rows[start : start + step]
        tmp = scratch[: len(block)]
        # The graph's order of operations: Mul α, Sin, Pow 2, Mul 1/α, Add x.
        np.multiply(block, alpha[start : start + step, None], out=tmp)
        np.sin(tmp, out=tmp)
        np.multiply(tmp, tmp, out=tmp)
        np.multiply(tmp, inverse[start : start + step, None], out=tmp)
        np.add(block, tmp, out=block)


def _constant(name: str, consts: dict[str, Any]) -> np.ndarray | None:
    from onnx import numpy_helper

    found = consts.get(name)
    return None if found is None else numpy_helper.to_array(found)


def _snake_chains(model: ModelProto) -> dict[int, tuple[Snake, list[int]]]:
    """Final ``Add`` index → (the Snake, indices of all the chain's nodes)."""
    graph = model.graph
    nodes = list(graph.node)
    consts: dict[str, Any] = {init.name: init for init in graph.initializer}
    for node in nodes:
        if node.op_type == "Constant" and len(node.output) == 1:
            for attr in node.attribute:
                if attr.name == "value":
                    consts[node.output[0]] = attr.t
    readers: dict[str, list[int]] = {}
    for i, node in enumerate(nodes):
        for name in node.input:
            readers.setdefault(name, []).append(i)
    producers = {name: i for i, node in enumerate(nodes) for name in node.output if name}
    outputs = {o.name for o in graph.output}

    def only_reader(name: str, op: str) -> int | None:
        found = readers.get(name, [])
        if len(found) != 1 or name in outputs or nodes[found[0]].op_type != op:
            return None
        return found[0]

    def split(node: NodeProto) -> tuple[str, np.ndarray] | None:
        """(the variable input, the constant [1, C, 1] one) of a binary node."""
        if len(node.input) != 2:
            return None
        for var, const in ((0, 1), (1, 0)):
            value = _constant(node.input[const], consts)
            if value is not None and value.dtype == np.float32 and value.ndim == 3 and value.shape[0] == value.shape[2] == 1:
                return node.input[var], value.reshape(-1)
        return None

    chains: dict[int, tuple[Snake, list[int]]] = {}
    for i, node in enumerate(nodes):
        if node.op_type != "Sin":
            continue
        producer = producers.get(node.input[0])
        if producer is None or nodes[producer].op_type != "Mul":
            continue
        scaled = split(nodes[producer])
        if scaled is None or only_reader(nodes[producer].output[0], "Sin") != i:
            continue
        x, alpha = scaled
        square = only_reader(node.output[0], "Pow")
        if square is None:
            continue
        exponent = _constant(nodes[square].input[1], consts)
        if exponent is None or exponent.size != 1 or float(exponent.reshape(-1)[0]) != 2.0:
            continue
        scale = only_reader(nodes[square].output[0], "Mul")
        if scale is None:
            continue
        weighted = split(nodes[scale])
        if weighted is None or weighted[0] != nodes[square].output[0] or weighted[1].shape != alpha.shape:
            continue
        end = only_reader(nodes[scale].output[0], "Add")
        if end is None or set(nodes[end].input) != {x, nodes[scale].output[0]}:
            continue
        # x is read by the chain alone (its Mul and its Add), so numpy may overwrite it.
        if sorted(readers.get(x, [])) != sorted([producer, end]) or x in outputs:
            continue
        snake = Snake(x, nodes[end].output[0], alpha.astype(np.float32), weighted[1].astype(np.float32))
        chains[end] = (snake, [producer, i, square, scale, end])
    return chains


def _depth_first(model: ModelProto) -> list[int]:
    """The graph's node indices in an order where each branch is finished before the next begins.

    The export interleaves parallel branches (the vocoder's three resblocks take their steps in
    lockstep); cut in that order, every cut would hold all three branches' tensors. Depth first from
    the outputs, each node after the producers of its inputs, a branch's tensors are freed before
    the next branch's are made. Nodes no output depends on are left out.
    """
    nodes = list(model.graph.node)
    producer = {name: i for i, node in enumerate(nodes) for name in node.output if name}
    order: list[int] = []
    done: set[int] = set()
    for output in model.graph.output:
        if output.name not in producer:
            continue
        stack: list[tuple[int, int]] = [(producer[output.name], 0)]
        while stack:
            i, at = stack.pop()
            if at == 0 and i in done:
                continue
            inputs = nodes[i].input
            while at < len(inputs) and (inputs[at] not in producer or producer[inputs[at]] in done):
                at += 1
            if at < len(inputs):
                stack.append((i, at + 1))
                stack.append((producer[inputs[at]], 0))
            else:
                done.add(i)
                order.append(i)
    return order


def split_at_snakes(model: ModelProto) -> Stages | None:
    """``model`` cut at its Snakes (see the module's docstring); ``None`` when it has none, or a
    value crossing stages has no known element type."""
    import onnx
    from onnx import helper

    chains = _snake_chains(model)
    if not chains:
        return None
    graph = model.graph
    nodes = list(graph.node)
    in_chain = {j for _, members in chains.values() for j in members}
    typed = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    elem: dict[str, int] = {}
    for info in [*typed.graph.value_info, *typed.graph.input, *typed.graph.output]:
        if info.type.HasField("tensor_type") and info.type.tensor_type.elem_type:
            elem[info.name] = info.type.tensor_type.elem_type
    inits = {init.name: init for init in graph.initializer}
    constant_nodes = {node.output[0]: node for node in nodes if node.op_type == "Constant" and len(node.output) == 1}

    placed: list[list[NodeProto]] = [[]]
    snakes_after: list[list[Snake]] = [[]]
    for i in _depth_first(model):
        node = nodes[i]
        if i in chains:
            snakes_after[-1].append(chains[i][0])
            placed.append([])
            snakes_after.append([])
        elif i not in in_chain and node.op_type != "Constant":
            placed[-1].append(node)

    graph_outputs = [o.name for o in graph.output]
    # The last step that reads each value: a stage (its nodes), or the Snakes after stage k.
    last_read: dict[str, int] = {}
    for k, stage_nodes in enumerate(placed):
        for node in stage_nodes:
            for name in node.input:
                last_read[name] = k
        for snake in snakes_after[k]:
            last_read[snake.x] = k
    stages: list[Stage] = []
    for k, stage_nodes in enumerate(placed):
        made = {name for node in stage_nodes for name in node.output}
        read = [name for node in stage_nodes for name in node.input if name]
        inputs = list(dict.fromkeys(n for n in read if n not in made and n not in inits and n not in constant_nodes))
        later = {name for j in range(k + 1, len(placed)) for node in placed[j] for name in node.input}
        later |= {snake.x for j in range(k, len(placed)) for snake in snakes_after[j]}
        outputs = [n for n in dict.fromkeys(n for node in stage_nodes for n in node.output) if n in later or n in graph_outputs]
        drop = [name for name, last in last_read.items() if last == k and name not in graph_outputs]
        stage = Stage(None, inputs, outputs, snakes_after[k], drop)
        if stage_nodes:
            if any(name not in elem for name in [*inputs, *outputs]):
                return None
            consts = list(dict.fromkeys(n for n in read if n in constant_nodes))
            used_inits = [inits[n] for n in dict.fromkeys(read) if n in inits]
            stage.model = helper.make_model(
                helper.make_graph(
                    [constant_nodes[n] for n in consts] + stage_nodes,
                    f"stage{k}",
                    [helper.make_tensor_value_info(n, elem[n], None) for n in inputs],
                    [helper.make_tensor_value_info(n, elem[n], None) for n in outputs],
                    initializer=used_inits,
                ),
                opset_imports=list(model.opset_import),
                ir_version=model.ir_version,
            )
        stages.append(stage)
    log.debug("cut the graph at %d Snakes into %d stages", len(chains), len(stages))
    return Stages(stages, graph_outputs)


def save_stages(stages: Stages, folder: Path, stamp: str) -> None:
    """Write ``stages`` into ``folder``: a file per stage and, last, the manifest that vouches for
    them (``stamp``, and each file's size and mtime)."""
    import onnx

    folder.mkdir(parents=True, exist_ok=True)
    (folder / _MANIFEST).unlink(missing_ok=True)
    arrays: dict[str, np.ndarray] = {}
    listed = []
    for k, stage in enumerate(stages.stages):
        entry: dict[str, Any] = {"inputs": stage.inputs, "outputs": stage.outputs, "drop": stage.drop, "snakes": []}
        for snake in stage.snakes:
            key = f"s{len(arrays) // 2}"
            arrays[f"{key}a"], arrays[f"{key}i"] = snake.alpha, snake.inverse
            entry["snakes"].append({"x": snake.x, "out": snake.out, "key": key})
        if stage.model is not None:
            path = folder / f"stage-{k:03d}.onnx"
            onnx.save(stage.model, str(path))
            st = path.stat()
            entry.update(file=path.name, size=st.st_size, mtime_ns=st.st_mtime_ns)
        listed.append(entry)
    np.savez(folder / "snakes.npz", **arrays)
    st = (folder / "snakes.npz").stat()
    manifest = {"stamp": stamp, "outputs": stages.outputs, "stages": listed, "snakes": [st.st_size, st.st_mtime_ns]}
    tmp = folder / f".{_MANIFEST}.{os.getpid()}"
    tmp.write_text(json.dumps(manifest), encoding="utf-8")
    os.replace(tmp, folder / _MANIFEST)


def load_stages(folder: Path, stamp: str) -> Stages | None:
    """The stages ``save_stages`` wrote into ``folder`` for ``stamp``, each ``model`` the path of
    its file; ``None`` when missing, stale, damaged or not in the expected form (cut them again)."""
    try:
        manifest = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
        if manifest["stamp"] != stamp or len(manifest["stages"]) > _MAX_STAGES:
            return None
        snakes_file = folder / "snakes.npz"
        st = snakes_file.stat()
        if manifest["snakes"] != [st.st_size, st.st_mtime_ns]:
            return None
        with np.load(snakes_file, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        stages = []
        for entry in manifest["stages"]:
            model = None
            if entry.get("file") is not None:
                model = folder / Path(str(entry["file"])).name
                st = model.stat()
                if [entry["size"], entry["mtime_ns"]] != [st.st_size, st.st_mtime_ns]:
                    return None
            snakes = []
            for item in entry["snakes"]:
                alpha, inverse = arrays[f"{item['key']}a"], arrays[f"{item['key']}i"]
                if alpha.dtype != np.float32 or alpha.ndim != 1 or inverse.shape != alpha.shape or inverse.dtype != np.float32:
                    return None
                snakes.append(Snake(str(item["x"]), str(item["out"]), alpha, inverse))
            inputs, outputs, drop = ([str(n) for n in entry[key]] for key in ("inputs", "outputs", "drop"))
            stages.append(Stage(model, inputs=inputs, outputs=outputs, snakes=snakes, drop=drop))
        return Stages(stages, [str(n) for n in manifest["outputs"]])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
