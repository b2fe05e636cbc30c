"""PerWeatherIoUMetric: mmseg's mIoU / mAcc overall and per weather."""
import pytest
import torch

from mofme_mm.evaluation.metrics import PerWeatherIoUMetric
from mofme_mm.registry import METRICS


def sample(pred, gt, weather=None):
    out = dict(pred_sem_seg=dict(data=torch.tensor([pred])),
               gt_sem_seg=dict(data=torch.tensor([gt])))
    if weather is not None:
        out['weather'] = weather
    return out


def evaluate(samples, **kwargs):
    metric = METRICS.build(dict(type='PerWeatherIoUMetric', **kwargs))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_scores_per_weather_and_overall():
    gt = [[0, 0], [1, 1]]
    samples = [
        sample([[0, 0], [1, 1]], gt, 'rain'),  # perfect
        sample([[0, 1], [1, 2]], gt, 'fog'),  # half right
        sample([[2, 2], [2, 2]], [[2, 2], [2, 255]]),  # no weather, 1 ignored
    ]
    got = evaluate(samples)
    # rain: IoU a=1, b=1, c absent (NaN, skipped)
    assert got['rain/mIoU'] == pytest.approx(100.0)
    assert got['rain/mAcc'] == pytest.approx(100.0)
    # fog: IoU a=1/2, b=1/3, c=0/1; Acc a=1/2, b=1/2, c NaN; aAcc 2/4
    assert got['fog/mIoU'] == pytest.approx(round((1 / 2 + 1 / 3) / 3 * 100,
                                                  2))
    assert got['fog/mAcc'] == pytest.approx(50.0)
    assert got['fog/aAcc'] == pytest.approx(50.0)
    # all: intersect (3, 3, 3), union (4, 5, 4), label (4, 4, 3)
    assert got['mIoU'] == pytest.approx(round((3 / 4 + 3 / 5 + 3 / 4) / 3 *
                                              100, 2))
    assert got['mAcc'] == pytest.approx(round((3 / 4 + 3 / 4 + 1) / 3 * 100,
                                              2))
    assert got['aAcc'] == pytest.approx(round(9 / 11 * 100, 2))
    assert not any(key.startswith('None/') for key in got)


def test_custom_weather_key_and_prefix():
    samples = [sample([[1]], [[1]]), sample([[0]], [[1]])]
    samples[0]['split'] = 'derain'
    samples[1]['split'] = 'dehaze'
    got = evaluate(samples, weather_key='split', prefix='seg')
    assert got['seg/derain/mIoU'] == pytest.approx(100.0)
    assert got['seg/dehaze/mIoU'] == pytest.approx(0.0)
    assert got['seg/mIoU'] == pytest.approx(25.0)  # a: 0/1, b: 1/2


def test_is_an_iou_metric():
    assert issubclass(PerWeatherIoUMetric, METRICS.get('mmseg.IoUMetric'))
