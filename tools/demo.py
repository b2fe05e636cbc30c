"""`make demo`: MoFME deweathering in front of segmentation and detection.

On the toy Cityscapes (generated here when missing, with the COCO jsons of
its clean frames made by mmdet's own Cityscapes converter) and 2 CPU cores:

1. train a small MoFME restorer on rainy + foggy toy frames
   (configs/toy/mofme_toy_demo_restorer.py);
2. train a small FCN segmentor on the clean toy frames
   (configs/toy/seg_fcn_toy_cityscapes.py), from scratch;
3. train a small Faster R-CNN (or Mask R-CNN, ``--detector``) on the clean
   toy frames (configs/toy/det_faster-rcnn_toy_cityscapes.py), from scratch;
4. test both on (a) clean, (b) weathered and (c) MoFME-restored val frames
   (the ``*_toy_cityscapes{,_weather,_mofme}.py`` configs: the restorer sits
   in the data preprocessor), and the restorer's PSNR / SSIM;
5. print the two tables, save them (demo_results.{json,md}) and two figures
   (demo_figure.png: weathered | restored | clean | the router's
   uncertainty | segmentations; demo_det_figure.png: detections on
   weathered and restored frames) into the work dir.

Every checkpoint is loaded strictly; the PSNR / SSIM columns name the
metric protocol (RestorationMetric.protocol_description).

Example:
    python tools/demo.py --work-dir work_dirs/demo
"""
import argparse
import json
import logging
import numbers
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mofme_mm  # noqa: F401  (registers modules, torch.load compat)
from mofme_mm.datasets.cityscapes_naming import COCO_ANN_FILE
from mofme_mm.datasets.weather_det_views import mmdet_cityscapes_converter
from mofme_mm.engine.runner_setup import (
    apply_cfg_options,
    load_model_checkpoint,
    read_checkpoint,
)
from mofme_mm.models.utils import load_state_dict_checked, state_dict_of
from mofme_mm.registry import METRICS
from mofme_mm.utils.atomic_write import atomic_output, atomic_write_bytes

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY = osp.join(REPO, 'configs', 'toy')
RESTORER_CFG = osp.join(TOY, 'mofme_toy_demo_restorer.py')
SEG_CFGS = dict(clean=osp.join(TOY, 'seg_fcn_toy_cityscapes.py'),
                weathered=osp.join(TOY, 'seg_fcn_toy_cityscapes_weather.py'),
                restored=osp.join(TOY, 'seg_fcn_toy_cityscapes_mofme.py'))
DET_CFGS = {
    name: dict(clean=osp.join(TOY, f'{stem}.py'),
               weathered=osp.join(TOY, f'{stem}_weather.py'),
               restored=osp.join(TOY, f'{stem}_mofme.py'))
    for name, stem in (('faster-rcnn', 'det_faster-rcnn_toy_cityscapes'),
                       ('mask-rcnn', 'mask-rcnn_toy_cityscapes'))
}
WEATHERS = ('rain', 'fog')
PAPER_NAMES = (('rain', 'derain'), ('fog', 'dehaze'))
METRIC_LABELS = {'bbox_mAP': 'bbox mAP', 'bbox_mAP_50': 'bbox AP50',
                 'segm_mAP': 'segm mAP', 'segm_mAP_50': 'segm AP50'}
# The restorer stage (step 1): epochs over the rainy + foggy train images.
RESTORER_EPOCHS = 60


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/toy_cityscapes')
    parser.add_argument('--num-train', type=int, default=12,
                        help='toy train frames to generate when missing')
    parser.add_argument('--num-val', type=int, default=6,
                        help='toy val frames to generate when missing')
    parser.add_argument('--restorer-epochs', type=int,
                        default=RESTORER_EPOCHS)
    parser.add_argument('--seg-iters', type=int, default=400)
    parser.add_argument('--detector', choices=sorted(DET_CFGS),
                        default='faster-rcnn',
                        help='toy detector to train: faster-rcnn (bbox mAP; '
                        'the default, measured to fit the 15-minute budget) '
                        'or mask-rcnn (bbox and segm mAP)')
    # Faster R-CNN, 600 x 2 images: 3.0 min in `make demo` (quiet, 1 thread)
    parser.add_argument('--det-iters', type=int, default=600)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--threads', type=int, default=1,
        help='torch CPU threads (default 1: a data-loading worker uses the '
        'second core; 2 threads stall badly when other jobs share the cores)')
    return parser.parse_args()


