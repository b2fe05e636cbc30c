"""One benchmark run over several configs and precisions (method: :mod:`.benchmark`)."""
import gc
import statistics
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .benchmark import (
    Spec,
    build_benchmark_restorer,
    frame_tiles,
    make_step,
    matmul_gflops,
    time_round_robin,
)
from .complexity import model_complexity
from .peak_memory import peak_memory_mb
from .stage_profile import op_table, stage_split

#: ``[H, W]`` of the full frame of ``frame`` mode (a Cityscapes frame).
FRAME_SHAPE = (1024, 2048)


def _prepare(name: str, config: str, overrides: Dict, shape: Sequence[int],
             batch: int, mode: str, device: str, precision: str,
             frame: bool) -> Tuple[Dict, Callable, torch.nn.Module]:
    """Build one restorer; return its static record, step and network."""
    test_cfg = None if frame else dict(mode='whole')
    restorer = build_benchmark_restorer(config, overrides, precision, test_cfg)
    tiles = frame_tiles(shape, restorer.test_cfg) if frame else 1
    unit = shape
    if frame and restorer.test_cfg['mode'] == 'tile':
        unit = (restorer.test_cfg['tile_size'], ) * 2
    stats = model_complexity(restorer.network, tuple(unit))
    record = dict(config=name, precision=precision,
                  params_m=stats['params_m'], gmacs=stats['gmacs'] * tiles,
                  gmacs_total=stats['gmacs_total'] * tiles, frame=frame,
                  tiles=tiles, test_cfg=dict(restorer.test_cfg))
    restorer = restorer.to(device)
    inputs = torch.rand(batch, 3, *shape, device=device)
    return record, make_step(restorer, inputs, mode), restorer.network


def measure_rates(precisions: Sequence[str], size: int, device: str,
                  given: Optional[Dict[str, float]] = None
                  ) -> Dict[str, Dict[str, float]]:
    """Matmul rate (GFLOP/s, ``wall`` and ``cpu``) of every precision.

    Args:
        precisions (Sequence[str]): Precisions to measure.
        size (int): Side of the square product.
        device (str): Torch device.
        given (dict, optional): Precision -> known rate, not measured.

    Returns:
        dict: Precision -> ``dict(wall=..., cpu=...)``.
    """
    given = given or {}
    return {p: (dict(wall=given[p], cpu=given[p]) if given.get(p, 0) > 0
                else matmul_gflops(size, device=device, precision=p))
            for p in precisions}


