"""Plain functions behind ``tools/analysis/benchmark.py`` and ``scaling.py``.

A benchmark *spec* is ``(name, config_path, overrides)``: the restorer of the
config (``cfg.model``; a config whose model is a bare network gets it wrapped
in a ``DeweatherRestorer``) after ``Config.merge_from_dict(overrides)`` with
dotted keys.

Method (:func:`mofme_mm.analysis.benchmark_runner.run_benchmark`):

* the machine's matmul rate of every precision measured (fp32, bf16, fp16)
  is measured first (fastest of several square ``torch.mm`` products), in
  the same process and thread setting as the models;
* every (config, precision) is built and warmed up, then all are timed
  round-robin (one step of each per round), so load changes on a shared
  machine hit all of them alike; the median over rounds is reported, with
  the minimum and the median process CPU time (all threads) beside it;
* ``infer``: ``restorer.restore`` (``eval()``, ``torch.inference_mode()``,
  ``test_cfg.precision``): one batch of tiles (``test_cfg`` mode 'whole'),
  or with ``frame`` one full frame through the config's own ``test_cfg``
  (tiling, tile batch); ``train``: the network's forward under autocast of
  the precision, L1 loss against a random target plus the weighted aux
  losses, backward and an AdamW step (fp32 master weights, no loss scaling);
* GMACs per image come from :func:`mofme_mm.analysis.complexity.model_complexity`
  (the counter behind ``tools/analysis/get_flops.py``: only activated experts,
  ``gmacs`` without and ``gmacs_total`` with the attention products); a frame
  costs the GMACs of one tile times its tiles;
* ``flop_fraction = 2 * gmacs_total / latency / matmul_rate`` with the rate
  OF THE PRECISION the config ran in, the MACs tripled in train mode
  (forward + two backward products); ``bound_s`` is the latency at the
  matmul rate (``latency_s / bound_s = 1 / flop_fraction``);
  ``flop_fraction_cpu`` is the same ratio from process CPU times (the
  model's FLOPs per CPU second over the matmul's), robust to other
  processes;
* per-stage split: :mod:`mofme_mm.analysis.stage_profile`;
* peak memory: see :mod:`mofme_mm.analysis.peak_memory`.
"""
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from torch import nn

from mofme_mm.models.restorers.precision import DTYPES, precision_autocast

Spec = Tuple[str, str, Dict]
AUX_LOSS_WEIGHTS = dict(loss_balance=1e-2, loss_uncertainty=5e-3)


def load_network_cfg(config: str, overrides: Optional[Dict] = None) -> ConfigDict:
    """Return the network config of ``config`` after applying ``overrides``.

    Args:
        config (str): Path of an mmengine config file.
        overrides (dict, optional): Dotted keys for ``Config.merge_from_dict``,
            e.g. ``{'model.network.ffn_cfg.num_experts': 64}``.

    Returns:
        ConfigDict: ``cfg.model.network`` if the model wraps a network,
        else ``cfg.model``.
    """
    cfg = Config.fromfile(config)
    if overrides:
        cfg.merge_from_dict(overrides)
    model = cfg.get('model')
    if not isinstance(model, dict) or 'type' not in model:
        raise ValueError(f'{config}: no `model` dict with a `type`; the benchmark '
                         'needs `model = dict(type=..., network=dict(...))`.')
    return model['network'] if 'network' in model else model


def network_key(config: str) -> str:
    """Dotted prefix of the network config in ``config`` (for overrides).

    Args:
        config (str): Path of an mmengine config file.

    Returns:
        str: ``'model.network'`` or ``'model'``.
    """
    model = Config.fromfile(config).get('model', {})
    return 'model.network' if 'network' in model else 'model'


def build_network(config: str, overrides: Optional[Dict] = None) -> nn.Module:
    """Build the network of a config from the mofme_mm MODELS registry.

    Args:
        config (str): Path of an mmengine config file.
        overrides (dict, optional): See :func:`load_network_cfg`.

    Returns:
        nn.Module: The network, returning ``(restored, aux)``.
    """
    from mofme_mm.registry import MODELS
    from mofme_mm.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    return MODELS.build(load_network_cfg(config, overrides))


def load_restorer_cfg(config: str,
                      overrides: Optional[Dict] = None) -> ConfigDict:
    """The restorer model dict of ``config`` (a bare network is wrapped).

    Args:
        config (str): Path of an mmengine config file.
        overrides (dict, optional): See :func:`load_network_cfg`.

    Returns:
        ConfigDict: ``cfg.model`` when it wraps a network, else
        ``dict(type='DeweatherRestorer', network=cfg.model)``.
    """
    cfg = Config.fromfile(config)
    if overrides:
        cfg.merge_from_dict(overrides)
    load_network_cfg(config, overrides)  # the same checks and messages
    model = cfg.model
    if 'network' in model:
        return model
    return ConfigDict(type='DeweatherRestorer', network=model)


