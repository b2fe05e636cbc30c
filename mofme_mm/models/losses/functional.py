"""Loss maths as plain functions, shared by the loss modules."""
from typing import Optional

from torch import Tensor


def masked_mean(values: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Mean of ``values`` over the entries where ``mask`` is set.

    Args:
        values (Tensor): Per-element values, e.g. ``(B, C, H, W)``.
        mask (Tensor, optional): 0/1 mask broadcastable to ``values``;
            ``None`` averages over everything.

    Returns:
        Tensor: Scalar mean.
    """
    if mask is None:
        return values.mean()
    mask = mask.expand_as(values).to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def mse_loss(pred: Tensor, target: Tensor,
             mask: Optional[Tensor] = None) -> Tensor:
    """Mean squared error over the valid pixels.

    Args:
        pred (Tensor): Prediction, e.g. ``(B, C, H, W)``.
        target (Tensor): Target of the same shape.
        mask (Tensor, optional): Broadcastable 0/1 mask of valid pixels.

    Returns:
        Tensor: Scalar loss.
    """
    return masked_mean((pred - target).pow(2), mask)


def l1_loss(pred: Tensor, target: Tensor,
            mask: Optional[Tensor] = None) -> Tensor:
    """Mean absolute error over the valid pixels.

    Args:
        pred (Tensor): Prediction, e.g. ``(B, C, H, W)``.
        target (Tensor): Target of the same shape.
        mask (Tensor, optional): Broadcastable 0/1 mask of valid pixels.

    Returns:
        Tensor: Scalar loss.
    """
    return masked_mean((pred - target).abs(), mask)


def check_loss_args(owner: str, loss_weight: float, loss_name: str) -> None:
    """Validate the arguments every loss module takes.

    Args:
        owner (str): Class name used in the error messages.
        loss_weight (float): Must be >= 0.
        loss_name (str): Must contain ``'loss'`` so mmengine sums it.
    """
    if loss_weight < 0:
        raise ValueError(
            f'{owner}: loss_weight must be >= 0, got {loss_weight}.')
    if 'loss' not in loss_name:
        raise ValueError(
            f"{owner}: loss_name must contain 'loss' so that mmengine adds "
            f'it to the total loss, got {loss_name!r}.')
