"""Convert images of any stored format to the restorer's colour and back.

The restorer sees 3-channel colour in ``[0, 1]``. :func:`to_bgr_unit` turns a
grey ``(H, W)`` / ``(H, W, 1)``, BGR or BGRA image of uint8, uint16 or float
(in ``[0, 1]``) into BGR float32 in ``[0, 1]``; :func:`from_bgr_unit` gives a
restored BGR image back the layout and type of the original: grey is
converted back to grey (``cv2.COLOR_BGR2GRAY``), the alpha channel of a BGRA
image is copied unchanged from the original, integers are rounded to the
original depth (16 bits stay 16 bits).
"""
from typing import NamedTuple, Tuple

import cv2
import numpy as np

_SCALES = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


class ImageFormat(NamedTuple):
    """Layout and pixel type of an image array.

    Attributes:
        layout (str): ``'gray'`` ``(H, W)``, ``'gray1'`` ``(H, W, 1)``,
            ``'bgr'`` ``(H, W, 3)`` or ``'bgra'`` ``(H, W, 4)``.
        dtype (np.dtype): uint8, uint16 or a float type.
    """
    layout: str
    dtype: np.dtype

    @property
    def description(self) -> str:
        """E.g. ``'16-bit BGRA'`` or ``'8-bit grey'``."""
        depth = ('float' if self.dtype in _FLOATS else
                 f'{self.dtype.itemsize * 8}-bit')
        name = dict(gray='grey', gray1='grey', bgr='BGR', bgra='BGRA')
        return f'{depth} {name[self.layout]}'


def image_format(image: np.ndarray) -> ImageFormat:
    """The :class:`ImageFormat` of ``image``, or an error saying what is wrong.

    Args:
        image (np.ndarray): An image array as OpenCV holds it.

    Returns:
        ImageFormat: Its layout and type.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError('an image must be a numpy array, got '
                        f'{type(image).__name__}')
    channels = image.shape[2] if image.ndim == 3 else None
    layouts = {1: 'gray1', 3: 'bgr', 4: 'bgra'}
    if image.ndim == 2:
        layout = 'gray'
    elif channels in layouts:
        layout = layouts[channels]
    else:
        raise ValueError(
            f'an image must be (H, W) grey or (H, W, 1|3|4) grey, BGR or '
            f'BGRA, got shape {image.shape}')
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f'the image is empty (shape {image.shape})')
    if image.dtype not in _SCALES and image.dtype not in _FLOATS:
        raise TypeError(
            f'images must be uint8, uint16 or float in [0, 1], got '
            f'{image.dtype}')
    return ImageFormat(layout, image.dtype)


def _colour(image: np.ndarray, layout: str) -> np.ndarray:
    if layout == 'gray':
        return np.repeat(image[..., None], 3, axis=2)
    if layout == 'gray1':
        return np.repeat(image, 3, axis=2)
    return image[..., :3]


def to_bgr_unit(image: np.ndarray) -> Tuple[np.ndarray, ImageFormat]:
    """BGR float32 ``(H, W, 3)`` in ``[0, 1]`` from an image of any format.

    Args:
        image (np.ndarray): Grey, BGR or BGRA; uint8, uint16, or float with
            values in ``[0, 1]``.

    Returns:
        tuple[np.ndarray, ImageFormat]: The colour image and the original's
        format (for :func:`from_bgr_unit`).
    """
    fmt = image_format(image)
    colour = _colour(image, fmt.layout)
    if fmt.dtype in _SCALES:
        return colour.astype(np.float32) / _SCALES[fmt.dtype], fmt
    colour = colour.astype(np.float32)
    if not np.isfinite(colour).all():
        raise ValueError('the float image holds NaN or infinite values')
    low, high = float(colour.min()), float(colour.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f'float images must hold values in [0, 1], got [{low:g}, '
            f'{high:g}]; divide 8-bit values by 255 (or pass uint8 arrays)')
    return colour, fmt


def from_bgr_unit(restored: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Give a restored BGR ``[0, 1]`` image the format of ``original``.

    Args:
        restored (np.ndarray): ``(H, W, 3)`` float BGR in ``[0, 1]`` (values
            outside are clipped).
        original (np.ndarray): The image it was restored from (same H, W).

    Returns:
        np.ndarray: Same shape and dtype as ``original``: grey again for a
        grey original, ``original``'s alpha channel for a BGRA one.
    """
    fmt = image_format(original)
    if restored.shape != original.shape[:2] + (3, ):
        raise ValueError(f'restored image has shape {restored.shape}, the '
                         f'original {original.shape}')
    colour = np.clip(restored.astype(np.float32), 0.0, 1.0)
    if fmt.layout in ('gray', 'gray1'):
        colour = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
        if fmt.layout == 'gray1':
            colour = colour[..., None]
    if fmt.dtype in _SCALES:
        scale = _SCALES[fmt.dtype]
        colour = np.rint(colour * scale).astype(fmt.dtype)
    else:
        colour = colour.astype(fmt.dtype)
    if fmt.layout == 'bgra':
        colour = np.concatenate([colour, original[..., 3:]], axis=2)
    return np.ascontiguousarray(colour)
