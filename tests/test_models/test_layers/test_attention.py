import torch

from mofme_mm.models.layers import MultiheadSelfAttention


def test_attention_matches_explicit_softmax_attention():
    torch.manual_seed(0)
    attn = MultiheadSelfAttention(12, num_heads=3, head_dims=5)
    assert attn.qkv.bias is None and attn.proj.in_features == 15
    x = torch.randn(2, 7, 12)
    q, k, v = (x @ attn.qkv.weight.t()).reshape(2, 7, 3, 3, 5).permute(
        2, 0, 3, 1, 4)
    scores = (q @ k.transpose(-1, -2) / 5**0.5).softmax(-1)
    ref = (scores @ v).transpose(1, 2).reshape(2, 7, 15)
    ref = attn.proj(ref)
    torch.testing.assert_close(attn(x), ref, atol=1e-5, rtol=1e-5)
