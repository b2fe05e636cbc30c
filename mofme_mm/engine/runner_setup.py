"""Config fix-ups that tools/train.py and tools/test.py apply before running.

- CPU distributed runs: mmengine 0.10.7 calls ``torch.cuda.set_device`` in
  ``init_dist`` and wraps models in DDP with ``device_ids=[LOCAL_RANK]``, both
  of which fail without CUDA. :func:`setup_cpu_distributed` starts the gloo
  process group itself (mmengine then skips ``init_dist``) and asks for a DDP
  wrapper without ``device_ids``.
- Missing data: :func:`check_data_roots` names every missing ``data_root`` in
  the dataloaders, the option that points them all elsewhere and
  docs/datasets.md.
- Shared command line: :func:`parse_runner_args` adds the ``--cfg-options`` /
  ``--launcher`` / ``--local-rank`` arguments both tools take, and
  :func:`load_config` reads the config and applies them and ``--work-dir``.
  :func:`apply_cfg_options` is stricter than mmengine's ``merge_from_dict``:
  an undotted key sets EVERY field of that name in the config
  (``data_root=X`` points every dataset at X, ``restorer_checkpoint=X``
  every restorer holder), and an option that reaches nothing is an error
  (mmengine would add an unused key and run with the old values).
- Strict weights: :func:`load_model_checkpoint` loads the checkpoint that
  tools/test.py evaluates with every key matched (mmengine's ``load_from``
  is not strict).
"""
import argparse
import difflib
import logging
import os
import os.path as osp
from typing import Any, Iterator, List, Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper

from mofme_mm.models.utils import load_state_dict_checked, state_dict_of

