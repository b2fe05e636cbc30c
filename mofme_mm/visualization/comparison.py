"""Side-by-side comparison images (input | restored | ground truth)."""
from typing import Optional, Sequence

import numpy as np
import torch


def to_bgr_uint8(image: torch.Tensor) -> np.ndarray:
    """Turn an RGB ``(3, H, W)`` float image in [0, 1] into uint8 BGR HWC.

    Args:
        image (Tensor): RGB image in [0, 1] (values outside are clipped).

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 BGR, ready for ``cv2.imwrite``.
    """
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError('expected an RGB (3, H, W) image, got shape '
                         f'{tuple(image.shape)}.')
    array = image.detach().float().clamp(0, 1).mul(255).round().byte()
    return np.ascontiguousarray(array.flip(0).permute(1, 2, 0).cpu().numpy())


def comparison_panel(images: Sequence[Optional[torch.Tensor]],
                     gap: int = 4) -> np.ndarray:
    """Place RGB [0, 1] images left to right with white gaps between them.

    Args:
        images (Sequence[Tensor | None]): ``(3, H, W)`` images of equal
            height; ``None`` entries are skipped.
        gap (int): Width of the white separators in pixels. Defaults to 4.

    Returns:
        np.ndarray: ``(H, W_total, 3)`` uint8 BGR panel.
    """
    arrays = [to_bgr_uint8(image) for image in images if image is not None]
    if not arrays:
        raise ValueError('comparison_panel needs at least one image.')
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
