"""Sparse top-k dispatch: route -> group by expert -> grouped product -> combine.

Only the k selected experts of a token are evaluated. The N = T * k (token,
expert) assignments are sorted by expert and each expert runs one product on
its contiguous block of rows; experts without rows cost nothing, and the
memory kept for the backward pass is O(N D), independent of the number of
experts E.

Everything stays on the device as tensors (no ``.tolist()``, no host sync):

* grouping: one ``argsort`` of the unique keys ``expert * N + assignment``
  (the stable order by expert with any sort; exported, a full ``topk``,
  ONNX ``TopK``, gives the same order), counts by ``scatter_add``;
* products: ``torch.nn.functional.grouped_mm`` (one call for all experts,
  fp32 and bf16 on CPU, bf16 on CUDA) where the device, dtype and 16-byte
  row alignment allow it; otherwise one ``torch.mm`` per used expert on
  host-side counts (one sync). While ``torch.export`` traces the layer (ONNX
  export) the products are one ``mm`` per expert on slices bounded by the
  cumulative counts, which the exported graph computes for every input;
* combine: each token gathers its k rows back (``position``, one
  ``index_select``) and adds them, no scatter.
"""
from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import Tensor


class ExpertGroups(NamedTuple):
    """Assignments of tokens to experts, sorted by expert.

    Attributes:
        token_index (Tensor): (N,) token of each sorted assignment.
        weights (Tensor): (N,) routing weight of each sorted assignment.
        expert (Tensor): (N,) expert of each sorted assignment (ascending).
        ends (Tensor): (E,) int64 end row of each expert's block (cumulative
            counts; expert e owns rows ``ends[e-1]:ends[e]``).
        position (Tensor): (T, k) sorted row of each (token, slot)
            assignment: the inverse of the sort.
    """

    token_index: Tensor
    weights: Tensor
    expert: Tensor
    ends: Tensor
    position: Tensor


def group_by_expert(weights: Tensor, indices: Tensor,
                    num_experts: int) -> ExpertGroups:
    """Sort the (token, expert) assignments of ``indices`` by expert.

    Args:
        weights (Tensor): (T, k) routing weights.
        indices (Tensor): (T, k) expert indices.
        num_experts (int): E.

    Returns:
        ExpertGroups: the sorted assignments (ties keep token order).
    """
    num_tokens, top_k = indices.shape
    flat = indices.reshape(-1)
    num = flat.shape[0]
    arange = torch.arange(num, device=flat.device)
    # unique keys: every sort gives the stable order; torch's stable CPU sort
    # is the fast one (radix); exported, a full ``topk`` (ONNX has TopK and
    # no translation of aten.sort)
    keys = flat * num + arange
    if torch.compiler.is_exporting():
        order = torch.topk(keys, num, largest=False, sorted=True).indices
    else:
        order = torch.argsort(keys, stable=True)
    counts = torch.zeros(num_experts, dtype=torch.long,
                         device=flat.device).scatter_add_(
                             0, flat, torch.ones_like(flat))
    position = torch.empty_like(order).scatter_(0, order, arange)
    return ExpertGroups(order // top_k,
                        weights.reshape(-1).index_select(0, order),
                        flat.index_select(0, order), counts.cumsum(0),
                        position.reshape(num_tokens, top_k))


def _grouped_mm_supported(x: Tensor, weight: Tensor) -> bool:
    """Whether ``F.grouped_mm`` runs these operands (device, dtype, strides)."""
    if x.dtype != weight.dtype or not (x.is_contiguous()
                                       and weight.is_contiguous()):
        return False
    aligned = all(size * x.element_size() % 16 == 0
                  for size in (x.shape[-1], weight.shape[-1]))
    if x.device.type == 'cpu':
        return aligned and x.dtype in (torch.float32, torch.bfloat16)
    if x.device.type == 'cuda':
        return (aligned and x.dtype == torch.bfloat16
                and torch.cuda.get_device_capability(x.device) >= (8, 0))
    return False


class _ContiguousGrad(torch.autograd.Function):
    """Identity whose backward makes the gradient contiguous.

    The backward of ``grouped_mm`` refuses gradients with zero strides (e.g.
    the expanded gradient of a ``.sum()``).
    """

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        return grad.contiguous()