def run_benchmark(specs: Sequence[Spec], shape: Sequence[int] = (256, 256),
                  batch: int = 1, mode: str = 'infer', repeat: int = 10,
                  warmup: int = 2, threads: int = 0, device: str = 'cpu',
                  memory: bool = True, matmul_size: int = 2048,
                  matmul_rates: Optional[Dict[str, float]] = None,
                  precisions: Sequence[str] = ('fp32', ),
                  frame: bool = False, stages: int = 0,
                  profile: int = 0) -> List[Dict]:
    """Measure params, GMACs, latency, memory and FLOP fraction of configs.

    Args:
        specs (Sequence[Spec]): ``(name, config_path, overrides)`` per config.
        shape (Sequence[int]): Input ``(H, W)``: a tile, or the frame with
            ``frame``. Defaults to (256, 256).
        batch (int): Batch size. Defaults to 1.
        mode (str): ``'infer'`` or ``'train'``. Defaults to 'infer'.
        repeat (int): Timed round-robin rounds. Defaults to 10.
        warmup (int): Untimed steps per entry first. Defaults to 2.
        threads (int): ``torch.set_num_threads`` value; 0 keeps the current
            setting. Defaults to 0.
        device (str): Torch device. Defaults to 'cpu'.
        memory (bool): Measure peak memory (slow on CPU: one child process
            per entry). Defaults to True.
        matmul_size (int): Side of the reference matmul. Defaults to 2048.
        matmul_rates (dict, optional): Precision -> known matmul rate in
            GFLOP/s (wall and per CPU second alike); the others are
            measured. Defaults to None.
        precisions (Sequence[str]): Every config runs in each of these
            (``test_cfg.precision``). Defaults to ('fp32', ).
        frame (bool): Restore one ``shape`` frame per step through the
            config's own ``test_cfg`` (tiling); infer mode only.
            Defaults to False.
        stages (int): Calls timed per entry for the per-stage split
            (:func:`stage_split`); 0 skips it. Defaults to 0.
        profile (int): Rows of a ``torch.profiler`` op table per entry
            (``op_table`` key); 0 skips it. Defaults to 0.

    Returns:
        list[dict]: One record per (spec, precision), specs outer, with
        ``config``, ``precision``, ``params_m``, ``gmacs`` and
        ``gmacs_total`` (per image, or per frame: all its tiles; forward,
        without and with the attention products), ``latency_s`` (median per
        image in infer mode, per frame with ``frame``, per step in train
        mode), ``latency_min_s``, ``cpu_s`` (median process CPU seconds,
        all threads, same unit), ``images_per_s``, ``peak_mem_mb`` (None if
        not measured), ``achieved_gflops``, ``matmul_gflops`` (of the
        record's precision), ``flop_fraction``, ``bound_s``,
        ``matmul_gflops_cpu``, ``flop_fraction_cpu``, ``stages_s`` (None
        if not measured) and the settings.
    """
    if not specs:
        raise ValueError('run_benchmark needs at least one config to measure.')
    if frame and (mode != 'infer' or batch != 1):
        raise ValueError('frame mode restores one frame: it needs '
                         f'mode="infer" and batch=1, got {mode!r}, {batch}.')
    if threads > 0:
        torch.set_num_threads(threads)
    threads = torch.get_num_threads()
    rates = measure_rates(precisions, matmul_size, device, matmul_rates)
    entries = [(name, config, overrides, precision)
               for name, config, overrides in specs for precision in precisions]
    records, steps, networks = {}, {}, {}
    for name, config, overrides, precision in entries:
        key = (name, precision)
        records[key], steps[key], networks[key] = _prepare(
            name, config, overrides, shape, batch, mode, device, precision,
            frame)
    times = time_round_robin(steps, repeat, warmup, device)
    for key, step in steps.items():
        records[key]['stages_s'] = (stage_split(networks[key], step, stages,
                                                device) if stages else None)
        if profile:
            records[key]['op_table'] = op_table(step, profile, device)
    steps.clear()  # free the networks before the memory probes
    networks.clear()
    gc.collect()
    per = batch if mode == 'infer' else 1
    macs_factor = 1 if mode == 'infer' else 3
    results = []
    for name, config, overrides, precision in entries:
        key = (name, precision)
        record, rate = records[key], rates[precision]
        step_time = statistics.median(times[key]['wall'])
        gflop = 2 * macs_factor * record['gmacs_total'] * batch
        achieved = gflop / step_time
        cpu_time = statistics.median(times[key]['cpu'])
        memory_mb = None
        if memory:
            memory_mb = peak_memory_mb(
                config, overrides, shape, batch, mode, threads, device,
                precision=precision,
                test_cfg=None if frame else dict(mode='whole'))
        record.update(
            latency_s=step_time / per,
            latency_min_s=min(times[key]['wall']) / per,
            cpu_s=cpu_time / per,
            images_per_s=batch / step_time, achieved_gflops=achieved,
            matmul_gflops=rate['wall'], flop_fraction=achieved / rate['wall'],
            bound_s=gflop / rate['wall'] / per,
            matmul_gflops_cpu=rate['cpu'],
            flop_fraction_cpu=gflop / cpu_time / rate['cpu'],
            peak_mem_mb=memory_mb, mode=mode, batch=batch, shape=list(shape),
            threads=threads, repeat=repeat)
        results.append(record)
    return results
