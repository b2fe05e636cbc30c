"""`make demo`: MoFME deweathering in front of segmentation, end to end.

On the toy Cityscapes (generated here when missing) and 2 CPU cores:

1. train a small MoFME restorer on rainy + foggy toy frames
   (configs/toy/mofme_toy_demo_restorer.py);
2. train a small FCN segmentor on the clean toy frames
   (configs/toy/seg_fcn_toy_cityscapes.py), from scratch;
3. test the segmentor on (a) clean, (b) weathered and (c) MoFME-restored val
   frames (configs/toy/seg_fcn_toy_cityscapes{,_weather,_mofme}.py: the
   restorer sits in the data preprocessor), and the restorer's PSNR / SSIM;
4. print the table, save it (demo_results.{json,md}) and a figure
   (demo_figure.png: weathered input / restored / ground truth / predictions)
   into the work dir.

Example:
    python tools/demo.py --work-dir work_dirs/demo
"""
import argparse
import json
import logging
import os.path as osp
import time
import warnings
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mofme_mm  # noqa: F401  (registers modules, torch.load compat)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESTORER_CFG = osp.join(REPO, 'configs/toy/mofme_toy_demo_restorer.py')
SEG_CFG = osp.join(REPO, 'configs/toy/seg_fcn_toy_cityscapes.py')
SEG_WEATHER_CFG = osp.join(REPO,
                           'configs/toy/seg_fcn_toy_cityscapes_weather.py')
SEG_MOFME_CFG = osp.join(REPO, 'configs/toy/seg_fcn_toy_cityscapes_mofme.py')
WEATHERS = ('rain', 'fog')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/toy_cityscapes')
    parser.add_argument('--num-train', type=int, default=12,
                        help='toy train frames to generate when missing')
    parser.add_argument('--num-val', type=int, default=6,
                        help='toy val frames to generate when missing')
    parser.add_argument('--restorer-epochs', type=int, default=60)
    parser.add_argument('--seg-iters', type=int, default=400)
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


# ---------------------------------------------------------------- runners
def _runner(cfg: Config, work_dir: str, quiet: bool) -> Runner:
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    if quiet:
        cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg)


def restorer_config(data_root: str, epochs: int, seed: int) -> Config:
    """The toy MoFME config, pointed at ``data_root``, for ``epochs``."""
    cfg = Config.fromfile(RESTORER_CFG)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        for part in loader.dataset.datasets:
            part.data_root = data_root
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


def seg_config(path: str, data_root: str, iters: Optional[int] = None,
               seed: int = 0,
               restorer_checkpoint: Optional[str] = None) -> Config:
    """A toy segmentation config, pointed at ``data_root``."""
    cfg = Config.fromfile(path)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        dataset = loader.dataset
        for part in dataset.get('datasets', [dataset]):
            part.data_root = data_root
    if iters is not None:
        if iters < 1:
            raise ValueError(f'--seg-iters must be >= 1, got {iters}')
        cfg.train_cfg.max_iters = iters
        cfg.train_cfg.val_interval = iters + 1
        cfg.param_scheduler[0].end = iters
        cfg.default_hooks.checkpoint.interval = iters
    if restorer_checkpoint is not None:
        cfg.model.data_preprocessor.restorer_checkpoint = restorer_checkpoint
    cfg.randomness = dict(seed=seed)
    return cfg


def train(cfg: Config, work_dir: str, name: str) -> str:
    """Train with mmengine's Runner; return the last checkpoint's path."""
    runner = _runner(cfg, work_dir, quiet=False)
    runner.train()
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    say(f'{name} trained: {ckpt}')
    return ckpt


def test(cfg: Config, work_dir: str, checkpoint: str) -> Dict[str, float]:
    """Test ``checkpoint`` with ``cfg``'s test loop; return the metrics."""
    cfg.load_from = checkpoint
    metrics = _runner(cfg, work_dir, quiet=True).test()
    return {key: float(value) for key, value in metrics.items()}


def merge_checkpoints(seg_ckpt: str, restorer_ckpt: str, out: str) -> str:
    """One segmentor checkpoint that carries the restorer in its
    ``data_preprocessor.restorer.*`` weights (what the _mofme config holds).
    """
    from mmengine.runner import CheckpointLoader

    seg = CheckpointLoader.load_checkpoint(seg_ckpt, map_location='cpu')
    restorer = CheckpointLoader.load_checkpoint(restorer_ckpt,
                                                map_location='cpu')
    state = dict(seg['state_dict'])
    for key, value in restorer['state_dict'].items():
        state[f'data_preprocessor.restorer.{key}'] = value
    meta = dict(dataset_meta=seg.get('meta', {}).get('dataset_meta'))
    torch.save(dict(meta=meta, state_dict=state), out)
    return out


# ---------------------------------------------------------------- report
def build_rows(clean: dict, weathered: dict, restored: dict,
               quality: dict) -> List[dict]:
    """Rows of the result table, one per test-image kind."""
    rows = [dict(images='(a) clean')]
    for weather in WEATHERS:
        rows[0][f'{weather}/mIoU'] = clean['mIoU']
        rows[0][f'{weather}/mAcc'] = clean['mAcc']
    for label, seg, prefix in (('(b) weathered', weathered, 'input_'),
                               ('(c) MoFME-restored', restored, '')):
        row = dict(images=label)
        for weather in WEATHERS:
            row[f'{weather}/mIoU'] = seg[f'{weather}/mIoU']
            row[f'{weather}/mAcc'] = seg[f'{weather}/mAcc']
            row[f'{weather}/PSNR'] = quality[f'{weather}/{prefix}PSNR']
            row[f'{weather}/SSIM'] = quality[f'{weather}/{prefix}SSIM']
        rows.append(row)
    return rows


