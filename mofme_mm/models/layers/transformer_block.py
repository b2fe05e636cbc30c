"""Pre-LN transformer block with a configurable FFN slot."""
from typing import Optional, Tuple

from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .attention import MultiheadSelfAttention
from .builders import build_ffn


@MODELS.register_module()
class TransformerBlock(nn.Module):
    """``x + Attn(LN(x))``, then ``x + FFN(x)`` with a pre-LN FFN slot.

    The FFN slot owns its LayerNorm so that an expert slot's router sees the
    un-normalised token (as in the reference network).

    Args:
        embed_dims (int): token dimension D.
        num_heads (int): attention heads. Defaults to 8.
        head_dims (int): dimension per head. Defaults to 64.
        mlp_ratio (float): FFN hidden size over D. Defaults to 4.
        ffn_cfg (dict, optional): FFN slot, see ``builders.build_ffn``.
            Defaults to dense.
        router_cfg (dict, optional): router of an expert slot. Defaults to
            top-k.
        norm_layer (type): normalisation class. Defaults to ``nn.LayerNorm``.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int = 8,
                 head_dims: int = 64,
                 mlp_ratio: float = 4.0,
                 ffn_cfg: Optional[dict] = None,
                 router_cfg: Optional[dict] = None,
                 norm_layer: type = nn.LayerNorm) -> None:
        super().__init__()
        self.norm = norm_layer(embed_dims)
        self.attn = MultiheadSelfAttention(embed_dims, num_heads, head_dims)
        self.ffn = build_ffn(ffn_cfg, router_cfg, embed_dims,
                             int(embed_dims * mlp_ratio))

    def forward(self, x: Tensor) -> Tuple[Tensor, Optional[dict]]:
        """(B, N, D) -> ((B, N, D), aux or None for a dense slot)."""
        x = x + self.attn(self.norm(x))
        out = self.ffn(x)
        y, aux = out if isinstance(out, tuple) else (out, None)
        return x + y, aux
