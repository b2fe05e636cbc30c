"""Sparse top-k dispatch: route -> group by expert -> per-expert product -> combine.

Only the k selected experts of a token are evaluated. The (token, expert)
assignments are sorted by expert (one ``argsort``), counted (one ``bincount``),
and each expert that received tokens runs ONE matrix product on its contiguous
block of rows. Experts without tokens cost nothing, and the memory kept for the
backward pass is O(N k D), independent of the number of experts E.
"""
from typing import List, NamedTuple, Optional

import torch
from torch import Tensor


class ExpertGroups(NamedTuple):
    """Assignments of tokens to experts, sorted by expert.

    Attributes:
        token_index (Tensor): (T * k,) token of each sorted assignment.
        weights (Tensor): (T * k,) routing weight of each sorted assignment.
        counts (list[int]): number of assignments of each expert (length E).
    """

    token_index: Tensor
    weights: Tensor
    counts: List[int]


def group_by_expert(weights: Tensor, indices: Tensor,
                    num_experts: int) -> ExpertGroups:
    """Sort the (token, expert) assignments of ``indices`` by expert.

    Args:
        weights (Tensor): (T, k) routing weights.
        indices (Tensor): (T, k) expert indices.
        num_experts (int): E.

    Returns:
        ExpertGroups: token index and weight per sorted assignment, counts.
    """
    top_k = indices.shape[-1]
    flat = indices.reshape(-1)
    order = torch.argsort(flat, stable=True)
    counts = torch.bincount(flat, minlength=num_experts).tolist()
    return ExpertGroups(order // top_k, weights.reshape(-1)[order], counts)


def _grouped_addmm(x: Tensor, weight: Tensor, bias: Optional[Tensor],
                   counts: List[int]) -> Tensor:
    """``out[rows of e] = x[rows of e] @ weight[e] (+ bias[e])``, used experts.

    Only the used experts' weights are cast to ``x.dtype`` (under autocast), so
    the cost never grows with the experts that received no rows.
    """
    out = x.new_empty(x.shape[0], weight.shape[-1])
    start = 0
    for e, n in enumerate(counts):
        if n:
            stop = start + n
            if bias is None:
                torch.mm(x[start:stop], weight[e].to(x.dtype),
                         out=out[start:stop])
            else:
                torch.addmm(bias[e].to(x.dtype), x[start:stop],
                            weight[e].to(x.dtype), out=out[start:stop])
            start = stop
    return out


class _GroupedLinear(torch.autograd.Function):
    """Grouped linear with a hand-written backward.

    Indexing a stacked (E, D, O) parameter per expert under autograd would make
    every expert's backward allocate a full (E, D, O) gradient; here the weight
    gradient is written in place, once.
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Optional[Tensor],
                counts: List[int]) -> Tensor:
        ctx.save_for_backward(x, weight)
        ctx.counts = counts
        ctx.has_bias = bias is not None
        ctx.param_dtype = weight.dtype
        return _grouped_addmm(x, weight, bias, counts)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        x, weight = ctx.saved_tensors
        grad_out = grad_out.to(x.dtype).contiguous()
        grad_x = torch.empty_like(x) if ctx.needs_input_grad[0] else None
        grad_w = (torch.zeros(weight.shape, dtype=x.dtype, device=x.device)
                  if ctx.needs_input_grad[1] else None)
        grad_b = (grad_out.new_zeros(weight.shape[0], weight.shape[-1])
                  if ctx.has_bias and ctx.needs_input_grad[2] else None)
        start = 0
        for e, n in enumerate(ctx.counts):
            if not n:
                continue
            stop = start + n
            g = grad_out[start:stop]
            if grad_x is not None:
                torch.mm(g, weight[e].to(x.dtype).t(), out=grad_x[start:stop])
            if grad_w is not None:
                torch.mm(x[start:stop].t(), g, out=grad_w[e])
            if grad_b is not None:
                torch.sum(g, dim=0, out=grad_b[e])
            start = stop
        if grad_w is not None:
            grad_w = grad_w.to(ctx.param_dtype)
        if grad_b is not None:
            grad_b = grad_b.to(ctx.param_dtype)
        return grad_x, grad_w, grad_b, None


def _autocast_input(x: Tensor) -> Tensor:
    """Cast ``x`` to the autocast dtype when autocast is on for its device."""
    device_type = x.device.type
    if torch.is_autocast_enabled(device_type):
        return x.to(torch.get_autocast_dtype(device_type))
    return x


def grouped_linear(x: Tensor, weight: Tensor, bias: Optional[Tensor],
                   counts: List[int]) -> Tensor:
    """One product per used expert on rows sorted by expert.

    Args:
        x (Tensor): (T, D) rows, sorted by expert (``counts[e]`` rows each).
        weight (Tensor): (E, D, O) stacked expert weights.
        bias (Tensor, optional): (E, O) stacked expert biases.
        counts (list[int]): rows per expert.

    Returns:
        Tensor: (T, O).
    """
    x = _autocast_input(x).contiguous()
    params = (weight, ) if bias is None else (weight, bias)
    if torch.is_grad_enabled() and (x.requires_grad or any(
            p.requires_grad for p in params)):
        return _GroupedLinear.apply(x, weight, bias, counts)
    return _grouped_addmm(x, weight, bias, counts)


def combine(values: Tensor, groups: ExpertGroups, num_tokens: int) -> Tensor:
    """Router-weighted sum of the k expert outputs of each token.

    Args:
        values (Tensor): (T * k, C) expert outputs in sorted order.
        groups (ExpertGroups): the sorted assignments.
        num_tokens (int): T.

    Returns:
        Tensor: (T, C).
    """
    weighted = values * groups.weights.to(values.dtype).unsqueeze(-1)
    out = weighted.new_zeros(num_tokens, values.shape[-1])
    return out.index_add(0, groups.token_index, weighted)


def dense_routing_matrix(weights: Tensor, indices: Tensor,
                         num_experts: int) -> Tensor:
    """(T, k) weights and indices -> (T, E) matrix, zero for unselected experts.

    Used by the dense reference paths, which evaluate every expert.
    """
    out = weights.new_zeros(*weights.shape[:-1], num_experts)
    return out.scatter(-1, indices, weights)


def mixture_of_linears(x: Tensor, weight: Tensor, bias: Tensor,
                       weights: Tensor, indices: Tensor) -> Tensor:
    """``sum_j w_j (x W_{e_j} + b_{e_j})`` per token, sparse.

    Linearity lets the routing weight scale the D-wide input rows instead of
    the O-wide outputs, and the biases mix as ``sum_j w_j b_{e_j}`` (a gather
    of k rows per token) into the buffer the products are added to.

    Args:
        x (Tensor): (T, D) tokens.
        weight (Tensor): (E, D, O) stacked expert weights.
        bias (Tensor): (E, O) stacked expert biases.
        weights (Tensor): (T, k) routing weights.
        indices (Tensor): (T, k) expert indices.

    Returns:
        Tensor: (T, O).
    """
    groups = group_by_expert(weights, indices, weight.shape[0])
    rows = x[groups.token_index] * groups.weights.to(x.dtype).unsqueeze(-1)
    prod = grouped_linear(rows, weight, None, groups.counts)
    mixed_bias = torch.einsum('tk,tko->to', weights.to(prod.dtype),
                              bias[indices].to(prod.dtype))
    return mixed_bias.index_add(0, groups.token_index, prod)