def say(message: str) -> None:
    print(f'[demo {time.strftime("%H:%M:%S")}] {message}', flush=True)


# ---------------------------------------------------------------- data
def ensure_toy_data(root: str, num_train: int, num_val: int,
                    seed: int) -> None:
    """Generate the toy Cityscapes tree at ``root`` unless it is there."""
    parts = ('leftImg8bit', 'gtFine', 'leftImg8bit_rain', 'leftImg8bit_foggy')
    if all(osp.isdir(osp.join(root, part)) for part in parts):
        say(f'toy Cityscapes found at {root} (reused as it is: delete it to '
            'regenerate with other --num-train / --num-val / --seed)')
        return
    from mofme_mm.datasets.synthesis import make_toy_cityscapes
    say(f'generating toy Cityscapes at {root} ({num_train} train / '
        f'{num_val} val frames, rain and fog versions)')
    make_toy_cityscapes(root, num_train=num_train, num_val=num_val,
                        seed=seed)


def ensure_coco_annotations(root: str) -> None:
    """Make ``root/annotations`` with mmdet's Cityscapes converter.

    The COCO jsons of the clean frames (what the detection datasets read)
    come from mmdet's own ``tools/dataset_converters/cityscapes.py``, run on
    the toy tree as on the real one; it writes into a temporary folder that
    replaces ``annotations/`` only when it succeeded.
    """
    out_dir = osp.join(root, 'annotations')
    wanted = [osp.join(root, COCO_ANN_FILE.format(split=split))
              for split in ('train', 'val')]
    if all(osp.isfile(path) for path in wanted):
        return
    if osp.exists(out_dir):
        raise FileExistsError(
            f'{out_dir} exists but lacks {[osp.basename(p) for p in wanted]};'
            ' delete it (tools/demo.py remakes it with mmdet\'s converter).')
    say('COCO jsons of the clean frames: mmdet\'s '
        'tools/dataset_converters/cityscapes.py')
    tmp = tempfile.mkdtemp(prefix='annotations.', dir=root)
    try:
        proc = subprocess.run(
            [sys.executable, mmdet_cityscapes_converter(), root, '-o', tmp],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(
                f'mmdet\'s Cityscapes converter failed on {root} (an old toy '
                'tree without gtFine *_instanceIds.png? delete it to '
                f'regenerate):\n{(proc.stdout + proc.stderr)[-3000:]}')
        os.replace(tmp, out_dir)
    finally:
        if osp.isdir(tmp):
            shutil.rmtree(tmp)


# ---------------------------------------------------------------- configs
def restorer_config(data_root: str, epochs: int, seed: int) -> Config:
    """The toy MoFME config, pointed at ``data_root``, for ``epochs``."""
    cfg = Config.fromfile(RESTORER_CFG)
    apply_cfg_options(cfg, {'data_root': data_root})
    # decode PNGs in a worker process while the main process trains
    cfg.train_dataloader.update(num_workers=1, persistent_workers=True)
    if epochs < 1:
        raise ValueError(f'--restorer-epochs must be >= 1, got {epochs}')
    warmup = min(max(1, epochs // 20), epochs - 1)
    cfg.param_scheduler = [
        dict(type='CosineAnnealingLR', T_max=epochs - warmup, eta_min=1e-5,
             by_epoch=True, begin=warmup, end=epochs,
             convert_to_iter_based=True)
    ]
    if warmup:
        cfg.param_scheduler.insert(
            0, dict(type='LinearLR', start_factor=1e-2, by_epoch=True,
                    begin=0, end=warmup, convert_to_iter_based=True))
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=epochs,
                         val_interval=epochs + 1)
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', by_epoch=True, interval=epochs,
        max_keep_ckpts=1)
    cfg.randomness = dict(seed=seed)
    return cfg


def set_iters(cfg: Config, iters: int, option: str) -> None:
    """Train an iteration-based toy config for ``iters`` iterations; the
    last LR scheduler (poly or cosine) ends there."""
    if iters < 1:
        raise ValueError(f'{option} must be >= 1, got {iters}')
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters + 1
    last = cfg.param_scheduler[-1]
    if last.get('begin', 0) >= iters:
        raise ValueError(f'{option}={iters} ends before the warm-up of '
                         f'{last.get("begin")} iterations')
    last.end = iters
    if 'T_max' in last:
        last.T_max = iters - last.get('begin', 0)
    cfg.default_hooks.checkpoint.interval = iters


def downstream_config(path: str, data_root: str,
                      iters: Optional[int] = None, seed: int = 0,
                      restorer_checkpoint: Optional[str] = None,
                      option: str = '--iters') -> Config:
    """A toy segmentation / detection config, pointed at ``data_root``."""
    cfg = Config.fromfile(path)
    apply_cfg_options(cfg, {'data_root': data_root})
    if iters is not None:
        set_iters(cfg, iters, option)
    if restorer_checkpoint is not None:
        cfg.model.data_preprocessor.restorer_checkpoint = restorer_checkpoint
    cfg.randomness = dict(seed=seed)
    return cfg


# ---------------------------------------------------------------- runners
def _runner(cfg: Config, work_dir: str, quiet: bool) -> Runner:
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    if quiet:
        cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg)


