"""Shared input handling of the image-quality functions."""
import numpy as np

_Y_WEIGHTS_RGB = np.array([65.481, 128.553, 24.966]) / 255.0


def to_y_channel(img: np.ndarray, channel_order: str = 'rgb') -> np.ndarray:
    """Luma (ITU-R BT.601, studio range) of an ``H x W x 3`` image in
    ``[0, 255]``: ``Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255``.

    Args:
        img (np.ndarray): ``(H, W, 3)`` in ``[0, 255]``.
        channel_order (str): ``'rgb'`` or ``'bgr'``. Defaults to ``'rgb'``.

    Returns:
        np.ndarray: ``(H, W, 1)`` float64.
    """
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'test_y_channel needs (H, W, 3) images, got '
                         f'{img.shape}')
    weights = _Y_WEIGHTS_RGB if channel_order == 'rgb' else \
        _Y_WEIGHTS_RGB[::-1]
    return (img.astype(np.float64) @ weights + 16.0)[..., None]


def prepare_pair(img: np.ndarray, img2: np.ndarray, crop_border: int = 0,
                 input_order: str = 'HWC', test_y_channel: bool = False,
                 channel_order: str = 'rgb'):
    """Validate, reorder to HWC, optionally take Y, crop borders.

    Args:
        img, img2 (np.ndarray): images in ``[0, 255]``, same shape.
        crop_border (int): pixels removed from each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        test_y_channel (bool): compare the Y channel only. Defaults to False.
        channel_order (str): ``'rgb'`` or ``'bgr'`` (for Y). Defaults to
            ``'rgb'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: float64 ``(H, W, C)`` arrays.
    """
    img, img2 = np.asarray(img), np.asarray(img2)
    if img.shape != img2.shape:
        raise ValueError(f'image shapes differ: {img.shape} vs {img2.shape}')
    if input_order not in ('HWC', 'CHW'):
        raise ValueError(f'input_order must be HWC or CHW, got {input_order}')
    if channel_order not in ('rgb', 'bgr'):
        raise ValueError(f'channel_order must be rgb or bgr, got '
                         f'{channel_order}')
    if img.ndim == 2:
        img, img2 = img[..., None], img2[..., None]
    elif input_order == 'CHW':
        img, img2 = img.transpose(1, 2, 0), img2.transpose(1, 2, 0)
    img, img2 = img.astype(np.float64), img2.astype(np.float64)
    if test_y_channel:
        img = to_y_channel(img, channel_order)
        img2 = to_y_channel(img2, channel_order)
    if crop_border:
        img = img[crop_border:-crop_border, crop_border:-crop_border]
        img2 = img2[crop_border:-crop_border, crop_border:-crop_border]
        if img.size == 0:
            raise ValueError(f'crop_border={crop_border} leaves no pixels')
    return img, img2
