import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from mmengine.structures import PixelData
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from mofme_mm.evaluation import RestorationMetric
from mofme_mm.registry import METRICS
from mofme_mm.structures import RestorationDataSample

SK = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
          data_range=255, channel_axis=-1)


def _sample(seed, weather, noise_pred, noise_in, size=(3, 24, 32),
            smooth=False):
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(size, generator=g)
    if smooth:  # image structure larger than a pixel, as in photographs
        gt = F.avg_pool2d(gt[None], 9, stride=1, padding=4,
                          count_include_pad=False)[0]
    pred = (gt + noise_pred * torch.randn(size, generator=g)).clamp(0, 1)
    inp = (gt + noise_in * torch.randn(size, generator=g)).clamp(0, 1)
    s = RestorationDataSample(metainfo=dict(img_path=f'{seed}.png',
                                            weather=weather))
    s.gt_img, s.pred_img, s.input_img = (PixelData(data=t)
                                         for t in (gt, pred, inp))
    return s


def _img(t, quantize=True):
    """(3, H, W) [0, 1] -> H x W x 3 [0, 255], as an independent reference."""
    a = t.clamp(0, 1).permute(1, 2, 0).double().numpy() * 255
    return a.round() if quantize else a


def _sk_psnr(s, key='pred_img', quantize=True):
    return peak_signal_noise_ratio(_img(s.gt_img.data, quantize),
                                   _img(getattr(s, key).data, quantize),
                                   data_range=255)


def _sk_ssim(s, key='pred_img', quantize=True):
    return structural_similarity(_img(getattr(s, key).data, quantize),
                                 _img(s.gt_img.data, quantize), **SK)


def test_headline_is_the_mean_of_weather_means_with_unequal_counts(tmp_path):
    metric = METRICS.build(dict(type='RestorationMetric', protocol='skimage',
                                output_file=str(tmp_path / 'per.json')))
    # 3 rain images, 1 fog image: the image mean is dominated by rain
    samples = [_sample(0, 'rain', 0.02, 0.2), _sample(1, 'rain', 0.05, 0.2),
               _sample(2, 'rain', 0.04, 0.3), _sample(3, 'fog', 0.2, 0.3)]
    # As in the val loop: data samples arrive as dicts.
    metric.process({}, [s.to_dict() for s in samples[:2]])
    metric.process({}, samples[2:])
    res = metric.evaluate(4)
    for key, ref_fn in (('PSNR', _sk_psnr), ('SSIM', _sk_ssim)):
        for prefix, field in (('', 'pred_img'), ('input_', 'input_img')):
            refs = [ref_fn(s, field) for s in samples]
            rain, fog = np.mean(refs[:3]), refs[3]
            assert res[f'rain/{prefix}{key}'] == pytest.approx(rain, 1e-4)
            assert res[f'fog/{prefix}{key}'] == pytest.approx(fog, 1e-4)
            assert res[f'{prefix}{key}'] == pytest.approx(
                (rain + fog) / 2, 1e-4)
            assert res[f'image_mean/{prefix}{key}'] == pytest.approx(
                np.mean(refs), 1e-4)
    # the two averages really differ here (fog is the poor weather)
    assert res['PSNR'] < res['image_mean/PSNR'] - 1
    assert [r['img_path'] for r in metric.per_image_results] == [
        '0.png', '1.png', '2.png', '3.png']
    with open(tmp_path / 'per.json') as f:
        assert json.load(f)[3]['PSNR'] == pytest.approx(_sk_psnr(samples[3]))
    assert [p.name for p in tmp_path.iterdir()] == ['per.json']  # no temp


def test_one_weather_headline_equals_image_mean():
    samples = [_sample(i, 'snow', 0.03 * (i + 1), 0.2) for i in range(3)]
    metric = RestorationMetric()
    metric.process({}, samples)
    res = metric.evaluate(3)
    assert res['PSNR'] == pytest.approx(res['image_mean/PSNR'])
    assert res['SSIM'] == pytest.approx(res['image_mean/SSIM'])


@pytest.mark.parametrize('protocol', ['paper', 'skimage'])
def test_identical_pair_is_capped_not_infinite(tmp_path, protocol):
    same = _sample(4, 'rain', 0.0, 0.1)  # pred == gt
    other = _sample(5, 'rain', 0.05, 0.1)
    metric = RestorationMetric(protocol=protocol,
                               output_file=str(tmp_path / 'per.json'))
    metric.process({}, [same, other])
    res = metric.evaluate(2)
    quantize = protocol == 'skimage'
    assert metric.per_image_results[0]['PSNR'] == 80.0
    assert res['rain/PSNR'] == pytest.approx(
        (80.0 + _sk_psnr(other, quantize=quantize)) / 2, 1e-6)
    assert np.isfinite(res['PSNR']) and np.isfinite(res['image_mean/PSNR'])
    with open(tmp_path / 'per.json') as f:  # strict JSON, no Infinity
        assert json.load(f)[0]['PSNR'] == 80.0
    capped = RestorationMetric(protocol=protocol, max_psnr=50.0)
    capped.process({}, [same])
    assert capped.evaluate(1)['PSNR'] == 50.0


