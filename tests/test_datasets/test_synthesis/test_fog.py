import numpy as np
import pytest

from mofme_mm.datasets.synthesis import add_fog, fog_transmission


def test_transmission_is_koschmieder():
    d = np.array([0.0, 100.0, np.inf])
    np.testing.assert_allclose(fog_transmission(d, 0.01),
                               [1.0, np.exp(-1.0), 0.0], rtol=1e-6)


def test_fog_denser_with_distance_and_beta():
    image = np.full((16, 64, 3), 0.2, np.float32)
    image[:, :, 1] = 0.4
    distance = np.tile(np.linspace(5, 600, 64, dtype=np.float32), (16, 1))
    light = np.array([0.9, 0.9, 0.9], np.float32)
    contrast = []
    for beta in (0.005, 0.01, 0.02):
        foggy = add_fog(image, distance, beta, light)
        # Distance from the clean image to the airlight shrinks with l.
        gap = np.abs(foggy - light).mean(axis=(0, 2))
        assert np.all(np.diff(gap) < 0)
        contrast.append(gap.mean())
        expected_t = np.exp(-beta * distance)[..., None]
        np.testing.assert_allclose(
            foggy, image * expected_t + light * (1 - expected_t), atol=1e-5)
    assert contrast[0] > contrast[1] > contrast[2]


def test_estimates_airlight_when_not_given():
    image = np.zeros((40, 40, 3), np.float32)
    image[:10] = 0.8  # bright sky band
    foggy = add_fog(image, np.full((40, 40), np.inf, np.float32), 0.01)
    np.testing.assert_allclose(foggy, 0.8, atol=1e-6)


@pytest.mark.parametrize('beta', [0.005, 0.02])
def test_zero_distance_is_clear(beta):
    image = np.random.default_rng(1).random((8, 8, 3)).astype(np.float32)
    out = add_fog(image, np.zeros((8, 8), np.float32), beta, np.ones(3))
    np.testing.assert_allclose(out, image, atol=1e-6)
