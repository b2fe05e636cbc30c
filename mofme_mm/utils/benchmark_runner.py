"""One benchmark run over several networks (method: :mod:`.benchmark`)."""
import gc
import statistics
from typing import Callable, Dict, List, Sequence, Tuple

import torch

from .benchmark import Spec, build_network, make_step, matmul_gflops, time_round_robin
from .complexity import model_complexity
from .peak_memory import peak_memory_mb


def _prepare(name: str, config: str, overrides: Dict, shape: Sequence[int],
             batch: int, mode: str, device: str) -> Tuple[Dict, Callable]:
    """Build one network; return its static record and its step closure."""
    network = build_network(config, overrides)
    stats = model_complexity(network, tuple(shape))
    record = dict(config=name, params_m=stats['params_m'], gmacs=stats['gmacs'],
                  gmacs_total=stats['gmacs_total'])
    network = network.to(device)
    inputs = torch.rand(batch, 3, *shape, device=device)
    return record, make_step(network, inputs, mode)


def run_benchmark(specs: Sequence[Spec], shape: Sequence[int] = (256, 256),
                  batch: int = 1, mode: str = 'infer', repeat: int = 10,
                  warmup: int = 2, threads: int = 0, device: str = 'cpu',
                  memory: bool = True, matmul_size: int = 2048,
                  matmul_rate: float = 0.0) -> List[Dict]:
    """Measure params, GMACs, latency, memory and FLOP fraction of networks.

    Args:
        specs (Sequence[Spec]): ``(name, config_path, overrides)`` per network.
        shape (Sequence[int]): Input ``(H, W)``. Defaults to (256, 256).
        batch (int): Batch size. Defaults to 1.
        mode (str): ``'infer'`` or ``'train'``. Defaults to 'infer'.
        repeat (int): Timed round-robin rounds. Defaults to 10.
        warmup (int): Untimed steps per network first. Defaults to 2.
        threads (int): ``torch.set_num_threads`` value; 0 keeps the current
            setting. Defaults to 0.
        device (str): Torch device. Defaults to 'cpu'.
        memory (bool): Measure peak memory (slow on CPU: one child process
            per network). Defaults to True.
        matmul_size (int): Side of the reference matmul. Defaults to 2048.
        matmul_rate (float): Known fp32 matmul rate of the machine in GFLOP/s
            (wall and per CPU second alike); 0 measures it. Defaults to 0.

    Returns:
        list[dict]: One record per spec with ``config``, ``params_m``,
        ``gmacs`` and ``gmacs_total`` (per image, forward, without and with
        the attention products), ``latency_s`` (median per image in
        infer mode, per step in train mode), ``latency_min_s``, ``cpu_s``
        (median process CPU seconds, all threads, same unit),
        ``images_per_s``, ``peak_mem_mb`` (None if not measured),
        ``achieved_gflops``, ``matmul_gflops``, ``flop_fraction``,
        ``matmul_gflops_cpu``, ``flop_fraction_cpu`` and the settings.
    """
    if not specs:
        raise ValueError('run_benchmark needs at least one config to measure.')
    if threads > 0:
        torch.set_num_threads(threads)
    threads = torch.get_num_threads()
    rate = (dict(wall=matmul_rate, cpu=matmul_rate) if matmul_rate > 0 else
            matmul_gflops(matmul_size, device=device))
    records, steps = {}, {}
    for name, config, overrides in specs:
        records[name], steps[name] = _prepare(name, config, overrides, shape,
                                              batch, mode, device)
    times = time_round_robin(steps, repeat, warmup, device)
    steps.clear()  # free the networks before the memory probes
    gc.collect()
    per = batch if mode == 'infer' else 1
    macs_factor = 1 if mode == 'infer' else 3
    results = []
    for name, config, overrides in specs:
        record = records[name]
        step_time = statistics.median(times[name]['wall'])
        gflop = 2 * macs_factor * record['gmacs_total'] * batch
        achieved = gflop / step_time
        cpu_time = statistics.median(times[name]['cpu'])
        record.update(
            latency_s=step_time / per,
            latency_min_s=min(times[name]['wall']) / per,
            cpu_s=cpu_time / per,
            images_per_s=batch / step_time, achieved_gflops=achieved,
            matmul_gflops=rate['wall'], flop_fraction=achieved / rate['wall'],
            matmul_gflops_cpu=rate['cpu'],
            flop_fraction_cpu=gflop / cpu_time / rate['cpu'],
            peak_mem_mb=(peak_memory_mb(config, overrides, shape, batch, mode,
                                        threads, device) if memory else None),
            mode=mode, batch=batch, shape=list(shape), threads=threads,
            repeat=repeat)
        results.append(record)
    return results
