import numpy as np
import pytest

from mofme_mm.datasets.transforms import PairedRandomCrop
from mofme_mm.registry import TRANSFORMS


def test_crop_window_is_shared_and_recorded(coord_sample, assert_aligned):
    np.random.seed(0)
    seen = set()
    for _ in range(10):
        res = PairedRandomCrop(crop_size=(8, 16)).transform(coord_sample())
        assert_aligned(res)
        x0, y0, x1, y1 = res['crop_bbox']
        assert (x1 - x0, y1 - y0) == (16, 8)
        assert tuple(res['img'][0, 0, :2]) == (y0, x0)
        seen.add((x0, y0))
    assert len(seen) > 1  # the window is random


def test_crop_pads_small_images_with_ignore_label(coord_sample):
    res = PairedRandomCrop(crop_size=32).transform(coord_sample(20, 40))
    assert res['img'].shape == (32, 32, 3) and res['gt_seg_map'].shape == (
        32, 32)
    assert (res['gt_seg_map'][20:] == 255).all()
    assert (res['img'][20:] == 0).all()


def test_crop_rejects_mismatched_pairs(coord_sample):
    sample = coord_sample()
    sample['gt_img'] = sample['gt_img'][:10]
    with pytest.raises(ValueError, match='gt.png'):
        PairedRandomCrop(crop_size=8).transform(sample)


def test_registered_and_chained_on_toy_files(toy_cityscapes_root):
    from mmcv.transforms import Compose

    from mofme_mm.datasets import RainCityscapesDataset
    pipeline = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='mofme_mm.LoadGTImageFromFile'),
        dict(type='mmseg.LoadAnnotations'),
        dict(type='mofme_mm.PairedRandomCrop', crop_size=32),
        dict(type='mofme_mm.PairedRandomFlip', prob=1.0),
        dict(type='mofme_mm.PairedRandomRot90', prob=1.0),
    ])
    assert isinstance(pipeline.transforms[3], PairedRandomCrop)
    ds = RainCityscapesDataset(data_root=toy_cityscapes_root, split='val')
    info = ds.get_data_info(0)
    # Re-apply the recorded geometry to the full-size files by hand.
    res = pipeline(dict(info))
    full = TRANSFORMS.build(dict(type='LoadGTImageFromFile'))(dict(info))
    x0, y0, x1, y1 = res['crop_bbox']
    expected = np.rot90(full['gt_img'][y0:y1, x0:x1][:, ::-1], res['rot90_k'])
    np.testing.assert_array_equal(res['gt_img'], expected)
    assert res['gt_seg_map'].shape == res['img'].shape[:2] == (32, 32)