def format_table(rows: List[dict]) -> str:
    """Markdown table: mIoU / mAcc (%) and PSNR (dB) / SSIM per weather."""
    header = ['test images']
    keys = []
    for weather, paper in (('rain', 'derain'), ('fog', 'dehaze')):
        for metric in ('mIoU', 'mAcc', 'PSNR', 'SSIM'):
            header.append(f'{paper} {metric}')
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


# ---------------------------------------------------------------- figure
def draw_figure(work_dir: str, data_root: str, seg_ckpt: str,
                restorer_ckpt: str, combined_ckpt: str) -> str:
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
    plain_cfg = seg_config(SEG_WEATHER_CFG, data_root)
    mofme_cfg = seg_config(SEG_MOFME_CFG, data_root,
                           restorer_checkpoint=restorer_ckpt)
    plain = init_model(plain_cfg, seg_ckpt, device='cpu')
    mofme = init_model(mofme_cfg, combined_ckpt, device='cpu')
    restorer = mofme.data_preprocessor.restorer
    dataset = Runner.build_dataloader(plain_cfg.test_dataloader).dataset

    picks = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        weather = info['weather']
        # the heaviest weather of the first val frame
        strength = info.get('beta', 0) + info.get('alpha', 0)
        if weather not in picks or (
                info['frame_id'] == picks[weather]['frame_id']
                and strength > picks[weather]['strength']):
            picks[weather] = dict(info, strength=strength)

    columns = ['weathered input', 'MoFME restored', 'ground truth',
               'prediction on weathered', 'prediction on restored']
    fig, axes = plt.subplots(len(picks), len(columns),
                             figsize=(3.2 * len(columns), 1.9 * len(picks)))
    axes = np.atleast_2d(axes)
    for row, (weather, info) in enumerate(sorted(picks.items())):
        bgr = cv2.imread(info['img_path'])
        rgb = torch.from_numpy(bgr[..., ::-1].copy()).permute(2, 0, 1)
        with torch.no_grad():
            restored = restorer.restore(rgb[None].float() / 255)[0]
        label = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
        pred_plain = inference_model(plain, info['img_path'])
        pred_mofme = inference_model(mofme, info['img_path'])
        panels = [
            rgb.permute(1, 2, 0).numpy(),
            (restored.permute(1, 2, 0).numpy() * 255).round().astype(
                np.uint8),
            palette[label],
            palette[pred_plain.pred_sem_seg.data[0].numpy()],
            palette[pred_mofme.pred_sem_seg.data[0].numpy()],
        ]
        for col, panel in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(panel)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(columns[col], fontsize=10)
        axes[row, 0].set_ylabel(weather, fontsize=10)
    fig.tight_layout()
    path = osp.join(work_dir, 'demo_figure.png')
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main() -> None:
    args = parse_args()
    start = time.time()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings('ignore', category=UserWarning)
    torch.manual_seed(args.seed)
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.abspath(args.data_root)
    logging.getLogger('PIL').setLevel(logging.WARNING)

    ensure_toy_data(data_root, args.num_train, args.num_val, args.seed)

    say(f'1/4 training the MoFME restorer ({args.restorer_epochs} epochs '
        'on rainy + foggy toy frames)')
    restorer_dir = osp.join(work_dir, 'restorer')
    restorer_ckpt = train(
        restorer_config(data_root, args.restorer_epochs, args.seed),
        restorer_dir, 'restorer')

    say(f'2/4 training the segmentor ({args.seg_iters} iterations on clean '
        'toy frames)')
    seg_dir = osp.join(work_dir, 'segmentor')
    seg_ckpt = train(
        seg_config(SEG_CFG, data_root, args.seg_iters, args.seed), seg_dir,
        'segmentor')

    say('3/4 testing on clean, weathered and MoFME-restored val frames')
    quality = test(
        restorer_config(data_root, args.restorer_epochs, args.seed),
        osp.join(work_dir, 'test_restorer'), restorer_ckpt)
    clean = test(seg_config(SEG_CFG, data_root),
                 osp.join(work_dir, 'test_clean'), seg_ckpt)
    weathered = test(seg_config(SEG_WEATHER_CFG, data_root),
                     osp.join(work_dir, 'test_weathered'), seg_ckpt)
    combined = merge_checkpoints(
        seg_ckpt, restorer_ckpt, osp.join(work_dir, 'segmentor_mofme.pth'))
    restored = test(
        seg_config(SEG_MOFME_CFG, data_root,
                   restorer_checkpoint=restorer_ckpt),
        osp.join(work_dir, 'test_restored'), combined)

    say('4/4 drawing the figure')
    figure = draw_figure(work_dir, data_root, seg_ckpt, restorer_ckpt,
                         combined)

    rows = build_rows(clean, weathered, restored, quality)
    table = format_table(rows)
    minutes = (time.time() - start) / 60
    with open(osp.join(work_dir, 'demo_results.json'), 'w') as f:
        json.dump(dict(rows=rows, clean=clean, weathered=weathered,
                       restored=restored, restoration=quality,
                       minutes=minutes, restorer_checkpoint=restorer_ckpt,
                       segmentor_checkpoint=seg_ckpt), f, indent=1)
    with open(osp.join(work_dir, 'demo_results.md'), 'w') as f:
        f.write(table + '\n')
    print()
    print('Segmentation of the toy Cityscapes val frames by a small FCN '
          'trained on clean frames')
    print('(mIoU / mAcc in %; PSNR in dB / SSIM of the images the segmentor '
          'sees, against the clean frames):')
    print(table)
    print(f'\nfigure:  {figure}')
    print(f'results: {osp.join(work_dir, "demo_results.md")} '
          f'(and .json); total {minutes:.1f} min')


if __name__ == '__main__':
    main()
