"""Tests of tools/analysis/router_tsne.py."""
import numpy as np
import pytest
import torch


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
