"""SSIM as the MoFME authors score it (piq's ``ssim`` with its defaults).

piq's ``ssim(x, y, data_range=1.0)`` (``downsample=True``) first
average-pools both images by ``f = max(1, round(min(H, W) / 256))`` (kernel
and stride ``f``, no padding, trailing rows / columns that do not fill a
``f x f`` block dropped, as ``torch.nn.functional.avg_pool2d``), then computes
an 11 x 11, sigma 1.5 Gaussian SSIM with a 'valid' convolution (no padding;
the map is ``(H/f - 10) x (W/f - 10)``), ``K1 = 0.01``, ``K2 = 0.03``, mean
over the map and the channels. The authors feed it float outputs in
``[0, 1]`` (no 8-bit rounding). ``round`` is Python's (half to even), as in
piq: ``min(H, W) = 640`` gives ``f = 2``.
"""
import numpy as np

from .image_prep import prepare_pair
from .ssim import gaussian_ssim


def pool_factor(height: int, width: int) -> int:
    """piq's average-pooling factor ``max(1, round(min(H, W) / 256))``.

    Args:
        height (int): image height.
        width (int): image width.

    Returns:
        int: e.g. 4 for 2048 x 1024 Cityscapes frames, 2 for 720 x 480.
    """
    return max(1, round(min(int(height), int(width)) / 256))


def average_pool(img: np.ndarray, factor: int) -> np.ndarray:
    """Mean over non-overlapping ``factor x factor`` blocks of ``(H, W, C)``.

    Trailing rows / columns that do not fill a block are dropped.

    Args:
        img (np.ndarray): ``(H, W, C)`` image.
        factor (int): block size (>= 1).

    Returns:
        np.ndarray: ``(H // factor, W // factor, C)`` float64.
    """
    if int(factor) < 1:
        raise ValueError(f'average_pool factor must be >= 1, got {factor}')
    img = np.asarray(img, dtype=np.float64)
    if factor == 1:
        return img
    height, width = (s // factor for s in img.shape[:2])
    blocks = img[:height * factor, :width * factor].reshape(
        height, factor, width, factor, img.shape[2])
    return blocks.mean(axis=(1, 3))


def paper_ssim(img: np.ndarray, img2: np.ndarray, crop_border: int = 0,
               input_order: str = 'HWC', test_y_channel: bool = False,
               channel_order: str = 'rgb') -> float:
    """SSIM of the authors' protocol (piq, see the module docstring).

    ``crop_border`` and ``test_y_channel`` (not part of the authors'
    protocol, off by default) are applied before pooling.

    Args:
        img (np.ndarray): e.g. the restored image, ``H x W x C`` in
            ``[0, 255]`` (pass unrounded floats for the authors' protocol).
        img2 (np.ndarray): the reference, same shape.
        crop_border (int): pixels removed from each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        test_y_channel (bool): use the BT.601 Y channel. Defaults to False.
        channel_order (str): ``'rgb'`` or ``'bgr'`` (for Y). Defaults to
            ``'rgb'``.

    Returns:
        float: SSIM in ``[-1, 1]``.
    """
    img, img2 = prepare_pair(img, img2, crop_border, input_order,
                             test_y_channel, channel_order)
    factor = pool_factor(*img.shape[:2])
    return gaussian_ssim(average_pool(img, factor),
                         average_pool(img2, factor))
