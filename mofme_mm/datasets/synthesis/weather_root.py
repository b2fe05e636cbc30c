"""Write RainCityscapes / Foggy Cityscapes files for a Cityscapes-layout root.

Reads ``leftImg8bit/{split}/{city}/*_leftImg8bit.png`` with either the
Cityscapes ``disparity`` + ``camera`` files or a depth-map folder, and writes
``leftImg8bit_rain/...`` and ``leftImg8bit_foggy/...`` with the real names.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

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


def read_image(path: str, flag: int = cv2.IMREAD_COLOR) -> np.ndarray:
    """``cv2.imread`` that raises an error naming the file."""
    image = cv2.imread(path, flag)
    if image is None:
        raise OSError(f'Cannot read image {path}: missing, empty or corrupt.')
    return image


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
                     fill_holes: bool = True
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Depth and camera-to-point distance of one frame, in metres.

    Args:
        root (str): Cityscapes-layout root.
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
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{path} is missing: weather synthesis needs the '
                    'Cityscapes disparity/ and camera/ packages, or a '
                    'depth-map folder (depth_dir / --depth-dir).')
        camera = read_camera(cam_path)
        disparity = read_image(disp_path, cv2.IMREAD_UNCHANGED)
        depth = _finish(disparity_to_depth(disparity, camera['baseline'],
                                           camera['fx']), fill_holes,
                        invalid_depth)
        distance = depth_to_distance(depth, camera['fx'], camera['fy'],
                                     camera['u0'], camera['v0'])
        return depth, distance
    stem = frame_file(root, depth_dir, split, frame_id, '_depth')
    if osp.isfile(stem + '.npy'):
        depth = np.load(stem + '.npy').astype(np.float32)
    elif osp.isfile(stem + '.png'):
        depth = read_image(stem + '.png', cv2.IMREAD_UNCHANGED).astype(
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
) -> Dict[str, List[str]]:
    """Synthesise the rain and fog versions of every clean frame of a root.

    Args:
        root (str): Cityscapes-layout root with ``leftImg8bit/``.
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
        out_root (str | None): where to write; defaults to ``root``.
        overwrite (bool): rewrite existing files. Defaults to True.

    Returns:
        dict: ``rain`` and ``fog`` lists of written paths.
    """
    out_root = out_root or root
    written: Dict[str, List[str]] = dict(rain=[], fog=[])
    streak_cache: Dict[tuple, np.ndarray] = {}
    clean_found = False
    for split in splits:
        split_dir = osp.join(root, CLEAN_DIR, split)
        for clean_path in list_files(split_dir, CLEAN_SUFFIX):
            clean_found = True
            frame_id = osp.basename(clean_path)[:-len(CLEAN_SUFFIX)]
            city = city_of(frame_id)
            image = read_image(clean_path).astype(np.float32) / 255.0
            depth, distance = load_frame_depth(root, split, frame_id,
                                               depth_dir, depth_png_scale,
                                               invalid_depth, fill_holes)
            if depth.shape != image.shape[:2]:
                raise ValueError(
                    f'Depth of {frame_id} has shape {depth.shape}, the image '
                    f'{image.shape[:2]}: they must match.')
            light = estimate_atmospheric_light(image)
            h, w = depth.shape
            for alpha, beta, dropsize in (rain_params or ()):
                for pattern in patterns:
                    out = osp.join(out_root, RAIN_DIR, split, city,
                                   rain_image_name(frame_id, alpha, beta,
                                                   dropsize, pattern))
                    if not overwrite and osp.isfile(out):
                        continue
                    key = (h, w, pattern, dropsize)
                    if key not in streak_cache:
                        streak_cache[key] = rain_streak_pattern(
                            h, w, pattern, dropsize, seed)
                    rainy = add_rain(image, depth, alpha, beta,
                                     streak_cache[key],
                                     atmospheric_light=light)
                    write_image(out, np.round(rainy * 255).astype(np.uint8))
                    written['rain'].append(out)
            for beta in (fog_betas or ()):
                out = osp.join(out_root, FOG_DIR, split, city,
                               fog_image_name(frame_id, beta))
                if not overwrite and osp.isfile(out):
                    continue
                foggy = add_fog(image, distance, beta, light)
                write_image(out, np.round(foggy * 255).astype(np.uint8))
                written['fog'].append(out)
    if not clean_found:
        raise FileNotFoundError(
            f'No clean frames (*{CLEAN_SUFFIX}) under '
            f'{osp.join(root, CLEAN_DIR)}/{{{",".join(splits)}}}: point root '
            'at a Cityscapes-layout folder.')
    return written
