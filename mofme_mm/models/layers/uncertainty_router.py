"""Uncertainty-aware router, UaR (paper Eq. 7), and its routing uncertainty."""
import contextlib
from numbers import Integral
from typing import Iterator, List, Optional

import torch
from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .routing import (
    RouterOutput,
    calibrate_logits,
    mc_logit_deviations,
    mc_prob_variance,
    routing_prob_spread,
    topk_routing,
    with_image_context,
)
from .topk_router import check_routing_args

UNCERTAINTY_ON = ('logits', 'probs')


@MODELS.register_module()
class UncertaintyRouter(nn.Module):
    """Top-k router calibrated by Monte-Carlo dropout (UaR).

    Interpretation of Eq. 7 used here (diagonal covariance, as the paper says):

    1. ``z = W x + b`` is the deterministic router output ``r(x)`` (logits; the
       paper calibrates "the router's logits").
    2. Dropout sits INSIDE the router: ``z_m = W drop_m(x) + b`` for m = 1..M.
       The M passes are one batched product (see ``mc_logit_deviations``); the
       experts never run more than once.
    3. ``mu`` and ``var`` are the per-expert mean and (biased) variance of the
       ``z_m``; ``Sigma^-1`` is ``1 / (var + eps)``.
    4. ``c = Sigma^-1 (z - mu) / ||Sigma^-1 (z - mu)||_2`` (Eq. 7), a unit vector,
       or exactly zero when the variance vanishes (``p = 0`` or no MC pass).
    5. Routing uses the calibrated logits ``z + calibration_scale * c``: top-k
       of their softmax, as the plain router. Eq. 7 alone cannot be the routing
       score: for a linear router with inverted dropout ``E[z_m] = z``, so
       ``z - mu`` is zero-mean MC noise; used on its own it carries no
       information about which expert fits the token, and it is 0/0 when the
       variance is zero (the public reference routes on it and its weights
       collapse to zero). Added to the logits it is a bounded (norm
       ``calibration_scale``), uncertainty-scaled perturbation (largest along
       experts whose logits are confident but off their mean), in the spirit
       of noisy top-k gating; ``c`` carries gradients in the backward pass.

    Consequences: weights are always finite and non-zero (softmax of finite
    logits); with ``p = 0`` (or in eval mode) ``c == 0`` exactly and the router
    chooses exactly as :class:`TopKRouter` with the same weights. Eval mode is
    deterministic unless ``mc_at_test=True``.

    The returned ``variance`` feeds the uncertainty loss (Eq. 10, "the
    covariance of r^m(x)"); it is zero when no MC pass ran. ``uncertainty_on``
    picks what it is the variance of (measurements in
    docs/uncertainty_loss.md):

    - ``'logits'`` (default): of the logits ``z_m``, the same ``var`` as in
      Eq. 7 (the paper's ``Sigma``). It grows with the square of the router
      weights: for the paper-size network ``lambda2 * L_uc`` is 0.012 at
      initialisation (7x the MSE of a 28 dB model), but training shrinks it
      within the first epochs, and this reading trained best in our toy runs
      (+0.10 dB over ``'probs'`` on the toy network, 3 of 3 seeds; +0.7 dB at
      the paper's width, one seed).
    - ``'probs'``: of the routing probabilities ``softmax(z_m)``. Bounded
      (<= 1/4) and scale-free, but about 100x smaller: at ``lambda2 = 5e-3``
      it trains like no uncertainty loss at all.

    At least two MC passes are needed (``num_samples >= 2``): one pass has
    zero variance, so the calibration vanishes and the uncertainty loss is 0.

    Args:
        in_dims (int): token dimension D.
        num_experts (int): number of experts E.
        top_k (int): experts per token. Defaults to 2.
        num_samples (int): M, Monte-Carlo passes, at least 2. Defaults to 5.
        dropout (float): dropout probability inside the router. Defaults to 0.1.
        renormalize (bool): rescale the kept probabilities to sum to one.
            Defaults to True.
        eps (float): added to the variance before inverting. Defaults to 1e-6.
        calibration_scale (float): norm of the calibration added to the logits.
            Defaults to 1.0.
        mc_at_test (bool): also run the MC passes in eval mode. Defaults to
            False.
        bias (bool): bias in the router projection. Defaults to True.
        uncertainty_on (str): ``'logits'`` or ``'probs'``, the quantity whose
            MC variance is returned for the uncertainty loss. Defaults to
            ``'logits'``.
        image_context (bool): route each token on itself and the mean token
            of its image (``routing.with_image_context``; (B, N, D) inputs;
            the dropout acts on both halves). Defaults to False (the paper's
            router).
    """

    def __init__(self,
                 in_dims: int,
                 num_experts: int,
                 top_k: int = 2,
                 num_samples: int = 5,
                 dropout: float = 0.1,
                 renormalize: bool = True,
                 eps: float = 1e-6,
                 calibration_scale: float = 1.0,
                 mc_at_test: bool = False,
                 bias: bool = True,
                 uncertainty_on: str = 'logits',
                 image_context: bool = False) -> None:
        super().__init__()
        check_routing_args(num_experts, top_k)
        if (not isinstance(num_samples, Integral) or isinstance(
                num_samples, bool) or num_samples < 2):
            raise ValueError(
                'router_cfg.num_samples must be an int >= 2 (the Monte-Carlo '
                'variance of a single pass is zero, which switches the '
                f'calibration and the uncertainty loss off), got '
                f'{num_samples!r}.')
        if uncertainty_on not in UNCERTAINTY_ON:
            raise ValueError(
                f'router_cfg.uncertainty_on must be one of {UNCERTAINTY_ON}, '
                f'got {uncertainty_on!r}.')
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(
                f'router_cfg.dropout must be in [0, 1), got {dropout}.')
        self.num_experts = int(num_experts)
        self.top_k = int(top_k)
        self.num_samples = int(num_samples)
        self.dropout = float(dropout)
        self.renormalize = renormalize
        self.eps = eps
        self.calibration_scale = calibration_scale
        self.mc_at_test = mc_at_test
        self.uncertainty_on = uncertainty_on
        self.image_context = image_context
        self.proj = nn.Linear(in_dims * (2 if image_context else 1),
                              self.num_experts, bias=bias)

    def forward(self, x: Tensor) -> RouterOutput:
        """Route tokens ``x`` (..., D); see :class:`RouterOutput`."""
        if self.image_context:
            x = with_image_context(x)
        logits = self.proj(x)
        if self.training or self.mc_at_test:
            deviations = mc_logit_deviations(x, self.proj.weight,
                                             self.num_samples, self.dropout)
            calib, variance = calibrate_logits(deviations, self.eps)
            if self.uncertainty_on == 'probs':
                variance = mc_prob_variance(logits, deviations)
            logits = logits.float() + self.calibration_scale * calib
        else:
            variance = torch.zeros_like(logits, dtype=torch.float32)
        probs, weights, indices = topk_routing(logits, self.top_k,
                                               self.renormalize)
        return RouterOutput(logits, weights, indices, probs, variance)

    def routing_uncertainty(self, x: Tensor,
                            num_samples: Optional[int] = None,
                            seed: int = 0) -> Tensor:
        """Per-token MC spread of this router's probabilities (any mode).

        What the routing uncertainty map is made of
        (:func:`.routing.routing_prob_spread`): the router's own dropout
        ``dropout``, ``num_samples`` passes (default: the router's
        ``num_samples``), masks drawn from a generator seeded with ``seed``
        (deterministic). Routing itself is not changed.

        Args:
            x (Tensor): (B, ..., D) router input.
            num_samples (int, optional): MC passes. Defaults to None.
            seed (int): seed of the dropout masks. Defaults to 0.

        Returns:
            Tensor: (B, ...) float32 spread in ``[0, 1 - 1/E]``.
        """
        if self.image_context:
            x = with_image_context(x)
        generator = torch.Generator(device=x.device)
        generator.manual_seed(seed)
        return routing_prob_spread(x, self.proj.weight, self.proj.bias,
                                   num_samples or self.num_samples,
                                   self.dropout, generator)


