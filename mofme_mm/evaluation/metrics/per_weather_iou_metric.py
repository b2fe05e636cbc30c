"""mmseg's IoU metric, also reported per weather type (paper Table 4)."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation.metrics import IoUMetric
from prettytable import PrettyTable

from mofme_mm.registry import METRICS


def summarise_areas(areas: List[tuple],
                    metrics: Sequence[str] = ('mIoU', ),
                    nan_to_num: Optional[int] = None,
                    beta: int = 1) -> Dict[str, float]:
    """Sum per-image class areas and return the mean scores in percent.

    Args:
        areas (list[tuple]): Per image ``(intersect, union, pred_label,
            label)`` class histograms, as ``IoUMetric.intersect_and_union``
            returns them.
        metrics (Sequence[str]): mmseg metric names ('mIoU', 'mDice',
            'mFscore'). Defaults to ('mIoU', ).
        nan_to_num (int, optional): Replacement for NaN scores.
        beta (int): Recall weight of the F-score. Defaults to 1.

    Returns:
        dict: ``aAcc``, ``mIoU``, ``mAcc``, ... in percent (2 decimals),
        classes absent from both prediction and label ignored (nanmean).
    """
    totals = [sum(column) for column in zip(*areas)]
    scores = IoUMetric.total_area_to_metrics(*totals, list(metrics),
                                             nan_to_num, beta)
    summary = OrderedDict()
    for name, value in scores.items():
        key = name if name == 'aAcc' else f'm{name}'
        summary[key] = float(np.round(np.nanmean(value) * 100, 2))
    return summary


@METRICS.register_module()
class PerWeatherIoUMetric(IoUMetric):
    """``IoUMetric`` over the whole test set and per weather type.

    Every data sample's ``weather`` metainfo (``'rain'``, ``'fog'``, ...,
    packed by the datasets; add ``'weather'`` to ``PackSegInputs``
    ``meta_keys``) selects its group. The keys are mmseg's (``aAcc``,
    ``mIoU``, ``mAcc``, ...) for all samples, plus ``{weather}/mIoU``,
    ``{weather}/mAcc``, ``{weather}/aAcc`` per weather (the paper's derain
    column is ``rain``, dehaze is ``fog``). Samples without ``weather`` count
    in the overall scores only.

    Args:
        weather_key (str): Metainfo key holding the weather type.
            Defaults to 'weather'.
        **kwargs: Arguments of mmseg's ``IoUMetric`` (``ignore_index``,
            ``iou_metrics``, ``nan_to_num``, ``prefix``, ...).
    """

    def __init__(self, weather_key: str = 'weather', **kwargs) -> None:
        super().__init__(**kwargs)
        self.weather_key = weather_key

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store each sample's class areas together with its weather.

        Args:
            data_batch (dict): A batch from the dataloader.
            data_samples (Sequence[dict]): The model's outputs.
        """
        start = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        for offset, sample in enumerate(data_samples):
            weather = sample.get(self.weather_key)
            self.results[start + offset] = (weather,
                                            *self.results[start + offset])

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Compute the overall scores and the scores of every weather.

        Args:
            results (list): ``(weather, intersect, union, pred, label)``
                tuples from :meth:`process`.

        Returns:
            dict: Overall and ``{weather}/...`` scores in percent.
        """
        metrics = super().compute_metrics([r[1:] for r in results])
        groups = OrderedDict()
        for weather, *areas in results:
            if weather is not None:
                groups.setdefault(str(weather), []).append(areas)
        table = PrettyTable(['weather', 'images', 'aAcc', 'mIoU', 'mAcc'])
        for weather, areas in groups.items():
            summary = summarise_areas(areas, self.metrics, self.nan_to_num,
                                      self.beta)
            for key, value in summary.items():
                metrics[f'{weather}/{key}'] = value
            table.add_row([
                weather,
                len(areas), summary['aAcc'],
                summary.get('mIoU'),
                summary.get('mAcc')
            ])
        if groups:
            logger: MMLogger = MMLogger.get_current_instance()
            print_log('per weather results:\n' + table.get_string(), logger)
        return metrics
