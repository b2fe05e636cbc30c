"""paper_ssim (the authors' piq protocol) against independent computations."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.metrics import structural_similarity

from mofme_mm.evaluation.functional import (
    average_pool,
    paper_ssim,
    pool_factor,
    ssim,
)

SK = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
          data_range=255, channel_axis=-1)


@pytest.mark.parametrize('height,width,factor', [
    (1024, 2048, 4),  # Cityscapes frames
    (480, 720, 2),  # All-Weather-sized
    (640, 1000, 2),  # 2.5 -> 2: Python's round, half to even, as piq
    (384, 500, 2),  # 1.5 -> 2
    (127, 300, 1),  # round(0.496) = 0 -> at least 1
    (300, 200, 1),
])
def test_pool_factor(height, width, factor):
    assert pool_factor(height, width) == factor


def test_average_pool_matches_torch_avg_pool2d():
    img = np.random.default_rng(0).uniform(0, 255, (13, 18, 3))
    for factor in (1, 2, 3, 4):
        ref = F.avg_pool2d(torch.from_numpy(img).permute(2, 0, 1)[None],
                           factor)[0].permute(1, 2, 0).numpy()
        np.testing.assert_allclose(average_pool(img, factor), ref,
                                   rtol=1e-12)
    with pytest.raises(ValueError, match='factor'):
        average_pool(img, 0)


def _pair(seed, shape, sigma):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(0, 255, shape)
    # smooth structure so pooling changes the score noticeably
    gt = (gt + np.roll(gt, 1, 0) + np.roll(gt, 1, 1)) / 3
    pred = np.clip(gt + rng.normal(0, sigma, shape), 0, 255)
    return pred, gt


@pytest.mark.parametrize('shape', [(531, 401, 3), (600, 1033, 3)])
def test_agrees_with_skimage_on_hand_pooled_images(shape):
    pred, gt = _pair(1, shape, 25.0)
    f = round(min(shape[:2]) / 256)
    assert f == 2
    h, w = shape[0] // f * f, shape[1] // f * f

    def pool(a):  # block means by slicing, another code path than reshape
        return sum(a[i:h:f, j:w:f] for i in range(f) for j in range(f)) / f**2

    ref = structural_similarity(pool(pred), pool(gt), **SK)
    assert paper_ssim(pred, gt) == pytest.approx(ref, abs=1e-6)
    # pooling matters: the full-resolution SSIM is different
    assert abs(ssim(pred, gt) - paper_ssim(pred, gt)) > 1e-2


def test_small_images_are_not_pooled_and_identical_is_one():
    pred, gt = _pair(2, (200, 300, 3), 10.0)
    assert paper_ssim(pred, gt) == pytest.approx(ssim(pred, gt), abs=1e-12)
    assert paper_ssim(gt, gt) == pytest.approx(1.0)
    assert paper_ssim(pred.transpose(2, 0, 1), gt.transpose(2, 0, 1),
                      input_order='CHW') == pytest.approx(
                          paper_ssim(pred, gt))
