"""Config fix-ups that tools/train.py and tools/test.py apply before running.

- CPU distributed runs: mmengine 0.10.7 calls ``torch.cuda.set_device`` in
  ``init_dist`` and wraps models in DDP with ``device_ids=[LOCAL_RANK]``, both
  of which fail without CUDA. :func:`setup_cpu_distributed` starts the gloo
  process group itself (mmengine then skips ``init_dist``) and asks for a DDP
  wrapper without ``device_ids``.
- Missing data: :func:`check_data_roots` names every missing ``data_root`` in
  the dataloaders with the exact ``--cfg-options`` key to point it elsewhere.
"""
import os
import os.path as osp
from typing import Iterator, List, Tuple

import torch
import torch.distributed as dist

TOY_HINT = (
    'To try the pipeline without the real data, make the toy dataset with '
    '`python tools/dataset_converters/make_toy_cityscapes.py --out '
    'data/toy_cityscapes` and train configs/toy/mofme_raincityscapes_toy.py.')


def setup_cpu_distributed(cfg, launcher: str) -> bool:
    """Prepare ``cfg`` for a gloo DDP run when CUDA is not available.

    Args:
        cfg (Config): The run's config, changed in place.
        launcher (str): ``'none'``, ``'pytorch'`` or ``'slurm'``.

    Returns:
        bool: True when the CPU distributed setup was applied.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise ValueError(
            f'--launcher {launcher} needs CUDA; on CPU-only machines start '
            'the processes with torchrun (tools/dist_train.sh) and '
            '--launcher pytorch.')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    return True


def _data_roots(node, key: str) -> Iterator[Tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get('data_root'), str):
            yield f'{key}.data_root', node['data_root']
        for name, value in node.items():
            if name in ('dataset', 'datasets'):
                yield from _data_roots(value, f'{key}.{name}')
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _data_roots(value, f'{key}.{index}')


def missing_data_roots(cfg, loaders=('train_dataloader', 'val_dataloader',
                                     'test_dataloader')) -> List[Tuple[str,
                                                                       str]]:
    """``(config key, path)`` of every dataset ``data_root`` that is missing.

    Args:
        cfg (Config): The run's config.
        loaders (Sequence[str]): Dataloader fields to inspect.

    Returns:
        list[tuple[str, str]]: Missing roots with their dotted config keys.
    """
    missing = []
    for loader in loaders:
        if cfg.get(loader) is None:
            continue
        for key, root in _data_roots(cfg[loader], loader):
            if not osp.isdir(root):
                missing.append((key, root))
    return missing


def check_data_roots(cfg, loaders=('train_dataloader', 'val_dataloader',
                                   'test_dataloader')) -> None:
    """Raise a helpful ``FileNotFoundError`` when a ``data_root`` is missing.

    Args:
        cfg (Config): The run's config.
        loaders (Sequence[str]): Dataloader fields to inspect.
    """
    missing = missing_data_roots(cfg, loaders)
    if not missing:
        return
    lines = '\n'.join(f'  {key} = {root!r}' for key, root in missing)
    options = ' '.join(f'{key}=/path/to/data' for key, _ in missing)
    raise FileNotFoundError(
        f'These dataset folders do not exist (cwd: {os.getcwd()}):\n{lines}\n'
        'Put the data there (see docs on the dataset layouts), or point the '
        f'config elsewhere with\n  --cfg-options {options}\n{TOY_HINT}')
