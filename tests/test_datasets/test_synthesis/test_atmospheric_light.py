import numpy as np

from mofme_mm.datasets.synthesis import dark_channel, estimate_atmospheric_light


def test_dark_channel_is_min_over_channels_and_window():
    img = np.ones((20, 20, 3), np.float32)
    img[10, 10, 1] = 0.0
    dark = dark_channel(img, window=15)
    assert dark[10, 10] == 0 and dark[3, 3] == 0  # within 7 px of the hole
    assert dark[19, 19] == 1 and dark[0, 0] == 1  # outside it


def test_atmospheric_light_from_brightest_haze():
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 0.3, (100, 100, 3)).astype(np.float32)
    img[:20, :20] = [0.7, 0.8, 0.9]  # a hazy sky patch
    img[60, 60] = [1.0, 0.0, 1.0]  # a bright but saturated-colour pixel
    light = estimate_atmospheric_light(img)
    np.testing.assert_allclose(light, [0.7, 0.8, 0.9], atol=1e-6)
