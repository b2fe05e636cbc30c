"""Write RainCityscapes / Foggy Cityscapes files for a Cityscapes-layout root.

Reads ``leftImg8bit/{split}/{city}/*_leftImg8bit.png`` with either the
Cityscapes ``disparity`` + ``camera`` files or a depth-map folder, and writes
``leftImg8bit_rain/...`` and ``leftImg8bit_foggy/...`` with the real names.
Reading goes through ``mmengine.fileio`` (``backend_args``), so the clean
root may be on any storage backend; the outputs are written to a local
folder, atomically. Frames are independent tasks, run in ``nproc``
processes with mmengine's progress bar; every output depends only on its
frame, the parameters and the seed, so the files are the same for any
``nproc``.
"""
import functools
import io
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine import fileio
from mmengine.utils import track_parallel_progress, track_progress

from mofme_mm.utils.atomic_write import atomic_write_image

from ..cityscapes_naming import (
    CAMERA_DIR,
    CAMERA_SUFFIX,
    CLEAN_DIR,
    CLEAN_SUFFIX,
    DISPARITY_DIR,
    DISPARITY_SUFFIX,
    FOG_BETAS,
    FOG_DIR,
    RAIN_DIR,
    RAIN_PARAMS,
    RAIN_PATTERNS,
    city_of,
    fog_image_name,
    frame_file,
    list_files,
    rain_image_name,
)
from ..transforms.image_io import load_image_file
from .atmospheric_light import estimate_atmospheric_light
from .depth import (
    depth_to_distance,
    disparity_to_depth,
    fill_depth_holes,
    read_camera,
)
from .fog import add_fog
from .rain import add_rain, rain_streak_pattern

PNG_FAST = [cv2.IMWRITE_PNG_COMPRESSION, 1]
# One streak layer per (size, pattern, dropsize): the 36 of the real
# RainCityscapes take 36 x 8 MB at 2048 x 1024, per process.
STREAK_CACHE_SIZE = 36


def write_image(path: str, image: np.ndarray,
                protect: Sequence[str] = ()) -> None:
    """Write a PNG (fast compression) atomically, creating its folder.

    The PNG goes to a temporary file that replaces ``path`` only once it is
    complete, so an interrupted synthesis leaves no half-written frame; the
    rename replaces ``path``'s directory entry, so a ``path`` that is a
    symbolic or hard link to a clean frame never changes that frame.

    Args:
        path (str): Destination PNG.
        image (np.ndarray): Image as ``cv2.imwrite`` takes it.
        protect (Sequence[str]): Input files (e.g. the clean frame) that
            ``path`` must not be. Defaults to ().
    """
    atomic_write_image(path, image, PNG_FAST, protect)


