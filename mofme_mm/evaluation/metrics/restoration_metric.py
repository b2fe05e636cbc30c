"""PSNR / SSIM of restored images, overall and per weather type."""
import json
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement
from prettytable import PrettyTable

from mofme_mm.registry import METRICS
from mofme_mm.utils.atomic_write import atomic_write_bytes

from ..functional import paper_ssim, psnr, ssim

SCORE_KEYS = ('PSNR', 'SSIM', 'input_PSNR', 'input_SSIM')
IMAGE_MEAN_GROUP = 'image_mean'
PROTOCOLS: Dict[str, dict] = {
    'paper': dict(
        quantize=False, ssim=paper_ssim,
        text='paper (piq-style, as the MoFME authors score: float outputs, '
        'no 8-bit rounding; SSIM after average-pooling by '
        'max(1, round(min(H, W) / 256)), 11x11 Gaussian sigma 1.5, valid '
        'window)'),
    'skimage': dict(
        quantize=True, ssim=ssim,
        text='skimage (outputs rounded to 8-bit levels; SSIM of '
        'skimage.metrics.structural_similarity at full resolution, 11x11 '
        'Gaussian sigma 1.5)'),
}


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


def mean_scores(results: Sequence[dict]) -> Dict[str, float]:
    """Mean of every score key that all ``results`` have.

    Args:
        results (Sequence[dict]): per-image (or per-group) scores.

    Returns:
        dict: ``PSNR``, ``SSIM`` (and ``input_*``) means.
    """
    return {k: float(np.mean([r[k] for r in results]))
            for k in SCORE_KEYS if results and all(k in r for r in results)}


def group_by_weather(results: Sequence[dict]) -> 'OrderedDict[str, list]':
    """Per-image results grouped by their ``weather``, sorted by name."""
    groups: Dict[str, list] = {}
    for result in results:
        groups.setdefault(str(result['weather']), []).append(result)
    return OrderedDict(sorted(groups.items()))


