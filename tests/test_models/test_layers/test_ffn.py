import torch
from torch import nn

from mofme_mm.models.layers import FFN


def test_ffn_is_pre_norm_mlp():
    torch.manual_seed(0)
    ffn = FFN(6, 10, norm_layer=nn.LayerNorm)
    x = torch.randn(3, 6)
    ref = ffn.fc2(nn.functional.gelu(ffn.fc1(ffn.norm(x))))
    torch.testing.assert_close(ffn(x), ref)
    assert isinstance(FFN(6, 10).norm, nn.Identity)
