"""Top-k softmax router (paper Eq. 1-2)."""
from numbers import Integral

from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .routing import RouterOutput, topk_routing, with_image_context


def check_routing_args(num_experts: int, top_k: int) -> None:
    """Raise ``ValueError`` naming the field for impossible expert settings.

    Both must be integers (``top_k='two'`` from ``--cfg-options`` is refused
    by name, not by ``int()``), ``num_experts >= 1`` and
    ``1 <= top_k <= num_experts``.
    """
    for name, value in (('num_experts', num_experts), ('top_k', top_k)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ValueError(
                f'ffn_cfg.{name} must be an integer, got {value!r} '
                f'({type(value).__name__}).')
    if num_experts < 1:
        raise ValueError(
            f'ffn_cfg.num_experts must be >= 1, got {num_experts}.')
    if not 1 <= top_k <= num_experts:
        raise ValueError(
            f'ffn_cfg.top_k must be in [1, num_experts={num_experts}], got '
            f'{top_k}; lower top_k or raise num_experts.')


@MODELS.register_module()
class TopKRouter(nn.Module):
    """Linear router with top-k softmax gating.

    ``r(x) = TopK(softmax(W_r x))``; only the k largest probabilities are kept.

    Args:
        in_dims (int): token dimension D.
        num_experts (int): number of experts E.
        top_k (int): experts per token. Defaults to 2.
        renormalize (bool): rescale the kept probabilities to sum to one (with
            ``top_k=1`` the weight is then always 1 and the router learns only
            from the load-balance loss). Defaults to True.
        bias (bool): bias in the router projection. Defaults to True.
        image_context (bool): route each token on itself and the mean token
            of its image (``routing.with_image_context``; (B, N, D) inputs).
            Defaults to False (the paper's router).
    """

    def __init__(self,
                 in_dims: int,
                 num_experts: int,
                 top_k: int = 2,
                 renormalize: bool = True,
                 bias: bool = True,
                 image_context: bool = False) -> None:
        super().__init__()
        check_routing_args(num_experts, top_k)
        self.num_experts = int(num_experts)
        self.top_k = int(top_k)
        self.renormalize = renormalize
        self.image_context = image_context
        self.proj = nn.Linear(in_dims * (2 if image_context else 1),
                              self.num_experts, bias=bias)

    def forward(self, x: Tensor) -> RouterOutput:
        """Route tokens ``x`` (..., D); see :class:`RouterOutput`."""
        if self.image_context:
            x = with_image_context(x)
        logits = self.proj(x)
        probs, weights, indices = topk_routing(logits, self.top_k,
                                               self.renormalize)
        return RouterOutput(logits, weights, indices, probs, None)
