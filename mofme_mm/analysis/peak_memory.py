"""Peak memory of one network's steps, measured in a fresh process.

CPU: ``tracemalloc`` does not see torch's allocations and the current RSS
misses short peaks, so each measurement runs in a spawned child process. The
child imports everything, runs a tiny warm-up op, resets its RSS high-water
mark (Linux: ``5 > /proc/self/clear_refs``) and reads its RSS, builds the
network, runs a few steps and reads the high-water mark (``VmHWM``). The
difference is the peak resident memory needed by the parameters, the
optimizer state (train), the activations and the gradients of the steps.
Where ``/proc`` is missing, ``getrusage(...).ru_maxrss`` before and after is
used instead; that under-reports when the imports peaked higher. The first
run of the code also maps library pages (tens of MB), included in the peak.
CUDA: ``torch.cuda.max_memory_allocated`` in the calling process, after
``reset_peak_memory_stats``.
"""
import multiprocessing
import resource
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, Optional, Sequence

import torch

from .benchmark import build_benchmark_restorer, make_step, synchronize

MB = 2**20


def _proc_status_bytes(field: str) -> int:
    """``VmRSS`` / ``VmHWM`` of this process from /proc/self/status in bytes."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) * 1024
    raise KeyError(f'{field} not in /proc/self/status')


def _reset_peak() -> bool:
    """Reset the RSS high-water mark (Linux >= 4.0); False if unsupported."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _maxrss_bytes() -> int:
    """RSS high-water mark of this process (bytes on every platform)."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == 'darwin' else maxrss * 1024


def _probe_cpu(config: str, overrides: Optional[Dict], shape: Sequence[int],
               batch: int, mode: str, threads: int, steps: int,
               precision: str, test_cfg: Optional[Dict]) -> float:
    """Body of the child process; returns the peak RSS increase in MB."""
    torch.set_num_threads(threads)
    torch.mm(torch.rand(64, 64), torch.rand(64, 64))
    proc = _reset_peak()
    before = _proc_status_bytes('VmRSS') if proc else _maxrss_bytes()
    restorer = build_benchmark_restorer(config, overrides, precision, test_cfg)
    step = make_step(restorer, torch.rand(batch, 3, *shape), mode)
    for _ in range(steps):
        step()
    after = _proc_status_bytes('VmHWM') if proc else _maxrss_bytes()
    return (after - before) / MB


def peak_memory_mb(config: str, overrides: Optional[Dict], shape: Sequence[int],
                   batch: int, mode: str, threads: int = 1, device: str = 'cpu',
                   steps: int = 2, precision: str = 'fp32',
                   test_cfg: Optional[Dict] = None) -> float:
    """Peak memory in MB of ``steps`` inference or training steps.

    Args:
        config (str): Path of an mmengine config file.
        overrides (dict, optional): Dotted config overrides.
        shape (Sequence[int]): ``(H, W)`` of the inputs.
        batch (int): Batch size.
        mode (str): ``'infer'`` or ``'train'``.
        threads (int): Torch threads of the child process. Defaults to 1.
        device (str): ``'cpu'`` (child process, RSS) or a CUDA device
            (in-process allocator peak). Defaults to 'cpu'.
        steps (int): Steps to run; two make the AdamW state exist during a
            full step. Defaults to 2.
        precision (str): ``test_cfg.precision``. Defaults to 'fp32'.
        test_cfg (dict, optional): Restorer ``test_cfg`` fields to set
            (see :func:`build_benchmark_restorer`). Defaults to None.

    Returns:
        float: Peak memory in MB (2**20 bytes).
    """
    if torch.device(device).type == 'cuda':
        restorer = build_benchmark_restorer(config, overrides, precision,
                                            test_cfg).to(device)
        step = make_step(restorer, torch.rand(batch, 3, *shape, device=device),
                         mode)
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        for _ in range(steps):
            step()
        synchronize(device)
        return torch.cuda.max_memory_allocated(device) / MB
    context = multiprocessing.get_context('spawn')
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_probe_cpu, config, overrides, tuple(shape), batch, mode,
                           threads, steps, precision, test_cfg).result()
