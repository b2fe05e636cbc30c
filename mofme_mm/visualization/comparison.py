"""Side-by-side comparison images (input | restored | ground truth).

Plain array functions; :class:`RestorationVisualizer` puts them together and
sends the result to mmengine's visualisation backends.
"""
from typing import Optional, Sequence

import cv2
import numpy as np
import torch

FONT = cv2.FONT_HERSHEY_SIMPLEX


def to_rgb_uint8(image: torch.Tensor) -> np.ndarray:
    """Turn an RGB ``(3, H, W)`` float image in [0, 1] into uint8 RGB HWC.

    Args:
        image (Tensor): RGB image in [0, 1] (values outside are clipped).

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB, as mmengine's visualiser and
        its backends take images.
    """
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError('expected an RGB (3, H, W) image, got shape '
                         f'{tuple(image.shape)}.')
    array = image.detach().float().clamp(0, 1).mul(255).round().byte()
    return np.ascontiguousarray(array.permute(1, 2, 0).cpu().numpy())


def to_bgr_uint8(image: torch.Tensor) -> np.ndarray:
    """Like :func:`to_rgb_uint8`, in BGR order (ready for ``cv2.imwrite``).

    Args:
        image (Tensor): RGB ``(3, H, W)`` image in [0, 1].

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 BGR.
    """
    return np.ascontiguousarray(to_rgb_uint8(image)[..., ::-1])


def comparison_panel(images: Sequence[Optional[np.ndarray]],
                     gap: int = 4) -> np.ndarray:
    """Place ``(H, W, 3)`` uint8 images left to right with white gaps.

    Args:
        images (Sequence[np.ndarray | None]): Images of equal height, all in
            the same channel order (which the panel keeps); ``None`` entries
            are skipped.
        gap (int): Width of the white separators in pixels. Defaults to 4.

    Returns:
        np.ndarray: ``(H, W_total, 3)`` uint8 panel.
    """
    arrays = [image for image in images if image is not None]
    if not arrays:
        raise ValueError('comparison_panel needs at least one image.')
    for array in arrays:
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
            raise ValueError('comparison_panel takes (H, W, 3) uint8 images, '
                             f'got {array.dtype} {array.shape}.')
    height = arrays[0].shape[0]
    if any(array.shape[0] != height for array in arrays):
        raise ValueError('comparison_panel images must share their height, '
                         f'got {[array.shape[:2] for array in arrays]}.')
    separator = np.full((height, gap, 3), 255, dtype=np.uint8)
    pieces = []
    for index, array in enumerate(arrays):
        if index:
            pieces.append(separator)
        pieces.append(array)
    return np.concatenate(pieces, axis=1)


def title_height(image_height: int) -> int:
    """Height of the title bar above a panel of ``image_height`` rows.

    Args:
        image_height (int): Height of the panel's images.

    Returns:
        int: 4% of the image height, at least 14 pixels.
    """
    return max(14, int(round(0.04 * image_height)))


def add_title(panel: np.ndarray, title: str) -> np.ndarray:
    """Put a white bar with ``title`` in black above ``panel``.

    The text is scaled to fill about 60% of the bar's height, or less when
    it would not fit the panel's width. The panel's own pixels are not
    touched (the bar is added above them).

    Args:
        panel (np.ndarray): ``(H, W, 3)`` uint8 image.
        title (str): Text of the bar (ASCII; OpenCV's Hershey font).

    Returns:
        np.ndarray: ``(H + title_height(H), W, 3)`` uint8 image.
    """
    height, width = panel.shape[:2]
    bar_height = title_height(height)
    bar = np.full((bar_height, width, 3), 255, dtype=np.uint8)
    (text_width, text_height), _ = cv2.getTextSize(title, FONT, 1.0, 1)
    margin = max(2, bar_height // 5)
    scale = min(0.6 * bar_height / text_height,
                (width - 2 * margin) / max(text_width, 1))
    if scale > 0:
        thickness = max(1, int(round(scale)))
        (_, scaled_height), _ = cv2.getTextSize(title, FONT, scale, thickness)
        baseline_y = (bar_height + scaled_height) // 2
        cv2.putText(bar, title, (margin, baseline_y), FONT, scale, (0, 0, 0),
                    thickness, cv2.LINE_AA)
    return np.concatenate([bar, panel], axis=0)


def panel_title(columns: Sequence[str], weather: Optional[str] = None) -> str:
    """Title of a panel: ``'rain: input | restored | ground truth'``.

    Args:
        columns (Sequence[str]): Names of the panel's columns, left to right.
        weather (str, optional): Weather of the sample; None (or
            ``'unknown'``) leaves it out.

    Returns:
        str: The title text.
    """
    names = ' | '.join(columns)
    return names if weather in (None, '', 'unknown') else f'{weather}: {names}'
