"""ssim agrees with scikit-image (an independent implementation)."""
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from mofme_mm.evaluation import ssim
from mofme_mm.evaluation.functional import to_y_channel

SK = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
          data_range=255)


@pytest.mark.parametrize('seed, sigma', [(0, 5.0), (1, 20.0), (2, 60.0)])
def test_agrees_with_skimage(image_pair, seed, sigma):
    pred, gt = image_pair(seed, sigma=sigma)
    ref = structural_similarity(pred, gt, channel_axis=-1, **SK)
    assert abs(ssim(pred, gt) - ref) < 1e-4


def test_uint8_crop_border_y_channel_and_chw(image_pair):
    pred, gt = image_pair(3)
    c = 4
    ref = structural_similarity(pred[c:-c, c:-c], gt[c:-c, c:-c],
                                channel_axis=-1, **SK)
    assert abs(ssim(pred.astype(np.uint8), gt.astype(np.uint8),
                    crop_border=c) - ref) < 1e-4
    ref_y = structural_similarity(to_y_channel(pred)[..., 0],
                                  to_y_channel(gt)[..., 0], **SK)
    assert abs(ssim(pred, gt, test_y_channel=True) - ref_y) < 1e-4
    assert ssim(pred.transpose(2, 0, 1), gt.transpose(2, 0, 1),
                input_order='CHW') == pytest.approx(ssim(pred, gt))


def test_identical_and_errors(image_pair):
    _, gt = image_pair(5)
    assert ssim(gt, gt) == pytest.approx(1.0)
    with pytest.raises(ValueError, match='win_size'):
        ssim(gt[:8, :8], gt[:8, :8])