def build_benchmark_restorer(config: str, overrides: Optional[Dict] = None,
                             precision: str = 'fp32',
                             test_cfg: Optional[Dict] = None) -> nn.Module:
    """Build the restorer of a config (random weights) for timing.

    Args:
        config (str): Path of an mmengine config file.
        overrides (dict, optional): See :func:`load_network_cfg`.
        precision (str): ``test_cfg.precision``. Defaults to 'fp32'.
        test_cfg (dict, optional): Replaces the config's ``test_cfg``
            fields given; None keeps them. Defaults to None.

    Returns:
        nn.Module: The restorer (``restore`` and ``network``).
    """
    from mofme_mm.models.utils import build_restorer
    from mofme_mm.utils import register_all_modules

    register_all_modules(init_default_scope=False)
    restorer = build_restorer(load_restorer_cfg(config, overrides))
    if not hasattr(restorer, 'set_precision'):
        raise TypeError(f'{config}: the model {type(restorer).__name__} has '
                        'no test_cfg; the benchmark needs a DeweatherRestorer.')
    if test_cfg:
        restorer.test_cfg = dict(restorer.test_cfg, **test_cfg)
    restorer.set_precision(precision)
    return restorer


def synchronize(device: str) -> None:
    """Wait for queued kernels on ``device`` (no-op on CPU)."""
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize(device)


def time_round_robin(steps: Dict[str, Callable[[], None]], repeat: int,
                     warmup: int = 1,
                     device: str = 'cpu') -> Dict[str, Dict[str, List[float]]]:
    """Time each step ``repeat`` times, one step of every entry per round.

    Args:
        steps (dict): Name -> step closure.
        repeat (int): Timed rounds.
        warmup (int): Untimed calls of each step first. Defaults to 1.
        device (str): Torch device (for synchronisation). Defaults to 'cpu'.

    Returns:
        dict: Name -> ``dict(wall=[...], cpu=[...])``, ``repeat`` wall-clock
        durations and process CPU times (all threads) in seconds. On a shared
        machine the CPU time is less sensitive to other processes.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: dict(wall=[], cpu=[]) for name in steps}
    for _ in range(repeat):
        for name, step in steps.items():
            synchronize(device)
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            synchronize(device)
            times[name]['wall'].append(time.perf_counter() - start)
            times[name]['cpu'].append(time.process_time() - start_cpu)
    return times


def matmul_gflops(size: int = 2048, repeat: int = 15, device: str = 'cpu',
                  precision: str = 'fp32') -> Dict[str, float]:
    """Measure the rate of a square matrix product in ``precision``.

    The fastest of ``repeat`` products is used: on a shared CPU the slower
    ones measure the other processes (and MKL sometimes runs a product on
    fewer threads than it was given), not what the machine can do.

    Args:
        size (int): Side of the square matrices. Defaults to 2048.
        repeat (int): Timed products. Defaults to 15.
        device (str): Torch device. Defaults to 'cpu'.
        precision (str): 'fp32', 'bf16' or 'fp16' (the operands' dtype).
            Defaults to 'fp32'.

    Returns:
        dict: ``wall``: ``2 * size**3 / fastest wall seconds / 1e9`` (GFLOP/s);
        ``cpu``: the same per fastest process CPU second (all threads).
    """
    a = torch.randn(size, size, device=device, dtype=DTYPES[precision])
    b = torch.randn(size, size, device=device, dtype=DTYPES[precision])
    times = time_round_robin(dict(mm=lambda: torch.mm(a, b)), repeat, 1,
                             device)['mm']
    return {kind: 2 * size**3 / min(values) / 1e9
            for kind, values in times.items()}


def make_step(restorer: nn.Module, inputs: torch.Tensor, mode: str,
              aux_weights: Optional[Dict[str, float]] = None
              ) -> Callable[[], None]:
    """Return a closure that runs one inference or one training step.

    Args:
        restorer (nn.Module): A restorer (``restore``, ``network`` and
            ``test_cfg``, e.g. from :func:`build_benchmark_restorer`).
        inputs (torch.Tensor): Batch ``(B, 3, H, W)`` in [0, 1].
        mode (str): ``'infer'`` (``restore`` as its ``test_cfg`` says) or
            ``'train'`` (the network, under autocast in
            ``test_cfg.precision``).
        aux_weights (dict, optional): Weight per aux loss name; names not
            listed get weight 1. Defaults to :data:`AUX_LOSS_WEIGHTS`.

    Returns:
        Callable[[], None]: The step.
    """
    if mode == 'infer':
        restorer.eval()

        def infer_step() -> None:
            with torch.inference_mode():
                restorer.restore(inputs)

        return infer_step
    if mode != 'train':
        raise ValueError(f'mode must be "infer" or "train", got {mode!r}')
    weights = AUX_LOSS_WEIGHTS if aux_weights is None else aux_weights
    network = restorer.network
    restorer.train()
    target = torch.rand_like(inputs)
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-4)
    precision = restorer.test_cfg['precision']

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with precision_autocast(precision, inputs.device.type):
            restored, aux = network(inputs)
            loss = F.l1_loss(restored.float(), target)
            for name, value in aux.get('losses', {}).items():
                loss = loss + weights.get(name, 1.0) * value
        loss.backward()
        optimizer.step()

    return train_step


def frame_tiles(frame: Sequence[int], test_cfg: Dict) -> int:
    """How many network inputs of ``test_cfg`` one frame of this size needs.

    Args:
        frame (Sequence[int]): ``(H, W)`` of the frame.
        test_cfg (dict): A complete restorer ``test_cfg``.

    Returns:
        int: Tiles per frame (1 for ``mode='whole'``).
    """
    if test_cfg['mode'] == 'whole':
        return 1
    from mofme_mm.models.restorers.tiling import tile_starts

    rows, cols = (len(tile_starts(n, test_cfg['tile_size'],
                                  test_cfg['tile_overlap'])) for n in frame)
    return rows * cols
