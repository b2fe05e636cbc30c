"""Rain streaks plus rain-induced haze (Hu et al., RainCityscapes).

``O = I (1 - R - A) + R + A0 * A`` with the streak layer
``R = S * exp(-alpha * max(d1, d))`` and the haze ``A = 1 - exp(-beta * d)``;
``S`` is one of 12 procedural streak patterns, ``d`` the depth in metres and
``A0`` the atmospheric light.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from .atmospheric_light import estimate_atmospheric_light

# Per pattern: (angle in degrees from vertical, streak length as a fraction
# of the image height, drop density per pixel at the reference drop size).
_PATTERNS: Tuple[Tuple[float, float, float], ...] = (
    (0.0, 0.030, 0.0040), (-8.0, 0.045, 0.0035), (8.0, 0.045, 0.0035),
    (-15.0, 0.060, 0.0030), (15.0, 0.060, 0.0030), (-22.0, 0.075, 0.0025),
    (22.0, 0.075, 0.0025), (-4.0, 0.090, 0.0022), (4.0, 0.090, 0.0022),
    (-30.0, 0.050, 0.0045), (30.0, 0.050, 0.0045), (0.0, 0.110, 0.0020))
NUM_PATTERNS = len(_PATTERNS)
_REF_DROPSIZE = 0.005
_REF_HEIGHT = 1024.0


def _line_kernel(length: int, angle_deg: float) -> np.ndarray:
    """Normalised motion-blur kernel: a line of ``length`` pixels."""
    size = length if length % 2 == 1 else length + 1
    kernel = np.zeros((size, size), np.float32)
    c = size // 2
    theta = np.deg2rad(angle_deg)
    dx, dy = np.sin(theta) * c, np.cos(theta) * c
    cv2.line(kernel, (int(round(c - dx)), int(round(c - dy))),
             (int(round(c + dx)), int(round(c + dy))), 1.0, 1, cv2.LINE_AA)
    return kernel / kernel.sum()


def rain_streak_pattern(height: int, width: int, pattern: int,
                        dropsize: float = _REF_DROPSIZE,
                        seed: int = 0) -> np.ndarray:
    """Procedural rain streak layer ``S``, deterministic given the arguments.

    Random drops are blurred to the drop size and motion-blurred along the
    pattern's direction and length. Larger drops give wider, brighter and
    slightly sparser streaks.

    Args:
        height (int): image height.
        width (int): image width.
        pattern (int): 1..12, selects direction, length and density.
        dropsize (float): drop size parameter of RainCityscapes (0.002, 0.005
            or 0.01). Defaults to 0.005.
        seed (int): random seed. Defaults to 0.

    Returns:
        np.ndarray: ``(H, W)`` float32 streak intensity in ``[0, 1]``.
    """
    if not 1 <= int(pattern) <= NUM_PATTERNS:
        raise ValueError(
            f'rain pattern must be in 1..{NUM_PATTERNS}, got {pattern}')
    angle, length_frac, density = _PATTERNS[int(pattern) - 1]
    scale = height / _REF_HEIGHT
    size_ratio = float(dropsize) / _REF_DROPSIZE
    rng = np.random.default_rng(
        [int(seed), int(pattern), int(round(float(dropsize) * 1e6)),
         int(height), int(width)])
    drops = rng.random((height, width), dtype=np.float32)
    density = density / np.sqrt(size_ratio)
    layer = np.where(drops < density,
                     rng.uniform(0.5, 1.0, (height, width)).astype(
                         np.float32), np.float32(0))
    sigma = max(0.3, 0.8 * np.sqrt(size_ratio) * scale)
    layer = cv2.GaussianBlur(layer, (0, 0), sigma)
    length = max(3, int(round(length_frac * height)))
    layer = cv2.filter2D(layer, -1, _line_kernel(length, angle),
                         borderType=cv2.BORDER_REFLECT)
    peak = float(np.percentile(layer, 99.9))
    if peak <= 0:
        return np.zeros((height, width), np.float32)
    strength = float(np.clip(0.55 + 0.25 * np.log2(size_ratio + 1e-8) / 2,
                             0.35, 0.9))
    return np.clip(layer / peak * strength, 0.0, 1.0).astype(np.float32)


def add_rain(image: np.ndarray, depth: np.ndarray, alpha: float, beta: float,
             streaks: np.ndarray, d1: float = 2.0,
             atmospheric_light: Optional[np.ndarray] = None) -> np.ndarray:
    """Render rain streaks and rain-induced haze on a clean image.

    Args:
        image (np.ndarray): ``(H, W, 3)`` clean image ``I`` in ``[0, 1]``.
        depth (np.ndarray): ``(H, W)`` depth ``d`` in metres (inf allowed).
        alpha (float): streak attenuation coefficient.
        beta (float): haze attenuation coefficient.
        streaks (np.ndarray): ``(H, W)`` pattern ``S`` from
            :func:`rain_streak_pattern`.
        d1 (float): distance below which streaks are not attenuated further.
            Defaults to 2.0 m.
        atmospheric_light (np.ndarray | None): ``(3,)`` ``A0``; None estimates
            it from the dark channel of ``image``.

    Returns:
        np.ndarray: ``(H, W, 3)`` float32 rainy image in ``[0, 1]``.
    """
    image = image.astype(np.float32)
    if streaks.shape != image.shape[:2]:
        raise ValueError(f'streak pattern shape {streaks.shape} does not '
                         f'match the image shape {image.shape[:2]}')
    if atmospheric_light is None:
        atmospheric_light = estimate_atmospheric_light(image)
    rain = streaks * np.exp(-float(alpha) * np.maximum(d1, depth))
    haze = 1.0 - np.exp(-float(beta) * depth)
    rain, haze = rain[..., None], haze[..., None]
    keep = np.clip(1.0 - rain - haze, 0.0, 1.0)
    light = np.asarray(atmospheric_light, np.float32).reshape(1, 1, -1)
    return np.clip(image * keep + rain + light * haze, 0.0,
                   1.0).astype(np.float32)
