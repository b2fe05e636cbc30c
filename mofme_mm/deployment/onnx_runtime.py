"""Run an exported restorer with ONNX Runtime (any image size).

:class:`OnnxRestorer` pads the input on the host as the network itself
does (``pad_to_multiple``: reflection where the image is large enough,
replication otherwise) to the multiple the graph was exported for, runs the
session and crops the result back.
"""
import os.path as osp
from typing import Optional

import numpy as np
import torch

from mofme_mm.models.backbones.mofme_vit import pad_to_multiple

from .onnx_export import INPUT_NAME, MULTIPLE_KEY


class OnnxRestorer:
    """An ONNX Runtime session of an exported restorer.

    Args:
        path (str): The ``.onnx`` file written by :func:`export_onnx`.
        threads (int, optional): Intra-op threads of the session; None
            keeps ONNX Runtime's default (all cores). Defaults to None.
    """

    def __init__(self, path: str, threads: Optional[int] = None) -> None:
        import onnxruntime as ort

        if not osp.isfile(path):
            raise FileNotFoundError(
                f'ONNX file {path!r} does not exist: export it first with '
                'tools/deployment/export_onnx.py.')
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
            options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(
                path, options, providers=['CPUExecutionProvider'])
        except Exception as error:  # onnxruntime raises its own types
            raise ValueError(
                f'ONNX Runtime cannot load {path!r} ({error}); re-export it '
                'with tools/deployment/export_onnx.py.') from error
        meta = self.session.get_modelmeta().custom_metadata_map
        if MULTIPLE_KEY not in meta:
            raise ValueError(
                f'{path!r} has no {MULTIPLE_KEY!r} metadata: it was not '
                'written by tools/deployment/export_onnx.py; re-export it.')
        self.path = path
        self.multiple = int(meta[MULTIPLE_KEY])

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """Restore RGB ``[0, 1]`` images.

        Args:
            images (np.ndarray): ``(B, 3, H, W)`` float32, any H and W.

        Returns:
            np.ndarray: ``(B, 3, H, W)`` float32 in ``[0, 1]``.
        """
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f'OnnxRestorer ({self.path}) expects (B, 3, H, '
                             f'W) images, got shape {images.shape}.')
        height, width = images.shape[-2:]
        padded = pad_to_multiple(
            torch.from_numpy(np.ascontiguousarray(images, np.float32)),
            self.multiple).numpy()
        restored = self.session.run(None, {INPUT_NAME: padded})[0]
        return restored[..., :height, :width]
