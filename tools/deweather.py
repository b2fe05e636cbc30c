"""Restore weathered images, folders of images or videos with a trained model.

Full frames are restored tile by tile (the model's ``test_cfg`` when it
tiles, otherwise 256 x 256 tiles), so any frame size works and memory stays
bounded by the tile batch. Every output has the size of its input. Files
that cannot be read are reported at the end and make the exit code non-zero.

Examples:
    python tools/deweather.py rainy.png --config CFG --checkpoint CKPT \\
        --out-dir restored/
    python tools/deweather.py frames_dir/ drive.mp4 --config CFG \\
        --checkpoint CKPT --out-dir restored/ --tile-overlap 32
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from tqdm import tqdm

import mofme_mm  # noqa: F401  (registers modules, torch.load compat)
from mofme_mm.models.restorers import check_test_cfg
from mofme_mm.registry import MODELS
from mofme_mm.visualization import to_bgr_uint8

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
              '.mpeg')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Deweather images, image folders or videos')
    parser.add_argument(
        'inputs', nargs='+', help='image files, folders and/or video files')
    parser.add_argument('--config', required=True, help='model config file')
    parser.add_argument(
        '--checkpoint', required=True, help='checkpoint written by training')
    parser.add_argument(
        '--out-dir', required=True, help='folder for the restored outputs')
    parser.add_argument(
        '--device',
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='torch device (default: cuda when available, else cpu)')
    parser.add_argument(
        '--tile-size', type=int, help='tile side (default: config or 256)')
    parser.add_argument(
        '--tile-overlap',
        type=int,
        help='overlap of neighbouring tiles, blended smoothly (default: '
        'config or 0, the paper\'s non-overlapping tiles)')
    parser.add_argument(
        '--tile-batch-size',
        type=int,
        help='tiles per forward pass (default: config or 8)')
    return parser.parse_args(argv)


def collect_jobs(inputs: List[str]) -> Tuple[list, list]:
    """Split the inputs into ``(kind, path, output stem)`` jobs and failures.

    Args:
        inputs (list[str]): Files or folders (searched recursively).

    Returns:
        tuple[list, list]: Jobs ``('image' | 'video', path, rel_stem)`` and
        failures ``(path, reason)``.
    """
    jobs, failures = [], []
    for item in inputs:
        if osp.isdir(item):
            found = []
            for root, _, files in os.walk(item):
                for name in sorted(files):
                    ext = osp.splitext(name)[1].lower()
                    path = osp.join(root, name)
                    rel = osp.splitext(osp.relpath(path, item))[0]
                    rel = osp.join(osp.basename(osp.normpath(item)), rel)
                    if ext in IMAGE_EXTS:
                        found.append(('image', path, rel))
                    elif ext in VIDEO_EXTS:
                        found.append(('video', path, rel))
            if not found:
                failures.append((item, 'folder holds no images or videos'))
            jobs.extend(sorted(found, key=lambda job: job[1]))
        elif osp.isfile(item):
            ext = osp.splitext(item)[1].lower()
            kind = 'video' if ext in VIDEO_EXTS else 'image'
            jobs.append((kind, item, osp.splitext(osp.basename(item))[0]))
        else:
            failures.append((item, 'no such file or folder'))
    return jobs, failures


def build_model(config: str, checkpoint: str, device: str,
                tile_args: dict) -> torch.nn.Module:
    """Build the restorer of ``config``, load weights and set up tiling."""
    cfg = Config.fromfile(config)
    if 'model' not in cfg:
        raise KeyError(f'config {config!r} has no `model` field.')
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint!r} does not exist.')
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    if not hasattr(model, 'restore'):
        raise TypeError(f'{type(model).__name__} has no restore(); use a '
                        'DeweatherRestorer config.')
    test_cfg = dict(getattr(model, 'test_cfg', None) or {})
    if test_cfg.get('mode') != 'tile':
        test_cfg = dict(mode='tile')
    test_cfg.update({k: v for k, v in tile_args.items() if v is not None})
    model.test_cfg = check_test_cfg(test_cfg)
    return model.to(device).eval()


@torch.no_grad()
def restore_frame(model: torch.nn.Module, frame: np.ndarray,
                  device: str) -> np.ndarray:
    """Restore one uint8 BGR ``(H, W, 3)`` frame; same size and type out."""
    rgb = torch.from_numpy(np.ascontiguousarray(frame[..., ::-1]))
    images = rgb.permute(2, 0, 1)[None].to(device).float() / 255.0
    restored = to_bgr_uint8(model.restore(images)[0])
    if restored.shape != frame.shape:
        raise RuntimeError(f'restored frame is {restored.shape}, input '
                           f'{frame.shape}.')
    return restored


def restore_image(model, path: str, out_path: str, device: str) -> None:
    frame = cv2.imread(path, cv2.IMREAD_COLOR)
    if frame is None:
        raise OSError('cannot read the image (unsupported or corrupt)')
    os.makedirs(osp.dirname(out_path) or '.', exist_ok=True)
    if not cv2.imwrite(out_path, restore_frame(model, frame, device)):
        raise OSError(f'cannot write {out_path}')


def restore_video(model, path: str, out_path: str, device: str) -> int:
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise OSError('cannot open the video')
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    writer = None
    frames = 0
    try:
        with tqdm(total=total, desc=osp.basename(path), unit='frame',
                  leave=False) as bar:
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                if writer is None:
                    os.makedirs(osp.dirname(out_path) or '.', exist_ok=True)
                    height, width = frame.shape[:2]
                    writer = cv2.VideoWriter(
                        out_path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                        (width, height))
                    if not writer.isOpened():
                        raise OSError(f'cannot write {out_path}')
                writer.write(restore_frame(model, frame, device))
                frames += 1
                bar.update(1)
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    if frames == 0:
        raise OSError('the video holds no readable frames')
    return frames


def main(argv=None) -> int:
    args = parse_args(argv)
    jobs, failures = collect_jobs(args.inputs)
    model = build_model(
        args.config, args.checkpoint, args.device,
        dict(tile_size=args.tile_size, tile_overlap=args.tile_overlap,
             tile_batch_size=args.tile_batch_size))
    done = 0
    used = set()
    for kind, path, stem in tqdm(jobs, desc='deweather', unit='file'):
        ext = '.mp4' if kind == 'video' else '.png'
        out_path = osp.join(args.out_dir, stem + ext)
        if out_path in used:  # e.g. a.jpg next to a.png: keep both
            source_ext = osp.splitext(path)[1].lstrip('.')
            out_path = osp.join(args.out_dir, f'{stem}_{source_ext}{ext}')
        used.add(out_path)
        try:
            if kind == 'video':
                restore_video(model, path, out_path, args.device)
            else:
                restore_image(model, path, out_path, args.device)
            done += 1
        except (OSError, cv2.error) as error:
            failures.append((path, str(error)))
    print(f'restored {done} of {len(jobs)} files into {args.out_dir}')
    if failures:
        print(f'{len(failures)} input(s) failed:', file=sys.stderr)
        for path, reason in failures:
            print(f'  {path}: {reason}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
