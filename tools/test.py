"""Test a deweathering model (mmseg's tools/test.py interface).

Prints the metrics per weather type: PSNR / SSIM for the restored images and
for the un-restored inputs (the identity baseline) of a restoration config,
mIoU / mAcc of a deweathering segmentation config.

The checkpoint is loaded strictly: a key of the model missing from it, a key
it has that the model does not, or a weight of another shape is an error
naming them (``--non-strict`` loads what fits and warns about the rest). A
downstream config whose restorer has no weights (no ``restorer_checkpoint``
and none carried by the checkpoint) is refused.

The options mean what they mean in the tools of the config's library
(its ``default_scope``):

- ``--out DIR``: a restoration config (mofme_mm) saves the restored images
  to ``DIR/<weather>/`` and the metrics to ``DIR/metrics.json``; an mmseg
  config saves the predicted label maps to DIR as mmseg's tools/test.py
  does (``test_evaluator.output_dir``, ``keep_results``); an mmdet config
  takes a ``.pkl`` file for the predictions, as mmdet's does
  (``DumpDetResults``).
- ``--show`` / ``--wait-time`` / ``--show-dir``: the config's visualisation
  hook displays / saves its panels (input | restored | ground truth for a
  restoration config, mmseg's or mmdet's drawings otherwise).
- ``--tta``: test ``cfg.tta_model`` wrapped around ``cfg.model`` on
  ``cfg.tta_pipeline`` (mmseg's meaning; the downstream segmentation configs
  define a multi-scale + flip pipeline that keeps the weather). Restoration
  configs define none: the paper's PSNR / SSIM are single passes.

Example:
    python tools/test.py configs/toy/mofme_raincityscapes_toy.py \\
        work_dirs/mofme_raincityscapes_toy/epoch_30.pth --show-dir vis
"""
import argparse
import json
import numbers
import os.path as osp
from typing import Dict, List, Optional

from mmengine.config import Config, ConfigDict
from mmengine.dist import is_main_process
from mmengine.runner import Runner

import mofme_mm  # noqa: F401  (registers modules, torch.load compat)
from mofme_mm.engine.runner_setup import (
    _data_roots,
    check_data_roots,
    load_config,
    load_model_checkpoint,
    parse_runner_args,
    read_checkpoint,
    setup_cpu_distributed,
    teardown_distributed,
)
from mofme_mm.models.restorers.precision import (
    PRECISIONS,
    set_config_precision,
)
from mofme_mm.registry import RUNNERS
from mofme_mm.utils.atomic_write import atomic_write_bytes
from mofme_mm.utils.package_configs import config_argument


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a deweathering model')
    parser.add_argument('config', type=config_argument,
                        help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='restoration config: directory for the restored images and '
        'metrics.json; mmseg config: directory for the predicted label maps '
        '(as mmseg\'s tools/test.py); mmdet config: .pkl file for the '
        'predictions (as mmdet\'s tools/test.py)')
    parser.add_argument(
        '--show', action='store_true',
        help='display the panels / predictions in a window')
    parser.add_argument(
        '--show-dir',
        help='directory to save input | restored | ground truth panels '
        '(restoration config) or mmseg\'s / mmdet\'s drawings')
    parser.add_argument(
        '--wait-time', type=float, default=2,
        help='seconds each shown image stays (--show; 0: until a key is '
        'pressed)')
    parser.add_argument(
        '--tta', action='store_true',
        help='test time augmentation: cfg.tta_model around the model, on '
        'cfg.tta_pipeline (mmseg\'s meaning)')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='load only the checkpoint weights that fit the model (the rest '
        'keep their initial values; a warning names them). By default a '
        'missing, unexpected or mis-shaped key is an error.')
    parser.add_argument(
        '--precision', choices=PRECISIONS,
        help="autocast precision of the deweathering restorer (its "
        "test_cfg.precision, or the holders' precision in a downstream "
        'config); default: the config\'s (fp32). See docs/deployment.md')
    return parse_runner_args(parser)


FAMILIES = ('mofme_mm', 'mmseg', 'mmdet')


