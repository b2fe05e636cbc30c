import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile

from mofme_mm.datasets.transforms import LoadInputImageFromFile


@pytest.mark.parametrize('content', [b'', b'not a png at all'])
def test_input_loader_names_corrupt_file(tmp_path, content):
    path = str(tmp_path / 'broken_rain.png')
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(OSError) as err:
        LoadInputImageFromFile().transform(dict(img_path=path))
    assert path in str(err.value)


def test_input_loader_matches_mmcv(tmp_path):
    path = str(tmp_path / 'ok.png')
    cv2.imwrite(path, np.arange(60, dtype=np.uint8).reshape(4, 5, 3))
    ours = LoadInputImageFromFile().transform(dict(img_path=path))
    ref = LoadImageFromFile().transform(dict(img_path=path))
    np.testing.assert_array_equal(ours['img'], ref['img'])
    assert ours['img_shape'] == ref['img_shape'] == (4, 5)