DATASET_DOCS = 'docs/datasets.md'
# Top-level fields mmengine's Runner (and the tools) read themselves: an
# undotted option sets these at the top level only, as mmengine does.
RUNNER_FIELDS = frozenset((
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'runner_type', 'model_wrapper_cfg', 'find_unused_parameters', 'compile',
    'strategy', 'tta_model', 'tta_pipeline'))

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
        help='override settings of the config, as key=value pairs. A dotted '
        'key (model.test_cfg.tile_size=128) sets that field; its parent must '
        'exist. An undotted key sets EVERY field of that name in the config: '
        'data_root=DIR points every dataset at DIR, restorer_checkpoint=PTH '
        'gives every restorer its checkpoint (mmseg/mmdet tools/*.py do not '
        'do this; use dotted keys there). A key the config does not have is '
        'an error. Lists: key="[a,b]" or key=a,b; nested: key="[(a,b),(c,d)]" '
        '(quotes needed, no white space).')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (slurm and mpi need CUDA, as in mmengine; on '
        'CPU use torchrun with --launcher pytorch)')
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
        apply_cfg_options(cfg, args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def _fields(node: Any, path: str = '') -> Iterator[Tuple[str, dict, str]]:
    """``(dotted path, container, name)`` of every dict field below ``node``."""
    if isinstance(node, dict):
        for name, value in node.items():
            here = f'{path}.{name}' if path else str(name)
            yield here, node, name
            yield from _fields(value, here)
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from _fields(value, f'{path}.{index}')


def _same_valued(cfg_dict: dict, value: Any, name: str) -> List[str]:
    """Fields not named ``name`` that hold ``value`` (a substituted
    variable?); trivial values (None, booleans, 0, 1) are skipped."""
    if value is None or isinstance(value, bool) or (
            isinstance(value, (int, float)) and value in (0, 1)):
        return []
    return [path for path, node, field in _fields(cfg_dict)
            if field != name and '.' in path and _equal(node[field], value)]


def _equal(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001  (exotic values: not equal)
        return False


def _set_everywhere(cfg: Config, key: str, value: Any) -> None:
    """Apply an undotted ``--cfg-options key=value``."""
    cfg_dict = cfg._cfg_dict
    if key in RUNNER_FIELDS:  # mmengine's meaning: the top-level field
        cfg_dict[key] = value
        return
    nested = [(path, node) for path, node, name in _fields(cfg_dict)
              if name == key and '.' in path]
    old = cfg_dict.get(key)
    if not nested:
        if key in cfg_dict:
            users = _same_valued(cfg_dict, old, key)
            raise KeyError(
                f'--cfg-options {key}=...: "{key}" is a variable of the '
                'config that no field of that name uses (its value was '
                'substituted where the config was written), so setting it '
                'would change nothing. '
                + (f'Fields that hold its value: {", ".join(users)}; set '
                   'them with dotted keys.' if users else
                   'Set the field you mean with a dotted key.'))
        names = {name for _, _, name in _fields(cfg_dict)}
        close = difflib.get_close_matches(key, sorted(map(str, names)), n=5,
                                          cutoff=0.6)
        raise KeyError(
            f'--cfg-options {key}=...: the config has no field named '
            f'"{key}" anywhere'
            + (f'; close names: {", ".join(close)}.' if close else '.'))
    if key in cfg_dict:
        nested.insert(0, (key, cfg_dict))
    for _, node in nested:
        node[key] = value
    paths = [path for path, _ in nested]
    print_log(f'--cfg-options {key}={value!r} set {len(paths)} field(s): '
              f'{", ".join(paths)}', logger='current', level=logging.INFO)
    untouched = _same_valued(cfg_dict, old, key) if key in cfg_dict else []
    if untouched:
        print_log(
            f'--cfg-options {key}: these fields held the old value {old!r} '
            f'of "{key}" under other names and were NOT changed: '
            f'{", ".join(untouched)}', logger='current',
            level=logging.WARNING)


def _check_parent(cfg: Config, key: str) -> None:
    """Raise ``KeyError`` when the parent of a dotted key does not exist."""
    node: Any = cfg._cfg_dict
    parts = key.split('.')
    for depth, part in enumerate(parts):
        here = '.'.join(parts[:depth + 1])
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part in node:
                node = node[part]
                continue
            if last:
                return  # a new field of an existing dict
            close = difflib.get_close_matches(part, sorted(map(str, node)),
                                              n=5, cutoff=0.6)
            raise KeyError(
                f'--cfg-options {key}=...: the config has no {here} '
                f'(fields there: {", ".join(sorted(map(str, node)))})'
                + (f'; did you mean {", ".join(close)}?' if close else '.'))
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise KeyError(
                    f'--cfg-options {key}=...: '
                    f'{".".join(parts[:depth])} is a list of {len(node)}; '
                    f'use an index 0..{len(node) - 1} instead of {part!r}.')
            node = node[int(part)]
            continue
        raise KeyError(
            f'--cfg-options {key}=...: {".".join(parts[:depth])} is '
            f'{node!r}, not a dict, so it has no field {part!r}.')


def apply_cfg_options(cfg: Config, options: dict) -> None:
    """Apply ``--cfg-options`` to ``cfg``, refusing options that reach
    nothing.

    Undotted keys first: one that names a field the Runner reads
    (``load_from``, ``work_dir``, ``train_cfg``...) sets that top-level
    field; any other sets every field of that name in the config (the
    top-level variable too), e.g. ``data_root`` in every dataset; fields
    that held the variable's old value under another name are reported.
    A name the config does not use is an error listing close names. Then
    dotted keys, as mmengine's ``merge_from_dict`` (list indices allowed),
    after checking that the parent of each exists.

    Args:
        cfg (Config): The config, changed in place.
        options (dict): ``{key: value}`` from ``DictAction``.
    """
    for key, value in options.items():
        if '.' not in key:
            _set_everywhere(cfg, key, value)
    for key, value in options.items():
        if '.' in key:
            _check_parent(cfg, key)
            cfg.merge_from_dict({key: value})


def read_checkpoint(filename: str) -> dict:
    """Read a checkpoint file on the CPU (mmengine's loaders, so any URI).

    Args:
        filename (str): The checkpoint.

    Returns:
        dict: Its content; a file that is not a checkpoint raises with one
        line naming it.
    """
    from mmengine.runner import CheckpointLoader
    return CheckpointLoader.load_checkpoint(filename, map_location='cpu')


def load_model_checkpoint(runner, filename: str, strict: bool = True,
                          checkpoint: Optional[dict] = None) -> None:
    """Load ``filename`` into the runner's model, every key matched.

    As mmengine's ``Runner.load_checkpoint`` (``after_load_checkpoint``
    hooks, DDP's ``module.`` prefix, the model inside a TTA model), but
    strict by default: missing, unexpected or mis-shaped keys raise
    ``WeightLoadingError`` naming them.
    The model's own load hooks apply (a restorer with its own checkpoint is
    not "missing" from a plain segmentor checkpoint).

    Args:
        runner (Runner): A built runner.
        filename (str): The checkpoint.
        strict (bool): False loads what fits and warns about the rest.
            Defaults to True.
        checkpoint (dict, optional): The file's content when already read
            (tools/test.py reads it before building the runner, so that a
            bad file fails at once). Defaults to None: read ``filename``.
    """
    if checkpoint is None:
        checkpoint = read_checkpoint(filename)
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    model = runner.model
    # DDP's module; the segmentor inside a TTA model (tools/test.py --tta)
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    load_state_dict_checked(
        model, state_dict_of(checkpoint, filename), filename, strict=strict,
        hint='Test with the config the checkpoint was trained with, or pass '
        '--non-strict to load only the weights that fit.')
    print_log(f'Loaded checkpoint {filename} '
              f'({"strict" if strict else "non-strict"})', logger='current')


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
        A root with a URI scheme (``s3://``, ``petrel://``...) is read
        through ``mmengine.fileio`` backends and not checked here.
    """
    missing = []
    for loader in loaders:
        if cfg.get(loader) is None:
            continue
        for key, root in _data_roots(cfg[loader], loader):
            if '://' not in root and not osp.isdir(root):
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
        f'Put the data there (layouts and converters: {DATASET_DOCS}), or '
        'point every dataset of the config elsewhere with\n'
        '  --cfg-options data_root=/path/to/data\n'
        '(tools/train.py, tools/test.py; with mmseg\'s or mmdet\'s own tools '
        f'set each key: --cfg-options {options})\n{TOY_HINT}')
