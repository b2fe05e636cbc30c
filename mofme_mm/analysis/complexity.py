"""Parameter and activated-MAC counts of a restoration network (mmengine.analysis).

The network is traced in eval mode without gradients, so the sparse expert
paths appear as one grouped product over the (token, expert) assignments (or
one product per expert that received tokens): only ACTIVATED experts are
counted, as in the paper. The attention products of
``F.scaled_dot_product_attention`` (not counted by mmengine) get their own
handle and are reported separately: the paper's tables leave them out (its
dense ViT row, 34.93 GMAC at 240 x 240, is this network's count without them,
34.84; with them it is 36.50), so ``gmacs`` follows that convention and
``gmacs_total`` adds them back (use it for achieved FLOP rates).
"""
from typing import Any, Dict, List, Sequence

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.analysis.jit_handles import get_shape
from torch import nn

SDPA_OP = 'aten::scaled_dot_product_attention'


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of softmax(q k^T) v: B H L S (d_qk + d_v)."""
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for size in q[:-2]:
        batch *= size
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def mm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of ``aten::mm``, also in its ``out=`` form (three inputs)."""
    a, b = get_shape(inputs[0]), get_shape(inputs[1])
    return a[0] * a[1] * b[1]


def grouped_mm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """MACs of ``aten::_grouped_mm`` with (N, D) rows and (E, D, O) weights:
    every row meets one expert's weight, so N D O."""
    a, b = get_shape(inputs[0]), get_shape(inputs[1])
    return a[0] * a[1] * b[-1]


class _ImageOnly(nn.Module):
    """Wrap a network returning (image, aux) so the trace sees one tensor."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.network(x)
        return out[0] if isinstance(out, (tuple, list)) else out


def model_complexity(network: nn.Module,
                     shape: Sequence[int] = (240, 240),
                     batch_size: int = 1,
                     mc_router: bool = False) -> Dict[str, float]:
    """Count parameters and activated multiply-accumulates.

    Args:
        network (nn.Module): image -> image (or (image, aux)) network.
        shape (Sequence[int]): input (H, W). Defaults to (240, 240).
        batch_size (int): batch size of the traced input. Defaults to 1.
        mc_router (bool): count the Monte-Carlo passes of uncertainty-aware
            routers (as in training or with ``mc_at_test``); by default they
            are deterministic in eval and cost a plain router. Defaults to
            False.

    Returns:
        dict: ``params_m`` (millions), ``gmacs`` (activated GMACs per image
        without the attention products: the paper's convention),
        ``gmacs_attention`` (the attention products alone) and
        ``gmacs_total`` (the sum).
    """
    was_training = network.training
    network.eval()
    switched = [m for m in network.modules()
                if hasattr(m, 'mc_at_test') and not m.mc_at_test
                and mc_router]
    for module in switched:
        module.mc_at_test = True
    inputs = torch.rand(batch_size, 3, *shape,
                        device=next(network.parameters()).device)
    try:
        with torch.no_grad():
            analyzer = FlopAnalyzer(_ImageOnly(network), (inputs, ))
            analyzer.set_op_handle(SDPA_OP, sdpa_flop_jit)
            analyzer.set_op_handle('aten::mm', mm_flop_jit)
            analyzer.set_op_handle('aten::_grouped_mm', grouped_mm_flop_jit)
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            analyzer.tracer_warnings('none')
            total = analyzer.total()
            attention = analyzer.by_operator().get(
                SDPA_OP.split('::')[-1], 0)
    finally:
        network.train(was_training)
        for module in switched:
            module.mc_at_test = False
    scale = 1e9 * batch_size
    return dict(
        params_m=parameter_count(network)[''] / 1e6,
        gmacs=(total - attention) / scale,
        gmacs_attention=attention / scale,
        gmacs_total=total / scale)
