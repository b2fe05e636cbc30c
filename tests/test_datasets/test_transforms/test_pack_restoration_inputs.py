import numpy as np
import pytest
import torch

from mofme_mm.datasets.transforms import PackRestorationInputs
from mofme_mm.structures import RestorationDataSample


def _sample():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    gt = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    seg = rng.integers(0, 19, (6, 8)).astype(np.uint8)
    return dict(img=img, gt_img=gt, gt_seg_map=seg, img_path='a.png',
                gt_path='b.png', weather='rain', alpha=0.01, pattern=3,
                img_shape=(6, 8), ori_shape=(6, 8), unrelated='x')


def test_packs_chw_uint8_bgr_and_metainfo():
    s = _sample()
    out = PackRestorationInputs().transform(dict(s))
    inputs, ds = out['inputs'], out['data_samples']
    assert isinstance(ds, RestorationDataSample)
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 6, 8)
    np.testing.assert_array_equal(inputs.permute(1, 2, 0).numpy(), s['img'])
    np.testing.assert_array_equal(ds.gt_img.data.permute(1, 2, 0).numpy(),
                                  s['gt_img'])
    assert ds.gt_sem_seg.data.shape == (1, 6, 8)
    assert ds.gt_sem_seg.data.dtype == torch.int64
    assert ds.weather == 'rain' and ds.alpha == 0.01 and ds.pattern == 3
    assert ds.img_path == 'a.png' and ds.gt_path == 'b.png'
    assert 'unrelated' not in ds.metainfo


def test_mismatched_pair_is_an_error_naming_files():
    s = _sample()
    s['gt_img'] = s['gt_img'][:4]
    with pytest.raises(ValueError, match='b.png'):
        PackRestorationInputs().transform(s)
