"""patch_grid_profile / patch_grid_score find a period-p grid."""
import numpy as np
import pytest

from mofme_mm.evaluation.functional import patch_grid_profile, patch_grid_score


def _scenes(count, seed=0, shape=(64, 96, 3)):
    """Random piecewise-constant 'scenes' with edges at random phases."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        img = np.full(shape, 128.0)
        for _ in range(12):
            top, left = rng.integers(0, shape[0] - 8), rng.integers(
                0, shape[1] - 8)
            h, w = rng.integers(4, 30), rng.integers(4, 40)
            img[top:top + h, left:left + w] = rng.uniform(0, 255, 3)
        images.append(img + rng.normal(0, 2, shape))
    return images


def _with_grid(img, p, amplitude):
    """Add a step at every patch border (a blocky patch offset)."""
    rng = np.random.default_rng(1)
    blocks = rng.normal(0, amplitude, (img.shape[0] // p + 1,
                                       img.shape[1] // p + 1))
    grid = np.kron(blocks, np.ones((p, p)))[:img.shape[0], :img.shape[1]]
    return img + grid[..., None]


def test_grid_raises_the_score_and_peaks_at_the_patch_border():
    p = 8
    scenes = _scenes(6)
    gridded = [_with_grid(img, p, 6.0) for img in scenes]
    clean_score = patch_grid_score(scenes, p)
    grid_score = patch_grid_score(gridded, p)
    assert grid_score > 3 * clean_score
    profile = np.mean([patch_grid_profile(img, p) for img in gridded], 0)
    # differences between pixel p*k - 1 and p*k (phase p - 1) are largest
    assert int(np.argmax(profile)) == p - 1
    assert profile.mean() == pytest.approx(1.0)


def test_content_averages_out_over_images():
    p = 8
    few = patch_grid_score(_scenes(2, seed=3), p)
    many = patch_grid_score(_scenes(40, seed=3), p)
    assert many < 0.5 * few
    assert many < 0.07


def test_constant_image_contrast_and_layout():
    p = 4
    flat = np.full((16, 16, 3), 7.0)
    np.testing.assert_array_equal(patch_grid_profile(flat, p), np.ones(p))
    assert patch_grid_score([flat], p) == 0.0
    img = _with_grid(_scenes(1, seed=5)[0], p, 5.0)
    profile = patch_grid_profile(img, p)
    np.testing.assert_allclose(patch_grid_profile(3 * img + 10, p), profile)
    np.testing.assert_allclose(
        patch_grid_profile(img.transpose(2, 0, 1), p, input_order='CHW'),
        profile)
    np.testing.assert_allclose(patch_grid_profile(img.mean(2), p), profile)


def test_a_grid_of_another_period_is_not_counted():
    scenes = _scenes(6, seed=7)
    grid7 = [_with_grid(img, 7, 6.0) for img in scenes]
    assert patch_grid_score(grid7, 8) < 0.5 * patch_grid_score(grid7, 7)


@pytest.mark.parametrize('args,message', [
    ((np.zeros((16, 16)), 1), 'patch_size'),
    ((np.zeros((8, 16)), 8), 'too small'),
    ((np.zeros((2, 16, 16, 3)), 4), '2-D or 3-D'),
])
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        patch_grid_profile(*args)
    with pytest.raises(ValueError, match='at least one image'):
        patch_grid_score([], 4)
