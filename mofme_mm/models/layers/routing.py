"""Routing maths shared by the routers: top-k selection and the UaR statistics.

Plain functions; the router modules (``TopKRouter``, ``UncertaintyRouter``) are
thin wrappers around them.
"""
from typing import NamedTuple, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


class RouterOutput(NamedTuple):
    """What a router returns; unpacks as ``logits, weights, indices, ...``.

    Attributes:
        logits (Tensor): (..., E) logits the experts were chosen from (for the
            uncertainty-aware router: the calibrated logits).
        weights (Tensor): (..., k) float32 routing weights of the chosen experts.
        indices (Tensor): (..., k) long indices of the chosen experts.
        probs (Tensor): (..., E) float32 softmax of ``logits`` (load-balance loss).
        variance (Tensor, optional): (..., E) Monte-Carlo variance that feeds
            the uncertainty loss (Eq. 10): of the routing probabilities or of
            the logits, as the router's ``uncertainty_on`` says; ``None`` for a
            router without MC passes.
    """

    logits: Tensor
    weights: Tensor
    indices: Tensor
    probs: Tensor
    variance: Optional[Tensor] = None


def topk_routing(logits: Tensor, top_k: int,
                 renormalize: bool = True) -> Tuple[Tensor, Tensor, Tensor]:
    """Eq. 1-2: softmax over experts, keep the ``top_k`` largest.

    Args:
        logits (Tensor): (..., E) router logits.
        top_k (int): number of experts kept per token.
        renormalize (bool): rescale the kept probabilities to sum to one.
            Defaults to True.

    Returns:
        tuple: ``probs`` (..., E) float32, ``weights`` (..., k) float32 and
        ``indices`` (..., k) long.
    """
    probs = logits.float().softmax(dim=-1)
    weights, indices = probs.topk(top_k, dim=-1)
    if renormalize:
        weights = weights / weights.sum(dim=-1, keepdim=True)
    return probs, weights, indices


def with_image_context(x: Tensor) -> Tensor:
    """Each token next to the mean token of its image: (B, N, D) -> (B, N, 2D).

    The router input of ``image_context=True``: the second half is the same
    for every token of an image (of a tile, under tiled inference), so the
    router can choose experts by what the whole image looks like (its
    weather) as well as by the token. Per image: batch-mates never mix.

    Args:
        x (Tensor): (B, N, D) tokens.

    Returns:
        Tensor: (B, N, 2D).
    """
    if x.dim() != 3:
        raise ValueError(
            'router_cfg.image_context=True routes on the mean token of each '
            f'image and needs (B, N, D) tokens, got shape {tuple(x.shape)}.')
    return torch.cat([x, x.mean(dim=1, keepdim=True).expand_as(x)], dim=-1)


def mc_logit_deviations(x: Tensor, weight: Tensor, num_samples: int,
                        dropout: float) -> Tensor:
    """M Monte-Carlo dropout passes of a linear router, in ONE matrix product.

    Sample m of the router is ``W drop_m(x) + b = W x + b + W (drop_m(x) - x)``.
    Only the deviation ``u_m = W (drop_m(x) - x)`` is returned: the M inputs are
    one (M, ..., D) tensor multiplied once by ``W``. Working with deviations
    keeps zero dropout exact (``u_m == 0`` bit for bit), so a vanishing variance
    is really zero and not rounding noise.

    Args:
        x (Tensor): (..., D) router input.
        weight (Tensor): (E, D) router weight.
        num_samples (int): M, number of Monte-Carlo passes.
        dropout (float): dropout probability inside the router.

    Returns:
        Tensor: (M, ..., E) deviations of the M sampled logits from the
        deterministic logits.
    """
    keep = 1.0 - dropout
    scale = torch.empty((num_samples, *x.shape), dtype=x.dtype,
                        device=x.device).bernoulli_(keep)
    delta = x * scale.div_(keep).sub_(1.0)  # drop_m(x) - x, one pass
    return delta @ weight.t().to(delta.dtype)


