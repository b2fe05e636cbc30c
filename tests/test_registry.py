"""mofme_mm modules are reachable from mmseg and mmdet configs."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mofme_mm.registry import MODELS
from mofme_mm.utils import register_all_modules

TINY_NETWORK = dict(
    type='mofme_mm.MoFMEViT', embed_dims=32, depth=1, num_heads=2, head_dims=16,
    patch_size=4, head_channels=8, tail_channels=8,
    ffn_cfg=dict(type='fme', num_experts=4, top_k=2))


@pytest.mark.parametrize('base, registry_module', [
    ('mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
     'mmseg.registry'),
    ('mmdet::cityscapes/faster-rcnn_r50_fpn_1x_cityscapes.py', 'mmdet.registry'),
])
def test_mm_config_builds_mofme_type(tmp_path, base, registry_module):
    config_file = tmp_path / 'config.py'
    config_file.write_text(
        f"_base_ = ['{base}']\n"
        "custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)\n"
        f'restorer_network = {TINY_NETWORK!r}\n')
    cfg = Config.fromfile(str(config_file))
    # the downstream base config is really there (not just our lines)
    assert cfg.model.backbone.depth == 50
    registry = __import__(registry_module, fromlist=['MODELS']).MODELS
    init_default_scope(cfg.default_scope)
    network = registry.build(cfg.restorer_network)
    assert type(network).__module__.startswith('mofme_mm.')
    restored, _ = network(torch.rand(1, 3, 20, 28))
    assert restored.shape == (1, 3, 20, 28)


def test_register_all_modules_sets_scope():
    register_all_modules(init_default_scope=True)
    from mmengine import DefaultScope
    assert DefaultScope.get_current_instance().scope_name == 'mofme_mm'
    assert MODELS.get('MoFMEViT') is not None
    assert MODELS.scope == 'mofme_mm'


def test_register_all_modules_takes_the_scope_back():
    init_default_scope('mofme_mm')
    init_default_scope('mmdet')
    with pytest.warns(UserWarning, match='mmdet'):
        register_all_modules(init_default_scope=True)
    from mmengine import DefaultScope
    assert DefaultScope.get_current_instance().scope_name == 'mofme_mm'