def train(cfg: Config, work_dir: str, name: str) -> str:
    """Train with mmengine's Runner; return the last checkpoint's path.

    No validation: mmengine's loops would validate after the last
    iteration / epoch, which the test stage does anyway.
    """
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    runner = _runner(cfg, work_dir, quiet=False)
    runner.train()
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    say(f'{name} trained: {ckpt}')
    return ckpt


def test(cfg: Config, work_dir: str, checkpoint: str) -> Dict[str, float]:
    """Test ``checkpoint`` (loaded strictly) with ``cfg``'s test loop."""
    cfg.load_from = None
    runner = _runner(cfg, work_dir, quiet=True)
    load_model_checkpoint(runner, checkpoint)
    metrics = runner.test()
    return {key: float(value) for key, value in metrics.items()
            if isinstance(value, numbers.Real)}


# ---------------------------------------------------------------- report
def det_percent(metrics: Dict[str, float], key: str) -> float:
    """A COCO score of ``metrics`` in %; 0 when it has none at all.

    mmdet's ``CocoMetric`` returns no scores when a test set got no
    detection at all (it logs "The testing results of the whole dataset is
    empty"); its AP is 0 then.
    """
    group = key.rpartition('/')[0]
    if not any(k.rpartition('/')[0] == group for k in metrics
               if k.split('/')[-1].startswith(('bbox_', 'segm_'))):
        return 0.0
    return 100 * metrics[key]


def build_rows(clean: dict, weathered: dict, restored: dict,
               quality: dict, det_clean: dict, det_weathered: dict,
               det_restored: dict, det_kinds: List[str]) -> List[dict]:
    """Rows of the result tables, one per test-image kind.

    Segmentation keys ``{weather}/mIoU``, ``{weather}/mAcc`` (%), the
    restorer's ``{weather}/PSNR`` / ``SSIM`` of the images the models see,
    and detection keys ``{weather}/bbox_mAP``, ``{weather}/bbox_mAP_50``
    (and ``segm_...`` for Mask R-CNN) in %. The clean row repeats the clean
    scores under each weather.

    Args:
        det_kinds (list[str]): The detector's COCO metrics (``'bbox'``,
            ``'segm'``).
    """
    det_keys = [f'{kind}_mAP{suffix}' for kind in det_kinds
                for suffix in ('', '_50')]
    rows = [dict(images='(a) clean')]
    for weather in WEATHERS:
        rows[0][f'{weather}/mIoU'] = clean['mIoU']
        rows[0][f'{weather}/mAcc'] = clean['mAcc']
        for key in det_keys:
            rows[0][f'{weather}/{key}'] = det_percent(det_clean, key)
    for label, seg, det, prefix in (
            ('(b) weathered', weathered, det_weathered, 'input_'),
            ('(c) MoFME-restored', restored, det_restored, '')):
        row = dict(images=label)
        for weather in WEATHERS:
            row[f'{weather}/mIoU'] = seg[f'{weather}/mIoU']
            row[f'{weather}/mAcc'] = seg[f'{weather}/mAcc']
            row[f'{weather}/PSNR'] = quality[f'{weather}/{prefix}PSNR']
            row[f'{weather}/SSIM'] = quality[f'{weather}/{prefix}SSIM']
            for key in det_keys:
                row[f'{weather}/{key}'] = det_percent(det, f'{weather}/{key}')
        rows.append(row)
    return rows


