"""Classic mixture-of-experts FFN (paper Eq. 3), sparse top-k."""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .builders import build_router
from .moe_losses import routing_aux
from .sparse_dispatch import (
    combine,
    dense_routing_matrix,
    group_by_expert,
    grouped_linear,
)


@MODELS.register_module()
class MoEFFN(nn.Module):
    """E parallel pre-LN FFN experts D -> hidden -> D behind a router.

    ``MoE(x) = sum_i r_i(x) e_i(LN(x))``; the router sees the un-normalised
    token. :meth:`forward` evaluates only the k selected experts per token
    (grouped by expert); :meth:`forward_dense` evaluates all E and is the
    reference the sparse path is tested against.

    Args:
        embed_dims (int): token dimension D.
        hidden_dims (int): hidden dimension of each expert.
        num_experts (int): E. Defaults to 16.
        top_k (int): experts per token. Defaults to 2.
        router_cfg (dict, optional): router config, ``type`` 'topk' or 'uar'
            plus its options. Defaults to top-k.
        act_layer (type): activation class. Defaults to ``nn.GELU``.
        norm_layer (type): pre-normalisation class. Defaults to
            ``nn.LayerNorm``.
    """

    #: Parameters only ever used in the autocast dtype (the restorer keeps
    #: low-precision copies of them for inference, see ``precision.py``).
    low_precision_params = ('w1', 'b1', 'w2', 'b2')

    def __init__(self,
                 embed_dims: int,
                 hidden_dims: int,
                 num_experts: int = 16,
                 top_k: int = 2,
                 router_cfg: Optional[dict] = None,
                 act_layer: type = nn.GELU,
                 norm_layer: type = nn.LayerNorm) -> None:
        super().__init__()
        self.router = build_router(router_cfg, embed_dims, num_experts, top_k)
        self.num_experts = int(num_experts)
        self.top_k = int(top_k)
        self.norm = norm_layer(embed_dims)
        self.act = act_layer()
        e, d, h = self.num_experts, embed_dims, hidden_dims
        self.w1 = nn.Parameter(torch.empty(e, d, h))
        self.b1 = nn.Parameter(torch.empty(e, h))
        self.w2 = nn.Parameter(torch.empty(e, h, d))
        self.b2 = nn.Parameter(torch.empty(e, d))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise every expert as ``nn.Linear`` would."""
        for w, b in ((self.w1, self.b1), (self.w2, self.b2)):
            bound = 1.0 / math.sqrt(w.shape[1])
            nn.init.uniform_(w, -bound, bound)
            nn.init.uniform_(b, -bound, bound)

    def _route(self, x: Tensor):
        route = self.router(x)
        return route, routing_aux(route, x.shape[:-1])

    def forward(self, x: Tensor) -> Tuple[Tensor, dict]:
        """Sparse path: (..., D) -> ((..., D), aux); see ``routing_aux``."""
        route, aux = self._route(x)
        xn = self.norm(x).reshape(-1, x.shape[-1])
        groups = group_by_expert(route.weights.reshape(-1, self.top_k),
                                 route.indices.reshape(-1, self.top_k),
                                 self.num_experts)
        rows = xn.index_select(0, groups.token_index)
        hidden = self.act(grouped_linear(rows, self.w1, self.b1, groups))
        out = grouped_linear(hidden, self.w2, self.b2, groups)
        y = combine(out, groups, route.weights.reshape(-1, self.top_k))
        return y.reshape(x.shape).to(x.dtype), aux

    def forward_dense(self, x: Tensor) -> Tuple[Tensor, dict]:
        """Reference path evaluating all E experts (test use, O(E) cost)."""
        route, aux = self._route(x)
        xn = self.norm(x)
        hidden = self.act(
            torch.einsum('...d,edh->...eh', xn, self.w1) + self.b1)
        out = torch.einsum('...eh,ehd->...ed', hidden, self.w2) + self.b2
        dense = dense_routing_matrix(route.weights, route.indices,
                                     self.num_experts)
        y = torch.einsum('...e,...ed->...d', dense.to(out.dtype), out)
        return y.to(x.dtype), aux