def calibrate_logits(deviations: Tensor,
                     eps: float = 1e-6) -> Tuple[Tensor, Tensor]:
    """Eq. 7 with a diagonal covariance: the calibrated, normalised vector.

    With ``z = r(x)`` the deterministic logits, ``z_m = z + u_m`` the M sampled
    logits, ``mu`` their mean and ``var`` their (biased) per-expert variance,
    Eq. 7 reads ``c = (z - mu) / (var + eps)`` followed by ``c / ||c||_2``. The
    normalisation uses ``F.normalize`` (norm floored at 1e-12), so ``c == 0``
    (no dropout, or eval) gives exactly zero and never 0/0.

    Args:
        deviations (Tensor): (M, ..., E) ``u_m = z_m - z``.
        eps (float): added to the variance before inverting it. Defaults to 1e-6.

    Returns:
        tuple: the unit-norm (or zero) calibration vector (..., E) and the
        variance (..., E), both float32.
    """
    dev = deviations.float()
    mean_dev = dev.mean(dim=0)  # mu - z
    variance = (dev - mean_dev).square().mean(dim=0)
    calib = (-mean_dev) / (variance + eps)  # Sigma^-1 (z - mu)
    return F.normalize(calib, dim=-1, eps=1e-12), variance


def mc_prob_variance(logits: Tensor, deviations: Tensor) -> Tensor:
    """Per-expert variance of the routing probabilities over the M MC passes.

    ``var_m softmax(z + u_m)`` (biased, over m): the Monte-Carlo spread of
    what the router outputs, bounded by 1/4 whatever the scale of ``W``
    (unlike the variance of the logits, which grows with ``|W|^2``).

    Args:
        logits (Tensor): (..., E) deterministic logits ``z``.
        deviations (Tensor): (M, ..., E) ``u_m = z_m - z``.

    Returns:
        Tensor: (..., E) float32 variance; zero when the deviations are.
    """
    probs = (logits.float().unsqueeze(0) + deviations.float()).softmax(dim=-1)
    return probs.var(dim=0, unbiased=False)


def routing_prob_spread(x: Tensor,
                        weight: Tensor,
                        bias: Optional[Tensor],
                        num_samples: int,
                        dropout: float,
                        generator: Optional[torch.Generator] = None) -> Tensor:
    """Per-token Monte-Carlo spread of the routing probabilities.

    The M dropout passes of the uncertainty-aware router (dropout inside the
    router, ``z_m = W drop_m(x) + b``) give M probability vectors
    ``softmax(z_m)``; the spread is the sum over the E experts of their
    (biased) variance over the M passes, ``sum_e var_m softmax(z_m)_e``, in
    ``[0, 1 - 1/E]``. The passes run one after the other (memory of one
    pass); the dropout masks have the shape of ``x`` without its first
    (batch) dimension and are shared by the whole batch, so an image's value
    does not depend on its batch-mates and, with a seeded ``generator``, is
    deterministic. With ``dropout == 0`` every pass equals the deterministic
    router and the spread is exactly zero.

    Args:
        x (Tensor): (B, ..., D) router input.
        weight (Tensor): (E, D) router weight.
        bias (Tensor, optional): (E,) router bias.
        num_samples (int): M, Monte-Carlo passes (>= 2).
        dropout (float): dropout probability inside the router.
        generator (torch.Generator, optional): draws the dropout masks (on
            ``x``'s device). Defaults to None (the global generator).

    Returns:
        Tensor: (B, ...) float32 spread, >= 0.
    """
    with torch.autocast(x.device.type, enabled=False):  # float32 always
        x = x.detach().float()
        weight = weight.detach().float()
        logits = F.linear(x, weight,
                          None if bias is None else bias.detach().float())
        keep = 1.0 - float(dropout)
        mask_shape = x.shape[1:] if x.dim() > 1 else x.shape
        mean = torch.zeros_like(logits)
        sq_sum = torch.zeros_like(logits)
        for sample in range(num_samples):  # Welford's running variance
            mask = torch.empty(mask_shape, dtype=x.dtype, device=x.device)
            mask.bernoulli_(keep, generator=generator).div_(keep)
            probs = (logits + (x * mask - x) @ weight.t()).softmax(dim=-1)
            delta = probs - mean
            mean += delta / (sample + 1)
            sq_sum += delta * (probs - mean)
        return (sq_sum / num_samples).sum(dim=-1)
