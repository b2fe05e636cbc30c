"""Random flips applied identically to input, ground truth and label."""
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mofme_mm.registry import TRANSFORMS

from .paired_keys import DEFAULT_KEYS, present_keys

_AXES = dict(horizontal=1, vertical=0)


@TRANSFORMS.register_module()
class PairedRandomFlip(BaseTransform):
    """Flip every paired array with probability ``prob`` per direction.

    Required keys: any of ``keys``. Modified keys: those keys. Added keys:
    ``flip`` (bool) and ``flip_direction`` (``'horizontal'``,
    ``'vertical'``, ``'diagonal'`` for both, or None).

    Args:
        prob (float): probability of each flip. Defaults to 0.5.
        direction (str | Sequence[str]): ``'horizontal'`` and/or
            ``'vertical'``, each drawn independently. Defaults to
            ``'horizontal'``.
        keys (Sequence[str]): arrays to flip. Defaults to
            ``('img', 'gt_img', 'gt_seg_map')`` (plus mmseg ``seg_fields``).
    """

    def __init__(self, prob: float = 0.5,
                 direction: Union[str, Sequence[str]] = 'horizontal',
                 keys: Sequence[str] = DEFAULT_KEYS) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        directions = [direction] if isinstance(direction, str) else list(
            direction)
        for d in directions:
            if d not in _AXES:
                raise ValueError(f'direction must be horizontal or vertical, '
                                 f'got {d!r}')
        self.prob = prob
        self.directions = directions
        self.keys = tuple(keys)

    def transform(self, results: dict) -> dict:
        keys = present_keys(results, self.keys)
        done = [d for d in self.directions if np.random.rand() < self.prob]
        for d in done:
            for key in keys:
                results[key] = np.ascontiguousarray(
                    np.flip(results[key], axis=_AXES[d]))
        results['flip'] = bool(done)
        results['flip_direction'] = (
            None if not done else done[0] if len(done) == 1 else 'diagonal')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'direction={self.directions}, keys={self.keys})')