def format_table(rows: List[dict], metrics: List[str],
                 labels: Optional[Dict[str, str]] = None) -> str:
    """Markdown table of ``metrics`` per weather (derain, dehaze columns).

    Args:
        rows (list[dict]): Output of :func:`build_rows`.
        metrics (list[str]): Metric names, e.g. ``['mIoU', 'PSNR']``.
        labels (dict, optional): Column labels of some metrics, e.g.
            ``{'SSIM': 'SSIM (paper)'}`` naming the PSNR / SSIM protocol;
            the others use ``METRIC_LABELS`` or their name. Defaults to None.

    Returns:
        str: The table; missing values are ``-``.
    """
    labels = {**METRIC_LABELS, **(labels or {})}
    header = ['test images']
    keys = []
    for weather, paper in PAPER_NAMES:
        for metric in metrics:
            header.append(f'{paper} {labels.get(metric, metric)}')
            keys.append(f'{weather}/{metric}')
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    for row in rows:
        cells = [row['images']]
        for key in keys:
            value = row.get(key)
            if value is None:
                cells.append('-')
            elif key.endswith('SSIM'):
                cells.append(f'{value:.3f}')
            else:
                cells.append(f'{value:.2f}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


# ---------------------------------------------------------------- figures
def pick_samples(dataset) -> Dict[str, int]:
    """Index of the heaviest weather of the first val frame, per weather."""
    picks: Dict[str, dict] = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        weather = info['weather']
        strength = info.get('beta', 0) + info.get('alpha', 0)
        if weather not in picks or (
                info['frame_id'] == picks[weather]['frame_id']
                and strength > picks[weather]['strength']):
            picks[weather] = dict(frame_id=info['frame_id'],
                                  strength=strength, index=index)
    return {weather: pick['index'] for weather, pick in sorted(picks.items())}


def restore_with_uncertainty(restorer, path: str) -> tuple:
    """Weathered, restored (RGB uint8) and the router's uncertainty.

    Through the one inference API, ``mofme_mm.apis.restore_images`` (tiled
    as the restorer's ``test_cfg`` says), with the per-pixel uncertainty of
    the uncertainty-aware router (Eq. 9-10 of the paper).

    Args:
        restorer (nn.Module): The restorer (a downstream preprocessor's).
        path (str): The weathered image file.

    Returns:
        tuple: ``(weathered, restored, uncertainty)``; ``uncertainty`` is an
        ``(H, W)`` float32 map in ``[0, 1]``.
    """
    from mofme_mm.apis import restore_images
    from mofme_mm.utils.image_reading import read_image
    bgr = read_image(path)
    restored, uncertainty = restore_images(restorer, bgr,
                                           return_uncertainty=True)
    return bgr[..., ::-1], restored[..., ::-1], uncertainty


def init_strict(init_fn, cfg: Config, checkpoint: str):
    """``init_fn`` (mmseg's ``init_model`` / mmdet's ``init_detector``)
    with ``checkpoint`` loaded strictly, as :func:`test` loads it.

    The model's own load hooks apply: a restorer built with its own
    checkpoint is not missing from a detector checkpoint without it.

    Args:
        init_fn (callable): ``init_fn(cfg, checkpoint=None, device='cpu')``.
        cfg (Config): The model's config.
        checkpoint (str): The weights; a missing, unexpected or mis-shaped
            key raises ``WeightLoadingError``.

    Returns:
        nn.Module: The model in eval mode on the CPU.
    """
    model = init_fn(cfg, None, device='cpu')
    content = read_checkpoint(checkpoint)
    load_state_dict_checked(model, state_dict_of(content, checkpoint),
                            checkpoint)
    meta = content.get('meta', {}) if isinstance(content, dict) else {}
    if 'dataset_meta' in meta:
        model.dataset_meta = meta['dataset_meta']
    return model.eval()


def restoration_protocol(cfg: Config) -> tuple:
    """``(name, description)`` of the PSNR / SSIM protocol of ``cfg``.

    Args:
        cfg (Config): A restorer config with a ``RestorationMetric``.

    Returns:
        tuple: e.g. ``('paper', 'paper (piq-style, ...)')``.
    """
    evaluator = cfg.test_evaluator
    metric = METRICS.build(evaluator[0] if isinstance(evaluator, list)
                           else evaluator)
    return metric.protocol, metric.protocol_description


def figure_models(init_fn, configs: dict, data_root: str, checkpoint: str,
                  restorer_ckpt: str) -> tuple:
    """The downstream model without and with the restorer, and the images
    a figure shows (one sample per weather, :func:`pick_samples`).

    Args:
        init_fn (callable): mmseg's ``init_model`` / mmdet's
            ``init_detector``.
        configs (dict): The ``weathered`` and ``restored`` config paths.
        data_root (str): The toy tree.
        checkpoint (str): The downstream model's weights.
        restorer_ckpt (str): The restorer's weights.

    Returns:
        tuple: ``(plain, mofme, dataset, shown)``: both models (strictly
        loaded, eval mode), the weathered test set and, per weather, a dict
        of the sample's ``index``, ``info``, RGB ``weathered``, ``restored``
        and ``clean`` images and the router's ``uncertainty``.
    """
    import cv2
    plain_cfg = downstream_config(configs['weathered'], data_root)
    mofme_cfg = downstream_config(configs['restored'], data_root,
                                  restorer_checkpoint=restorer_ckpt)
    plain = init_strict(init_fn, plain_cfg, checkpoint)
    mofme = init_strict(init_fn, mofme_cfg, checkpoint)
    dataset = Runner.build_dataloader(plain_cfg.test_dataloader).dataset
    shown = {}
    for weather, index in pick_samples(dataset).items():
        info = dataset.get_data_info(index)
        weathered, restored, uncertainty = restore_with_uncertainty(
            mofme.data_preprocessor.restorer, info['img_path'])
        shown[weather] = dict(
            index=index, info=info, weathered=weathered, restored=restored,
            uncertainty=uncertainty,
            clean=cv2.imread(info['gt_path'])[..., ::-1])
    return plain, mofme, dataset, shown


def figure_grid(plt, weathers: List[str], columns: List[str],
                width: float, height: float) -> tuple:
    """A figure with one row per weather and a column each.

    Args:
        plt (module): ``matplotlib.pyplot``.
        weathers (list[str]): Row labels.
        columns (list[str]): Column titles.
        width (float): Inches per column.
        height (float): Inches per row.

    Returns:
        tuple: ``(fig, axes)``, ``axes`` 2-D, titled and labelled, ticks off.
    """
    fig, axes = plt.subplots(len(weathers), len(columns),
                             figsize=(width * len(columns),
                                      height * len(weathers)))
    axes = np.atleast_2d(axes)
    for row, weather in enumerate(weathers):
        for col, title in enumerate(columns):
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
            if row == 0:
                axes[row, col].set_title(title, fontsize=10)
        axes[row, 0].set_ylabel(weather, fontsize=10)
    return fig, axes


def finish_figure(plt, fig, path: str) -> str:
    """Lay out, save (atomically) and close ``fig``; return ``path``."""
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return path


def draw_seg_figure(work_dir: str, data_root: str, seg_ckpt: str,
                    restorer_ckpt: str) -> str:
    """Save input / restored / ground truth / predictions for rain and fog.

    Returns:
        str: Path of the PNG.
    """
    import cv2
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from mmseg.apis import inference_model, init_model
    from mmseg.datasets import CityscapesDataset

    palette = np.zeros((256, 3), np.uint8)
    palette[:19] = np.array(CityscapesDataset.METAINFO['palette'], np.uint8)
    plain, mofme, _, shown = figure_models(
        init_model, SEG_CFGS, data_root, seg_ckpt, restorer_ckpt)
    columns = ['weathered input', 'MoFME restored', 'clean frame',
               'router uncertainty', 'ground truth',
               'prediction on weathered', 'prediction on restored']
    fig, axes = figure_grid(plt, list(shown), columns, 3.2, 1.9)
    for axes_row, row in zip(axes, shown.values()):
        path = row['info']['img_path']
        label = cv2.imread(row['info']['seg_map_path'], cv2.IMREAD_UNCHANGED)
        panels = [row['weathered'], row['restored'], row['clean'],
                  row['uncertainty'], palette[label]] + [
            palette[inference_model(model, path).pred_sem_seg.data[0].numpy()]
            for model in (plain, mofme)]
        for ax, panel in zip(axes_row, panels):
            if panel.ndim == 2:  # uncertainty in [0, 1]
                ax.imshow(panel, cmap='magma', vmin=0, vmax=1)
            else:
                ax.imshow(panel)
    return finish_figure(plt, fig, osp.join(work_dir, 'demo_figure.png'))


def _draw_boxes(ax, boxes, labels, classes, palette, scores=None) -> None:
    from matplotlib.patches import Rectangle
    for i, (box, label) in enumerate(zip(boxes, labels)):
        x0, y0, x1, y1 = (float(v) for v in box)
        colour = np.asarray(palette[int(label)]) / 255
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False,
                               edgecolor=colour, linewidth=1.2))
        text = classes[int(label)]
        if scores is not None:
            text += f' {float(scores[i]):.2f}'
        ax.text(x0, y0 - 1, text, color='white', fontsize=5,
                bbox=dict(facecolor=colour, alpha=0.7, pad=0.5,
                          edgecolor='none'))