def _piq_style_ssim(pred, gt):
    """The authors' SSIM written out in torch, as piq's algorithm reads:
    avg_pool2d by f, 2-D Gaussian kernel, conv2d without padding, data range
    1 (no rounding). A different code path from the project's."""
    x = pred.double()[None]
    y = gt.double()[None]
    f = max(1, round(min(x.shape[-2:]) / 256))
    if f > 1:
        x, y = F.avg_pool2d(x, f), F.avg_pool2d(y, f)
    coords = torch.arange(11, dtype=torch.float64) - 5
    g = torch.exp(-(coords[None] ** 2 + coords[:, None] ** 2) / (2 * 1.5**2))
    kernel = (g / g.sum()).expand(3, 1, 11, 11)

    def filt(a):
        return F.conv2d(a, kernel, groups=3)

    mu_x, mu_y = filt(x), filt(y)
    sxx = filt(x * x) - mu_x**2
    syy = filt(y * y) - mu_y**2
    sxy = filt(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    ss = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs
    return float(ss.mean())


@pytest.mark.parametrize('size,factor', [((3, 601, 771), 2),
                                         ((3, 385, 300), 1)])
def test_paper_protocol_against_independent_references(size, factor):
    s = _sample(6, 'rain', 0.08, 0.2, size=size, smooth=True)
    metric = RestorationMetric(protocol='paper')
    metric.process({}, [s])
    res = metric.evaluate(1)
    pred, gt = s.pred_img.data, s.gt_img.data
    ref = _piq_style_ssim(pred, gt)
    assert res['SSIM'] == pytest.approx(ref, abs=1e-6)
    # and scikit-image on images pooled by hand (trailing odd row dropped)
    h, w = size[1] // factor * factor, size[2] // factor * factor
    pooled = [
        _img(t, quantize=False)[:h, :w].reshape(
            h // factor, factor, w // factor, factor, 3).mean((1, 3))
        for t in (pred, gt)
    ]
    assert res['SSIM'] == pytest.approx(
        structural_similarity(*pooled, **SK), abs=1e-6)
    # PSNR on the unrounded floats
    assert res['PSNR'] == pytest.approx(_sk_psnr(s, quantize=False), 1e-9)
    # the protocols differ on the same images
    sk = RestorationMetric(protocol='skimage')
    sk.process({}, [s])
    sk_res = sk.evaluate(1)
    assert sk_res['SSIM'] == pytest.approx(_sk_ssim(s), abs=1e-6)
    if factor > 1:
        assert res['SSIM'] - sk_res['SSIM'] > 0.05


def test_table_names_the_protocol_and_is_logged(tmp_path):
    log_file = tmp_path / 'metric.log'
    MMLogger.get_instance('test_restoration_metric_table',
                          log_file=str(log_file))
    metric = RestorationMetric(protocol='skimage', crop_border=2)
    metric.process({}, [_sample(7, 'rain', 0.05, 0.2),
                        _sample(8, 'fog', 0.05, 0.2),
                        _sample(9, 'fog', 0.05, 0.2)])
    res = metric.evaluate(3)
    assert metric.protocol == 'skimage'
    assert 'crop_border=2' in metric.protocol_description
    table = metric.table
    assert 'protocol: skimage' in table
    for row in ('rain', 'fog', 'mean of 2 weathers', 'image_mean'):
        assert row in table
    assert f"{res['fog/PSNR']:.4f}" in table
    assert f"{res['PSNR']:.4f}" in table
    logged = log_file.read_text()
    assert 'protocol: skimage' in logged and 'mean of 2 weathers' in logged
    assert RestorationMetric().protocol == 'paper'


def test_without_input_and_padding_crop():
    s = _sample(3, 'snow', 0.05, 0.1)
    del s.input_img
    ref = _sk_psnr(s, quantize=False)
    # Batch padding beyond img_shape must be ignored.
    padded = torch.zeros(3, 30, 40)
    padded[:, :24, :32] = s.pred_img.data
    gt_pad = torch.ones(3, 30, 40)
    gt_pad[:, :24, :32] = s.gt_img.data
    s.pred_img, s.gt_img = PixelData(data=padded), PixelData(data=gt_pad)
    s.set_metainfo(dict(img_shape=(24, 32)))
    metric = RestorationMetric(per_weather=False)
    metric.process({}, [s])
    res = metric.evaluate(1)
    assert set(res) == {'PSNR', 'SSIM', 'image_mean/PSNR', 'image_mean/SSIM'}
    assert res['PSNR'] == pytest.approx(ref)


def test_y_channel_and_crop_border_are_passed():
    s = _sample(4, 'rain', 0.05, 0.1)
    metric = RestorationMetric(protocol='skimage', crop_border=3,
                               test_y_channel=True)
    metric.process({}, [s])
    res = metric.evaluate(1)

    def y(t):
        return _img(t) @ (np.array([65.481, 128.553, 24.966]) / 255) + 16

    ref = peak_signal_noise_ratio(y(s.gt_img.data)[3:-3, 3:-3],
                                  y(s.pred_img.data)[3:-3, 3:-3],
                                  data_range=255)
    assert res['PSNR'] == pytest.approx(ref, 1e-6)


def test_missing_or_broken_prediction_is_an_error():
    s = _sample(5, 'rain', 0.05, 0.1)
    del s.pred_img
    with pytest.raises(KeyError, match='5.png'):
        RestorationMetric().process({}, [s])
    s = _sample(6, 'rain', 0.05, 0.1)
    s.pred_img.data[0, 0, 0] = float('nan')
    with pytest.raises(ValueError, match='6.png'):
        RestorationMetric().process({}, [s])


@pytest.mark.parametrize('kwargs,field', [
    (dict(protocol='piq'), 'protocol'),
    (dict(crop_border=-1), 'crop_border'),
    (dict(max_psnr=0), 'max_psnr'),
])
def test_bad_options_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        RestorationMetric(**kwargs)
