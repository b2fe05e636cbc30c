"""Tests of mofme_mm.analysis.complexity (activated MAC counting)."""
from pathlib import Path

import pytest

from mofme_mm.analysis.benchmark import build_network
from mofme_mm.analysis.complexity import model_complexity

ROOT = Path(__file__).resolve().parents[2]


def _tiny_config(tmp_path, name, ffn, router='topk'):
    cfg = tmp_path / f'{name}.py'
    cfg.write_text(
        "model = dict(type='DeweatherRestorer', network=dict(\n"
        "    type='MoFMEViT', embed_dims=16, depth=1, num_heads=2,\n"
        "    head_dims=8, patch_size=4, head_channels=4, tail_channels=4,\n"
        f"    ffn_cfg={ffn!r}, router_cfg=dict(type='{router}')))\n")
    return str(cfg)


def test_mc_router_counts_the_batched_mc_product(tmp_path):
    cfg = _tiny_config(tmp_path, 'uar', dict(type='fme', num_experts=8,
                                             top_k=2), router='uar')
    net = build_network(str(cfg))
    plain = model_complexity(net, (16, 16))
    mc = model_complexity(net, (16, 16), mc_router=True)
    assert (mc['gmacs'] - plain['gmacs']) * 1e9 == pytest.approx(
        5 * 16 * 16 * 8)  # M x tokens x D x E
    assert net.training  # restored, like the routers' setting
    assert not any(getattr(m, 'mc_at_test', False) for m in net.modules())


def _fme_macs_per_token(dims, num_experts, top_k, gated):
    """Activated MACs an FME slot adds over a dense FFN, per token: router
    (D x E), gated pre-projection (D x 2D) and the top-k expert products
    (D x 2D each). Their weighted combination is elementwise (k multiply-
    adds of 2D values per token), which the counter, like the modulation
    itself, does not count as products."""
    gate = dims * 2 * dims if gated else 0
    return dims * num_experts + gate + top_k * dims * 2 * dims


@pytest.mark.parametrize('gated', [True, False])
def test_fme_counts_every_activated_expert_product(tmp_path, gated):
    """The paper rows' 5% tolerance exceeds the experts' share (~3% of the
    MoFME row), so the expert products are checked exactly here."""
    fme = _tiny_config(tmp_path, f'fme{gated}', dict(
        type='fme', num_experts=4, top_k=2, gated=gated))
    dense = _tiny_config(tmp_path, 'dense', dict(type='dense'))
    fme_macs = model_complexity(build_network(fme), (16, 24))['gmacs']
    dense_macs = model_complexity(build_network(dense),
                                  (16, 24))['gmacs']
    tokens = 4 * 6
    assert (fme_macs - dense_macs) * 1e9 == pytest.approx(
        tokens * _fme_macs_per_token(16, 4, 2, gated))


def test_paper_mofme_row_counts_its_experts():
    stats = {
        name: model_complexity(
            build_network(str(ROOT / 'configs' / name)), (240, 240))
        for name in ('ablation/vit_allweather.py', 'mofme_allweather.py')
    }
    # D = 384, 16 experts, top-2, gated; 2 blocks of 30 x 30 tokens
    expected = 2 * 900 * _fme_macs_per_token(384, 16, 2, True)
    diff = (stats['mofme_allweather.py']['gmacs'] -
            stats['ablation/vit_allweather.py']['gmacs']) * 1e9
    assert diff == pytest.approx(expected, rel=1e-6)
