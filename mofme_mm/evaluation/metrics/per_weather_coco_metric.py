"""mmdet's COCO metric, also reported per weather type."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

from mmdet.evaluation.metrics import CocoMetric
from mmengine.logging import MMLogger, print_log
from terminaltables import AsciiTable

from mofme_mm.registry import METRICS


def group_by_weather(results: Sequence[tuple]) -> Dict[str, List[tuple]]:
    """Split ``(gt, prediction)`` pairs by the ``weather`` of their gt.

    Args:
        results (Sequence[tuple]): pairs stored by
            :meth:`PerWeatherCocoMetric.process`.

    Returns:
        dict: weather -> its pairs, in order of first appearance; samples
        without a weather are left out.
    """
    groups: Dict[str, List[tuple]] = OrderedDict()
    for gt, pred in results:
        if gt.get('weather') is not None:
            groups.setdefault(str(gt['weather']), []).append((gt, pred))
    return groups


def number_images(results: Sequence[tuple]) -> List[tuple]:
    """Give every ``(gt, prediction)`` pair its own image id: its position.

    Several weathered images share one clean frame and datasets concatenated
    for one evaluation (rain + fog) repeat each other's ``img_id``; COCO
    evaluation needs one id per evaluated image.

    Args:
        results (Sequence[tuple]): ``(gt, prediction)`` pairs.

    Returns:
        list[tuple]: copies with ``img_id`` = 0, 1, ... in order.
    """
    return [(dict(gt, img_id=i), dict(pred, img_id=i))
            for i, (gt, pred) in enumerate(results)]


@METRICS.register_module()
class PerWeatherCocoMetric(CocoMetric):
    """mmdet's ``CocoMetric`` over all samples and per weather type.

    The COCO evaluation is mmdet's own, run once on all samples and once on
    the samples of each weather (the ``weather`` metainfo packed by
    :class:`RainCityscapesDetDataset` / :class:`FoggyCityscapesDetDataset`).
    The keys are ``CocoMetric``'s (``bbox_mAP``, ``bbox_mAP_50``, ...,
    ``segm_mAP`` ...) for all samples plus ``{weather}/bbox_mAP``, ... per
    weather, e.g. ``rain/bbox_mAP``, ``fog/segm_mAP_50``; each per-weather
    value equals ``CocoMetric`` run on that weather's samples alone. Samples
    without ``weather`` count in the overall scores only.

    The ground truth is each sample's own ``instances`` (``CocoMetric``
    without ``ann_file``), so add ``'instances'`` and ``'weather'`` to
    ``PackDetInputs(meta_keys=...)``. Images are numbered by their position
    in the evaluation, so several weathered images of one clean frame and
    concatenated datasets with overlapping ``img_id`` are evaluated as
    distinct images.

    Args:
        weather_key (str): Metainfo key holding the weather type.
            Defaults to 'weather'.
        prefix (str, optional): Prefix of the metric names; None (default)
            gives ``bbox_mAP`` and ``rain/bbox_mAP``, ``'coco'`` gives
            mmdet's ``coco/bbox_mAP`` and ``coco/rain/bbox_mAP``.
        **kwargs: Arguments of mmdet's ``CocoMetric`` (``metric``,
            ``classwise``, ``iou_thrs``, ``metric_items``,
            ``outfile_prefix``...), except ``ann_file``.
    """

    default_prefix: Optional[str] = None

    def __init__(self, weather_key: str = 'weather',
                 prefix: Optional[str] = None, **kwargs) -> None:
        if kwargs.get('ann_file') is not None:
            raise ValueError(
                'PerWeatherCocoMetric: ann_file is not supported: weathered '
                'samples share the clean frames of one json, so the ground '
                'truth comes from each sample; add "instances" to '
                'PackDetInputs(meta_keys=...) and drop ann_file.')
        super().__init__(prefix=prefix, **kwargs)
        self.weather_key = weather_key

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store each sample's gt and prediction together with its weather.

        Args:
            data_batch (dict): A batch from the dataloader.
            data_samples (Sequence[dict]): The model's outputs.
        """
        for sample in data_samples:
            if 'instances' not in sample:
                raise KeyError(
                    'PerWeatherCocoMetric: data sample '
                    f'{sample.get("img_path", sample.get("img_id"))!r} has no '
                    '"instances" (its ground truth): add "instances" and '
                    f'"{self.weather_key}" to PackDetInputs(meta_keys=...).')
        start = len(self.results)
        super().process(data_batch, data_samples)
        for offset, sample in enumerate(data_samples):
            gt, _ = self.results[start + offset]
            gt['weather'] = sample.get(self.weather_key)

    def _coco_eval(self, results: List[tuple],
                   tag: Optional[str]) -> Dict[str, float]:
        """``CocoMetric.compute_metrics`` on ``results`` alone."""
        outfile_prefix = self.outfile_prefix
        if outfile_prefix is not None and tag is not None:
            self.outfile_prefix = f'{outfile_prefix}.{tag}'
        # CocoMetric builds its COCO api from the first results it sees.
        self._coco_api, self.cat_ids, self.img_ids = None, None, None
        try:
            return super().compute_metrics(results)
        finally:
            self.outfile_prefix = outfile_prefix
            self._coco_api, self.cat_ids, self.img_ids = None, None, None

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the overall scores and the scores of every weather.

        Args:
            results (list): ``(gt, prediction)`` pairs from :meth:`process`.

        Returns:
            dict: ``CocoMetric``'s keys for all samples and
            ``{weather}/{key}`` for each weather.
        """
        if self.format_only:
            return self._coco_eval(list(results), None)
        results = number_images(results)
        metrics = self._coco_eval(results, None)
        groups = group_by_weather(results)
        for weather, group in groups.items():
            for key, value in self._coco_eval(group, weather).items():
                metrics[f'{weather}/{key}'] = value
        if groups:
            names = [m for m in self.metrics if m in ('bbox', 'segm')]
            rows = [['weather', 'images'] +
                    [f'{m}_mAP{s}' for m in names for s in ('', '_50')]]
            for weather, group in [('all', results)] + list(groups.items()):
                key = '' if weather == 'all' else f'{weather}/'
                rows.append([weather, len(group)] + [
                    metrics.get(f'{key}{m}_mAP{s}') for m in names
                    for s in ('', '_50')])
            logger: MMLogger = MMLogger.get_current_instance()
            print_log('per weather results:\n' + AsciiTable(rows).table,
                      logger)
        return metrics
