"""Random crop applied identically to input, ground truth and label."""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mofme_mm.registry import TRANSFORMS

from .paired_keys import DEFAULT_KEYS, present_keys


@TRANSFORMS.register_module()
class PairedRandomCrop(BaseTransform):
    """Crop the same random window out of every paired array.

    Images smaller than the crop are first padded at the bottom/right
    (images with ``pad_val``, labels with ``seg_pad_val``).

    Required keys: any of ``keys``. Modified keys: those keys,
    ``img_shape``. Added keys: ``crop_bbox`` ``(x0, y0, x1, y1)``.

    Args:
        crop_size (int | tuple[int, int]): ``(h, w)`` or one int. Defaults to
            256.
        keys (Sequence[str]): arrays to crop. Defaults to
            ``('img', 'gt_img', 'gt_seg_map')`` (plus mmseg ``seg_fields``).
        pad_val (int): image padding value. Defaults to 0.
        seg_pad_val (int): label padding value. Defaults to 255.
    """

    def __init__(self, crop_size: Union[int, Tuple[int, int]] = 256,
                 keys: Sequence[str] = DEFAULT_KEYS, pad_val: int = 0,
                 seg_pad_val: int = 255) -> None:
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f'crop_size must be positive (h, w), got '
                             f'{crop_size}')
        self.crop_size = tuple(int(c) for c in crop_size)
        self.keys = tuple(keys)
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    def _pad(self, arr: np.ndarray, key: str, results: dict) -> np.ndarray:
        ch, cw = self.crop_size
        h, w = arr.shape[:2]
        if h >= ch and w >= cw:
            return arr
        is_seg = key == 'gt_seg_map' or key in results.get('seg_fields', [])
        pad = [(0, max(ch - h, 0)), (0, max(cw - w, 0))] + [(0, 0)] * (
            arr.ndim - 2)
        return np.pad(arr, pad, constant_values=self.seg_pad_val
                      if is_seg else self.pad_val)

    def transform(self, results: dict) -> dict:
        keys = present_keys(results, self.keys)
        for key in keys:
            results[key] = self._pad(results[key], key, results)
        h, w = results[keys[0]].shape[:2]
        ch, cw = self.crop_size
        y0 = int(np.random.randint(0, h - ch + 1))
        x0 = int(np.random.randint(0, w - cw + 1))
        for key in keys:
            results[key] = np.ascontiguousarray(
                results[key][y0:y0 + ch, x0:x0 + cw])
        results['img_shape'] = (ch, cw)
        results['crop_bbox'] = (x0, y0, x0 + cw, y0 + ch)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, '
                f'keys={self.keys})')
