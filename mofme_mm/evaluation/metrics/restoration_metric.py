"""PSNR / SSIM of restored images, overall and per weather type."""
import json
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mofme_mm.registry import METRICS

from ..functional import psnr, ssim

_IMAGE_FIELDS = ('pred_img', 'gt_img', 'input_img')


def _field(sample: Any, name: str) -> Any:
    """Read ``name`` from a data sample or its ``to_dict()`` form."""
    return sample.get(name)


def _image_data(value: Any) -> Optional[torch.Tensor]:
    """The ``(C, H, W)`` tensor of a PixelData / its dict / a tensor."""
    if value is None:
        return None
    if isinstance(value, BaseDataElement):
        value = value.get('data')
    elif isinstance(value, dict):
        value = value.get('data')
    return torch.as_tensor(value) if value is not None else None


def to_metric_image(data: torch.Tensor, img_shape: Optional[Sequence[int]],
                    quantize: bool) -> np.ndarray:
    """``(3, H, W)`` RGB float in ``[0, 1]`` -> ``H x W x 3`` in ``[0, 255]``.

    Args:
        data (torch.Tensor): the image tensor.
        img_shape (Sequence[int] | None): valid ``(h, w)``; pixels beyond it
            (batch padding) are dropped.
        quantize (bool): round to 8-bit levels, as saved images are.

    Returns:
        np.ndarray: float64 image.
    """
    img = data.detach().to('cpu', torch.float64)
    if img.ndim == 4 and img.shape[0] == 1:
        img = img[0]
    if img_shape is not None:
        img = img[:, :int(img_shape[0]), :int(img_shape[1])]
    img = img.clamp(0, 1) * 255.0
    if quantize:
        img = img.round()
    return img.permute(1, 2, 0).numpy()


@METRICS.register_module()
class RestorationMetric(BaseMetric):
    """PSNR and SSIM of ``pred_img`` against ``gt_img``.

    Reads from each data sample: ``pred_img`` and ``gt_img`` (``PixelData``
    with ``(3, H, W)`` RGB floats in ``[0, 1]``), optionally ``input_img``
    (the weathered input, for the identity baseline) and the metainfo
    ``weather`` and ``img_path``. ``process`` stores one result per image;
    ``compute_metrics`` returns the means ``PSNR``, ``SSIM``, ``input_PSNR``,
    ``input_SSIM`` (when inputs were given) and the same per weather as
    ``{weather}/PSNR``, ``{weather}/input_PSNR``... The per-image results of
    the last evaluation stay in :attr:`per_image_results` (and in
    ``output_file`` as JSON when set).

    Args:
        crop_border (int): pixels removed from each edge. Defaults to 0.
        test_y_channel (bool): compute on the BT.601 Y channel. Defaults to
            False.
        quantize (bool): round images to 8-bit levels first. Defaults to
            True.
        with_input (bool): also score ``input_img`` when present. Defaults to
            True.
        per_weather (bool): add per-weather keys. Defaults to True.
        output_file (str | None): JSON file for the per-image results.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str | None): metric-name prefix. Defaults to None.
    """

    default_prefix: Optional[str] = None

    def __init__(self, crop_border: int = 0, test_y_channel: bool = False,
                 quantize: bool = True, with_input: bool = True,
                 per_weather: bool = True, output_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.crop_border = crop_border
        self.test_y_channel = test_y_channel
        self.quantize = quantize
        self.with_input = with_input
        self.per_weather = per_weather
        self.output_file = output_file
        self.per_image_results: List[dict] = []

    def _score(self, img: np.ndarray, gt: np.ndarray) -> Dict[str, float]:
        kwargs = dict(crop_border=self.crop_border,
                      test_y_channel=self.test_y_channel)
        return dict(PSNR=psnr(img, gt, **kwargs), SSIM=ssim(img, gt, **kwargs))

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score every image of a batch and store its result."""
        for sample in data_samples:
            pred, gt = (_image_data(_field(sample, k))
                        for k in ('pred_img', 'gt_img'))
            if pred is None or gt is None:
                raise KeyError(
                    'RestorationMetric needs pred_img and gt_img in every data '
                    f'sample (img_path={_field(sample, "img_path")!r}).')
            shape = _field(sample, 'img_shape')
            gt_np = to_metric_image(gt, shape, self.quantize)
            result = dict(img_path=_field(sample, 'img_path'),
                          weather=_field(sample, 'weather') or 'unknown')
            result.update(self._score(
                to_metric_image(pred, shape, self.quantize), gt_np))
            inp = _image_data(_field(sample, 'input_img'))
            if self.with_input and inp is not None:
                scores = self._score(to_metric_image(inp, shape,
                                                     self.quantize), gt_np)
                result.update({f'input_{k}': v for k, v in scores.items()})
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-image results, overall and per weather."""
        self.per_image_results = list(results)
        if self.output_file:
            with open(self.output_file, 'w') as f:
                json.dump(self.per_image_results, f, indent=1)
        metrics = self._mean(results)
        if self.per_weather:
            groups = defaultdict(list)
            for r in results:
                groups[r['weather']].append(r)
            for weather, group in sorted(groups.items()):
                metrics.update({f'{weather}/{k}': v
                                for k, v in self._mean(group).items()})
        return metrics

    @staticmethod
    def _mean(results: List[dict]) -> Dict[str, float]:
        keys = ('PSNR', 'SSIM', 'input_PSNR', 'input_SSIM')
        return {k: float(np.mean([r[k] for r in results]))
                for k in keys if results and all(k in r for r in results)}
