"""The #14 measures: expert usage, probe, region means, rank correlation."""
import numpy as np
import pytest
import torch

from mofme_mm.analysis.restorer_targets import (
    expert_usage,
    probe_accuracy,
    region_means,
    spearman,
)


def test_expert_usage_is_a_histogram_per_layer():
    first = dict(indices=torch.tensor([[[0, 1], [0, 2]], [[3, 3], [3, 1]]]))
    second = dict(indices=torch.tensor([[[1, 1], [1, 1]], [[0, 2], [2, 0]]]))
    rows = expert_usage([first, second], 4)
    np.testing.assert_allclose(rows[0], [.5, .25, .25, 0, 0, 1, 0, 0])
    np.testing.assert_allclose(rows[1], [0, .25, 0, .75, .5, 0, .5, 0])
    with pytest.raises(ValueError, match='no MoE layer'):
        expert_usage([], 4)


def test_probe_separates_separable_weathers_and_not_noise():
    rng = np.random.default_rng(0)
    rain = rng.normal(0, 1, (40, 4)) + [3, 0, 0, 0]
    fog = rng.normal(0, 1, (40, 4)) - [3, 0, 0, 0]
    x = np.concatenate([rain, fog])
    y = ['rain'] * 40 + ['fog'] * 40
    assert probe_accuracy(x[::2], y[::2], x[1::2], y[1::2]) > 0.95
    noise = rng.normal(0, 1, (80, 4))
    assert probe_accuracy(noise[::2], y[::2], noise[1::2], y[1::2]) < 0.8
    with pytest.raises(ValueError, match='two weathers'):
        probe_accuracy(x[:10], ['rain'] * 10, x[10:], y[10:])


def test_region_means_and_spearman():
    image = np.arange(36, dtype=float).reshape(6, 6)
    np.testing.assert_allclose(region_means(image, 3),
                               [7, 10, 25, 28])
    assert len(region_means(np.ones((7, 8)), 3)) == 4  # whole blocks only
    assert spearman([1, 2, 3, 4], [10, 20, 30, 100]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))
