"""Deployment of a restorer outside PyTorch: ONNX export and its ONNX
Runtime check (``tools/deployment/export_onnx.py``, docs/deployment.md).
Like :mod:`mofme_mm.analysis` it sits above the models; the library never
imports it. ``onnx`` / ``onnxruntime`` / ``onnxscript`` come from
requirements/deploy.txt and are imported only when used."""
