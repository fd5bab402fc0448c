"""The int8 graph's convolutions as unsigned-by-signed matrix products, for CPUs with VNNI.

The shipped graph quantizes every convolution dynamically: ``DynamicQuantizeLinear`` turns the
activations into uint8, and ``ConvInteger`` multiplies them by uint8 weights. ONNX Runtime runs a
uint8-by-uint8 product on 16-bit multiplies, while a CPU with VNNI (AVX512-VNNI, AVX-VNNI) has one
instruction for uint8-by-int8 products summed into int32, twice as fast. This module rewrites each
stride-1 ``ConvInteger`` whose weights and weight zero point are constants as the same sum in
that form:

- the weights move to int8 (``w - 128``, zero point ``z - 128``: every ``w - z`` is unchanged);
- the activations are laid out one frame per row (``Pad`` with their own zero point, ``Transpose``)
  and each row gathers the frames the kernel reaches (``Gather`` of a [frames, kernel] index built
  from the input's length: im2col);
- ``MatMulInteger`` multiplies the [frames, kernel × channels] rows by the [kernel × channels,
  out channels] weights, and a ``Transpose`` puts the int32 result back as [1, out channels, frames].

Every integer sum is the same as before, so with VNNI (which accumulates in int32 and never
saturates) the audio is the same to the bit. Without VNNI ONNX Runtime multiplies uint8 by int8
through 16-bit sums that can saturate, so the rewrite is for VNNI CPUs only (``has_vnni``).
"""

from __future__ import annotations

import logging
import platform
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto

__all__ = ["VNNI_FLAGS", "convolutions_as_products", "has_vnni"]

log = logging.getLogger(__name__)

VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
"""CPU flags (as ``/proc/cpuinfo`` spells them) of an x86 CPU with uint8-by-int8 dot products."""


def has_vnni(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies uint8 by int8 into int32 in one instruction (x86 Linux only)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return not VNNI_FLAGS.isdisjoint(line.split(":", 1)[-1].split())
    except OSError:
        pass
    return False


def _rewritable(node: NodeProto, consts: dict[str, Any]) -> tuple[Any, Any, int, int, int] | None:
    """(int8 weights [kernel × in, out], their int8 zero point, kernel, dilation, padding) of a
    ``ConvInteger`` the rewrite handles exactly, else ``None``."""
    import numpy as np
    from onnx import helper, numpy_helper

    if node.op_type != "ConvInteger" or len(node.input) < 4 or node.input[1] not in consts:
        return None
    if node.input[3] not in consts:
        return None
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    w = numpy_helper.to_array(consts[node.input[1]])
    zero = numpy_helper.to_array(consts[node.input[3]])
    if w.dtype != np.uint8 or w.ndim != 3 or zero.ndim != 0 or zero.dtype != np.uint8:
        return None
    kernel = w.shape[2]
    dilation = list(attrs.get("dilations", [1]))
    pads = list(attrs.get("pads", [0, 0]))
    if attrs.get("group", 1) != 1 or list(attrs.get("strides", [1])) != [1] or len(dilation) != 1:
        return None
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or len(pads) != 2 or pads[0] != pads[1]:
        return None
    if 2 * pads[0] != dilation[0] * (kernel - 1):  # output as long as the input
        return None
    out, cin, _ = w.shape
    signed = (w.astype(np.int16) - 128).astype(np.int8)
    rows = np.ascontiguousarray(signed.transpose(2, 1, 0).reshape(kernel * cin, out))
    return rows, np.int8(int(zero) - 128), kernel, dilation[0], pads[0]


def convolutions_as_products(model: ModelProto) -> int:
    """Rewrite ``model``'s convolutions in place (see the module's docstring); how many were rewritten.

    Strided, grouped or otherwise unusual convolutions stay as they are.
    """
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    consts = {init.name: init for init in graph.initializer}
    nodes: list[NodeProto] = []
    added = []
    replaced: set[str] = set()
    done = 0

    def const(name: str, value: Any) -> str:
        added.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    for node in graph.node:
        found = _rewritable(node, consts)
        if found is None:
            nodes.append(node)
            continue
        rows, signed_zero, kernel, dilation, pad = found
        replaced.update(node.input[1::2])  # the uint8 weights and their zero point
        x, x_zero = node.input[0], node.input[2]
        p = f"{node.name or node.output[0]}/products"
        weights = const(f"{p}/w", rows)
        w_zero = const(f"{p}/w_zero", signed_zero)
        source = x
        if pad:
            pads = const(f"{p}/pads", np.array([0, 0, pad, 0, 0, pad], dtype=np.int64))
            nodes.append(helper.make_node("Pad", [x, pads, x_zero], [f"{p}/padded"], mode="constant"))
            source = f"{p}/padded"
        frames = f"{p}/frames"
        nodes.append(helper.make_node("Transpose", [source], [frames], perm=[0, 2, 1]))
        rows_in = frames
        if kernel > 1:
            # index[t, j] = t + j * dilation over the padded frames: row t holds the kernel's reach.
            nodes += [
                helper.make_node("Shape", [frames], [f"{p}/len1"], start=1, end=2),
                helper.make_node("Squeeze", [f"{p}/len1"], [f"{p}/len"]),
                helper.make_node("Sub", [f"{p}/len", const(f"{p}/reach", np.int64(2 * pad))], [f"{p}/count"]),
                helper.make_node(
                    "Range", [const(f"{p}/zero", np.int64(0)), f"{p}/count", const(f"{p}/step", np.int64(1))], [f"{p}/t"]
                ),
                helper.make_node("Unsqueeze", [f"{p}/t", const(f"{p}/axis", np.array([1], dtype=np.int64))], [f"{p}/tc"]),
                helper.make_node(
                    "Add", [f"{p}/tc", const(f"{p}/taps", (np.arange(kernel, dtype=np.int64) * dilation)[None, :])],
                    [f"{p}/index"],
                ),
                helper.make_node("Gather", [frames, f"{p}/index"], [f"{p}/reached"], axis=1),
                helper.make_node(
                    "Reshape",
                    [f"{p}/reached", const(f"{p}/shape", np.array([1, -1, rows.shape[0]], dtype=np.int64))],
                    [f"{p}/rows"],
                ),
            ]
            rows_in = f"{p}/rows"
        nodes.append(helper.make_node("MatMulInteger", [rows_in, weights, x_zero, w_zero], [f"{p}/sums"]))
        nodes.append(helper.make_node("Transpose", [f"{p}/sums"], [node.output[0]], perm=[0, 2, 1]))
        done += 1
    if done:
        del graph.node[:]
        graph.node.extend(nodes)
        graph.initializer.extend(added)
        used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
        kept = [init for init in graph.initializer if init.name in used or init.name not in replaced]
        del graph.initializer[:]
        graph.initializer.extend(kept)
    return done
