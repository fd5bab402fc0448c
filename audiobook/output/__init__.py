"""Everything after synthesis: assembling clips into chapters, loudness, ACX, files, timings.

- ``assemble``: the two loudness passes over the chunk stream, chapter gains, splitting into files;
- ``loudness``: EBU R128 metering, the true-peak limiter and room tone;
- ``acx``: Audible ACX's rules, the ``--acx`` preset, and ``audiobook check``;
- ``timings``: subtitles (SRT, WebVTT) and the JSON timing file;
- ``writers``: one module per container (M4B/MP4, MP3, Opus, FLAC, WAV) and their registry.
"""

__all__ = ["acx", "assemble", "loudness", "timings", "writers"]
