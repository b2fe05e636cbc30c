"""restore_images(..., return_uncertainty=True) on a tiny real restorer."""
import copy

import numpy as np
import pytest
import torch
from api_samples import TINY_RESTORER, photo

from mofme_mm.apis import init_restorer, restore_images


def test_pairs_of_restored_image_and_map(tiny_restorer):
    images = [photo(40, 56), photo(33, 21, seed=1).astype(np.uint16) * 257]
    pairs = restore_images(tiny_restorer, images, return_uncertainty=True)
    plain = restore_images(tiny_restorer, images)
    assert isinstance(pairs, list) and len(pairs) == 2
    for (restored, unc), image, ref in zip(pairs, images, plain):
        assert restored.shape == image.shape and restored.dtype == image.dtype
        np.testing.assert_array_equal(restored, ref)
        assert unc.shape == image.shape[:2] and unc.dtype == np.float32
        assert unc.min() >= 0 and unc.max() == pytest.approx(1.0)
    again = restore_images(tiny_restorer, images, return_uncertainty=True)
    np.testing.assert_array_equal(again[0][1], pairs[0][1])
    # tiling override (tiles of 16 with blended overlap) stitches the map
    tiled = restore_images(tiny_restorer, images[0], tile_size=16,
                           tile_overlap=4, return_uncertainty=True)
    assert isinstance(tiled, tuple) and tiled[1].shape == (40, 56)


def test_top_k_router_is_refused_by_name():
    cfg = copy.deepcopy(TINY_RESTORER)
    cfg['network']['router_cfg'] = dict(type='topk')
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='random weights'):
        model = init_restorer(dict(model=cfg), device='cpu')
    with pytest.raises(ValueError, match="TopKRouter.*type='uar'"):
        restore_images(model, [photo()], return_uncertainty=True)