def load_frame_depth(root: str, split: str, frame_id: str,
                     depth_dir: Optional[str] = None,
                     depth_png_scale: float = 0.01,
                     invalid_depth: float = 1000.0,
                     fill_holes: bool = True,
                     backend_args: Optional[dict] = None
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Depth and camera-to-point distance of one frame, in metres.

    Args:
        root (str): Cityscapes-layout root (a path or URI).
        split (str): ``'train'``, ``'val'``...
        frame_id (str): ``{city}_{seq}_{frame}``.
        depth_dir (str | None): folder (relative to ``root``) holding
            ``{split}/{city}/{frame_id}_depth.npy`` (float metres) or
            ``..._depth.png`` (16-bit, ``depth_png_scale`` metres per unit).
            None uses ``disparity/`` + ``camera/``.
        depth_png_scale (float): metres per unit of 16-bit depth PNGs.
        invalid_depth (float): depth of invalid pixels left after hole
            filling (the sky). Defaults to 1000 m.
        fill_holes (bool): fill invalid pixels not connected to the top
            border (stereo holes) from the nearest valid pixel, see
            :func:`fill_depth_holes`. Defaults to True.
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        tuple: ``(depth, distance)``, both ``(H, W)`` float32. Without camera
        intrinsics (depth maps) the distance equals the depth.
    """
    if depth_dir is None:
        disp_path = frame_file(root, DISPARITY_DIR, split, frame_id,
                               DISPARITY_SUFFIX)
        cam_path = frame_file(root, CAMERA_DIR, split, frame_id,
                              CAMERA_SUFFIX)
        for path in (disp_path, cam_path):
            if not fileio.isfile(path, backend_args=backend_args):
                raise FileNotFoundError(
                    f'{path} is missing: weather synthesis needs the '
                    'Cityscapes disparity/ and camera/ packages, or a '
                    'depth-map folder (depth_dir / --depth-dir).')
        camera = read_camera(cam_path, backend_args)
        disparity = load_image_file(disp_path, 'unchanged',
                                    backend_args=backend_args)
        depth = _finish(disparity_to_depth(disparity, camera['baseline'],
                                           camera['fx']), fill_holes,
                        invalid_depth)
        distance = depth_to_distance(depth, camera['fx'], camera['fy'],
                                     camera['u0'], camera['v0'])
        return depth, distance
    stem = frame_file(root, depth_dir, split, frame_id, '_depth')
    if fileio.isfile(stem + '.npy', backend_args=backend_args):
        data = fileio.get(stem + '.npy', backend_args=backend_args)
        depth = np.load(io.BytesIO(data)).astype(np.float32)
    elif fileio.isfile(stem + '.png', backend_args=backend_args):
        depth = load_image_file(stem + '.png', 'unchanged',
                                backend_args=backend_args).astype(
                                    np.float32) * depth_png_scale
    else:
        raise FileNotFoundError(
            f'No depth map {stem}.npy or {stem}.png for frame {frame_id}.')
    depth = np.where(np.isfinite(depth) & (depth > 0), depth, np.inf)
    depth = _finish(depth, fill_holes, invalid_depth)
    return depth, depth


def _finish(depth: np.ndarray, fill_holes: bool,
            invalid_depth: float) -> np.ndarray:
    if fill_holes:
        depth = fill_depth_holes(depth)
    return np.where(np.isfinite(depth), depth,
                    invalid_depth).astype(np.float32)


@functools.lru_cache(maxsize=STREAK_CACHE_SIZE)
def cached_streaks(height: int, width: int, pattern: int, dropsize: float,
                   seed: int) -> np.ndarray:
    """:func:`rain_streak_pattern`, kept per process (read-only array)."""
    streaks = rain_streak_pattern(height, width, pattern, dropsize, seed)
    streaks.setflags(write=False)
    return streaks


def synthesize_frame(task: Tuple[str, str], root: str, out_root: str,
                     rain_params: Sequence[Sequence[float]],
                     patterns: Sequence[int], fog_betas: Sequence[float],
                     seed: int, depth_dir: Optional[str],
                     depth_png_scale: float, invalid_depth: float,
                     fill_holes: bool, overwrite: bool,
                     backend_args: Optional[dict]) -> Dict[str, List[str]]:
    """Write the rain and fog versions of one clean frame.

    Args:
        task (tuple): ``(split, clean frame path)``.
        root, out_root, rain_params, patterns, fog_betas, seed, depth_dir,
        depth_png_scale, invalid_depth, fill_holes, overwrite,
        backend_args: see :func:`synthesize_weather`.

    Returns:
        dict: ``rain``, ``fog`` (written paths) and ``skipped`` (existing
        files left as they were).
    """
    split, clean_path = task
    frame_id = osp.basename(clean_path)[:-len(CLEAN_SUFFIX)]
    city = city_of(frame_id)
    image = load_image_file(clean_path, backend_args=backend_args).astype(
        np.float32) / 255.0
    depth, distance = load_frame_depth(root, split, frame_id, depth_dir,
                                       depth_png_scale, invalid_depth,
                                       fill_holes, backend_args)
    if depth.shape != image.shape[:2]:
        raise ValueError(
            f'Depth of {frame_id} has shape {depth.shape}, the image '
            f'{image.shape[:2]}: they must match.')
    light = estimate_atmospheric_light(image)
    h, w = depth.shape
    done: Dict[str, List[str]] = dict(rain=[], fog=[], skipped=[])
    for alpha, beta, dropsize in rain_params:
        for pattern in patterns:
            out = osp.join(out_root, RAIN_DIR, split, city,
                           rain_image_name(frame_id, alpha, beta, dropsize,
                                           pattern))
            if not overwrite and osp.isfile(out):
                done['skipped'].append(out)
                continue
            rainy = add_rain(image, depth, alpha, beta,
                             cached_streaks(h, w, int(pattern),
                                            float(dropsize), int(seed)),
                             atmospheric_light=light)
            write_image(out, np.round(rainy * 255).astype(np.uint8))
            done['rain'].append(out)
    for beta in fog_betas:
        out = osp.join(out_root, FOG_DIR, split, city,
                       fog_image_name(frame_id, beta))
        if not overwrite and osp.isfile(out):
            done['skipped'].append(out)
            continue
        foggy = add_fog(image, distance, beta, light)
        write_image(out, np.round(foggy * 255).astype(np.uint8))
        done['fog'].append(out)
    return done


def synthesize_weather(
    root: str,
    splits: Sequence[str] = ('train', 'val'),
    rain_params: Optional[Sequence[Sequence[float]]] = RAIN_PARAMS,
    patterns: Sequence[int] = RAIN_PATTERNS,
    fog_betas: Optional[Sequence[float]] = FOG_BETAS,
    seed: int = 0,
    depth_dir: Optional[str] = None,
    depth_png_scale: float = 0.01,
    invalid_depth: float = 1000.0,
    fill_holes: bool = True,
    out_root: Optional[str] = None,
    overwrite: bool = True,
    nproc: int = 1,
    show_progress: bool = False,
    backend_args: Optional[dict] = None,
) -> Dict[str, List[str]]:
    """Synthesise the rain and fog versions of every clean frame of a root.

    Args:
        root (str): Cityscapes-layout root with ``leftImg8bit/`` (a path or
            a URI of an mmengine file backend).
        splits (Sequence[str]): splits to process. Defaults to train and val.
        rain_params (Sequence[tuple] | None): ``(alpha, beta, dropsize)``
            triples; None or empty writes no rain. Defaults to the three
            RainCityscapes triples.
        patterns (Sequence[int]): streak patterns (1..12). Defaults to all.
        fog_betas (Sequence[float] | None): fog betas; None or empty writes
            no fog. Defaults to 0.005, 0.01, 0.02.
        seed (int): seed of the streak patterns. Defaults to 0.
        depth_dir (str | None): see :func:`load_frame_depth`.
        depth_png_scale (float): see :func:`load_frame_depth`.
        invalid_depth (float): depth of invalid pixels. Defaults to 1000 m.
        fill_holes (bool): see :func:`load_frame_depth`. Defaults to True.
        out_root (str | None): local folder to write to; defaults to
            ``root``.
        overwrite (bool): rewrite existing files. Defaults to True.
        nproc (int): worker processes, one frame per task. Defaults to 1
            (this process).
        show_progress (bool): show mmengine's progress bar. Defaults to
            False.
        backend_args (dict | None): mmengine file backend arguments for
            reading ``root``. Defaults to None.

    Returns:
        dict: ``rain`` and ``fog`` lists of written paths and ``skipped``
        (existing files kept when ``overwrite=False``), frame by frame in
        file order.
    """
    out_root = out_root or root
    if '://' in out_root:
        raise ValueError(
            f'out_root {out_root!r}: the weather images are written to a '
            'local folder; pass out_root (--out-root) when root is remote.')
    if nproc < 1:
        raise ValueError(f'nproc must be >= 1, got {nproc}')
    tasks = [(split, path) for split in splits
             for path in list_files(osp.join(root, CLEAN_DIR, split),
                                    CLEAN_SUFFIX, backend_args)]
    if not tasks:
        raise FileNotFoundError(
            f'No clean frames (*{CLEAN_SUFFIX}) under '
            f'{osp.join(root, CLEAN_DIR)}/{{{",".join(splits)}}}: point root '
            'at a Cityscapes-layout folder.')
    work = functools.partial(
        synthesize_frame, root=root, out_root=out_root,
        rain_params=[tuple(p) for p in (rain_params or ())],
        patterns=list(patterns), fog_betas=list(fog_betas or ()), seed=seed,
        depth_dir=depth_dir, depth_png_scale=depth_png_scale,
        invalid_depth=invalid_depth, fill_holes=fill_holes,
        overwrite=overwrite, backend_args=backend_args)
    if nproc > 1:
        results = track_parallel_progress(
            work, tasks, min(nproc, len(tasks)),
            file=sys.stdout if show_progress else io.StringIO())
    elif show_progress:
        results = track_progress(work, tasks, file=sys.stdout)
    else:
        results = [work(task) for task in tasks]
    written: Dict[str, List[str]] = dict(rain=[], fog=[], skipped=[])
    for done in results:
        for key, paths in done.items():
            written[key].extend(paths)
    return written
