"""Browse a paired dataset as the model sees it (mmseg's browse_dataset).

Runs the config's dataset with its pipeline (crops, flips and rotations
included) and draws every sample with the config's
:class:`~mofme_mm.visualization.RestorationVisualizer`: the weathered input
and its clean ground truth side by side, the weather in the title. Panels
are shown in a window (``--show-interval`` seconds each) and / or written to
``--output-dir/<weather>/<image stem>.png`` (atomically; never over an input
file). The printed count is the number of panels written.

Examples:
    python tools/misc/browse_dataset.py configs/mofme_raincityscapes.py \\
        --output-dir browse/ --not-show --max-samples 20
    python tools/misc/browse_dataset.py configs/toy/mofme_raincityscapes_toy.py \\
        --split val --cfg-options data_root=data/toy_cityscapes
"""
import argparse
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmengine.utils import ProgressBar

import mofme_mm  # noqa: F401  (registers the modules)
from mofme_mm.engine.hooks.restoration_visualization_hook import panel_path
from mofme_mm.engine.runner_setup import apply_cfg_options
from mofme_mm.registry import DATASETS, VISUALIZERS
from mofme_mm.structures import RestorationDataSample
from mofme_mm.utils.package_configs import config_argument
from mofme_mm.visualization import RestorationVisualizer


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Browse a paired (weathered, clean) dataset')
    parser.add_argument('config', type=config_argument,
                        help='config file path')
    parser.add_argument('--split', choices=('train', 'val', 'test'),
                        default='train',
                        help='the dataloader whose dataset is browsed '
                        '(default: train)')
    parser.add_argument('--output-dir', default=None,
                        help='write the panels there (e.g. without a '
                        'display)')
    parser.add_argument('--not-show', action='store_true',
                        help='do not show the panels in a window')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each shown panel stays (default: 2)')
    parser.add_argument('--max-samples', type=int, default=None,
                        help='browse only the first N samples')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. data_root=data/toy_cityscapes '
        '(sets every dataset\'s data_root)')
    args = parser.parse_args(argv)
    if args.not_show and args.output_dir is None:
        parser.error('nothing to do: give --output-dir, or drop --not-show')
    if args.max_samples is not None and args.max_samples < 1:
        parser.error(f'--max-samples must be >= 1, got {args.max_samples}')
    return args


def display_pair(item: dict) -> Tuple[np.ndarray, RestorationDataSample]:
    """The input as RGB uint8 and the sample with an RGB [0, 1] ground truth.

    Args:
        item (dict): One pipeline output of :class:`PackRestorationInputs`:
            ``inputs`` and ``gt_img`` are ``(3, H, W)`` BGR, uint8 or float
            in [0, 255], as loaded.

    Returns:
        tuple: ``(image, data_sample)`` as
        :meth:`RestorationVisualizer.add_datasample` takes them.
    """
    inputs = item['inputs']
    image = inputs.flip(0).permute(1, 2, 0).float().clamp(0, 255).round()
    sample = item['data_samples']
    shown = RestorationDataSample(metainfo=sample.metainfo)
    if 'gt_img' in sample:
        gt = sample.gt_img.data.flip(0).float() / 255
        shown.gt_img = PixelData(data=gt)
    return image.to(torch.uint8).numpy(), shown


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        apply_cfg_options(cfg, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mofme_mm'))
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader or 'dataset' not in loader:
        raise KeyError(f'{args.config} has no {args.split}_dataloader.dataset'
                       ' to browse; pick another --split.')
    dataset = DATASETS.build(loader.dataset)
    visualizer = VISUALIZERS.build(cfg.visualizer)
    if not isinstance(visualizer, RestorationVisualizer):
        raise TypeError(
            f'{args.config}: visualizer is a {type(visualizer).__name__}; '
            "browse_dataset needs visualizer = dict(type='RestorationVisualizer'"
            ', ...) (configs/_base_/default_runtime.py has it).')
    count = len(dataset) if args.max_samples is None else min(
        args.max_samples, len(dataset))
    written, sources = 0, {}
    progress = ProgressBar(count)
    for index in range(count):
        image, sample = display_pair(dataset[index])
        out_file = None
        if args.output_dir is not None:
            out_file = panel_path(args.output_dir, sample.metainfo, index)
            source = sample.metainfo.get('img_path', f'sample {index}')
            if out_file in sources:
                raise ValueError(
                    f'{source} and {sources[out_file]} would both be drawn to '
                    f'{out_file} (same weather and file name); browse them '
                    'with separate --output-dir runs.')
            sources[out_file] = source
        stem = osp.splitext(osp.basename(
            sample.metainfo.get('img_path') or f'{index:06d}'))[0]
        visualizer.add_datasample(
            f"{args.split}_{sample.metainfo.get('weather', 'unknown')}_{stem}",
            image, sample, show=not args.not_show,
            wait_time=args.show_interval, out_file=out_file)
        written += out_file is not None
        progress.update()
    if args.output_dir is not None:
        print(f'\nwrote {written} panels to {args.output_dir}')


if __name__ == '__main__':
    main()
