"""Synthesis: phoneme units in, clips out.

- ``engines``: the backends (ONNX Runtime, PyTorch) behind one ``Engine`` interface and a registry;
- ``modelfiles``: where the model lives (assembled from the PyPI parts, checked by SHA-256);
- ``synthesizer``: units → engine calls → trimmed clips, pauses and inserts, as a stream of chunks;
- ``clips``: trimming, silence, gain and decoding of inserted audio files;
- ``effects``: what is rendered around the model (pitch shift, beeps);
- ``cache``: the clip cache, keyed by everything that decides a clip's audio.
"""

__all__ = ["cache", "clips", "effects", "engines", "modelfiles", "synthesizer"]
