"""Where a restoration network spends its time: per-stage wall-clock split.

The stages of :class:`~mofme_mm.models.backbones.MoFMEViT` are named by its
sub-modules (:data:`STAGES`): ``conv head`` (conv head, patch embedding and
its norm), ``attention`` (pre-norm and self-attention of every block),
``experts`` (the whole FFN slot of every block: router, dispatch, expert
products and combine; the dense FFN of a ViT), ``conv tail`` (tokens to
image, head skip, conv tail) and ``other`` (the rest: padding, residual
adds, reshapes, the restorer around the network). Forward pre- and
post-hooks time each stage module; on CUDA they synchronise first, which
costs a little overlap.
"""
import re
import time
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List

import torch
from torch import nn

#: Stage name -> patterns of the network's module names (``re.fullmatch``).
STAGES = {
    'conv head': [r'head', r'patch_embed', r'embed_norm'],
    'attention': [r'blocks\.\d+\.norm', r'blocks\.\d+\.attn'],
    'experts': [r'blocks\.\d+\.ffn'],
    'conv tail': [r'to_image', r'head_skip', r'tail'],
}
STAGE_NAMES = list(STAGES) + ['other']


def stage_modules(network: nn.Module) -> Dict[str, List[nn.Module]]:
    """The modules of ``network`` that make up each stage of :data:`STAGES`.

    Args:
        network (nn.Module): A restoration network (for a restorer, its
            ``network``).

    Returns:
        dict[str, list[nn.Module]]: Stage -> modules (empty where the
        network has none).
    """
    found = {stage: [] for stage in STAGES}
    for name, module in network.named_modules():
        for stage, patterns in STAGES.items():
            if any(re.fullmatch(p, name) for p in patterns):
                found[stage].append(module)
    return found


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


@contextmanager
def timing_stages(network: nn.Module,
                  device: torch.device) -> Iterator[Dict[str, float]]:
    """Accumulate the seconds spent in each stage while the block runs.

    Args:
        network (nn.Module): The network whose stage modules are timed.
        device (torch.device): Its device (CUDA is synchronised).

    Yields:
        dict[str, float]: Stage -> seconds, filled as modules run.
    """
    seconds = {stage: 0.0 for stage in STAGES}
    handles, starts = [], {}
    for stage, modules in stage_modules(network).items():
        for module in modules:

            def pre(module, args):
                _sync(device)
                starts[id(module)] = time.perf_counter()

            def post(module, args, output, stage=stage):
                _sync(device)
                seconds[stage] += time.perf_counter() - starts.pop(id(module))

            handles.append(module.register_forward_pre_hook(pre))
            handles.append(module.register_forward_hook(post))
    try:
        yield seconds
    finally:
        for handle in handles:
            handle.remove()


def stage_split(network: nn.Module, step: Callable[[], None], repeat: int = 3,
                device: str = 'cpu') -> Dict[str, float]:
    """Seconds per stage of one call of ``step`` (the fastest of ``repeat``).

    Args:
        network (nn.Module): The network that ``step`` runs.
        step (Callable): One inference (or training) step.
        repeat (int): Timed calls; per stage the smallest time is kept, and
            ``other`` is the fastest total minus the stage sum. Defaults to 3.
        device (str): Torch device. Defaults to 'cpu'.

    Returns:
        dict[str, float]: Stage (:data:`STAGE_NAMES`) -> seconds, plus
        ``total``.
    """
    device = torch.device(device)
    runs = []
    for _ in range(repeat):
        with timing_stages(network, device) as seconds:
            _sync(device)
            start = time.perf_counter()
            step()
            _sync(device)
            total = time.perf_counter() - start
        runs.append(dict(seconds, total=total))
    best = {stage: min(run[stage] for run in runs) for stage in STAGES}
    total = min(run['total'] for run in runs)
    best['other'] = max(total - sum(best.values()), 0.0)
    best['total'] = total
    return best


def op_table(step: Callable[[], None], rows: int = 15,
             device: str = 'cpu') -> str:
    """``torch.profiler`` table of the ops of one call of ``step``.

    Args:
        step (Callable): The step to profile (warmed up by the caller).
        rows (int): Most expensive ops listed. Defaults to 15.
        device (str): Torch device; CUDA adds the kernels' time.
            Defaults to 'cpu'.

    Returns:
        str: The table, sorted by self time.
    """
    activities = [torch.profiler.ProfilerActivity.CPU]
    sort_by = 'self_cpu_time_total'
    if torch.device(device).type == 'cuda':
        activities.append(torch.profiler.ProfilerActivity.CUDA)
        sort_by = 'self_cuda_time_total'
    with torch.profiler.profile(activities=activities) as prof:
        step()
        _sync(torch.device(device))
    return prof.key_averages().table(sort_by=sort_by, row_limit=rows)
