import pytest
import torch

from mofme_mm.models.layers import TransformerBlock


def test_block_is_two_residuals_and_reports_aux_for_experts():
    torch.manual_seed(0)
    block = TransformerBlock(8, num_heads=2, head_dims=4, mlp_ratio=2)
    x = torch.randn(2, 5, 8)
    y, aux = block(x)
    assert aux is None
    mid = x + block.attn(block.norm(x))
    torch.testing.assert_close(y, mid + block.ffn(mid))
    moe = TransformerBlock(8, 2, 4, ffn_cfg=dict(type='moe', num_experts=3,
                                                 top_k=2))
    y, aux = moe(x)
    assert aux['indices'].shape == (2, 5, 2) and 'loss_balance' in aux[
        'losses']


def test_block_rejects_unknown_ffn_type():
    with pytest.raises(ValueError, match='ffn_cfg.type'):
        TransformerBlock(8, 2, 4, ffn_cfg=dict(type='conv'))
