import json

import numpy as np
import pytest

from mofme_mm.datasets.synthesis import (
    depth_to_disparity,
    depth_to_distance,
    disparity_to_depth,
    read_camera,
    write_camera,
)


def test_cityscapes_disparity_encoding():
    # p = 0 invalid; d = (p - 1) / 256; depth = baseline * fx / d.
    p = np.array([[0, 1, 257, 513]], np.uint16)
    depth = disparity_to_depth(p, baseline=0.2, fx=2000.0)
    assert np.isinf(depth[0, 0]) and np.isinf(depth[0, 1])
    np.testing.assert_allclose(depth[0, 2:], [400.0, 200.0])


def test_round_trip_within_quantisation():
    depth = np.array([[2.0, 10.0, 50.0, np.inf]], np.float32)
    p = depth_to_disparity(depth, 0.209313, 2262.52)
    assert p.dtype == np.uint16 and p[0, 3] == 0
    back = disparity_to_depth(p, 0.209313, 2262.52)
    np.testing.assert_allclose(back[0, :3], depth[0, :3], rtol=0.01)


def test_distance_grows_off_axis():
    depth = np.full((3, 3), 10.0, np.float32)
    dist = depth_to_distance(depth, fx=1.0, fy=1.0, u0=1.0, v0=1.0)
    assert dist[1, 1] == pytest.approx(10.0)
    assert dist[0, 0] == pytest.approx(10.0 * np.sqrt(3.0))


def test_camera_json(tmp_path):
    path = str(tmp_path / 'cam' / 'x_camera.json')
    write_camera(path, 0.21, 500.0, 501.0, 256.0, 128.0)
    with open(path) as f:
        raw = json.load(f)
    assert raw['extrinsic']['baseline'] == 0.21
    assert raw['intrinsic']['fx'] == 500.0
    assert read_camera(path) == dict(baseline=0.21, fx=500.0, fy=501.0,
                                     u0=256.0, v0=128.0)
    (tmp_path / 'bad.json').write_text('{"intrinsic": {}}')
    with pytest.raises(ValueError, match='bad.json'):
        read_camera(str(tmp_path / 'bad.json'))


def test_fill_holes_keeps_sky_and_fills_stereo_holes():
    from mofme_mm.datasets.synthesis import fill_depth_holes
    depth = np.arange(48, dtype=np.float32).reshape(6, 8)
    depth[:2] = np.inf  # sky: touches the top border
    depth[4, 3] = np.inf  # a stereo hole inside the scene
    depth[3, 5:7] = np.nan
    filled = fill_depth_holes(depth)
    assert np.isinf(filled[:2]).all()
    assert filled[4, 3] in (27.0, 34.0, 36.0, 43.0)  # a 4-neighbour
    assert filled[3, 5] in (21.0, 28.0, 37.0)
    assert np.isfinite(filled[2:]).all()
    np.testing.assert_array_equal(filled[5], depth[5])