def _expert_products(x: Tensor, weight: Tensor, ends: Tensor) -> Tensor:
    """``out[rows of e] = x[rows of e] @ weight[e]`` for every expert e."""
    exporting = torch.compiler.is_exporting()
    if not exporting and _grouped_mm_supported(x, weight):
        out = F.grouped_mm(x, weight, offs=ends.to(torch.int32))
        if out.requires_grad:
            out = _ContiguousGrad.apply(out)
        return out
    # one product per expert; unbind: ONE (E, D, O) gradient in backward
    experts = weight.unbind(0)
    outputs, start = [], 0
    if exporting:  # data-dependent slice bounds, symbolic in the graph
        for e, expert_weight in enumerate(experts):
            stop = ends[e].item()
            torch._check(stop >= start)
            torch._check(stop <= x.shape[0])
            outputs.append(x[start:stop] @ expert_weight)
            start = stop
        return torch.cat(outputs)
    for expert_weight, stop in zip(experts, ends.tolist()):  # one host sync
        if stop > start:
            outputs.append(x[start:stop] @ expert_weight)
        start = stop
    if not outputs:
        return x.new_empty(0, weight.shape[-1])
    return torch.cat(outputs)


def _compute_dtype(x: Tensor) -> torch.dtype:
    """The autocast dtype when autocast is on for ``x``'s device, else its own."""
    device_type = x.device.type
    if torch.is_autocast_enabled(device_type):
        return torch.get_autocast_dtype(device_type)
    return x.dtype


def grouped_linear(x: Tensor, weight: Tensor, bias: Optional[Tensor],
                   groups: ExpertGroups) -> Tensor:
    """``x[r] @ weight[e_r] + bias[e_r]`` for rows sorted by expert.

    Runs in the autocast dtype when autocast is on (``grouped_mm`` is not on
    autocast's lists): the stacked parameters are cast as one tensor, a no-op
    when they already have that dtype (the restorer's cached low-precision
    weights).

    Args:
        x (Tensor): (N, D) rows, sorted by expert.
        weight (Tensor): (E, D, O) stacked expert weights.
        bias (Tensor, optional): (E, O) stacked expert biases.
        groups (ExpertGroups): the sorted assignments.

    Returns:
        Tensor: (N, O).
    """
    dtype = _compute_dtype(x)
    out = _expert_products(x.to(dtype).contiguous(),
                           weight.to(dtype).contiguous(), groups.ends)
    if bias is not None:
        out = out + bias.to(dtype).index_select(0, groups.expert)
    return out


def _slot_sum(rows: Tensor, weights: Optional[Tensor]) -> Tensor:
    """``sum_j weights[:, j] * rows[:, j]`` of (T, k, C) rows, k adds.

    k elementwise adds are several times faster than a reduction over the
    middle dimension (``rows.sum(1)``) on CPU, in bf16 above all.
    """
    out = None
    for j in range(rows.shape[1]):
        term = rows[:, j]
        if weights is not None:
            term = term * weights[:, j:j + 1].to(rows.dtype)
        out = term if out is None else out + term
    return out


def gather_rows(values: Tensor, index: Tensor) -> Tensor:
    """``values[index]`` for a (N, C) table: ``index_select`` (several times
    faster than advanced indexing on CPU), shaped ``(*index.shape, C)``."""
    return values.index_select(0, index.reshape(-1)).view(
        *index.shape, values.shape[-1])


def combine(values: Tensor, groups: ExpertGroups,
            weights: Optional[Tensor] = None) -> Tensor:
    """Sum (weighted by ``weights``) of the k expert rows of each token.

    Args:
        values (Tensor): (N, C) expert outputs in sorted order.
        groups (ExpertGroups): the sorted assignments.
        weights (Tensor, optional): (T, k) routing weights; None sums the
            rows unweighted (they were weighted before the product).

    Returns:
        Tensor: (T, C).
    """
    return _slot_sum(gather_rows(values, groups.position), weights)


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
    of k rows per token).

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
    rows = x.index_select(0, groups.token_index) * groups.weights.to(
        x.dtype).unsqueeze(-1)
    prod = grouped_linear(rows, weight, None, groups)
    mixed_bias = _slot_sum(gather_rows(bias.to(prod.dtype), indices), weights)
    return mixed_bias + combine(prod, groups)
