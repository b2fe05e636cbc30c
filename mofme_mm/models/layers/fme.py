"""Feature-modulated experts, FME (paper Eq. 4-6), sparse top-k."""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .builders import build_router
from .ffn import FFN
from .moe_losses import routing_aux
from .sparse_dispatch import dense_routing_matrix, mixture_of_linears


@MODELS.register_module()
class FMEFFN(nn.Module):
    """E feature-modulation experts in front of ONE shared FFN.

    ``FME(x) = FFN(sum_i r_i(x) (gamma_i(h) * h + beta_i(h)))`` with
    ``h = GELU(W1 LN(x)) * (W2 LN(x))`` (gated pre-projection, ``gated=True``)
    or ``h = LN(x)``, and ``gamma_i, beta_i`` linear in ``h``. The gamma and
    beta of expert i are ONE (D, 2D) product; the k modulations of a token are
    combined before the shared FFN, which runs once per token (see
    ``mixture_of_linears``). The router sees the un-normalised token. W1 and
    W2 of the gate are stored as one ``gate`` Linear(D, 2D) (same parameters,
    one product).

    Expert biases start at gamma = 1, beta = 0, so a fresh layer modulates
    close to the identity.

    Args:
        embed_dims (int): token dimension D.
        hidden_dims (int): hidden dimension of the shared FFN.
        num_experts (int): E. Defaults to 16.
        top_k (int): experts per token. Defaults to 2.
        router_cfg (dict, optional): router config, ``type`` 'topk' or 'uar'
            plus its options. Defaults to top-k.
        gated (bool): gated pre-projection. Defaults to True.
        act_layer (type): activation class. Defaults to ``nn.GELU``.
        norm_layer (type): pre-normalisation class. Defaults to
            ``nn.LayerNorm``.
    """

    #: Parameters only ever used in the autocast dtype (the restorer keeps
    #: low-precision copies of them for inference, see ``precision.py``).
    low_precision_params = ('weight', 'bias')

    def __init__(self,
                 embed_dims: int,
                 hidden_dims: int,
                 num_experts: int = 16,
                 top_k: int = 2,
                 router_cfg: Optional[dict] = None,
                 gated: bool = True,
                 act_layer: type = nn.GELU,
                 norm_layer: type = nn.LayerNorm) -> None:
        super().__init__()
        self.router = build_router(router_cfg, embed_dims, num_experts, top_k)
        self.num_experts = int(num_experts)
        self.top_k = int(top_k)
        self.norm = norm_layer(embed_dims)
        self.gated = gated
        if gated:  # W1 and W2 of GELU(W1 h) * (W2 h) as one (2D, D) product
            self.gate = nn.Linear(embed_dims, 2 * embed_dims)
            self.act = act_layer()
        self.weight = nn.Parameter(
            torch.empty(self.num_experts, embed_dims, 2 * embed_dims))
        self.bias = nn.Parameter(torch.empty(self.num_experts, 2 * embed_dims))
        self.ffn = FFN(embed_dims, hidden_dims, act_layer=act_layer)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Linear-style expert weights; gamma bias 1, beta bias 0."""
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        nn.init.uniform_(self.weight, -bound, bound)
        dims = self.weight.shape[1]
        with torch.no_grad():
            self.bias[:, :dims].fill_(1.0)
            self.bias[:, dims:].zero_()

    def _prepare(self, x: Tensor):
        route = self.router(x)
        h = self.norm(x)
        if self.gated:
            pre, lin = self.gate(h).chunk(2, dim=-1)
            h = self.act(pre) * lin
        return route, routing_aux(route, x.shape[:-1]), h

    def _modulate(self, h: Tensor, mix: Tensor, shape) -> Tensor:
        gamma, beta = mix.to(h.dtype).chunk(2, dim=-1)
        return self.ffn(h * gamma + beta).reshape(shape)

    def forward(self, x: Tensor) -> Tuple[Tensor, dict]:
        """Sparse path: (..., D) -> ((..., D), aux); see ``routing_aux``."""
        route, aux, h = self._prepare(x)
        h = h.reshape(-1, x.shape[-1])
        mix = mixture_of_linears(h, self.weight, self.bias,
                                 route.weights.reshape(-1, self.top_k),
                                 route.indices.reshape(-1, self.top_k))
        return self._modulate(h, mix, x.shape).to(x.dtype), aux

    def forward_dense(self, x: Tensor) -> Tuple[Tensor, dict]:
        """Reference path evaluating all E experts (test use, O(E) cost)."""
        route, aux, h = self._prepare(x)
        proj = torch.einsum('...d,edo->...eo', h, self.weight) + self.bias
        dense = dense_routing_matrix(route.weights, route.indices,
                                     self.num_experts)
        mix = torch.einsum('...e,...eo->...o', dense.to(proj.dtype), proj)
        return self._modulate(h, mix, x.shape).to(x.dtype), aux
