"""Measurement code behind ``tools/analysis/``: complexity, speed, memory,
routing embeddings. It sits above :mod:`mofme_mm.models` (it builds and runs
networks); the library itself never imports it."""
