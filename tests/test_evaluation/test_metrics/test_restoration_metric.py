import json

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mofme_mm.evaluation import RestorationMetric, psnr, ssim
from mofme_mm.registry import METRICS
from mofme_mm.structures import RestorationDataSample


def _sample(seed, weather, noise_pred, noise_in, size=(3, 24, 32)):
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(size, generator=g)
    pred = (gt + noise_pred * torch.randn(size, generator=g)).clamp(0, 1)
    inp = (gt + noise_in * torch.randn(size, generator=g)).clamp(0, 1)
    s = RestorationDataSample(metainfo=dict(img_path=f'{seed}.png',
                                            weather=weather))
    s.gt_img, s.pred_img, s.input_img = (PixelData(data=t)
                                         for t in (gt, pred, inp))
    return s


def _ref(t):
    return (t.clamp(0, 1) * 255).round().permute(1, 2, 0).double().numpy()


def test_overall_and_per_weather_means(tmp_path):
    metric = METRICS.build(dict(type='RestorationMetric',
                                output_file=str(tmp_path / 'per.json')))
    samples = [_sample(0, 'rain', 0.02, 0.2), _sample(1, 'rain', 0.05, 0.2),
               _sample(2, 'fog', 0.03, 0.3)]
    # As in the val loop: data samples arrive as dicts.
    metric.process({}, [s.to_dict() for s in samples[:2]])
    metric.process({}, [samples[2]])
    res = metric.evaluate(3)
    ref = [psnr(_ref(s.pred_img.data), _ref(s.gt_img.data)) for s in samples]
    ref_ssim = [ssim(_ref(s.pred_img.data), _ref(s.gt_img.data))
                for s in samples]
    ref_in = [psnr(_ref(s.input_img.data), _ref(s.gt_img.data))
              for s in samples]
    assert res['PSNR'] == pytest.approx(np.mean(ref))
    assert res['SSIM'] == pytest.approx(np.mean(ref_ssim))
    assert res['input_PSNR'] == pytest.approx(np.mean(ref_in))
    assert res['rain/PSNR'] == pytest.approx(np.mean(ref[:2]))
    assert res['fog/PSNR'] == pytest.approx(ref[2])
    assert res['fog/input_SSIM'] < res['fog/SSIM']
    assert res['PSNR'] > res['input_PSNR']
    assert [r['img_path'] for r in metric.per_image_results] == [
        '0.png', '1.png', '2.png']
    with open(tmp_path / 'per.json') as f:
        assert json.load(f)[2]['PSNR'] == pytest.approx(ref[2])


def test_without_input_and_padding_crop():
    s = _sample(3, 'snow', 0.05, 0.1)
    del s.input_img
    # Batch padding beyond img_shape must be ignored.
    padded = torch.zeros(3, 30, 40)
    padded[:, :24, :32] = s.pred_img.data
    gt_pad = torch.ones(3, 30, 40)
    gt_pad[:, :24, :32] = s.gt_img.data
    ref = psnr(_ref(s.pred_img.data), _ref(s.gt_img.data))
    s.pred_img, s.gt_img = PixelData(data=padded), PixelData(data=gt_pad)
    s.set_metainfo(dict(img_shape=(24, 32)))
    metric = RestorationMetric(per_weather=False)
    metric.process({}, [s])
    res = metric.evaluate(1)
    assert set(res) == {'PSNR', 'SSIM'}
    assert res['PSNR'] == pytest.approx(ref)


def test_y_channel_and_crop_border_are_passed():
    s = _sample(4, 'rain', 0.05, 0.1)
    metric = RestorationMetric(crop_border=3, test_y_channel=True)
    metric.process({}, [s])
    res = metric.evaluate(1)
    assert res['PSNR'] == pytest.approx(psnr(
        _ref(s.pred_img.data), _ref(s.gt_img.data), crop_border=3,
        test_y_channel=True))


def test_missing_prediction_is_an_error():
    s = _sample(5, 'rain', 0.05, 0.1)
    del s.pred_img
    with pytest.raises(KeyError, match='5.png'):
        RestorationMetric().process({}, [s])
