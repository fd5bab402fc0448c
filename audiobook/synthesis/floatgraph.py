"""The float graph: the shipped int8 model with its quantized convolutions and matrix products
turned back into plain float ones.

The int8 model computes each convolution as a chain: ``DynamicQuantizeLinear`` quantizes the
input at run time, ``ConvInteger`` convolves integers, the bias is quantized with the product of
the two scales (``Div``, ``Floor``, ``Cast``, ``Reshape``) and added as an integer, and a ``Cast``
and a ``Mul`` by that product bring the result back to float. Matrix products use the same chain
with ``MatMulInteger`` and no bias. Runtimes other than ONNX Runtime execute these chains slowly
or not at all, while they run float convolutions fast (and in bfloat16 where the CPU has it).

``dequantize`` replaces each chain by one ``Conv`` (or ``MatMul``) whose weights are
``(q - zero_point) * scale``, the very numbers the int8 kernels stand for; the input is then no
longer rounded to eight bits, which is the only change to what is computed. The rest of the
graph (the quantized LSTMs and embeddings included) is left as it is. It works on an
``onnx.ModelProto`` and touches no file: ``modelfiles.float_model_path`` derives and caches it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from audiobook.errors import ModelError

__all__ = ["DEQUANTIZED_OPS", "FloatGraph", "dequantize", "integer_ops"]

log = logging.getLogger(__name__)

DEQUANTIZED_OPS = ("ConvInteger", "MatMulInteger")
"""The integer operators whose chains ``dequantize`` replaces."""

_FLOAT_OP = {"ConvInteger": "Conv", "MatMulInteger": "MatMul"}


@dataclass(frozen=True)
class FloatGraph:
    """What ``dequantize`` made."""

    model: Any
    """The float ``onnx.ModelProto`` (a new object; the input is not changed)."""
    replaced: dict[str, int]
    """Integer operator → how many of its chains became float operators."""


def integer_ops(model: Any) -> dict[str, int]:
    """How many of each operator in ``DEQUANTIZED_OPS`` ``model`` still holds."""
    counts = {op: 0 for op in DEQUANTIZED_OPS}
    for node in model.graph.node:
        if node.op_type in counts:
            counts[node.op_type] += 1
    return counts


class _Graph:
    """Look-ups over one graph: who makes a value, who reads it, which values are constants."""

    def __init__(self, graph: Any):
        from onnx import numpy_helper

        self.graph = graph
        self.producer = {out: node for node in graph.node for out in node.output}
        self.readers: dict[str, list[Any]] = defaultdict(list)
        for node in graph.node:
            for name in node.input:
                self.readers[name].append(node)
        self.constants = {t.name: t for t in graph.initializer}
        self._array = numpy_helper.to_array

    def array(self, name: str) -> np.ndarray:
        return np.asarray(self._array(self.constants[name]))

    def only_reader(self, value: str, op: str, where: str) -> Any:
        readers = self.readers.get(value, [])
        if len(readers) != 1 or readers[0].op_type != op:
            got = ", ".join(r.op_type for r in readers) or "nothing"
            raise ModelError(f"cannot derive the float graph: after {where} expected {op}, found {got}")
        return readers[0]


def _chain(g: _Graph, node: Any) -> tuple[str, str, np.ndarray, str | None, Any, list[Any]]:
    """(input, weight name, float weight, float bias name, last node, nodes replaced) of one chain."""
    where = node.name or node.op_type
    x_q, w_q = node.input[0], node.input[1]
    w_zero = node.input[3] if len(node.input) > 3 else ""
    quantize = g.producer.get(x_q)
    if quantize is None or quantize.op_type != "DynamicQuantizeLinear":
        raise ModelError(f"cannot derive the float graph: {where} does not read a DynamicQuantizeLinear")
    x, x_scale = quantize.input[0], quantize.output[1]
    if w_q not in g.constants or (w_zero and w_zero not in g.constants):
        raise ModelError(f"cannot derive the float graph: the weights of {where} are not constants")
    nodes = [node]
    value = node.output[0]
    bias: str | None = None
    step = g.readers.get(value, [])
    if len(step) == 1 and step[0].op_type == "Add":
        add = step[0]
        quantized_bias = next(i for i in add.input if i != value)
        # The bias is quantized on the fly: Reshape(Cast(Floor(Div(bias, scale)))); its float
        # original is the constant at the head of that chain.
        name = quantized_bias
        while name not in g.constants:
            maker = g.producer.get(name)
            if maker is None or maker.op_type not in ("Reshape", "Cast", "Floor", "Round", "Div"):
                raise ModelError(f"cannot derive the float graph: the bias of {where} is not a constant")
            name = maker.input[0]
        bias = name
        nodes.append(add)
        value = add.output[0]
    cast = g.only_reader(value, "Cast", where)
    mul = g.only_reader(cast.output[0], "Mul", where)
    nodes += [cast, mul]
    scale = next(i for i in mul.input if i != cast.output[0])
    scale_mul = g.producer.get(scale)
    if scale_mul is None or scale_mul.op_type != "Mul" or x_scale not in scale_mul.input:
        raise ModelError(f"cannot derive the float graph: the output scale of {where} is not input × weight scale")
    w_scale = next(i for i in scale_mul.input if i != x_scale)
    if w_scale not in g.constants:
        raise ModelError(f"cannot derive the float graph: the weight scale of {where} is not a constant")
    q = g.array(w_q).astype(np.float32)
    zero = g.array(w_zero).astype(np.float32) if w_zero else np.float32(0)
    s = g.array(w_scale).astype(np.float32)
    if node.op_type == "ConvInteger" and np.ndim(s) == 1:
        # Per output channel: the scales and zero points run along the weight's first axis.
        shape = (-1,) + (1,) * (q.ndim - 1)
        s = s.reshape(shape)
        zero = np.reshape(zero, shape) if np.ndim(zero) == 1 else zero
    weight = ((q - zero) * s).astype(np.float32)
    if not np.isfinite(weight).all():
        raise ModelError(f"cannot derive the float graph: the weights of {where} are not finite")
    return x, w_q, weight, bias, mul, nodes


def dequantize(model: Any, ops: tuple[str, ...] = DEQUANTIZED_OPS) -> FloatGraph:
    """``model`` with every ``ops`` chain replaced by its float operator; the graph is checked."""
    import onnx

    out = onnx.ModelProto()
    out.CopyFrom(model)
    g = _Graph(out.graph)
    replacement: dict[int, Any] = {}
    dropped: set[int] = set()
    weights: dict[str, str] = {}
    replaced = {op: 0 for op in ops}
    for node in list(out.graph.node):
        if node.op_type not in ops:
            continue
        x, w_q, weight, bias, last, nodes = _chain(g, node)
        # A weight read by several chains (ALBERT shares one layer's weights twelve times) is
        # stored once.
        if w_q not in weights:
            weights[w_q] = f"{w_q.removesuffix('_quantized')}_float"
            out.graph.initializer.append(onnx.numpy_helper.from_array(weight, weights[w_q]))
        inputs = [x, weights[w_q]] + ([bias] if bias else [])
        name = (node.name or node.op_type) + "_float"
        new = onnx.helper.make_node(_FLOAT_OP[node.op_type], inputs, [last.output[0]], name=name)
        if node.op_type == "ConvInteger":
            new.attribute.extend(node.attribute)
        replacement[id(last)] = new
        dropped.update(id(n) for n in nodes[:-1])
        replaced[node.op_type] += 1
    nodes = [replacement.get(id(n), n) for n in out.graph.node if id(n) not in dropped]
    nodes = _live(nodes, {o.name for o in out.graph.output})
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    used = {name for n in nodes for name in n.input}
    kept = [t for t in out.graph.initializer if t.name in used]
    del out.graph.initializer[:]
    out.graph.initializer.extend(kept)
    left = {op: n for op, n in integer_ops(out).items() if op in ops and n}
    if left:
        raise ModelError(f"cannot derive the float graph: {left} remain")
    try:
        onnx.checker.check_model(out, full_check=False)
    except onnx.checker.ValidationError as exc:
        raise ModelError(f"the derived float graph is not valid ONNX: {str(exc).splitlines()[0]}") from None
    log.info("float graph: replaced %s", replaced)
    return FloatGraph(out, replaced)


def _live(nodes: list[Any], outputs: set[str]) -> list[Any]:
    """``nodes`` without those whose results nothing reads (the quantizers and bias chains left)."""
    while True:
        read = set(outputs)
        for n in nodes:
            read.update(n.input)
        kept = [n for n in nodes if any(o and o in read for o in n.output)]
        if len(kept) == len(nodes):
            return kept
        nodes = kept
