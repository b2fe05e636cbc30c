"""Data preprocessor for paired (weathered, clean) restoration batches."""
from typing import List, Optional, Tuple

import torch
from mmengine.model import ImgDataPreprocessor

from mofme_mm.registry import MODELS

CONVERTED_KEY = 'rgb_unit'


def gt_to_rgb_unit(gt: torch.Tensor, name: str = 'gt_img') -> torch.Tensor:
    """Turn a packed BGR ``[0, 255]`` ``(3, H, W)`` ground truth into RGB
    ``[0, 1]``.

    The ground truth is packed as loaded: uint8, or float32 with the same
    ``[0, 255]`` values when ``LoadGTImageFromFile(to_float32=True)`` loaded
    it; both are converted the same way (as ``ImgDataPreprocessor`` treats
    the inputs). Other integer types (e.g. 16-bit PNGs loaded with
    ``color_type='unchanged'``) are refused.

    Args:
        gt (Tensor): BGR image as packed by ``PackRestorationInputs``.
        name (str): what to call the image in errors (e.g. its path).
            Defaults to ``'gt_img'``.

    Returns:
        Tensor: Float RGB ``(3, H, W)`` in ``[0, 1]``.
    """
    if gt.dim() != 3 or gt.shape[0] != 3:
        raise ValueError(f'{name} must be a (3, H, W) BGR image, got shape '
                         f'{tuple(gt.shape)}.')
    if gt.dtype != torch.uint8 and not gt.is_floating_point():
        raise TypeError(
            f'{name} has dtype {gt.dtype}; the restorer needs 8-bit ground '
            'truths: load them with LoadGTImageFromFile(color_type=\'color\') '
            '(uint8, or float32 [0, 255] with to_float32=True).')
    return gt.flip(0).float() / 255.0


@MODELS.register_module()
class RestorationDataPreprocessor(ImgDataPreprocessor):
    """Stack weathered inputs as RGB in [0, 1] and convert their ground truth.

    The packed batch holds BGR ``(3, H, W)`` inputs in ``[0, 255]`` (uint8,
    or float32 when loaded with ``to_float32=True``) and ``gt_img`` of the
    same size in each data sample. The parent ``ImgDataPreprocessor`` flips
    BGR to RGB, divides by 255 and pads mixed sizes to a common shape
    (bottom/right, ``pad_value``); this class converts each sample's
    ``gt_img`` the same way (:func:`gt_to_rgb_unit`, left unpadded), marks it
    converted (``gt_img.metainfo['rgb_unit']``, so a second pass leaves it
    alone) and records the unpadded size as ``img_shape`` and the padded
    batch size (H, W) as ``pad_shape``.

    Args:
        pad_size_divisor (int): Pad the batch to a multiple of this.
            Defaults to 1.
        pad_value (float): Padding value of the [0, 255] image (before the
            division). Defaults to 0.
        non_blocking (bool): Non-blocking device transfers. Defaults to False.
    """

    def __init__(self,
                 pad_size_divisor: int = 1,
                 pad_value: float = 0,
                 non_blocking: Optional[bool] = False) -> None:
        super().__init__(
            mean=(0.0, 0.0, 0.0),
            std=(255.0, 255.0, 255.0),
            pad_size_divisor=pad_size_divisor,
            pad_value=pad_value,
            bgr_to_rgb=True,
            non_blocking=non_blocking)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Convert a packed batch.

        Args:
            data (dict): ``inputs`` (list of uint8 BGR ``(3, H, W)`` tensors
                or a ``(B, 3, H, W)`` tensor) and optional ``data_samples``.
            training (bool): Unused; kept for the mmengine interface.

        Returns:
            dict: ``inputs`` float ``(B, 3, H, W)`` RGB in [0, 1] and the
            ``data_samples`` with converted ``gt_img``.
        """
        sizes = self._input_sizes(data['inputs'])
        data = super().forward(data, training)
        pad_shape = tuple(data['inputs'].shape[-2:])
        for sample, size in zip(data['data_samples'] or [], sizes):
            sample.set_metainfo(dict(img_shape=size, pad_shape=pad_shape))
            if 'gt_img' in sample and not sample.gt_img.metainfo.get(
                    CONVERTED_KEY, False):
                sample.gt_img.data = gt_to_rgb_unit(
                    sample.gt_img.data,
                    f"gt_img of {sample.metainfo.get('img_path', 'a sample')}")
                sample.gt_img.set_metainfo({CONVERTED_KEY: True})
        return data

    @staticmethod
    def _input_sizes(inputs) -> List[Tuple[int, int]]:
        images = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        for image in images:
            if image.dim() not in (3, 4) or image.shape[-3] != 3:
                raise ValueError(
                    'RestorationDataPreprocessor needs 3-channel (3, H, W) '
                    f'BGR images, got shape {tuple(image.shape)}; load them '
                    "with color_type='color'.")
            if image.dtype != torch.uint8 and not image.is_floating_point():
                raise TypeError(
                    f'RestorationDataPreprocessor got {image.dtype} images; '
                    'it needs 8-bit [0, 255] inputs (uint8, or float32 with '
                    "to_float32=True): load them with color_type='color'.")
        if isinstance(inputs, torch.Tensor):
            return [tuple(inputs.shape[-2:])] * inputs.shape[0]
        return [tuple(image.shape[-2:]) for image in inputs]
