"""Load the clean ground-truth image of a paired sample."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mofme_mm.registry import TRANSFORMS

from .image_io import load_image_file


@TRANSFORMS.register_module()
class LoadGTImageFromFile(BaseTransform):
    """Read ``results[path_key]`` into ``results[key]``.

    Required keys: ``gt_path``. Added keys: ``gt_img`` (``H x W x 3`` uint8
    BGR, like mmcv's ``LoadImageFromFile`` for ``img``). An unreadable file
    raises ``OSError`` naming it. With ``key='img', path_key='img_path'`` it
    loads the input too (and sets ``img_shape`` / ``ori_shape``).

    Args:
        key (str): where to store the image. Defaults to ``'gt_img'``.
        path_key (str): key of the path. Defaults to ``'gt_path'``.
        to_float32 (bool): convert to float32; the values stay BGR
            ``[0, 255]`` (like mmcv's ``LoadImageFromFile``), and
            ``RestorationDataPreprocessor`` converts uint8 and float32 ground
            truths alike to RGB ``[0, 1]``. Defaults to False.
        color_type (str): mmcv ``imfrombytes`` flag. Defaults to ``'color'``.
        imdecode_backend (str): decoding backend. Defaults to ``'cv2'``.
        backend_args (dict | None): file backend arguments.
    """

    def __init__(self, key: str = 'gt_img', path_key: str = 'gt_path',
                 to_float32: bool = False, color_type: str = 'color',
                 imdecode_backend: str = 'cv2',
                 backend_args: Optional[dict] = None) -> None:
        self.key = key
        self.path_key = path_key
        self.to_float32 = to_float32
        self.color_type = color_type
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results: dict) -> dict:
        if self.path_key not in results:
            raise KeyError(
                f'LoadGTImageFromFile: sample has no {self.path_key!r}; the '
                'dataset must give the ground-truth path (keys: '
                f'{sorted(results)}).')
        img = load_image_file(results[self.path_key], self.color_type,
                              self.imdecode_backend, self.backend_args)
        if self.to_float32:
            img = img.astype(np.float32)
        results[self.key] = img
        if self.key == 'img':
            results['img_shape'] = img.shape[:2]
            results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(key={self.key!r}, '
                f'path_key={self.path_key!r}, to_float32={self.to_float32}, '
                f'color_type={self.color_type!r})')
