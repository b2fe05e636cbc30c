"""PerWeatherCocoMetric: mmdet's COCO mAP overall and per weather."""
import copy

import numpy as np
import pycocotools.mask as mask_utils
import pytest
import torch
from mmdet.datasets import CityscapesDataset
from mmdet.evaluation.metrics import CocoMetric

from mofme_mm.evaluation.metrics.per_weather_coco_metric import (
    PerWeatherCocoMetric,
)
from mofme_mm.registry import METRICS

CLASSES = CityscapesDataset.METAINFO['classes']
H, W = 64, 96


def _box(rng, min_size=6):
    w, h = rng.uniform(min_size, 40), rng.uniform(min_size, 30)
    x, y = rng.uniform(0, W - w), rng.uniform(0, H - h)
    return [x, y, x + w, y + h]


def _rle(box):
    mask = np.zeros((H, W, 1), np.uint8, order='F')
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    mask[y1:y2, x1:x2] = 1
    return mask_utils.encode(mask)[0]


def _frame(rng):
    """A clean frame's instances, as mmdet's CocoDataset parses them."""
    instances = []
    for k in range(int(rng.integers(2, 6))):
        box = _box(rng)
        instances.append(dict(bbox=box, bbox_label=int(rng.integers(0, 8)),
                              ignore_flag=int(k == 0 and rng.random() < 0.5),
                              mask=_rle(box)))
    return instances


def _predict(rng, instances, noise):
    """Detections: jittered gt boxes (some missed), plus false positives."""
    boxes, labels = [], []
    for inst in instances:
        if rng.random() < 0.15:
            continue
        x1, y1, x2, y2 = inst['bbox']
        jitter = rng.normal(0, noise, 4) * np.tile([x2 - x1, y2 - y1], 2)
        boxes.append(np.clip([x1, y1, x2, y2] + jitter, 0, [W, H, W, H]))
        labels.append(inst['bbox_label'] if rng.random() < 0.9 else
                      int(rng.integers(0, 8)))
    for _ in range(int(rng.integers(0, 3))):
        boxes.append(_box(rng))
        labels.append(int(rng.integers(0, 8)))
    boxes = np.array(boxes, np.float32).reshape(-1, 4)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    masks = torch.zeros(len(boxes), H, W, dtype=torch.bool)
    for i, (x1, y1, x2, y2) in enumerate(boxes.round().astype(int)):
        masks[i, y1:y2, x1:x2] = True
    return dict(bboxes=torch.from_numpy(boxes),
                scores=torch.from_numpy(rng.uniform(0.05, 1, len(boxes))),
                labels=torch.tensor(labels, dtype=torch.int64), masks=masks)


def _samples(seed=0):
    """Weathered samples of 4 clean frames: 2 rainy and 1 foggy image each.

    Like RainCityscapesDetDataset + FoggyCityscapesDetDataset concatenated:
    img_id is unique within each weather, and the two repeat each other's.
    """
    rng = np.random.default_rng(seed)
    frames = [_frame(rng) for _ in range(4)]
    samples, next_id = [], dict(rain=0, fog=0)
    for f, instances in enumerate(frames):
        for weather, noise in (('rain', 0.12), ('rain', 0.12), ('fog', 0.04)):
            samples.append(dict(
                img_id=next_id[weather],
                img_path=f'{weather}/{f}_{len(samples)}.png',
                ori_shape=(H, W), weather=weather,
                instances=copy.deepcopy(instances),
                pred_instances=_predict(rng, instances, noise)))
            next_id[weather] += 1
    return samples


def _evaluate(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    for start in range(0, len(samples), 5):
        metric.process({}, copy.deepcopy(samples[start:start + 5]))
    return metric.evaluate(len(samples))


def _coco(samples, metric=('bbox', 'segm')):
    """mmdet's CocoMetric alone on ``samples`` (keys without 'coco/')."""
    got = _evaluate(CocoMetric(metric=list(metric)), samples)
    return {k[len('coco/'):]: v for k, v in got.items()}


def test_equals_coco_metric_on_each_weather_alone():
    samples = _samples()
    got = _evaluate(
        METRICS.build(dict(type='PerWeatherCocoMetric',
                           metric=['bbox', 'segm'])), samples)
    for weather in ('rain', 'fog'):
        alone = _coco([s for s in samples if s['weather'] == weather])
        assert set(alone) >= {'bbox_mAP', 'bbox_mAP_50', 'segm_mAP'}
        for key, value in alone.items():
            assert got[f'{weather}/{key}'] == value, (weather, key)
    # Overall: all images, each its own (the ids of rain and fog collide).
    numbered = [dict(s, img_id=i) for i, s in enumerate(samples)]
    assert {k: v for k, v in got.items() if '/' not in k} == _coco(numbered)
    # The weathers really differ (rain boxes are noisier).
    assert 0 < got['rain/bbox_mAP'] < got['fog/bbox_mAP'] <= 1


def test_samples_without_weather_count_overall_only():
    samples = _samples(seed=1)
    clean = samples[0::3]
    for s in clean:
        s['weather'] = None
    got = _evaluate(PerWeatherCocoMetric(), samples)
    assert {k.split('/')[0] for k in got if '/' in k} == {'rain', 'fog'}
    assert got['rain/bbox_mAP'] == _coco(
        [s for s in samples if s['weather'] == 'rain'], ['bbox'])['bbox_mAP']
    assert got['bbox_mAP'] == _coco(
        [dict(s, img_id=i) for i, s in enumerate(samples)],
        ['bbox'])['bbox_mAP']


def test_prefix_and_errors():
    samples = _samples()[:3]
    got = _evaluate(PerWeatherCocoMetric(prefix='coco'), samples)
    assert 'coco/bbox_mAP' in got and 'coco/rain/bbox_mAP_50' in got
    with pytest.raises(ValueError, match='ann_file'):
        PerWeatherCocoMetric(ann_file='instancesonly_filtered_gtFine_val.json')
    metric = PerWeatherCocoMetric()
    bare = copy.deepcopy(samples[0])
    del bare['instances']
    with pytest.raises(KeyError, match='PackDetInputs'):
        metric.process({}, [bare])


def test_colliding_img_ids_are_distinct_images():
    """A rainy and a foggy image with the same img_id (two concatenated
    datasets): the rainy image's detection lies on the foggy image's object,
    which is a false positive, not a hit."""
    car = CLASSES.index('car')

    def sample(weather, gt_box, pred_boxes):
        return dict(img_id=0, img_path=f'{weather}.png', ori_shape=(H, W),
                    weather=weather,
                    instances=[dict(bbox=gt_box, bbox_label=car,
                                    ignore_flag=0)],
                    pred_instances=dict(
                        bboxes=torch.tensor(pred_boxes,
                                            dtype=torch.float32).view(-1, 4),
                        scores=torch.ones(len(pred_boxes)),
                        labels=torch.full((len(pred_boxes), ), car)))

    left, right = [2.0, 2.0, 30.0, 30.0], [60.0, 20.0, 90.0, 50.0]
    samples = [sample('rain', left, [right]), sample('fog', right, [])]
    got = _evaluate(PerWeatherCocoMetric(), samples)
    assert got['bbox_mAP'] == got['rain/bbox_mAP'] == 0.0
    # mmdet's CocoMetric merges the two images under one id.
    assert _coco(samples, ['bbox'])['bbox_mAP'] > 0
