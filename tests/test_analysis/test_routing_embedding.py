"""Tests of mofme_mm.analysis.routing_embedding."""
import numpy as np
import pytest
import torch

from mofme_mm.analysis.routing_embedding import (
    dense_routing,
    routing_features,
    tsne_embedding,
)


def _layer(weights, indices):
    return dict(weights=torch.tensor(weights), indices=torch.tensor(indices))


def test_dense_routing_scatters_weights():
    dense = dense_routing(torch.tensor([[[0.7, 0.3], [0.6, 0.4]]]),
                          torch.tensor([[[2, 0], [1, 3]]]), 4)
    torch.testing.assert_close(dense, torch.tensor([[[0.3, 0.0, 0.7, 0.0],
                                                     [0.0, 0.6, 0.0, 0.4]]]))
    with pytest.raises(ValueError, match='num_experts'):
        dense_routing(torch.ones(1, 1, 1), torch.tensor([[[4]]]), 4)


def test_routing_features_per_image_and_per_token():
    # 2 images x 2 tokens x top-1, two MoE layers of 3 experts
    layers = [_layer([[[1.0], [1.0]], [[0.5], [0.5]]], [[[0], [1]], [[2], [2]]]),
              _layer([[[1.0], [1.0]], [[1.0], [1.0]]], [[[1], [1]], [[0], [2]]])]
    per_image = routing_features(layers, 3)
    np.testing.assert_allclose(per_image, [[0.5, 0.5, 0, 0, 1, 0],
                                           [0, 0, 0.5, 0.5, 0, 0.5]])
    per_token = routing_features(layers, 3, per='token', tokens=1,
                                 generator=torch.Generator().manual_seed(0))
    assert per_token.shape == (2, 6)
    # each sampled token has one expert per layer
    assert (per_token > 0).sum(axis=1).tolist() == [2, 2]
    with pytest.raises(ValueError, match='MoE layer'):
        routing_features([], 3)


def test_tsne_embedding_separates_clusters():
    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 0.01, (10, 8)),
                               rng.normal(5, 0.01, (10, 8))])
    points = tsne_embedding(features, perplexity=30, seed=0)
    assert points.shape == (20, 2) and np.isfinite(points).all()
    centres = points[:10].mean(0), points[10:].mean(0)
    spread = max(points[:10].std(0).max(), points[10:].std(0).max())
    assert np.linalg.norm(centres[0] - centres[1]) > 3 * spread
    with pytest.raises(ValueError, match='at least 3'):
        tsne_embedding(features[:2])
