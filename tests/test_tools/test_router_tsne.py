"""Tests of tools/analysis/router_tsne.py and mofme_mm.utils.routing_embedding."""
import numpy as np
import pytest
import torch

from mofme_mm.utils.routing_embedding import (
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


class _Dataset:

    def __init__(self, weathers):
        self.weathers = weathers

    def __len__(self):
        return len(self.weathers)

    def get_data_info(self, index):
        return dict(weather=self.weathers[index])


def test_select_indices_caps_each_weather(load_tool):
    tool = load_tool('router_tsne')
    chosen = tool.select_indices(_Dataset(['rain', 'fog', 'rain', 'rain', 'fog']), 2)
    assert chosen == {'rain': [0, 2], 'fog': [1, 4]}
    with pytest.raises(KeyError, match='weather'):
        tool.select_indices(_Dataset([None]), 2)


def test_centre_crop_and_plot(load_tool, tmp_path):
    tool = load_tool('router_tsne')
    image = torch.arange(6 * 8.0).reshape(1, 1, 6, 8)
    assert tool.centre_crop(image, 4)[0, 0].tolist() == image[0, 0, 1:5, 2:6].tolist()
    assert tool.centre_crop(image, 16).shape == image.shape
    path = tmp_path / 'tsne.png'
    tool.plot_embedding(np.random.rand(6, 2), ['rain'] * 3 + ['fog'] * 3, str(path))
    assert path.read_bytes().startswith(b'\x89PNG')


def test_router_tsne_end_to_end_on_toy_cityscapes(load_tool, toy_cityscapes_root,
                                                  tmp_path):
    from mmengine.config import Config

    from mofme_mm.registry import MODELS
    from mofme_mm.utils import register_all_modules

    register_all_modules()
    config = 'configs/toy/mofme_raincityscapes_toy.py'
    model = MODELS.build(Config.fromfile(config).model)
    checkpoint = tmp_path / 'model.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    roots = [f'test_dataloader.dataset.datasets.{i}.data_root={toy_cityscapes_root}'
             for i in range(2)]
    out = tmp_path / 'tsne.png'
    result = load_tool('router_tsne').main(
        [config, str(checkpoint), '--images', '3', '--per', 'token', '--tokens',
         '4', '--out', str(out), '--cfg-options', *roots])
    # the toy val set has more than 3 rainy and 3 foggy images: 3 of each
    # weather are used, 4 tokens each
    assert sorted(set(result['labels'].tolist())) == ['fog', 'rain']
    assert result['points'].shape == (2 * 3 * 4, 2)
    assert (result['labels'] == 'rain').sum() == 12
    assert out.read_bytes().startswith(b'\x89PNG')
    saved = np.load(tmp_path / 'tsne.npz')
    np.testing.assert_array_equal(saved['points'], result['points'])


def test_router_tsne_refuses_a_config_that_is_not_a_restorer(
        load_tool, tiny_network, write_config, tmp_path):
    from mmengine.registry import DefaultScope

    from mofme_mm.registry import MODELS

    config = write_config('bare', tiny_network(), wrap=False)
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        network = MODELS.build(tiny_network())
    checkpoint = tmp_path / 'bare.pth'
    torch.save(dict(state_dict=network.state_dict()), checkpoint)
    with pytest.raises(TypeError, match='not a restorer config') as info:
        load_tool('router_tsne').main([config, str(checkpoint)])
    assert config in str(info.value) and 'wrap it' in str(info.value)