def draw_det_figure(work_dir: str, data_root: str, configs: dict,
                    det_ckpt: str, restorer_ckpt: str,
                    score_thr: float = 0.3) -> str:
    """Save ground truth / detections on weathered / on restored frames.

    One row per weather (the heaviest weather of the first val frame); the
    detections are those the test configs score (the weathered config's
    detector on the weathered image, the restored config's on the same
    image through the restorer), above ``score_thr``.

    Returns:
        str: Path of the PNG.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from mmdet.apis import init_detector
    from mmdet.datasets import CityscapesDataset

    classes = CityscapesDataset.METAINFO['classes']
    palette = CityscapesDataset.METAINFO['palette']
    plain, mofme, dataset, shown = figure_models(
        init_detector, configs, data_root, det_ckpt, restorer_ckpt)
    columns = ['clean frame, ground truth', 'detections on weathered',
               'detections on MoFME-restored']
    fig, axes = figure_grid(plt, list(shown), columns, 4.4, 2.4)
    for axes_row, row in zip(axes, shown.values()):
        packed = dataset[row['index']]
        batch = dict(inputs=[packed['inputs']],
                     data_samples=[packed['data_samples']])
        with torch.no_grad():
            preds = [model.test_step(batch)[0].pred_instances
                     for model in (plain, mofme)]
        gt = [inst for inst in row['info']['instances']
              if not inst['ignore_flag']]
        panels = [(row['clean'], [g['bbox'] for g in gt],
                   [g['bbox_label'] for g in gt], None)]
        for image, pred in zip((row['weathered'], row['restored']), preds):
            keep = pred.scores >= score_thr
            panels.append((image, pred.bboxes[keep], pred.labels[keep],
                           pred.scores[keep]))
        for ax, (image, boxes, labels, scores) in zip(axes_row, panels):
            ax.imshow(image)
            _draw_boxes(ax, boxes, labels, classes, palette, scores)
    fig.suptitle(f'toy detector trained on clean frames (scores >= '
                 f'{score_thr})', fontsize=10)
    return finish_figure(plt, fig, osp.join(work_dir, 'demo_det_figure.png'))


# ---------------------------------------------------------------- main
class Stages:
    """Wall time of each stage of the demo."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}
        self._name: Optional[str] = None
        self._start = 0.0

    def start(self, name: str, message: str) -> None:
        self.stop()
        say(message)
        self._name, self._start = name, time.time()

    def stop(self) -> None:
        if self._name is not None:
            self.seconds[self._name] = time.time() - self._start
            self._name = None

    def report(self) -> str:
        return ', '.join(f'{name} {seconds / 60:.1f}'
                         for name, seconds in self.seconds.items())


