"""build_restorer: the project's one restorer builder loads strictly."""
import pickle

import pytest
import torch
from holder_models import restorer_cfg

from mofme_mm.models.utils import WeightLoadingError, build_restorer


def test_loads_its_own_checkpoint(restorer_checkpoint):
    path, weights = restorer_checkpoint()
    model = build_restorer(restorer_cfg(), path)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, weights[key], msg=key)
    assert model.is_init  # a parent init_weights() keeps these weights


def test_checkpoint_of_another_architecture_is_refused_by_name(
        restorer_checkpoint):
    path, _ = restorer_checkpoint(num_experts=8)
    with pytest.raises(WeightLoadingError) as info:
        build_restorer(restorer_cfg(num_experts=4), path)
    message = str(info.value)
    assert path in message
    assert 'network.blocks.0.ffn.router.proj.weight (8, 16)' in message
    assert 'tools/train.py wrote for this restorer config' in message


def test_partial_loading_only_on_request(restorer_checkpoint):
    path, weights = restorer_checkpoint(num_experts=8)
    model = build_restorer(restorer_cfg(num_experts=4), path, strict=False)
    torch.testing.assert_close(model.network.head[0].weight,
                               weights['network.head.0.weight'])


def test_a_png_is_not_a_checkpoint(tmp_path):
    png = tmp_path / 'frame.png'
    png.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(64))
    with pytest.raises(pickle.UnpicklingError) as info:
        build_restorer(restorer_cfg(), str(png))
    message = str(info.value)
    assert str(png) in message and 'PNG image' in message
    assert '\n' not in message


def test_checkpoint_path_must_be_a_string():
    with pytest.raises(TypeError, match='path of a .pth file'):
        build_restorer(restorer_cfg(), 3)