def mc_routers(network: nn.Module) -> List[UncertaintyRouter]:
    """The uncertainty-aware routers of ``network``, or a clear error.

    Args:
        network (nn.Module): A restoration network.

    Returns:
        list[UncertaintyRouter]: In module order.

    Raises:
        ValueError: The network routes without Monte-Carlo passes (top-k
            router, or no router at all); the message names what it has and
            what to use instead.
    """
    routers = [m for m in network.modules()
               if isinstance(m, UncertaintyRouter)]
    if routers:
        return routers
    others = sorted({
        type(m).__name__ for m in network.modules()
        if type(m).__name__.endswith('Router')
    })
    has = (f'routes with {", ".join(others)}, which makes one deterministic '
           'pass' if others else 'has no router (dense FFN)')
    raise ValueError(
        f'routing uncertainty needs the Monte-Carlo passes of the '
        f'uncertainty-aware router, but {type(network).__name__} {has}: use '
        "a model with ffn_cfg type 'moe' or 'fme' and "
        "router_cfg=dict(type='uar') (UncertaintyRouter), or call without "
        'uncertainty.')


@contextlib.contextmanager
def record_routing_uncertainty(network: nn.Module,
                               num_samples: Optional[int] = None,
                               seed: int = 0) -> Iterator[List[Tensor]]:
    """Record each UaR layer's per-token routing uncertainty during forwards.

    Inside the ``with`` block every forward pass of an
    :class:`UncertaintyRouter` of ``network`` appends
    :meth:`UncertaintyRouter.routing_uncertainty` of its input to the yielded
    list (one entry per MoE layer and pass, in execution order). Hooks are
    removed on exit.

    Args:
        network (nn.Module): A network with uncertainty-aware routers.
        num_samples (int, optional): MC passes. Defaults to the routers'.
        seed (int): seed of the dropout masks. Defaults to 0.

    Yields:
        list[Tensor]: The recorded (B, N) spreads.

    Raises:
        ValueError: As :func:`mc_routers`.
    """
    records: List[Tensor] = []

    def hook(module, args, output):
        records.append(module.routing_uncertainty(args[0], num_samples,
                                                  seed))

    handles = [r.register_forward_hook(hook) for r in mc_routers(network)]
    try:
        yield records
    finally:
        for handle in handles:
            handle.remove()
