import pytest
import torch
from torch import nn

from mofme_mm.models.layers import FMEFFN


def test_fme_follows_eq6_per_token():
    torch.manual_seed(0)
    layer = FMEFFN(6, 12, num_experts=5, top_k=2)
    nn.init.normal_(layer.bias)
    x = torch.randn(4, 6)
    y, aux = layer(x)
    h = layer.norm(x)
    w1, w2 = layer.gate.weight.chunk(2)
    b1, b2 = layer.gate.bias.chunk(2)
    h = nn.functional.gelu(h @ w1.t() + b1) * (h @ w2.t() + b2)
    for n in range(4):
        mix = torch.zeros(6)
        for w, e in zip(aux['weights'][n], aux['indices'][n]):
            gb = h[n] @ layer.weight[e] + layer.bias[e]
            mix = mix + w * (gb[:6] * h[n] + gb[6:])
        torch.testing.assert_close(y[n], layer.ffn(mix), atol=1e-5, rtol=1e-5)


def test_fme_starts_near_identity_modulation_and_ungated_option():
    layer = FMEFFN(6, 12, num_experts=3, top_k=1, gated=False)
    assert not hasattr(layer, 'gate')
    nn.init.zeros_(layer.weight)
    x = torch.randn(5, 6)
    y, _ = layer(x)
    torch.testing.assert_close(y, layer.ffn(layer.norm(x)))


def test_fme_parameter_count_is_one_shared_ffn_plus_modulations():
    d, e = 8, 4
    layer = FMEFFN(d, 4 * d, num_experts=e, top_k=2)
    ffn = 2 * d * 4 * d + 4 * d + d
    expected = ffn + e * (2 * d * d + 2 * d) + 2 * (d * d + d) + 2 * d + (
        d * e + e)
    assert sum(p.numel() for p in layer.parameters()) == expected


def test_fme_bad_config():
    with pytest.raises(ValueError, match='top_k'):
        FMEFFN(8, 16, num_experts=2, top_k=3)
    with pytest.raises(ValueError, match='router_cfg.type'):
        FMEFFN(8, 16, router_cfg=dict(type='hash'))
