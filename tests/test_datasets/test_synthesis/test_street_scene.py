import numpy as np

from mofme_mm.datasets.synthesis import render_street_scene


def test_scene_is_deterministic_and_consistent():
    a = render_street_scene(96, 192, np.random.default_rng(3))
    b = render_street_scene(96, 192, np.random.default_rng(3))
    np.testing.assert_array_equal(a['image'], b['image'])
    np.testing.assert_array_equal(a['label'], b['label'])
    label, depth = a['label'], a['depth']
    assert a['image'].shape == (96, 192, 3) and a['image'].dtype == np.uint8
    assert label.max() <= 18
    assert {0, 1, 2}.issubset(set(np.unique(label)))  # road, sidewalk, bldg
    # Sky (10) is exactly the infinitely far region.
    np.testing.assert_array_equal(label == 10, np.isinf(depth))
    # The road gets farther towards the horizon (up the image).
    col = label.shape[1] // 2
    road_rows = np.where(label[:, col] == 0)[0]
    road_depth = depth[road_rows, col]
    assert np.all(np.diff(road_depth[::-1]) > 0)
    # Textured: restoring it is not trivial.
    road = a['image'][label == 0].astype(float)
    assert road.std() > 3


def test_scenes_differ_across_seeds():
    a = render_street_scene(64, 128, np.random.default_rng(0))
    b = render_street_scene(64, 128, np.random.default_rng(1))
    assert not np.array_equal(a['label'], b['label'])
