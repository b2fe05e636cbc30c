import numpy as np
import pytest

from mofme_mm.datasets.transforms import PairedRandomFlip


@pytest.mark.parametrize('direction, check', [
    ('horizontal', lambda img: img[0, 0, 1] == 39),
    ('vertical', lambda img: img[0, 0, 0] == 23),
    (['horizontal', 'vertical'], lambda img: tuple(img[0, 0, :2]) == (23, 39)),
])
def test_flip_moves_everything_together(direction, check, coord_sample, assert_aligned):
    res = PairedRandomFlip(prob=1.0, direction=direction).transform(
        coord_sample())
    assert_aligned(res)
    assert check(res['img']) and res['flip']
    expected = direction if isinstance(direction, str) else 'diagonal'
    assert res['flip_direction'] == expected


def test_flip_prob_zero_is_identity(coord_sample):
    res = PairedRandomFlip(prob=0.0).transform(coord_sample())
    np.testing.assert_array_equal(res['img'], coord_sample()['img'])
    assert res['flip'] is False and res['flip_direction'] is None
