"""Kokoro's per-token durations as an output of its ONNX graph.

The model predicts how many frames (600 samples each) every token lasts before it renders any
audio, but the published graph returns only the audio. The prediction is the chain
``Round → Clip → Cast(int64)`` in the duration predictor (``round(d).clamp(min=1).long()`` in
the PyTorch source); this module finds that chain in a loaded ``ModelProto`` and adds its result as
an extra graph output named ``DURATION_OUTPUT``. Nothing else in the graph changes, so the audio
is the same as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onnx import ModelProto

__all__ = ["DURATION_OUTPUT", "find_duration_tensor", "add_duration_output", "has_duration_output"]

log = logging.getLogger(__name__)

DURATION_OUTPUT = "durations"
"""Name of the added output: int64 [1, tokens + 2], frames per token, the two pad ids included."""


def find_duration_tensor(model: ModelProto) -> str | None:
    """Name of the tensor holding the rounded, clamped per-token frame counts, or ``None``.

    Found by structure, not by node name, so a re-export with other names still matches: an int64
    ``Cast`` of a ``Clip`` of a ``Round``, whose result feeds a ``CumSum`` (the alignment of
    tokens to frames) within a few nodes.
    """
    from onnx import TensorProto, helper

    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    users: dict[str, list[tuple[str, list[str]]]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append((node.op_type, list(node.output)))

    def feeds_cumsum(name: str, depth: int = 3) -> bool:
        for op, outs in users.get(name, []):
            if op == "CumSum" or (depth > 0 and any(feeds_cumsum(o, depth - 1) for o in outs)):
                return True
        return False

    for node in graph.node:
        if node.op_type != "Cast":
            continue
        to = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "to"), None)
        if to != TensorProto.INT64 or not node.input:
            continue
        clip = producer.get(node.input[0])
        if clip is None or clip.op_type != "Clip" or not clip.input:
            continue
        rounded = producer.get(clip.input[0])
        if rounded is None or rounded.op_type != "Round":
            continue
        if feeds_cumsum(node.output[0]):
            return str(node.output[0])
    return None


def has_duration_output(model: ModelProto) -> bool:
    """Whether the graph already returns ``DURATION_OUTPUT``."""
    return any(o.name == DURATION_OUTPUT for o in model.graph.output)


def add_duration_output(model: ModelProto) -> bool:
    """Add ``DURATION_OUTPUT`` to ``model`` in place; False when the graph has no duration chain."""
    from onnx import TensorProto, helper

    if has_duration_output(model):
        return True
    tensor = find_duration_tensor(model)
    if tensor is None:
        return False
    # An Identity gives the output a stable name whatever the exporter called the tensor.
    model.graph.node.append(helper.make_node("Identity", [tensor], [DURATION_OUTPUT], name="audiobook_durations"))
    model.graph.output.append(helper.make_tensor_value_info(DURATION_OUTPUT, TensorProto.INT64, None))
    log.debug("exposed %s as %s", tensor, DURATION_OUTPUT)
    return True
