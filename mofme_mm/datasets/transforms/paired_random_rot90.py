"""Random 90-degree rotations applied identically to all paired arrays."""
from typing import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mofme_mm.registry import TRANSFORMS

from .paired_keys import DEFAULT_KEYS, present_keys


@TRANSFORMS.register_module()
class PairedRandomRot90(BaseTransform):
    """Rotate every paired array by ``k * 90`` degrees (counter-clockwise).

    With probability ``prob`` ``k`` is drawn from {1, 2, 3}, else 0.

    Required keys: any of ``keys``. Modified keys: those keys,
    ``img_shape``. Added keys: ``rot90_k``.

    Args:
        prob (float): probability of rotating. Defaults to 0.5.
        keys (Sequence[str]): arrays to rotate. Defaults to
            ``('img', 'gt_img', 'gt_seg_map')`` (plus mmseg ``seg_fields``).
    """

    def __init__(self, prob: float = 0.5,
                 keys: Sequence[str] = DEFAULT_KEYS) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.keys = tuple(keys)

    def transform(self, results: dict) -> dict:
        keys = present_keys(results, self.keys)
        k = int(np.random.randint(1, 4)) if np.random.rand() < self.prob \
            else 0
        if k:
            for key in keys:
                results[key] = np.ascontiguousarray(
                    np.rot90(results[key], k, axes=(0, 1)))
        results['rot90_k'] = k
        results['img_shape'] = results[keys[0]].shape[:2]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, keys={self.keys})'
