"""Auxiliary MoE losses (paper Eq. 8 and Eq. 10), unweighted.

The weights lambda1 = 1e-2 and lambda2 = 5e-3 (Eq. 9, 11) are applied by the
restorer, not here.
"""
import torch
from torch import Tensor


def load_balance_loss(probs: Tensor, indices: Tensor) -> Tensor:
    """Load-balance loss (Eq. 8) in the form of Lepikhin et al. (GShard).

    ``L = E * sum_i f_i * P_i`` with ``f_i`` the fraction of the N k
    (token, expert) assignments that go to expert i (the ``v_i`` of Eq. 8,
    averaged over tokens) and ``P_i`` the mean router probability of expert i
    (the ``r_i``, averaged over tokens). Eq. 8 as printed sums ``v_i r_i`` per
    token, which does not depend on how tokens spread over experts; the
    product of the two token averages is the balance measure of the cited
    GShard/Switch papers, and gradients flow through ``P_i`` only.

    What the value means (each point is tested):

    - Balanced dispatch (``f_i = 1/E``) scores exactly 1, whatever the
      probabilities.
    - 1 is NOT a lower bound: the value weighs the load by the mean
      probability, so an imbalanced dispatch whose busy experts have a low
      mean probability scores below 1 (e.g. E = 2, top-1, 3/4 of the tokens
      to expert 0 with p = (0.5+, 0.5-), 1/4 to expert 1 with p = (0, 1):
      ``2 (3/4 * 3/8 + 1/4 * 5/8) = 0.875``). Do not read a small value as
      "balanced"; read the dispatch fractions.
    - Among routings whose dispatch follows the probabilities (``f = P``)
      it is ``E sum_i P_i^2 >= 1``, equal to 1 only for uniform ``P``; a
      router that sends every token to the same k experts with probability
      mass ~1 on them scores about E / k. Always ``0 <= L <= E``.
    - What makes it balance is its gradient: ``dL/dP_i = E f_i``, so each
      step lowers the router probability of every expert in proportion to
      its load (the dispatch itself is not differentiable); at balanced
      dispatch the push is the same for all experts and vanishes through the
      softmax. Training with it spreads a skewed router's dispatch.

    Args:
        probs (Tensor): (..., E) router probabilities (softmax over experts).
        indices (Tensor): (..., k) selected experts.

    Returns:
        Tensor: scalar float32 loss.
    """
    num_experts = probs.shape[-1]
    flat = indices.reshape(-1)
    dispatch = torch.bincount(flat, minlength=num_experts).float() / flat.numel()
    importance = probs.reshape(-1, num_experts).float().mean(dim=0)
    return num_experts * (dispatch * importance).sum()


def uncertainty_loss(variance: Tensor, indices: Tensor) -> Tensor:
    """Uncertainty loss (Eq. 10): ``E / N sum_n sum_i var_i(x_n) v_i(x_n)``.

    ``var`` is the router's Monte-Carlo variance: of the logits by default,
    or of the routing probabilities
    (``UncertaintyRouter(uncertainty_on=...)``; docs/uncertainty_loss.md
    has the measurement behind the default).

    Args:
        variance (Tensor): (..., E) Monte-Carlo variance of the router
            probabilities or logits.
        indices (Tensor): (..., k) selected experts (``v``).

    Returns:
        Tensor: scalar float32 loss; zero when no MC pass ran.
    """
    num_experts = variance.shape[-1]
    selected = variance.float().gather(-1, indices).sum(dim=-1)
    return num_experts * selected.mean()


def routing_aux(route, batch_shape) -> dict:
    """Routing statistics and unweighted losses of one MoE layer.

    Args:
        route (RouterOutput): what the router returned.
        batch_shape (tuple): leading shape of the tokens, e.g. (B, N).

    Returns:
        dict: ``weights`` (*batch_shape, k), ``indices`` (*batch_shape, k) and
        ``losses`` (``loss_balance``, plus ``loss_uncertainty`` when the router
        reports a variance).
    """
    losses = dict(loss_balance=load_balance_loss(route.probs, route.indices))
    if route.variance is not None:
        losses['loss_uncertainty'] = uncertainty_loss(route.variance,
                                                      route.indices)
    top_k = route.indices.shape[-1]
    return dict(
        weights=route.weights.reshape(*batch_shape, top_k),
        indices=route.indices.reshape(*batch_shape, top_k),
        losses=losses)
