"""ONNX Runtime against PyTorch: max abs difference and latency per size."""
import statistics
import time
from typing import Dict, List, Sequence

import numpy as np
import torch
from torch import nn

from .onnx_export import RestoringGraph
from .onnx_runtime import OnnxRestorer


def _median_seconds(step, repeat: int) -> float:
    step()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def check_parity(network: nn.Module, session: OnnxRestorer,
                 sizes: Sequence[Sequence[int]], batch: int = 1,
                 repeat: int = 3, seed: int = 0) -> List[Dict]:
    """Compare ``session`` with ``network`` (fp32) on random images.

    Args:
        network (nn.Module): The PyTorch network that was exported.
        session (OnnxRestorer): Its ONNX Runtime session.
        sizes (Sequence): ``(H, W)`` of each check; any sizes (those not
            multiples of the patch size are padded as the network pads).
        batch (int): Images per check. Defaults to 1.
        repeat (int): Timed runs of each (median reported); 0 skips
            timing. Defaults to 3.
        seed (int): Seed of the random images. Defaults to 0.

    Returns:
        list[dict]: Per size ``size``, ``max_abs_diff``, ``torch_s`` and
        ``ort_s`` (median seconds per call, None without timing).
    """
    graph = RestoringGraph(network.float().cpu().eval()).eval()
    generator = torch.Generator().manual_seed(seed)
    results = []
    for height, width in sizes:
        images = torch.rand(batch, 3, int(height), int(width),
                            generator=generator)
        array = images.numpy()
        with torch.inference_mode():
            expected = graph(images).numpy()
        actual = session(array)
        record = dict(size=[int(height), int(width)],
                      max_abs_diff=float(np.abs(actual - expected).max()),
                      torch_s=None, ort_s=None)
        if repeat:
            with torch.inference_mode():
                record['torch_s'] = _median_seconds(lambda images=images: graph(images),
                                                    repeat)
            record['ort_s'] = _median_seconds(lambda array=array: session(array),
                                              repeat)
        results.append(record)
    return results
