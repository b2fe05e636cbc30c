"""Test a deweathering model (mmseg's tools/test.py interface).

Prints the metrics per weather type: PSNR / SSIM for the restored images and
for the un-restored inputs (the identity baseline) of a restoration config,
mIoU / mAcc of a deweathering segmentation config.

The checkpoint is loaded strictly: a key of the model missing from it, a key
it has that the model does not, or a weight of another shape is an error
naming them (``--non-strict`` loads what fits and warns about the rest). A
downstream config whose restorer has no weights (no ``restorer_checkpoint``
and none carried by the checkpoint) is refused.

Example:
    python tools/test.py configs/toy/mofme_raincityscapes_toy.py \\
        work_dirs/mofme_raincityscapes_toy/epoch_30.pth --show-dir vis
"""
import argparse
import json
import numbers
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.runner import Runner

import mofme_mm  # noqa: F401  (registers modules, torch.load compat)
from mofme_mm.engine.runner_setup import (
    check_data_roots,
    load_config,
    load_model_checkpoint,
    parse_runner_args,
    read_checkpoint,
    setup_cpu_distributed,
    teardown_distributed,
)
from mofme_mm.registry import RUNNERS
from mofme_mm.utils.atomic_write import atomic_write_bytes


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a deweathering model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='directory to save the restored images and metrics.json')
    parser.add_argument(
        '--show-dir',
        help='directory to save input | restored | ground truth panels')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='load only the checkpoint weights that fit the model (the rest '
        'keep their initial values; a warning names them). By default a '
        'missing, unexpected or mis-shaped key is an error.')
    return parse_runner_args(parser)


def set_output_hook(cfg: Config, show_dir: Optional[str] = None,
                    out: Optional[str] = None) -> None:
    """Point the visualization hook at ``--show-dir`` and ``--out``.

    Restoration configs get side-by-side panels (``--show-dir``) and the
    restored images (``--out``) from ``RestorationVisualizationHook``. For an
    mmseg / mmdet visualization hook, ``--show-dir`` follows their tools
    (``draw=True`` and the visualizer's ``save_dir``).
    """
    hooks = cfg.setdefault('default_hooks', {})
    hook = hooks.get('visualization') or dict(
        type='RestorationVisualizationHook')
    if not str(hook.get('type', '')).endswith('RestorationVisualizationHook'):
        if out:
            raise ValueError(
                '--out saves restored images of a restoration config; this '
                f"config's visualization hook is {hook.get('type')!r}. Use "
                '--show-dir, or --cfg-options test_evaluator.output_dir=DIR '
                'for the predictions of an mmseg metric.')
        hook['draw'] = True
        cfg.setdefault('visualizer', {})['save_dir'] = show_dir
    else:
        if show_dir:
            hook['draw'] = True
            hook['out_dir'] = show_dir
        if out:
            hook['pred_dir'] = out
    hooks['visualization'] = hook


METRIC_ORDER = ('PSNR', 'SSIM', 'input_PSNR', 'input_SSIM', 'aAcc', 'mIoU',
                'mAcc')


def format_metrics(metrics: Dict[str, float]) -> str:
    """Table of the metrics, one row per weather (``rain/PSNR`` -> rain).

    Restoration runs show restored vs. input PSNR / SSIM, segmentation runs
    aAcc / mIoU / mAcc; other metrics follow in name order.

    Args:
        metrics (dict): Keys like ``PSNR``, ``input_SSIM``, ``rain/mIoU``.

    Returns:
        str: A plain-text table.
    """
    groups = {}
    for key, value in metrics.items():
        if not isinstance(value, numbers.Real):  # e.g. mmdet's copypaste str
            continue
        group, _, name = key.rpartition('/')
        groups.setdefault(group or 'all', {})[name] = value
    names = {name for values in groups.values() for name in values}
    columns = [c for c in METRIC_ORDER if c in names] + sorted(
        names - set(METRIC_ORDER))
    rows = [f"{'weather':<12}" + ''.join(f'{c:>12}' for c in columns)]
    for group in sorted(groups, key=lambda g: (g == 'all', g)):
        values = groups[group]
        cells = ''.join(
            f'{float(values[c]):>12.4f}' if c in values else f"{'-':>12}"
            for c in columns)
        rows.append(f'{group:<12}{cells}')
    return '\n'.join(rows)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint!r} does not exist; pass a .pth file '
            'written by tools/train.py (e.g. work_dirs/<config>/epoch_N.pth).')
    checkpoint = read_checkpoint(args.checkpoint)  # a bad file fails here
    # mmengine would load `load_from` with strict=False: load it ourselves
    cfg.load_from = None
    if args.show_dir or args.out:
        set_output_hook(cfg, args.show_dir, args.out)

    check_data_roots(cfg, ['test_dataloader'])
    setup_cpu_distributed(cfg, args.launcher)

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    load_model_checkpoint(runner, args.checkpoint, not args.non_strict,
                          checkpoint)
    metrics = runner.test()

    if is_main_process():
        print('\n' + format_metrics(metrics))
        if args.out:
            values = {k: float(v) for k, v in metrics.items()
                      if isinstance(v, numbers.Real)}
            atomic_write_bytes(osp.join(args.out, 'metrics.json'),
                               json.dumps(values, indent=2).encode())
    teardown_distributed()


if __name__ == '__main__':
    main()
