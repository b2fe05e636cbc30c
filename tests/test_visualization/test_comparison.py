import numpy as np
import pytest
import torch

from mofme_mm.visualization import comparison_panel, to_bgr_uint8


def test_to_bgr_uint8_flips_channels_and_scales():
    image = torch.zeros(3, 2, 2)
    image[0] = 1.0  # pure red in RGB
    array = to_bgr_uint8(image)
    assert array.dtype == np.uint8 and array.shape == (2, 2, 3)
    assert (array[..., 2] == 255).all() and (array[..., :2] == 0).all()


def test_panel_places_images_side_by_side_with_gaps():
    images = [torch.full((3, 4, 5), v) for v in (0.0, 0.5, 1.0)]
    panel = comparison_panel(images, gap=2)
    assert panel.shape == (4, 5 * 3 + 2 * 2, 3)
    assert (panel[:, :5] == 0).all()
    assert (panel[:, 5:7] == 255).all()
    assert (panel[:, 7:12] == 128).all()
    assert comparison_panel([images[0], None], gap=2).shape == (4, 5, 3)


def test_panel_rejects_mismatched_heights():
    with pytest.raises(ValueError, match='height'):
        comparison_panel([torch.zeros(3, 4, 4), torch.zeros(3, 5, 4)])
