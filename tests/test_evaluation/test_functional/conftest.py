"""Image pairs for the psnr / ssim tests."""
import numpy as np
import pytest


def _pair(seed: int, shape=(48, 64, 3), sigma: float = 20.0):
    rng = np.random.default_rng(seed)
    gt = rng.integers(0, 256, shape).astype(np.float64)
    pred = np.clip(np.round(gt + rng.normal(0, sigma, shape)), 0, 255)
    return pred, gt


@pytest.fixture
def image_pair():
    """``f(seed, shape=(48, 64, 3), sigma=20) -> (pred, gt)`` in [0, 255]."""
    return _pair
