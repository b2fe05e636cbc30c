import os.path as osp

import cv2
import numpy as np
import pytest

from mofme_mm.datasets.transforms import LoadGTImageFromFile


def test_loads_the_gt_next_to_the_input(tmp_path):
    gt = np.random.default_rng(0).integers(0, 256, (6, 9, 3), dtype=np.uint8)
    path = str(tmp_path / 'gt.png')
    cv2.imwrite(path, gt)
    res = LoadGTImageFromFile().transform(dict(gt_path=path, img=gt * 0))
    np.testing.assert_array_equal(res['gt_img'], gt)
    assert res['gt_img'].dtype == np.uint8
    res = LoadGTImageFromFile(to_float32=True).transform(dict(gt_path=path))
    assert res['gt_img'].dtype == np.float32


def test_can_load_the_input_with_shapes(tmp_path):
    path = str(tmp_path / 'in.png')
    cv2.imwrite(path, np.zeros((5, 7, 3), np.uint8))
    res = LoadGTImageFromFile(key='img', path_key='img_path').transform(
        dict(img_path=path))
    assert res['img_shape'] == (5, 7) and res['ori_shape'] == (5, 7)


@pytest.mark.parametrize('content', [b'', b'not a png at all'])
def test_corrupt_file_error_names_the_file(tmp_path, content):
    path = str(tmp_path / 'broken_leftImg8bit.png')
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(OSError) as err:
        LoadGTImageFromFile().transform(dict(gt_path=path))
    assert path in str(err.value)


def test_missing_file_and_key_errors(tmp_path):
    path = osp.join(str(tmp_path), 'nope.png')
    with pytest.raises(OSError, match='nope.png'):
        LoadGTImageFromFile().transform(dict(gt_path=path))
    with pytest.raises(KeyError, match='gt_path'):
        LoadGTImageFromFile().transform(dict(img_path=path))

