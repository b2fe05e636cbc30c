"""Table 1 variants and their mean +- std table."""
import pytest
from mmengine.config import Config

from mofme_mm.analysis.ablation import (
    TABLE1_VARIANTS,
    markdown_table,
    mean_std_table,
    set_epoch_budget,
    variant_network,
)
from mofme_mm.models.backbones import MoFMEViT
from mofme_mm.models.layers import (
    FFN,
    FMEFFN,
    MoEFFN,
    TopKRouter,
    UncertaintyRouter,
)

BASE = dict(type='MoFMEViT', embed_dims=16, depth=1, num_heads=2,
            head_dims=8, mlp_ratio=2, patch_size=4, head_channels=4,
            tail_channels=4, ffn_cfg=dict(type='fme', num_experts=3, top_k=1),
            router_cfg=dict(type='uar', num_samples=3), residual=True)
EXPECTED = {'ViT': (FFN, None), 'MoE': (MoEFFN, TopKRouter),
            'MoE+FME': (FMEFFN, TopKRouter), 'MoE+UaR': (MoEFFN,
                                                         UncertaintyRouter),
            'MoFME': (FMEFFN, UncertaintyRouter)}


@pytest.mark.parametrize('variant', list(TABLE1_VARIANTS))
def test_variants_build_what_they_name(variant):
    net = variant_network(BASE, variant)
    net.pop('type')
    model = MoFMEViT(**net)
    ffn_cls, router_cls = EXPECTED[variant]
    ffn = model.blocks[0].ffn
    assert type(ffn) is ffn_cls
    if router_cls is not None:
        assert type(ffn.router) is router_cls
        assert ffn.num_experts == 3 and ffn.top_k == 1
    assert net['residual'] is True  # everything else kept
    assert BASE['ffn_cfg']['type'] == 'fme'  # base untouched
    with pytest.raises(ValueError, match='unknown Table 1 variant'):
        variant_network(BASE, 'MoE+XYZ')


def test_mean_std_table_and_markdown():
    runs = [dict(variant='ViT', seed=s, metrics={'rain/PSNR': p,
                                                 'rain/SSIM': 0.5})
            for s, p in ((0, 20.0), (1, 22.0))]
    table = mean_std_table(runs, ['rain'], ['ViT'])
    assert table['ViT']['rain/PSNR'] == (21.0, 1.0, 2)
    text = markdown_table(table, ['rain'])
    assert '| ViT | 21.00 +- 1.00 | 0.5000 +- 0.0000 |' in text


def test_epoch_budget():
    cfg = Config(dict(default_hooks=dict(checkpoint=dict())))
    set_epoch_budget(cfg, 20, 3)
    assert cfg.train_cfg.max_epochs == 20 and cfg.randomness.seed == 3
    assert cfg.param_scheduler[-1].end == 20
    with pytest.raises(ValueError, match='--epochs'):
        set_epoch_budget(cfg, 1, 0)