def config_family(cfg: Config) -> str:
    """Whose tool conventions apply to ``cfg``: its ``default_scope``.

    Args:
        cfg (Config): The test config.

    Returns:
        str: ``'mofme_mm'`` (restoration), ``'mmseg'`` or ``'mmdet'``.
    """
    scope = cfg.get('default_scope')
    if scope not in FAMILIES:
        raise ValueError(
            f'{cfg.filename}: default_scope is {scope!r}; tools/test.py '
            f'tests configs whose default_scope is one of {FAMILIES} '
            "(mofme_mm's restoration configs, or mmseg / mmdet configs).")
    return scope


def is_restoration_hook(hook: dict) -> bool:
    return str(hook.get('type', '')).endswith('RestorationVisualizationHook')


def set_output_hook(cfg: Config, show_dir: Optional[str] = None,
                    out: Optional[str] = None, show: bool = False,
                    wait_time: float = 2.) -> None:
    """Point the visualization hook at ``--show-dir``, ``--show``, ``--out``.

    Restoration configs get side-by-side panels (``--show-dir``, ``--show``)
    and the restored images (``--out``) from ``RestorationVisualizationHook``.
    For an mmseg / mmdet visualization hook, ``--show-dir`` and ``--show``
    follow their tools (``draw=True``, ``show``, ``wait_time`` and the
    visualizer's ``save_dir``); their ``--out`` is :func:`set_prediction_out`.

    Args:
        cfg (Config): The test config, changed in place.
        show_dir (str, optional): ``--show-dir``.
        out (str, optional): ``--out`` of a restoration config.
        show (bool): ``--show``.
        wait_time (float): ``--wait-time``.
    """
    hooks = cfg.setdefault('default_hooks', {})
    hook = hooks.get('visualization')
    if hook is None:
        if config_family(cfg) != 'mofme_mm':
            raise KeyError(
                f'{cfg.filename}: --show / --show-dir need a visualization '
                "hook in default_hooks (mmseg: dict(type='SegVisualizationHook"
                "'), mmdet: dict(type='DetVisualizationHook')).")
        hook = dict(type='RestorationVisualizationHook')
    if show or show_dir:
        hook['draw'] = True
    if show:
        hook['show'] = True
        hook['wait_time'] = wait_time
    if is_restoration_hook(hook):
        if show_dir:
            hook['out_dir'] = show_dir
        if out:
            hook['pred_dir'] = out
    elif show_dir:
        cfg.setdefault('visualizer', {})['save_dir'] = show_dir
    hooks['visualization'] = hook


def _test_datasets(node) -> list:
    """The innermost dataset dicts below a dataset config (wrappers such as
    ``MultiWeatherDataset(datasets=[...])`` or ``dataset=...`` opened)."""
    inner = node.get('datasets') or (
        [node['dataset']] if isinstance(node.get('dataset'), dict) else None)
    if not inner:
        return [node]
    return [leaf for child in inner for leaf in _test_datasets(child)]


def apply_tta(cfg: Config) -> None:
    """``--tta``: ``cfg.tta_model`` around the model, on ``cfg.tta_pipeline``.

    As mmseg's tools/test.py; the pipeline replaces that of every dataset
    of ``test_dataloader`` (each dataset of a wrapper).

    Args:
        cfg (Config): The test config, changed in place.

    Raises:
        KeyError: ``tta_model`` or ``tta_pipeline`` is missing; for a
            restoration config the message says why it has none.
    """
    missing = [key for key in ('tta_model', 'tta_pipeline')
               if cfg.get(key) is None]
    if missing:
        if config_family(cfg) == 'mofme_mm':
            raise KeyError(
                f'{cfg.filename}: --tta: restoration configs define no test '
                'time augmentation (the paper\'s and our PSNR / SSIM are '
                'single passes over the tiles). To try one, add tta_model (a '
                'mmengine BaseTTAModel that merges the restored images) and '
                'tta_pipeline to the config.')
        raise KeyError(
            f'{cfg.filename}: --tta needs {" and ".join(missing)} in the '
            'config (mmseg: tta_model = dict(type=\'SegTTAModel\') and a '
            'TestTimeAug pipeline, as in mmseg\'s _base_ configs).')
    for dataset in _test_datasets(cfg.test_dataloader.dataset):
        dataset['pipeline'] = cfg.tta_pipeline
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)


