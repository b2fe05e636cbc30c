"""Config fix-ups that tools/train.py and tools/test.py apply before running.

- CPU distributed runs: mmengine 0.10.7 calls ``torch.cuda.set_device`` in
  ``init_dist`` and wraps models in DDP with ``device_ids=[LOCAL_RANK]``, both
  of which fail without CUDA. :func:`setup_cpu_distributed` starts the gloo
  process group itself (mmengine then skips ``init_dist``) and asks for a DDP
  wrapper without ``device_ids``.
- Missing data: :func:`check_data_roots` names every missing ``data_root`` in
  the dataloaders with the exact ``--cfg-options`` key to point it elsewhere.
- Shared command line: :func:`parse_runner_args` adds the ``--cfg-options`` /
  ``--launcher`` / ``--local-rank`` arguments both tools take, and
  :func:`load_config` reads the config and applies them and ``--work-dir``.
"""
import argparse
import os
import os.path as osp
from typing import Iterator, List, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

TOY_HINT = (
    'To try the pipeline without the real data, make the toy dataset with '
    '`python tools/dataset_converters/make_toy_cityscapes.py --out '
    'data/toy_cityscapes` and train configs/toy/mofme_raincityscapes_toy.py.')


def parse_runner_args(
        parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Add the arguments shared by the tools, parse, and set ``LOCAL_RANK``.

    Args:
        parser (ArgumentParser): The tool's parser with its own arguments
            (which must include ``config`` and ``--work-dir``).

    Returns:
        Namespace: The parsed arguments.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='job launcher')
    # torchrun passes --local-rank (torch >= 2.0) or sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the launcher, options and work dir.

    Args:
        args (Namespace): Arguments from :func:`parse_runner_args`.

    Returns:
        Config: The config, with ``work_dir`` defaulting to
        ``./work_dirs/<config name>``.
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


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


def teardown_distributed() -> None:
    """Leave the process group before the interpreter exits.

    gloo's background threads still running at interpreter shutdown make
    a rank abort ("terminate called without an active exception") after a
    successful run; destroying the group first avoids that.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


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
