"""The paper's Table 1 ablation: variants, and mean +- std over seeds.

Used by ``tools/analysis/ablation_table1.py``.
"""
import copy
from typing import Dict, Sequence

import numpy as np

# name -> (ffn type, router type); experts and top-k come from the base config
TABLE1_VARIANTS: Dict[str, tuple] = {
    'ViT': ('dense', 'topk'),
    'MoE': ('moe', 'topk'),
    'MoE+FME': ('fme', 'topk'),
    'MoE+UaR': ('moe', 'uar'),
    'MoFME': ('fme', 'uar'),
}
TABLE1_KEYS = ('PSNR', 'SSIM')


def variant_network(network: dict, variant: str) -> dict:
    """``network`` (a MoFMEViT config) turned into a Table 1 variant.

    Args:
        network (dict): The base network config (its ``ffn_cfg`` gives the
            number of experts and top-k of the expert variants).
        variant (str): A key of :data:`TABLE1_VARIANTS`.

    Returns:
        dict: A new network config.
    """
    if variant not in TABLE1_VARIANTS:
        raise ValueError(f'unknown Table 1 variant {variant!r}; choose from '
                         f'{list(TABLE1_VARIANTS)}')
    ffn, router = TABLE1_VARIANTS[variant]
    net = copy.deepcopy(dict(network))
    base_ffn = dict(net.get('ffn_cfg') or {})
    if ffn == 'dense':
        net['ffn_cfg'] = dict(type='dense')
        net['router_cfg'] = None
    else:
        net['ffn_cfg'] = dict(type=ffn,
                              num_experts=base_ffn.get('num_experts', 4),
                              top_k=base_ffn.get('top_k', 2))
        base_router = dict(net.get('router_cfg') or {})
        net['router_cfg'] = (dict(base_router, type='uar')
                             if router == 'uar' else dict(type='topk'))
    return net


def mean_std_table(runs: Sequence[dict], weathers: Sequence[str],
                   variants: Sequence[str]) -> Dict[str, dict]:
    """Mean and standard deviation over seeds of each variant's metrics.

    Args:
        runs (Sequence[dict]): One per (variant, seed):
            ``dict(variant=..., seed=..., metrics={'rain/PSNR': ...})``.
        weathers (Sequence[str]): E.g. ``('rain', 'fog')``.
        variants (Sequence[str]): Row order.

    Returns:
        dict: variant -> ``{'rain/PSNR': (mean, std, n), ...}`` (population
        std, ``ddof=0``).
    """
    table: Dict[str, dict] = {}
    for variant in variants:
        rows = [r['metrics'] for r in runs if r['variant'] == variant]
        cells = {}
        for weather in weathers:
            for key in TABLE1_KEYS:
                name = f'{weather}/{key}'
                values = np.asarray([row[name] for row in rows
                                     if name in row], dtype=np.float64)
                if values.size:
                    cells[name] = (float(values.mean()), float(values.std()),
                                   int(values.size))
        table[variant] = cells
    return table


def markdown_table(table: Dict[str, dict], weathers: Sequence[str]) -> str:
    """The mean +- std table as Markdown, one row per variant."""
    names = [f'{w}/{k}' for w in weathers for k in TABLE1_KEYS]
    lines = ['| variant | ' + ' | '.join(names) + ' |',
             '|---|' + '---|' * len(names)]
    for variant, cells in table.items():
        text = []
        for name in names:
            if name not in cells:
                text.append('-')
                continue
            mean, std, _ = cells[name]
            digits = 2 if name.endswith('PSNR') else 4
            text.append(f'{mean:.{digits}f} +- {std:.{digits}f}')
        lines.append(f'| {variant} | ' + ' | '.join(text) + ' |')
    return '\n'.join(lines)


def set_epoch_budget(cfg, epochs: int, seed: int) -> None:
    """Train ``cfg`` (a restorer config) for ``epochs``: 5% linear warm-up,
    cosine to 1e-5, no validation, one checkpoint at the end (the schedule
    of ``tools/demo.py``), with ``seed``.

    Args:
        cfg (Config): Modified in place.
        epochs (int): >= 2.
        seed (int): ``randomness.seed``.
    """
    if epochs < 2:
        raise ValueError(f'--epochs must be >= 2, got {epochs}')
    warmup = min(max(1, epochs // 20), epochs - 1)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0,
             end=warmup, convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', T_max=epochs - warmup, eta_min=1e-5,
             by_epoch=True, begin=warmup, end=epochs,
             convert_to_iter_based=True)
    ]
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=epochs,
                         val_interval=epochs + 1)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=True, interval=epochs,
        max_keep_ckpts=1)
    cfg.randomness = dict(seed=seed)