def set_prediction_out(cfg: Config, out: str) -> Optional[str]:
    """``--out`` of a downstream config, as mmseg's / mmdet's tools mean it.

    mmseg: every metric of ``test_evaluator`` gets ``output_dir=out`` and
    ``keep_results=True`` (the label maps are written there). mmdet: ``out``
    must be a ``.pkl`` file, returned to be dumped by ``DumpDetResults``.
    A directory inside a dataset's ``data_root`` is refused: the label maps
    carry the names of the input images.

    Args:
        cfg (Config): The test config, changed in place.
        out (str): ``--out``.

    Returns:
        str | None: The ``.pkl`` file of an mmdet config, else None.
    """
    family = config_family(cfg)
    if family == 'mmdet':
        if not out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out {out!r}: an mmdet config dumps its '
                             'predictions to a .pkl file (as mmdet\'s '
                             'tools/test.py); pass e.g. --out results.pkl')
        return out
    if family != 'mmseg':
        raise ValueError(f'set_prediction_out: {family} config')
    target = osp.realpath(out)
    for key, root in _data_roots(cfg.get('test_dataloader') or {},
                                 'test_dataloader'):
        root = osp.realpath(root)
        if osp.commonpath([target, root]) == root:
            raise ValueError(
                f'--out {out!r} lies inside {key} = {root!r}: the predicted '
                'label maps are named after the input images and could '
                'replace dataset files. Pass a directory outside the data.')
    evaluators = cfg.test_evaluator
    for evaluator in (evaluators if isinstance(evaluators, (list, tuple))
                      else [evaluators]):
        evaluator['output_dir'] = out
        evaluator['keep_results'] = True
    return None


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


def metric_protocols(runner) -> List[str]:
    """The ``protocol_description`` of each test metric that has one.

    ``RestorationMetric`` names how its PSNR / SSIM are computed (the
    paper's protocol or skimage's), so that printed and saved numbers say
    which they are.

    Args:
        runner (Runner): The runner after ``test()``.

    Returns:
        list[str]: One line per metric with a description, in order.
    """
    return [str(metric.protocol_description)
            for metric in runner.test_evaluator.metrics
            if getattr(metric, 'protocol_description', None)]


def main() -> None:
    args = parse_args()
    cfg = load_config(args)
    if args.precision:
        set_config_precision(cfg.model, args.precision)
    family = config_family(cfg)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint!r} does not exist; pass a .pth file '
            'written by tools/train.py (e.g. work_dirs/<config>/epoch_N.pth).')
    checkpoint = read_checkpoint(args.checkpoint)  # a bad file fails here
    # mmengine would load `load_from` with strict=False: load it ourselves
    cfg.load_from = None
    restored_out = args.out if family == 'mofme_mm' else None
    if args.show or args.show_dir or restored_out:
        set_output_hook(cfg, args.show_dir, restored_out, args.show,
                        args.wait_time)
    if args.tta:
        apply_tta(cfg)
    dump_file = None
    if args.out and family != 'mofme_mm':
        dump_file = set_prediction_out(cfg, args.out)

    check_data_roots(cfg, ['test_dataloader'])
    setup_cpu_distributed(cfg, args.launcher)

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    if dump_file is not None:
        from mmdet.evaluation import DumpDetResults
        runner.test_evaluator.metrics.append(
            DumpDetResults(out_file_path=dump_file))
    load_model_checkpoint(runner, args.checkpoint, not args.non_strict,
                          checkpoint)
    metrics = runner.test()

    if is_main_process():
        protocols = metric_protocols(runner)
        for protocol in protocols:
            print(f'metric protocol: {protocol}')
        print('\n' + format_metrics(metrics))
        if restored_out:
            values = {k: float(v) for k, v in metrics.items()
                      if isinstance(v, numbers.Real)}
            if protocols:
                values['protocol'] = '; '.join(protocols)
            atomic_write_bytes(osp.join(restored_out, 'metrics.json'),
                               json.dumps(values, indent=2).encode())
    teardown_distributed()


if __name__ == '__main__':
    main()