@METRICS.register_module()
class RestorationMetric(BaseMetric):
    """PSNR and SSIM of ``pred_img`` against ``gt_img``, per weather.

    Reads from each data sample: ``pred_img`` and ``gt_img`` (``PixelData``
    with ``(3, H, W)`` RGB floats in ``[0, 1]``), optionally ``input_img``
    (the weathered input, for the identity baseline) and the metainfo
    ``weather`` and ``img_path`` (samples without ``weather`` form the group
    ``'unknown'``).

    Keys returned by ``compute_metrics``:

    - ``PSNR``, ``SSIM`` (and ``input_PSNR``, ``input_SSIM`` when inputs were
      given): the headline, the MEAN OF THE PER-WEATHER MEANS, as the paper's
      "Average" column (its Table 1: 27.91 / 28.54 / 28.76 -> 28.40). Every
      weather counts the same however many images it has.
    - ``{weather}/PSNR``, ``{weather}/SSIM``, ``{weather}/input_PSNR``...:
      the mean over the images of one weather (with ``per_weather=True``).
    - ``image_mean/PSNR``, ``image_mean/SSIM``, ``image_mean/input_PSNR``...:
      the mean over all images (the old headline; on All-Weather the snow
      images dominate it). With a single weather it equals the headline.

    Protocols (``protocol``), both on RGB images scaled to ``[0, 255]``:

    - ``'paper'`` (default): the authors' scoring (piq): float outputs, no
      8-bit rounding; SSIM by :func:`paper_ssim` (average-pool by
      ``max(1, round(min(H, W) / 256))``, i.e. 4x on 2048 x 1024 frames,
      then an 11 x 11, sigma 1.5 Gaussian SSIM on the 'valid' map). Use it
      to compare with the paper's tables.
    - ``'skimage'``: images rounded to 8-bit levels (as saved PNGs);
      SSIM by :func:`ssim`, scikit-image's ``structural_similarity``
      (Gaussian 11 x 11, sigma 1.5) at full resolution - the numbers of most
      restoration code bases that score saved images.

    PSNR is the same formula in both (``10 log10(255^2 / MSE)``), capped at
    ``max_psnr`` (80 dB by default) so that one identical pair cannot make a
    mean infinite; 80 dB is also what piq (MSE floor 1e-8 on ``[0, 1]``)
    gives an identical pair. The two protocols' SSIMs are not
    interchangeable (measured on a street frame: 0.947 vs 0.930 fog, 0.709
    vs 0.620 rain).

    Every evaluation logs a table of the per-weather, headline and image
    means titled with the protocol and keeps it in :attr:`table`;
    :attr:`protocol` (``'paper'`` or ``'skimage'``) and
    :attr:`protocol_description` (one line) name it for tools that print the
    results. The per-image results of the last
    evaluation stay in :attr:`per_image_results` (and in ``output_file`` as
    JSON when set, written atomically).

    Args:
        protocol (str): ``'paper'`` or ``'skimage'``. Defaults to
            ``'paper'``.
        crop_border (int): pixels removed from each edge (before pooling).
            Defaults to 0.
        test_y_channel (bool): compute on the BT.601 Y channel. Defaults to
            False.
        max_psnr (float): cap of the per-image PSNR in dB. Defaults to 80.
        with_input (bool): also score ``input_img`` when present. Defaults to
            True.
        per_weather (bool): add the ``{weather}/...`` keys. Defaults to True.
        output_file (str | None): JSON file for the per-image results.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str | None): metric-name prefix. Defaults to None.
    """

    default_prefix: Optional[str] = None

    def __init__(self, protocol: str = 'paper', crop_border: int = 0,
                 test_y_channel: bool = False, max_psnr: float = 80.0,
                 with_input: bool = True, per_weather: bool = True,
                 output_file: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if protocol not in PROTOCOLS:
            raise ValueError(
                f'RestorationMetric protocol must be one of '
                f'{sorted(PROTOCOLS)}, got {protocol!r}.')
        if not isinstance(crop_border, int) or crop_border < 0:
            raise ValueError('RestorationMetric crop_border must be an int '
                             f'>= 0, got {crop_border!r}.')
        if not float(max_psnr) > 0:
            raise ValueError('RestorationMetric max_psnr must be > 0 dB, got '
                             f'{max_psnr!r}.')
        self.protocol = protocol
        self.crop_border = crop_border
        self.test_y_channel = test_y_channel
        self.max_psnr = float(max_psnr)
        self.quantize = PROTOCOLS[protocol]['quantize']
        self._ssim: Callable = PROTOCOLS[protocol]['ssim']
        self.with_input = with_input
        self.per_weather = per_weather
        self.output_file = output_file
        self.per_image_results: List[dict] = []
        self.table = ''

    @property
    def protocol_description(self) -> str:
        """One line naming the protocol and any non-default option."""
        text = PROTOCOLS[self.protocol]['text']
        extras = []
        if self.test_y_channel:
            extras.append('Y channel')
        if self.crop_border:
            extras.append(f'crop_border={self.crop_border}')
        extras.append(f'PSNR capped at {self.max_psnr:g} dB')
        return f"{text}; {', '.join(extras)}"

    def _score(self, img: np.ndarray, gt: np.ndarray) -> Dict[str, float]:
        kwargs = dict(crop_border=self.crop_border,
                      test_y_channel=self.test_y_channel)
        return dict(PSNR=min(psnr(img, gt, **kwargs), self.max_psnr),
                    SSIM=self._ssim(img, gt, **kwargs))

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Score every image of a batch and store its result."""
        for sample in data_samples:
            pred, gt = (_image_data(_field(sample, k))
                        for k in ('pred_img', 'gt_img'))
            if pred is None or gt is None:
                raise KeyError(
                    'RestorationMetric needs pred_img and gt_img in every data '
                    f'sample (img_path={_field(sample, "img_path")!r}).')
            if not bool(torch.isfinite(pred).all()):
                raise ValueError(
                    'RestorationMetric: the restored image of '
                    f'{_field(sample, "img_path")!r} has NaN or infinite '
                    'values; the model diverged or its weights are broken.')
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
        """Headline (mean of weather means), per-weather and image means.

        Args:
            results (list[dict]): per-image results from :meth:`process`.

        Returns:
            dict: See the class docstring for the keys.
        """
        self.per_image_results = list(results)
        if self.output_file:
            atomic_write_bytes(self.output_file, json.dumps(
                self.per_image_results, indent=1, allow_nan=False).encode())
        groups = group_by_weather(results)
        weather_means = OrderedDict(
            (weather, mean_scores(group)) for weather, group in groups.items())
        metrics = mean_scores(list(weather_means.values()))
        image_mean = mean_scores(results)
        metrics.update({f'{IMAGE_MEAN_GROUP}/{k}': v
                        for k, v in image_mean.items()})
        if self.per_weather:
            for weather, means in weather_means.items():
                metrics.update({f'{weather}/{k}': v for k, v in means.items()})
        if results:
            self._log_table(groups, weather_means, metrics, image_mean)
        return metrics

    def _log_table(self, groups: dict, weather_means: dict, headline: dict,
                   image_mean: dict) -> None:
        """Log per-weather, headline and per-image means with the protocol."""
        columns = [k for k in SCORE_KEYS if k in image_mean]
        table = PrettyTable(['weather', 'images', *columns])
        table.title = f'RestorationMetric, protocol: {self.protocol}'
        rows = [(w, len(groups[w]), weather_means[w]) for w in groups]
        rows.append((f'mean of {len(groups)} weathers (headline)',
                     sum(len(g) for g in groups.values()), headline))
        rows.append((f'{IMAGE_MEAN_GROUP} (per image)',
                     sum(len(g) for g in groups.values()), image_mean))
        for name, count, values in rows:
            table.add_row([name, count] + [
                f'{values[k]:.4f}' if k in values else '-' for k in columns])
        self.table = table.get_string()
        logger: MMLogger = MMLogger.get_current_instance()
        print_log(f'restoration results ({self.protocol_description}):\n'
                  + self.table, logger)
