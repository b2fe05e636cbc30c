"""Cityscapes disparity <-> metric depth, and depth -> camera distance.

Cityscapes stores disparity as 16-bit PNGs: ``d = (p - 1) / 256`` pixels for
``p > 0`` and ``p = 0`` marks invalid pixels. Depth is ``baseline * fx / d``
with ``baseline`` (metres) and ``fx`` (pixels) from the camera json
(``{"extrinsic": {"baseline": ...}, "intrinsic": {"fx": ..., "fy": ...,
"u0": ..., "v0": ...}}``).
"""
import json
import os
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np
from mmengine import fileio


def read_camera(path: str,
                backend_args: Optional[dict] = None) -> Dict[str, float]:
    """Read a Cityscapes camera json (through ``mmengine.fileio``).

    Args:
        path (str): ``..._camera.json`` (a path or URI).
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        dict: ``baseline``, ``fx``, ``fy``, ``u0``, ``v0``.
    """
    try:
        camera = json.loads(fileio.get_text(path, backend_args=backend_args))
        return dict(
            baseline=float(camera['extrinsic']['baseline']),
            fx=float(camera['intrinsic']['fx']),
            fy=float(camera['intrinsic']['fy']),
            u0=float(camera['intrinsic']['u0']),
            v0=float(camera['intrinsic']['v0']))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(
            f'Cannot read camera file {path} ({err!r}): expected a Cityscapes '
            'camera json with extrinsic.baseline and intrinsic.fx/fy/u0/v0.'
        ) from err


def write_camera(path: str, baseline: float, fx: float, fy: float, u0: float,
                 v0: float, height: float = 1.22) -> None:
    """Write a Cityscapes-style camera json.

    Args:
        path (str): output file.
        baseline (float): stereo baseline in metres.
        fx, fy (float): focal lengths in pixels.
        u0, v0 (float): principal point in pixels.
        height (float): camera height above the road in metres.
    """
    camera = dict(
        extrinsic=dict(baseline=baseline, pitch=0.0, roll=0.0, x=1.7, y=0.0,
                       yaw=0.0, z=height),
        intrinsic=dict(fx=fx, fy=fy, u0=u0, v0=v0))
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as f:
        json.dump(camera, f, indent=2)


def disparity_to_depth(disparity: np.ndarray, baseline: float, fx: float,
                       invalid_depth: float = np.inf) -> np.ndarray:
    """Decode a Cityscapes 16-bit disparity map into metric depth.

    Args:
        disparity (np.ndarray): ``(H, W)`` uint16 PNG values ``p``.
        baseline (float): metres.
        fx (float): pixels.
        invalid_depth (float): depth given to invalid pixels (``p <= 1``,
            i.e. missing or zero disparity). Defaults to inf.

    Returns:
        np.ndarray: ``(H, W)`` float32 depth in metres.
    """
    p = disparity.astype(np.float32)
    d = (p - 1.0) / 256.0
    valid = d > 0
    depth = np.full(p.shape, invalid_depth, dtype=np.float32)
    depth[valid] = baseline * fx / d[valid]
    return depth


def depth_to_disparity(depth: np.ndarray, baseline: float,
                       fx: float) -> np.ndarray:
    """Encode metric depth as a Cityscapes 16-bit disparity map.

    Non-finite or non-positive depth becomes ``p = 0`` (invalid).

    Args:
        depth (np.ndarray): ``(H, W)`` metres.
        baseline (float): metres.
        fx (float): pixels.

    Returns:
        np.ndarray: ``(H, W)`` uint16.
    """
    depth = depth.astype(np.float64)
    valid = np.isfinite(depth) & (depth > 0)
    p = np.zeros(depth.shape, dtype=np.float64)
    p[valid] = baseline * fx / depth[valid] * 256.0 + 1.0
    p = np.clip(np.round(p), 0, 65535)
    p[valid & (p < 2)] = 2  # keep far valid pixels distinguishable from 0/1
    return p.astype(np.uint16)


def depth_to_distance(depth: np.ndarray, fx: float, fy: float, u0: float,
                      v0: float) -> np.ndarray:
    """Camera-to-point distance ``l`` from the depth ``z`` of each pixel.

    ``l = z * sqrt(1 + ((u - u0) / fx)^2 + ((v - v0) / fy)^2)``.

    Args:
        depth (np.ndarray): ``(H, W)`` depth in metres.
        fx, fy (float): focal lengths in pixels.
        u0, v0 (float): principal point.

    Returns:
        np.ndarray: ``(H, W)`` float32 distance in metres.
    """
    h, w = depth.shape
    u = (np.arange(w, dtype=np.float32) - u0) / fx
    v = (np.arange(h, dtype=np.float32) - v0) / fy
    scale = np.sqrt(1.0 + u[None, :]**2 + v[:, None]**2)
    return (depth * scale).astype(np.float32)


def fill_depth_holes(depth: np.ndarray) -> np.ndarray:
    """Fill invalid (non-finite) depth inside the scene from its neighbours.

    Invalid regions touching the top image border are taken as sky and kept
    invalid; every other invalid pixel (stereo holes of real Cityscapes
    disparity) gets the depth of the nearest valid pixel.

    Args:
        depth (np.ndarray): ``(H, W)`` depth with inf/nan where invalid.

    Returns:
        np.ndarray: ``(H, W)`` float32 depth, holes filled.
    """
    depth = depth.astype(np.float32)
    invalid = ~np.isfinite(depth)
    if not invalid.any() or invalid.all():
        return depth
    _, regions = cv2.connectedComponents(invalid.astype(np.uint8), 4)
    sky_ids = np.unique(regions[0][invalid[0]])
    holes = invalid & ~np.isin(regions, sky_ids)
    if not holes.any():
        return depth
    # For each pixel, the label of its nearest valid pixel.
    _, nearest = cv2.distanceTransformWithLabels(
        invalid.astype(np.uint8), cv2.DIST_L2, 3,
        labelType=cv2.DIST_LABEL_PIXEL)
    valid_values = depth[~invalid]
    # Labels of DIST_LABEL_PIXEL enumerate the zero pixels in raster order.
    filled = depth.copy()
    filled[holes] = valid_values[nearest[holes] - 1]
    return filled
