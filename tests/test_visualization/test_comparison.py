import numpy as np
import pytest
import torch

from mofme_mm.visualization import (
    add_title,
    comparison_panel,
    panel_title,
    to_bgr_uint8,
    to_rgb_uint8,
)
from mofme_mm.visualization.comparison import title_height


def test_to_uint8_scales_and_orders_channels():
    image = torch.zeros(3, 2, 2)
    image[0] = 1.0  # pure red in RGB
    image[1] = 0.5
    rgb, bgr = to_rgb_uint8(image), to_bgr_uint8(image)
    assert rgb.dtype == bgr.dtype == np.uint8 and rgb.shape == (2, 2, 3)
    assert (rgb[..., 0] == 255).all() and (rgb[..., 1] == 128).all()
    assert (rgb[..., 2] == 0).all()
    np.testing.assert_array_equal(bgr, rgb[..., ::-1])
    with pytest.raises(ValueError, match='RGB'):
        to_rgb_uint8(torch.zeros(1, 2, 2))


def test_panel_places_images_side_by_side_with_gaps():
    images = [np.full((4, 5, 3), v, np.uint8) for v in (0, 128, 200)]
    panel = comparison_panel(images, gap=2)
    assert panel.shape == (4, 5 * 3 + 2 * 2, 3)
    assert (panel[:, :5] == 0).all()
    assert (panel[:, 5:7] == 255).all()
    assert (panel[:, 7:12] == 128).all()
    assert (panel[:, 14:] == 200).all()
    assert comparison_panel([images[0], None], gap=2).shape == (4, 5, 3)


def test_panel_rejects_mismatched_heights_and_non_uint8():
    with pytest.raises(ValueError, match='height'):
        comparison_panel([np.zeros((4, 4, 3), np.uint8),
                          np.zeros((5, 4, 3), np.uint8)])
    with pytest.raises(ValueError, match='uint8'):
        comparison_panel([np.zeros((4, 4, 3), np.float32)])


def test_title_bar_above_the_untouched_panel():
    panel = np.full((100, 300, 3), 90, np.uint8)
    titled = add_title(panel, 'rain: input | restored')
    bar = title_height(100)
    assert bar == 14 and titled.shape == (100 + bar, 300, 3)
    np.testing.assert_array_equal(titled[bar:], panel)
    assert titled[:bar].min() < 100  # dark text on the white bar
    assert (titled[:bar, -2:] == 255).all()  # white margin
    other = add_title(panel, 'fog: input | restored')
    assert not np.array_equal(other[:bar], titled[:bar])
    assert title_height(1024) == 41


def test_panel_title_names_the_weather_and_the_columns():
    columns = ['input', 'restored', 'ground truth']
    assert panel_title(columns, 'rain') == (
        'rain: input | restored | ground truth')
    assert panel_title(columns[:2]) == 'input | restored'
    assert panel_title(columns[:2], 'unknown') == 'input | restored'
