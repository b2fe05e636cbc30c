"""Helpers for the paired-transform tests: arrays that encode (y, x)."""
import numpy as np
import pytest


def _coord_sample(h: int = 24, w: int = 40) -> dict:
    """Arrays whose pixels encode their original (y, x)."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([yy, xx, np.zeros_like(yy)], -1).astype(np.uint8)
    gt = img + 100  # a different image with the same geometry
    seg = (yy * w + xx).astype(np.int32)
    return dict(img=img, gt_img=gt, gt_seg_map=seg, img_shape=(h, w),
                img_path='in.png', gt_path='gt.png', seg_fields=[])


def _assert_aligned(res: dict, w: int = 40) -> None:
    img, gt, seg = res['img'], res['gt_img'], res['gt_seg_map']
    assert img.shape[:2] == gt.shape[:2] == seg.shape == tuple(
        res['img_shape'])
    np.testing.assert_array_equal(gt, img + 100)
    np.testing.assert_array_equal(
        seg, img[..., 0].astype(np.int32) * w + img[..., 1])


@pytest.fixture
def coord_sample():
    """``f(h=24, w=40) -> dict`` with img / gt_img / gt_seg_map."""
    return _coord_sample


@pytest.fixture
def assert_aligned():
    """``f(results, w=40)``: gt = img + 100 and label = y * w + x."""
    return _assert_aligned
