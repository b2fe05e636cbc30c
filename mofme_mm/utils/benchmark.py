"""Plain functions behind ``tools/analysis/benchmark.py`` and ``scaling.py``.

A benchmark *spec* is ``(name, config_path, overrides)``: the network of the
config (``cfg.model.network`` when the model is a restorer wrapper, else
``cfg.model``) after ``Config.merge_from_dict(overrides)`` with dotted keys.

Method (:func:`mofme_mm.utils.benchmark_runner.run_benchmark`):

* the machine's fp32 matmul rate is measured first (fastest of several square
  products), in the same process and thread setting as the models;
* every network is built and warmed up, then the configs are timed
  round-robin (one step of each per round), so load changes on a shared
  machine hit all of them alike; the median over rounds is reported, with
  the minimum and the median process CPU time (all threads) beside it;
* ``infer``: ``eval()`` + ``torch.inference_mode()``; ``train``: forward,
  L1 loss against a random target plus the weighted aux losses, backward and
  an AdamW step;
* GMACs per image come from :func:`mofme_mm.utils.complexity.model_complexity`
  (the counter behind ``tools/analysis/get_flops.py``: only activated experts,
  ``gmacs`` without and ``gmacs_total`` with the attention products);
* ``flop_fraction = 2 * gmacs_total / latency / matmul_rate``, with the MACs
  tripled in train mode (forward + two backward products);
  ``flop_fraction_cpu`` is the same ratio from process CPU times (the model's
  FLOPs per CPU second over the matmul's), robust to other processes;
* peak memory: see :mod:`mofme_mm.utils.peak_memory`.
"""
import time
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.config import Config, ConfigDict
from torch import nn

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


def matmul_gflops(size: int = 2048, repeat: int = 15,
                  device: str = 'cpu') -> Dict[str, float]:
    """Measure the fp32 rate of a square matrix product.

    The fastest of ``repeat`` products is used: on a shared CPU the slower
    ones measure the other processes (and MKL sometimes runs a product on
    fewer threads than it was given), not what the machine can do.

    Args:
        size (int): Side of the square matrices. Defaults to 2048.
        repeat (int): Timed products. Defaults to 15.
        device (str): Torch device. Defaults to 'cpu'.

    Returns:
        dict: ``wall``: ``2 * size**3 / fastest wall seconds / 1e9`` (GFLOP/s);
        ``cpu``: the same per fastest process CPU second (all threads).
    """
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    times = time_round_robin(dict(mm=lambda: torch.mm(a, b)), repeat, 1,
                             device)['mm']
    return {kind: 2 * size**3 / min(values) / 1e9
            for kind, values in times.items()}


def make_step(network: nn.Module, inputs: torch.Tensor, mode: str,
              aux_weights: Optional[Dict[str, float]] = None) -> Callable[[], None]:
    """Return a closure that runs one inference or one training step.

    Args:
        network (nn.Module): Network returning ``(restored, aux)``.
        inputs (torch.Tensor): Batch ``(B, 3, H, W)`` in [0, 1].
        mode (str): ``'infer'`` or ``'train'``.
        aux_weights (dict, optional): Weight per aux loss name; names not
            listed get weight 1. Defaults to :data:`AUX_LOSS_WEIGHTS`.

    Returns:
        Callable[[], None]: The step.
    """
    if mode == 'infer':
        network.eval()

        def infer_step() -> None:
            with torch.inference_mode():
                network(inputs)

        return infer_step
    if mode != 'train':
        raise ValueError(f'mode must be "infer" or "train", got {mode!r}')
    weights = AUX_LOSS_WEIGHTS if aux_weights is None else aux_weights
    network.train()
    target = torch.rand_like(inputs)
    optimizer = torch.optim.AdamW(network.parameters(), lr=1e-4)

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        restored, aux = network(inputs)
        loss = F.l1_loss(restored, target)
        for name, value in aux.get('losses', {}).items():
            loss = loss + weights.get(name, 1.0) * value
        loss.backward()
        optimizer.step()

    return train_step
