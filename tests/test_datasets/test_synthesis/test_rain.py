import numpy as np
import pytest

from mofme_mm.datasets.synthesis import add_rain, rain_streak_pattern


def test_pattern_is_deterministic_per_seed_and_differs_across():
    a = rain_streak_pattern(64, 96, 3, 0.005, seed=7)
    np.testing.assert_array_equal(a, rain_streak_pattern(64, 96, 3, 0.005, 7))
    assert not np.array_equal(a, rain_streak_pattern(64, 96, 3, 0.005, 8))
    assert not np.array_equal(a, rain_streak_pattern(64, 96, 4, 0.005, 7))
    assert a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    assert (a > 0.05).mean() > 0.01  # there are streaks


def test_streak_direction_follows_pattern():
    # Pattern 1 is vertical: streaks correlate more along y than along x.
    s = rain_streak_pattern(128, 128, 1, 0.005, 0) - 0.0
    s = s - s.mean()
    along_y = (s[1:] * s[:-1]).mean()
    along_x = (s[:, 1:] * s[:, :-1]).mean()
    assert along_y > 2 * along_x


def test_invalid_pattern():
    with pytest.raises(ValueError, match='1..12'):
        rain_streak_pattern(8, 8, 13)


def test_rain_model_formula_and_depth_dependence():
    rng = np.random.default_rng(0)
    image = rng.uniform(0.1, 0.5, (8, 32, 3)).astype(np.float32)
    depth = np.tile(np.linspace(1, 400, 32, dtype=np.float32), (8, 1))
    streaks = np.full((8, 32), 0.5, np.float32)
    light = np.array([0.8, 0.8, 0.8], np.float32)
    out = add_rain(image, depth, 0.02, 0.01, streaks, d1=3.0,
                   atmospheric_light=light)
    r = (0.5 * np.exp(-0.02 * np.maximum(3.0, depth)))[..., None]
    a = (1 - np.exp(-0.01 * depth))[..., None]
    np.testing.assert_allclose(out, image * (1 - r - a) + r + light * a,
                               atol=1e-5)
    # Far away the haze term dominates: the output approaches the airlight.
    assert np.abs(out[:, -1] - light).max() < np.abs(out[:, 0] - light).min()
    with pytest.raises(ValueError, match='shape'):
        add_rain(image, depth, 0.01, 0.005, streaks[:4])
