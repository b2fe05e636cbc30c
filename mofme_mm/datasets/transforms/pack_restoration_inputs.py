"""Pack a paired sample into model inputs and a RestorationDataSample."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from mofme_mm.registry import TRANSFORMS
from mofme_mm.structures import RestorationDataSample

DEFAULT_META_KEYS = ('img_path', 'gt_path', 'seg_map_path', 'weather',
                     'ori_shape', 'img_shape', 'sample_idx', 'frame_id',
                     'alpha', 'beta', 'dropsize', 'pattern', 'crop_bbox',
                     'flip', 'flip_direction', 'rot90_k')


def image_to_tensor(img: np.ndarray) -> torch.Tensor:
    """``(H, W[, C])`` array -> contiguous ``(C, H, W)`` tensor, same dtype."""
    if img.ndim == 2:
        img = img[..., None]
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))


@TRANSFORMS.register_module()
class PackRestorationInputs(BaseTransform):
    """Pack ``img`` / ``gt_img`` (/ ``gt_seg_map``) for the restorer.

    Returns ``dict(inputs=(3, H, W) tensor (uint8 BGR as loaded),
    data_samples=RestorationDataSample)`` whose ``gt_img`` is a ``PixelData``
    with the ``(3, H, W)`` ground truth, ``gt_sem_seg`` (``(1, H, W)``
    int64) when a label was loaded, and metainfo from ``meta_keys`` that are
    present (``weather`` included).

    Args:
        meta_keys (Sequence[str]): keys copied into the metainfo when
            present. Defaults to paths, ``weather``, shapes, the weather
            parameters and the augmentation records.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        if 'img' not in results:
            raise KeyError('PackRestorationInputs: no "img" in the sample; '
                           'load it first (LoadImageFromFile).')
        img = results['img']
        sample = RestorationDataSample()
        if 'gt_img' in results:
            gt = results['gt_img']
            if gt.shape != img.shape:
                raise ValueError(
                    f'input {results.get("img_path")!r} has shape '
                    f'{img.shape} but its ground truth '
                    f'{results.get("gt_path")!r} has {gt.shape}: a pair must '
                    'match in size and channels.')
            sample.gt_img = PixelData(data=image_to_tensor(gt))
        if 'gt_seg_map' in results:
            seg = results['gt_seg_map'].astype(np.int64)
            sample.gt_sem_seg = PixelData(data=torch.from_numpy(seg[None]))
        sample.set_metainfo(
            {k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=image_to_tensor(img), data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