def main() -> None:
    args = parse_args()
    start = time.time()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings('ignore', category=UserWarning)
    torch.manual_seed(args.seed)
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.abspath(args.data_root)
    logging.getLogger('PIL').setLevel(logging.WARNING)
    det_cfgs = DET_CFGS[args.detector]
    stages = Stages()

    stages.start('toy data', 'toy data')
    ensure_toy_data(data_root, args.num_train, args.num_val, args.seed)
    ensure_coco_annotations(data_root)

    stages.start('restorer', f'1/5 training the MoFME restorer '
                 f'({args.restorer_epochs} epochs on rainy + foggy toy frames)')
    restorer_ckpt = train(
        restorer_config(data_root, args.restorer_epochs, args.seed),
        osp.join(work_dir, 'restorer'), 'restorer')

    stages.start('segmentor', f'2/5 training the segmentor ({args.seg_iters} '
                 'iterations on clean toy frames)')
    seg_ckpt = train(
        downstream_config(SEG_CFGS['clean'], data_root, args.seg_iters,
                          args.seed, option='--seg-iters'),
        osp.join(work_dir, 'segmentor'), 'segmentor')

    stages.start('detector', f'3/5 training the {args.detector} detector '
                 f'({args.det_iters} iterations on clean toy frames)')
    det_ckpt = train(
        downstream_config(det_cfgs['clean'], data_root, args.det_iters,
                          args.seed, option='--det-iters'),
        osp.join(work_dir, 'detector'), 'detector')

    kinds = Config.fromfile(det_cfgs['clean']).test_evaluator.metric
    det_kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    stages.start('tests', '4/5 testing on clean, weathered and '
                 'MoFME-restored val frames')
    quality = test(
        restorer_config(data_root, args.restorer_epochs, args.seed),
        osp.join(work_dir, 'test_restorer'), restorer_ckpt)
    results: Dict[tuple, Dict[str, float]] = {}
    for task, configs, ckpt in (('seg', SEG_CFGS, seg_ckpt),
                                ('det', det_cfgs, det_ckpt)):
        for kind in ('clean', 'weathered', 'restored'):
            restorer = restorer_ckpt if kind == 'restored' else None
            results[task, kind] = test(
                downstream_config(configs[kind], data_root,
                                  restorer_checkpoint=restorer),
                osp.join(work_dir, f'test_{task}_{kind}'), ckpt)

    for kind in ('clean', 'weathered', 'restored'):
        if not any(k.startswith(tuple(det_kinds))
                   for k in results['det', kind]):
            say(f'the detector found nothing at all on the {kind} frames '
                '(mmdet\'s CocoMetric then reports no score): mAP 0')
    stages.start('figures', '5/5 drawing the figures')
    figure = draw_seg_figure(work_dir, data_root, seg_ckpt, restorer_ckpt)
    det_figure = draw_det_figure(work_dir, data_root, det_cfgs, det_ckpt,
                                 restorer_ckpt)
    stages.stop()

    rows = build_rows(results['seg', 'clean'], results['seg', 'weathered'],
                      results['seg', 'restored'], quality,
                      results['det', 'clean'], results['det', 'weathered'],
                      results['det', 'restored'], det_kinds)
    protocol, protocol_text = restoration_protocol(
        restorer_config(data_root, args.restorer_epochs, args.seed))
    seg_table = format_table(
        rows, ['mIoU', 'mAcc', 'PSNR', 'SSIM'],
        labels={m: f'{m} ({protocol})' for m in ('PSNR', 'SSIM')})
    det_table = format_table(
        rows, [f'{kind}_mAP{suffix}' for kind in det_kinds
               for suffix in ('', '_50')])
    minutes = (time.time() - start) / 60
    summary = dict(
        rows=rows, clean=results['seg', 'clean'],
        weathered=results['seg', 'weathered'],
        restored=results['seg', 'restored'], restoration=quality,
        detection=dict(detector=args.detector,
                       clean=results['det', 'clean'],
                       weathered=results['det', 'weathered'],
                       restored=results['det', 'restored']),
        restoration_protocol=protocol_text,
        minutes=minutes,
        stage_minutes={k: v / 60 for k, v in stages.seconds.items()},
        restorer_checkpoint=restorer_ckpt, segmentor_checkpoint=seg_ckpt,
        detector_checkpoint=det_ckpt)
    atomic_write_bytes(osp.join(work_dir, 'demo_results.json'),
                       json.dumps(summary, indent=1).encode())
    seg_title = ('Segmentation of the toy Cityscapes val frames by a small '
                 'FCN trained on clean frames\n(mIoU / mAcc in %; PSNR in dB '
                 '/ SSIM of the images the segmentor sees, against the clean '
                 f'frames; metric protocol: {protocol_text}):')
    det_title = (f'Detection on the same frames by a small {args.detector} '
                 'trained on clean frames\n(COCO mAP@[.5:.95] and AP@.5 in %, '
                 'mmdet\'s COCO evaluation against the clean frames\' '
                 'instances):')
    atomic_write_bytes(
        osp.join(work_dir, 'demo_results.md'),
        f'{seg_title}\n\n{seg_table}\n\n{det_title}\n\n{det_table}\n'
        .encode())
    print()
    print(seg_title)
    print(seg_table)
    print()
    print(det_title)
    print(det_table)
    print(f'\nfigures: {figure}, {det_figure}')
    print(f'results: {osp.join(work_dir, "demo_results.md")} (and .json); '
          f'total {minutes:.1f} min (minutes per stage: {stages.report()})')


if __name__ == '__main__':
    main()
