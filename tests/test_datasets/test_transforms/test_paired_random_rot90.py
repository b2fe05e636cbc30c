import numpy as np

from mofme_mm.datasets.transforms import PairedRandomRot90


def test_rot90_moves_everything_together(coord_sample, assert_aligned):
    np.random.seed(1)
    ks = set()
    for _ in range(12):
        res = PairedRandomRot90(prob=1.0).transform(coord_sample())
        assert_aligned(res)
        k = res['rot90_k']
        ks.add(k)
        expected = np.rot90(coord_sample()['img'], k)
        np.testing.assert_array_equal(res['img'], expected)
        assert tuple(res['img_shape']) == ((40, 24) if k % 2 else (24, 40))
    assert ks == {1, 2, 3}
