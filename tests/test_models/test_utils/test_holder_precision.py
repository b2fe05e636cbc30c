"""The ``precision`` option of the restorer holders."""
import pytest
import torch
from mmengine.registry import DefaultScope

from mofme_mm.models.backbones import DeweatherBackbone
from mofme_mm.models.data_preprocessors import (
    DeweatherDetDataPreprocessor,
    DeweatherSegDataPreProcessor,
)

TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
        patch_size=4, head_channels=4, tail_channels=4,
        ffn_cfg=dict(type='fme', num_experts=2, top_k=1)),
    test_cfg=dict(mode='tile', tile_size=16, tile_overlap=0))


@pytest.mark.parametrize('cls', [DeweatherSegDataPreProcessor,
                                 DeweatherDetDataPreprocessor])
def test_preprocessor_precision_reaches_the_restorer(cls, cpu_bf16):
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        torch.manual_seed(0)
        holder = cls(restorer=TINY_RESTORER, untrained_restorer=True,
                     precision='bf16')
        torch.manual_seed(0)
        kept = cls(restorer=TINY_RESTORER, untrained_restorer=True)
    assert holder.restorer.test_cfg['precision'] == 'bf16'
    assert holder.restorer.test_cfg['tile_size'] == 16  # the rest is kept
    assert kept.restorer.test_cfg['precision'] == 'fp32'
    batch = dict(inputs=[torch.randint(0, 256, (3, 16, 24),
                                       dtype=torch.uint8)],
                 data_samples=None)
    with torch.no_grad():
        out = holder(dict(batch), False)['inputs']
        ref = kept(dict(batch), False)['inputs']
    assert out.dtype == torch.float32
    assert not torch.equal(out, ref)  # ran in bf16
    torch.testing.assert_close(out, ref, atol=255 * 0.02, rtol=0)  # pixels


def test_backbone_precision_and_refusal():
    backbone = dict(type='mmseg.ResNetV1c', depth=18, num_stages=1,
                    out_indices=(0, ), strides=(1, ), dilations=(1, ))
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        holder = DeweatherBackbone(backbone, TINY_RESTORER,
                                   untrained_restorer=True, precision='bf16')
        assert holder.restorer.test_cfg['precision'] == 'bf16'
        with pytest.raises(ValueError, match='model.backbone.precision'):
            DeweatherBackbone(backbone, TINY_RESTORER,
                              untrained_restorer=True, precision='half')
