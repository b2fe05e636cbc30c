"""Multi-head self-attention."""
import torch.nn.functional as F
from torch import Tensor, nn

from mofme_mm.registry import MODELS


@MODELS.register_module()
class MultiheadSelfAttention(nn.Module):
    """Multi-head self-attention with an inner dimension of heads x head_dims.

    The qkv projection has no bias, the output projection has one; the
    attention product itself is ``F.scaled_dot_product_attention``.

    Args:
        embed_dims (int): token dimension D.
        num_heads (int): number of heads. Defaults to 8.
        head_dims (int): dimension per head. Defaults to 64.
        attn_drop (float): attention dropout. Defaults to 0.
        proj_drop (float): output dropout. Defaults to 0.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int = 8,
                 head_dims: int = 64,
                 attn_drop: float = 0.0,
                 proj_drop: float = 0.0) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dims = head_dims
        inner = num_heads * head_dims
        self.qkv = nn.Linear(embed_dims, 3 * inner, bias=False)
        self.proj = nn.Linear(inner, embed_dims)
        self.attn_drop = attn_drop
        self.proj_drop = nn.Dropout(proj_drop) if proj_drop else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """Map (B, N, D) -> (B, N, D)."""
        b, n, _ = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.num_heads, self.head_dims)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        drop = self.attn_drop if self.training else 0.0
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)
        out = out.transpose(1, 2).reshape(b, n, -1)
        return self.proj_drop(self.proj(out))
