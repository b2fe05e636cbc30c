"""psnr agrees with scikit-image (an independent implementation)."""
import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from mofme_mm.evaluation import psnr
from mofme_mm.evaluation.functional import to_y_channel


@pytest.mark.parametrize('seed, sigma', [(0, 5.0), (1, 20.0), (2, 60.0)])
def test_agrees_with_skimage(image_pair, seed, sigma):
    pred, gt = image_pair(seed, sigma=sigma)
    assert abs(psnr(pred, gt) - peak_signal_noise_ratio(
        gt, pred, data_range=255)) < 1e-3


def test_uint8_crop_border_y_channel_and_chw(image_pair):
    pred, gt = image_pair(3)
    c = 4
    assert abs(psnr(pred.astype(np.uint8), gt.astype(np.uint8),
                    crop_border=c) - peak_signal_noise_ratio(
                        gt[c:-c, c:-c], pred[c:-c, c:-c],
                        data_range=255)) < 1e-3
    y_p, y_g = to_y_channel(pred)[..., 0], to_y_channel(gt)[..., 0]
    assert abs(psnr(pred, gt, test_y_channel=True) - peak_signal_noise_ratio(
        y_g, y_p, data_range=255)) < 1e-3
    # BGR order gives the same Y when the channels are given reversed.
    assert psnr(pred[..., ::-1], gt[..., ::-1], test_y_channel=True,
                channel_order='bgr') == pytest.approx(
                    psnr(pred, gt, test_y_channel=True))
    assert psnr(pred.transpose(2, 0, 1), gt.transpose(2, 0, 1),
                input_order='CHW') == pytest.approx(psnr(pred, gt))


def test_y_channel_is_bt601_studio_range():
    assert to_y_channel(np.full((1, 1, 3), 255.0))[0, 0, 0] == \
        pytest.approx(235.0)
    assert to_y_channel(np.zeros((1, 1, 3)))[0, 0, 0] == pytest.approx(16.0)


def test_identical_and_errors(image_pair):
    _, gt = image_pair(5)
    assert psnr(gt, gt) == float('inf')
    with pytest.raises(ValueError, match='shapes differ'):
        psnr(gt, gt[:10])
    with pytest.raises(ValueError, match='leaves no pixels'):
        psnr(gt, gt, crop_border=40)
