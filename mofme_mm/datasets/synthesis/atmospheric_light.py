"""Dark channel and atmospheric light (He et al., used by Foggy Cityscapes)."""
import cv2
import numpy as np


def dark_channel(image: np.ndarray, window: int = 15) -> np.ndarray:
    """Minimum over the colour channels and a ``window x window`` patch.

    Args:
        image (np.ndarray): ``(H, W, 3)`` image (any dtype).
        window (int): patch size. Defaults to 15.

    Returns:
        np.ndarray: ``(H, W)`` dark channel, same dtype as ``image``.
    """
    per_pixel = image.min(axis=2)
    kernel = np.ones((window, window), np.uint8)
    return cv2.erode(per_pixel, kernel, borderType=cv2.BORDER_REFLECT)


def estimate_atmospheric_light(image: np.ndarray, window: int = 15,
                               top_fraction: float = 0.001) -> np.ndarray:
    """Atmospheric light from the brightest pixels of the dark channel.

    Takes the ``top_fraction`` (0.1%) brightest dark-channel pixels and, among
    them, the pixel whose input intensity (channel mean) is the highest.

    Args:
        image (np.ndarray): ``(H, W, 3)`` float image in ``[0, 1]``.
        window (int): dark-channel patch size. Defaults to 15.
        top_fraction (float): fraction of pixels considered. Defaults to 0.001.

    Returns:
        np.ndarray: ``(3,)`` float32 atmospheric light.
    """
    dark = dark_channel(image, window).ravel()
    count = max(1, int(round(dark.size * top_fraction)))
    candidates = np.argpartition(dark, dark.size - count)[-count:]
    flat = image.reshape(-1, image.shape[2])
    best = candidates[np.argmax(flat[candidates].mean(axis=1))]
    return flat[best].astype(np.float32)
