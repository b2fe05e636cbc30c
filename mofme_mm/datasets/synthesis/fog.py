"""Homogeneous fog (Koschmieder's law), the model of Foggy Cityscapes."""
from typing import Optional

import numpy as np

from .atmospheric_light import estimate_atmospheric_light


def fog_transmission(distance: np.ndarray, beta: float) -> np.ndarray:
    """Transmission ``t = exp(-beta * l)``.

    Args:
        distance (np.ndarray): camera-to-point distance ``l`` in metres
            (inf allowed: t = 0).
        beta (float): attenuation coefficient in 1/m (0.005, 0.01, 0.02 in
            Foggy Cityscapes).

    Returns:
        np.ndarray: float32 transmission in ``[0, 1]``.
    """
    return np.exp(-float(beta) * distance).astype(np.float32)


def add_fog(image: np.ndarray, distance: np.ndarray, beta: float,
            atmospheric_light: Optional[np.ndarray] = None,
            window: int = 15, top_fraction: float = 0.001) -> np.ndarray:
    """Render fog: ``I = R * t + L * (1 - t)``.

    Args:
        image (np.ndarray): ``(H, W, 3)`` clean image ``R``, floats in
            ``[0, 1]``.
        distance (np.ndarray): ``(H, W)`` distance ``l`` in metres.
        beta (float): attenuation coefficient.
        atmospheric_light (np.ndarray | None): ``(3,)`` light ``L``; None
            estimates it from the dark channel of ``image``.
        window (int): dark-channel patch size. Defaults to 15.
        top_fraction (float): brightest dark-channel fraction. Defaults to
            0.001.

    Returns:
        np.ndarray: ``(H, W, 3)`` float32 foggy image in ``[0, 1]``.
    """
    image = image.astype(np.float32)
    if atmospheric_light is None:
        atmospheric_light = estimate_atmospheric_light(image, window,
                                                       top_fraction)
    t = fog_transmission(distance, beta)[..., None]
    light = np.asarray(atmospheric_light, np.float32).reshape(1, 1, -1)
    return np.clip(image * t + light * (1.0 - t), 0.0, 1.0)
